// Package postgres holds everything that speaks SQL: the pool, migrations and
// one service per aggregate. Each service method owns its transaction, checks
// the portal's predicates inside it and writes the audit row.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// PoolConfig configures the runtime connection pool.
type PoolConfig struct {
	URL              string
	MaxConns         int32
	MinConns         int32
	StatementTimeout time.Duration
	ApplicationName  string
}

// OpenPool creates a pool without connecting: connections are made on demand,
// so the portal starts (and reports not-ready) while the database is down, and
// broken connections are replaced when PostgreSQL comes back.
func OpenPool(ctx context.Context, c PoolConfig) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(c.URL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", redactParseError(err))
	}
	if c.MaxConns > 0 {
		cfg.MaxConns = c.MaxConns
	}
	cfg.MinConns = c.MinConns
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = 15 * time.Second
	cfg.ConnConfig.ConnectTimeout = 3 * time.Second
	rp := cfg.ConnConfig.RuntimeParams
	if c.ApplicationName != "" {
		rp["application_name"] = c.ApplicationName
	}
	if c.StatementTimeout > 0 {
		rp["statement_timeout"] = strconv.FormatInt(c.StatementTimeout.Milliseconds(), 10)
		rp["idle_in_transaction_session_timeout"] = strconv.FormatInt((2 * c.StatementTimeout).Milliseconds(), 10)
	}
	rp["timezone"] = "Europe/Stockholm"
	// JIT compilation pays off for long analytical queries, never for the
	// portal's short ones, whose compiling takes many times their running
	// (docs/performance.md).
	rp["jit"] = "off"
	// A search for a name while typing ("trser" for Treserva) is a word
	// similarity of about a third; pg_trgm's default (0.6) asks for more.
	rp["pg_trgm.word_similarity_threshold"] = "0.3"
	// A connection idle for a while is pinged before use, so the first request
	// after a PostgreSQL restart (which takes longer than this) gets a fresh
	// connection instead of an error. Under load connections are idle for
	// microseconds and never pinged.
	cfg.ShouldPing = func(_ context.Context, p pgxpool.ShouldPingParams) bool { return p.IdleDuration > 100*time.Millisecond }
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	return pool, nil
}

// redactParseError drops the URL (which may hold a password) from pgx's
// parse errors.
func redactParseError(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New("invalid connection string (details withheld: it may contain a password)")
	}
	return err
}

// IsUnavailable reports whether err means the database cannot be reached or
// is shutting down: conditions that pass without the portal doing anything.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03":
			return true // admin shutdown, crash shutdown, cannot connect now
		case len(pgErr.Code) == 5 && pgErr.Code[:2] == "08":
			return true // connection exceptions
		}
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// translate turns driver errors into the portal's error kinds where the kind
// is known; other errors pass through unchanged.
func translate(err error) error {
	if IsUnavailable(err) {
		return portal.Unavailable(err)
	}
	return err
}
