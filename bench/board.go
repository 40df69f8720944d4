package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// boardName names the compliance board's scenario (-only board).
const boardName = "compliance board `/efterlevnad` (10,000 systems and staff, 100,000 acknowledgements, 100,000 audit rows)"

// boardSelected reports whether this run measures the compliance board.
func boardSelected() bool { return onlyPages == "" || strings.Contains(boardName, onlyPages) }

// The board scenario's seed, statement by statement.
const (
	boardDocuments = `WITH d AS (
			INSERT INTO documents (slug, title, kind, fixed_by, must_acknowledge)
			VALUES ('regler-for-it-sakerhet', 'Regler för IT-säkerhet', 'regler', 'kommunchefen', true),
			       ('rutin-for-losenord', 'Rutin för lösenord', 'rutin', 'it_chef', true)
			RETURNING id)
		INSERT INTO document_versions (document_id, number, markdown, html, sha256, effective_date, published_at, published_by, created_by)
		SELECT d.id, n, t.md, '<p>Text</p>', encode(sha256(convert_to(t.md, 'UTF8')), 'hex'), CURRENT_DATE - (10 - n) * 30,
		       now() - make_interval(days => (10 - n) * 30), a.id, a.id
		FROM d CROSS JOIN generate_series(1, 5) n
		CROSS JOIN LATERAL (SELECT '# Dokument ' || d.id || E'\n\nVersion ' || n || E'.\n' AS md) t
		CROSS JOIN (SELECT id FROM people WHERE employee_number = 'B00000') a`
	boardAcknowledgements = `INSERT INTO acknowledgements (person_id, version_id, sha256, acknowledged_at)
		SELECT p.id, v.id, v.sha256, v.published_at + interval '1 day'
		FROM people p CROSS JOIN document_versions v
		WHERE NOT (v.number = 5 AND v.document_id = (SELECT min(id) FROM documents) AND p.id % 20 = 0 AND p.employee_number NOT LIKE 'B%')`
	boardAudit = `INSERT INTO audit_log (action, object_type, object_id, changes, request_id)
		SELECT 'system.updated', 'system', (g % 10000)::text,
		       jsonb_build_object('notes', jsonb_build_object('before', '', 'after', 'Anteckning ' || g)), 'bench-board-' || g
		FROM generate_series(1, 100000) g`
	boardVerification = `INSERT INTO audit_verifications (at, ok, rows_checked, anchors_checked, duration_ms)
		VALUES (now() - interval '6 hours', true, 100000, 1, 900)`
	boardSystems = `UPDATE systems SET introduced_before_portal = (id % 50 <> 0),
		       created_at = CASE WHEN id % 10 = 0 THEN now() - interval '13 months' ELSE created_at END`
	boardVacuum = `VACUUM ANALYZE`
)

// seedBoard adds what the compliance board reads beyond the register, the
// staff and the cases: two documents everyone must acknowledge, five
// versions each, acknowledged by every person (about 100,000
// acknowledgements for 10,000 staff; one in twenty has not acknowledged
// the newest version of one of them, the bench's own personas have), 100,000 audit rows sealed into the chain and last
// night's verification; and the register's usual imperfections: one system
// in fifty in operation without an introduction case, a tenth registered
// 13 months ago and never evaluated.
func seedBoard(ctx context.Context, ownerURL string) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SET statement_timeout = 0`); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "seeding the compliance board's data...")
	for _, step := range []func() error{
		func() error { _, err := conn.Exec(ctx, boardDocuments); return err },
		func() error { _, err := conn.Exec(ctx, boardAcknowledgements); return err },
		func() error { _, err := conn.Exec(ctx, boardAudit); return err },
		func() error { _, err := conn.Exec(ctx, boardVerification); return err },
		func() error { _, err := conn.Exec(ctx, boardSystems); return err },
		func() error { _, err := conn.Exec(ctx, boardVacuum); return err },
	} {
		if err := step(); err != nil {
			return err
		}
	}
	var acks int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM acknowledgements`).Scan(&acks); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d acknowledgements\n", acks)
	return nil
}

// boardFirstView times the board's first view, when it is computed (one
// client); later views within the minute are served from the replica's cache.
func boardFirstView(c *http.Client, base string) (string, error) {
	start := time.Now()
	resp, err := c.Get(base + "/efterlevnad")
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("/efterlevnad: %s", resp.Status)
	}
	return fmt.Sprintf("\nThe compliance board's first view (every check computed, one client): %.0f ms; later views read the kept breaches (compliance_breaches) the same way.\n", ms(time.Since(start))), nil
}
