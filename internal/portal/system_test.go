package portal

import "testing"

func TestOfficialWebsite(t *testing.T) {
	const official = "https://www.lillaedet.se"
	for addr, want := range map[string]bool{
		"https://www.lillaedet.se":                    true,
		"https://www.lillaedet.se/":                   true,
		"https://www.lillaedet.se/kommun/politik?x=1": true,
		"https://WWW.LillaEdet.se/a":                  true,
		"https://www.lillaedet.se:443/a":              true,
		"http://www.lillaedet.se":                     false,
		"https://www.lillaedet.se.evil.example":       false,
		"https://user@www.lillaedet.se":               false,
		"https://user:pw@www.lillaedet.se/":           false,
		"https://lillaedet.se":                        false,
		"https://evil.example/www.lillaedet.se":       false,
		"https://www.lillaedet.se:8443/":              false,
		"javascript:alert(1)//www.lillaedet.se":       false,
		"":                                            false,
		"//www.lillaedet.se":                          false,
		"https://www.lillaedet.se@evil.example":       false,
	} {
		if got := OfficialWebsite(addr, official); got != want {
			t.Errorf("OfficialWebsite(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestSystemFactsValidate(t *testing.T) {
	f := SystemFacts{Name: "  ", Lifecycle: "x", Category: "kommungemensam", Hosting: "intern", PersonalData: "inga",
		WebAddress: "javascript:alert(1)", Description: "ok\x00"}
	errs := f.Validate()
	for _, field := range []string{"name", "lifecycle", "web_address", "description"} {
		if errs[field] == "" {
			t.Errorf("no error for %s", field)
		}
	}
	ok := SystemFacts{Name: "Treserva", Lifecycle: "i_drift", Category: "forvaltningsspecifik", Hosting: "saas", PersonalData: "kansliga"}
	if errs := ok.Validate(); len(errs) != 0 {
		t.Errorf("valid facts refused: %v", errs)
	}
}
