package postgres_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

func TestSessionStore(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	s := postgres.NewSessionStore(db.Pool(t))
	if err := s.CommitCtx(ctx, "live", []byte("a"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitCtx(ctx, "live", []byte("b"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitCtx(ctx, "old", []byte("x"), time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if b, ok, err := s.FindCtx(ctx, "live"); err != nil || !ok || string(b) != "b" {
		t.Fatalf("find live: %q %v %v", b, ok, err)
	}
	if _, ok, _ := s.FindCtx(ctx, "old"); ok {
		t.Fatal("an expired session was found")
	}
	if n, err := s.DeleteExpired(ctx); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if err := s.DeleteCtx(ctx, "live"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.FindCtx(ctx, "live"); ok {
		t.Fatal("a deleted session was found")
	}
}

// Two replicas' stores over one database, each keeping the sessions it has
// read: a session changed or removed on one is never served stale by the
// other once the notification has arrived; one changed on a replica is
// fresh on that replica at once; while the feed's connection is lost
// nothing is kept.
func TestSessionCacheFollowsOtherReplicas(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	pool, su := db.Pool(t), db.SuperuserPool(t)
	replica := func() (*postgres.SessionStore, *postgres.ChangeFeed) {
		feed := postgres.NewChangeFeed(pool, slog.New(slog.DiscardHandler))
		store := postgres.NewSessionStore(pool)
		store.CacheWith(feed)
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); feed.Run(runCtx) }()
		t.Cleanup(func() { stop(); <-done })
		waitFor(t, "the feed to listen", feed.Live)
		return store, feed
	}
	a, _ := replica()
	b, feedB := replica()
	find := func(s *postgres.SessionStore, token string) string {
		t.Helper()
		data, ok, err := s.FindCtx(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return "(none)"
		}
		return string(data)
	}
	hour := time.Now().Add(time.Hour)
	// signIn writes a session through a and reads it through b, which
	// then keeps it.
	signIn := func(token, data string, expiry time.Time) {
		t.Helper()
		if err := a.CommitCtx(ctx, token, []byte(data), expiry); err != nil {
			t.Fatal(err)
		}
		if got := find(b, token); got != data {
			t.Fatalf("replica b: %q, want %q", got, data)
		}
	}
	signIn("tok", "signed in", hour)
	// Kept: a write that sends no notification is not seen by b, which
	// proves b no longer asks the database.
	silently := func(sql string) {
		t.Helper()
		tx, err := su.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	silently(`UPDATE sessions SET data = 'silent' WHERE token = 'tok'`)
	if got := find(b, "tok"); got != "signed in" {
		t.Fatalf("replica b did not keep the session: %q", got)
	}

	// A changes it (a flash message, a new last-seen time): fresh on a at
	// once, and on b once the notification is in.
	if err := a.CommitCtx(ctx, "tok", []byte("flash"), hour); err != nil {
		t.Fatal(err)
	}
	if got := find(a, "tok"); got != "flash" {
		t.Fatalf("replica a after its own write: %q", got)
	}
	waitFor(t, "b to see the change", func() bool { return find(b, "tok") == "flash" })

	// Signed out on a: gone on b once the notification is in.
	if err := a.DeleteCtx(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if got := find(a, "tok"); got != "(none)" {
		t.Fatalf("replica a after sign-out: %q", got)
	}
	waitFor(t, "b to see the sign-out", func() bool { return find(b, "tok") == "(none)" })

	// Every session ended at once (TRUNCATE, as an operator might).
	signIn("tok2", "two", hour)
	if _, err := su.Exec(ctx, `TRUNCATE sessions`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b to see the truncate", func() bool { return find(b, "tok2") == "(none)" })

	// A session past its expiry is not served from the cache either.
	signIn("short", "short", time.Now().Add(300*time.Millisecond))
	waitFor(t, "the short session to lapse on b", func() bool { return find(b, "short") == "(none)" })

	// b's feed loses its connection: nothing is served from what b kept,
	// even a change that sends no notification is seen at once.
	signIn("tok3", "three", hour)
	if _, err := su.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN `+postgres.ChangeChannel+`%'`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b's feed to notice", func() bool { return !feedB.Live() })
	silently(`UPDATE sessions SET data = 'while lost' WHERE token = 'tok3'`)
	waitFor(t, "b to read the database", func() bool { return find(b, "tok3") == "while lost" })
}
