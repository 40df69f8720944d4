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

	"itportal/internal/portaltest"
	"itportal/internal/testkit"
)

// ackForm reads the acknowledgement form's hidden fields.
func ackForm(t *testing.T, page string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, name := range []string{"version", "sha256", "next"} {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("acknowledgement form lacks %s:\n%s", name, page)
		}
		v.Set(name, html.UnescapeString(m[1]))
	}
	return v
}

// publish writes and publishes a version through the admin pages.
func publish(t *testing.T, adm *testkit.Browser, slug, text string, reack bool) {
	t.Helper()
	form := url.Values{"markdown": {text}, "effective_date": {time.Now().Format("2006-01-02")}, "decision_ref": {"KC 2026/1"}, "summary": {"Ändrad"}}
	if reack {
		form.Set("requires_reack", "ja")
	}
	if resp := adm.Post("/admin/styrdokument/"+slug+"/version", form); resp.StatusCode != http.StatusSeeOther || strings.Contains(resp.Header.Get("Location"), "/auth/") {
		t.Fatalf("save version: %d (to %s)\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.Body)
	}
	preview := adm.Get("/admin/styrdokument/" + slug + "/version")
	testkit.AssertInert(t, "preview", preview.Body)
	if resp := confirmThenPost(t, adm, "/admin/styrdokument/"+slug+"/publicera", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", resp.StatusCode, resp.Body)
	}
}

// TestNewHireGate: an administrator publishes "Regler för IT-säkerhet",
// which closes the portal until acknowledged. A new hire signing in for the
// first time meets it whatever they ask for, cannot get around it, and
// lands where they were going once they have acknowledged.
func TestNewHireGate(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	adm := h.SignedIn(admin)
	if resp := h.SignedIn(employee).Post("/admin/styrdokument", url.Values{"title": {"X"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an employee creating a document: %d", resp.StatusCode)
	}
	resp := adm.Post("/admin/styrdokument", url.Values{"title": {"Regler för IT-säkerhet"}, "kind": {"regler"}, "fixed_by": {"kommunchefen"},
		"audience_all": {"ja"}, "must_acknowledge": {"ja"}, "blocks_use": {"ja"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/admin/styrdokument/regler-for-it-sakerhet/version") {
		t.Fatalf("create: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.Body)
	}
	// Raw HTML would be hashed but never shown: refused, with its line.
	withHTML := "# Regler\n\n1. Lås datorn.\n\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n\n[Läs mer](javascript:alert(1))\n"
	resp = adm.Post("/admin/styrdokument/regler-for-it-sakerhet/version", url.Values{"markdown": {withHTML}, "effective_date": {time.Now().Format("2006-01-02")}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "HTML-kod på rad 5") {
		t.Errorf("a version with raw HTML: %d\n%s", resp.StatusCode, resp.Body)
	}
	var drafts int
	_ = h.Owner.QueryRow(context.Background(), `SELECT count(*) FROM document_versions WHERE markdown LIKE '%<script>%'`).Scan(&drafts)
	if drafts != 0 {
		t.Fatal("a version with raw HTML was stored")
	}
	hostile := "# Regler\n\n1. Lås datorn.\n\n`<script>alert(1)</script>`\n\n[Läs mer](javascript:alert(1))\n"
	publish(t, adm, "regler-for-it-sakerhet", hostile, true)
	if page := adm.Get("/styrdokument/regler-for-it-sakerhet"); !strings.Contains(page.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the code written as text is not shown as text")
	}

	// The administrator is gated too (everyone is in the audience).
	if resp := adm.Get("/admin/personer"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the admin after publishing: %d", resp.StatusCode)
	}

	// A new hire's very first sign-in.
	b := h.Browser()
	first := b.SignIn(portaltest.Requester.Key, "/system?q=treserva")
	gate := first.Header.Get("Location")
	if first.StatusCode != http.StatusSeeOther || !strings.HasPrefix(gate, "/styrdokument/regler-for-it-sakerhet/kvittera?next=") {
		t.Fatalf("first sign-in: %d %s", first.StatusCode, gate)
	}
	// No way around it: another page, an htmx fragment, an export, the API,
	// a form post.
	for _, p := range []string{"/", "/system/1", "/system/export.csv", "/arenden", "/min-sida"} {
		if resp := b.Get(p); resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/kvittera") {
			t.Errorf("%s while gated: %d %s", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/system?q=a", nil)
	req.Header.Set("HX-Request", "true")
	if resp := b.Do(req); resp.Header.Get("HX-Redirect") == "" || strings.Contains(resp.Body, "<table") {
		t.Errorf("htmx while gated: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := b.Get("/api/v1/systems"); resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
		t.Errorf("API while gated: %d", resp.StatusCode)
	}
	if resp := b.Post("/arenden/nytt?typ=inforande", url.Values{"title": {"Smita förbi"}}); resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/kvittera") {
		t.Errorf("form post while gated: %d", resp.StatusCode)
	}
	// The document is readable and inert.
	page := b.Get(gate)
	if page.StatusCode != 200 || !strings.Contains(page.Body, "Jag har läst och förstått Regler för IT-säkerhet, version 1") {
		t.Fatalf("acknowledgement page: %d\n%s", page.StatusCode, page.Body)
	}
	testkit.AssertInert(t, "acknowledgement page", page.Body)
	form := ackForm(t, page.Body)
	// A hash that is not the text's: refused, nothing stored.
	bad := url.Values{"version": {form.Get("version")}, "sha256": {strings.Repeat("0", 64)}, "next": {form.Get("next")}}
	if resp := b.Post("/styrdokument/regler-for-it-sakerhet/kvittera", bad); resp.StatusCode != http.StatusConflict || !strings.Contains(resp.Body, "Texten har ändrats") {
		t.Errorf("wrong hash: %d", resp.StatusCode)
	}
	var n int
	_ = h.Owner.QueryRow(context.Background(), `SELECT count(*) FROM acknowledgements`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d acknowledgements after a refused one", n)
	}
	done := b.Post("/styrdokument/regler-for-it-sakerhet/kvittera", form)
	if done.StatusCode != http.StatusSeeOther || done.Header.Get("Location") != "/system?q=treserva" {
		t.Fatalf("acknowledge: %d %s", done.StatusCode, done.Header.Get("Location"))
	}
	if resp := b.Get("/system?q=treserva"); resp.StatusCode != 200 {
		t.Errorf("after acknowledging: %d", resp.StatusCode)
	}
	// Twice: the same receipt, one row.
	_ = b.Post("/styrdokument/regler-for-it-sakerhet/kvittera", form)
	_ = h.Owner.QueryRow(context.Background(), `SELECT count(*) FROM acknowledgements`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d acknowledgements after acknowledging twice", n)
	}
	mine := b.Get("/min-sida")
	// An employee reads in words that the receipt holds; its fingerprint
	// is for auditors.
	if !strings.Contains(mine.Body, "Regler för IT-säkerhet") || strings.Contains(mine.Body, form.Get("sha256")) || !strings.Contains(mine.Body, "Stämmer med texten") ||
		strings.Contains(mine.Body, "Nej, IT-enheten utreder") || strings.Contains(mine.Body, "SHA-256") {
		t.Errorf("my receipts:\n%s", mine.Body)
	}
	// The audit row exists for the acknowledgement.
	_ = h.Owner.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'document.acknowledged'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d audit rows for one acknowledgement", n)
	}
}

// TestNewVersionGraceThenGate: version 2 asks everyone to acknowledge
// again. Someone who acknowledged version 1 keeps working and is reminded
// until the grace period ends, then meets the gate; version 1's receipt
// stays and is still valid; an editorial version 3 asks nothing.
func TestNewVersionGraceThenGate(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	adm := h.SignedIn(admin)
	adm.Post("/admin/styrdokument", url.Values{"title": {"Regler för IT-säkerhet"}, "kind": {"regler"}, "fixed_by": {"kommunchefen"},
		"audience_all": {"ja"}, "must_acknowledge": {"ja"}, "blocks_use": {"ja"}})
	publish(t, adm, "regler-for-it-sakerhet", "# Regler\n\n1. Lås datorn.\n", true)
	ack := func(b *testkit.Browser) {
		t.Helper()
		page := b.Get("/styrdokument/regler-for-it-sakerhet/kvittera")
		if resp := b.Post("/styrdokument/regler-for-it-sakerhet/kvittera", ackForm(t, page.Body)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("acknowledge: %d\n%s", resp.StatusCode, resp.Body)
		}
	}
	ack(adm)
	emp := h.Browser()
	emp.SignIn(employee.Key, "/")
	ack(emp)
	if resp := emp.Get("/"); resp.StatusCode != 200 || strings.Contains(resp.Body, "Att kvittera") {
		t.Fatalf("after acknowledging version 1: %d", resp.StatusCode)
	}

	publish(t, adm, "regler-for-it-sakerhet", "# Regler\n\n1. Lås datorn.\n2. Använd lösenordshanteraren.\n", true)
	// Reminded, not blocked.
	home := emp.Get("/")
	if home.StatusCode != 200 || !strings.Contains(home.Body, "Att kvittera") || !strings.Contains(home.Body, "version 2") {
		t.Fatalf("after version 2: %d\n%s", home.StatusCode, home.Body)
	}
	// Version 1 can no longer be acknowledged.
	var sha1 string
	_ = h.Owner.QueryRow(context.Background(), `SELECT sha256 FROM document_versions WHERE number = 1`).Scan(&sha1)
	if resp := emp.Post("/styrdokument/regler-for-it-sakerhet/kvittera", url.Values{"version": {"1"}, "sha256": {sha1}}); resp.StatusCode != http.StatusConflict || !strings.Contains(resp.Body, "har ersatts av version 2") {
		t.Errorf("acknowledging the superseded version: %d", resp.StatusCode)
	}
	// After the grace period (the session has long expired too): gated.
	h.Clock.Advance(31 * 24 * time.Hour)
	emp = h.Browser()
	if resp := emp.SignIn(employee.Key, "/"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/kvittera") {
		t.Fatalf("after the grace period: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	ack(emp)
	if resp := emp.Get("/"); resp.StatusCode != 200 {
		t.Fatalf("after acknowledging version 2: %d", resp.StatusCode)
	}
	// Both receipts shown and valid.
	mine := emp.Get("/min-sida")
	if strings.Count(mine.Body, "<td>Ja</td>") != 2 || strings.Contains(mine.Body, "<code class=\"hash\">") || strings.Contains(mine.Body, "Nej, IT-enheten utreder") {
		t.Errorf("receipts of both versions:\n%s", mine.Body)
	}
	// An editorial fix asks nothing of anyone. (The administrator's
	// session has expired too: they sign in again and acknowledge first.)
	adm = h.Browser()
	adm.SignIn(admin.Key, "/")
	ack(adm)
	publish(t, adm, "regler-for-it-sakerhet", "# Regler\n\n1. Lås datorn.\n2. Använd lösenordshanteraren.\n\nRättat stavfel.\n", false)
	if home := emp.Get("/"); home.StatusCode != 200 || strings.Contains(home.Body, "Att kvittera") {
		t.Errorf("after an editorial version: %d", home.StatusCode)
	}
	// The comparison shows what changed.
	diff := emp.Get("/styrdokument/regler-for-it-sakerhet?fran=1&till=2")
	if !strings.Contains(diff.Body, `<ins class="diff-block diff-added"><span class="diff-label">Tillagt:</span><ol start="2"><li>Använd lösenordshanteraren.</li>`) {
		t.Errorf("diff:\n%s", diff.Body)
	}
}

// TestReacknowledgementSaysTimeLeftAndWhatChanged: someone asked to
// acknowledge a new version during the grace period is told how many days
// they have, what the publisher says changed, and is led to a comparison
// of the rendered text (never Markdown) whose selectors show the versions
// compared.
func TestReacknowledgementSaysTimeLeftAndWhatChanged(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	adm := h.SignedIn(admin)
	const slug = "regler-for-it-sakerhet"
	adm.Post("/admin/styrdokument", url.Values{"title": {"Regler för IT-säkerhet"}, "kind": {"regler"}, "fixed_by": {"kommunchefen"},
		"audience_all": {"ja"}, "must_acknowledge": {"ja"}, "blocks_use": {"ja"}})
	publish(t, adm, slug, "# Regler\n\nLösenord ska ha **minst 12 tecken**.\n\nLås datorn.\n", true)
	ack := func(b *testkit.Browser) {
		t.Helper()
		page := b.Get("/styrdokument/" + slug + "/kvittera")
		if resp := b.Post("/styrdokument/"+slug+"/kvittera", ackForm(t, page.Body)); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("acknowledge: %d\n%s", resp.StatusCode, resp.Body)
		}
	}
	ack(adm)
	emp := h.Browser()
	emp.SignIn(employee.Key, "/")
	ack(emp)

	// The document form offers every kind and every body that fixes one.
	if doc := adm.Get("/admin/styrdokument/" + slug); !strings.Contains(doc.Body, `<option value="riktlinje">Riktlinje</option>`) ||
		!strings.Contains(doc.Body, `<option value="kommunstyrelsen">Kommunstyrelsen</option>`) {
		t.Errorf("the document form leaves out the first kind or the first body:\n%s", doc.Body)
	}
	if form := adm.Get("/admin/styrdokument/" + slug + "/version"); !strings.Contains(form.Body, `<label for="summary">Vad har ändrats</label>`) {
		t.Errorf("the version form has no Vad har ändrats field:\n%s", form.Body)
	}
	changed := "Lösenord ska nu ha minst 16 tecken."
	form := url.Values{"markdown": {"# Regler\n\nLösenord ska ha **minst 16 tecken**.\n\nLås datorn.\n"}, "effective_date": {time.Now().Format("2006-01-02")},
		"decision_ref": {"KC 2026/2"}, "summary": {changed}, "requires_reack": {"ja"}}
	if resp := adm.Post("/admin/styrdokument/"+slug+"/version", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save version 2: %d\n%s", resp.StatusCode, resp.Body)
	}
	if ask := adm.Post("/admin/styrdokument/"+slug+"/publicera", nil); !strings.Contains(ask.Body, changed) {
		t.Errorf("the confirmation before publishing does not show what changed:\n%s", ask.Body)
	}
	if resp := confirmThenPost(t, adm, "/admin/styrdokument/"+slug+"/publicera", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish version 2: %d", resp.StatusCode)
	}

	page := emp.Get("/styrdokument/" + slug + "/kvittera")
	for _, want := range []string{"Du har 30 dagar kvar att kvittera.", "<h2 id=\"vad-har-andrats\">Vad har ändrats</h2>", changed,
		`href="/styrdokument/` + slug + `?fran=1&amp;till=2#jamforelse"`, "Därefter kan du inte använda IT-portalen"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the acknowledgement page of version 2 lacks %q", want)
		}
	}
	h.Clock.Advance(18 * 24 * time.Hour)
	emp = h.Browser()
	emp.SignIn(employee.Key, "/")
	if page := emp.Get("/styrdokument/" + slug); !strings.Contains(page.Body, "Du har 12 dagar kvar att kvittera.") || !strings.Contains(page.Body, changed) {
		t.Errorf("the document page 18 days on does not say 12 days are left:\n%s", page.Body)
	}

	// The selectors show what will be compared before asking: 1 with 2.
	doc := emp.Get("/styrdokument/" + slug)
	if !regexp.MustCompile(`(?s)name="fran"[^>]*>\s*<option value="2">Version 2</option>\s*<option value="1" selected>`).MatchString(doc.Body) ||
		!regexp.MustCompile(`(?s)name="till"[^>]*>\s*<option value="2" selected>`).MatchString(doc.Body) {
		t.Errorf("the selectors do not preselect version 1 and 2:\n%s", doc.Body)
	}
	diff := emp.Get("/styrdokument/" + slug + "?fran=1&till=2")
	for _, want := range []string{">Version 1 jämförd med version 2</h2>", `<del class="diff-block diff-removed"><span class="diff-label">Borttaget:</span><p>Lösenord ska ha <strong>minst 12 tecken</strong>.</p>`,
		`<ins class="diff-block diff-added"><span class="diff-label">Tillagt:</span><p>Lösenord ska ha <strong>minst 16 tecken</strong>.</p>`,
		`<div class="diff-block diff-same"><p>Lås datorn.</p>`, "Tillagt: 1 stycke. Borttaget: 1 stycke."} {
		if !strings.Contains(diff.Body, want) {
			t.Errorf("the comparison lacks %q:\n%s", want, diff.Body)
		}
	}
	if strings.Contains(diff.Body, "**minst") {
		t.Error("the comparison shows Markdown")
	}
	if same := emp.Get("/styrdokument/" + slug + "?fran=2&till=2"); !strings.Contains(same.Body, "Välj två olika versioner att jämföra.") {
		t.Error("comparing a version with itself is not explained")
	}
}
