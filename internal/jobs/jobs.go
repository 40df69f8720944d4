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

	"itportal/internal/postgres"
)

// Client is the River client type the portal uses.
type Client = river.Client[pgx.Tx]

// NotifyArgs asks for people to be told about a change. Until the
// notifications issue delivers mail, the worker records it in the log.
type NotifyArgs struct {
	Topic      string `json:"topic"` // e.g. "system.role_changed"
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
}

// Kind names the job kind in River's table.
func (NotifyArgs) Kind() string { return "notify" }

// NotifyWorker handles NotifyArgs.
type NotifyWorker struct {
	river.WorkerDefaults[NotifyArgs]
	Log *slog.Logger
}

// Work records the notification.
func (w *NotifyWorker) Work(_ context.Context, job *river.Job[NotifyArgs]) error {
	w.Log.Info("notification", "job_id", job.ID, "topic", job.Args.Topic, "object_type", job.Args.ObjectType, "object_id", job.Args.ObjectID)
	return nil
}

// PurgeSessionsArgs removes expired sessions; River schedules it
// periodically and, through leader election, once across replicas.
type PurgeSessionsArgs struct{}

// Kind names the job kind.
func (PurgeSessionsArgs) Kind() string { return "purge_sessions" }

// PurgeSessionsWorker handles PurgeSessionsArgs.
type PurgeSessionsWorker struct {
	river.WorkerDefaults[PurgeSessionsArgs]
	Store *postgres.SessionStore
	Log   *slog.Logger
}

// Work purges expired sessions.
func (w *PurgeSessionsWorker) Work(ctx context.Context, _ *river.Job[PurgeSessionsArgs]) error {
	n, err := w.Store.DeleteExpired(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		w.Log.Info("expired sessions purged", "count", n)
	}
	return nil
}

// NewClient returns a River client over pool. With workers it works the
// default queue (call Start); without, it can only insert jobs, for
// web-only replicas.
func NewClient(pool *pgxpool.Pool, logger *slog.Logger, withWorkers bool) (*Client, error) {
	cfg := &river.Config{Logger: logger.With("component", "river")}
	if withWorkers {
		workers := river.NewWorkers()
		if err := river.AddWorkerSafely(workers, &NotifyWorker{Log: logger}); err != nil {
			return nil, err
		}
		if err := river.AddWorkerSafely(workers, &PurgeSessionsWorker{Store: postgres.NewSessionStore(pool), Log: logger}); err != nil {
			return nil, err
		}
		cfg.Workers = workers
		cfg.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(15*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
				return PurgeSessionsArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
		}
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}}
	}
	c, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return c, nil
}
