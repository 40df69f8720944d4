package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
)

// JobStatus is what /admin/jobb shows: jobs per state, and the jobs that
// failed (retrying, or given up after the last attempt).
type JobStatus struct {
	Counts  []StateCount
	Failed  []FailedJob
	Backlog int // notifications waiting or retrying (a batch job counts its people not yet mailed)
}

// StateCount is the number of jobs in a state.
type StateCount struct {
	State string
	Count int
}

// FailedJob is a job with errors.
type FailedJob struct {
	ID        int64
	Kind      string
	Topic     string
	State     string
	Attempt   int
	LastError string
	At        time.Time
}

// JobStatusOf reads the job queue. Administrators only.
func JobStatusOf(ctx context.Context, pool *pgxpool.Pool, actor *portal.Actor) (JobStatus, error) {
	var st JobStatus
	if !portal.CanAdminister(actor) {
		return st, portal.Forbidden("Bara administratörer ser bakgrundsjobben.")
	}
	rows, err := pool.Query(ctx, `SELECT state::text, count(*) FROM river_job GROUP BY state ORDER BY state`)
	if err != nil {
		return st, translate(err)
	}
	if st.Counts, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (StateCount, error) {
		var c StateCount
		err := r.Scan(&c.State, &c.Count)
		return c, err
	}); err != nil {
		return st, translate(err)
	}
	// A batch job (args person_ids) tells many people: what it has left is
	// its people less the mails it has sent.
	if err := pool.QueryRow(ctx, `
		SELECT COALESCE(sum(CASE WHEN j.args ? 'person_ids'
			THEN GREATEST(jsonb_array_length(j.args->'person_ids') - (SELECT count(*) FROM mail_log m WHERE m.job_id = j.id), 0)
			ELSE 1 END), 0)
		FROM river_job j WHERE j.kind = ANY($1) AND j.state IN ('available', 'scheduled', 'retryable', 'running')`, jobargs.NoticeKinds()).Scan(&st.Backlog); err != nil {
		return st, translate(err)
	}
	rows, err = pool.Query(ctx, `
		SELECT id, kind, COALESCE(args->>'topic', args->>'step', ''), state::text, attempt,
		       COALESCE(errors[array_upper(errors, 1)]->>'error', ''), COALESCE(finalized_at, attempted_at, created_at)
		FROM river_job WHERE state IN ('discarded', 'retryable') ORDER BY id DESC LIMIT 100`)
	if err != nil {
		return st, translate(err)
	}
	st.Failed, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (FailedJob, error) {
		var f FailedJob
		err := r.Scan(&f.ID, &f.Kind, &f.Topic, &f.State, &f.Attempt, &f.LastError, &f.At)
		return f, err
	})
	return st, translate(err)
}
