package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"itportal/internal/portaltest"
	"itportal/internal/testkit"
)

// rawPost opens a connection to the portal and sends a POST's request line
// and headers (and first bytes of its body) as written, so a test decides
// when, and whether, the rest of the body follows.
func rawPost(t *testing.T, h *portaltest.Portal, path string, headers map[string]string, first string) net.Conn {
	t.Helper()
	u, _ := url.Parse(h.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var b strings.Builder
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\n", path, u.Host)
	for k, v := range headers {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	b.WriteString("\r\n" + first)
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	return conn
}

// readAnswer reads the response on conn, waiting at most wait for its head.
func readAnswer(conn net.Conn, wait time.Duration) (*http.Response, string, error) {
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), nil
}

// draftCase saves a draft case as b and returns its path.
func draftCase(t *testing.T, h *portaltest.Portal, b *testkit.Browser) string {
	t.Helper()
	form := introductionForm(h, t, "Bilagesystem")
	form.Set("atgard", "spara")
	resp := b.Post("/arenden/nytt?typ=inforande", form)
	m := caseInLocation.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("save draft: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.Body)
	}
	return "/arenden/" + m[1]
}

// TestAnonymousBodiesAreNeitherReadNorParsed: without a signed-in actor a
// request gets the small body limit, on an upload route too, and its form
// is not parsed: a route behind sign-in answers before the body is in.
func TestAnonymousBodiesAreNeitherReadNorParsed(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	emp := h.SignedIn(employee)
	upload := draftCase(t, h, emp) + "/bilagor"

	// 1 MB announced to an upload route: refused before a byte of it is sent.
	conn := rawPost(t, h, upload, map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Content-Length": strconv.Itoa(1 << 20),
	}, "")
	resp, body, err := readAnswer(conn, 3*time.Second)
	if err != nil {
		t.Fatalf("1 MB announced, none sent: no answer (%v); the body is being waited for", err)
	}
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "För mycket data") || !strings.Contains(body, "Logga in") {
		t.Errorf("1 MB to an upload route without a session: %d, want 413 with a Swedish page\n%s", resp.StatusCode, body)
	}
	if !resp.Close {
		t.Error("the connection is kept for a body that was never read")
	}

	// A form within the limit, to a route behind sign-in: the way to
	// sign in comes before the body is complete.
	conn = rawPost(t, h, "/arenden/nytt?typ=inforande", map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Content-Length": "1000",
	}, "title=Halv")
	resp, _, err = readAnswer(conn, 3*time.Second)
	if err != nil {
		t.Fatalf("a form 10 bytes of 1000 in: no answer (%v); the body is being read", err)
	}
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/auth/login") {
		t.Errorf("a partial form without a session: %d %s, want 303 to sign-in", resp.StatusCode, resp.Header.Get("Location"))
	}

	// Not parsed: a NUL byte, which parsing refuses with 400, goes
	// unseen; the visitor is sent to sign in.
	anon := h.Browser()
	if resp := anon.Post("/arenden/nytt?typ=inforande", url.Values{"title": {"a\x00b"}}); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/auth/login") {
		t.Errorf("a form with a NUL byte without a session: %d %s, want 303 to sign-in (the form unparsed)", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, l := range h.Logs.Lines() {
		if strings.Contains(l, "NUL byte") {
			t.Errorf("an anonymous form was parsed: %s", l)
		}
	}
	// The query string is still checked for everyone.
	if resp := anon.Get("/tillganglighet?q=%00"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a NUL byte in an anonymous query: %d, want 400", resp.StatusCode)
	}

	// A signed-in person's form is parsed and checked.
	if resp := emp.Post("/arenden/nytt?typ=inforande", url.Values{"title": {"a\x00b"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a signed-in form with a NUL byte: %d, want 400", resp.StatusCode)
	}
	// So is the form of a session that just lapsed, kept for the same
	// person after sign-in, within the small limit.
	lapsing := h.SignedIn(portaltest.Requester)
	h.Clock.Advance(31 * time.Minute)
	if resp := lapsing.Post("/arenden/nytt?typ=inforande", url.Values{"title": {"a\x00b"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a lapsed session's form with a NUL byte: %d, want 400", resp.StatusCode)
	}
	big := url.Values{"title": {strings.Repeat("a", 70<<10)}}
	if resp := lapsing.Post("/arenden/nytt?typ=inforande", big); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a lapsed session's form of 70 kB: %d, want 413", resp.StatusCode)
	}
}

// TestSignedInUploadKeepsTheLargeLimit: a file of 5 MB reaches the case of
// someone who may attach to it.
func TestSignedInUploadKeepsTheLargeLimit(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	emp := h.SignedIn(employee)
	path := draftCase(t, h, emp)
	pdf := append(append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("0"), 5<<20)...), "\n%%EOF"...)
	if resp := emp.Upload(path+"/bilagor", "file", "stor-offert.pdf", pdf); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("5 MB attachment: %d\n%s", resp.StatusCode, resp.Body)
	}
	if page := emp.Get(path); !strings.Contains(page.Body, "stor-offert.pdf") {
		t.Errorf("the 5 MB attachment is not listed:\n%s", page.Body)
	}
}
