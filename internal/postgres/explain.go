package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ExplainRegister runs EXPLAIN ANALYZE on the register's list queries the
// way the portal runs them (generic plans), for performance work
// (`go run ./bench -explain`). It is not used by the portal itself.
func ExplainRegister(ctx context.Context, pool *pgxpool.Pool, q string) (string, error) {
	f := SystemFilter{Query: q}
	f.Normalise()
	args := []any{f.Query, f.DepartmentID, f.Lifecycle, f.Hosting, f.PersonalData, f.MissingAdministrator, f.HeldBy,
		f.EvaluationOverdue, escapeLike(f.Query), f.PerPage, 0}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Release()
	var out strings.Builder
	explain := func(name string, rows pgx.Rows, err error) error {
		if err != nil {
			return err
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		out.WriteString("== " + name + "\n" + strings.Join(lines, "\n") + "\n")
		return nil
	}
	// Twice each: the second run uses the cached generic plan.
	for range 2 {
		out.Reset()
		if q == "" {
			rows, err := conn.Query(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+systemListFirstPage, args[:10]...)
			if err := explain("first page", rows, err); err != nil {
				return "", err
			}
			continue
		}
		rows, err := conn.Query(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+systemSearchPage, args...)
		if err := explain("search page", rows, err); err != nil {
			return "", err
		}
	}
	return out.String(), nil
}
