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
