package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"itportal/internal/portaltest"
)

// TestJourneyImportPreview: IT-enheten uploads a register file; the
// preview shows old → new, when the role changes take effect and the
// people the import creates with their department; the link Bara fel
// shows only the row with an error; without it, the preview lists the
// rules of the guideline the import would break. Keyboard only after
// choosing the file;
// every page checked with axe-core and the Nu HTML Checker.
func TestJourneyImportPreview(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	if _, err := p.Owner.Exec(context.Background(), `INSERT INTO systems (name, supplier, lifecycle) VALUES ('Ekonomi', 'Unit4', 'i_drift')`); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "register.csv")
	csv := "Systemnamn;Systemägare;Systemförvaltare;Systemförvaltare e-post;Leverantör;Livscykel\r\n" +
		"Ekonomi;Socialförvaltningen;Nya Nilsson;nya.nilsson@example.lillaedet.se;Visma;I drift\r\n" +
		"Utan ägare;;Olle Ovald;olle.ovald@example.lillaedet.se;;\r\n" +
		"Felraden;;;;;Okänd\r\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, true, pages)
	b.signIn(p, "it", "/system/import", true)
	b.check("import")
	if err := chromedp.Do(b.ctx, chromedp.SetUploadFiles(`input#file`, []string{file})); err != nil {
		t.Fatal(err)
	}
	b.tabTo(`main form button[type=submit]`)
	b.activate()
	main := eval[string](b, `document.querySelector("main").innerText`)
	for _, want := range []string{"Leverantör: Unit4 → Visma", "rollbyten gäller från och med", "Personer som skapas", "Behöver en förvaltning", "Socialförvaltningen"} {
		if !strings.Contains(main, want) {
			t.Errorf("the preview lacks %q:\n%s", want, main)
		}
	}
	b.check("import, förhandsgranskning")
	b.tabTo(`a[href*="visa=fel"]`)
	b.activate()
	rows := eval[string](b, `document.querySelector("table[data-testid=import-rows] tbody").innerText`)
	if !strings.Contains(rows, "Felraden") || strings.Contains(rows, "Ekonomi") {
		t.Errorf("Bara fel shows:\n%s", rows)
	}
	if !eval[bool](b, `document.querySelector('a[href*="visa=fel"]').getAttribute("aria-current") === "page"`) {
		t.Error("the chosen filter is not marked")
	}
	b.check("import, bara fel")

	// Without the bad row the file can be imported; the preview warns of
	// the rules it would break (a new system without a driftsansvarig).
	if err := os.WriteFile(file, []byte(strings.Replace(csv, "Felraden;;;;;Okänd\r\n", "", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	b.navigate(p.URL + "/system/import")
	if err := chromedp.Do(b.ctx, chromedp.SetUploadFiles(`input#file`, []string{file})); err != nil {
		t.Fatal(err)
	}
	b.tabTo(`main form button[type=submit]`)
	b.activate()
	breaks := eval[string](b, `document.querySelector("[data-testid=import-breaks]")?.innerText || ""`)
	if !strings.Contains(breaks, "Det här bryter mot riktlinjerna") || !strings.Contains(breaks, "Utan ägare: Systemet saknar driftsansvarig.") {
		t.Errorf("the preview does not warn of the rules the import breaks:\n%s", breaks)
	}
	b.lookAt("import, bryter mot riktlinjerna")
	pages.validate(t)
}
