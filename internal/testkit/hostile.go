package testkit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Hostile returns the hostile-input corpus (testdata/hostile/values.json).
func Hostile(t testing.TB) []string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "testdata", "hostile", "values.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vals []string
	if err := json.Unmarshal(b, &vals); err != nil {
		t.Fatal(err)
	}
	return vals
}

// ownImage is the portal's own mark in the header: an image from
// /static/img/ under its hashed name, as the frame writes it.
var ownImage = regexp.MustCompile(`^/static/img/[a-z-]+\.[0-9a-f]{10}\.svg$`)

func ownMark(tok html.Token) bool {
	for _, a := range tok.Attr {
		if a.Key == "src" && ownImage.MatchString(a.Val) {
			return true
		}
	}
	return false
}

func ownScript(tok html.Token) bool {
	for _, a := range tok.Attr {
		if a.Key == "src" && strings.HasPrefix(a.Val, "/static/js/") && !strings.Contains(a.Val, "//") {
			return true
		}
	}
	return false
}

// ownChart reports whether an <svg> is one of the portal's own charts (the
// compliance board's history, the start page's work queue, the
// evaluations in time per department, the acknowledgement rate per
// department and document), drawn by the server from numbers; the names
// in them are text, escaped like any other (the elements inside are
// still checked).
func ownChart(tok html.Token) bool {
	for _, a := range tok.Attr {
		if a.Key == "data-testid" {
			switch a.Val {
			case "history-chart", "queue-chart", "evaluation-chart", "ack-chart":
				return true
			}
		}
	}
	return false
}

// AssertInert fails the test when page contains markup that input could
// have produced: a script, style, iframe, object, embed, svg, math, image
// or base element, an on* event attribute, or a URL attribute with a
// javascript:, vbscript: or data: scheme. The portal's own pages contain
// none of these (but its one script from /static/js/, its mark from
// /static/img/ and its own charts), so any occurrence
// came from input.
func AssertInert(t testing.TB, where, page string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if tok.Data == "script" && ownScript(tok) {
				continue // the portal's own vendored script, from /static/js/
			}
			if tok.Data == "svg" && ownChart(tok) {
				continue // the board's chart; its text is escaped like any other
			}
			if tok.Data == "img" && ownMark(tok) {
				continue // the municipality's mark in the header
			}
			switch tok.Data {
			case "script", "style", "iframe", "object", "embed", "svg", "math", "img", "base", "frame", "frameset":
				t.Errorf("%s: input became a <%s> element", where, tok.Data)
			}
			for _, a := range tok.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("%s: input became an event attribute %s=%q on <%s>", where, a.Key, a.Val, tok.Data)
				}
				switch a.Key {
				case "href", "src", "action", "formaction":
					v := strings.ToLower(strings.Map(func(r rune) rune {
						if r <= ' ' {
							return -1
						}
						return r
					}, a.Val))
					for _, bad := range []string{"javascript:", "vbscript:", "data:"} {
						if strings.HasPrefix(v, bad) {
							t.Errorf("%s: a %s URL in %s on <%s>: %q", where, bad, a.Key, tok.Data, a.Val)
						}
					}
				}
			}
		}
	}
}
