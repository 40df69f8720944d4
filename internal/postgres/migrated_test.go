package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"itportal/internal/postgres"
	"itportal/internal/testkit"
	"itportal/migrations"
)

// migratedTo returns an empty database migrated up to version, and an
// owner's pool on it: a data migration's test writes what an older
// version left behind, then runs postgres.Migrate on db.OwnerURL.
func migratedTo(t *testing.T, version int64) (testkit.DB, *pgxpool.Pool) {
	t.Helper()
	db := testkit.NewEmptyDB(t, nil)
	ctx := context.Background()
	owner, err := postgres.OpenPool(ctx, postgres.PoolConfig{URL: db.OwnerURL, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(owner.Close)
	provider, err := goose.NewProvider(goose.DialectPostgres, stdlib.OpenDBFromPool(owner), migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	return db, owner
}
