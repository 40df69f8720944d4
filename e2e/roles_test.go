package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/portaltest"
)

// TestJourneyRolesAndHandOver: IT-enheten gives a system a systemförvaltare
// with the keyboard. With JavaScript the picker suggests as the name is
// typed and chooses the single match; without it the search is a submit
// that keeps the date and who appointed, and chooses the single match too.
// The confirmation names the person. Then the person's roles are handed
// over: the preview lists every role (what moves and what does not), who
// appointed the successor is asked for, and the result says what was
// handed over. Every page checked with axe-core and the Nu HTML Checker.
func TestJourneyRolesAndHandOver(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	ctx := context.Background()
	var anna, sys, other int64
	if err := p.Owner.QueryRow(ctx, `INSERT INTO people (name, email, department_id) SELECT 'Anna Bergqvist', 'anna.bergqvist@example.lillaedet.se', id
		FROM departments WHERE short_name = 'SOC' RETURNING id`).Scan(&anna); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Owner.Exec(ctx, `INSERT INTO people (name, email) VALUES ('Tore Östlund', 'tore.ostlund@example.lillaedet.se')`); err != nil {
		t.Fatal(err)
	}
	for name, dst := range map[string]*int64{"Ekonomisystemet": &sys, "Lönesystemet": &other} {
		if err := p.Owner.QueryRow(ctx, `INSERT INTO systems (name, lifecycle) VALUES ($1, 'i_drift') RETURNING id`, name).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, person_id, valid) VALUES ($1, 'administrator', $2, '[2024-01-01,)')`, other, anna); err != nil {
		t.Fatal(err)
	}
	p.Recompute()
	roles := "/system/" + strconv.FormatInt(sys, 10) + "/roller?roll=administrator"

	// With JavaScript: the suggestions come as the name is typed.
	it := newBrowser(t, true, pages)
	it.signIn(p, "it", roles, true)
	it.check("ny systemförvaltare")
	it.fill(`input#appointed_by`, "Socialchefen")
	it.fill(`input#sok`, "Bergqv")
	it.waitFor(`document.querySelector("input[name=holder][value='`+strconv.FormatInt(anna, 10)+`']")?.checked === true`, "the single suggestion chosen")
	if status := eval[string](it, `document.querySelector("[data-picker-status]").textContent`); !strings.Contains(status, "En person matchar och är vald: Anna Bergqvist") {
		t.Errorf("the picker's status: %q", status)
	}
	if n := eval[float64](it, `document.querySelectorAll("datalist option").length`); n != 1 {
		t.Errorf("%v suggestions in the list, want 1", n)
	}
	it.check("ny systemförvaltare, förslag medan man skriver")
	it.tabTo(`main form[method=post] button[type=submit]:not([value=sok])`)
	it.activate()
	if main := eval[string](it, `document.querySelector("main").innerText`); !strings.Contains(main, "Anna Bergqvist är nu systemförvaltare för Ekonomisystemet från") {
		t.Fatalf("the confirmation does not name the person:\n%s", main)
	}
	it.check("systemsida efter rollbyte")

	// Without JavaScript: the search keeps what was typed.
	nojs := newBrowser(t, false, pages)
	nojs.signIn(p, "it", "/system/"+strconv.FormatInt(other, 10)+"/roller?roll=administrator", false)
	nojs.fill(`input#appointed_by`, "Kommunchefen")
	nojs.fill(`input#sok`, "Östlund")
	nojs.key("\r") // the search button is the form's first
	nojs.waitFor(`location.pathname.endsWith("/roller") && document.readyState === "complete" && !!document.querySelector("input[name=holder]")`, "the search result")
	if got := eval[string](nojs, `document.querySelector("input#appointed_by").value`); got != "Kommunchefen" {
		t.Errorf("after the search Utsedd av is %q", got)
	}
	if !eval[bool](nojs, `document.querySelector("input[name=holder]").checked`) {
		t.Error("the single match is not chosen without JavaScript")
	}
	nojs.check("ny systemförvaltare, sökning utan JavaScript")

	// Hand-over of Anna's roles to Tore: search, preview, confirm.
	it.navigate(p.URL + "/personer/" + strconv.FormatInt(anna, 10))
	it.check("personens roller")
	it.fill(`input#sok`, "Östlund")
	it.waitFor(`!!document.querySelector("input[name=successor]:checked")`, "the successor suggested")
	// From tomorrow: Ekonomisystemet's period began today (set as a date
	// picker would).
	it.tabTo(`input#from`)
	eval[bool](it, `(() => { document.activeElement.value = "`+portal.Today().AddDate(0, 0, 1).Format(time.DateOnly)+`"; return true })()`)
	it.fill(`input#appointed_by`, "Socialchefen")
	it.tabTo(`button[value=granska]`)
	it.activate()
	preview := eval[string](it, `document.querySelector("main").innerText`)
	for _, want := range []string{"Kontrollera överlämningen", "Anna Bergqvist lämnar över till Tore Östlund", "Ekonomisystemet", "Lönesystemet", "Socialchefen"} {
		if !strings.Contains(preview, want) {
			t.Errorf("the preview lacks %q:\n%s", want, preview)
		}
	}
	it.check("överlämning, förhandsgranskning")
	it.tabTo(`button[value=bekrafta]`)
	it.activate()
	if main := eval[string](it, `document.querySelector("main").innerText`); !strings.Contains(main, "2 systemförvaltarroller är överlämnade till Tore Östlund") ||
		!strings.Contains(main, "Ekonomisystemet och Lönesystemet") {
		t.Errorf("the result does not say what was handed over:\n%s", main)
	}
	it.check("överlämning klar")

	pages.validate(t)
}
