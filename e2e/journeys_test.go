package e2e

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"itportal/internal/portaltest"
)

// seedPeople adds staff so that lists are long, as in a real municipality.
func seedPeople(t *testing.T, p *portaltest.Portal, n int) {
	t.Helper()
	for i := range n {
		if _, err := p.Owner.Exec(context.Background(),
			`INSERT INTO people (name, email, employee_number, department_id) VALUES ($1, $2, $3, (SELECT id FROM departments WHERE short_name = 'SOC'))`,
			fmt.Sprintf("Medarbetare %03d Åström", i), fmt.Sprintf("m%03d@example.lillaedet.se", i), fmt.Sprintf("E%05d", i)); err != nil {
			t.Fatal(err)
		}
	}
}

// signIn goes through the real sign-in with the keyboard only: the portal
// sends the browser to the provider's login page, where the persona is
// chosen with the arrow keys and submitted with Enter.
func (b *browser) signIn(p *portaltest.Portal, persona, next string, js bool) {
	b.t.Helper()
	b.navigate(p.URL + next)
	b.waitFor(`location.pathname.endsWith("/oidc/authorize")`, "the provider's login page")
	b.check("inloggning")
	b.tabTo(`input[name=persona]`)
	for range 20 {
		if eval[string](b, `document.activeElement.value`) == persona {
			break
		}
		b.key(kb.ArrowDown)
	}
	if got := eval[string](b, `document.activeElement.value`); got != persona {
		b.t.Fatalf("could not reach persona %s with the arrow keys (at %s)", persona, got)
	}
	if !js {
		// Without JavaScript arrow keys still move the radio selection.
		b.key(" ")
	}
	b.tabTo(`button[type=submit]`)
	b.activate()
	b.waitFor(fmt.Sprintf(`location.pathname + location.search === %q`, next), "the page asked for")
}

// TestJourneyEmployeeAndAdmin: sign in, reach the start page and my page,
// search people and open one, meet a form error, read the accessibility
// statement and a 404, sign out. Keyboard only; every page checked.
func TestJourneyEmployeeAndAdmin(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	seedPeople(t, p, 60)
	b := newBrowser(t, true, pages)

	b.signIn(p, "admin", "/min-sida", true)
	if h1 := eval[string](b, `document.querySelector("h1").textContent`); h1 != "Min sida" {
		t.Fatalf("after sign-in: h1 %q", h1)
	}
	b.check("min sida")

	// The skip link is the first stop and visible when focused.
	b.navigate(p.URL + "/")
	b.key(kb.Tab)
	if !eval[bool](b, `document.activeElement.matches(".skip-link") && document.activeElement.getBoundingClientRect().top >= 0`) {
		t.Error("the first Tab does not land on a visible skip link")
	}
	b.assertFocusVisible("skip link")
	b.check("översikt")

	// Main navigation to the people list, search, results.
	b.tabTo(`nav a[href="/admin/personer"]`)
	b.activate()
	b.check("personer, lång lista")
	// A long list is paged: the next page by keyboard.
	b.tabTo(`a[rel="next"]`)
	b.activate()
	if !strings.Contains(b.path(), "sida=2") {
		t.Errorf("next page link led to %s", b.path())
	}
	b.check("personer, sida 2")
	b.tabTo(`input#q`)
	b.key("Medarbetare 01")
	b.key(kb.Enter)
	// Page 2's own address already holds "q=": wait for this search's.
	b.waitFor(`location.search.includes("q=Medarbetare")`, "search results")
	b.waitLoaded()
	if n := eval[int](b, `document.querySelectorAll("tbody tr").length`); n != 10 {
		t.Errorf("search for 'Medarbetare 01' found %d people, want 10", n)
	}
	b.check("personer, sökresultat")
	b.navigate(p.URL + "/admin/personer?q=" + url.QueryEscape("finns-inte-alls"))
	if !strings.Contains(eval[string](b, `document.querySelector("main").textContent`), "Inga personer matchar") {
		t.Error("empty search result not explained")
	}
	b.check("personer, tom lista")

	// Open the admin's own record (created at sign-in), submit the link form
	// empty: the error summary appears, takes focus and links to the field.
	b.navigate(p.URL + "/admin/personer?q=" + url.QueryEscape("Anders"))
	b.tabTo(`tbody a`)
	b.activate()
	b.check("person")
	b.tabTo(`form[action$="/koppla"] button`)
	b.activate()
	if !eval[bool](b, `!!document.querySelector(".error-summary a[href='#target']")`) {
		t.Fatal("no error summary linking to the field")
	}
	if !eval[bool](b, `document.activeElement.classList.contains("error-summary")`) {
		t.Error("the error summary does not take focus")
	}
	b.check("person, formulärfel")
	b.tabTo(`.error-summary a`)
	b.key(kb.Enter)
	b.waitFor(`location.hash === "#target"`, "the link to the field")

	// Departments: the list, and the form with an error.
	b.navigate(p.URL + "/admin/forvaltningar")
	b.check("förvaltningar")
	b.tabTo(`main form[method=post] button[type=submit]`)
	b.activate()
	b.check("förvaltningar, formulärfel")

	// The accessibility statement from the footer, and a 404.
	b.tabTo(`footer a[href="/tillganglighet"]`)
	b.activate()
	b.check("tillgänglighetsredogörelse")
	b.navigate(p.URL + "/finns-inte")
	b.check("404")

	// Sign out with the keyboard.
	b.navigate(p.URL + "/min-sida")
	b.tabTo(`header form[action="/auth/logout"] button`)
	b.activate()
	if got := b.path(); got != "/utloggad" {
		t.Fatalf("after sign-out: %s", got)
	}
	b.check("utloggad")
	b.navigate(p.URL + "/min-sida")
	b.waitFor(`location.pathname.endsWith("/oidc/authorize")`, "sign-in after signing out")

	pages.validate(t)
}

// TestJourneyWithoutJavaScript: the core journeys work with JavaScript off:
// sign in, search, submit a form and see its errors, open the menu on a
// phone.
func TestJourneyWithoutJavaScript(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	seedPeople(t, p, 5)
	b := newBrowser(t, false, pages)
	if eval[bool](b, `(() => { try { return typeof window !== "undefined" } catch (e) { return false } })()`) == false {
		t.Fatal("cannot inspect the page")
	}
	b.signIn(p, "admin", "/admin/personer", false)
	b.check("personer utan JavaScript")
	b.tabTo(`input#q`)
	b.key("Åström")
	b.key(kb.Enter)
	b.waitFor(`location.search.includes("q=%C3%85str%C3%B6m")`, "search results")
	b.waitLoaded()
	if n := eval[int](b, `document.querySelectorAll("tbody tr").length`); n != 5 {
		t.Errorf("search without JavaScript found %d people, want 5", n)
	}
	b.navigate(p.URL + "/admin/personer?q=Anders")
	b.tabTo(`tbody a`)
	b.activate()
	b.tabTo(`form[action$="/koppla"] button`)
	b.activate()
	if !eval[bool](b, `!!document.querySelector(".error-summary")`) {
		t.Fatal("form error not shown without JavaScript")
	}
	b.check("formulärfel utan JavaScript")
	// On a phone the menu opens behind Meny without JavaScript too.
	b.viewport(390)
	b.menuAt(390)
	b.viewport(1280)
	b.tabTo(`header form[action="/auth/logout"] button`)
	b.activate()
	if got := b.path(); got != "/utloggad" {
		t.Fatalf("after sign-out: %s", got)
	}
	pages.validate(t)
}
