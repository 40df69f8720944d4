// Package auth signs staff in with OpenID Connect, keeps their sessions in
// PostgreSQL and provides the dev identity provider for `itportal dev`.
package auth

import (
	"net/url"
	"strings"
	"unicode"
)

// SafeNext returns raw when it is a same-origin relative path to return to
// after sign-in ("/system/12?x=1"), and "/" otherwise. It is the one
// validator of return URLs: protocol-relative ("//evil"), backslash tricks
// ("/\evil"), absolute URLs, encoded variants and control characters never
// pass.
func SafeNext(raw string) string {
	if raw == "" || len(raw) > 2048 || raw[0] != '/' {
		return "/"
	}
	for _, r := range raw {
		if unicode.IsControl(r) || r == '\\' || unicode.IsSpace(r) || r == unicode.ReplacementChar {
			return "/"
		}
	}
	if len(raw) > 1 && (raw[1] == '/' || raw[1] == '\\') {
		return "/"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	// Decoded, the path must still be a plain absolute path: "/%2F%2Fevil"
	// and "/%5Cevil" would become "//evil" or "/\evil" in some clients.
	p := u.Path
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\") {
		return "/"
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return "/"
		}
	}
	lower := strings.ToLower(raw)
	if strings.Contains(lower, "%2f%2f") || strings.HasPrefix(lower, "/%2f") || strings.HasPrefix(lower, "/%5c") || strings.Contains(lower, "%5c") {
		return "/"
	}
	// Never bounce back into the sign-in flow itself.
	if strings.HasPrefix(p, "/auth/") {
		return "/"
	}
	return raw
}
