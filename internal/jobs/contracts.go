package jobs

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/postgres"
)

// ContractRemindersWorker reminds each contract's responsible person and
// IT-enheten before its notice or option deadline, at the offsets of
// ITPORTAL_CONTRACT_REMINDER_DAYS. What was sent is claimed in
// contract_reminders in the transaction that enqueues the notifications,
// so a second run the same day (or on another replica) sends nothing.
type ContractRemindersWorker struct {
	river.WorkerDefaults[jobargs.ContractReminders]
	Reminders *postgres.ContractReminderService
	Log       *slog.Logger
}

// Work enqueues the reminders that are due.
func (w *ContractRemindersWorker) Work(ctx context.Context, _ *river.Job[jobargs.ContractReminders]) error {
	n, err := w.Reminders.Remind(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		w.Log.Info("contract reminders enqueued", "count", n)
	}
	return nil
}
