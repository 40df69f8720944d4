package testkit

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"itportal/internal/auth"
)

// StartIdP starts an in-process OpenID Connect provider (the dev provider)
// on loopback with personas, stopped when the test ends.
func StartIdP(t testing.TB, personas ...auth.Persona) *auth.DevIdP {
	t.Helper()
	idp, err := auth.StartDevIdP("127.0.0.1:0", personas)
	if err != nil {
		t.Fatalf("start identity provider: %v", err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	return idp
}

// StartEntraIdP starts an in-process provider shaped like Microsoft Entra
// ID for tenant (issuer {address}/{tenant}/v2.0, Entra's endpoint paths and
// claims, an end-session endpoint) on loopback, stopped when the test ends.
func StartEntraIdP(t testing.TB, tenant string, personas ...auth.Persona) *auth.DevIdP {
	t.Helper()
	idp, err := auth.StartDevIdPWith("127.0.0.1:0", personas, auth.DevIdPOptions{Tenant: tenant})
	if err != nil {
		t.Fatalf("start identity provider: %v", err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	return idp
}

// Browser is an HTTP client with a cookie jar that does not follow
// redirects by itself, so tests see every hop of a flow.
type Browser struct {
	t      testing.TB
	Base   string
	Client *http.Client
	Jar    *cookiejar.Jar
	page   string // the last page fetched: the Referer of the next form post
}

// NewBrowser returns a fresh browser (no cookies) for the portal at base.
func NewBrowser(t testing.TB, base string) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{t: t, Base: base, Jar: jar, Client: &http.Client{
		Jar:     jar,
		Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// Response is a response with its body read.
type Response struct {
	*http.Response
	Body string
}

func (b *Browser) abs(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return b.Base + path
}

// Do sends req and reads the whole body.
func (b *Browser) Do(req *http.Request) Response {
	b.t.Helper()
	resp, err := b.Client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return Response{Response: resp, Body: string(body)}
}

// Get fetches path (relative to the portal, or absolute) without following
// redirects.
func (b *Browser) Get(path string) Response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.abs(path), nil)
	resp := b.Do(req)
	if strings.HasPrefix(req.URL.String(), b.Base) && resp.StatusCode == http.StatusOK {
		b.page = req.URL.String()
	}
	return resp
}

// Post submits a form as a same-origin browser would, from the last page
// fetched.
func (b *Browser) Post(path string, form url.Values) Response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.abs(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.Base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	referer := b.page
	if referer == "" {
		referer = b.abs(path)
	}
	req.Header.Set("Referer", referer)
	return b.Do(req)
}

// Upload posts a file as a multipart form, as a same-origin browser would.
func (b *Browser) Upload(path, field, filename string, data []byte) Response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		b.t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.abs(path), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.Base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.Do(req)
}

// Follow fetches path and follows redirects (to the provider too), at most
// ten hops, returning the final response.
func (b *Browser) Follow(path string) Response {
	b.t.Helper()
	resp := b.Get(path)
	for i := 0; i < 10 && resp.StatusCode >= 300 && resp.StatusCode < 400; i++ {
		loc, err := resp.Location()
		if err != nil {
			b.t.Fatalf("redirect without Location: %v", err)
		}
		resp = b.Get(loc.String())
	}
	return resp
}

// Callback starts a sign-in at the portal, picks persona at the provider
// and returns the callback URL the provider sends the browser back to,
// without visiting it (tests tamper with it, or time it).
func (b *Browser) Callback(persona, next string) *url.URL {
	b.t.Helper()
	resp := b.Get("/auth/login?next=" + url.QueryEscape(next))
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("/auth/login: %d, want a redirect to the provider\n%s", resp.StatusCode, resp.Body)
	}
	authorize, _ := resp.Location()
	q := authorize.Query()
	q.Set("persona", persona)
	authorize.RawQuery = q.Encode()
	resp = b.Get(authorize.String())
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("provider authorize: %d\n%s", resp.StatusCode, resp.Body)
	}
	callback, _ := resp.Location()
	return callback
}

// SignIn goes through the real sign-in flow as persona and returns the
// response of the page the portal sent the browser to afterwards.
func (b *Browser) SignIn(persona, next string) Response {
	b.t.Helper()
	resp := b.Get(b.Callback(persona, next).String())
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("callback: %d, want 303\n%s", resp.StatusCode, resp.Body)
	}
	loc, _ := resp.Location()
	return b.Get(loc.String())
}

// Cookie returns the named cookie the jar would send to the portal.
func (b *Browser) Cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.Base)
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}
