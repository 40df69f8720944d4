package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"itportal/internal/portaltest"
)

// TestJourneyCaseAttachments: an employee attaches files from the first
// form of a case, by keyboard after choosing the file. With JavaScript a
// file over 20 MB is caught in the field before it is sent; without it the
// server answers with a page that names the limit and leads back to the
// case. Every state checked with axe-core and the Nu HTML Checker.
func TestJourneyCaseAttachments(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	dir := t.TempDir()
	small, big := filepath.Join(dir, "offert.pdf"), filepath.Join(dir, "ritningar.pdf")
	if err := os.WriteFile(small, []byte("%PDF-1.7\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, append([]byte("%PDF-1.7\n"), make([]byte, 21<<20)...), 0o600); err != nil {
		t.Fatal(err)
	}
	choose := func(b *browser, file string) {
		t.Helper()
		if err := chromedp.Do(b.ctx, chromedp.SetUploadFiles(`input#file`, []string{file})); err != nil {
			t.Fatal(err)
		}
		eval[bool](b, `document.getElementById("file").dispatchEvent(new Event("change"))`)
	}

	b := newBrowser(t, true, pages)
	b.signIn(p, "medarbetare", "/arenden/nytt?typ=inforande", true)
	b.fill(`input#title`, "Nytt bokningssystem")
	b.tabTo(`button[value=bilagor]`)
	b.activate()
	if !strings.HasSuffix(b.path(), "/redigera") {
		t.Fatalf("after Spara utkast och bifoga filer: %s", b.path())
	}
	edit := b.path()
	b.check("utkast, bilagor")

	choose(b, big)
	if msg := eval[string](b, `document.getElementById("file-storlek")?.textContent ?? ""`); !strings.Contains(msg, "Filen är större än 20 MB") {
		t.Fatalf("a 21 MB file is not caught in the browser: %q", msg)
	}
	b.check("utkast, för stor fil i webbläsaren")
	b.tabTo(`button[form="bifoga-fil"]`)
	b.key(kb.Enter)
	b.waitFor(`document.activeElement && document.activeElement.id === "file"`, "the file field to take focus")
	if b.path() != edit {
		t.Fatalf("the too large file was sent: %s", b.path())
	}

	choose(b, small)
	if eval[bool](b, `document.getElementById("file-storlek") !== null`) {
		t.Error("the size error stays after a smaller file is chosen")
	}
	b.tabTo(`button[form="bifoga-fil"]`)
	b.activate()
	if b.path() != edit || !strings.Contains(eval[string](b, `document.querySelector("#bilagor").innerText`), "offert.pdf") {
		t.Errorf("after attaching: %s\n%s", b.path(), eval[string](b, `document.querySelector("main").innerText`))
	}
	b.check("utkast, fil bifogad")

	// Without JavaScript the server refuses it, in the portal's frame.
	nb := newBrowser(t, false, pages)
	nb.signIn(p, "medarbetare", edit, false)
	if err := chromedp.Do(nb.ctx, chromedp.SetUploadFiles(`input#file`, []string{big})); err != nil {
		t.Fatal(err)
	}
	nb.tabTo(`button[form="bifoga-fil"]`)
	nb.activate()
	main := eval[string](nb, `document.querySelector("main").innerText`)
	if !strings.Contains(main, "Filen är större än 20 MB") || !strings.Contains(main, "Tillbaka till ärendet") {
		t.Fatalf("a 21 MB file without JavaScript:\n%s", main)
	}
	nb.check("för stor fil utan JavaScript")
	nb.tabTo(`a[data-testid=upload-back]`)
	nb.activate()
	if !strings.HasPrefix(edit, nb.path()) {
		t.Errorf("the way back leads to %s", nb.path())
	}
	pages.validate(t)
}
