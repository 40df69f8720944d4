package auth

import (
	"net/url"
	"strings"
	"testing"
)

func TestSafeNextKeepsRelativePaths(t *testing.T) {
	for _, ok := range []string{
		"/", "/system", "/system/12?x=1", "/system?q=tr%C3%A4d&sida=2", "/min-sida#kvittenser",
		"/styrdokument/regler-for-it-sakerhet/kvittera", "/system?q=a%20b",
	} {
		if got := SafeNext(ok); got != ok {
			t.Errorf("SafeNext(%q) = %q, want it kept", ok, got)
		}
	}
}

// hostile return URLs: none may lead to another origin.
var hostileNext = []string{
	"//evil.example", "///evil.example", "////evil.example", "/\\evil.example", "\\\\evil.example",
	"/\\/evil.example", "https://evil.example", "http://evil.example/", "HTTPS://evil.example",
	"//evil.example/%2e%2e", "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
	"vbscript:msgbox", "evil.example", "./evil", "../evil", "%2F%2Fevil.example", "/%2F%2Fevil.example",
	"/%2f%2fevil.example", "/%5Cevil.example", "/%5cevil.example", "/%09/evil.example", "/\t/evil.example",
	"/\n/evil.example", "/\r\n/evil.example", "/\x00/evil", "/ /evil.example", " /system", "/system\x7f",
	"//", "/\\", "http:/evil.example", "https:evil.example", "//user@evil.example", "/@evil.example/../",
	"/auth/login?next=//evil.example", "/auth/callback", "\u3000//evil.example", "/\u2028/evil.example",
	"/%E2%80%A8//evil.example", "//evil.example@portal", "/" + strings.Repeat("a", 3000), "ftp://evil.example",
	"/\uFFFD", "//%65vil.example",
}

func TestSafeNextRefusesHostileValues(t *testing.T) {
	if len(hostileNext) < 40 {
		t.Fatalf("only %d hostile values", len(hostileNext))
	}
	for _, bad := range hostileNext {
		got := SafeNext(bad)
		if leavesOrigin(got) {
			t.Errorf("SafeNext(%q) = %q leaves the origin", bad, got)
		}
		if got != "/" && got == bad && (strings.HasPrefix(bad, "//") || strings.Contains(bad, "\\") || strings.Contains(bad, ":")) {
			t.Errorf("SafeNext(%q) kept a hostile value", bad)
		}
	}
}

// leavesOrigin reports whether a browser resolving next against the portal
// could land anywhere else.
func leavesOrigin(next string) bool {
	base, _ := url.Parse("https://portal.example/sida")
	u, err := base.Parse(next)
	if err != nil {
		return true
	}
	return u.Host != "portal.example" || u.Scheme != "https" || strings.ContainsAny(next, "\\\r\n\t\x00")
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range hostileNext {
		f.Add(s)
	}
	f.Add("/system/12?x=1")
	f.Fuzz(func(t *testing.T, raw string) {
		got := SafeNext(raw)
		if got != "/" && got != raw {
			t.Fatalf("SafeNext(%q) = %q: must be the input or /", raw, got)
		}
		if leavesOrigin(got) {
			t.Fatalf("SafeNext(%q) = %q leaves the origin", raw, got)
		}
		if strings.HasPrefix(got, "//") || !strings.HasPrefix(got, "/") {
			t.Fatalf("SafeNext(%q) = %q is not a plain absolute path", raw, got)
		}
	})
}
