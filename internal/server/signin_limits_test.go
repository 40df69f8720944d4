package server_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"itportal/internal/auth"
)

// TestAnonymousSignInStartsLeaveLittleBehind: a thousand GET /auth/login
// without cookies (a bot, or a flood) leave a bounded number of session
// rows, none of which lives longer than a sign-in may take; a sign-in that
// completes gets a session of the full lifetime.
func TestAnonymousSignInStartsLeaveLittleBehind(t *testing.T) {
	t.Parallel()
	h := newPortal(t, func(env map[string]string) { delete(env, "ITPORTAL_SIGNIN_RATE") }) // the default limit
	ctx := context.Background()
	limited := 0
	began := time.Now()
	for i := range 1000 {
		resp := h.Browser().Get("/auth/login?next=/min-sida")
		switch resp.StatusCode {
		case http.StatusFound:
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("GET %d: %d\n%s", i, resp.StatusCode, resp.Body)
		}
	}
	var rows int
	var longest time.Duration
	if err := h.Owner.QueryRow(ctx, `SELECT count(*), coalesce(max(expiry - now()), '0s') FROM sessions`).Scan(&rows, &longest); err != nil {
		t.Fatal(err)
	}
	// 30 a minute, in bursts of 30: the burst and what refilled meanwhile.
	bound := 30 + int(time.Since(began).Seconds()/2) + 1
	if rows > bound || limited < 1000-bound {
		t.Errorf("1,000 anonymous starts left %d session rows (%d refused), want at most the limit's burst and refill, %d", rows, limited, bound)
	}
	if longest > auth.PendingLifetime {
		t.Errorf("a pre-login session lives %v, want at most %v", longest, auth.PendingLifetime)
	}

	// Without the limit in the way, still short-lived.
	open := newPortal(t)
	for range 100 {
		if resp := open.Browser().Get("/auth/login?next=/"); resp.StatusCode != http.StatusFound {
			t.Fatalf("login: %d", resp.StatusCode)
		}
	}
	if err := open.Owner.QueryRow(ctx, `SELECT count(*), max(expiry - now()) FROM sessions`).Scan(&rows, &longest); err != nil {
		t.Fatal(err)
	}
	if rows != 100 || longest > auth.PendingLifetime {
		t.Errorf("100 starts: %d rows living up to %v, want 100 of at most %v", rows, longest, auth.PendingLifetime)
	}
	// Several tabs of one browser share one row.
	b := open.Browser()
	for range 3 {
		b.Get("/auth/login?next=/")
	}
	if err := open.Owner.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&rows); err != nil || rows != 101 {
		t.Errorf("three starts in one browser: %d rows in all, want one more %v", rows, err)
	}
	// A completed sign-in has the full lifetime under a new token, and
	// the pre-login row is gone.
	b.SignIn(employee.Key, "/min-sida")
	if err := open.Owner.QueryRow(ctx, `SELECT count(*), max(expiry - now()) FROM sessions`).Scan(&rows, &longest); err != nil {
		t.Fatal(err)
	}
	if rows != 101 || longest < 12*time.Hour {
		t.Errorf("after a sign-in: %d rows, longest %v, want the signed-in session's 12 hours", rows, longest)
	}
}

// TestSignInStartsAreLimitedPerAddress: a burst from one client address
// gets 429 with Retry-After, while another address still signs in.
func TestSignInStartsAreLimitedPerAddress(t *testing.T) {
	t.Parallel()
	h := newPortal(t, func(env map[string]string) {
		env["ITPORTAL_SIGNIN_RATE"] = "5"
		env["ITPORTAL_TRUSTED_PROXIES"] = "127.0.0.1" // the test plays the reverse proxy
	})
	from := func(addr string) testkitResponse {
		b := h.Browser()
		req, _ := http.NewRequest(http.MethodGet, h.URL+"/auth/login?next=%2Fmin-sida", nil)
		req.Header.Set("X-Forwarded-For", addr)
		return b.Do(req)
	}
	for i := range 5 {
		if resp := from("192.0.2.10"); resp.StatusCode != http.StatusFound {
			t.Fatalf("start %d: %d", i+1, resp.StatusCode)
		}
	}
	resp := from("192.0.2.10")
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || err != nil || retry < 1 || retry > 12 {
		t.Fatalf("sixth start: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(resp.Body, "För många inloggningsförsök") || !strings.Contains(resp.Body, "försök sedan igen") || !strings.Contains(resp.Body, `lang="sv"`) {
		t.Errorf("429 page:\n%s", resp.Body)
	}
	for range 20 {
		if resp := from("192.0.2.10"); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("burst went on: %d", resp.StatusCode)
		}
	}
	// One log line for the burst, and no address in it.
	h.Logs.WaitFor(t, time.Second, "sign_in_rate_limited")
	n := 0
	for _, l := range h.Logs.Lines() {
		if strings.Contains(l, "sign_in_rate_limited") {
			n++
			if strings.Contains(l, "192.0.2.10") {
				t.Errorf("the log line names the address: %s", l)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d log lines for one burst, want 1", n)
	}
	// The limited address wrote no session rows while refused.
	var rows int
	if err := h.Owner.QueryRow(context.Background(), `SELECT count(*) FROM sessions`).Scan(&rows); err != nil || rows != 5 {
		t.Errorf("session rows: %d %v, want the 5 allowed starts'", rows, err)
	}

	// Another address signs in all the way.
	if resp := from("198.51.100.20"); resp.StatusCode != http.StatusFound {
		t.Errorf("another address: %d", resp.StatusCode)
	}
	if page := h.Browser().SignIn(employee.Key, "/min-sida"); page.StatusCode != http.StatusOK {
		t.Errorf("sign-in from another address: %d", page.StatusCode)
	}

	// Not behind a trusted proxy, X-Forwarded-For is the client's own
	// word: rotating it does not escape the limit.
	direct := newPortal(t, func(env map[string]string) { env["ITPORTAL_SIGNIN_RATE"] = "5" })
	refused := 0
	for i := range 10 {
		b := direct.Browser()
		req, _ := http.NewRequest(http.MethodGet, direct.URL+"/auth/login", nil)
		req.Header.Set("X-Forwarded-For", "203.0.113."+strconv.Itoa(i))
		if b.Do(req).StatusCode == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused != 5 {
		t.Errorf("spoofed X-Forwarded-For: %d of 10 refused, want 5", refused)
	}
}
