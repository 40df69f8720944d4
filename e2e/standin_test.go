package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/portaltest"
	"itportal/internal/postgres"
)

// TestJourneyDeputyStandsIn: the IT head's ersättare may not decide an
// open-source case and is told why; the IT head opens Ersättare from the
// menu, meets the message for a period starting yesterday, and sets one
// from today; the ersättare then grants the case, and the decision and
// the print copy say it was made som ersättare för chefen för
// IT-enheten. Keyboard only (the dates are set as a date picker would);
// every page checked with axe-core and the Nu HTML Checker.
func TestJourneyDeputyStandsIn(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	ctx := context.Background()

	// An open-source case, filed by an employee of Socialförvaltningen.
	requester := &portal.Actor{Name: "Sara Lind"}
	if err := p.Owner.QueryRow(ctx, `INSERT INTO people (name, email, department_id) SELECT 'Sara Lind', 'sara.lind@example.lillaedet.se', id
		FROM departments WHERE short_name = 'SOC' RETURNING id, department_id`).Scan(&requester.PersonID, &requester.DepartmentID); err != nil {
		t.Fatal(err)
	}
	svc := postgres.NewRequestService(p.Pool, nil, "https://www.lillaedet.se")
	id, err := svc.SaveDraft(ctx, requester, 0, portal.KindOpenSource, 0, portal.RequestFields{DepartmentID: requester.DepartmentID,
		Title: "LibreOffice i socialtjänsten", Description: "Kontorsprogram", Contact: "Sara Lind", FinancingSource: "Ingen kostnad", FinancingConfirmed: true,
		Details: portal.RequestDetails{Software: "LibreOffice", Licence: "MPL-2.0", ProjectURL: "https://www.libreoffice.org",
			Stability: "Mogen", Security: "Månatliga uppdateringar", Compatibility: "ODF och OOXML", FutureProof: "Stiftelse och gemenskap"}}, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Submit(ctx, requester, id, "e2e"); err != nil {
		t.Fatal(err)
	}
	casePath := "/arenden/" + strconv.FormatInt(id, 10)

	// Without a period the ersättare is told why there is no decision form.
	deputy := newBrowser(t, false, pages)
	deputy.signIn(p, "ersattare", casePath, false)
	main := eval[string](deputy, `document.querySelector("main").innerText`)
	if !strings.Contains(main, "bara under en ersättarperiod") || eval[bool](deputy, `!!document.querySelector("button[value=bevilja]")`) {
		t.Fatalf("the ersättare without a period:\n%s", main)
	}
	if eval[bool](deputy, `!!document.querySelector('a[href="/ersattare"]')`) {
		t.Error("the ersättare is shown the link to the stand-in periods")
	}
	deputy.check("ärende, ersättare utan period")

	// The IT head sets the period.
	head := newBrowser(t, true, pages)
	head.signIn(p, "itchef", "/", true)
	head.tabTo(`nav a[href="/ersattare"]`)
	head.activate()
	head.check("ersättare, ingen period")
	today := portal.Today()
	setDate := func(field string, d time.Time) {
		head.tabTo(`input#` + field)
		eval[bool](head, `(() => { document.activeElement.value = "`+d.Format(time.DateOnly)+`"; return true })()`)
	}
	setDate("from", today.AddDate(0, 0, -1))
	setDate("to", today.AddDate(0, 0, 7))
	head.fill(`input#note`, "Semester")
	head.tabTo(`main form[action="/ersattare"] button[type=submit]`)
	head.activate()
	if !eval[bool](head, `document.activeElement.classList.contains("error-summary")`) ||
		!strings.Contains(eval[string](head, `document.querySelector("main").innerText`), "Perioden kan inte börja före i dag") {
		t.Fatalf("a period from yesterday:\n%s", eval[string](head, `document.querySelector("main").innerText`))
	}
	head.check("ersättare, formulärfel")
	setDate("from", today)
	head.tabTo(`main form[action="/ersattare"] button[type=submit]`)
	head.activate()
	main = eval[string](head, `document.querySelector("main").innerText`)
	if !strings.Contains(main, "Eva Holm är ersättare för chefen för IT-enheten i dag, till och med "+today.AddDate(0, 0, 7).Format(time.DateOnly)) ||
		!strings.Contains(main, "Pågår") || !strings.Contains(main, "Semester") {
		t.Fatalf("after setting the period:\n%s", main)
	}
	head.check("ersättare, pågående period")

	// Inside the period the ersättare decides, as ersättare.
	deputy.navigate(p.URL + casePath)
	deputy.check("ärende, ersättare under period")
	deputy.fill(`textarea#motivation`, "Uppfyller kraven i avsnitt 7.")
	deputy.tabTo(`button[value=bevilja]`)
	deputy.activate()
	deputy.tabTo(`button[data-testid=confirm]`) // "Är du säker?"
	deputy.activate()
	if !strings.Contains(eval[string](deputy, `document.querySelector("[data-testid=state]").textContent`), "Beviljat") {
		t.Fatalf("after granting:\n%s", eval[string](deputy, `document.querySelector("main").innerText`))
	}
	if by := eval[string](deputy, `document.querySelector("[data-testid=decided-by]").textContent`); !strings.Contains(by, "Eva Holm") ||
		!strings.Contains(by, "som ersättare för chefen för IT-enheten") {
		t.Errorf("the decision says %q", by)
	}
	deputy.check("ärende, beviljat av ersättare")
	deputy.navigate(p.URL + casePath + "/utskrift")
	if !strings.Contains(eval[string](deputy, `document.querySelector("main").innerText`), "Eva Holm som ersättare för chefen för IT-enheten") {
		t.Error("the print copy does not say the decision was made as ersättare")
	}
	deputy.check("ärende, utskrift av ersättarens beslut")

	pages.validate(t)
}
