package server

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"itportal/web/pages"
)

// TestHelpShowsTheUserGuide: /hjalp shows the user guide in the portal's
// frame to anyone, signed in or not, with a table of contents whose links
// and the guide's own links all lead to a heading on the page.
func TestHelpShowsTheUserGuide(t *testing.T) {
	t.Parallel()
	_, h, _ := newTestServer(t)
	resp, body := do(h, httptest.NewRequest("GET", "/hjalp", nil))
	if resp.StatusCode != 200 {
		t.Fatalf("GET /hjalp: %d", resp.StatusCode)
	}
	for _, want := range []string{
		"<h1>Användarguide för IT-portalen</h1>",
		`<nav class="toc" aria-labelledby="innehall">`,
		`<a href="#arenden">Ärenden</a>`,
		`<h2 id="arenden">Ärenden</h2>`,
		`<a href="#uppfoljning-for-chefer-och-it-enheten">Uppföljning för chefer och IT-enheten</a>`,
		"<title>Hjälp – IT-portalen – Lilla Edets kommun</title>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the help page lacks %s", want)
		}
	}
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		ids[m[1]] = true
	}
	links := regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(links) < 15 {
		t.Errorf("only %d links within the page", len(links))
	}
	for _, m := range links {
		if !ids[m[1]] {
			t.Errorf("the link #%s leads to no heading", m[1])
		}
	}
}

// TestFrameHasHelpContactAndIcon: every page's frame links to Hjälp, gives
// IT-enheten's address in the footer and names an icon that is served, and
// /favicon.ico answers for browsers that ask by themselves.
func TestFrameHasHelpContactAndIcon(t *testing.T) {
	t.Parallel()
	_, h, _ := newTestServer(t)
	_, body := do(h, httptest.NewRequest("GET", "/tillganglighet", nil))
	for _, want := range []string{`<a href="/hjalp">Hjälp</a>`, `<a href="mailto:it-enheten@lillaedet.se">it-enheten@lillaedet.se</a>`, "Lilla Edets kommun"} {
		if !strings.Contains(body, want) {
			t.Errorf("the frame lacks %s", want)
		}
	}
	icon := regexp.MustCompile(`<link rel="icon" href="(/static/img/favicon\.[0-9a-f]+\.svg)" type="image/svg\+xml">`).FindStringSubmatch(body)
	if icon == nil {
		t.Fatal("the page names no SVG icon")
	}
	resp, svg := do(h, httptest.NewRequest("GET", icon[1], nil))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(svg, "<svg") {
		t.Errorf("the SVG icon: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, ico := do(h, httptest.NewRequest("GET", "/favicon.ico", nil))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/x-icon" || !strings.HasPrefix(ico, "\x00\x00\x01\x00") {
		t.Errorf("/favicon.ico: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestFooterNamesTheConfiguredAddress: with ITPORTAL_IT_UNIT_MAIL set, the
// footer gives that address instead of the default.
func TestFooterNamesTheConfiguredAddress(t *testing.T) {
	t.Parallel()
	s, _, _ := newTestServer(t)
	s.cfg.Mail.ITUnitMail = "servicedesk@lillaedet.se"
	var b strings.Builder
	if err := pages.AccessibilityPage(s.page(httptest.NewRequest("GET", "/tillganglighet", nil), "Tillgänglighetsredogörelse", "")).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `<a href="mailto:servicedesk@lillaedet.se">servicedesk@lillaedet.se</a>`) {
		t.Errorf("the footer does not give the configured address:\n%s", b.String())
	}
}
