package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/testkit"
)

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)

// confirmThenPost posts form to path, expects the confirmation page (200,
// "Är du säker?", a form back to path carrying the values with
// bekraftad=ja), and posts that form: the response of the confirmed POST.
func confirmThenPost(t *testing.T, b *testkit.Browser, path string, form url.Values) testkit.Response {
	t.Helper()
	first := b.Post(path, form)
	if first.StatusCode != http.StatusOK || !strings.Contains(first.Body, "Är du säker?") || !strings.Contains(first.Body, `action="`+path+`"`) {
		t.Fatalf("POST %s without confirmation: %d (to %s), want the confirmation page\n%s", path, first.StatusCode, first.Header.Get("Location"), first.Body)
	}
	i := strings.Index(first.Body, `action="`+path+`"`)
	again := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(first.Body[i:], -1) {
		again.Add(m[1], html.UnescapeString(m[2]))
	}
	if again.Get("bekraftad") != "ja" {
		t.Fatalf("the confirmation form lacks bekraftad=ja:\n%s", first.Body)
	}
	for k, vs := range form {
		if k != "" && strings.Join(again[k], "\x00") != strings.Join(vs, "\x00") {
			t.Errorf("the confirmation page does not carry %s=%v (has %v)", k, vs, again[k])
		}
	}
	return b.Post(path, again)
}

// TestConfirmationsActOnlyWhenConfirmed: granting, rejecting, publishing
// a version, revoking an API token and deactivating a department each
// first show "Är du säker?" naming what will happen, and that POST changes
// nothing (no state, no audit row); the confirmed POST acts. A refusal
// (no motivation) is shown at once, without a confirmation page.
func TestConfirmationsActOnlyWhenConfirmed(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	emp, it, adm := h.SignedIn(employee), h.SignedIn(itUnit), h.SignedIn(admin)
	audits := func() int {
		var n int
		if err := h.Owner.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	unchanged := func(what string, before int, check func() bool) {
		t.Helper()
		if got := audits(); got != before || !check() {
			t.Errorf("%s: the first POST changed something (audit rows %d → %d)", what, before, got)
		}
	}

	// Granting and rejecting a case.
	for _, c := range []struct{ decision, want, says string }{{"bevilja", "beviljat", "Du beviljar ärende"}, {"avsla", "avslaget", "Du avslår ärende"}} {
		path := fileCase(t, emp, "inforande", introductionForm(h, t, "System "+c.decision))
		id := strings.TrimPrefix(path, "/arenden/")
		state := func() string {
			var s string
			_ = h.Owner.QueryRow(ctx, `SELECT state FROM requests WHERE id = $1`, id).Scan(&s)
			return s
		}
		if resp := it.Post(path+"/beslut", url.Values{"beslut": {c.decision}, "motivation": {" "}}); resp.StatusCode != http.StatusUnprocessableEntity || strings.Contains(resp.Body, "Är du säker?") {
			t.Errorf("%s without motivation: %d", c.decision, resp.StatusCode)
		}
		before := audits()
		first := it.Post(path+"/beslut", url.Values{"beslut": {c.decision}, "motivation": {"Enligt 4.2.1"}})
		if first.StatusCode != http.StatusOK || !strings.Contains(first.Body, "Är du säker?") || !strings.Contains(first.Body, c.says) ||
			!strings.Contains(first.Body, "Enligt 4.2.1") || !strings.Contains(first.Body, "Avbryt") {
			t.Fatalf("%s, first POST: %d\n%s", c.decision, first.StatusCode, first.Body)
		}
		unchanged(c.decision, before, func() bool { return state() == "inskickat" })
		if resp := confirmThenPost(t, it, path+"/beslut", url.Values{"beslut": {c.decision}, "motivation": {"Enligt 4.2.1"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s, confirmed: %d\n%s", c.decision, resp.StatusCode, resp.Body)
		}
		if state() != c.want {
			t.Errorf("%s confirmed: state %s", c.decision, state())
		}
	}

	// Publishing a version.
	if resp := adm.Post("/admin/styrdokument", url.Values{"title": {"Regler för e-post"}, "kind": {"regler"}, "fixed_by": {"kommunchefen"},
		"audience_all": {"ja"}, "must_acknowledge": {"ja"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create document: %d\n%s", resp.StatusCode, resp.Body)
	}
	if resp := adm.Post("/admin/styrdokument/regler-for-e-post/version", url.Values{"markdown": {"# Regler\n\nSkicka inte lösenord."}, "effective_date": {time.Now().Format(time.DateOnly)},
		"decision_ref": {"KS 2026/9"}, "summary": {"Första"}, "requires_reack": {"ja"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save version: %d\n%s", resp.StatusCode, resp.Body)
	}
	published := func() int {
		var n int
		_ = h.Owner.QueryRow(ctx, `SELECT count(*) FROM document_versions v JOIN documents d ON d.id = v.document_id WHERE d.slug = 'regler-for-e-post' AND v.published_at IS NOT NULL`).Scan(&n)
		return n
	}
	before := audits()
	first := adm.Post("/admin/styrdokument/regler-for-e-post/publicera", nil)
	if first.StatusCode != http.StatusOK || !strings.Contains(first.Body, "Är du säker?") || !strings.Contains(first.Body, "Publicera version 1 av Regler för e-post") {
		t.Fatalf("publish, first POST: %d\n%s", first.StatusCode, first.Body)
	}
	unchanged("publish", before, func() bool { return published() == 0 })
	if resp := confirmThenPost(t, adm, "/admin/styrdokument/regler-for-e-post/publicera", nil); resp.StatusCode != http.StatusSeeOther || published() != 1 {
		t.Errorf("publish confirmed: %d, %d published", resp.StatusCode, published())
	}

	// Revoking an API token.
	createToken(t, adm, "Intranätet", portal.Today().AddDate(0, 0, 30), portal.ScopeRegisterRead)
	var token int64
	if err := h.Owner.QueryRow(ctx, `SELECT id FROM api_tokens WHERE name = 'Intranätet'`).Scan(&token); err != nil {
		t.Fatal(err)
	}
	revoked := func() bool {
		var r bool
		_ = h.Owner.QueryRow(ctx, `SELECT revoked_at IS NOT NULL FROM api_tokens WHERE id = $1`, token).Scan(&r)
		return r
	}
	path := "/admin/api-nycklar/" + itoa(token) + "/aterkalla"
	before = audits()
	if first := adm.Post(path, nil); first.StatusCode != http.StatusOK || !strings.Contains(first.Body, "Du återkallar API-nyckeln Intranätet") {
		t.Fatalf("revoke, first POST: %d\n%s", first.StatusCode, first.Body)
	}
	unchanged("revoke", before, func() bool { return !revoked() })
	if resp := confirmThenPost(t, adm, path, nil); resp.StatusCode != http.StatusSeeOther || !revoked() {
		t.Errorf("revoke confirmed: %d, revoked %v", resp.StatusCode, revoked())
	}

	// Deactivating a department; a rename of an active one asks nothing.
	if resp := adm.Post("/admin/forvaltningar", url.Values{"name": {"Tekniska förvaltningen"}, "short_name": {"TEK"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create department: %d", resp.StatusCode)
	}
	var dep int64
	if err := h.Owner.QueryRow(ctx, `SELECT id FROM departments WHERE short_name = 'TEK'`).Scan(&dep); err != nil {
		t.Fatal(err)
	}
	active := func() bool {
		var a bool
		_ = h.Owner.QueryRow(ctx, `SELECT active FROM departments WHERE id = $1`, dep).Scan(&a)
		return a
	}
	if resp := adm.Post("/admin/forvaltningar/"+itoa(dep), url.Values{"name": {"Tekniska förv."}, "short_name": {"TEK"}, "active": {"ja"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("rename: %d", resp.StatusCode)
	}
	form := url.Values{"name": {"Tekniska förvaltningen"}, "short_name": {"TEK"}}
	before = audits()
	if first := adm.Post("/admin/forvaltningar/"+itoa(dep), form); first.StatusCode != http.StatusOK || !strings.Contains(first.Body, "Du inaktiverar Tekniska förv.") {
		t.Fatalf("deactivate, first POST: %d\n%s", first.StatusCode, first.Body)
	}
	unchanged("deactivate", before, func() bool { return active() })
	if resp := confirmThenPost(t, adm, "/admin/forvaltningar/"+itoa(dep), form); resp.StatusCode != http.StatusSeeOther || active() {
		t.Errorf("deactivate confirmed: %d, active %v", resp.StatusCode, active())
	}
	var name string
	_ = h.Owner.QueryRow(ctx, `SELECT name FROM departments WHERE id = $1`, dep).Scan(&name)
	if name != "Tekniska förvaltningen" {
		t.Errorf("the confirmed POST lost the form's name: %q", name)
	}
}
