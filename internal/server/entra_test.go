package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"itportal/internal/auth"
	"itportal/internal/portaltest"
	"itportal/internal/testkit"
)

type testkitResponse = testkit.Response

// Entra-shaped personas: app roles, and one in more groups than fit in a
// token (Entra then sends _claim_names/_claim_sources instead of groups).
var (
	entraAdmin = auth.Persona{Key: "entra-admin", Name: "Alva Approll", Email: "alva.approll@example.lillaedet.se",
		ObjectID: "0b6c1f9e-2a41-4f0e-9a59-6f1d2c3b4a51", AppRoles: []string{"ITPortalen.Admin", "Okänd.Roll"}}
	entraITUnit = auth.Persona{Key: "entra-it", Name: "Iris Itenhet", Email: "iris.itenhet@example.lillaedet.se",
		AppRoles: []string{"ITPortalen.ITEnheten"}}
	entraOverage = auth.Persona{Key: "entra-overage", Name: "Görel Gruppsson", Email: "gorel.gruppsson@example.lillaedet.se",
		ObjectID: "5f0e7d6c-4b3a-4291-8f7e-6d5c4b3a2910", Groups: []string{"g-admin"}, GroupOverage: true}
)

// appRoles maps the portal's roles to the app roles of the registration
// in docs/operations.md.
func appRoles(env map[string]string) {
	env["ITPORTAL_ROLE_APP_ROLES"] = "it_unit=ITPortalen.ITEnheten;it_head=ITPortalen.ITChef;it_head_deputy=ITPortalen.ITChefErsattare;admin=ITPortalen.Admin"
}

func myRoles(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)data-testid="my-roles">(.*?)</ul>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no roles list:\n%s", page)
	}
	return m[1]
}

func TestEntraAppRolesGiveRoles(t *testing.T) {
	t.Parallel()
	h := portaltest.StartEntra(t, appRoles, func(env map[string]string) { env["ITPORTAL_ROLE_GROUPS"] = "" })
	h.IdP.AddPersona(entraAdmin)
	h.IdP.AddPersona(entraITUnit)

	page := h.SignedIn(entraAdmin).Get("/min-sida")
	if roles := myRoles(t, page.Body); !strings.Contains(roles, "Administratör") || strings.Contains(roles, "IT-enheten") {
		t.Errorf("app role ITPortalen.Admin: roles %q", roles)
	}
	if roles := myRoles(t, h.SignedIn(entraITUnit).Get("/min-sida").Body); !strings.Contains(roles, "IT-enheten") || strings.Contains(roles, "Administratör") {
		t.Errorf("app role ITPortalen.ITEnheten: roles %q", roles)
	}
	// The person is known by the issuer of the tenant and the object id.
	var issuer, subject string
	if err := h.Pool.QueryRow(context.Background(), `SELECT identity_issuer, identity_subject FROM people WHERE name = $1`, entraAdmin.Name).
		Scan(&issuer, &subject); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(issuer, "/"+portaltest.EntraTenant+"/v2.0") || subject != entraAdmin.ObjectID {
		t.Errorf("identity (%q, %q), want the tenant's v2.0 issuer and the oid", issuer, subject)
	}

	// The app role unassigned in Entra: the role goes at the next sign-in,
	// audited like a group's.
	unassigned := entraAdmin
	unassigned.AppRoles = nil
	h.IdP.AddPersona(unassigned)
	if roles := myRoles(t, h.SignedIn(unassigned).Get("/min-sida").Body); strings.Contains(roles, "Administratör") {
		t.Errorf("admin kept after the app role was unassigned: %q", roles)
	}
	var n int
	if err := h.Pool.QueryRow(context.Background(), `
		SELECT count(*) FROM audit_log WHERE action = 'person.roles_changed'
		AND changes->'roles'->'before' = '["admin"]' AND changes->'roles'->'after' = '[]'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit rows for the removed app role: %d %v", n, err)
	}
}

func TestEntraGroupOverageIsRefused(t *testing.T) {
	t.Parallel()
	h := portaltest.StartEntra(t)
	h.IdP.AddPersona(entraOverage)
	b := h.Browser()
	resp := b.Get(b.Callback(entraOverage.Key, "/min-sida").String())
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, "Dina behörigheter kunde inte läsas") ||
		!strings.Contains(resp.Body, "Kontakta IT-enheten") {
		t.Fatalf("sign-in of a person with too many groups: %d\n%s", resp.StatusCode, resp.Body)
	}
	if resp := b.Get("/min-sida"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a session was created: %d", resp.StatusCode)
	}
	var n int
	if err := h.Pool.QueryRow(context.Background(), `SELECT count(*) FROM people WHERE name = $1`, entraOverage.Name).Scan(&n); err != nil || n != 0 {
		t.Errorf("the refused person was recorded: %d %v", n, err)
	}
	// The operator is told what to change.
	h.Logs.WaitFor(t, time.Second, "sign_in_failure", "group overage", "ITPORTAL_ROLE_APP_ROLES", "ITPORTAL_OIDC_GRAPH_GROUPS")

	// With roles from app roles only, the groups do not matter: the same
	// kind of token signs in, with the app role's role.
	apps := portaltest.StartEntra(t, appRoles, func(env map[string]string) { env["ITPORTAL_ROLE_GROUPS"] = "" })
	withRole := entraOverage
	withRole.AppRoles = []string{"ITPortalen.ITEnheten"}
	apps.IdP.AddPersona(withRole)
	if roles := myRoles(t, apps.SignedIn(withRole).Get("/min-sida").Body); !strings.Contains(roles, "IT-enheten") {
		t.Errorf("overage with app roles: roles %q", roles)
	}
}

// graphServer is Microsoft Graph's getMemberObjects for the tests: it
// answers only a POST with the access token the provider issued last.
type graphServer struct {
	*httptest.Server
	mu     sync.Mutex
	token  string // the access token it accepts
	groups []string
	status int // answer this instead, when set
	calls  int
	bodies []string
}

func startGraph(t *testing.T, groups ...string) *graphServer {
	g := &graphServer{groups: groups}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.calls++
		body, _ := io.ReadAll(r.Body)
		g.bodies = append(g.bodies, string(body))
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method != http.MethodPost || r.URL.Path != "/v1.0/me/getMemberObjects":
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":{"code":"Request_ResourceNotFound"}}`)
		case g.token == "" || r.Header.Get("Authorization") != "Bearer "+g.token:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"code":"InvalidAuthenticationToken"}}`)
		case g.status != 0:
			w.WriteHeader(g.status)
			_, _ = io.WriteString(w, `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges"}}`)
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"value": g.groups})
		}
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *graphServer) accept(token string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.token = token
}

func TestEntraGroupOverageReadFromGraph(t *testing.T) {
	t.Parallel()
	graph := startGraph(t, "4a9b8c7d-0000-4000-8000-000000000001", "g-admin", "g-it")
	h := portaltest.StartEntra(t, func(env map[string]string) {
		env["ITPORTAL_OIDC_GRAPH_GROUPS"] = "true"
		env["ITPORTAL_OIDC_GRAPH_URL"] = graph.URL
		env["ITPORTAL_OIDC_SCOPES"] = "openid profile email User.Read"
	})
	h.IdP.AddPersona(entraOverage)
	h.IdP.SetTokenHook(func(body map[string]any) {
		at, _ := body["access_token"].(string)
		graph.accept(at)
	})

	page := h.SignedIn(entraOverage).Get("/min-sida")
	if roles := myRoles(t, page.Body); !strings.Contains(roles, "Administratör") || !strings.Contains(roles, "IT-enheten") {
		t.Errorf("roles from the groups Graph lists: %q", roles)
	}
	graph.mu.Lock()
	calls, bodies := graph.calls, graph.bodies
	graph.mu.Unlock()
	if calls != 1 || len(bodies) != 1 || strings.ReplaceAll(bodies[0], " ", "") != `{"securityEnabledOnly":false}` {
		t.Errorf("Graph calls %d, bodies %q", calls, bodies)
	}
	h.Logs.WaitFor(t, time.Second, "sign_in_success", `"groups_from":"graph"`)

	// Graph refuses (the permission is missing): no sign-in with fewer roles.
	graph.mu.Lock()
	graph.status = http.StatusForbidden
	graph.mu.Unlock()
	b := h.Browser()
	resp := b.Get(b.Callback(entraOverage.Key, "/min-sida").String())
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(resp.Body, "gruppmedlemskap") || !strings.Contains(resp.Body, "kontakta IT-enheten") {
		t.Fatalf("sign-in while Graph refuses: %d\n%s", resp.StatusCode, resp.Body)
	}
	if resp := b.Get("/min-sida"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a session was created while Graph refused: %d", resp.StatusCode)
	}
	h.Logs.WaitFor(t, time.Second, "sign_in_failure", "answered 403 Authorization_RequestDenied")

	// A token Graph does not accept is refused the same way.
	graph.mu.Lock()
	graph.status = 0
	graph.mu.Unlock()
	h.IdP.SetTokenHook(func(map[string]any) { graph.accept("another-token") })
	b = h.Browser()
	if resp := b.Get(b.Callback(entraOverage.Key, "/min-sida").String()); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("sign-in with a token Graph refuses: %d", resp.StatusCode)
	}
	h.Logs.WaitFor(t, time.Second, "answered 401 InvalidAuthenticationToken")
}

func TestEntraSignOutAtTheProvider(t *testing.T) {
	t.Parallel()
	h := portaltest.StartEntra(t, appRoles)
	h.IdP.AddPersona(entraAdmin)
	var idToken string
	var tokens []string
	h.IdP.SetTokenHook(func(body map[string]any) {
		idToken, _ = body["id_token"].(string)
		for _, k := range []string{"id_token", "access_token", "refresh_token"} {
			if s, ok := body[k].(string); ok && s != "" {
				tokens = append(tokens, s)
			}
		}
	})
	b := h.Browser()
	var seen []string
	record := func(r testkitResponse) {
		seen = append(seen, r.Body)
		for k, v := range r.Header {
			seen = append(seen, k+": "+strings.Join(v, ","))
		}
	}
	cb := b.Callback(entraAdmin.Key, "/min-sida")
	for _, path := range []string{cb.String(), "/min-sida", "/", "/finns-inte"} {
		record(b.Get(path))
	}
	if idToken == "" || len(tokens) < 2 {
		t.Fatalf("recorded %d tokens", len(tokens))
	}
	signedIn := b.Cookie("itportal_session").Value

	resp := b.Post("/auth/logout", nil)
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("logout: %d %v", resp.StatusCode, err)
	}
	q := loc.Query()
	if want := h.IdP.Issuer(); !strings.HasPrefix(loc.String(), strings.TrimSuffix(want, "/v2.0")+"/oauth2/v2.0/logout?") {
		t.Errorf("logout goes to %s, want the provider's end_session_endpoint", loc)
	}
	if q.Get("id_token_hint") != idToken || q.Get("post_logout_redirect_uri") != h.URL+"/utloggad" || q.Get("client_id") != h.IdP.ClientID() {
		t.Errorf("end-session parameters: hint is the sign-in's ID token %v, post_logout_redirect_uri %q, client_id %q",
			q.Get("id_token_hint") == idToken, q.Get("post_logout_redirect_uri"), q.Get("client_id"))
	}
	// The provider accepts the hint and sends the browser back.
	back := b.Get(loc.String())
	if back.StatusCode != http.StatusFound || back.Header.Get("Location") != h.URL+"/utloggad" {
		t.Fatalf("provider's end-session endpoint: %d %q\n%s", back.StatusCode, back.Header.Get("Location"), back.Body)
	}
	if l := h.IdP.Logouts(); len(l) != 1 || l[0].IDTokenHint != idToken {
		t.Errorf("provider saw %d sign-outs", len(l))
	}
	if out := b.Get("/utloggad"); !strings.Contains(out.Body, "Du är utloggad") {
		t.Error("signed-out page")
	}
	replay := h.Browser()
	u, _ := url.Parse(h.URL)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: "itportal_session", Value: signedIn}})
	if resp := replay.Get("/min-sida"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("session cookie after logout: %d, want a redirect to sign-in", resp.StatusCode)
	}

	// The ID token left the server in that redirect only: in no other
	// response, header or log line.
	seen = append(seen, h.Logs.Lines()...)
	for _, tok := range tokens {
		for _, s := range seen {
			if strings.Contains(s, tok) || strings.Contains(s, tok[len(tok)-20:]) {
				t.Fatalf("a token string appears in a response or log line: %.200s", s)
			}
		}
	}

	// A sign-out without a session (it had lapsed) still ends the
	// provider's session, without a hint.
	resp = h.Browser().Post("/auth/logout", nil)
	loc, _ = resp.Location()
	if resp.StatusCode != http.StatusSeeOther || loc == nil || !strings.Contains(loc.Path, "/oauth2/v2.0/logout") || loc.Query().Has("id_token_hint") {
		t.Errorf("logout without a session: %d %v", resp.StatusCode, loc)
	}
}
