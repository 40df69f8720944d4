package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"itportal/internal/portaltest"
)

// TestJourneyCompliance: IT-enheten reaches the compliance board from the
// menu, reads each rule's count and state and the last months' chart with
// its table, opens a rule's breaches and filters them by department,
// keyboard only; an employee reads their own department's board without
// JavaScript. Every page is checked with axe-core and the Nu HTML Checker.
func TestJourneyCompliance(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	seedSystems(t, p, 12) // owned by SOC, without an administrator
	// A day of last month was recorded for the history chart.
	day := time.Now().AddDate(0, -1, 0).Format("2006-01-02")
	if _, err := p.Owner.Exec(context.Background(), `INSERT INTO compliance_history_days (day) VALUES ($1::date)`, day); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Owner.Exec(context.Background(), `INSERT INTO compliance_history (day, check_key, department_id, n)
		SELECT $1::date, 'r1_missing', id, 9 FROM departments WHERE short_name = 'SOC'`, day); err != nil {
		t.Fatal(err)
	}

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
	if got := eval[string](b, `document.querySelector("tr[data-rule=R1] [data-testid=rule-count]").textContent`); got != "12 avvikelser" {
		t.Errorf("R1's count on the board: %q", got)
	}
	if got := eval[string](b, `document.querySelector("tr[data-rule=R1] [data-testid=rule-state]").textContent`); !strings.Contains(got, "Avvikelser") {
		t.Errorf("R1's state on the board: %q", got)
	}
	if got := eval[string](b, `document.querySelector("svg[role=img]")?.getAttribute("aria-labelledby") || ""`); got == "" {
		t.Error("the board has no history chart with a text alternative")
	}
	if n := eval[float64](b, `document.querySelectorAll("[data-testid=history-table] tbody tr").length`); n < 13 {
		t.Errorf("the history table has %v rules", n)
	}
	b.check("efterlevnad")
	b.tabTo(`main th a[href="/efterlevnad/r1"]`)
	b.activate()
	if n := eval[float64](b, `document.querySelectorAll("[data-testid=breaches] tbody tr").length`); n != 12 {
		t.Errorf("R1 lists %v breaches, want 12", n)
	}
	if got := eval[string](b, `document.querySelector("[data-testid=rule-total]").textContent`); got != "12 avvikelser" {
		t.Errorf("R1's page counts %q, the board 12 avvikelser", got)
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
