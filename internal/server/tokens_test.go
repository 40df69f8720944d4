package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"itportal/internal/portal"
	"itportal/internal/server/apidoc"
	"itportal/internal/testkit"
)

var secretRe = regexp.MustCompile(`itp_[A-Za-z0-9_-]{43}`)

// createToken makes a token through the admin page and returns its secret.
func createToken(t *testing.T, b *testkit.Browser, name string, expires time.Time, scopes ...portal.Scope) string {
	t.Helper()
	form := url.Values{"name": {name}, "expires": {expires.Format("2006-01-02")}}
	for _, s := range scopes {
		form.Add("scope", string(s))
	}
	resp := b.Post("/admin/api-nycklar", form)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create token: %d\n%s", resp.StatusCode, resp.Body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(resp.Body, "visas bara den här gången") {
		t.Errorf("the page showing the secret must not be stored and must say it is shown once")
	}
	secret := secretRe.FindString(resp.Body)
	if secret == "" {
		t.Fatalf("no secret on the page:\n%s", resp.Body)
	}
	return secret
}

func bearer(t *testing.T, base, path, header string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	if header != "" {
		req.Header.Set("Authorization", header)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	adm := h.SignedIn(admin)
	today := portal.DateOf(h.Clock.Now())

	if _, err := h.Owner.Exec(ctx, `INSERT INTO systems (name, lifecycle) VALUES ('Procapita', 'i_drift')`); err != nil {
		t.Fatal(err)
	}

	// Bad input: field errors, nothing created.
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"name": {""}, "scope": {"register:read"}, "expires": {today.AddDate(0, 1, 0).Format("2006-01-02")}}, "Ange ett namn"},
		{url.Values{"name": {"Intranätet"}, "expires": {today.AddDate(0, 1, 0).Format("2006-01-02")}}, "Välj minst en behörighet"},
		{url.Values{"name": {"Intranätet"}, "scope": {"admin:write"}, "expires": {today.AddDate(0, 1, 0).Format("2006-01-02")}}, "Välj behörigheter i listan"},
		{url.Values{"name": {"Intranätet"}, "scope": {"register:read"}, "expires": {today.Format("2006-01-02")}}, "efter i dag"},
		{url.Values{"name": {"Intranätet"}, "scope": {"register:read"}, "expires": {today.AddDate(2, 0, 0).Format("2006-01-02")}}, "högst ett år"},
		{url.Values{"name": {"Intranätet"}, "scope": {"register:read"}, "expires": {"31/12/2026"}}, "Ange ett giltigt datum"},
	} {
		resp := adm.Post("/admin/api-nycklar", tc.form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, tc.want) {
			t.Errorf("%v: %d, want 422 with %q", tc.form, resp.StatusCode, tc.want)
		}
	}
	var n int
	if err := h.Owner.QueryRow(ctx, `SELECT count(*) FROM api_tokens`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d tokens after bad input", n)
	}
	// Others may not create tokens.
	if resp := h.SignedIn(itUnit).Post("/admin/api-nycklar", url.Values{"name": {"x"}, "scope": {"register:read"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("IT-enheten creating a token: %d", resp.StatusCode)
	}

	secret := createToken(t, adm, "Intranätet", today.AddDate(0, 0, 30), portal.ScopeRegisterRead)
	// Stored hashed: the secret is in no column, and the list shows only its start.
	var stored bool
	if err := h.Owner.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM api_tokens t WHERE t::text LIKE '%' || $1 || '%')`, secret).Scan(&stored); err != nil || stored {
		t.Fatalf("the secret is stored in clear (%v)", err)
	}
	if list := adm.Get("/admin/api-nycklar"); strings.Contains(list.Body, secret) || !strings.Contains(list.Body, secret[:10]) {
		t.Errorf("the list shows the secret again, or not its beginning")
	}
	// A second valid token of the same name is refused.
	if resp := adm.Post("/admin/api-nycklar", url.Values{"name": {"intranätet"}, "scope": {"register:read"}, "expires": {today.AddDate(0, 1, 0).Format("2006-01-02")}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("duplicate name: %d", resp.StatusCode)
	}

	// Using it: 200 without any session, and the use is logged.
	status, body := bearer(t, h.URL, "/api/v1/systems", "Bearer "+secret)
	if status != http.StatusOK || !strings.Contains(body, "Procapita") {
		t.Fatalf("token on /api/v1/systems: %d %s", status, body)
	}
	h.Logs.WaitFor(t, 5*time.Second, "api token used", "Intranätet", "/api/v1/systems")
	var used *time.Time
	if err := h.Owner.QueryRow(ctx, `SELECT last_used_at FROM api_tokens`).Scan(&used); err != nil || used == nil {
		t.Errorf("last use not recorded: %v", err)
	}
	// Its scope only: cases and statistics are 403 and logged.
	for _, path := range []string{"/api/v1/requests", "/api/v1/acknowledgements"} {
		if status, _ := bearer(t, h.URL, path, "Bearer "+secret); status != http.StatusForbidden {
			t.Errorf("token without the scope on %s: %d", path, status)
		}
	}
	h.Logs.WaitFor(t, 5*time.Second, "API token refused", "scope", "requests:read")
	// Only the API: a page does not take a token.
	if status, _ := bearer(t, h.URL, "/system", "Bearer "+secret); status != http.StatusSeeOther {
		t.Errorf("a page accepted a token")
	}

	// Malformed, in the query string, unknown: 401, logged.
	for _, tc := range []struct{ path, header, reason string }{
		{"/api/v1/systems", "Bearer abc", "malformed"},
		{"/api/v1/systems", "Basic " + secret, "malformed"},
		{"/api/v1/systems", "Bearer " + secret[:len(secret)-1] + "x", "unknown"},
		{"/api/v1/systems?access_token=" + url.QueryEscape(secret), "", "token in query string"},
		{"/api/v1/systems?token=" + url.QueryEscape(secret), "Bearer " + secret, "token in query string"},
	} {
		status, body := bearer(t, h.URL, tc.path, tc.header)
		if status != http.StatusUnauthorized || strings.Contains(body, "Procapita") {
			t.Errorf("%s %q: %d, want 401", tc.path, tc.header, status)
		}
		h.Logs.WaitFor(t, 5*time.Second, "API token refused", tc.reason)
	}

	// Expired: the clock passes the last day.
	other := createToken(t, adm, "Statistik", today.AddDate(0, 0, 1), portal.ScopeAcknowledgementsRead, portal.ScopeRequestsRead)
	if status, body := bearer(t, h.URL, "/api/v1/acknowledgements", "Bearer "+other); status != http.StatusOK || !strings.Contains(body, `"counted_at"`) {
		t.Fatalf("statistics token: %d %s", status, body)
	}
	h.Clock.Advance(3 * 24 * time.Hour)
	if status, _ := bearer(t, h.URL, "/api/v1/requests", "Bearer "+other); status != http.StatusUnauthorized {
		t.Errorf("expired token: %d", status)
	}
	h.Logs.WaitFor(t, 5*time.Second, "API token refused", "expired", "Statistik")

	// Revoked: 401 at once. (Three days on, the admin signs in again.)
	adm = h.SignedIn(admin)
	var id int64
	if err := h.Owner.QueryRow(ctx, `SELECT id FROM api_tokens WHERE name = 'Intranätet'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if resp := confirmThenPost(t, adm, "/admin/api-nycklar/"+itoa(id)+"/aterkalla", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if status, _ := bearer(t, h.URL, "/api/v1/systems", "Bearer "+secret); status != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", status)
	}
	h.Logs.WaitFor(t, 5*time.Second, "API token refused", "revoked")
	if resp := adm.Post("/admin/api-nycklar/"+itoa(id)+"/aterkalla", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("revoking twice: %d", resp.StatusCode)
	}
	// Creation and revocation are in the audit log.
	if err := h.Owner.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE object_type = 'api_token'`).Scan(&n); err != nil || n != 3 {
		t.Errorf("%d audit rows for tokens, want 3", n)
	}
}

func TestAPITokenNamesAreInert(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	adm := h.SignedIn(admin)
	today := portal.DateOf(h.Clock.Now())
	for i, v := range testkit.Hostile(t) {
		if len([]rune(strings.TrimSpace(v))) == 0 || len([]rune(v)) > 100 {
			continue
		}
		resp := adm.Post("/admin/api-nycklar", url.Values{"name": {v}, "scope": {"register:read"}, "expires": {today.AddDate(0, 0, 10+i).Format("2006-01-02")}})
		if resp.StatusCode >= 500 {
			t.Fatalf("%q: %d", v, resp.StatusCode)
		}
	}
	testkit.AssertInert(t, "/admin/api-nycklar", adm.Get("/admin/api-nycklar").Body)
}

// TestOpenAPIDescribesEveryRoute: every /api/v1 route is in the document
// and every documented path is a route.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	resp := h.Browser().Get("/api/v1/openapi.json")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("openapi.json: %d", resp.StatusCode)
	}
	if err := json.Unmarshal([]byte(resp.Body), &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("not an OpenAPI 3.1 document: %v %q", err, doc.OpenAPI)
	}
	if string(apidoc.OpenAPI) != resp.Body {
		t.Error("the served document differs from the embedded one")
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	var routes []string
	router := h.Srv.Config.Handler.(chi.Routes)
	_ = chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, "/api/") {
			routes = append(routes, method+" "+route)
		}
		return nil
	})
	slices.Sort(routes)
	slices.Sort(documented)
	if !slices.Equal(routes, documented) {
		t.Errorf("API routes and the OpenAPI document differ:\nroutes:     %v\ndocumented: %v", routes, documented)
	}
}
