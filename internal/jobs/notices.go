package jobs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/notify"
	"itportal/internal/postgres"
)

// One worker per kind of notice (jobargs.*Notice): each composes its own
// messages (internal/notify) and delivers them through notify.Deliver:
// Händelser for each person told and mail once per job and recipient. A
// failure (the mail server down) returns the error and River retries with
// backoff; the mail rate snoozes the job instead (not a failed attempt).
// Without a notifier (Options.Notifier nil) notices are only logged.

// deliver sends what a worker composed and turns the mail rate's pause
// into a snooze.
func deliver(ctx context.Context, n *notify.Notifier, log *slog.Logger, job *rivertype.JobRow, msgs []notify.Message, err error) error {
	if err == nil {
		err = n.Deliver(ctx, job.ID, msgs)
	}
	if paused, ok := errors.AsType[*notify.Paused](err); ok {
		// The mail rate (or a slow server) leaves no room for the rest in
		// this run: the job comes back for it (a snooze is not a failed
		// attempt).
		log.Info("notification job paused; the rest later", "job_id", job.ID, "kind", job.Kind, "sent", paused.Sent, "left", paused.Left, "after", paused.After)
		return river.JobSnooze(paused.After)
	}
	if err != nil {
		log.Warn("notification not delivered; will retry", "job_id", job.ID, "kind", job.Kind, "attempt", job.Attempt, "err", err)
		return err
	}
	return nil
}

// logOnly stands in for delivery without a notifier.
func logOnly(log *slog.Logger, job *rivertype.JobRow) error {
	log.Info("notification", "job_id", job.ID, "kind", job.Kind, "args", string(job.EncodedArgs))
	return nil
}

// RoleChangeNoticeWorker tells of role changes and register imports, and
// records the outcome for each role period told about (R3).
type RoleChangeNoticeWorker struct {
	river.WorkerDefaults[jobargs.RoleChangeNotice]
	Notifier *notify.Notifier
	Log      *slog.Logger
	Notices  *postgres.RoleNotices // the outcome per role change told about (R3)
}

// Work delivers the notice and records its outcome.
func (w *RoleChangeNoticeWorker) Work(ctx context.Context, job *river.Job[jobargs.RoleChangeNotice]) (err error) {
	defer func() {
		if _, paused := errors.AsType[*river.JobSnoozeError](err); !paused {
			err = w.Notices.Record(ctx, job.ID, job.Args.Assignments, err)
		}
	}()
	if w.Notifier == nil {
		return logOnly(w.Log, job.JobRow)
	}
	msgs, err := w.Notifier.RoleChange(ctx, job.Args)
	return deliver(ctx, w.Notifier, w.Log, job.JobRow, msgs, err)
}

// CaseStepNoticeWorker tells the parties of a case about a step. Comments
// are coalesced: the job (one waiting per case and audience, River's
// unique jobs) waits until the first comment is Window old, then tells
// each recipient of every comment not yet told in one mail, within
// notify.CommentRate per person; comments that came in meanwhile keep the
// job coming back.
type CaseStepNoticeWorker struct {
	river.WorkerDefaults[jobargs.CaseStepNotice]
	Notifier *notify.Notifier
	Log      *slog.Logger
	Window   time.Duration
}

// Work delivers the notice.
func (w *CaseStepNoticeWorker) Work(ctx context.Context, job *river.Job[jobargs.CaseStepNotice]) error {
	if w.Notifier == nil {
		return logOnly(w.Log, job.JobRow)
	}
	if job.Args.Step == jobargs.StepCommented {
		return w.comments(ctx, job)
	}
	msgs, err := w.Notifier.CaseStep(ctx, job.Args)
	return deliver(ctx, w.Notifier, w.Log, job.JobRow, msgs, err)
}

func (w *CaseStepNoticeWorker) comments(ctx context.Context, job *river.Job[jobargs.CaseStepNotice]) error {
	claim, err := w.Notifier.ClaimComments(ctx, job.ID, job.Args, w.Window)
	if err != nil {
		return err
	}
	if claim.Wait > 0 {
		return river.JobSnooze(claim.Wait)
	}
	if len(claim.Comments) > 0 {
		msgs, err := w.Notifier.Comments(ctx, job.Args, claim)
		if err := deliver(ctx, w.Notifier, w.Log, job.JobRow, msgs, err); err != nil {
			return err // a retry or a snooze tells the same comments
		}
	}
	// Completed in the transaction that sees whether more came in.
	more, err := w.Notifier.FinishComments(ctx, job.ID, job.Args, claim, func(tx postgres.Tx) error {
		_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job)
		return err
	})
	if err != nil {
		return err
	}
	if more {
		return river.JobSnooze(time.Second) // the claim says how long they wait
	}
	return nil
}

// NoticeWorker delivers a notice composed from its job's arguments alone
// (an acknowledgement, a reminder, a manager's digest, an evaluation or
// contract reminder, the audit anchor); compose is the Notifier's method for it.
type NoticeWorker[A river.JobArgs] struct {
	river.WorkerDefaults[A]
	Notifier *notify.Notifier
	Log      *slog.Logger
	compose  func(*notify.Notifier, context.Context, A) ([]notify.Message, error)
}

func newNoticeWorker[A river.JobArgs](n *notify.Notifier, log *slog.Logger, compose func(*notify.Notifier, context.Context, A) ([]notify.Message, error)) *NoticeWorker[A] {
	return &NoticeWorker[A]{Notifier: n, Log: log, compose: compose}
}

// Work delivers the notice.
func (w *NoticeWorker[A]) Work(ctx context.Context, job *river.Job[A]) error {
	if w.Notifier == nil {
		return logOnly(w.Log, job.JobRow)
	}
	msgs, err := w.compose(w.Notifier, ctx, job.Args)
	return deliver(ctx, w.Notifier, w.Log, job.JobRow, msgs, err)
}

// LegacyNotifyWorker works the jobs of the old single kind "notify" still
// queued at an upgrade (or enqueued by a replica of the old version during
// a rolling one): each becomes the notice of its kind and is worked by
// that kind's worker under the same job id, so what a batch already sent
// (mail_log) is not sent again and R3's outcome is recorded as before.
type LegacyNotifyWorker struct {
	river.WorkerDefaults[jobargs.LegacyNotify]
	Log           *slog.Logger
	RoleChange    *RoleChangeNoticeWorker
	CaseStep      *CaseStepNoticeWorker
	Acknowledge   *NoticeWorker[jobargs.AcknowledgeNotice]
	AckReminder   *NoticeWorker[jobargs.AckReminderNotice]
	ManagerDigest *NoticeWorker[jobargs.ManagerDigestNotice]
	Evaluation    *NoticeWorker[jobargs.EvaluationNotice]
	AuditAnchor   *NoticeWorker[jobargs.AuditAnchorNotice]
}

// as is the old job with the new arguments.
func as[T river.JobArgs](job *river.Job[jobargs.LegacyNotify], args T) *river.Job[T] {
	return &river.Job[T]{JobRow: job.JobRow, Args: args}
}

// Work hands the job to its kind's worker.
func (w *LegacyNotifyWorker) Work(ctx context.Context, job *river.Job[jobargs.LegacyNotify]) error {
	next, ok := job.Args.Upgrade()
	if !ok {
		w.Log.Info("old notification job of no known topic: nothing to tell", "job_id", job.ID, "topic", job.Args.Topic)
		return nil
	}
	switch a := next.(type) {
	case jobargs.RoleChangeNotice:
		return w.RoleChange.Work(ctx, as(job, a))
	case jobargs.CaseStepNotice:
		return w.CaseStep.Work(ctx, as(job, a))
	case jobargs.AcknowledgeNotice:
		return w.Acknowledge.Work(ctx, as(job, a))
	case jobargs.AckReminderNotice:
		return w.AckReminder.Work(ctx, as(job, a))
	case jobargs.ManagerDigestNotice:
		return w.ManagerDigest.Work(ctx, as(job, a))
	case jobargs.EvaluationNotice:
		return w.Evaluation.Work(ctx, as(job, a))
	case jobargs.AuditAnchorNotice:
		return w.AuditAnchor.Work(ctx, as(job, a))
	}
	return errors.New("old notification job: no worker for " + next.Kind())
}

// noticeWorkers builds the notification workers and registers them.
func noticeWorkers(workers *river.Workers, n *notify.Notifier, log *slog.Logger, notices *postgres.RoleNotices, window time.Duration) error {
	legacy := &LegacyNotifyWorker{
		Log:           log,
		RoleChange:    &RoleChangeNoticeWorker{Notifier: n, Log: log, Notices: notices},
		CaseStep:      &CaseStepNoticeWorker{Notifier: n, Log: log, Window: window},
		Acknowledge:   newNoticeWorker(n, log, (*notify.Notifier).Acknowledge),
		AckReminder:   newNoticeWorker(n, log, (*notify.Notifier).AckReminder),
		ManagerDigest: newNoticeWorker(n, log, (*notify.Notifier).ManagerDigest),
		Evaluation:    newNoticeWorker(n, log, (*notify.Notifier).Evaluation),
		AuditAnchor:   newNoticeWorker(n, log, (*notify.Notifier).AuditAnchor),
	}
	for _, err := range []error{
		river.AddWorkerSafely(workers, newNoticeWorker(n, log, (*notify.Notifier).ContractReminder)),
		river.AddWorkerSafely(workers, legacy.RoleChange),
		river.AddWorkerSafely(workers, legacy.CaseStep),
		river.AddWorkerSafely(workers, legacy.Acknowledge),
		river.AddWorkerSafely(workers, legacy.AckReminder),
		river.AddWorkerSafely(workers, legacy.ManagerDigest),
		river.AddWorkerSafely(workers, legacy.Evaluation),
		river.AddWorkerSafely(workers, legacy.AuditAnchor),
		river.AddWorkerSafely(workers, legacy),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// insertOpts puts notices in their own queue at their priority; comments
// are unique per case and audience while one waits or runs, so a burst of
// them is one job (it tells all of them).
func insertOpts(a jobargs.Args) *river.InsertOpts {
	n, ok := a.(jobargs.Notice)
	if !ok {
		return nil
	}
	o := &river.InsertOpts{Queue: QueueNotify, Priority: n.Priority()}
	if c, ok := a.(jobargs.CaseStepNotice); ok && c.Coalesced() {
		o.UniqueOpts = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled,
		}}
	}
	return o
}
