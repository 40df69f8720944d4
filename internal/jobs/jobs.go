// Package jobs holds the River background workers and their arguments.
// Jobs are always inserted in the transaction of the change that causes
// them (InsertTx), so a rolled-back change leaves no job behind.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/notify"
	"itportal/internal/portal"
	"itportal/internal/postgres"
)

// Client is the River client type the portal uses.
type Client = river.Client[pgx.Tx]

// PurgeSessionsWorker removes expired sessions; River schedules it
// periodically and, through leader election, once across replicas.
type PurgeSessionsWorker struct {
	river.WorkerDefaults[jobargs.PurgeSessions]
	Store *postgres.SessionStore
	Log   *slog.Logger
}

// Work purges expired sessions.
func (w *PurgeSessionsWorker) Work(ctx context.Context, _ *river.Job[jobargs.PurgeSessions]) error {
	n, err := w.Store.DeleteExpired(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		w.Log.Info("expired sessions purged", "count", n)
	}
	return nil
}

// DeactivateEndedWorker deactivates people whose employment ended (an end
// date imported in advance takes effect on the day).
type DeactivateEndedWorker struct {
	river.WorkerDefaults[jobargs.DeactivateEnded]
	People *postgres.PersonService
	Log    *slog.Logger
}

// Work deactivates.
func (w *DeactivateEndedWorker) Work(ctx context.Context, _ *river.Job[jobargs.DeactivateEnded]) error {
	n, err := w.People.DeactivateEnded(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		w.Log.Info("people deactivated: employment ended", "count", n)
	}
	return nil
}

// AckRemindersWorker reminds people who have owed an acknowledgement for
// longer than After, at most once per After.
type AckRemindersWorker struct {
	river.WorkerDefaults[jobargs.AckReminders]
	Docs  *postgres.DocumentService
	After time.Duration
	Log   *slog.Logger
}

// Work enqueues the reminders.
func (w *AckRemindersWorker) Work(ctx context.Context, _ *river.Job[jobargs.AckReminders]) error {
	n, err := w.Docs.Remind(ctx, w.After)
	if err != nil {
		return err
	}
	if n > 0 {
		w.Log.Info("acknowledgement reminders enqueued", "count", n)
	}
	// Managers: a digest of their outstanding staff, at most weekly.
	m, err := w.Docs.DigestManagers(ctx, w.After)
	if err != nil {
		return err
	}
	if m > 0 {
		w.Log.Info("manager digests enqueued", "count", m)
	}
	return nil
}

// AuditNightlyWorker anchors the audit chain's head outside the database
// (the log and ITPORTAL_AUDIT_ANCHOR_MAIL) and verifies the whole chain,
// recording the outcome for the compliance board (R14).
type AuditNightlyWorker struct {
	river.WorkerDefaults[jobargs.AuditNightly]
	Chain      *postgres.AuditChain
	AnchorMail string
	Log        *slog.Logger
}

// Work anchors and verifies.
func (w *AuditNightlyWorker) Work(ctx context.Context, _ *river.Job[jobargs.AuditNightly]) error {
	_, err := w.Chain.Nightly(ctx, w.AnchorMail, w.Log)
	return err
}

// Timeout lets the verification of a large log take longer than other jobs.
func (w *AuditNightlyWorker) Timeout(*river.Job[jobargs.AuditNightly]) time.Duration {
	return 30 * time.Minute
}

// dailyAt is a schedule of one run a day at a Stockholm wall-clock time.
type dailyAt struct{ hour, minute int }

func (d dailyAt) Next(t time.Time) time.Time {
	s := t.In(portal.Stockholm)
	next := time.Date(s.Year(), s.Month(), s.Day(), d.hour, d.minute, 0, 0, portal.Stockholm)
	if !next.After(t) {
		next = time.Date(s.Year(), s.Month(), s.Day()+1, d.hour, d.minute, 0, 0, portal.Stockholm)
	}
	return next
}

// Options tune the periodic jobs.
type Options struct {
	AckReminder time.Duration    // 0: seven days
	Notifier    *notify.Notifier // nil: notifications are only logged
	RescueAfter time.Duration    // 0: five minutes
	AnchorMail  string           // ITPORTAL_AUDIT_ANCHOR_MAIL
	// OfficialWebAddress is ITPORTAL_OFFICIAL_WEB_ADDRESS, for the
	// compliance checks (R13) the jobs recompute.
	OfficialWebAddress string
	// CommentWindow is how long comments on a case gather before they are
	// told in one mail (0: two minutes).
	CommentWindow time.Duration
	// MaintenanceURL connects as the role that owns River's tables
	// (ITPORTAL_MIGRATE_DATABASE_URL) for the nightly reindex; empty skips
	// it.
	MaintenanceURL string
	// ReindexSchedule is when River's indexes are rebuilt (nil: every
	// night at 03:15).
	ReindexSchedule river.PeriodicSchedule
	// ContractReminderDays are the days before a contract's deadline it
	// is reminded of (ITPORTAL_CONTRACT_REMINDER_DAYS; nil: 180, 90, 30
	// and 0).
	ContractReminderDays []int
}

// NewClient returns a River client over pool. With workers it works the
// default queue (call Start); without, it can only insert jobs, for
// web-only replicas.
func NewClient(pool *pgxpool.Pool, logger *slog.Logger, withWorkers bool, opts ...Options) (*Client, error) {
	cfg := &river.Config{
		Logger: logger.With("component", "river"),
		// River fetches at most once per cooldown, as many jobs as workers
		// are free: the default 100 ms capped a lifted-rate mail run at
		// 100 jobs a second (10 workers / 0.1 s).
		FetchCooldown: 20 * time.Millisecond,
	}
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.AckReminder <= 0 {
		o.AckReminder = 7 * 24 * time.Hour
	}
	if o.CommentWindow <= 0 {
		o.CommentWindow = 2 * time.Minute
	}
	if o.ReindexSchedule == nil {
		o.ReindexSchedule = dailyAt{3, 15}
	}
	// River's own reindexer runs as the process's role, which does not own
	// River's tables (docs/operations.md, Database set-up): every night it
	// could only log "must be owner of index". It is given nothing to do
	// (an empty list, not nil, which means River's defaults); the
	// river_reindex job rebuilds the same indexes as the owner. Its
	// schedule is the job's, should River ever reindex anything itself.
	cfg.ReindexerIndexNames = []string{}
	cfg.ReindexerSchedule = o.ReindexSchedule
	// A job whose worker died (a crash, kill -9, a lost node) is retried
	// after RescueAfter (5 minutes) instead of River's default hour. Every
	// job here is done well within its timeout, which must be shorter.
	if o.RescueAfter <= 0 {
		o.RescueAfter = 5 * time.Minute
	}
	cfg.RescueStuckJobsAfter = o.RescueAfter
	cfg.JobTimeout = min(2*time.Minute, o.RescueAfter/2)
	reminders := &AckRemindersWorker{After: o.AckReminder, Log: logger}
	nightly := &AuditNightlyWorker{AnchorMail: o.AnchorMail, Log: logger}
	evaluations := &EvaluationRemindersWorker{Log: logger}
	compliance := &ComplianceWorker{Log: logger}
	contracts := &ContractRemindersWorker{Log: logger}
	if withWorkers {
		workers := river.NewWorkers()
		if err := noticeWorkers(workers, o.Notifier, logger, postgres.NewRoleNotices(pool, o.OfficialWebAddress), o.CommentWindow); err != nil {
			return nil, err
		}
		if err := river.AddWorkerSafely(workers, &RiverReindexWorker{OwnerURL: o.MaintenanceURL, Log: logger}); err != nil {
			return nil, err
		}
		if err := river.AddWorkerSafely(workers, &PurgeSessionsWorker{Store: postgres.NewSessionStore(pool), Log: logger}); err != nil {
			return nil, err
		}
		if err := river.AddWorkerSafely(workers, &DeactivateEndedWorker{People: postgres.NewPersonService(pool, o.OfficialWebAddress), Log: logger}); err != nil {
			return nil, err
		}
		if err := river.AddWorkerSafely(workers, reminders); err != nil {
			return nil, err
		}
		if err := river.AddWorkerSafely(workers, nightly); err != nil {
			return nil, err
		}
		if err := river.AddWorkerSafely(workers, evaluations); err != nil {
			return nil, err
		}
		if err := river.AddWorkerSafely(workers, compliance); err != nil {
			return nil, err
		}
		if err := river.AddWorkerSafely(workers, contracts); err != nil {
			return nil, err
		}
		cfg.Workers = workers
		cfg.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(15*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
				return jobargs.PurgeSessions{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			// Hourly, so the day an employment ends is never missed by more
			// than an hour (and a replica restart does not skip a day).
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return jobargs.DeactivateEnded{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return jobargs.AckReminders{}, nil
			}, nil),
			// Evaluations due in 30 days or overdue (R12): each told once.
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return jobargs.EvaluationReminders{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			// Contract deadlines: reminded every night at 05:30, before the
			// working day, and when the leader starts (a night missed is
			// caught up; each reminder is claimed once).
			river.NewPeriodicJob(dailyAt{5, 30}, func() (river.JobArgs, *river.InsertOpts) {
				return jobargs.ContractReminders{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			// The audit chain: anchored and verified every night at 02:30.
			river.NewPeriodicJob(dailyAt{2, 30}, func() (river.JobArgs, *river.InsertOpts) {
				return jobargs.AuditNightly{}, nil
			}, nil),
			// The compliance board: the whole of it just after midnight
			// (due dates and role periods move with the date) and when the
			// leader starts (repairing drift, and after a change of
			// ITPORTAL_OFFICIAL_WEB_ADDRESS); what the clock changes within
			// a day every five minutes.
			river.NewPeriodicJob(dailyAt{0, 1}, func() (river.JobArgs, *river.InsertOpts) {
				return jobargs.ComplianceRecompute{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
				return jobargs.ComplianceRecompute{Clock: true}, nil
			}, nil),
			// River's indexes, rebuilt as their owner (see above).
			river.NewPeriodicJob(o.ReindexSchedule, func() (river.JobArgs, *river.InsertOpts) {
				return jobargs.RiverReindex{}, nil
			}, nil),
		}
		// Notifications have a queue of their own with few workers: a
		// burst of mail (10,000 reminders) takes a bounded share of the
		// CPU the pages need, and never holds up the periodic jobs.
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}, QueueNotify: {MaxWorkers: 4}}
	}
	c, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	reminders.Docs = postgres.NewDocumentService(pool, Enqueuer(c), 0, nil)
	nightly.Chain = postgres.NewAuditChain(pool, Enqueuer(c))
	evaluations.Evaluations = postgres.NewEvaluationService(pool, Enqueuer(c), o.OfficialWebAddress, nil)
	compliance.Board = postgres.NewComplianceService(pool, Enqueuer(c), o.OfficialWebAddress, nil)
	contracts.Reminders = postgres.NewContractReminderService(pool, Enqueuer(c), o.ContractReminderDays, nil)
	return c, nil
}

// QueueNotify is the queue of notification jobs.
const QueueNotify = "notify"

// Enqueuer returns a function that inserts jobs in a caller's transaction.
func Enqueuer(c *Client) postgres.Enqueuer {
	return func(ctx context.Context, tx pgx.Tx, args ...jobargs.Args) error {
		args = jobargs.Pack(args)
		if len(args) == 1 {
			_, err := c.InsertTx(ctx, tx, args[0], insertOpts(args[0]))
			return err
		}
		params := make([]river.InsertManyParams, len(args))
		unique := false
		for i, a := range args {
			params[i] = river.InsertManyParams{Args: a, InsertOpts: insertOpts(a)}
			unique = unique || (params[i].InsertOpts != nil && params[i].InsertOpts.UniqueOpts.ByArgs)
		}
		if unique {
			// COPY cannot skip a duplicate of a coalesced notice.
			_, err := c.InsertManyTx(ctx, tx, params)
			return err
		}
		_, err := c.InsertManyFastTx(ctx, tx, params)
		return err
	}
}
