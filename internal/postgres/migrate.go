package postgres

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"itportal/migrations"
)

// migrationLockKey is the advisory lock that serialises migrations, so that
// replicas starting at once migrate once. ("itportal" in ASCII.)
const migrationLockKey int64 = 0x6974706f7274616c

// MigrationResult says what a migration run applied.
type MigrationResult struct {
	Applied      []string // goose files applied in this run
	RiverApplied []int    // River schema versions applied in this run
}

// Migrate applies pending River and portal migrations as the owner role,
// under an advisory lock, and grants the runtime role what it needs on the
// job queue's tables. A second run is a no-op.
func Migrate(ctx context.Context, ownerURL string, logger *slog.Logger) (MigrationResult, error) {
	var res MigrationResult
	pool, err := OpenPool(ctx, PoolConfig{URL: ownerURL, MaxConns: 3, ApplicationName: "itportal-migrate"})
	if err != nil {
		return res, err
	}
	defer pool.Close()

	lockConn, err := pool.Acquire(ctx)
	if err != nil {
		return res, fmt.Errorf("connect for migrations: %w", err)
	}
	defer lockConn.Release()
	if _, err := lockConn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return res, fmt.Errorf("take migration lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must be released even when ctx is done.
		_, _ = lockConn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	}()

	rm, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return res, fmt.Errorf("river migrator: %w", err)
	}
	rr, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return res, fmt.Errorf("river migrations: %w", err)
	}
	for _, v := range rr.Versions {
		res.RiverApplied = append(res.RiverApplied, v.Version)
	}

	provider, err := newGoose(pool)
	if err != nil {
		return res, err
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return res, fmt.Errorf("portal migrations: %w", err)
	}
	for _, r := range results {
		res.Applied = append(res.Applied, r.Source.Path)
	}
	if _, err := pool.Exec(ctx, grantJobTables); err != nil {
		return res, fmt.Errorf("grant job tables: %w", err)
	}
	if len(res.Applied)+len(res.RiverApplied) > 0 {
		logger.Info("migrations applied", "portal", res.Applied, "river", res.RiverApplied)
	}
	return res, nil
}

// grantJobTables gives the runtime role ordinary access to River's tables,
// which River's own migrations create without grants.
const grantJobTables = `
DO $$
DECLARE r record;
BEGIN
    FOR r IN
        SELECT c.relname, c.relkind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relname LIKE 'river\_%' AND c.relkind IN ('r', 'p', 'S')
    LOOP
        IF r.relkind = 'S' THEN
            EXECUTE format('GRANT USAGE, SELECT, UPDATE ON SEQUENCE %I TO itportal_runtime', r.relname);
        ELSE
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I TO itportal_runtime', r.relname);
        END IF;
    END LOOP;
END
$$`

// MigrationStatus lists every portal migration with whether it is applied.
func MigrationStatus(ctx context.Context, ownerURL string) ([]*goose.MigrationStatus, error) {
	pool, err := OpenPool(ctx, PoolConfig{URL: ownerURL, MaxConns: 2, ApplicationName: "itportal-migrate"})
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	provider, err := newGoose(pool)
	if err != nil {
		return nil, err
	}
	return provider.Status(ctx)
}

func newGoose(pool *pgxpool.Pool) (*goose.Provider, error) {
	db := stdlib.OpenDBFromPool(pool)
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		return nil, fmt.Errorf("goose provider: %w", err)
	}
	return p, nil
}
