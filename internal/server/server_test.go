package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"itportal/internal/auth"
	"itportal/internal/config"
	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/testkit"
	"itportal/web"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func newTestServer(t *testing.T) (*Server, http.Handler, *testkit.LogSink) {
	t.Helper()
	db := testkit.NewDB(t)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"ITPORTAL_DATABASE_URL": db.URL, "ITPORTAL_BASE_URL": "https://portal.example",
			"ITPORTAL_OIDC_ISSUER": "http://127.0.0.1:1/idp", "ITPORTAL_OIDC_CLIENT_ID": "c"}[k]
	}, config.ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	logs := testkit.NewLogSink()
	pool := db.Pool(t)
	sessions := auth.NewSessions(postgres.NewSessionStore(pool), true, time.Hour, 2*time.Hour)
	h := NewServer(Deps{Logger: slog.New(slog.NewJSONHandler(logs, nil)), Config: cfg, Pool: pool, Assets: assets,
		Sessions: sessions, OIDC: auth.NewOIDC(config.OIDC{Issuer: "http://127.0.0.1:1/idp", ClientID: "c"}, cfg.BaseURL, slog.New(slog.DiscardHandler))})
	s := &Server{log: slog.New(slog.NewJSONHandler(logs, nil)), cfg: cfg, assets: assets, metrics: NewMetrics(nil, BuildInfo{})}
	return s, h, logs
}

func do(h http.Handler, r *http.Request) (*http.Response, string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	resp := w.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPanicGivesSwedish500WithRequestID(t *testing.T) {
	t.Parallel()
	s, _, logs := newTestServer(t)
	h := s.requestID(s.recoverPanic(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret internal detail")
	})))
	resp, body := do(h, httptest.NewRequest("GET", "/", nil))
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d", resp.StatusCode)
	}
	rid := resp.Header.Get("X-Request-Id")
	if rid == "" || !strings.Contains(body, rid) || !strings.Contains(body, "Något gick fel") {
		t.Errorf("500 page lacks the Swedish message or the request id %q:\n%s", rid, body)
	}
	if strings.Contains(body, "secret internal detail") || strings.Contains(body, "goroutine") {
		t.Error("500 page leaks the panic or a stack trace")
	}
	logs.WaitFor(t, 0, "panic in handler", "secret internal detail", rid)
	// The process keeps serving.
	if resp, _ := do(h, httptest.NewRequest("GET", "/", nil)); resp.StatusCode != 500 {
		t.Error("second request not served")
	}
}

func TestOversizedBodyGets413(t *testing.T) {
	t.Parallel()
	_, h, _ := newTestServer(t)
	big := strings.NewReader(strings.Repeat("a", defaultBodyLimit+1))
	r := httptest.NewRequest("POST", "/", big)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := do(h, r)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "För mycket data") {
		t.Errorf("oversized body: %d\n%s", resp.StatusCode, body)
	}
}

func TestCrossSiteUnsafeRequestIsRefused(t *testing.T) {
	t.Parallel()
	_, h, logs := newTestServer(t)
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
		// The portal's host under another scheme or port is another origin.
		{"Origin": "http://portal.example", "Host": "portal.example"},
		{"Origin": "https://portal.example:8443", "Host": "portal.example:8443"},
		{"Origin": "http://portal.example", "Sec-Fetch-Site": "same-origin", "Host": "portal.example"},
		{"Origin": "null", "Host": "portal.example"},
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader("a=1"))
		if host, ok := hdr["Host"]; ok {
			r.Host = host
		}
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		resp, body := do(h, r)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "annan webbplats") {
			t.Errorf("%v: %d, want 403 with a Swedish message", hdr, resp.StatusCode)
		}
	}
	logs.WaitFor(t, 0, "cross_origin_denied")
	// The portal's own origin passes.
	own := httptest.NewRequest("POST", "/tillganglighet", strings.NewReader("a=1"))
	own.Host = "portal.example"
	own.Header.Set("Origin", "https://portal.example")
	own.Header.Set("Sec-Fetch-Site", "same-origin")
	if resp, _ := do(h, own); resp.StatusCode == http.StatusForbidden {
		t.Errorf("a request from the portal's own origin is refused")
	}
	// A same-origin GET is unaffected.
	r := httptest.NewRequest("GET", "/tillganglighet", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := do(h, r); resp.StatusCode != http.StatusOK {
		t.Errorf("cross-site GET of a page: %d", resp.StatusCode)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	_, h, _ := newTestServer(t)
	for _, path := range []string{"/", "/tillganglighet", "/finns-inte", "/healthz", "/api/v1/finns-inte"} {
		resp, _ := do(h, httptest.NewRequest("GET", path, nil))
		for _, name := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Strict-Transport-Security", "X-Request-Id"} {
			if resp.Header.Get(name) == "" {
				t.Errorf("%s: missing %s", path, name)
			}
		}
	}
	// The API speaks problem details, not HTML.
	resp, body := do(h, httptest.NewRequest("GET", "/api/v1/finns-inte", nil))
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, `"status":404`) {
		t.Errorf("API 404: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestRequestIDFromProxyIsSanitised(t *testing.T) {
	t.Parallel()
	_, h, _ := newTestServer(t)
	r := httptest.NewRequest("GET", "/healthz", nil)
	r.Header.Set("X-Request-Id", "abc\r\nX-Evil: 1")
	resp, _ := do(h, r)
	if got := resp.Header.Get("X-Request-Id"); strings.ContainsAny(got, "\r\n ") || got == "" {
		t.Errorf("request id %q", got)
	}
	r = httptest.NewRequest("GET", "/healthz", nil)
	r.Header.Set("X-Request-Id", "lb-0123456789abcdef")
	if resp, _ := do(h, r); resp.Header.Get("X-Request-Id") != "lb-0123456789abcdef" {
		t.Error("a well-formed id from the proxy is not kept")
	}
}

func TestReadyzReportsDraining(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ready := NewReadiness()
	assets, _ := web.NewAssets()
	pool := db.Pool(t)
	sessions := auth.NewSessions(postgres.NewSessionStore(pool), false, time.Hour, 2*time.Hour)
	h := NewServer(Deps{Logger: slog.New(slog.DiscardHandler), Config: config.Config{}, Pool: pool, Assets: assets, Readiness: ready, Sessions: sessions})
	if resp, body := do(h, httptest.NewRequest("GET", "/readyz", nil)); resp.StatusCode != 503 || !strings.Contains(body, "starting") {
		t.Errorf("before start-up: %d %q", resp.StatusCode, body)
	}
	ready.SetReady()
	if resp, _ := do(h, httptest.NewRequest("GET", "/readyz", nil)); resp.StatusCode != 200 {
		t.Errorf("ready: %d", resp.StatusCode)
	}
	ready.SetDraining()
	if resp, body := do(h, httptest.NewRequest("GET", "/readyz", nil)); resp.StatusCode != 503 || !strings.Contains(body, "shutting down") {
		t.Errorf("draining: %d %q", resp.StatusCode, body)
	}
}

// A case's age counts calendar days in Stockholm, so what the list shows
// (and keeps rendered for the day) is right all day: a case sent in just
// before midnight is a day old just after it.
func TestAgeTextCountsCalendarDays(t *testing.T) {
	now := time.Now().In(portal.Stockholm)
	at := func(days int, hour int) *time.Time {
		d := time.Date(now.Year(), now.Month(), now.Day()-days, hour, 0, 0, 0, portal.Stockholm)
		return &d
	}
	for _, c := range []struct {
		t    *time.Time
		want string
	}{
		{nil, ""},
		{at(0, 0), "i dag"},
		{at(1, 23), "1 dag"},
		{at(1, 0), "1 dag"},
		{at(12, 12), "12 dagar"},
	} {
		if got := ageText(c.t); got != c.want {
			t.Errorf("ageText(%v) = %q, want %q", c.t, got, c.want)
		}
	}
}
