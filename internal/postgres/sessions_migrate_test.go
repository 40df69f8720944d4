package postgres_test

import (
	"context"
	"testing"

	"itportal/internal/postgres"
)

// TestSessionsSurviveTheirTokensBeingHashed: a session signed in before
// tokens were stored as hashes (migration 00026) is found by its token
// afterwards, and the token itself is no longer stored.
func TestSessionsSurviveTheirTokensBeingHashed(t *testing.T) {
	t.Parallel()
	db, owner := migratedTo(t, 25)
	ctx := context.Background()
	if _, err := owner.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ('plain-token', 'data', now() + interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Migrate(ctx, db.OwnerURL, quietLog); err != nil {
		t.Fatal(err)
	}
	data, found, err := postgres.NewSessionStore(owner).FindCtx(ctx, "plain-token")
	if err != nil || !found || string(data) != "data" {
		t.Fatalf("the session before the migration: %q %v %v", data, found, err)
	}
	var plain bool
	if err := owner.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'sessions' AND column_name = 'token')`).Scan(&plain); err != nil || plain {
		t.Errorf("the sessions table still has a token column: %v", err)
	}
}
