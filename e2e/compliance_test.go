package e2e

import (
	"strings"
	"testing"

	"itportal/internal/portaltest"
)

// TestJourneyCompliance: IT-enheten reaches the compliance board from the
// menu, opens a rule's breaches and filters them by department, keyboard
// only; an employee reads their own department's board without
// JavaScript. Every page is checked with axe-core and the Nu HTML Checker.
func TestJourneyCompliance(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	seedSystems(t, p, 12) // owned by SOC, without an administrator

	b := newBrowser(t, true, pages)
	b.signIn(p, "it", "/", true)
	b.check("översikt med efterlevnad per förvaltning")
	b.tabTo(`nav a[href="/efterlevnad"]`)
	b.activate()
	if b.path() != "/efterlevnad" {
		t.Fatalf("the menu led to %s", b.path())
	}
	if !strings.Contains(eval[string](b, `document.querySelector("[data-testid=computed-at]").textContent`), "Beräknad") {
		t.Error("the board does not say when it was computed")
	}
	b.check("efterlevnad")
	b.tabTo(`main th a[href="/efterlevnad/r1"]`)
	b.activate()
	if n := eval[float64](b, `document.querySelectorAll("[data-testid=breaches] tbody tr").length`); n != 12 {
		t.Errorf("R1 lists %v breaches, want 12", n)
	}
	b.check("efterlevnad, R1")
	b.tabTo(`select#forvaltning`)
	b.check("efterlevnad, R1, filter")

	emp := newBrowser(t, false, pages)
	emp.signIn(p, "medarbetare", "/efterlevnad", false)
	if !strings.Contains(eval[string](emp, `document.querySelector("main").textContent`), "Socialförvaltningen") {
		t.Error("the employee's board does not show their department")
	}
	emp.check("efterlevnad, medarbetare utan JavaScript")
	emp.navigate(p.URL + "/efterlevnad/r1")
	emp.check("efterlevnad, R1, medarbetare")
	pages.validate(t)
}
