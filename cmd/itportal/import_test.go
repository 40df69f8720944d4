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
