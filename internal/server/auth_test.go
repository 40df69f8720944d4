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
)

func TestSignInFlowOverHTTP(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	b := h.Browser()

	// Anonymous: a page redirects to sign-in with the page as next.
	resp := b.Get("/min-sida?flik=1")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/auth/login?next=%2Fmin-sida%3Fflik%3D1" {
		t.Fatalf("anonymous /min-sida: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	preLogin := "" // the pre-login session cookie, if any
	resp = b.Get("/auth/login?next=%2Fmin-sida%3Fflik%3D1")
	if c := b.Cookie("itportal_session"); c != nil {
		preLogin = c.Value
	}
	authorize, _ := resp.Location()
	if authorize.Query().Get("code_challenge_method") != "S256" || authorize.Query().Get("nonce") == "" || authorize.Query().Get("state") == "" {
		t.Fatalf("authorization request lacks PKCE S256, nonce or state: %s", authorize)
	}
	if got := authorize.Query().Get("redirect_uri"); got != h.URL+"/auth/callback" {
		t.Errorf("redirect_uri = %q", got)
	}
	// The provider's login page is the persona picker.
	picker := b.Get(authorize.String())
	if !strings.Contains(picker.Body, "Logga in som") || !strings.Contains(picker.Body, itUnit.Name) {
		t.Fatalf("provider login page:\n%s", picker.Body)
	}
	q := authorize.Query()
	q.Set("persona", employee.Key)
	authorize.RawQuery = q.Encode()
	resp = b.Get(authorize.String())
	callback, _ := resp.Location()
	resp = b.Get(callback.String())
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/min-sida?flik=1" {
		t.Fatalf("callback: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.Body)
	}
	page := b.Get("/min-sida?flik=1")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "Åsa Öberg-O&#39;Connor") || !strings.Contains(page.Body, "Socialförvaltningen") {
		t.Fatalf("my page after sign-in: %d\n%s", page.StatusCode, page.Body)
	}
	// The e-mail address came from the userinfo endpoint only.
	if !strings.Contains(page.Body, employee.Email) {
		t.Error("e-mail from userinfo not shown")
	}
	h.Logs.WaitFor(t, time.Second, "sign_in_success")

	// The pre-login session id is not valid after sign-in (no fixation).
	if preLogin != "" {
		replay := h.Browser()
		u, _ := url.Parse(h.URL)
		replay.Jar.SetCookies(u, []*http.Cookie{{Name: "itportal_session", Value: preLogin}})
		if resp := replay.Get("/min-sida"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("pre-login session id after sign-in: %d, want a redirect to sign-in", resp.StatusCode)
		}
	}
	signedInCookie := b.Cookie("itportal_session").Value

	// Sign out: the session ends; the old cookie is worthless.
	resp = b.Post("/auth/logout", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/utloggad" {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if out := b.Get("/utloggad"); !strings.Contains(out.Body, "Du är utloggad") {
		t.Error("signed-out page")
	}
	if resp := b.Get("/min-sida"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/auth/login") {
		t.Fatalf("after logout: %d", resp.StatusCode)
	}
	replay := h.Browser()
	u, _ := url.Parse(h.URL)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: "itportal_session", Value: signedInCookie}})
	if resp := replay.Get("/min-sida"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("session cookie after logout: %d, want a redirect to sign-in", resp.StatusCode)
	}
	h.Logs.WaitFor(t, time.Second, `"event":"sign_out"`)
}

func TestRolesFollowGroupsAtEverySignIn(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	for _, c := range []struct {
		p    auth.Persona
		want []string
		not  []string
	}{
		{itUnit, []string{"IT-enheten"}, []string{"Administratör"}},
		{itHead, []string{"Chef för IT-enheten", "IT-enheten"}, []string{"Administratör"}},
		{admin, []string{"Administratör"}, []string{"IT-enheten"}},
		{noGroups, []string{"Medarbetare"}, []string{"IT-enheten", "Administratör", "Chef för IT-enheten"}},
		{employee, []string{"Medarbetare"}, []string{"IT-enheten"}},
	} {
		page := h.SignedIn(c.p).Get("/min-sida")
		roles := regexp.MustCompile(`(?s)data-testid="my-roles">(.*?)</ul>`).FindStringSubmatch(page.Body)
		if roles == nil {
			t.Fatalf("%s: no roles list", c.p.Key)
		}
		for _, w := range c.want {
			if !strings.Contains(roles[1], w) {
				t.Errorf("%s: roles %q lack %q", c.p.Key, roles[1], w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(roles[1], ">"+n+"<") {
				t.Errorf("%s: roles %q include %q", c.p.Key, roles[1], n)
			}
		}
	}

	// Removed from the IT unit's group: the role goes at the next sign-in,
	// and the change is in the audit log.
	demoted := itUnit
	demoted.Groups = nil
	h.IdP.AddPersona(demoted)
	page := h.SignedIn(demoted).Get("/min-sida")
	if strings.Contains(page.Body, "<li>IT-enheten</li>") {
		t.Error("IT-enheten role kept after leaving the group")
	}
	var n int
	if err := h.Pool.QueryRow(context.Background(), `
		SELECT count(*) FROM audit_log WHERE action = 'person.roles_changed'
		AND changes->'roles'->'before' = '["it_unit"]' AND changes->'roles'->'after' = '[]'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit rows for the removed role: %d %v", n, err)
	}
}

func TestCallbackRefusesBadState(t *testing.T) {
	t.Parallel()
	h := newPortal(t)

	// Start a real attempt to get a valid code and state.
	b := h.Browser()
	resp := b.Get("/auth/login?next=/min-sida")
	authorize, _ := resp.Location()
	q := authorize.Query()
	state := q.Get("state")
	q.Set("persona", employee.Key)
	authorize.RawQuery = q.Encode()
	cb, _ := b.Get(authorize.String()).Location()
	code := cb.Query().Get("code")

	cases := []struct{ name, query string }{
		{"missing state", "code=" + url.QueryEscape(code)},
		{"wrong state", "code=" + url.QueryEscape(code) + "&state=forged"},
		{"provider error", "error=access_denied&state=" + url.QueryEscape(state)},
	}
	for _, c := range cases {
		resp := b.Get("/auth/callback?" + c.query)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, "Inloggningen kunde inte slutföras") || !strings.Contains(resp.Body, "Försök logga in igen") {
			t.Errorf("%s: %d\n%s", c.name, resp.StatusCode, resp.Body)
		}
		if resp := b.Get("/min-sida"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: a session was created", c.name)
		}
	}
	// The "provider error" case used the state up: reusing it fails too.
	resp = b.Get("/auth/callback?code=" + url.QueryEscape(code) + "&state=" + url.QueryEscape(state))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("reused state: %d", resp.StatusCode)
	}
	h.Logs.WaitFor(t, time.Second, "sign_in_failure", "unknown, reused or expired state")

	// An attempt older than ten minutes has expired.
	b2 := h.Browser()
	cb = b2.Callback(employee.Key, "/")
	h.Clock.Advance(auth.PendingLifetime + time.Minute)
	if resp := b2.Get(cb.String()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("expired state: %d", resp.StatusCode)
	}
}

func TestSameEmailOnTwoIdentitiesIsTwoPeople(t *testing.T) {
	t.Parallel()
	h := newPortal(t, func(env map[string]string) { env["ITPORTAL_OIDC_TRUST_EMAIL"] = "true" })
	twin := employee
	twin.Key = "tvilling"
	twin.Name = "Åsa Andra"
	h.IdP.AddPersona(twin)
	h.SignedIn(employee)
	h.SignedIn(twin)
	var people int
	if err := h.Pool.QueryRow(context.Background(), `SELECT count(*) FROM people WHERE lower(email) = lower($1)`, employee.Email).Scan(&people); err != nil || people != 2 {
		t.Fatalf("people with the shared e-mail: %d %v, want 2 (never merged)", people, err)
	}
}
