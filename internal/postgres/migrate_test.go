package postgres_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var quietLog = slog.New(slog.DiscardHandler)

func TestMigrateAppliesOnceAndSecondRunIsNoop(t *testing.T) {
	t.Parallel()
	db := testkit.NewEmptyDB(t, nil)
	ctx := context.Background()

	// Two replicas starting at once: both succeed, the work happens once.
	var wg sync.WaitGroup
	results := make([]postgres.MigrationResult, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { results[i], errs[i] = postgres.Migrate(ctx, db.OwnerURL, quietLog) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent migrate: %v", err)
		}
	}
	applied := len(results[0].Applied) + len(results[1].Applied)
	if applied == 0 || len(results[0].Applied) > 0 && len(results[1].Applied) > 0 {
		t.Fatalf("portal migrations applied %v and %v: want all of them exactly once", results[0].Applied, results[1].Applied)
	}
	river := len(results[0].RiverApplied) + len(results[1].RiverApplied)
	if river == 0 || len(results[0].RiverApplied) > 0 && len(results[1].RiverApplied) > 0 {
		t.Fatalf("River migrations applied %v and %v: want all exactly once", results[0].RiverApplied, results[1].RiverApplied)
	}

	again, err := postgres.Migrate(ctx, db.OwnerURL, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Applied) != 0 || len(again.RiverApplied) != 0 {
		t.Fatalf("second run applied %v / %v, want nothing", again.Applied, again.RiverApplied)
	}
	status, err := postgres.MigrationStatus(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range status {
		if s.AppliedAt.IsZero() {
			t.Errorf("%s not applied", s.Source.Path)
		}
	}
}

func TestAuditLogIsAppendOnlyForTheRuntimeRole(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	app := db.Pool(t)

	if _, err := app.Exec(ctx, `INSERT INTO audit_log (action, object_type, object_id, changes, request_id)
		VALUES ('test.created', 'test', '1', '{"name": {"after": "x"}}', 'req-1')`); err != nil {
		t.Fatalf("runtime role must be able to append: %v", err)
	}
	var n int
	if err := app.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("runtime role must be able to read: n=%d err=%v", n, err)
	}

	for _, stmt := range []string{
		`UPDATE audit_log SET action = 'forged'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
		`ALTER TABLE audit_log DISABLE TRIGGER audit_log_guard`,
		`ALTER TABLE audit_log ADD COLUMN forged text`,
		`DROP TABLE audit_log`,
	} {
		_, err := app.Exec(ctx, stmt)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("runtime role %q: err = %v, want insufficient_privilege (42501)", stmt, err)
		}
	}

	// Even the owner cannot rewrite history through the normal path.
	owner := db.OwnerPool(t)
	for _, stmt := range []string{`UPDATE audit_log SET action = 'forged'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`} {
		if _, err := owner.Exec(ctx, stmt); err == nil {
			t.Errorf("owner %q succeeded, want the append-only trigger to refuse", stmt)
		}
	}
	var action string
	if err := app.QueryRow(ctx, `SELECT action FROM audit_log`).Scan(&action); err != nil || action != "test.created" {
		t.Fatalf("audit row changed: %q %v", action, err)
	}
}

// Each test's database is a clone of the migrated template: what one test
// writes, the next never sees (the clone's speed is BenchmarkFreshDatabase's).
func TestFreshDatabasesAreIndependent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first := testkit.NewDB(t).OwnerPool(t)
	if _, err := first.Exec(ctx, `INSERT INTO departments (short_name, name) VALUES ('ZZ', 'Provförvaltningen')`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := testkit.NewDB(t).OwnerPool(t).QueryRow(ctx, `SELECT count(*) FROM departments WHERE short_name = 'ZZ'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a fresh database holds another test's department: %d %v", n, err)
	}
	var migrated bool
	if err := first.QueryRow(ctx, `SELECT to_regclass('compliance_breaches') IS NOT NULL`).Scan(&migrated); err != nil || !migrated {
		t.Fatalf("a fresh database is not migrated: %v", err)
	}
}

func BenchmarkFreshDatabase(b *testing.B) {
	testkit.NewDB(b)
	for b.Loop() {
		testkit.NewDB(b)
	}
}
