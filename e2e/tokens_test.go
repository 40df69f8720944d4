package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"itportal/internal/portaltest"
)

// TestJourneyTokens: an administrator reaches API-nycklar from the menu,
// submits the form empty (the error summary takes focus and links to the
// fields), creates a token with the keyboard, sees its secret once, and
// revokes it. Every state is checked with axe-core and the Nu HTML Checker.
func TestJourneyTokens(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	b := newBrowser(t, true, pages)
	b.signIn(p, "admin", "/", true)
	b.tabTo(`nav a[href="/admin/api-nycklar"]`)
	b.activate()
	if b.path() != "/admin/api-nycklar" {
		t.Fatalf("the menu led to %s", b.path())
	}
	b.check("api-nycklar, tom lista")

	// Empty name, no scope: the summary, focused, names both.
	b.tabTo(`main form button[type=submit]`)
	b.activate()
	b.waitFor(`document.querySelector(".error-summary") !== null`, "the error summary")
	if !eval[bool](b, `document.activeElement.closest(".error-summary") !== null`) {
		t.Error("the error summary does not take focus")
	}
	summary := eval[string](b, `document.querySelector(".error-summary").textContent`)
	if !strings.Contains(summary, "Ange ett namn") || !strings.Contains(summary, "Välj minst en behörighet") {
		t.Errorf("error summary: %q", summary)
	}
	b.check("api-nycklar, fel i formuläret")

	b.fill(`input#name`, "Intranätet")
	b.tabTo(`input#scopes`)
	b.key(" ")
	b.tabTo(`main form button[type=submit]`)
	b.activate()
	b.waitFor(`document.querySelector("#secret") !== null`, "the new secret")
	secret := eval[string](b, `document.querySelector("#secret").value`)
	if !regexp.MustCompile(`^itp_[A-Za-z0-9_-]{43}$`).MatchString(secret) {
		t.Fatalf("secret %q", secret)
	}
	b.check("api-nycklar, ny nyckel visas en gång")

	// The list again: the secret is gone, the token can be revoked.
	b.navigate(p.URL + "/admin/api-nycklar")
	if strings.Contains(eval[string](b, `document.body.innerHTML`), secret) {
		t.Error("the secret is shown again")
	}
	b.tabTo(`main table form button[type=submit]`)
	b.activate()
	if !strings.Contains(eval[string](b, `document.querySelector("main").innerText`), "Du återkallar API-nyckeln Intranätet") {
		t.Fatalf("no confirmation before revoking:\n%s", eval[string](b, `document.querySelector("main").innerText`))
	}
	b.check("api-nycklar, bekräfta återkallelse")
	b.tabTo(`button[data-testid=confirm]`)
	b.key(kb.Enter)
	b.waitFor(`document.body.textContent.includes("Nyckeln är återkallad")`, "the revocation")
	b.waitLoaded()
	b.check("api-nycklar, återkallad")
	pages.validate(t)
}
