package portal

import "strings"

// ValidEmail reports whether s is an e-mail address the portal accepts:
// local@domain with a dotted domain of letters, digits and hyphens, at
// most 254 characters, no spaces, control characters, quotes or display
// names. Every form, import and setting that takes an address uses it.
func ValidEmail(s string) bool {
	if len(s) == 0 || len(s) > 254 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > 64 || strings.IndexByte(s, '@') != at {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for _, c := range local {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", c)) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for i, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
		if i == len(labels)-1 && len(l) < 2 {
			return false
		}
	}
	return true
}
