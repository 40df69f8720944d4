package e2e

import (
	"strings"
	"testing"

	"itportal/internal/portaltest"
)

// fill tabs to a field and types into it.
func (b *browser) fill(selector, text string) {
	b.t.Helper()
	b.tabTo(selector)
	b.key(text)
}

// TestJourneyCase: an employee files an introduction with the keyboard
// (kind, form with an error, review, submit); IT-enheten grants it without
// JavaScript; the employee reads the decision and the print copy. Every
// page state is checked with axe-core and the Nu HTML Checker.
func TestJourneyCase(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	b := newBrowser(t, true, pages)
	b.signIn(p, "medarbetare", "/arenden", true)
	b.check("ärenden, tom lista")

	b.tabTo(`a[href="/arenden/nytt"]`)
	b.activate()
	b.check("nytt ärende, välj typ")
	b.tabTo(`input[name=typ]`)
	b.key(" ")
	b.tabTo(`main form button[type=submit]`)
	b.activate()
	if !strings.Contains(b.path(), "typ=inforande") {
		t.Fatalf("after choosing the kind: %s", b.path())
	}
	b.check("nytt ärende, införande")
	b.stepIs("Steg 1 av 3: Fyll i ansökan")

	// Continue with almost nothing filled in: the errors take focus.
	b.tabTo(`button[value=granska]`)
	b.activate()
	if !eval[bool](b, `document.activeElement.classList.contains("error-summary")`) {
		t.Error("the error summary does not take focus")
	}
	b.check("nytt ärende, formulärfel")

	b.fill(`input#title`, "Nytt system för färdtjänst")
	b.tabTo(`select#department`)
	b.key("Soc")
	b.fill(`textarea#description`, "Färdtjänsten behöver ett eget system.")
	b.fill(`textarea#need`, "Bokning och fakturering av resor")
	b.fill(`input#new_system_name`, "Färdtjänst Journey")
	b.fill(`input#supplier`, "Pulsen")
	b.tabTo(`select#personal_data`)
	b.key("Känsliga")
	b.fill(`input#administrator_name`, "Åsa Öberg-O'Connor")
	b.fill(`input#administrator_email`, "asa.oberg@example.lillaedet.se")
	b.fill(`textarea#goal_alignment`, "Digital service till invånarna")
	b.fill(`textarea#platform_compatibility`, "Webbtjänst, fungerar med kommunens inloggning")
	b.fill(`input#one_off_cost`, "150 000")
	b.fill(`input#yearly_cost`, "40000")
	b.fill(`input#years`, "5")
	b.fill(`input#financing_source`, "Socialnämndens budget 2027")
	b.tabTo(`input#financing_confirmed`)
	b.key(" ")
	b.tabTo(`button[value=granska]`)
	b.activate()
	if !strings.HasSuffix(b.path(), "/skicka") {
		t.Fatalf("after the form: %s\n%s", b.path(), eval[string](b, `document.querySelector("main").innerText`))
	}
	if !strings.Contains(eval[string](b, `document.querySelector("main").innerText`), "350\u00a0000 kr") {
		t.Error("the review does not show the total cost (150 000 + 40 000 × 5)")
	}
	b.stepIs("Steg 2 av 3: Kontrollera")
	b.lookAt("kontrollera dina uppgifter")
	b.tabTo(`main form button[type=submit]`)
	b.activate()
	main := eval[string](b, `document.querySelector("main").innerText`)
	if !strings.Contains(main, "IT 20") || !strings.Contains(main, "Inskickat") {
		t.Fatalf("after submitting:\n%s", main)
	}
	b.check("ärende, inskickat")
	b.stepIs("Steg 3 av 3: Skickat")
	casePath := b.path()

	// IT-enheten decides without JavaScript.
	it := newBrowser(t, false, pages)
	it.signIn(p, "it", "/arenden", false)
	if !strings.Contains(eval[string](it, `document.querySelector("main").innerText`), "1 ärende väntar på dig") {
		t.Error("the work queue does not say a case is waiting")
	}
	it.check("arbetskö")

	// The queue with JavaScript (for axe): sort by a column, search, take the case.
	q := newBrowser(t, true, pages)
	q.signIn(p, "it", "/arenden?vy=ko", true)
	q.tabTo(`a[data-testid=sort-rubrik]`)
	q.activate()
	if eval[string](q, `document.querySelector("th[aria-sort]").textContent`) != "Rubrik ▲" {
		t.Errorf("after sorting by Rubrik: %s, sorted by %q", q.path(), eval[string](q, `document.querySelector("th[aria-sort]")?.textContent ?? ""`))
	}
	q.check("arbetskö, sorterad efter rubrik")
	q.fill(`input#q`, "färdtjänst journey")
	q.tabTo(`form.filters button[type=submit]`)
	q.activate()
	if n := eval[float64](q, `document.querySelectorAll("[data-testid=request-list] tbody tr").length`); n != 1 ||
		!strings.Contains(eval[string](q, `location.search`), "sortera=rubrik") {
		t.Errorf("search in the sorted queue: %v rows, %s", n, eval[string](q, `location.search`))
	}
	q.check("arbetskö, sökning")
	q.tabTo(`a[href="` + casePath + `"]`)
	q.activate()
	q.tabTo(`button[value=tilldela]`)
	q.activate()
	if got := eval[string](q, `document.querySelector("[data-testid=assignee]").textContent`); got != "Mats Lindqvist" {
		t.Errorf("after Tilldela mig the handläggare is %q", got)
	}
	q.check("ärende, tilldelat mig")
	q.navigate(p.URL + "/arenden?vy=ko")
	if row := eval[string](q, `document.querySelector("[data-testid=request-list] tbody tr").innerText`); !strings.Contains(row, "Mats Lindqvist") || !strings.Contains(row, "Väntar på dig") {
		t.Errorf("the queue's row after assignment: %q", row)
	}
	q.check("arbetskö, tilldelat ärende")

	it.tabTo(`a[href="` + casePath + `"]`)
	it.activate()
	it.check("ärende, handläggare")
	it.fill(`textarea#motivation`, "Uppfyller riktlinjerna 4.2.1.")
	it.tabTo(`button[value=bevilja]`)
	it.activate()
	// The confirmation, without JavaScript: nothing is decided yet.
	if main := eval[string](it, `document.querySelector("main").innerText`); !strings.Contains(main, "Är du säker?") || !strings.Contains(main, "Du beviljar ärende") {
		t.Fatalf("no confirmation before granting:\n%s", main)
	}
	it.check("bekräfta beviljande")
	it.tabTo(`button[data-testid=confirm]`)
	it.activate()
	if !strings.Contains(eval[string](it, `document.querySelector("[data-testid=state]").textContent`), "Beviljat") {
		t.Fatalf("after granting: %s", eval[string](it, `document.querySelector("main").innerText`))
	}
	it.check("ärende, beviljat")

	// The employee reads the decision and follows it to the register.
	b.navigate(p.URL + casePath)
	b.check("ärende, beslut")
	b.tabTo(`main a[href^="/system/"]`)
	b.activate()
	if !strings.Contains(eval[string](b, `document.querySelector("main").innerText`), "Planerad") {
		t.Error("the new system is not in the register as Planerad")
	}
	b.check("system från beslut")
	b.navigate(p.URL + casePath + "/utskrift")
	b.check("ärende, utskrift")

	pages.validate(t)
}

// stepIs checks the step indicator's current step, as a screen reader
// reads it.
func (b *browser) stepIs(want string) {
	b.t.Helper()
	if got := eval[string](b, `document.querySelector("[data-testid=steps] [aria-current=step]")?.textContent || ""`); got != want {
		b.t.Errorf("%s: the current step is %q, want %q", b.path(), got, want)
	}
}
