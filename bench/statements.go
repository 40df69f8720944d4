package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"
)

// topStatements is how many of PostgreSQL's statements -statements prints
// after the varied mix (0: the extension is not loaded).
var topStatements int

// resetStatements empties pg_stat_statements before the mix, so what is
// printed after it is what the mix cost.
func resetStatements(ctx context.Context, superURL string) error {
	if topStatements <= 0 {
		return nil
	}
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
		return fmt.Errorf("pg_stat_statements: %w", err)
	}
	_, err = conn.Exec(ctx, `SELECT pg_stat_statements_reset()`)
	return err
}

// printStatements writes the statements the database spent most time on
// during the mix: total and mean milliseconds, calls, and the text's start.
func printStatements(ctx context.Context, superURL string, w io.Writer) error {
	if topStatements <= 0 {
		return nil
	}
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `
		SELECT total_exec_time, total_plan_time, mean_exec_time, calls, rows, query
		FROM pg_stat_statements
		WHERE query NOT LIKE '%pg_stat_statements%'
		ORDER BY total_exec_time + total_plan_time DESC LIMIT $1`, topStatements)
	if err != nil {
		return err
	}
	defer rows.Close()
	fmt.Fprintln(w, "statements by time spent in PostgreSQL during the mix (executing ms, planning ms, mean executing ms, calls, rows):")
	for rows.Next() {
		var total, plan, mean float64
		var calls, n int64
		var query string
		if err := rows.Scan(&total, &plan, &mean, &calls, &n, &query); err != nil {
			return err
		}
		query = strings.Join(strings.Fields(query), " ")
		if len(query) > 400 {
			query = query[:400] + "…"
		}
		fmt.Fprintf(w, "%10.0f %10.0f %8.3f %8d %9d  %s\n", total, plan, mean, calls, n, query)
	}
	return rows.Err()
}
