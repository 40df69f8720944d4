package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"itportal/internal/testkit"
)

// TestServeCutsOffSlowBodies: through `itportal serve` and its
// http.Server, a form body trickled a byte a second is answered with 408
// once ITPORTAL_BODY_TIMEOUT is up, not held for the server's whole read
// timeout; and a body announced larger than a visitor may send is refused
// before it is sent.
func TestServeCutsOffSlowBodies(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	vars := serveEnv(t, db)
	vars["ITPORTAL_BODY_TIMEOUT"] = "1s"
	p := startPortal(t, vars)
	b := testkit.NewBrowser(t, p.URL)
	b.SignIn("it-enheten", "/")
	cookie := b.Cookie("itportal_session")
	if cookie == nil {
		t.Fatal("no session cookie")
	}
	u, _ := url.Parse(p.URL)
	send := func(path string, headers ...string) net.Conn {
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\n%s\r\n\r\n", path, u.Host, strings.Join(headers, "\r\n"))
		if _, err := io.WriteString(conn, head); err != nil {
			t.Fatal(err)
		}
		return conn
	}
	answer := func(conn net.Conn, wait time.Duration) (*http.Response, string, error) {
		_ = conn.SetReadDeadline(time.Now().Add(wait))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body), nil
	}

	began := time.Now()
	conn := send("/arenden/nytt?typ=inforande", "Cookie: "+cookie.Name+"="+cookie.Value,
		"Content-Type: application/x-www-form-urlencoded", "Content-Length: 1000")
	stop := make(chan struct{})
	go func(conn net.Conn) {
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
	}(conn)
	resp, body, err := answer(conn, 10*time.Second)
	close(stop)
	if err != nil {
		t.Fatalf("a form trickled a byte a second: no answer within 10 s (%v)", err)
	}
	took := time.Since(began)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(body, "Det tog för lång tid") {
		t.Errorf("a form trickled a byte a second: %d, want 408 with a Swedish page\n%s", resp.StatusCode, body)
	}
	if took > 4*time.Second {
		t.Errorf("a form trickled a byte a second was cut off after %v, want about the body timeout (1 s)", took)
	}
	p.Log.WaitFor(t, time.Second, "body_timeout")

	conn = send("/system/import", "Content-Type: multipart/form-data; boundary=x", "Content-Length: 5000000")
	resp, _, err = answer(conn, 5*time.Second)
	if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("5 MB announced to an upload route without a session: %v %v, want 413 before the body is sent", resp, err)
	}
}
