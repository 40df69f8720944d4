package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"itportal/internal/portaltest"
)

// TestJourneyProposal: a system's administrator, without JavaScript, ticks
// Infört före IT-portalen and saves; the tick waits as a proposal and the
// R4 breach stays. IT-enheten finds it on its start page, opens the system
// with the keyboard and confirms it; the breach goes.
func TestJourneyProposal(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	ctx := context.Background()
	emp := newBrowser(t, false, pages)
	emp.signIn(p, "medarbetare", "/min-sida", false)
	var id int64
	if err := p.Owner.QueryRow(ctx, `INSERT INTO systems (name, description, lifecycle, supplier) VALUES ('Kvarnen', 'Verksamhetssystem', 'i_drift', 'CGI') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Owner.Exec(ctx, `
		INSERT INTO role_assignments (system_id, role, department_id, valid) SELECT $1, 'owner', id, '[2024-01-01,)' FROM departments WHERE short_name = 'SOC';
		`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Owner.Exec(ctx, `
		INSERT INTO role_assignments (system_id, role, person_id, valid) SELECT $1, 'administrator', id, '[2024-01-01,)' FROM people WHERE email = $2`,
		id, portaltest.Employee.Email); err != nil {
		t.Fatal(err)
	}
	p.Recompute() // written directly: the board is computed as the periodic job would
	system := "/system/" + strconv.FormatInt(id, 10)
	const r4 = "Systemet är i drift utan ett beviljat ärende om införande."

	emp.navigate(p.URL + system + "/redigera")
	emp.check("systemförvaltarens formulär")
	emp.tabTo(`input#introduced_before_portal`)
	emp.key(" ")
	emp.tabTo(`main form[method=post] button[type=submit]`)
	emp.activate()
	main := eval[string](emp, `document.querySelector("main").textContent`)
	for _, want := range []string{"Skickat till IT-enheten för bekräftelse: Infört före IT-portalen: Ja.", "Förslag som väntar på IT-enheten", r4} {
		if !strings.Contains(main, want) {
			t.Errorf("after the administrator's save the page lacks %q", want)
		}
	}
	emp.check("systemsida med förslag")

	it := newBrowser(t, true, pages)
	it.signIn(p, "it", "/", true)
	if !strings.Contains(eval[string](it, `document.querySelector("[data-testid=proposal-count]")?.textContent || ""`), "1 förslag väntar") {
		t.Fatal("IT-enheten's start page does not count the proposal")
	}
	it.check("startsida med förslag")
	it.tabTo(`main a[href="` + system + `#forslag"]`)
	it.activate()
	it.check("systemsida, förslag att besluta")
	it.tabTo(`form[action$="/bekrafta"] button[type=submit]`)
	it.activate()
	main = eval[string](it, `document.querySelector("main").textContent`)
	if !strings.Contains(main, "Förslaget är bekräftat") || strings.Contains(main, r4) || strings.Contains(main, "Förslag som väntar på IT-enheten") {
		t.Errorf("after the confirmation:\n%s", main)
	}
	it.check("systemsida efter bekräftelse")

	pages.validate(t)
}
