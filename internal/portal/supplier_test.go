package portal

import (
	"strings"
	"testing"
)

func TestParseOrgNumber(t *testing.T) {
	for _, c := range []struct {
		in, want string
	}{
		{"556677-8890", ""}, // wrong check digit (the right one is 9)
		{"556677-8899", "556677-8899"},
		{"556016-0680", "556016-0680"}, // a real company's number
		{"5560160680", "556016-0680"},
		{"165560160680", "556016-0680"},
		{"16556016-0680", "556016-0680"},
		{" 556016 - 0680 ", "556016-0680"},
		{"212000-1355", "212000-1355"}, // a municipality's number
		{"556016-0681", ""},
		{"195560160680", ""}, // twelve digits without 16
		{"55601606", ""},
		{"556016-068O", ""},
		{"55-60160680", ""},
		{"", ""},
		{"556016-0680; DROP TABLE suppliers", ""},
	} {
		got, msg := ParseOrgNumber(c.in)
		if got != c.want || (c.want == "") != (msg != "") {
			t.Errorf("ParseOrgNumber(%q) = %q, %q; want %q", c.in, got, msg, c.want)
		}
	}
	if _, msg := ParseOrgNumber("556016-0681"); !strings.Contains(msg, "kontrollsiffran") {
		t.Errorf("a wrong check digit is not named: %q", msg)
	}
}

func TestNormaliseSupplierName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Visma AB", "visma"},
		{"VISMA   aktiebolag", "visma"},
		{"Visma", "visma"},
		{"Tieto Sverige AB (publ)", "tieto sverige"},
		{"Åkessons Data, AB", "åkessons data"},
		{" Atea  Sverige AB ", "atea sverige"},
		{"AB", "ab"},
		{"ABB", "abb"},
		{"Labb AB Konsult", "labb ab konsult"},
	} {
		if got := NormaliseSupplierName(c.in); got != c.want {
			t.Errorf("NormaliseSupplierName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSupplierAndContactValidation(t *testing.T) {
	f := SupplierFields{Name: "  Visma   AB ", OrgNumber: "5560160680"}
	if errs := f.Validate(); len(errs) != 0 || f.Name != "Visma AB" || f.OrgNumber != "556016-0680" {
		t.Fatalf("%+v: %v", f, errs)
	}
	for _, c := range []struct {
		f     SupplierFields
		field string
	}{
		{SupplierFields{Name: "", OrgNumber: "556016-0680"}, "name"},
		{SupplierFields{Name: "A\x00B", OrgNumber: "556016-0680"}, "name"},
		{SupplierFields{Name: strings.Repeat("x", 201), OrgNumber: "556016-0680"}, "name"},
		{SupplierFields{Name: "Visma", OrgNumber: "556016-0681"}, "org_number"},
		{SupplierFields{Name: "Visma", OrgNumber: "556016-0680", Notes: "\x1b[31m"}, "notes"},
	} {
		if errs := c.f.Validate(); errs[c.field] == "" {
			t.Errorf("%+v: no message for %s", c.f, c.field)
		}
	}
	ok := ContactFields{Role: "Support", Name: "Kim", Email: "support@visma.se", Phone: "+46 520-65 90 00"}
	if errs := ok.Validate(); len(errs) != 0 {
		t.Fatalf("good contact refused: %v", errs)
	}
	for _, c := range []struct {
		c     ContactFields
		field string
	}{
		{ContactFields{Role: "", Name: "Kim", Email: "a@b.se"}, "contact_role"},
		{ContactFields{Role: "Support", Name: "", Email: "a@b.se"}, "contact_name"},
		{ContactFields{Role: "Support", Name: "Kim"}, "contact_email"},
		{ContactFields{Role: "Support", Name: "Kim", Email: "Kim <a@b.se>"}, "contact_email"},
		{ContactFields{Role: "Support", Name: "Kim", Phone: "ring mig"}, "contact_phone"},
		{ContactFields{Role: "Support", Name: "Kim", Phone: "12+34"}, "contact_phone"},
	} {
		if errs := c.c.Validate(); errs[c.field] == "" {
			t.Errorf("%+v: no message for %s", c.c, c.field)
		}
	}
}
