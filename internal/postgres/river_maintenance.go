package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// ReindexResult is what ReindexRiver did.
type ReindexResult struct {
	Rebuilt []string
	Skipped []SkippedIndex
}

// SkippedIndex is an index ReindexRiver left alone, and why.
type SkippedIndex struct{ Index, Reason string }

// riverIndex tells whether an index exists in the current schema and
// whether the connected role owns it (REINDEX requires that).
const riverIndex = `
	SELECT pg_has_role(current_user, c.relowner, 'USAGE')
	FROM pg_class c WHERE c.relname = $1 AND c.relkind = 'i' AND c.relnamespace = current_schema()::regnamespace`

// riverIndexArtifacts are the half-built copies ("_ccnew", invalid) that an
// interrupted REINDEX CONCURRENTLY leaves behind.
const riverIndexArtifacts = `
	SELECT c.relname FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
	WHERE c.relnamespace = current_schema()::regnamespace AND c.relname LIKE $1 || '\_ccnew%' AND NOT i.indisvalid`

// ReindexRiver rebuilds River's indexes by name with REINDEX INDEX
// CONCURRENTLY (the table stays usable), one at a time, over conn, which
// must not be in a transaction. A half-built copy an interrupted run left
// is dropped first. The names are River's own list; each is quoted as an
// identifier.
func ReindexRiver(ctx context.Context, conn *pgx.Conn, names []string) (ReindexResult, error) {
	var r ReindexResult
	for _, name := range names {
		var owned bool
		err := conn.QueryRow(ctx, riverIndex, name).Scan(&owned)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			r.Skipped = append(r.Skipped, SkippedIndex{name, "no such index (River's migrations not run?)"})
			continue
		case err != nil:
			return r, translate(err)
		case !owned:
			r.Skipped = append(r.Skipped, SkippedIndex{name, "the connected role does not own it"})
			continue
		}
		rows, err := conn.Query(ctx, riverIndexArtifacts, name)
		if err != nil {
			return r, translate(err)
		}
		artifacts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return r, translate(err)
		}
		for _, a := range artifacts {
			if _, err := conn.Exec(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+pgx.Identifier{a}.Sanitize()); err != nil {
				return r, translate(err)
			}
		}
		if _, err := conn.Exec(ctx, "REINDEX INDEX CONCURRENTLY "+pgx.Identifier{name}.Sanitize()); err != nil {
			return r, translate(err)
		}
		r.Rebuilt = append(r.Rebuilt, name)
	}
	return r, nil
}
