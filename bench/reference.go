package main

import (
	"bytes"
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// serveReference runs the bare reference server: chi, pgx and templ, one
// query for 50 rows, nothing else. `/?efter={id}` starts the rows after a
// person's id (the varied mix asks from random places; `/` from the start).
func serveReference(ctx context.Context, dsn, addr string) error {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	r := chi.NewRouter()
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		after, err := strconv.ParseInt(r.URL.Query().Get("efter"), 10, 64)
		if err != nil {
			after = 0
		}
		rows, err := pool.Query(r.Context(), `SELECT id, name, email FROM people WHERE id > $1 ORDER BY id LIMIT 50`, after)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[RefRow])
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		var buf bytes.Buffer
		if err := refPage(list).Render(r.Context(), &buf); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(buf.Bytes())
	})
	srv := &http.Server{Addr: addr, Handler: r}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}
