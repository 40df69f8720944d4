package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// TestOversizedUploadSaysTheLimitAndLeadsBack: the file field states its
// limit and carries it for the check in the browser; a file over it gets
// 413 with a page in the signed-in frame that names the limit and leads
// back to where the file was chosen, and nothing is attached.
func TestOversizedUploadSaysTheLimitAndLeadsBack(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	emp := h.SignedIn(employee)
	path := draftCase(t, h, emp)

	page := emp.Get(path)
	for _, want := range []string{`data-testid="file-limit">Högst 20 MB</strong>`, `data-max-bytes="20971520"`, `data-max-text="20 MB"`, "/static/js/filstorlek."} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the case page's file field lacks %q", want)
		}
	}

	resp := emp.Upload(path+"/bilagor", "file", "stor-ritning.pdf", bytes.Repeat([]byte("%PDF"), 21<<20/4))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 21 MB attachment: %d, want 413", resp.StatusCode)
	}
	for _, want := range []string{"<h1>Filen är för stor</h1>", "Filen är större än 20 MB.", `href="` + path + `#bilagor"`, "Tillbaka till ärendet",
		`data-testid="user-name"`, `lang="sv"`} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("the page for a too large attachment lacks %q:\n%s", want, resp.Body)
		}
	}
	if page := emp.Get(path); strings.Contains(page.Body, "stor-ritning.pdf") {
		t.Error("the too large file was attached")
	}

	it := h.SignedIn(itUnit)
	if form := it.Get("/system/import"); !strings.Contains(form.Body, `data-testid="file-limit">Högst 10 MB.</strong>`) || !strings.Contains(form.Body, `data-max-bytes="10485760"`) {
		t.Errorf("the import's file field does not state its limit:\n%s", form.Body)
	}
	imp := it.Upload("/system/import", "file", "register.csv", bytes.Repeat([]byte("a;"), 11<<20/2))
	if imp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(imp.Body, "Filen är större än 10 MB.") ||
		!strings.Contains(imp.Body, `href="/system/import"`) {
		t.Errorf("an 11 MB import: %d, want 413 naming 10 MB and leading back to the import\n%s", imp.StatusCode, imp.Body)
	}
}
