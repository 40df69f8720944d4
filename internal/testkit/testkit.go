// Package testkit gives tests the real things: one throwaway PostgreSQL
// cluster per test process, a fresh migrated database per test (cloned from
// a template in milliseconds), private clusters for tests that restart or
// kill the server, and helpers to run the portal over real HTTP.
//
// A package that uses it calls testkit.Main from its TestMain, so the shared
// cluster stops when the tests end, pass or fail.
package testkit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver pgtestdb uses
	"github.com/peterldowns/pgtestdb"

	"itportal/internal/pgcluster"
	"itportal/internal/postgres"
	"itportal/migrations"
)

// Role names, as `itportal dev` and docs/operations.md set them up.
const (
	OwnerRole = "itportal_owner"
	AppRole   = "itportal_app"
)

var (
	sharedOnce    sync.Once
	sharedCluster *pgcluster.Cluster
	sharedErr     error
	rootOnce      sync.Once
	tempRoot      string
	rootErr       error
)

// Main runs the tests and stops the shared cluster afterwards.
func Main(m *testing.M) {
	code := m.Run()
	if sharedCluster != nil {
		_ = sharedCluster.Close()
	}
	if tempRoot != "" {
		_ = os.RemoveAll(tempRoot)
	}
	os.Exit(code)
}

// TempDir returns a new directory that PostgreSQL's unprivileged user can
// reach even when the tests run as root (t.TempDir is private to root).
func TempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp(root(t), "t")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func root(t testing.TB) string {
	rootOnce.Do(func() {
		dir, err := os.MkdirTemp(fastTempBase(), "itportal-test-")
		if err == nil {
			err = os.Chmod(dir, 0o755)
		}
		tempRoot, rootErr = dir, err
	})
	if rootErr != nil {
		t.Fatal(rootErr)
	}
	return tempRoot
}

// fastTempBase prefers a memory file system: cloning a database there takes
// a tenth of the time it takes on disk, and test data need not survive.
func fastTempBase() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", "probe"); err == nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
			return "/dev/shm"
		}
	}
	return os.TempDir()
}

// StartCluster starts a cluster in a fresh directory with the portal's
// roles, stopped when the test ends. Tests that restart or kill PostgreSQL
// use one of their own; everything else shares one through NewDB.
func StartCluster(t testing.TB) *pgcluster.Cluster {
	t.Helper()
	c, err := startCluster(TempDir(t))
	if err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func startCluster(dir string) (*pgcluster.Cluster, error) {
	c, err := pgcluster.New(pgcluster.Options{DataDir: filepath.Join(dir, "pgdata"), Fast: true, WatchParent: true})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, c.URL(pgcluster.Superuser, "postgres"))
	if err != nil {
		_ = c.Stop()
		return nil, err
	}
	defer conn.Close(ctx)
	if err := postgres.PrepareRoles(ctx, conn, "itportal"); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

func shared(t testing.TB) *pgcluster.Cluster {
	t.Helper()
	sharedOnce.Do(func() {
		var dir string
		dir, sharedErr = os.MkdirTemp(root(t), "shared")
		if sharedErr == nil {
			sharedErr = os.Chmod(dir, 0o755)
		}
		if sharedErr == nil {
			sharedCluster, sharedErr = startCluster(dir)
		}
	})
	if sharedErr != nil {
		t.Fatalf("start shared PostgreSQL: %v", sharedErr)
	}
	return sharedCluster
}

// DB is a fresh, migrated database of the test's own.
type DB struct {
	Name     string
	URL      string // as the runtime role the portal serves with
	OwnerURL string // as the owner role that runs migrations
	Cluster  *pgcluster.Cluster
}

// NewDB returns a fresh migrated database on the shared cluster, cloned from
// a template; it is dropped when the test passes.
func NewDB(t testing.TB) DB {
	t.Helper()
	c := shared(t)
	conf := pgtestdb.Config{
		DriverName: "pgx",
		Host:       "localhost",
		Port:       fmt.Sprint(c.Port()),
		User:       pgcluster.Superuser,
		Password:   "unused",
		Database:   "postgres",
		Options:    "host=" + c.SocketDir() + "&sslmode=disable",
		TestRole: &pgtestdb.Role{
			Username:     OwnerRole,
			Password:     "unused",
			Capabilities: "NOSUPERUSER NOCREATEDB NOCREATEROLE",
		},
		ForceTerminateConnections: true,
	}
	inst := pgtestdb.Custom(t, conf, migrator{})
	return DB{
		Name:     inst.Database,
		URL:      c.URL(AppRole, inst.Database),
		OwnerURL: c.URL(OwnerRole, inst.Database),
		Cluster:  c,
	}
}

// NewEmptyDB returns a database with no schema at all, owned by the owner
// role, on cluster c (the shared one when nil).
func NewEmptyDB(t testing.TB, c *pgcluster.Cluster) DB {
	t.Helper()
	if c == nil {
		c = shared(t)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.URL(pgcluster.Superuser, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("empty_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" OWNER "+OwnerRole); err != nil {
		t.Fatal(err)
	}
	return DB{Name: name, URL: c.URL(AppRole, name), OwnerURL: c.URL(OwnerRole, name), Cluster: c}
}

// Pool opens a runtime-role pool on db, closed when the test ends.
func (db DB) Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return openPool(t, db.URL)
}

// OwnerPool opens an owner-role pool on db, closed when the test ends.
func (db DB) OwnerPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return openPool(t, db.OwnerURL)
}

// SuperuserPool opens a superuser pool on db: for tests that play an
// attacker with full database access.
func (db DB) SuperuserPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return openPool(t, db.Cluster.URL(pgcluster.Superuser, db.Name))
}

func openPool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := postgres.OpenPool(context.Background(), postgres.PoolConfig{URL: url, MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// migrator builds the template database with the portal's own Migrate, so
// tests run on exactly the schema production gets.
type migrator struct{}

func (migrator) Hash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrations.FS.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	// River's schema changes with its version.
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/riverqueue/river" {
				fmt.Fprintf(h, "river %s", dep.Version)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func (migrator) Migrate(ctx context.Context, _ *sql.DB, conf pgtestdb.Config) error {
	_, err := postgres.Migrate(ctx, conf.URL(), slog.New(slog.DiscardHandler))
	return err
}
