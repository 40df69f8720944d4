package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/postgres"
)

// ComplianceWorker keeps the compliance board's breaches right for what
// time alone changes, and repairs drift: every change recomputes what it
// touches in its own transaction, so a whole recomputation that has to add
// or remove anything means a change path forgot to (logged as a warning).
type ComplianceWorker struct {
	river.WorkerDefaults[jobargs.ComplianceRecompute]
	Board *postgres.ComplianceService
	Log   *slog.Logger
}

// Work recomputes and, for the whole board, records the day's counts.
func (w *ComplianceWorker) Work(ctx context.Context, job *river.Job[jobargs.ComplianceRecompute]) error {
	r, err := w.Board.Recompute(ctx, job.Args.Clock)
	if err != nil {
		return err
	}
	w.Log.Info("compliance board recomputed", "clock_only", job.Args.Clock, "added", r.Added, "removed", r.Removed, "took_ms", r.Took.Milliseconds())
	if job.Args.Clock {
		return nil
	}
	return w.Board.RecordHistory(ctx)
}

// Timeout gives a whole recomputation of a large register room.
func (w *ComplianceWorker) Timeout(*river.Job[jobargs.ComplianceRecompute]) time.Duration {
	return 10 * time.Minute
}
