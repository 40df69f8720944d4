package portal

import (
	"net/url"
	"strings"
	"testing"
)

// Every kind's form is made from its field list, so a duplicated name would
// make two inputs write one value, and a required field without a message
// would leave the requester with an empty error.
func TestEveryKindsFieldsAreWellFormed(t *testing.T) {
	for _, kind := range RequestKinds {
		seen := map[string]bool{}
		for _, fd := range FieldsOf(kind) {
			if seen[fd.Name] {
				t.Errorf("%s: field %q appears twice", kind, fd.Name)
			}
			seen[fd.Name] = true
			if fd.Label == "" || fd.Section == "" {
				t.Errorf("%s/%s: no label or section", kind, fd.Name)
			}
			if fd.Required && fd.Missing == "" {
				t.Errorf("%s/%s: required without a message", kind, fd.Name)
			}
			if got, ok := FieldOf(kind, fd.Name); !ok || got.Name != fd.Name {
				t.Errorf("%s/%s: FieldOf does not find it", kind, fd.Name)
			}
		}
		if !seen["title"] || !seen["department"] {
			t.Errorf("%s: no title or department", kind)
		}
	}
}

// What a form posts comes back as the same form: every field of every kind
// is read into RequestFields and shown again as typed.
func TestRequestFormRoundTrips(t *testing.T) {
	sample := map[FieldKind]string{
		FieldText: "Färdtjänst <b>", FieldLongText: "Rad ett\nRad två", FieldEmail: "anna.berg@lillaedet.se",
		FieldURL: "https://example.org/projekt", FieldDate: "2027-01-15", FieldMoney: "125000", FieldNumber: "5",
		FieldCheck: "ja", FieldDepartment: "3",
	}
	for _, kind := range RequestKinds {
		form := url.Values{}
		for _, fd := range FieldsOf(kind) {
			v := sample[fd.Kind]
			if len(fd.Choices) > 0 {
				v = fd.Choices[len(fd.Choices)-1].Value
			}
			form.Set(fd.Name, v)
		}
		f, raw, errs := ParseRequestForm(kind, form)
		if len(errs) > 0 || len(raw) > 0 {
			t.Fatalf("%s: %v %v", kind, errs, raw)
		}
		for _, fd := range FieldsOf(kind) {
			if got := fd.Value(f); got != form.Get(fd.Name) {
				t.Errorf("%s/%s: posted %q, shown again as %q", kind, fd.Name, form.Get(fd.Name), got)
			}
		}
	}
}

// Amounts are typed the way people write them; what cannot be read is kept
// as typed beside a message that says why, and nothing else is lost.
func TestAmountsAndDatesAsTyped(t *testing.T) {
	cases := []struct {
		typed, want string
		n           int64
	}{
		{"12 000", "", 12000},
		{"12\u00a0000 kr", "", 12000},
		{"12 000:-", "", 12000},
		{"", "", 0},
		{"1250,50", "hela kronor, utan öre", 0},
		{"-500", "inte vara negativt", 0},
		{"tolv tusen", "mellan 0 och 1 000 000 000", 0},
		{"99999999999", "mellan 0 och 1 000 000 000", 0},
	}
	for _, c := range cases {
		form := url.Values{"title": {"Nytt system"}, "one_off_cost": {c.typed}, "desired_date": {"15/1 2027"}}
		f, raw, errs := ParseRequestForm(KindIntroduction, form)
		if !strings.Contains(errs["desired_date"], "2027-01-15") || raw["desired_date"] != "15/1 2027" {
			t.Errorf("date: %q, kept %q", errs["desired_date"], raw["desired_date"])
		}
		if f.Title != "Nytt system" {
			t.Errorf("%q: the title was lost", c.typed)
		}
		msg := errs["one_off_cost"]
		switch {
		case c.want == "" && (msg != "" || f.Details.OneOffCost != c.n):
			t.Errorf("%q: got %d, %q", c.typed, f.Details.OneOffCost, msg)
		case c.want != "" && (!strings.Contains(msg, c.want) || raw["one_off_cost"] != c.typed):
			t.Errorf("%q: message %q, kept %q", c.typed, msg, raw["one_off_cost"])
		}
	}
}

// An operations change asks for the new operator or the new administrator,
// never both; the case's facts show only what applies, with the total cost
// where costs are asked for.
func TestFieldsThatApply(t *testing.T) {
	f := RequestFields{Title: "Byte", Details: RequestDetails{ChangeRole: "operations"}}
	errs := f.Validate(KindOperationsChange, true)
	if errs["new_operator"] == "" || errs["new_admin_name"] != "" || errs["new_admin_email"] != "" {
		t.Errorf("operations change: %v", errs)
	}
	f.Details.ChangeRole = "administrator"
	errs = f.Validate(KindOperationsChange, true)
	if errs["new_operator"] != "" || errs["new_admin_name"] == "" || errs["new_admin_email"] == "" {
		t.Errorf("administrator change: %v", errs)
	}
	for _, fact := range FactsOf(KindOperationsChange, f, "Socialförvaltningen") {
		if fact.Label == "Ny driftansvarig" {
			t.Error("the facts show the new operator of an administrator change")
		}
	}

	intro := RequestFields{Title: "Nytt", Details: RequestDetails{OneOffCost: 100000, YearlyCost: 25000, Years: 4}}
	var total string
	for _, fact := range FactsOf(KindIntroduction, intro, "Socialförvaltningen") {
		if strings.HasPrefix(fact.Label, "Total kostnad") {
			total = fact.Value
		}
	}
	if total != "200\u00a0000 kr" {
		t.Errorf("total cost shown as %q", total)
	}
	if got := Kronor(-1500); got != "−1\u00a0500 kr" {
		t.Errorf("Kronor(-1500) = %q", got)
	}
}
