package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PortalState is what the metrics report of the portal's state: the job
// queue by kind and state, cases waiting and the audit chain's last
// verification.
type PortalState struct {
	Jobs []JobCount
	// OldestAvailable is the age of the oldest job waiting to run.
	OldestAvailable time.Duration
	CasesWaiting    map[string]int64 // by state
	// AuditOK and AuditVerifiedAt are the last verification of the audit
	// chain; nil before the first.
	AuditOK         *bool
	AuditVerifiedAt *time.Time
}

// JobCount is the number of jobs of a kind in a state.
type JobCount struct {
	Kind, State string
	Count       int64
}

// ReadPortalState reads the state in one read-only transaction (one
// snapshot).
func ReadPortalState(ctx context.Context, pool *pgxpool.Pool) (PortalState, error) {
	st := PortalState{CasesWaiting: map[string]int64{}}
	err := readTx(ctx, pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT kind, state::text, count(*) FROM river_job GROUP BY 1, 2`)
		if err != nil {
			return translate(err)
		}
		st.Jobs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (JobCount, error) {
			var c JobCount
			err := r.Scan(&c.Kind, &c.State, &c.Count)
			return c, err
		})
		if err != nil {
			return translate(err)
		}
		var oldest float64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(EXTRACT(epoch FROM now() - min(scheduled_at)), 0)::float8 FROM river_job WHERE state = 'available' AND scheduled_at <= now()`).Scan(&oldest); err != nil {
			return translate(err)
		}
		st.OldestAvailable = time.Duration(oldest * float64(time.Second))
		rows, err = tx.Query(ctx, `SELECT state, count(*) FROM requests WHERE state IN ('inskickat', 'under_handlaggning', 'komplettering_begard') GROUP BY 1`)
		if err != nil {
			return translate(err)
		}
		for rows.Next() {
			var state string
			var n int64
			if err := rows.Scan(&state, &n); err != nil {
				rows.Close()
				return translate(err)
			}
			st.CasesWaiting[state] = n
		}
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		if err := tx.QueryRow(ctx, `SELECT ok, at FROM audit_verifications ORDER BY at DESC, id DESC LIMIT 1`).Scan(&st.AuditOK, &st.AuditVerifiedAt); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return translate(err)
		}
		return nil
	})
	return st, err
}
