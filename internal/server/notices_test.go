package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSuccessNoticeSaysKlart: what a person just did is confirmed in a
// success notice titled "Klart", announced as a status, once.
func TestSuccessNoticeSaysKlart(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	adm := h.SignedIn(admin)
	resp := adm.Post("/admin/forvaltningar", url.Values{"name": {"Tekniska förvaltningen"}, "short_name": {"TEK"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, resp.Body)
	}
	page := adm.Get(resp.Header.Get("Location"))
	want := `<div class="notice notice-success" role="status"><p class="notice-title">Klart</p><div class="notice-body"><p>Förvaltningen är tillagd.</p></div></div>`
	if !strings.Contains(page.Body, want) {
		t.Errorf("no success notice titled Klart:\n%s", page.Body)
	}
	if again := adm.Get(resp.Header.Get("Location")); strings.Contains(again.Body, "Förvaltningen är tillagd.") {
		t.Error("the notice is shown twice")
	}
}
