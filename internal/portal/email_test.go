package portal

import "testing"

func TestValidEmail(t *testing.T) {
	for _, ok := range []string{"anna.andersson@lillaedet.se", "it-enheten@lillaedet.se", "a@b.se", "o'connor+it@example.lillaedet.se", "Anna.Andersson@LillaEdet.SE"} {
		if !ValidEmail(ok) {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", "anna", "anna@", "@lillaedet.se", "anna@lillaedet", "anna@lillaedet.s", "anna andersson@lillaedet.se",
		"anna@lilla edet.se", "anna\r\nBcc: x@y.se@lillaedet.se", "anna\x00@lillaedet.se", "anna@lillaedet.se\n", "\"Anna\" <anna@lillaedet.se>",
		"anna@@lillaedet.se", "a@b@lillaedet.se", ".anna@lillaedet.se", "anna.@lillaedet.se", "an..na@lillaedet.se", "anna@-lilla.se",
		"anna@lilla-.se", "anna@.lillaedet.se", "anna@lillaedet..se", "åsa@lillaedet.se", "anna@lillaedet.se\u202e", "anna@lillaedet.se;x@y.se"} {
		if ValidEmail(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}
