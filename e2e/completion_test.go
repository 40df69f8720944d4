package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"itportal/internal/portal"
	"itportal/internal/portaltest"
)

// TestJourneyCompletion: an employee files an introduction with the
// financing not confirmed; IT-enheten (without JavaScript) cannot grant it,
// ticks Finansiering and asks for a komplettering; the employee reads the
// question above the answer, answers Ja with the nämnd's decision (after a
// refused try without it); the case is back with IT-enheten, the timeline
// shows "Nej → Ja", and IT-enheten grants it. Keyboard only; every page
// state checked with axe-core and the Nu HTML Checker.
func TestJourneyCompletion(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	b := newBrowser(t, true, pages)
	b.signIn(p, "medarbetare", "/arenden/nytt?typ=inforande", true)
	b.fill(`input#title`, "System för skolskjuts")
	b.tabTo(`select#department`)
	b.key("Soc")
	b.fill(`textarea#description`, "Ersätter dagens kalkylark.")
	b.fill(`textarea#need`, "Planering av skolskjuts")
	b.fill(`input#new_system_name`, "Skolskjutsplaneraren")
	b.tabTo(`select#personal_data`)
	b.key("Känsliga")
	b.fill(`input#administrator_name`, "Johan Berg")
	b.fill(`input#administrator_email`, "johan.berg@example.lillaedet.se")
	b.fill(`textarea#goal_alignment`, "Effektivare planering")
	b.fill(`textarea#platform_compatibility`, "Webbtjänst")
	b.fill(`input#years`, "3")
	b.fill(`input#financing_source`, "Barn- och utbildningsnämnden, ej beslutat")
	b.tabTo(`button[value=granska]`)
	b.activate()
	if !strings.HasSuffix(b.path(), "/skicka") {
		t.Fatalf("after the form: %s\n%s", b.path(), eval[string](b, `document.querySelector("main").innerText`))
	}
	b.check("kontrollera, finansiering ej bekräftad")
	b.tabTo(`main form button[type=submit]`)
	b.activate()
	casePath := b.path()
	b.check("ärende, inskickat utan bekräftad finansiering")

	// IT-enheten, without JavaScript: granting is blocked; it asks.
	it := newBrowser(t, false, pages)
	it.signIn(p, "it", casePath, false)
	if !eval[bool](it, `document.querySelector("button[value=bevilja]").disabled`) {
		t.Error("granting is not blocked while the financing is not confirmed")
	}
	it.check("ärende, handläggare, finansiering ej bekräftad")
	it.tabTo(`input[name=fields][value=financing]`)
	it.key(" ")
	it.fill(`textarea#comment-begar`, "Finansieringen är inte bekräftad. Ange nämndens beslut.")
	it.tabTo(`form[aria-label="Begär komplettering"] button[type=submit]`)
	it.activate()
	if got := eval[string](it, `document.querySelector("[data-testid=state]").textContent`); got != "Komplettering begärd" {
		t.Fatalf("after asking: %s", got)
	}
	it.check("ärende, komplettering begärd")

	// The employee reads the question above the answer and answers.
	b.navigate(p.URL + casePath)
	if !eval[bool](b, `(() => {
		const q = document.querySelector("[data-testid=completion-question]");
		const a = document.querySelector("form[aria-label='Skicka komplettering']");
		return !!q && !!a && (q.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0 &&
			q.innerText.includes("Ange nämndens beslut") && !a.querySelector("#title, #need, #years");
	})()`) {
		t.Fatalf("the question is not above an answer form with only the financing:\n%s", eval[string](b, `document.querySelector("main").innerText`))
	}
	b.check("ärende, komplettering att besvara")
	b.tabTo(`input[name=financing_confirmed]`)
	b.key(kb.ArrowUp) // Nej → Ja
	if !eval[bool](b, `document.querySelector("input[name=financing_confirmed][value=ja]").checked`) {
		t.Fatal("the arrow key did not choose Ja")
	}
	b.tabTo(`form[aria-label="Skicka komplettering"] button[type=submit]`)
	b.activate()
	if !eval[bool](b, `document.activeElement.classList.contains("error-summary")`) ||
		!strings.Contains(eval[string](b, `document.querySelector(".error-summary").innerText`), "Ange vem som beslutade om finansieringen") {
		t.Errorf("the refused answer does not say why:\n%s", eval[string](b, `document.querySelector("main").innerText`))
	}
	b.check("ärende, komplettering med fel")
	b.fill(`input#financing_reference`, "BUN 2027/31 §5")
	b.fill(`input#financing_decided_by`, "Barn- och utbildningsnämnden")
	b.tabTo(`input#financing_decided_on`)
	// A date input's keyboard entry follows the browser's locale; the value is set directly.
	yesterday := portal.Today().AddDate(0, 0, -1).Format(time.DateOnly)
	eval[string](b, `document.activeElement.value = "`+yesterday+`"`)
	b.tabTo(`form[aria-label="Skicka komplettering"] button[type=submit]`)
	b.activate()
	main := eval[string](b, `document.querySelector("main").innerText`)
	if !strings.Contains(main, "Under handläggning") || !strings.Contains(main, "Finansieringen är bekräftad: Nej → Ja") ||
		!strings.Contains(main, "tillbaka hos IT-enheten") {
		t.Fatalf("after answering:\n%s", main)
	}
	b.check("ärende, komplettering inskickad")

	// Back in IT-enheten's queue; granted.
	it.navigate(p.URL + "/arenden?vy=ko")
	if !strings.Contains(eval[string](it, `document.querySelector("main").innerText`), "1 ärende väntar på dig") {
		t.Error("the answered case does not wait for IT-enheten")
	}
	it.tabTo(`a[href="` + casePath + `"]`)
	it.activate()
	it.check("ärende, besvarad komplettering")
	it.fill(`textarea#motivation`, "Finansieringen är beslutad av nämnden; uppfyller 4.2.1.")
	it.tabTo(`button[value=bevilja]`)
	it.activate()
	it.tabTo(`button[data-testid=confirm]`) // "Är du säker?"
	it.activate()
	if got := eval[string](it, `document.querySelector("[data-testid=state]").textContent`); got != "Beviljat" {
		t.Fatalf("after granting: %s", got)
	}
	it.check("ärende, beviljat efter komplettering")
	pages.validate(t)
}
