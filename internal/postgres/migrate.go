package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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

// PendingMigrations counts the portal migrations embedded in this binary
// that the database has not applied, as seen by the runtime role (which may
// read goose's version table). A replica that does not migrate waits for 0.
func PendingMigrations(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	var applied []int64
	rows, err := pool.Query(ctx, `SELECT version_id FROM goose_db_version WHERE is_applied`)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // no version table yet
			return len(embeddedVersions()), nil
		}
		return 0, err
	}
	applied, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P01" {
			return len(embeddedVersions()), nil
		}
		return 0, err
	}
	done := map[int64]bool{}
	for _, v := range applied {
		done[v] = true
	}
	n := 0
	for _, v := range embeddedVersions() {
		if !done[v] {
			n++
		}
	}
	return n, nil
}

func embeddedVersions() []int64 {
	var out []int64
	entries, _ := fs.ReadDir(migrations.FS, ".")
	for _, e := range entries {
		if v, err := goose.NumericComponent(e.Name()); err == nil && strings.HasSuffix(e.Name(), ".sql") {
			out = append(out, v)
		}
	}
	return out
}

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
