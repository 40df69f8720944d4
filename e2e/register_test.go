package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"itportal/internal/portaltest"
)

// seedSystems adds n systems, each with an owner and operations, and every
// other one with an administrator.
func seedSystems(t *testing.T, p *portaltest.Portal, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		var id int64
		if err := p.Owner.QueryRow(ctx, `INSERT INTO systems (name, description, lifecycle, supplier) VALUES ($1, 'Verksamhetssystem', 'i_drift', 'CGI') RETURNING id`,
			fmt.Sprintf("System %03d", i)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Owner.Exec(ctx, `
			INSERT INTO role_assignments (system_id, role, department_id, valid) SELECT $1, 'owner', id, '[2024-01-01,)' FROM departments WHERE short_name = 'SOC';
		`, id); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, operator, valid) VALUES ($1, 'operations', 'IT-enheten', '[2024-01-01,)')`, id); err != nil {
			t.Fatal(err)
		}
	}
	p.Recompute() // written directly: the board is computed as the periodic job would
}

// TestJourneyRegister: IT-enheten browses and searches the register,
// registers a system (meeting the form's errors first), gives it an
// administrator with the person picker, and an employee finds it.
func TestJourneyRegister(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	seedSystems(t, p, 60)
	b := newBrowser(t, true, pages)
	b.signIn(p, "it", "/system", true)
	b.check("register, lång lista")

	// Live search (htmx): typing updates the results and the address
	// without loading a new page.
	origin := eval[float64](b, `performance.timeOrigin`)
	b.tabTo(`input#q`)
	b.key("System 042")
	b.waitFor(`location.search.includes("q=System%20042") && document.querySelector("#resultat tbody tr td a")?.textContent === "System 042"`, "live results")
	if eval[float64](b, `performance.timeOrigin`) != origin {
		t.Error("live search loaded a new page")
	}
	b.check("register, live-sökning")
	b.navigate(p.URL + "/system")

	// Search with a typo, keyboard only.
	b.tabTo(`input#q`)
	b.key("Sytem 042")
	b.tabTo(`main form[role=search] button[type=submit]`)
	b.key("\r")
	b.waitFor(`location.search.includes("q=Sytem")`, "search results")
	b.waitLoaded()
	if first := eval[string](b, `document.querySelector("tbody tr td a")?.textContent || ""`); first != "System 042" {
		t.Errorf("search 'Sytem 042': first hit %q", first)
	}
	b.check("register, sökresultat")
	b.navigate(p.URL + "/system?q=finns-inte-alls-xyz")
	if !strings.Contains(eval[string](b, `document.querySelector("[data-testid=system-count]").textContent`), "Inga system matchar") {
		t.Error("empty result not explained")
	}
	b.check("register, tom lista")
	b.navigate(p.URL + "/system?saknar_forvaltare=ja")
	b.check("register, filter saknar förvaltare")

	// Register a new system: submit empty first.
	b.navigate(p.URL + "/system")
	b.tabTo(`a[href="/system/ny"]`)
	b.activate()
	b.check("nytt system")
	b.tabTo(`main form[method=post] button[type=submit]`)
	b.activate()
	if !eval[bool](b, `document.activeElement.classList.contains("error-summary")`) {
		t.Error("the error summary does not take focus")
	}
	b.check("nytt system, formulärfel")
	b.tabTo(`.error-summary a[href="#name"]`)
	b.tabTo(`input#name`)
	if !eval[bool](b, `document.activeElement.getAttribute("aria-invalid") === "true" && document.activeElement.getAttribute("aria-describedby") === "name-error"`) {
		t.Error("the name field is not marked invalid and tied to its message")
	}
	b.key("Tresserva Journey")
	b.tabTo(`main form[method=post] button[type=submit]`)
	b.activate()
	if !strings.Contains(b.path(), "/roller") {
		t.Fatalf("after registering: %s", b.path())
	}
	b.check("roller")

	// Give it an administrator: choose the role, search, pick, save.
	b.tabTo(`a[href$="roll=administrator"]`)
	b.activate()
	b.tabTo(`input#sok`)
	b.key("Mats")
	b.key("\r")
	b.waitFor(`!!document.querySelector("input[name=holder]")`, "the person choices")
	b.check("roller, personsökning")
	b.tabTo(`input[name=holder]`)
	b.key(" ")
	b.tabTo(`main form[method=post] button[type=submit]:not([value=sok])`)
	b.activate()
	if !strings.Contains(eval[string](b, `document.querySelector("main").textContent`), "Mats Lindqvist") {
		t.Fatal("the administrator is not shown on the system page")
	}
	b.check("systemsida")
	b.navigate(p.URL + b.path() + "/historik")
	b.check("historik")

	// An employee finds it without JavaScript.
	nojs := newBrowser(t, false, pages)
	nojs.signIn(p, "medarbetare", "/system", false)
	nojs.tabTo(`input#q`)
	nojs.key("tresserva")
	nojs.key("\r")
	nojs.waitFor(`location.search.includes("q=tresserva")`, "search results")
	nojs.waitLoaded()
	if first := eval[string](nojs, `document.querySelector("tbody tr td a")?.textContent || ""`); first != "Tresserva Journey" {
		t.Errorf("search without JavaScript: first hit %q", first)
	}
	nojs.check("register utan JavaScript")

	pages.validate(t)
}

// TestJourneyBulkOperations: IT-enheten chooses two systems on the
// register list by keyboard, gives them a new driftsansvarig, meets the
// form's error when the date is wrong (the systems still chosen), sees
// each system's old → new on the confirmation page and confirms; the list
// says what changed and shows the new operator.
func TestJourneyBulkOperations(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	seedSystems(t, p, 3)
	b := newBrowser(t, true, pages)
	b.signIn(p, "it", "/system?q=System", true)
	b.check("register med val av system")

	for _, row := range []int{1, 2} {
		b.tabTo(fmt.Sprintf(`#resultat tbody tr:nth-child(%d) input[type=checkbox]`, row))
		b.key(" ")
	}
	b.tabTo(`input#driftsansvarig`)
	b.key("Tieto")
	b.tabTo(`input#from`)
	_ = eval[bool](b, `(document.querySelector("input#from").type = "text", document.querySelector("input#from").value = "igår", true)`)
	b.tabTo(`[data-testid=bulk-operations-submit]`)
	b.activate()
	body := eval[string](b, `document.querySelector("main").textContent`)
	if !strings.Contains(body, "Ange datumet som 2025-03-01.") || eval[int](b, `document.querySelectorAll("input[name=system]:checked").length`) != 2 {
		t.Fatalf("the date error: %s\n%s", b.path(), body)
	}
	b.check("byt driftsansvarig, formulärfel")
	_ = eval[bool](b, `(document.querySelector("input#from").value = new Date().toISOString().slice(0, 10), true)`)
	b.tabTo(`main form button[type=submit]`)
	b.activate()
	body = eval[string](b, `document.querySelector("main").textContent`)
	if !strings.Contains(body, "Är du säker?") || strings.Count(body, "IT-enheten → Tieto") != 2 {
		t.Fatalf("the confirmation: %s\n%s", b.path(), body)
	}
	b.check("byt driftsansvarig, bekräfta")
	b.tabTo(`[data-testid=confirm]`)
	b.activate()
	body = eval[string](b, `document.querySelector("main").textContent`)
	if b.path() != "/system" || !strings.Contains(body, "Tieto är nu driftsansvarig för 2 system") || strings.Count(body, "Tieto") < 3 {
		t.Fatalf("after confirming: %s\n%s", b.path(), body)
	}
	b.check("register efter byte av driftsansvarig")
	pages.validate(t)
}
