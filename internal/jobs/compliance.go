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

// Work recomputes and records the day's counts per rule for the history
// chart: the whole recomputation (just after midnight, and when the leader
// starts) records them, replacing what the day had; the runs every few
// minutes only when the day has none yet. Periodic jobs run on the leader
// alone, and a day recorded twice holds the same as once.
func (w *ComplianceWorker) Work(ctx context.Context, job *river.Job[jobargs.ComplianceRecompute]) error {
	r, err := w.Board.Recompute(ctx, job.Args.Clock)
	if err != nil {
		return err
	}
	w.Log.Info("compliance board recomputed", "clock_only", job.Args.Clock, "added", r.Added, "removed", r.Removed, "took_ms", r.Took.Milliseconds())
	if job.Args.Clock {
		recorded, err := w.Board.RecordHistoryOnce(ctx)
		if recorded {
			w.Log.Info("compliance history recorded", "late", true)
		}
		return err
	}
	return w.Board.RecordHistory(ctx)
}

// Timeout gives a whole recomputation of a large register room.
func (w *ComplianceWorker) Timeout(*river.Job[jobargs.ComplianceRecompute]) time.Duration {
	return 10 * time.Minute
}
