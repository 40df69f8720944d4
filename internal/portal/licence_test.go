package portal

import (
	"strings"
	"testing"
)

func TestLicenceInputParse(t *testing.T) {
	today := day("2026-03-15")
	ok := LicenceInput{Model: "per_anvandare", Bought: "250", InUse: "240", CountedOn: "2026-03-01", RenewalOn: "2027-01-01", Note: "Avtal via Adda"}
	for _, c := range []struct {
		name  string
		edit  func(*LicenceInput)
		field string // the field refused, "" for none
		want  string // part of its message
	}{
		{"whole", func(*LicenceInput) {}, "", ""},
		{"label as model", func(in *LicenceInput) { in.Model = "Per server eller kärna" }, "", ""},
		{"unknown model", func(in *LicenceInput) { in.Model = "per_kaffekopp" }, "model", "Licensmodellen finns inte"},
		{"no model", func(in *LicenceInput) { in.Model = "" }, "model", "Välj licensmodell"},
		{"negative bought", func(in *LicenceInput) { in.Bought = "-5" }, "bought", "negativt"},
		{"absurd bought", func(in *LicenceInput) { in.Bought = "1000001" }, "bought", "orimligt stort"},
		{"very absurd bought", func(in *LicenceInput) { in.Bought = "99999999999999999999" }, "bought", "orimligt stort"},
		{"letters bought", func(in *LicenceInput) { in.Bought = "tio" }, "bought", "siffror"},
		{"no bought", func(in *LicenceInput) { in.Bought = "" }, "bought", "köpta"},
		{"spaces in count", func(in *LicenceInput) { in.Bought = "1 200" }, "", ""},
		{"negative in use", func(in *LicenceInput) { in.InUse = "−3" }, "in_use", "negativt"},
		{"absurd in use", func(in *LicenceInput) { in.InUse = "2000000" }, "in_use", "orimligt stort"},
		{"in use without a day", func(in *LicenceInput) { in.CountedOn = "" }, "counted_on", "vilken dag"},
		{"a day without in use", func(in *LicenceInput) { in.InUse = "" }, "in_use", "lämna båda fälten tomma"},
		{"counted in the future", func(in *LicenceInput) { in.CountedOn = "2026-03-16" }, "counted_on", "framtiden"},
		{"counted long ago", func(in *LicenceInput) { in.CountedOn = "1901-01-01" }, "counted_on", "1980"},
		{"not counted", func(in *LicenceInput) { in.InUse, in.CountedOn = "", "" }, "", ""},
		{"bad renewal date", func(in *LicenceInput) { in.RenewalOn = "2027-02-30" }, "renewal_on", "ÅÅÅÅ-MM-DD"},
		{"absurd renewal", func(in *LicenceInput) { in.RenewalOn = "9999-01-01" }, "renewal_on", "2100"},
		{"renewal in 1970", func(in *LicenceInput) { in.RenewalOn = "1970-01-01" }, "renewal_on", "1980"},
		{"site without a number", func(in *LicenceInput) { in.Model, in.Bought = "plats", "" }, "", ""},
		{"site with a number", func(in *LicenceInput) { in.Model = "Platslicens" }, "bought", "hur många som helst"},
		{"overlong note", func(in *LicenceInput) { in.Note = strings.Repeat("x", 2001) }, "note", "högst 2000"},
		{"NUL in note", func(in *LicenceInput) { in.Note = "a\x00b" }, "note", "inte är tillåtna"},
		{"script in note is text", func(in *LicenceInput) { in.Note = "<script>alert(1)</script>" }, "", ""},
		{"control character in a number", func(in *LicenceInput) { in.Bought = "2\x0850" }, "bought", "inte är tillåtna"},
		{"bad contract", func(in *LicenceInput) { in.ContractID = "x" }, "contract_id", "avtalet"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := ok
			c.edit(&in)
			_, errs := in.Parse(today)
			if c.field == "" {
				if len(errs) != 0 {
					t.Fatalf("refused: %v", errs)
				}
				return
			}
			if !strings.Contains(errs[c.field], c.want) {
				t.Fatalf("%s: %q, want %q (all: %v)", c.field, errs[c.field], c.want, errs)
			}
		})
	}
}

func TestLicenceOverUsed(t *testing.T) {
	for _, c := range []struct {
		model         string
		bought, inUse int
		counted       bool
		over          bool
		status        string
	}{
		{LicencePerUser, 100, 100, true, false, "Inom köpt antal"},
		{LicencePerUser, 100, 101, true, true, "Överanvänd: 1 fler än köpta"},
		{LicencePerDevice, 0, 1, true, true, "Överanvänd"},
		{LicencePerServer, 8, 12, true, true, "4 fler"},
		{LicenceSubscription, 50, 60, true, true, "Överanvänd"},
		{LicenceSite, 0, 5000, true, false, "Platslicens"}, // no count limit
		{LicencePerUser, 10, 0, false, false, "Inte räknad"},
	} {
		f := LicenceFields{Model: c.model, Bought: c.bought, InUse: c.inUse, Counted: c.counted}
		if f.OverUsed() != c.over {
			t.Errorf("%+v: over-used %v, want %v", c, f.OverUsed(), c.over)
		}
		if s := LicenceStatus(c.model, c.bought, c.inUse, c.counted); !strings.Contains(s, c.status) {
			t.Errorf("%+v: status %q, want %q", c, s, c.status)
		}
	}
}

func TestParseLicenceModel(t *testing.T) {
	for in, want := range map[string]string{"per_anvandare": LicencePerUser, "Per användare": LicencePerUser, " PLATSLICENS ": LicenceSite,
		"site": LicenceSite, "Prenumeration": LicenceSubscription, "per kärna": LicencePerServer, "Per enhet": LicencePerDevice} {
		if got, ok := ParseLicenceModel(in); !ok || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "gratis", "<script>"} {
		if _, ok := ParseLicenceModel(in); ok {
			t.Errorf("%q accepted", in)
		}
	}
}
