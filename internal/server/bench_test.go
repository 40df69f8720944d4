package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"itportal/internal/portaltest"
)

// BenchmarkSessionLookup measures what a session adds to a request: the
// same page anonymously (no session read) and signed in (the session and
// the person with their roles, kept per replica after the first request).
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

// BenchmarkRegisterPage renders the register's first page (50 of 500
// systems) in-process: the portal's own cost of the page, for CPU profiles.
func BenchmarkRegisterPage(b *testing.B) {
	h := newPortal(b)
	if _, err := h.Owner.Exec(b.Context(), `INSERT INTO systems (name, lifecycle, supplier) SELECT 'System ' || g, 'i_drift', 'Leverantör AB' FROM generate_series(1, 500) g`); err != nil {
		b.Fatal(err)
	}
	servePage(b, h, "/system", "System 1<")
}

// BenchmarkStartPage renders IT-enheten's start page (the compliance
// summary, due evaluations, Händelser) in-process, for CPU profiles.
func BenchmarkStartPage(b *testing.B) {
	h := newPortal(b)
	if _, err := h.Owner.Exec(b.Context(), `INSERT INTO systems (name, lifecycle, supplier) SELECT 'System ' || g, 'i_drift', 'Leverantör AB' FROM generate_series(1, 500) g`); err != nil {
		b.Fatal(err)
	}
	servePage(b, h, "/", `<h2 id="efterlevnad">`)
}

// BenchmarkWorkQueue renders IT-enheten's work queue (/arenden?vy=ko, the
// open cases among 500) in-process, for CPU profiles.
func BenchmarkWorkQueue(b *testing.B) {
	h := newPortal(b)
	h.SignedIn(employee) // the author exists once signed in
	if _, err := h.Owner.Exec(b.Context(), `
		INSERT INTO requests (kind, state, author_id, department_id, title, description, contact, financing_source, financing_confirmed,
			number_year, number_seq, submitted_at)
		SELECT (ARRAY['inforande','uppgradering','driftforandring'])[1 + g % 3], (ARRAY['inskickat','under_handlaggning','komplettering_begard'])[1 + g % 3],
			p.id, p.department_id, 'Ärende ' || g, 'Beskrivning', p.name, 'Budget', true, 2026, g, now() - make_interval(hours => g * 3)
		FROM generate_series(1, 500) g, (SELECT id, name, department_id FROM people WHERE department_id IS NOT NULL ORDER BY id LIMIT 1) p`); err != nil {
		b.Fatal(err)
	}
	servePage(b, h, "/arenden?vy=ko", "Ärende 500<")
}

// servePage requests path as IT-enheten through the real router, in
// process, for as long as the benchmark runs; every answer must be 200
// and contain want.
func servePage(b *testing.B, h *portaltest.Portal, path, want string) {
	b.Helper()
	handler := h.Srv.Config.Handler
	cookie := h.SignedIn(itUnit).Cookie("itportal_session")
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(cookie)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), want) {
			b.Fatalf("%s: status %d, %q missing\n%s", path, w.Code, want, w.Body.String())
		}
	}
}
