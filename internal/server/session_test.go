package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"itportal/internal/auth"
	"itportal/internal/portaltest"
	"itportal/internal/postgres"
)

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	h := newPortal(t)

	// Idle: 30 minutes without a request ends the session.
	b := h.SignedIn(employee)
	h.Clock.Advance(29 * time.Minute)
	if resp := b.Get("/min-sida"); resp.StatusCode != 200 {
		t.Fatalf("after 29 idle minutes: %d, want still signed in", resp.StatusCode)
	}
	h.Clock.Advance(31 * time.Minute)
	if resp := b.Get("/min-sida"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after 31 idle minutes: %d, want signed out", resp.StatusCode)
	}
	h.Logs.WaitFor(t, time.Second, "session_ended", "idle timeout")

	// Absolute: 12 hours after sign-in, however active.
	b = h.SignedIn(employee)
	for range 35 { // 35 × 20 min = 11 h 40 min of steady use
		h.Clock.Advance(20 * time.Minute)
		if resp := b.Get("/min-sida"); resp.StatusCode != 200 {
			t.Fatalf("active session ended early: %d", resp.StatusCode)
		}
	}
	h.Clock.Advance(25 * time.Minute)
	if resp := b.Get("/min-sida"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after 12 h 5 min: %d, want signed out", resp.StatusCode)
	}
	h.Logs.WaitFor(t, time.Second, "session_ended", "absolute lifetime")
}

func TestAdminEndsAllSessionsAndDeactivationHolds(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	phone := h.SignedIn(employee)
	laptop := h.SignedIn(employee)
	adm := h.SignedIn(admin)
	var pid int64
	if err := h.Pool.QueryRow(context.Background(), `SELECT id FROM people WHERE name = $1`, employee.Name).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	page := adm.Get("/admin/personer/" + itoa(pid))
	if page.StatusCode != 200 || !strings.Contains(page.Body, "Avsluta alla sessioner") {
		t.Fatalf("admin person page: %d", page.StatusCode)
	}
	resp := adm.Post("/admin/personer/"+itoa(pid)+"/avsluta-sessioner", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("end sessions: %d\n%s", resp.StatusCode, resp.Body)
	}
	if page := adm.Get(resp.Header.Get("Location")); !strings.Contains(page.Body, "Alla personens sessioner är avslutade") || !strings.Contains(page.Body, "Alla sessioner avslutade") {
		t.Error("no confirmation or history entry after ending sessions")
	}
	for _, b := range []*testkitBrowser{phone, laptop} {
		if resp := b.Get("/min-sida"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("session still valid after an admin ended it: %d", resp.StatusCode)
		}
	}
	h.Logs.WaitFor(t, time.Second, "sessions_terminated")
	// Signing in again works.
	again := h.SignedIn(employee)

	// Deactivated (e.g. employment ended): signed out at the next request,
	// and sign-in is refused.
	if _, err := h.Owner.Exec(context.Background(), `UPDATE people SET active = false WHERE id = $1`, pid); err != nil {
		t.Fatal(err)
	}
	if resp := again.Get("/min-sida"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("inactive person still signed in: %d", resp.StatusCode)
	}
	b := h.Browser()
	cb := b.Callback(employee.Key, "/")
	if resp := b.Get(cb.String()); resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, "inte aktivt") {
		t.Errorf("inactive person's sign-in: %d\n%s", resp.StatusCode, resp.Body)
	}
}

func TestCookieAttributes(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	b := h.Browser()
	check := func(resp *http.Response) {
		for _, c := range resp.Cookies() {
			raw := strings.ToLower(strings.Join(resp.Header.Values("Set-Cookie"), "\n"))
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
				t.Errorf("cookie %s: HttpOnly=%v SameSite=%v Path=%q Domain=%q", c.Name, c.HttpOnly, c.SameSite, c.Path, c.Domain)
			}
			if strings.Contains(raw, "expires=") && c.MaxAge >= 0 && c.Value != "" {
				t.Errorf("cookie %s persists beyond the browser session: %s", c.Name, raw)
			}
		}
	}
	check(b.Get("/auth/login?next=/").Response)
	cb := b.Callback(employee.Key, "/")
	resp := b.Get(cb.String())
	if len(resp.Cookies()) == 0 {
		t.Fatal("no session cookie set at sign-in")
	}
	check(resp.Response)
	check(b.Post("/auth/logout", nil).Response)
}

func TestSecureCookieOnHTTPS(t *testing.T) {
	t.Parallel()
	// Behind TLS (the base URL is https) the cookie is Secure and __Host-.
	h := newPortal(t)
	sessions := auth.NewSessions(postgres.NewSessionStore(h.Pool), true, time.Hour, 2*time.Hour)
	if c := sessions.Manager.Cookie; !c.Secure || c.Name != "__Host-itportal_session" || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
		t.Errorf("https cookie: %+v", c)
	}
}

func TestProviderOutage(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	b := h.SignedIn(itUnit)
	if err := h.IdP.Shutdown(); err != nil {
		t.Fatal(err)
	}
	// Existing sessions keep working.
	if resp := b.Get("/min-sida"); resp.StatusCode != 200 {
		t.Errorf("existing session during provider outage: %d", resp.StatusCode)
	}
	// A portal that never reached the provider says so in Swedish.
	cold := newPortal(t, func(env map[string]string) { env["ITPORTAL_OIDC_ISSUER"] = "http://127.0.0.1:1/oidc" })
	resp := cold.Browser().Get("/auth/login?next=/min-sida")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(resp.Body, "Inloggningen är inte tillgänglig just nu") {
		t.Fatalf("login with the provider down: %d\n%s", resp.StatusCode, resp.Body)
	}
	if resp := cold.Browser().Get("/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz with the provider down: %d", resp.StatusCode)
	}
}

func TestHostileNextNeverLeavesThePortal(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	for _, next := range []string{"//evil.example", "https://evil.example/", "/\\evil.example", "/%2F%2Fevil.example", "javascript:alert(1)"} {
		b := h.Browser()
		resp := b.SignIn(employee.Key, next)
		if resp.Request.URL.Host != strings.TrimPrefix(h.URL, "http://") || resp.Request.URL.Path != "/" {
			t.Errorf("next=%q landed on %s", next, resp.Request.URL)
		}
	}
	// A valid relative path is kept, query and all.
	resp := h.Browser().SignIn(employee.Key, "/min-sida?a=1&b=%C3%A5")
	if resp.Request.URL.RequestURI() != "/min-sida?a=1&b=%C3%A5" {
		t.Errorf("valid next landed on %s", resp.Request.URL)
	}
}

func TestLinkingPeopleWhoExistedBeforeSignIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	// By employee number (the configured employee claim).
	h := newPortal(t)
	var imported int64
	if err := h.Owner.QueryRow(ctx, `INSERT INTO people (employee_number, name, email) VALUES ('100042', 'Importerad Person', 'importerad@example.lillaedet.se') RETURNING id`).Scan(&imported); err != nil {
		t.Fatal(err)
	}
	hire := auth.Persona{Key: "anstalld", Name: "Importerad Person", Email: "annan@example.lillaedet.se", EmployeeNumber: "100042"}
	h.IdP.AddPersona(hire)
	h.SignedIn(hire)
	var linkedID int64
	if err := h.Pool.QueryRow(ctx, `SELECT id FROM people WHERE identity_subject = 'dev-anstalld'`).Scan(&linkedID); err != nil || linkedID != imported {
		t.Fatalf("employee-number link: person %d, want %d (%v)", linkedID, imported, err)
	}

	// By verified e-mail only when trusted.
	untrusted := newPortal(t)
	trusted := newPortal(t, func(env map[string]string) { env["ITPORTAL_OIDC_TRUST_EMAIL"] = "true" })
	for _, hh := range []*portaltest.Portal{untrusted, trusted} {
		if _, err := hh.Owner.Exec(ctx, `INSERT INTO people (name, email) VALUES ('Före Inloggning', 'fore@example.lillaedet.se')`); err != nil {
			t.Fatal(err)
		}
		p := auth.Persona{Key: "fore", Name: "Före Inloggning", Email: "FORE@example.lillaedet.se", EmailVerified: true}
		hh.IdP.AddPersona(p)
		hh.SignedIn(p)
	}
	var n int
	_ = untrusted.Pool.QueryRow(ctx, `SELECT count(*) FROM people`).Scan(&n)
	if n != 2 {
		t.Errorf("untrusted e-mail: %d people, want 2 (no link)", n)
	}
	_ = trusted.Pool.QueryRow(ctx, `SELECT count(*) FROM people`).Scan(&n)
	if n != 1 {
		t.Errorf("trusted verified e-mail: %d people, want 1 (linked)", n)
	}

	// An e-mail claim the portal would refuse in a form (a control
	// character) is neither stored nor used to link, even when verified.
	if _, err := trusted.Owner.Exec(ctx, `INSERT INTO people (name, email) VALUES ('Klocka', 'klocka@example.lillaedet.se')`); err != nil {
		t.Fatal(err)
	}
	bell := auth.Persona{Key: "klocka", Name: "Klocka", Email: "klocka@example.lillaedet.se\a", EmailVerified: true}
	trusted.IdP.AddPersona(bell)
	trusted.SignedIn(bell)
	var stored string
	_ = trusted.Pool.QueryRow(ctx, `SELECT email FROM people WHERE identity_subject = 'dev-klocka'`).Scan(&stored)
	if stored != "" {
		t.Errorf("an address with a control character was stored: %q", stored)
	}

	// Unverified e-mail never links, even when trusted.
	unverified := auth.Persona{Key: "overifierad", Name: "X", Email: "unverified@example.lillaedet.se"}
	if _, err := trusted.Owner.Exec(ctx, `INSERT INTO people (name, email) VALUES ('Y', 'unverified@example.lillaedet.se')`); err != nil {
		t.Fatal(err)
	}
	trusted.IdP.AddPersona(unverified)
	trusted.SignedIn(unverified)
	_ = trusted.Pool.QueryRow(ctx, `SELECT count(*) FROM people WHERE email ILIKE 'unverified@%'`).Scan(&n)
	if n != 2 {
		t.Errorf("unverified e-mail linked: %d people with it, want 2", n)
	}
}

func TestAdminLinksAnIdentityAndKeepsAFormAcrossALapsedSession(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	var before int64
	if err := h.Owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Karin Från HR', 'karin.hr@example.lillaedet.se') RETURNING id`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	h.SignedIn(employee) // creates a second record: nothing linked it automatically
	var dup int64
	if err := h.Pool.QueryRow(ctx, `SELECT id FROM people WHERE identity_subject = 'dev-medarbetare'`).Scan(&dup); err != nil {
		t.Fatal(err)
	}
	adm := h.SignedIn(admin)
	page := adm.Get("/admin/personer/" + itoa(dup) + "?sok=Karin")
	if !strings.Contains(page.Body, "Koppla inloggningen") || !strings.Contains(page.Body, "Karin Från HR") {
		t.Fatalf("link form missing:\n%s", page.Body)
	}

	// Bad input: no choice → field error in the summary, nothing changed.
	resp := adm.Post("/admin/personer/"+itoa(dup)+"/koppla", url.Values{"target": {""}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Det finns ett problem") || !strings.Contains(resp.Body, `href="#target"`) {
		t.Fatalf("empty choice: %d\n%s", resp.StatusCode, resp.Body)
	}

	// The admin's session lapses while the form is filled in: the posted
	// values are kept, the admin signs in again and is back at the filled
	// form, which has not been submitted.
	h.Clock.Advance(31 * time.Minute)
	resp = adm.Post("/admin/personer/"+itoa(dup)+"/koppla", url.Values{"target": {itoa(before)}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "next=%2Fadmin%2Fpersoner%2F"+itoa(dup)) {
		t.Fatalf("post after the session lapsed: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	back := adm.SignIn(admin.Key, "/admin/personer/"+itoa(dup))
	selected := regexp.MustCompile(`<option value="` + itoa(before) + `" selected>`)
	if back.StatusCode != 200 || !selected.MatchString(back.Body) || !strings.Contains(back.Body, "Det du fyllde i finns kvar") {
		t.Fatalf("form not restored after signing in again:\n%s", back.Body)
	}
	var stillSub *string
	_ = h.Pool.QueryRow(ctx, `SELECT identity_subject FROM people WHERE id = $1`, before).Scan(&stillSub)
	if stillSub != nil {
		t.Fatal("the lapsed form was submitted")
	}

	// Submitting links the identity; the duplicate is deactivated.
	resp = adm.Post("/admin/personer/"+itoa(dup)+"/koppla", url.Values{"target": {itoa(before)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("link: %d\n%s", resp.StatusCode, resp.Body)
	}
	var sub string
	if err := h.Pool.QueryRow(ctx, `SELECT identity_subject FROM people WHERE id = $1`, before).Scan(&sub); err != nil || sub != "dev-medarbetare" {
		t.Fatalf("identity not moved: %q %v", sub, err)
	}
	// The person now signs in as the HR record.
	page = h.SignedIn(employee).Get("/min-sida")
	var id int64
	_ = h.Pool.QueryRow(ctx, `SELECT id FROM people WHERE identity_subject = 'dev-medarbetare'`).Scan(&id)
	if id != before || page.StatusCode != 200 {
		t.Errorf("sign-in after linking: person %d, want %d", id, before)
	}
}

func TestCrossSiteFormPostChangesNothing(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	var target int64
	if err := h.Owner.QueryRow(ctx, `INSERT INTO people (name) VALUES ('Offer') RETURNING id`).Scan(&target); err != nil {
		t.Fatal(err)
	}
	adm := h.SignedIn(admin)
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		req, _ := http.NewRequest(http.MethodPost, h.URL+"/admin/personer/"+itoa(target)+"/avsluta-sessioner", strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if resp := adm.Do(req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%v: %d, want 403", hdr, resp.StatusCode)
		}
	}
	var epoch int64
	if err := h.Pool.QueryRow(ctx, `SELECT session_epoch FROM people WHERE id = $1`, target).Scan(&epoch); err != nil || epoch != 0 {
		t.Errorf("a cross-site post changed the person: epoch %d %v", epoch, err)
	}
	var audits int
	_ = h.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'person.sessions_ended'`).Scan(&audits)
	if audits != 0 {
		t.Errorf("%d audit rows from cross-site posts", audits)
	}
	// Sign-out is POST only: a link or image cannot sign anyone out.
	if resp := adm.Get("/auth/logout"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /auth/logout: %d", resp.StatusCode)
	}
	if resp := adm.Get("/min-sida"); resp.StatusCode != 200 {
		t.Errorf("still signed in after the attempts: %d", resp.StatusCode)
	}
	// htmx requests are told where to sign in, and caches keep the variants apart.
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/min-sida", nil)
	req.Header.Set("HX-Request", "true")
	resp := h.Browser().Do(req)
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("HX-Redirect"), "/auth/login?next=") || !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "HX-Request") {
		t.Errorf("htmx without a session: %d %q %q", resp.StatusCode, resp.Header.Get("HX-Redirect"), resp.Header.Get("Vary"))
	}
}

func TestKeptFormNeverReachesAnotherPerson(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	var target int64
	if err := h.Owner.QueryRow(context.Background(), `INSERT INTO people (name) VALUES ('Någon') RETURNING id`).Scan(&target); err != nil {
		t.Fatal(err)
	}
	b := h.SignedIn(admin)
	b.Get("/admin/personer/" + itoa(target))
	h.Clock.Advance(31 * time.Minute)
	if resp := b.Post("/admin/personer/"+itoa(target)+"/koppla", url.Values{"target": {"hemligt-värde"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("post after the session lapsed: %d", resp.StatusCode)
	}
	// Someone else signs in on the same browser.
	page := b.SignIn(employee.Key, "/min-sida")
	if strings.Contains(page.Body, "Det du fyllde i finns kvar") || strings.Contains(page.Body, "hemligt") {
		t.Fatal("another person's kept form or its notice reached a different person")
	}
}

// TestSessionTokensAreNotStored: the sessions table holds the SHA-256 of
// each token, never the token: a copy of the table (a backup, a dump)
// signs nobody in. The stored hash is what the cookie's token hashes to.
func TestSessionTokensAreNotStored(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	b := h.SignedIn(employee)
	c := b.Cookie("itportal_session")
	if c == nil || c.Value == "" {
		t.Fatal("no session cookie")
	}
	var n, hashed int
	if err := h.Owner.QueryRow(context.Background(), `
		SELECT count(*), count(*) FILTER (WHERE token_hash = sha256(convert_to($1, 'UTF8'))) FROM sessions`, c.Value).Scan(&n, &hashed); err != nil {
		t.Fatal(err)
	}
	if hashed != 1 {
		t.Errorf("%d of %d sessions are stored under the token's SHA-256", hashed, n)
	}
	var leaked bool
	if err := h.Owner.QueryRow(context.Background(), `
		SELECT EXISTS (SELECT 1 FROM sessions s WHERE position(convert_to($1, 'UTF8') IN s.token_hash) > 0 OR position(convert_to($1, 'UTF8') IN s.data) > 0)`,
		c.Value).Scan(&leaked); err != nil {
		t.Fatal(err)
	}
	if leaked {
		t.Error("the session token is stored in the sessions table")
	}
	if resp := b.Get("/min-sida"); resp.StatusCode != http.StatusOK {
		t.Errorf("the session does not work: %d", resp.StatusCode)
	}
}
