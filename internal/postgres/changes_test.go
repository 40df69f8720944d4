package postgres_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// The departments' cache as another replica sees it: a change committed
// elsewhere reaches it through the change feed; while the feed's connection
// is lost nothing is cached, and after it comes back the cache is right.
func TestChangeFeedKeepsCachesRight(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	pool, owner, su := db.Pool(t), db.OwnerPool(t), db.SuperuserPool(t)
	if _, err := owner.Exec(ctx, `INSERT INTO departments (name, short_name) VALUES ('Socialförvaltningen', 'SOC')`); err != nil {
		t.Fatal(err)
	}
	feed := postgres.NewChangeFeed(pool, slog.New(slog.DiscardHandler))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); feed.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
	waitFor(t, "the feed to listen", feed.Live)

	deps := postgres.NewDepartmentService(pool)
	deps.CacheWith(feed)
	names := func() string {
		t.Helper()
		list, err := deps.ListActive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, d := range list {
			s += d.Name + ";"
		}
		return s
	}
	if got := names(); got != "Socialförvaltningen;" {
		t.Fatalf("departments: %q", got)
	}
	// Cached: a write that sends no notification (the trigger disabled for
	// this one statement) is not seen, which proves the cache is used.
	tx, err := su.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE departments SET name = 'Tyst ändrad' WHERE short_name = 'SOC'`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := names(); got != "Socialförvaltningen;" {
		t.Fatalf("the cache was not used: %q", got)
	}
	// A normal change elsewhere: seen once the notification arrives.
	if _, err := owner.Exec(ctx, `INSERT INTO departments (name, short_name) VALUES ('Barn- och utbildningsförvaltningen', 'BUF')`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new department", func() bool { return names() == "Barn- och utbildningsförvaltningen;Tyst ändrad;" })

	// The listening connection is lost (a fail-over, an administrator's
	// pg_terminate_backend): caching stops at once, and the feed comes back.
	before, _ := feed.Generation()
	if _, err := su.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN `+postgres.ChangeChannel+`%'`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the feed to notice", func() bool { g, _ := feed.Generation(); return g > before+1 || !feed.Live() })
	waitFor(t, "the feed to come back", feed.Live)
	if _, err := owner.Exec(ctx, `UPDATE departments SET name = 'Socialförvaltningen' WHERE short_name = 'SOC'`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the change after reconnecting", func() bool { return names() == "Barn- och utbildningsförvaltningen;Socialförvaltningen;" })

	// Without a running feed nothing is cached at all.
	cold := postgres.NewDepartmentService(pool)
	cold.CacheWith(postgres.NewChangeFeed(pool, slog.New(slog.DiscardHandler)))
	if _, err := owner.Exec(ctx, `UPDATE departments SET active = false WHERE short_name = 'BUF'`); err != nil {
		t.Fatal(err)
	}
	if list, err := cold.ListActive(ctx); err != nil || len(list) != 1 {
		t.Fatalf("an idle feed's cache: %v %v", list, err)
	}
}

// The signed-in person is cached per replica; a role taken away elsewhere
// holds at the next request after the notification.
func TestActorCacheFollowsRoleChanges(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	pool, owner := db.Pool(t), db.OwnerPool(t)
	var pid int64
	if err := owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Åsa Öberg', 'asa@example.lillaedet.se') RETURNING id`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `INSERT INTO person_roles (person_id, role) VALUES ($1, 'it_unit')`, pid); err != nil {
		t.Fatal(err)
	}
	feed := postgres.NewChangeFeed(pool, slog.New(slog.DiscardHandler))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); feed.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
	waitFor(t, "the feed to listen", feed.Live)
	people := postgres.NewPersonService(pool)
	people.CacheWith(feed)
	isITUnit := func() bool {
		c, err := people.Actor(ctx, pid)
		if err != nil {
			t.Fatal(err)
		}
		return c.Actor.Has(portal.RoleITUnit) && c.Active
	}
	if !isITUnit() {
		t.Fatal("not IT-enheten before the change")
	}
	if _, err := owner.Exec(ctx, `DELETE FROM person_roles WHERE person_id = $1`, pid); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the role to be gone", func() bool { return !isITUnit() })
}
