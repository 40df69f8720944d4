package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"itportal/internal/testkit"
)

func TestImportAndExportCommands(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	vars := env(map[string]string{"ITPORTAL_DATABASE_URL": db.URL})
	sample := "../../testdata/register/systemregister.csv"

	// A file with a bad row: exit status 1, the row on stdout, nothing saved.
	bad := filepath.Join(t.TempDir(), "fel.csv")
	if err := os.WriteFile(bad, []byte("Systemnamn;Senast utvärderad\r\nX;31/12/2024\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(ctx, []string{"itportal", "import", "systems", bad}, vars, &out, io.Discard)
	if !errors.Is(err, errImportFailed) || !strings.Contains(out.String(), "rad 2 (X): Senast utvärderad") {
		t.Fatalf("bad file: %v\n%s", err, out.String())
	}

	// Dry run on an empty installation: nothing saved.
	out.Reset()
	if err := run(ctx, []string{"itportal", "import", "systems", sample, "--dry-run", "--create-departments"}, vars, &out, io.Discard); err != nil {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "150 nya") || !strings.Contains(out.String(), "inget sparat") {
		t.Errorf("dry run output:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"itportal", "import", "systems", sample, "--create-departments"}, vars, &out, io.Discard); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"itportal", "import", "systems", sample}, vars, &out, io.Discard); err != nil || !strings.Contains(out.String(), "0 nya, 0 ändrade, 150 oförändrade") {
		t.Fatalf("re-import: %v\n%s", err, out.String())
	}

	// Export: the same rows back, as CSV and XLSX.
	out.Reset()
	if err := run(ctx, []string{"itportal", "export", "systems", "--format", "csv"}, vars, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out.String(), "\r\n"); lines != 151 || !strings.HasPrefix(out.String(), "\ufeffSystemnamn;") {
		t.Errorf("csv export: %d lines", lines)
	}
	out.Reset()
	if err := run(ctx, []string{"itportal", "export", "systems", "--format", "xlsx"}, vars, &out, io.Discard); err != nil || !bytes.HasPrefix(out.Bytes(), []byte("PK")) {
		t.Errorf("xlsx export: %v", err)
	}
	if err := run(ctx, []string{"itportal", "export", "systems", "--format", "pdf"}, vars, io.Discard, io.Discard); err == nil {
		t.Error("an unknown format was accepted")
	}
}

// TestImportStaffAndDocumentCommands: the HR export and a governing
// document from the command line, as the admin pages do them.
func TestImportStaffAndDocumentCommands(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	vars := env(map[string]string{"ITPORTAL_DATABASE_URL": db.URL})
	if _, err := db.OwnerPool(t).Exec(ctx, `INSERT INTO departments (name, short_name) VALUES ('Socialförvaltningen', 'SOC')`); err != nil {
		t.Fatal(err)
	}
	staff := filepath.Join(t.TempDir(), "personal.csv")
	if err := os.WriteFile(staff, []byte("Anställningsnummer;Förnamn;Efternamn;E-post;Förvaltning;Chef e-post;Anställd från;Anställd till\n1;Anna;A;anna@x.se;SOC;;2020-01-01;\n2;Bo;B;bo@x.se;SOC;anna@x.se;2020-01-01;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"itportal", "import", "staff", staff}, vars, &out, io.Discard); err != nil || !strings.Contains(out.String(), "2 nya") {
		t.Fatalf("import staff: %v\n%s", err, out.String())
	}
	text := filepath.Join(t.TempDir(), "regler.md")
	if err := os.WriteFile(text, []byte("# Regler för IT-säkerhet\r\n\r\n1. Lås datorn.\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := run(ctx, []string{"itportal", "import", "document", text, "--slug", "regler-for-it-sakerhet", "--title", "Regler för IT-säkerhet",
		"--blocks-use", "--decision", "KC 2026/3", "--publish"}, vars, &out, io.Discard)
	if err != nil || !strings.Contains(out.String(), "version 1 publicerad, 2 personer ska kvittera") {
		t.Fatalf("import document: %v\n%s", err, out.String())
	}
	var n int
	if err := db.OwnerPool(t).QueryRow(ctx, `SELECT COALESCE(sum(jsonb_array_length(args->'person_ids')), 0) FROM river_job WHERE kind = 'notify_acknowledge'`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d people told (%v), want 2", n, err)
	}
	out.Reset()
	if err := run(ctx, []string{"itportal", "import", "document", text, "--slug", "finns-inte"}, vars, &out, io.Discard); err == nil {
		t.Error("a new document without --title was accepted")
	}
}
