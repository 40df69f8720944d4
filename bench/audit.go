package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// auditRows is how many audit rows the verification is measured over.
const auditRows = 1_000_000

// measureAuditVerify fills the audit log to a million rows through its
// triggers (each row digested and sealed into the chain as the portal's
// own writes are) and times `itportal audit verify` over it.
func measureAuditVerify(ctx context.Context, bin, appURL string) (string, error) {
	conn, err := pgx.Connect(ctx, appURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SET statement_timeout = 0`); err != nil {
		return "", err
	}
	var have int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&have); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "writing %d audit rows...\n", auditRows-have)
	start := time.Now()
	const batch = 50_000
	for n := have; n < auditRows; n += batch {
		k := min(batch, auditRows-n)
		if _, err := conn.Exec(ctx, `
			INSERT INTO audit_log (action, object_type, object_id, changes, request_id)
			SELECT 'system.updated', 'system', (g % 10000)::text,
			       jsonb_build_object('name', jsonb_build_object('before', 'System ' || g, 'after', 'System ' || g || ' (nytt namn)')),
			       'bench-' || g
			FROM generate_series(1, $1::int) g`, k); err != nil {
			return "", err
		}
	}
	write := time.Since(start)
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE audit_log`); err != nil {
		return "", err
	}

	fmt.Fprintln(os.Stderr, "measuring itportal audit verify...")
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "audit", "verify")
	cmd.Env = append(os.Environ(), "ITPORTAL_DATABASE_URL="+appURL)
	cmd.Stdout, cmd.Stderr = &out, &out
	start = time.Now()
	err = cmd.Run()
	took := time.Since(start)
	if err != nil || !strings.Contains(out.String(), "OK") {
		return "", fmt.Errorf("audit verify: %v\n%s", err, out.String())
	}
	return fmt.Sprintf("\n`itportal audit verify` over %d audit rows (the whole chain, one snapshot): %.1f s (target 30 s). "+
		"Writing them through the chain's triggers in transactions of %d rows took %.0f s (%.0f rows/s).\n",
		auditRows, took.Seconds(), batch, write.Seconds(), float64(auditRows-have)/write.Seconds()), nil
}
