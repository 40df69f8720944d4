package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// RoleNotices keeps, per role change, what became of the notification that
// tells IT-enheten about it (R3): River forgets finished jobs after a day,
// the compliance board must not.
type RoleNotices struct {
	pool *pgxpool.Pool
	keep breachKeeper
}

// NewRoleNotices returns the record over pool; official is the
// municipality's official web address, for the systems' other checks.
func NewRoleNotices(pool *pgxpool.Pool, official string) *RoleNotices {
	return &RoleNotices{pool: pool, keep: breachKeeper{official: official}}
}

// recordNotice upserts the outcome for each role period; a delivered
// notification stays delivered (a later duplicate job cannot undo it).
const recordNotice = `
	INSERT INTO role_change_notices (assignment_id, outcome, job_id, attempts, last_error, updated_at)
	SELECT ra.id, $2, $3, 1, $4, now() FROM role_assignments ra WHERE ra.id = ANY($1::bigint[])
	ON CONFLICT (assignment_id) DO UPDATE SET outcome = EXCLUDED.outcome, job_id = EXCLUDED.job_id,
		attempts = role_change_notices.attempts + 1, last_error = EXCLUDED.last_error, updated_at = now()
	WHERE role_change_notices.outcome <> 'delivered'`

// Record notes the outcome of notification job jobID for the role periods
// ids: delivered when failure is nil, else failed with its text. It returns
// failure itself when there is one (the job's own error wins), otherwise
// any error from recording, so the job is retried and the record written.
// A nil RoleNotices or no ids records nothing.
func (n *RoleNotices) Record(ctx context.Context, jobID int64, ids []int64, failure error) error {
	if n == nil || len(ids) == 0 {
		return failure
	}
	outcome, text := "delivered", ""
	if failure != nil {
		outcome, text = "failed", failure.Error()
		if r := []rune(text); len(r) > 2000 {
			text = string(r[:2000])
		}
	}
	// A job that ran out of time still gets its failure recorded.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	// The outcome and what R3 now finds commit together.
	err := inTx(rctx, n.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(rctx, recordNotice, ids, outcome, jobID, text); err != nil {
			return translate(err)
		}
		rows, err := tx.Query(rctx, `SELECT DISTINCT system_id FROM role_assignments WHERE id = ANY($1) ORDER BY 1`, ids)
		if err != nil {
			return translate(err)
		}
		systems, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return translate(err)
		}
		return n.keep.refresh(rctx, tx, Scope{Systems: systems})
	})
	if failure != nil {
		return failure
	}
	if err != nil {
		return errors.Join(errors.New("record the notification's outcome"), translate(err))
	}
	return nil
}
