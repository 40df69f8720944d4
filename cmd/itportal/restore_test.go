package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/demo"
	"itportal/internal/markdown"
	"itportal/internal/pgcluster"
	domain "itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

// evidence is what an auditor relies on, read so that two databases can
// be compared: every acknowledgement with the hash of the text it
// confirms, every decision, and the audit chain's head.
type evidence struct {
	acks      []string
	decisions []string
	audit     int64
	head      string
}

func readEvidence(t *testing.T, pool *pgxpool.Pool) (evidence, int) {
	t.Helper()
	ctx := context.Background()
	var ev evidence
	mismatches := 0
	rows, err := pool.Query(ctx, `
		SELECT a.id, p.employee_number, d.slug, v.number, a.sha256, v.sha256, v.markdown, a.acknowledged_at
		FROM acknowledgements a JOIN people p ON p.id = a.person_id
		JOIN document_versions v ON v.id = a.version_id JOIN documents d ON d.id = v.document_id
		ORDER BY a.id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var emp, slug, ackHash, versionHash, text string
		var number int
		var at time.Time
		if err := rows.Scan(&id, &emp, &slug, &number, &ackHash, &versionHash, &text, &at); err != nil {
			t.Fatal(err)
		}
		// The receipt's hash is the hash of the very text it names.
		if ackHash != versionHash || markdown.Hash(text) != ackHash {
			mismatches++
			t.Errorf("acknowledgement %d: its hash does not match the text of %s version %d", id, slug, number)
		}
		ev.acks = append(ev.acks, fmt.Sprintf("%d %s %s v%d %s %s", id, emp, slug, number, ackHash, at.UTC().Format(time.RFC3339Nano)))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows, err = pool.Query(ctx, `SELECT id::text || ' ' || request_id::text || ' ' || (extract(epoch FROM at) * 1000000)::bigint::text || ' ' || event || ' ' || COALESCE(to_state, '') || ' ' || md5(COALESCE(comment, '')) FROM request_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	ev.decisions, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var head []byte
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM audit_log), (SELECT hash FROM audit_chain_head)`).Scan(&ev.audit, &head); err != nil {
		t.Fatal(err)
	}
	ev.head = hex.EncodeToString(head)
	return ev, mismatches
}

// TestRestoreDrill is the backup drill of docs/operations.md: the demo
// data with acknowledgements and decisions, anchored; a logical dump; a
// restore into a new cluster; the portal started on it; every receipt
// hash and the audit chain (against the anchor) verified; the time taken
// recorded. Nothing of the evidence may be lost or altered.
func TestRestoreDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster")
	}
	t.Parallel()
	ctx := context.Background()
	db := testkit.NewEmptyDB(t, nil)
	if _, err := postgres.Migrate(ctx, db.OwnerURL, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	owner := db.OwnerPool(t)
	if err := demo.Load(ctx, owner, "https://www.lillaedet.se"); err != nil {
		t.Fatal(err)
	}
	// Every demo person acknowledges the documents in force, through the service.
	app := db.Pool(t)
	docs := postgres.NewDocumentService(app, nil, 0, nil)
	rows, err := owner.Query(ctx, `
		SELECT p.id, COALESCE(p.department_id, 0), d.slug, v.number, v.sha256
		FROM people p CROSS JOIN documents d JOIN document_versions v ON v.document_id = d.id AND v.published_at IS NOT NULL
		WHERE d.must_acknowledge ORDER BY p.id, d.id, v.number`)
	if err != nil {
		t.Fatal(err)
	}
	type todo struct {
		person, dept int64
		slug, hash   string
		number       int
	}
	var list []todo
	for rows.Next() {
		var x todo
		if err := rows.Scan(&x.person, &x.dept, &x.slug, &x.number, &x.hash); err != nil {
			t.Fatal(err)
		}
		list = append(list, x)
	}
	for _, x := range list {
		_, _ = docs.Acknowledge(ctx, &domain.Actor{PersonID: x.person, DepartmentID: x.dept}, x.slug, x.number, x.hash, "drill")
	}
	before, bad := readEvidence(t, owner)
	if len(before.acks) == 0 || len(before.decisions) == 0 || before.audit == 0 || bad != 0 {
		t.Fatalf("demo evidence: %d acknowledgements, %d case events, %d audit rows, %d mismatches", len(before.acks), len(before.decisions), before.audit, bad)
	}
	// The night's anchor, kept outside the database (here: a log file).
	var logged bytes.Buffer
	if _, err := postgres.NewAuditChain(app, nil).Anchor(ctx, "", slog.New(slog.NewJSONHandler(&logged, nil))); err != nil {
		t.Fatal(err)
	}
	anchors := filepath.Join(t.TempDir(), "anchors.log")
	if err := os.WriteFile(anchors, logged.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	// 1. The dump, as the owner (custom format), with the tools of a fresh
	// cluster that the restore then goes to.
	fresh := testkit.StartCluster(t)
	var dump bytes.Buffer
	if err := fresh.Tool(ctx, nil, &dump, "pg_dump", "-Fc", "--dbname="+db.OwnerURL); err != nil {
		t.Fatal(err)
	}
	dumped := time.Since(start)
	// 2. The fresh cluster gets the three roles and an empty database.
	su, err := pgx.Connect(ctx, fresh.URL(pgcluster.Superuser, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.PrepareRoles(ctx, su, "itportal_restored"); err != nil {
		t.Fatal(err)
	}
	_ = su.Close(ctx)
	// 3. The restore, in one transaction, stopping at the first error.
	restoredURL := fresh.URL("itportal_owner", "itportal_restored")
	if err := fresh.Tool(ctx, bytes.NewReader(dump.Bytes()), io.Discard, "pg_restore", "--single-transaction", "--exit-on-error", "--dbname="+restoredURL); err != nil {
		t.Fatal(err)
	}
	restored := time.Since(start)
	// 4. The portal on the restored database.
	vars := serveEnv(t, testkit.DB{URL: fresh.URL("itportal_app", "itportal_restored"), OwnerURL: restoredURL})
	p := startPortal(t, vars)
	if resp, _ := get(t, p.URL+"/readyz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("portal on the restored database: %d", resp.StatusCode)
	}
	// 5. The evidence: identical, every receipt hash true, the chain whole
	// against the anchor taken before the dump.
	restoredPool, err := pgxpool.New(ctx, restoredURL)
	if err != nil {
		t.Fatal(err)
	}
	defer restoredPool.Close()
	after, bad := readEvidence(t, restoredPool)
	if bad != 0 {
		t.Errorf("%d acknowledgement hashes do not match after the restore", bad)
	}
	if strings.Join(after.acks, "\n") != strings.Join(before.acks, "\n") || strings.Join(after.decisions, "\n") != strings.Join(before.decisions, "\n") ||
		after.audit != before.audit || after.head != before.head {
		t.Errorf("evidence changed by the restore: acknowledgements %d→%d, case events %d→%d, audit rows %d→%d, head %s→%s",
			len(before.acks), len(after.acks), len(before.decisions), len(after.decisions), before.audit, after.audit, before.head, after.head)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"itportal", "audit", "verify", "--anchors", anchors}, env(map[string]string{"ITPORTAL_DATABASE_URL": vars["ITPORTAL_DATABASE_URL"]}), &out, io.Discard); err != nil {
		t.Fatalf("audit verify on the restored database: %v\n%s", err, out.String())
	}
	took := time.Since(start)
	if took > 60*time.Second {
		t.Errorf("the drill took %v, want under 60 s", took)
	}
	sum := sha256.Sum256(dump.Bytes())
	t.Logf("restore drill: dump %d kB (sha256 %x…) in %v, restored by %v, portal ready and evidence verified by %v: %d acknowledgements, %d case events, %d audit rows, 0 mismatches; %s",
		dump.Len()/1024, sum[:4], dumped.Round(time.Millisecond), restored.Round(time.Millisecond), took.Round(time.Millisecond),
		len(after.acks), len(after.decisions), after.audit, strings.TrimSpace(out.String()))
}
