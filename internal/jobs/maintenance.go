package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/postgres"
)

// RiverReindexWorker rebuilds River's indexes (river.ReindexerIndexNamesDefault,
// the ones River's own reindexer would) with REINDEX CONCURRENTLY over a
// connection of the role that owns them, OwnerURL: the runtime role may
// read and write River's tables but cannot rebuild their indexes. An index
// the role does not own is skipped with a warning (OwnerURL left at the
// runtime role's URL); a copy an interrupted run left half built is
// dropped first. Without OwnerURL the job does nothing.
type RiverReindexWorker struct {
	river.WorkerDefaults[jobargs.RiverReindex]
	OwnerURL string
	Log      *slog.Logger
}

// Work reindexes.
func (w *RiverReindexWorker) Work(ctx context.Context, _ *river.Job[jobargs.RiverReindex]) error {
	if w.OwnerURL == "" {
		w.Log.Info("river reindex skipped: no owner connection (ITPORTAL_MIGRATE_DATABASE_URL)")
		return nil
	}
	conn, err := pgx.Connect(ctx, w.OwnerURL)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	started := time.Now()
	r, err := postgres.ReindexRiver(ctx, conn, river.ReindexerIndexNamesDefault())
	if err != nil {
		return err
	}
	for _, s := range r.Skipped {
		w.Log.Warn("river index not rebuilt", "index", s.Index, "reason", s.Reason)
	}
	w.Log.Info("river indexes rebuilt", "count", len(r.Rebuilt), "took_ms", time.Since(started).Milliseconds())
	return nil
}
