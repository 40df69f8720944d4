package postgres

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/auditchain"
	"itportal/internal/jobs/jobargs"
)

// AuditChain reads, anchors and verifies the audit log's hash chain (R14).
type AuditChain struct {
	pool    *pgxpool.Pool
	enqueue Enqueuer
}

// NewAuditChain returns the chain's service. enqueue may be nil (the
// command line), when anchors are not mailed.
func NewAuditChain(pool *pgxpool.Pool, enqueue Enqueuer) *AuditChain {
	return &AuditChain{pool: pool, enqueue: enqueue}
}

// Head returns the chain's head as the database keeps it.
func (c *AuditChain) Head(ctx context.Context) (_ auditchain.Head, err error) {
	defer wrap(&err, "read audit chain head")
	var h auditchain.Head
	err = c.pool.QueryRow(ctx, `SELECT seq, hash FROM audit_chain_head WHERE id = 1`).Scan(&h.Seq, &h.Hash)
	return h, translate(err)
}

// Verify checks every row of the chain, in one snapshot, against itself,
// the head and the anchors given.
func (c *AuditChain) Verify(ctx context.Context, anchors []auditchain.Anchor) (_ auditchain.Report, err error) {
	defer wrap(&err, "verify audit chain")
	var report auditchain.Report
	err = snapshotTx(ctx, c.pool, func(tx pgx.Tx) error {
		// A verification of a million rows takes longer than a page may.
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return translate(err)
		}
		var head auditchain.Head
		if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_chain_head WHERE id = 1`).Scan(&head.Seq, &head.Hash); err != nil {
			return translate(err)
		}
		rows, err := tx.Query(ctx, `
			SELECT id, at, actor_id, action, object_type, object_id, changes::text, request_id,
			       seq, digest, prev_hash, hash, pseudonymised_at IS NOT NULL
			FROM audit_log ORDER BY seq NULLS LAST, id`)
		if err != nil {
			return translate(err)
		}
		defer rows.Close()
		v := auditchain.NewVerifier(anchors)
		var r auditchain.Row
		for rows.Next() {
			// Scan reuses the byte slices' backing arrays only when told to;
			// fresh ones per row keep the verifier's copies safe.
			r.Digest, r.PrevHash, r.Hash = nil, nil, nil
			if err := rows.Scan(&r.ID, &r.At, &r.ActorID, &r.Action, &r.ObjectType, &r.ObjectID, &r.Changes, &r.RequestID,
				&r.Seq, &r.Digest, &r.PrevHash, &r.Hash, &r.Pseudonymous); err != nil {
				return err
			}
			v.Add(&r)
		}
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		report = v.Finish(head)
		return nil
	})
	return report, err
}

// StoredAnchors returns the anchors the portal recorded in its own table.
// They prove less than the copies in the log and the mail (the database
// owner can change them too) but catch anything done without care.
func (c *AuditChain) StoredAnchors(ctx context.Context) (_ []auditchain.Anchor, err error) {
	defer wrap(&err, "read stored audit anchors")
	rows, err := c.pool.Query(ctx, `SELECT id, seq, hash FROM audit_anchors ORDER BY id`)
	if err != nil {
		return nil, translate(err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (auditchain.Anchor, error) {
		var a auditchain.Anchor
		var id int64
		err := r.Scan(&id, &a.Seq, &a.Hash)
		a.Source = fmt.Sprintf("audit_anchors id %d", id)
		return a, err
	})
}

// Anchor records the head, logs it (the log is kept outside the database)
// and, when mailTo is set, mails it there through the notification queue.
func (c *AuditChain) Anchor(ctx context.Context, mailTo string, log *slog.Logger) (_ auditchain.Anchor, err error) {
	defer wrap(&err, "anchor audit chain")
	var a auditchain.Anchor
	err = inTx(ctx, c.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_chain_head WHERE id = 1`).Scan(&a.Seq, &a.Hash); err != nil {
			return translate(err)
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO audit_anchors (seq, hash, mailed_to) VALUES ($1, $2, $3) RETURNING id`,
			a.Seq, a.Hash, mailTo).Scan(&id); err != nil {
			return translate(err)
		}
		if mailTo != "" && c.enqueue != nil {
			if err := c.enqueue(ctx, tx, jobargs.AuditAnchorNotice{AnchorID: id}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return a, err
	}
	// The line `itportal audit verify --anchors` reads back.
	log.Info("audit chain anchored", "seq", a.Seq, "hash", hex.EncodeToString(a.Hash))
	return a, nil
}

// Verification is a recorded verification's outcome.
type Verification struct {
	At             time.Time
	OK             bool
	RowsChecked    int64
	AnchorsChecked int
	FirstBrokenSeq *int64
	Problem        string
	Duration       time.Duration
}

// RecordVerification stores a report for the compliance board.
func (c *AuditChain) RecordVerification(ctx context.Context, r auditchain.Report, took time.Duration) (err error) {
	defer wrap(&err, "record audit chain verification")
	var first *int64
	problem := ""
	if p := r.FirstBroken(); p != nil {
		problem = p.String()
		if p.Seq != 0 {
			first = &p.Seq
		}
	}
	// The outcome and what R14 now finds commit together.
	return inTx(ctx, c.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO audit_verifications (ok, rows_checked, anchors_checked, first_broken_seq, problem, duration_ms)
			VALUES ($1, $2, $3, $4, $5, $6)`, r.OK(), r.Rows, r.AnchorsChecked, first, problem, took.Milliseconds()); err != nil {
			return translate(err)
		}
		return breachKeeper{}.refresh(ctx, tx, Scope{Municipal: true})
	})
}

// LastVerification returns the newest recorded verification, or nil.
func (c *AuditChain) LastVerification(ctx context.Context) (_ *Verification, err error) {
	defer wrap(&err, "read last audit chain verification")
	var v Verification
	var ms int64
	err = c.pool.QueryRow(ctx, `
		SELECT at, ok, rows_checked, anchors_checked, first_broken_seq, problem, duration_ms
		FROM audit_verifications ORDER BY at DESC, id DESC LIMIT 1`).
		Scan(&v.At, &v.OK, &v.RowsChecked, &v.AnchorsChecked, &v.FirstBrokenSeq, &v.Problem, &ms)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	v.Duration = time.Duration(ms) * time.Millisecond
	return &v, nil
}

// Nightly anchors the head and verifies the chain against itself and the
// stored anchors, recording the outcome; a broken chain is logged as an
// error for the operators' alerting.
func (c *AuditChain) Nightly(ctx context.Context, mailTo string, log *slog.Logger) (auditchain.Report, error) {
	if _, err := c.Anchor(ctx, mailTo, log); err != nil {
		return auditchain.Report{}, fmt.Errorf("anchor: %w", err)
	}
	anchors, err := c.StoredAnchors(ctx)
	if err != nil {
		return auditchain.Report{}, err
	}
	start := time.Now()
	report, err := c.Verify(ctx, anchors)
	if err != nil {
		return report, fmt.Errorf("verify: %w", err)
	}
	took := time.Since(start)
	if err := c.RecordVerification(ctx, report, took); err != nil {
		return report, err
	}
	if p := report.FirstBroken(); p != nil {
		log.Error("audit chain broken", "first", p.String(), "problems", len(report.Problems)+int(report.MoreProblems))
	} else {
		log.Info("audit chain verified", "rows", report.Rows, "anchors", report.AnchorsChecked, "duration", took)
	}
	return report, nil
}
