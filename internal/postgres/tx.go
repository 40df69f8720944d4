package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// The package's transactions run through these helpers. fn's error is
// returned as fn made it (fn translates the errors of what it runs); the
// failures of beginning and committing are translated here. The closures
// keep any results in variables of the caller.

// rehearsalKey marks a context whose writing transactions roll back.
type rehearsalKey struct{}

// Rehearse returns a context in which a writing service does everything it
// would (every check on the locked rows, every statement) and then rolls
// back instead of committing: what a confirmation page asks about is
// known to succeed, and nothing has changed yet. Only for services whose
// every effect is inside their one transaction.
func Rehearse(ctx context.Context) context.Context {
	return context.WithValue(ctx, rehearsalKey{}, true)
}

func rehearsing(ctx context.Context) bool { v, _ := ctx.Value(rehearsalKey{}).(bool); return v }

// inTx runs fn in a read-write transaction and commits when it returns nil.
func inTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return runTx(ctx, pool, pgx.TxOptions{}, true, fn)
}

// readTx runs fn in a read-only transaction.
func readTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return runTx(ctx, pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, false, fn)
}

// snapshotTx runs fn in a read-only transaction at REPEATABLE READ, so that
// every statement of fn reads the same snapshot.
func snapshotTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return runTx(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, false, fn)
}

// runTx begins a transaction with opts and runs fn in it. When commit is
// set and fn returns nil the transaction is committed; otherwise it is
// rolled back (a read-only transaction has nothing to commit).
func runTx(ctx context.Context, pool *pgxpool.Pool, opts pgx.TxOptions, commit bool, fn func(pgx.Tx) error) error {
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return translate(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(tx); err != nil {
		return err
	}
	if !commit || rehearsing(ctx) {
		return nil // the deferred rollback ends it
	}
	return translate(tx.Commit(ctx))
}

// wrap prefixes a failure with the operation that failed, so that the log
// line of an internal error says which one did:
//
//	func (s *RequestService) Decide(ctx context.Context, …, id int64, …) (err error) {
//		defer wrap(&err, "decide case %d", id)
//
// A domain error (a *portal.Error, also one that another error unwraps to,
// like StaleError's) is left as it is: its message is the user's. The
// cause of a wrapped error stays reachable with errors.Is and errors.As.
func wrap(err *error, format string, args ...any) {
	if *err == nil {
		return
	}
	var pe *portal.Error
	if errors.As(*err, &pe) {
		return
	}
	*err = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *err)
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}
