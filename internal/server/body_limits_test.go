package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
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

// trickle writes one byte a second to conn until it fails or stop closes.
func trickle(conn net.Conn, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-time.After(time.Second):
		}
		if _, err := conn.Write([]byte("a")); err != nil {
			return
		}
	}
}

func sessionCookie(t *testing.T, b *testkit.Browser) string {
	t.Helper()
	c := b.Cookie("itportal_session")
	if c == nil {
		t.Fatal("no session cookie")
	}
	return c.Name + "=" + c.Value
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

// TestSlowBodiesAreCutOff: a body trickled a byte a second is answered
// with 408 when its time is up: a form's after ITPORTAL_BODY_TIMEOUT, an
// upload's (by someone who may attach) after ITPORTAL_UPLOAD_TIMEOUT.
func TestSlowBodiesAreCutOff(t *testing.T) {
	t.Parallel()
	h := newPortal(t, func(env map[string]string) {
		env["ITPORTAL_BODY_TIMEOUT"] = "1s"
		env["ITPORTAL_UPLOAD_TIMEOUT"] = "3s"
	})
	emp := h.SignedIn(employee)
	path := draftCase(t, h, emp)
	cookie := sessionCookie(t, emp)

	cases := []struct {
		name, path, contentType string
		atLeast, within         time.Duration
	}{
		{"form", "/arenden/nytt?typ=inforande", "application/x-www-form-urlencoded", 900 * time.Millisecond, 3 * time.Second},
		{"upload", path + "/bilagor", "multipart/form-data; boundary=grans", 2500 * time.Millisecond, 6 * time.Second},
	}
	for _, c := range cases {
		began := time.Now()
		conn := rawPost(t, h, c.path, map[string]string{"Cookie": cookie, "Content-Type": c.contentType, "Content-Length": "10000"}, "a")
		stop := make(chan struct{})
		go trickle(conn, stop)
		resp, body, err := readAnswer(conn, 10*time.Second)
		took := time.Since(began)
		close(stop)
		if err != nil {
			t.Errorf("%s trickled: no answer within 10 s (%v)", c.name, err)
			continue
		}
		if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(body, "Det tog för lång tid") || !strings.Contains(body, `lang="sv"`) {
			t.Errorf("%s trickled: %d, want 408 with a Swedish page\n%s", c.name, resp.StatusCode, body)
		}
		if took < c.atLeast || took > c.within {
			t.Errorf("%s trickled: cut off after %v, want between %v and %v", c.name, took, c.atLeast, c.within)
		}
	}
	h.Logs.WaitFor(t, time.Second, "body_timeout", "/arenden/nytt")
	h.Logs.WaitFor(t, time.Second, "body_timeout", "/bilagor")
}

// TestSlowUploadWithinItsTimeIsKept: an upload that takes longer than the
// handler's own time (ITPORTAL_REQUEST_TIMEOUT) but arrives within
// ITPORTAL_UPLOAD_TIMEOUT is stored, not failed afterwards.
func TestSlowUploadWithinItsTimeIsKept(t *testing.T) {
	t.Parallel()
	h := newPortal(t, func(env map[string]string) {
		env["ITPORTAL_REQUEST_TIMEOUT"] = "2s"
		env["ITPORTAL_UPLOAD_TIMEOUT"] = "20s"
	})
	emp := h.SignedIn(employee)
	path := draftCase(t, h, emp)

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "langsam.pdf")
	_, _ = fw.Write([]byte("%PDF-1.7\n" + strings.Repeat("0", 1000) + "\n%%EOF"))
	_ = mw.Close()
	conn := rawPost(t, h, path+"/bilagor", map[string]string{
		"Cookie": sessionCookie(t, emp), "Content-Type": mw.FormDataContentType(), "Content-Length": strconv.Itoa(body.Len()),
	}, "")
	// The body in eight parts over about four seconds.
	data := body.Bytes()
	for i := range 8 {
		time.Sleep(500 * time.Millisecond)
		part := data[i*len(data)/8 : (i+1)*len(data)/8]
		if _, err := conn.Write(part); err != nil {
			t.Fatal(err)
		}
	}
	resp, page, err := readAnswer(conn, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("an upload of 4 s with 2 s for the handler: %d, want 303\n%s", resp.StatusCode, page)
	}
	if page := emp.Get(path); !strings.Contains(page.Body, "langsam.pdf") {
		t.Errorf("the slow upload is not listed")
	}
}

// TestBodiesInProgressAreBoundedPerClient: one client address may have
// ITPORTAL_BODIES_PER_CLIENT requests sending a body at once; the next
// gets 429 with Retry-After, while another address is unaffected, and a
// place is given again once a body has arrived.
func TestBodiesInProgressAreBoundedPerClient(t *testing.T) {
	t.Parallel()
	h := newPortal(t, func(env map[string]string) {
		env["ITPORTAL_BODIES_PER_CLIENT"] = "2"
		env["ITPORTAL_BODY_TIMEOUT"] = "20s"
		env["ITPORTAL_TRUSTED_PROXIES"] = "127.0.0.1" // the test plays the reverse proxy
	})
	emp := h.SignedIn(employee)
	cookie := sessionCookie(t, emp)
	slow := func(addr string) net.Conn {
		return rawPost(t, h, "/arenden/nytt?typ=inforande", map[string]string{
			"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", "Content-Length": "100", "X-Forwarded-For": addr,
		}, "title=")
	}
	from := func(addr string) testkitResponse {
		req, _ := http.NewRequest(http.MethodPost, h.URL+"/arenden/nytt?typ=inforande", strings.NewReader("title=Snabb"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", addr)
		return h.Browser().Do(req)
	}
	first, _ := slow("192.0.2.10"), slow("192.0.2.10")

	// Once both slow bodies are being read, the third request is refused.
	var resp testkitResponse
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp = from("192.0.2.10"); resp.StatusCode == http.StatusTooManyRequests {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a third request beside two slow ones: %d, want 429", resp.StatusCode)
		}
	}
	if got := resp.Header.Get("Retry-After"); got != "20" {
		t.Errorf("Retry-After %q, want the body timeout, 20", got)
	}
	if !strings.Contains(resp.Body, "För många samtidiga sändningar") || !strings.Contains(resp.Body, `lang="sv"`) {
		t.Errorf("429 page:\n%s", resp.Body)
	}
	for range 5 {
		if resp := from("192.0.2.10"); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("the bound gave way: %d", resp.StatusCode)
		}
	}
	if resp := from("192.0.2.20"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("another address beside them: %d, want 303 to sign-in", resp.StatusCode)
	}
	// One log line for the flood, and no address in it.
	h.Logs.WaitFor(t, time.Second, "body_concurrency_limited")
	n := 0
	for _, l := range h.Logs.Lines() {
		if strings.Contains(l, "body_concurrency_limited") {
			n++
			if strings.Contains(l, "192.0.2.10") {
				t.Errorf("the log line names the address: %s", l)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d log lines for one flood, want 1", n)
	}

	// The first slow body arrives: its place is free again.
	if _, err := io.WriteString(first, strings.Repeat("a", 94)); err != nil {
		t.Fatal(err)
	}
	if resp, _, err := readAnswer(first, 10*time.Second); err != nil || resp.StatusCode == http.StatusTooManyRequests {
		t.Fatalf("the completed slow form: %v %v", resp, err)
	}
	if resp := from("192.0.2.10"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after a slow body arrived: %d, want 303", resp.StatusCode)
	}
}
