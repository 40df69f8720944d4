package postgres_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/auditchain"
	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

// writeAudit appends n audit rows through the runtime role, k rows per
// transaction, with varied content (unicode, quotes, nested JSON, actors).
func writeAudit(t testing.TB, pool *pgxpool.Pool, writer, n, k int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i += k {
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		for j := i; j < min(i+k, n); j++ {
			if _, err := tx.Exec(ctx, `
				INSERT INTO audit_log (action, object_type, object_id, changes, request_id)
				VALUES ($1, 'system', $2, $3, $4)`,
				"system.updated", fmt.Sprintf("%d", writer*100000+j),
				map[string]any{"name": map[string]any{"before": "Åtgärd \"" + fmt.Sprint(j) + "\"", "after": "<b>ö</b>\n\t"}, "n": j},
				fmt.Sprintf("w%d-%d", writer, j)); err != nil {
				_ = tx.Rollback(ctx)
				t.Error(err)
				return
			}
		}
		if err := tx.Commit(ctx); err != nil {
			t.Error(err)
			return
		}
	}
}

func TestAuditChainHoldsUnderConcurrentWriters(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	pool := db.Pool(t)
	chain := postgres.NewAuditChain(pool, nil)

	// A transaction that rolls back takes no place in the chain.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (action, object_type, object_id) VALUES ('x', 'y', 'z')`); err != nil {
		t.Fatal(err)
	}
	_ = tx.Rollback(ctx)
	// Rows of a savepoint rolled back take no place either.
	tx, err = pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`INSERT INTO audit_log (action, object_type, object_id) SELECT 'a', 'b', g::text FROM generate_series(1, 3) g`,
		`SAVEPOINT s`,
		`INSERT INTO audit_log (action, object_type, object_id) SELECT 'rolled back', 'b', g::text FROM generate_series(1, 2) g`,
		`ROLLBACK TO SAVEPOINT s`,
		`INSERT INTO audit_log (action, object_type, object_id) VALUES ('kept', 'b', '4')`,
	} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := chain.Verify(ctx, nil); err != nil || !r.OK() || r.Rows != 4 || r.LastSeq != 4 {
		t.Fatalf("after a savepoint: rows %d last %d first problem %v (%v)", r.Rows, r.LastSeq, r.FirstBroken(), err)
	}

	// 50 writers, 10,000 rows, in transactions of 1 to 7 rows.
	const writers, rows = 50, 10000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() { writeAudit(t, pool, w, rows/writers, 1+w%7) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	report, err := chain.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() || report.Rows != rows+4 || report.LastSeq != rows+4 {
		t.Fatalf("chain of %d concurrent rows: ok=%v rows=%d last=%d first problem %v", rows, report.OK(), report.Rows, report.LastSeq, report.FirstBroken())
	}
	// The database's head agrees, and each seq was taken once.
	head, err := chain.Head(ctx)
	if err != nil || head.Seq != rows+4 {
		t.Fatalf("head %+v %v", head, err)
	}
	var distinct int64
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT seq) FROM audit_log WHERE seq BETWEEN 1 AND $1`, rows+4).Scan(&distinct); err != nil || distinct != rows+4 {
		t.Fatalf("distinct seqs %d %v", distinct, err)
	}
	// An anchor taken now holds.
	anchor, err := chain.Anchor(ctx, "", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if report, err := chain.Verify(ctx, []auditchain.Anchor{anchor}); err != nil || !report.OK() || report.AnchorsChecked != 1 {
		t.Fatalf("with anchor: %+v %v", report, err)
	}
}

// tamperCase changes the chain as a database owner could, and says which
// seq the verification must name as the first broken row.
type tamperCase struct {
	name  string
	sql   string // run as superuser with triggers off (session_replication_role = replica)
	first int64  // expected first broken seq; 0: a row outside the chain
	// anchored: the tampering is consistent in itself and only the
	// anchors reveal it
	anchored bool
}

// recompute rebuilds every digest, link and the head in seq order: the
// owner covering their tracks.
const recompute = `
DO $$
DECLARE r audit_log; h bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea; d bytea;
BEGIN
	FOR r IN SELECT * FROM audit_log ORDER BY seq LOOP
		d := audit_digest(r);
		UPDATE audit_log SET digest = d, prev_hash = h, hash = audit_link(h, d, r.seq) WHERE id = r.id;
		h := audit_link(h, d, r.seq);
	END LOOP;
	UPDATE audit_chain_head SET seq = (SELECT max(seq) FROM audit_log), hash = h;
END $$;`

var tamperings = []tamperCase{
	{name: "action changed", sql: `UPDATE audit_log SET action = 'system.viewed' WHERE seq = 17`, first: 17},
	{name: "payload changed", sql: `UPDATE audit_log SET changes = '{"n": 1}' WHERE seq = 9`, first: 9},
	{name: "actor changed", sql: `UPDATE audit_log SET actor_id = 424242 WHERE seq = 12`, first: 12},
	{name: "time changed", sql: `UPDATE audit_log SET at = at - interval '1 day' WHERE seq = 3`, first: 3},
	{name: "object changed", sql: `UPDATE audit_log SET object_id = '999' WHERE seq = 25`, first: 25},
	{name: "object type changed", sql: `UPDATE audit_log SET object_type = 'person' WHERE seq = 26`, first: 26},
	{name: "request id changed", sql: `UPDATE audit_log SET request_id = 'forged' WHERE seq = 30`, first: 30},
	{name: "payload and digest rewritten", sql: `UPDATE audit_log SET changes = '{"n": 2}' WHERE seq = 14; UPDATE audit_log SET digest = audit_digest(audit_log) WHERE seq = 14`, first: 14},
	{name: "one row's link recomputed", sql: `UPDATE audit_log SET changes = '{"n": 3}' WHERE seq = 15;
		UPDATE audit_log SET digest = audit_digest(audit_log) WHERE seq = 15;
		UPDATE audit_log SET hash = audit_link(prev_hash, digest, seq) WHERE seq = 15`, first: 16},
	{name: "digest replaced", sql: `UPDATE audit_log SET digest = sha256('x') WHERE seq = 5`, first: 5},
	{name: "hash replaced", sql: `UPDATE audit_log SET hash = sha256('x') WHERE seq = 6`, first: 6},
	{name: "previous hash replaced", sql: `UPDATE audit_log SET prev_hash = sha256('x') WHERE seq = 7`, first: 7},
	{name: "middle row deleted", sql: `DELETE FROM audit_log WHERE seq = 20`, first: 20},
	{name: "first row deleted", sql: `DELETE FROM audit_log WHERE seq = 1`, first: 1},
	{name: "last row deleted", sql: `DELETE FROM audit_log WHERE seq = 40`, first: 40},
	{name: "two rows reordered", sql: `UPDATE audit_log SET seq = -1 WHERE seq = 10; UPDATE audit_log SET seq = 10 WHERE seq = 11; UPDATE audit_log SET seq = 11 WHERE seq = -1`, first: 10},
	{name: "row inserted outside the chain", sql: `INSERT INTO audit_log (action, object_type, object_id) VALUES ('system.deleted', 'system', '1')`, first: 0},
	{name: "pseudonymised without a record", sql: `UPDATE audit_log SET changes = '{}', pseudonymised_at = now() WHERE seq = 22`, first: 22},
	// The owner covers their tracks: only the anchors tell.
	{name: "row changed and chain recomputed", sql: `UPDATE audit_log SET changes = '{"n": 4}' WHERE seq = 8;` + recompute, first: 20, anchored: true},
	{name: "row removed and chain renumbered", sql: `DELETE FROM audit_log WHERE seq = 4; UPDATE audit_log SET seq = -seq WHERE seq > 4; UPDATE audit_log SET seq = -seq - 1 WHERE seq < 0;` + recompute, first: 20, anchored: true},
	{name: "forged row inserted and chain renumbered", sql: `UPDATE audit_log SET seq = -seq WHERE seq >= 2; UPDATE audit_log SET seq = -seq + 1 WHERE seq < 0;
		INSERT INTO audit_log (action, object_type, object_id, seq, digest) VALUES ('person.roles_changed', 'person', '1', 2, ''::bytea);` + recompute, first: 20, anchored: true},
	{name: "tail removed and head moved back", sql: `DELETE FROM audit_log WHERE seq > 35;` + recompute, first: 36, anchored: true},
	{name: "log emptied and rebuilt", sql: `DELETE FROM audit_log WHERE seq > 0; INSERT INTO audit_log (action, object_type, object_id, seq) SELECT 'system.updated', 'system', g::text, g FROM generate_series(1, 40) g;` + recompute, first: 20, anchored: true},
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	if len(tamperings) < 20 {
		t.Fatalf("%d kinds of tampering; the issue asks for 20", len(tamperings))
	}
	for _, tc := range tamperings {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := testkit.NewDB(t)
			ctx := context.Background()
			pool := db.Pool(t)
			chain := postgres.NewAuditChain(pool, nil)
			quiet := slog.New(slog.DiscardHandler)
			writeAudit(t, pool, 1, 20, 3)
			a20, err := chain.Anchor(ctx, "", quiet)
			if err != nil || a20.Seq != 20 {
				t.Fatalf("anchor %v %v", a20, err)
			}
			writeAudit(t, pool, 2, 20, 4)
			a40, err := chain.Anchor(ctx, "", quiet)
			if err != nil || a40.Seq != 40 {
				t.Fatalf("anchor %v %v", a40, err)
			}
			anchors := []auditchain.Anchor{a20, a40}
			if r, err := chain.Verify(ctx, anchors); err != nil || !r.OK() {
				t.Fatalf("before tampering: %v %v", r.FirstBroken(), err)
			}

			su := db.SuperuserPool(t)
			conn, err := su.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `SET session_replication_role = replica`); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, tc.sql); err != nil {
				t.Fatalf("tampering: %v", err)
			}
			conn.Release()

			r, err := chain.Verify(ctx, anchors)
			if err != nil {
				t.Fatal(err)
			}
			p := r.FirstBroken()
			if p == nil {
				t.Fatal("tampering not detected")
			}
			if p.Seq != tc.first {
				t.Errorf("first broken row %v, want seq %d", p, tc.first)
			}
			if tc.anchored {
				// Without anchors the rewritten chain is consistent: the
				// reason anchors exist.
				if r, err := chain.Verify(ctx, nil); err != nil || !r.OK() {
					t.Errorf("recomputed chain without anchors: %v %v (the test's recomputation is incomplete)", r.FirstBroken(), err)
				}
				if !strings.Contains(p.Reason, "anchor") {
					t.Errorf("reason %q should name the anchor", p.Reason)
				}
			}
		})
	}
}

func TestAuditPseudonymisationKeepsTheChain(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	pool := db.Pool(t)
	chain := postgres.NewAuditChain(pool, nil)
	writeAudit(t, pool, 1, 10, 2)
	a, err := chain.Anchor(ctx, "", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	owner := db.OwnerPool(t)
	// The runtime role may not; the owner may, with a reason.
	if _, err := pool.Exec(ctx, `SELECT audit_pseudonymise(3, '{"name": "[borttaget]"}', 'gallring')`); err == nil {
		t.Fatal("the runtime role pseudonymised a row")
	}
	if _, err := owner.Exec(ctx, `SELECT audit_pseudonymise(3, '{"name": "[borttaget]"}', '')`); err == nil {
		t.Fatal("pseudonymised without a reason")
	}
	if _, err := owner.Exec(ctx, `SELECT audit_pseudonymise((SELECT id FROM audit_log WHERE seq = 3), '{"name": "[borttaget]"}', 'gallring enligt dokumenthanteringsplanen')`); err != nil {
		t.Fatal(err)
	}
	r, err := chain.Verify(ctx, []auditchain.Anchor{a})
	if err != nil || !r.OK() || r.Pseudonymised != 1 || r.Rows != 11 {
		t.Fatalf("after pseudonymisation: ok=%v pseudonymised=%d rows=%d first=%v err=%v", r.OK(), r.Pseudonymised, r.Rows, r.FirstBroken(), err)
	}
	// Outside that function the row stays as it is, even for the owner.
	if _, err := owner.Exec(ctx, `UPDATE audit_log SET changes = '{}' WHERE seq = 4`); err == nil {
		t.Fatal("the owner updated an audit row")
	}
}

func TestNightlyVerificationIsRecorded(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	pool := db.Pool(t)
	chain := postgres.NewAuditChain(pool, nil)
	quiet := slog.New(slog.DiscardHandler)
	if v, err := chain.LastVerification(ctx); err != nil || v != nil {
		t.Fatalf("no verification yet: %v %v", v, err)
	}
	writeAudit(t, pool, 1, 5, 1)
	if r, err := chain.Nightly(ctx, "", quiet); err != nil || !r.OK() {
		t.Fatalf("nightly: %v %v", r.FirstBroken(), err)
	}
	v, err := chain.LastVerification(ctx)
	if err != nil || v == nil || !v.OK || v.RowsChecked != 5 || v.AnchorsChecked != 1 {
		t.Fatalf("recorded: %+v %v", v, err)
	}
	// Tampering is found the next night against the stored anchor.
	su := db.SuperuserPool(t)
	if _, err := su.Exec(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_guard; UPDATE audit_log SET action = 'x' WHERE seq = 2; ALTER TABLE audit_log ENABLE TRIGGER audit_log_guard`); err != nil {
		t.Fatal(err)
	}
	if r, err := chain.Nightly(ctx, "", quiet); err != nil || r.OK() {
		t.Fatalf("nightly after tampering: ok=%v %v", r.OK(), err)
	}
	v, err = chain.LastVerification(ctx)
	if err != nil || v.OK || v.FirstBrokenSeq == nil || *v.FirstBrokenSeq != 2 || !strings.Contains(v.Problem, "seq 2") {
		t.Fatalf("recorded failure: %+v %v", v, err)
	}
}
