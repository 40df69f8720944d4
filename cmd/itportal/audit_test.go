package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

func TestAuditVerifyCommand(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	vars := env(map[string]string{"ITPORTAL_DATABASE_URL": db.URL})
	pool := db.Pool(t)
	for i := range 12 {
		if _, err := pool.Exec(ctx, `INSERT INTO audit_log (action, object_type, object_id) VALUES ('system.updated', 'system', $1::int::text)`, i); err != nil {
			t.Fatal(err)
		}
	}

	// The nightly anchor as the portal logs it (JSON), kept by the operators.
	var logged bytes.Buffer
	if _, err := postgres.NewAuditChain(pool, nil).Anchor(ctx, "", slog.New(slog.NewJSONHandler(&logged, nil))); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(t.TempDir(), "itportal.log")
	if err := os.WriteFile(logFile, []byte("{\"level\":\"INFO\",\"msg\":\"listening\"}\n"+logged.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := run(ctx, []string{"itportal", "audit", "verify", "--anchors", logFile}, vars, &out, io.Discard); err != nil {
		t.Fatalf("intact chain: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "12 rows") || !strings.Contains(out.String(), "1 anchors checked") || !strings.Contains(out.String(), "OK") {
		t.Errorf("intact chain output:\n%s", out.String())
	}

	// The owner rewrites row 5 and recomputes the whole chain: only the
	// anchor from the log tells, and the command exits 1.
	su := db.SuperuserPool(t)
	if _, err := su.Exec(ctx, `
		SET session_replication_role = replica;
		UPDATE audit_log SET action = 'system.viewed' WHERE seq = 5;
		DO $$
		DECLARE r audit_log; h bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea; d bytea;
		BEGIN
			FOR r IN SELECT * FROM audit_log ORDER BY seq LOOP
				d := audit_digest(r);
				UPDATE audit_log SET digest = d, prev_hash = h, hash = audit_link(h, d, r.seq) WHERE id = r.id;
				h := audit_link(h, d, r.seq);
			END LOOP;
			UPDATE audit_chain_head SET hash = h;
		END $$;`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"itportal", "audit", "verify"}, vars, &out, io.Discard); err != nil {
		t.Fatalf("without anchors the recomputed chain looks whole: %v\n%s", err, out.String())
	}
	out.Reset()
	err := run(ctx, []string{"itportal", "audit", "verify", "--anchors", logFile}, vars, &out, io.Discard)
	if !errors.Is(err, errAuditBroken) || !strings.Contains(out.String(), "BROKEN: first broken row: seq 12") || !strings.Contains(out.String(), "itportal.log:2") {
		t.Fatalf("recomputed chain against the anchor: %v\n%s", err, out.String())
	}

	// Bad anchors are usage errors.
	for _, args := range [][]string{{"--anchor", "12:xyz"}, {"--anchor", "0:" + strings.Repeat("a", 64)}, {"--anchors", filepath.Join(t.TempDir(), "none")}, {"extra"}} {
		err := run(ctx, append([]string{"itportal", "audit", "verify"}, args...), vars, io.Discard, io.Discard)
		if err == nil {
			t.Errorf("audit verify %v succeeded", args)
		}
	}
}
