package jobs_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"itportal/internal/jobs"
	"itportal/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// soon is a schedule that comes round every second: the night, sped up.
type soon struct{}

func (soon) Next(t time.Time) time.Time { return t.Add(time.Second) }

// TestNightlyMaintenanceLogsNoError: a worker process as production runs
// it (the runtime role, which does not own River's tables, and the owner's
// URL for maintenance) goes through its nightly maintenance with the
// schedule sped up: River's indexes are rebuilt (by the owner: their files
// change) and nothing is logged at ERROR, where River's own reindexer,
// running as the runtime role, logged "must be owner of index" for each.
func TestNightlyMaintenanceLogsNoError(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	owner := db.OwnerPool(t)
	files := func() map[string]int64 {
		rows, err := owner.Query(ctx, `SELECT relname, relfilenode::bigint FROM pg_class WHERE relkind = 'i' AND relname LIKE 'river\_job%'`)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for rows.Next() {
			var name string
			var node int64
			if err := rows.Scan(&name, &node); err != nil {
				t.Fatal(err)
			}
			out[name] = node
		}
		return out
	}
	before := files()
	logs := testkit.NewLogSink()
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := jobs.NewClient(db.Pool(t), log, true, jobs.Options{MaintenanceURL: db.OwnerURL, ReindexSchedule: soon{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	logs.WaitFor(t, 30*time.Second, "river indexes rebuilt")
	// Another round, and River's own maintenance on the same schedule.
	time.Sleep(2500 * time.Millisecond)
	after := files()
	if after["river_job_pkey"] == before["river_job_pkey"] || after["river_job_kind"] == before["river_job_kind"] {
		t.Errorf("River's indexes were not rebuilt: %v then %v", before, after)
	}
	for _, l := range logs.Lines() {
		if strings.Contains(l, "level=ERROR") {
			t.Errorf("error logged: %s", l)
		}
		if strings.Contains(l, "river index not rebuilt") {
			t.Errorf("an index skipped: %s", l)
		}
	}
	var done int
	if err := owner.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'river_reindex' AND state = 'completed'`).Scan(&done); err != nil || done == 0 {
		t.Errorf("%d reindex jobs completed (%v)", done, err)
	}
}
