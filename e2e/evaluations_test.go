package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"itportal/internal/portaltest"
)

// TestJourneyEvaluation: the administrator of an overdue system finds it on
// the start page, meets the form's errors, fills in the evaluation with
// the keyboard and submits it; IT-enheten reads the overview. Every page
// checked.
func TestJourneyEvaluation(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	ctx := context.Background()
	var id string
	if err := p.Owner.QueryRow(ctx, `
		WITH leila AS (
			INSERT INTO people (name, email, employee_number, department_id)
			SELECT 'Leila Haddad', 'leila.haddad@example.lillaedet.se', 'D0003', id FROM departments WHERE short_name = 'SOC' RETURNING id, department_id
		), s AS (INSERT INTO systems (name, lifecycle) VALUES ('Treserva', 'i_drift') RETURNING id),
		roles AS (
			INSERT INTO role_assignments (system_id, role, department_id, person_id, valid)
			SELECT s.id, 'owner', leila.department_id, NULL, '[2024-01-01,)'::daterange FROM s, leila
			UNION ALL SELECT s.id, 'administrator', NULL, leila.id, '[2024-01-01,)'::daterange FROM s, leila
		), e AS (INSERT INTO evaluations (system_id, evaluated_on, legacy) SELECT id, current_date - 400, true FROM s)
		SELECT id::text FROM s`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, true, pages)
	b.signIn(p, "systemforvaltare", "/", true)
	b.check("översikt, att utvärdera")
	form := "/system/" + id + "/utvardering"
	b.tabTo(`main a[href="` + form + `"]`)
	b.activate()
	b.check("utvärdering")

	// Submit empty: the summary takes focus and links to the fields.
	b.tabTo(`button[value=skicka]`)
	b.activate()
	if !eval[bool](b, `document.activeElement.classList.contains("error-summary")`) {
		t.Error("the error summary does not take focus")
	}
	b.check("utvärdering, formulärfel")
	b.tabTo(`input#users_count`)
	b.key("350")
	b.tabTo(`input#used_as_intended`)
	b.key(" ")
	b.tabTo(`input#support_score`) // a radio group is one tab stop; arrows choose
	b.key(kb.ArrowDown + kb.ArrowDown + kb.ArrowDown)
	b.tabTo(`textarea#coordination`)
	b.key("Kan samordnas med e-arkivet.")
	b.tabTo(`input#proposed_action`)
	b.key(kb.ArrowDown)
	b.tabTo(`button[value=skicka]`)
	b.activate()
	if b.path() != "/system/"+id {
		t.Fatalf("after submitting: %s", b.path())
	}
	main := eval[string](b, `document.querySelector("main").textContent`)
	if !strings.Contains(main, "Utvärderingen är inskickad") || !strings.Contains(main, "Utveckla") {
		t.Errorf("the system page after submitting:\n%s", main)
	}
	b.check("systemsida, utvärderad")
	b.tabTo(`a[href^="` + form + `/"]`)
	b.activate()
	b.check("inskickad utvärdering")

	it := newBrowser(t, true, pages)
	it.signIn(p, "it-enheten", "/utvarderingar", true)
	if !eval[bool](it, `!!document.querySelector("svg[data-testid=evaluation-chart] title") && !!document.querySelector("[data-testid=evaluations-in-time-table] tbody tr")`) {
		t.Error("/utvarderingar has no chart of evaluations in time with its table")
	}
	it.check("utvärderingar")
	it.navigate(p.URL + "/utvarderingar?ar=tjugo")
	it.check("utvärderingar, felaktigt år")

	pages.validate(t)
}
