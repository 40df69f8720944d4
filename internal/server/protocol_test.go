package server_test

import (
	"encoding/json"
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

// A filter value a list cannot use is never silently dropped: the API
// answers 400 with a problem naming the parameter, a page shows the
// message beside the filter and the list without it, an export refuses.
func TestInvalidFilterValuesAreNamed(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	emp := h.SignedIn(employee)
	for path, param := range map[string]string{
		"/api/v1/systems?livscykel=bogus":   "livscykel",
		"/api/v1/systems?forvaltning=abc":   "forvaltning",
		"/api/v1/systems?sortering=pris":    "sortering",
		"/api/v1/requests?sida=abc":         "sida",
		"/api/v1/requests?status=klart":     "status",
		"/api/v1/requests?typ=inforande%27": "typ",
	} {
		resp := emp.Get(path)
		var problem struct {
			Status        int    `json:"status"`
			Detail        string `json:"detail"`
			InvalidParams []struct {
				Name, Reason string
			} `json:"invalid_params"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &problem); err != nil || resp.StatusCode != http.StatusBadRequest ||
			resp.Header.Get("Content-Type") != "application/problem+json" || len(problem.InvalidParams) != 1 ||
			problem.InvalidParams[0].Name != param || !strings.Contains(problem.Detail, param) {
			t.Errorf("%s: %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Body)
		}
	}
	page := emp.Get("/system?livscykel=bogus&q=treserva")
	if page.StatusCode != http.StatusBadRequest || !strings.Contains(page.Body, "Livscykel: Okänt värde ”bogus”") ||
		!strings.Contains(page.Body, `href="#livscykel"`) || !strings.Contains(page.Body, `data-testid="system-count"`) {
		t.Errorf("the register with a bad filter: %d\n%s", page.StatusCode, page.Body)
	}
	if resp := emp.Get("/system/export.csv?sida=0"); resp.StatusCode != http.StatusBadRequest || strings.Contains(resp.Header.Get("Content-Type"), "csv") {
		t.Errorf("an export with a bad filter: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, path := range []string{"/system?livscykel=i_drift&sida=2", "/api/v1/systems?livscykel=i_drift", "/arenden?vy=alla&status=inskickat&alder=30"} {
		if resp := emp.Get(path); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
}
