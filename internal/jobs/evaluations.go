package jobs

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/postgres"
)

// EvaluationRemindersWorker tells each system's administrator 30 days
// before its evaluation is due and once more when it is overdue (R12).
// What was sent is recorded in evaluation_notices in the transaction that
// enqueues the notifications, so every reminder goes out once.
type EvaluationRemindersWorker struct {
	river.WorkerDefaults[jobargs.EvaluationReminders]
	Evaluations *postgres.EvaluationService
	Log         *slog.Logger
}

// Work enqueues the reminders that are due.
func (w *EvaluationRemindersWorker) Work(ctx context.Context, _ *river.Job[jobargs.EvaluationReminders]) error {
	n, err := w.Evaluations.Remind(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		w.Log.Info("evaluation reminders enqueued", "count", n)
	}
	return nil
}
