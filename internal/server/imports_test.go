package server_test

import (
	"bytes"
	"context"
	"itportal/internal/testkit"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestImportThroughThePage(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	it := h.SignedIn(itUnit)
	data, err := os.ReadFile("../../testdata/register/systemregister.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	// The test portal has two departments; the file names five: the dry run
	// says which are missing and refuses to import (the installation is not
	// empty, so the import will not invent departments).
	resp := it.Upload("/system/import", "file", "systemregister.xlsx", data)
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "Förvaltningar som saknas") || !strings.Contains(resp.Body, "Barn- och utbildningsförvaltningen") || strings.Contains(resp.Body, ">Importera</button>") {
		t.Fatalf("dry run with missing departments: %d\n%s", resp.StatusCode, resp.Body)
	}
	for _, d := range [][2]string{{"Barn- och utbildningsförvaltningen", "BUF"}, {"Samhällsbyggnadsförvaltningen", "SBF"}, {"Kultur- och fritidsförvaltningen", "KFF"}} {
		if _, err := h.Owner.Exec(context.Background(), `INSERT INTO departments (name, short_name) VALUES ($1, $2)`, d[0], d[1]); err != nil {
			t.Fatal(err)
		}
	}
	resp = it.Upload("/system/import", "file", "systemregister.xlsx", data)
	if !strings.Contains(resp.Body, "Förhandsgranskning (system): nya 150,") || !strings.Contains(resp.Body, ">Importera</button>") {
		t.Fatalf("dry run: %s", resp.Body)
	}
	var n int
	_ = h.Pool.QueryRow(context.Background(), `SELECT count(*) FROM systems`).Scan(&n)
	if n != 0 {
		t.Fatalf("the dry run stored %d systems", n)
	}
	upload := regexp.MustCompile(`name="upload" value="(\d+)"`).FindStringSubmatch(resp.Body)[1]
	// Someone else cannot commit my upload.
	other := h.SignedIn(itHead)
	if resp := other.Post("/system/import/bekrafta", url.Values{"upload": {upload}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another person's upload: %d, want 404", resp.StatusCode)
	}
	resp = it.Post("/system/import/bekrafta", url.Values{"upload": {upload}, "state": {"forged"}})
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "Importen är klar (system): nya 150,") {
		t.Fatalf("commit: %d\n%s", resp.StatusCode, resp.Body)
	}
	_ = h.Pool.QueryRow(context.Background(), `SELECT count(*) FROM systems`).Scan(&n)
	if n != 150 {
		t.Fatalf("%d systems after the import", n)
	}
	// Re-importing the same file changes nothing.
	resp = it.Upload("/system/import", "file", "systemregister.xlsx", data)
	if !strings.Contains(resp.Body, "nya 0, ändras 0, oförändrade 150, med fel 0") {
		t.Errorf("re-import dry run: %s", regexp.MustCompile(`Förhandsgranskning[^<]*`).FindString(resp.Body))
	}
}

func TestImportRefusesBadFiles(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	it := h.SignedIn(itUnit)
	for name, c := range map[string]struct {
		data   []byte
		status int
		msg    string
	}{
		"empty.csv":      {nil, http.StatusUnprocessableEntity, "Filen är tom"},
		"rubriker.csv":   {[]byte("Systemnamn;Beskrivning\r\n"), http.StatusUnprocessableEntity, "bara rubrikraden"},
		"sida.pdf":       {[]byte("%PDF-1.7\x00\x01"), http.StatusUnprocessableEntity, "varken en Excel-fil"},
		"html.xlsx":      {[]byte("<html><script>alert(1)</script></html>"), http.StatusUnprocessableEntity, "saknar kolumnen Systemnamn"},
		"stor.csv":       {bytes.Repeat([]byte("a;"), 10<<20), http.StatusRequestEntityTooLarge, "för stor"},
		"okand-förv.csv": {[]byte("Systemnamn;Systemägare\r\nX;Tekniska förvaltningen\r\n"), http.StatusOK, "Förvaltningar som saknas"},
		// 300 KB that unpack to 100 MB: refused at once, the portal's memory untouched.
		"bomb.xlsx": {testkit.XLSXBomb(t, 100<<20), http.StatusUnprocessableEntity, "packas upp till högst"},
	} {
		start := time.Now()
		resp := it.Upload("/system/import", "file", name, c.data)
		if resp.StatusCode != c.status || !strings.Contains(resp.Body, c.msg) {
			t.Errorf("%s: %d, want %d with %q\n%.300s", name, resp.StatusCode, c.status, c.msg, resp.Body)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s took %v to answer", name, took)
		}
	}
	// A 20 MB body is refused before it is read.
	big := bytes.Repeat([]byte("x"), 20<<20)
	if resp := it.Upload("/system/import", "file", "big.xlsx", big); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("20 MB: %d", resp.StatusCode)
	}
	var n int
	_ = h.Pool.QueryRow(context.Background(), `SELECT count(*) FROM systems`).Scan(&n)
	if n != 0 {
		t.Errorf("bad files stored %d systems", n)
	}
}
