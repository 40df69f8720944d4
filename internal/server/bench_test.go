package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkSessionLookup measures what a session adds to a request: the
// same page anonymously (no session read) and signed in (session read from
// PostgreSQL, person and roles loaded).
func BenchmarkSessionLookup(b *testing.B) {
	h := newPortal(b)
	browser := h.SignedIn(employee)
	handler := h.Srv.Config.Handler
	cookie := browser.Cookie("itportal_session")
	for _, c := range []struct {
		name   string
		cookie *http.Cookie
	}{{"anonymous", nil}, {"signed_in", cookie}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/tillganglighet", nil)
				if c.cookie != nil {
					req.AddCookie(c.cookie)
				}
				w := httptest.NewRecorder()
				handler.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// BenchmarkSignInRoundTrip measures the portal's part of a sign-in against
// a local provider: /auth/login and /auth/callback (which includes the code
// exchange with the provider); the provider's own login page is excluded.
func BenchmarkSignInRoundTrip(b *testing.B) {
	h := newPortal(b)
	var portal time.Duration
	for b.Loop() {
		br := h.Browser()
		start := time.Now()
		resp := br.Get("/auth/login?next=/min-sida")
		portal += time.Since(start)
		authorize, _ := resp.Location()
		q := authorize.Query()
		q.Set("persona", employee.Key)
		authorize.RawQuery = q.Encode()
		cb, _ := br.Get(authorize.String()).Location()
		start = time.Now()
		if resp := br.Get(cb.String()); resp.StatusCode != http.StatusSeeOther {
			b.Fatalf("callback: %d", resp.StatusCode)
		}
		portal += time.Since(start)
	}
	b.ReportMetric(float64(portal.Microseconds())/float64(b.N)/1000, "portal-ms/signin")
}
