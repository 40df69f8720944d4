package postgres_test

import (
	"context"
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

// Two replicas' stores over one database read the same sessions: a
// session written, changed or removed through one is seen by the other at
// its next read, however it was changed; an expired session is never
// served.
func TestSessionsAreSharedByReplicas(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	pool, su := db.Pool(t), db.SuperuserPool(t)
	a, b := postgres.NewSessionStore(pool), postgres.NewSessionStore(pool)
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

	// A changes it (a flash message, a new last-seen time): b sees it.
	if err := a.CommitCtx(ctx, "tok", []byte("flash"), hour); err != nil {
		t.Fatal(err)
	}
	if got := find(b, "tok"); got != "flash" {
		t.Fatalf("replica b after a's write: %q", got)
	}
	// Signed out on a: gone on b.
	if err := a.DeleteCtx(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	if got := find(b, "tok"); got != "(none)" {
		t.Fatalf("replica b after sign-out on a: %q", got)
	}
	// Every session ended at once (TRUNCATE, as an operator might).
	signIn("tok2", "two", hour)
	if _, err := su.Exec(ctx, `TRUNCATE sessions`); err != nil {
		t.Fatal(err)
	}
	if got := find(b, "tok2"); got != "(none)" {
		t.Fatalf("replica b after TRUNCATE: %q", got)
	}
	// A session past its expiry is not served.
	signIn("short", "short", time.Now().Add(300*time.Millisecond))
	waitFor(t, "the short session to lapse on b", func() bool { return find(b, "short") == "(none)" })
}

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
