package server_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// HEAD is answered like GET without a body, and a 405 says which methods
// the path allows (RFC 9110 §9.3.2, §15.5.6).
func TestHeadLikeGetAndAllowOn405(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	anon, emp := h.Browser(), h.SignedIn(employee)
	stylesheet := regexp.MustCompile(`/static/css/site\.[0-9a-f]+\.css`).FindString(anon.Get("/tillganglighet").Body)
	for _, c := range []struct {
		path   string
		signed bool
		status int
	}{
		{"/healthz", false, 200}, {"/readyz", false, 200}, {stylesheet, false, 200}, {"/tillganglighet", false, 200},
		{"/system", false, http.StatusSeeOther}, {"/system", true, 200}, {"/api/v1/systems", true, 200}, {"/finns-inte", true, 404},
	} {
		b := anon
		if c.signed {
			b = emp
		}
		get := b.Get(c.path)
		req, _ := http.NewRequest(http.MethodHead, h.URL+c.path, nil)
		resp := b.Do(req)
		if resp.StatusCode != c.status || get.StatusCode != c.status {
			t.Errorf("HEAD %s: %d (GET %d), want %d", c.path, resp.StatusCode, get.StatusCode, c.status)
		}
		if resp.Body != "" {
			t.Errorf("HEAD %s has a body", c.path)
		}
		if ct, want := resp.Header.Get("Content-Type"), get.Header.Get("Content-Type"); ct != want {
			t.Errorf("HEAD %s: Content-Type %q, GET's %q", c.path, ct, want)
		}
	}
	for path, allow := range map[string]string{
		"/healthz": "GET, HEAD", "/system": "GET, HEAD", "/arenden/nytt": "GET, HEAD, POST", "/auth/logout": "POST",
	} {
		req, _ := http.NewRequest(http.MethodDelete, h.URL+path, nil)
		resp := emp.Do(req)
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != allow {
			t.Errorf("DELETE %s: %d, Allow %q, want 405 and %q", path, resp.StatusCode, resp.Header.Get("Allow"), allow)
		}
		if !strings.Contains(resp.Body, "<html") && !strings.Contains(resp.Body, "title") {
			t.Errorf("DELETE %s: no error page:\n%s", path, resp.Body)
		}
	}
}
