package portal

import (
	"strings"
	"testing"
)

// goodProcessing is a record that passes: signed, two categories, a
// sub-processor in the USA under standard contractual clauses.
func goodProcessing() ProcessingInput {
	return ProcessingInput{
		ProcessorID: "3", Signed: "ja", SignedOn: "2025-03-01", DataCategories: []string{"personnummer", "kontaktuppgifter"},
		SubjectCategories: []string{"medborgare"}, Sensitive: "nej", Purpose: "Handläggning av bygglov",
		LegalBasis: "allmant_intresse", OversightMethod: "enkat", OversightInterval: "12", OversightLast: "2025-09-15", Secrecy: "nej",
		SubProcessors: []SubProcessorInput{{Name: "Moln Inc", Country: "us", Basis: "standardavtalsklausuler", Service: "Drift"}, {}},
	}
}

func TestProcessingParse(t *testing.T) {
	today := day("2026-01-10")
	f, errs := goodProcessing().Parse(today)
	if len(errs) != 0 {
		t.Fatalf("a good record is refused: %v", errs)
	}
	// The list's order, the country in upper case, the empty row dropped.
	if strings.Join(f.DataCategories, ",") != "kontaktuppgifter,personnummer" || len(f.SubProcessors) != 1 || f.SubProcessors[0].Country != "US" {
		t.Errorf("parsed %+v", f)
	}
	if got := f.ThirdCountries(); len(got) != 1 || got[0] != "US" {
		t.Errorf("third countries %v", got)
	}
	if show(f.NextOversight()) != "2026-09-15" {
		t.Errorf("next oversight %s", show(f.NextOversight()))
	}
	// The form shown again from the stored values parses to the same.
	if g, errs := f.Input().Parse(today); len(errs) != 0 || g.NextOversight() != f.NextOversight() || len(g.SubProcessors) != 1 {
		t.Errorf("round trip: %+v %v", g, errs)
	}

	for _, c := range []struct {
		name  string
		edit  func(*ProcessingInput)
		field string
		want  string
	}{
		{"third country without basis", func(in *ProcessingInput) { in.SubProcessors[0].Basis = "" }, "sub_1_basis", "US ligger utanför EU/EES"},
		{"basis inside the EEA", func(in *ProcessingInput) { in.SubProcessors[0].Country = "IE" }, "sub_1_basis", "Inom EU/EES behövs ingen grund"},
		{"unknown country", func(in *ProcessingInput) { in.SubProcessors[0].Country = "XX" }, "sub_1_country", "ISO 3166"},
		{"unknown basis", func(in *ProcessingInput) { in.SubProcessors[0].Basis = "handslag" }, "sub_1_basis", "Välj grund"},
		{"sub-processor without a name", func(in *ProcessingInput) { in.SubProcessors[0].Name = " " }, "sub_1_name", "Ange underbiträdets namn"},
		{"sub-processor twice", func(in *ProcessingInput) {
			in.SubProcessors = append(in.SubProcessors, SubProcessorInput{Name: "MOLN INC", Country: "SE"})
		}, "sub_3_name", "redan med i listan"},
		{"markup in a name", func(in *ProcessingInput) { in.SubProcessors[0].Name = "<script>alert(1)</script>" }, "sub_1_name", "< och >"},
		{"signed without date", func(in *ProcessingInput) { in.SignedOn = "" }, "signed_on", "Ange vilket datum"},
		{"unsigned with a date", func(in *ProcessingInput) { in.Signed = "nej" }, "signed_on", "inte är undertecknat"},
		{"signed in the future", func(in *ProcessingInput) { in.SignedOn = "2026-01-11" }, "signed_on", "kan inte vara senare än i dag (2026-01-10)"},
		{"a date that is no date", func(in *ProcessingInput) { in.SignedOn = "2025-02-30" }, "signed_on", "ÅÅÅÅ-MM-DD"},
		{"signed neither yes nor no", func(in *ProcessingInput) { in.Signed = "kanske" }, "signed", "undertecknat"},
		{"oversight in the future", func(in *ProcessingInput) { in.OversightLast = "2027-01-01" }, "oversight_last", "senare än i dag"},
		{"interval zero", func(in *ProcessingInput) { in.OversightInterval = "0" }, "oversight_interval", "1–60 månader"},
		{"interval absurd", func(in *ProcessingInput) { in.OversightInterval = "600" }, "oversight_interval", "1–60 månader"},
		{"interval no number", func(in *ProcessingInput) { in.OversightInterval = "tolv" }, "oversight_interval", "hela månader"},
		{"no method", func(in *ProcessingInput) { in.OversightMethod = "" }, "oversight_method", "Välj hur tillsynen"},
		{"no categories", func(in *ProcessingInput) { in.DataCategories = nil }, "data_categories", "Ange vilka kategorier"},
		{"a category not in the list", func(in *ProcessingInput) { in.DataCategories = []string{"skonummer"} }, "data_categories", "i listan"},
		{"no subjects", func(in *ProcessingInput) { in.SubjectCategories = nil }, "subject_categories", "Ange vilka de registrerade är"},
		{"sensitive without kind", func(in *ProcessingInput) { in.Sensitive = "ja" }, "sensitive_kinds", "Ange vilka slag"},
		{"kind without sensitive", func(in *ProcessingInput) { in.SensitiveKinds = []string{"halsa"} }, "sensitive_kinds", "svarat Nej"},
		{"health is sensitive", func(in *ProcessingInput) { in.DataCategories = append(in.DataCategories, "halsa") }, "sensitive", "art. 9"},
		{"no purpose", func(in *ProcessingInput) { in.Purpose = "  " }, "purpose", "Ange ändamålet"},
		{"overlong purpose", func(in *ProcessingInput) { in.Purpose = strings.Repeat("å", 2001) }, "purpose", "högst 2000 tecken"},
		{"NUL in purpose", func(in *ProcessingInput) { in.Purpose = "a\x00b" }, "purpose", "inte är tillåtna"},
		{"no legal basis", func(in *ProcessingInput) { in.LegalBasis = "" }, "legal_basis", "rättslig grund"},
		{"no processor", func(in *ProcessingInput) { in.ProcessorID = "x" }, "processor_id", "personuppgiftsbiträde"},
		{"secrecy without assessment", func(in *ProcessingInput) { in.Secrecy = "ja" }, "osl_assessment", "inte är olämpligt"},
		{"secrecy without assessor", func(in *ProcessingInput) { in.Secrecy = "ja" }, "osl_assessed_by", "vem som gjorde"},
		{"assessment without secrecy", func(in *ProcessingInput) { in.OSLAssessment = "Bedömt" }, "secrecy", "töm bedömningen"},
		{"assessment in the future", func(in *ProcessingInput) {
			in.Secrecy, in.OSLAssessedBy, in.OSLAssessedOn, in.OSLAssessment = "ja", "Eva Ek", "2026-02-01", "Ok"
		}, "osl_assessed_on", "senare än i dag"},
		{"too many sub-processors", func(in *ProcessingInput) {
			in.SubProcessors = make([]SubProcessorInput, MaxSubProcessors+1)
		}, "sub_1_name", "högst 8"},
	} {
		in := goodProcessing()
		in.SubProcessors = append([]SubProcessorInput(nil), in.SubProcessors...)
		c.edit(&in)
		_, errs := in.Parse(today)
		if !strings.Contains(errs[c.field], c.want) {
			t.Errorf("%s: %s = %q, want %q (all: %v)", c.name, c.field, errs[c.field], c.want, errs)
		}
	}

	// A secret record with its assessment passes.
	in := goodProcessing()
	in.Secrecy, in.OSLAssessedBy, in.OSLAssessedOn, in.OSLAssessment = "ja", "Eva  Ek", "2025-03-01", "Leverantören har sekretessförbindelse."
	if f, errs := in.Parse(today); len(errs) != 0 || f.OSLAssessedBy != "Eva Ek" {
		t.Errorf("a secret record with its assessment: %v %+v", errs, f)
	}
}

func TestNextOversight(t *testing.T) {
	for _, c := range []struct {
		last, signed string
		months       int
		want         string
	}{
		{"2025-01-15", "2024-01-01", 12, "2026-01-15"}, // from the last oversight
		{"", "2024-06-01", 12, "2025-06-01"},           // never overseen: from the signing
		{"", "", 12, "-"},                              // neither known
		{"2025-01-15", "", 0, "-"},                     // no interval
		{"2025-08-31", "", 6, "2026-02-28"},            // no 31 February
		{"2023-08-31", "", 6, "2024-02-29"},            // leap year
		{"2024-02-29", "", 12, "2025-02-28"},
		{"2025-10-31", "", 1, "2025-11-30"},
	} {
		if got := show(NextOversight(day(c.last), day(c.signed), c.months)); got != c.want {
			t.Errorf("last %s signed %s every %d: %s, want %s", c.last, c.signed, c.months, got, c.want)
		}
	}
}

func TestProcessingRights(t *testing.T) {
	it := &Actor{PersonID: 1, Roles: []Role{RoleITUnit}}
	adm := &Actor{PersonID: 2}
	emp := &Actor{PersonID: 3}
	token := &Actor{Token: &TokenGrant{}}
	if !CanEditProcessing(it) || CanEditProcessing(adm) || CanEditProcessing(emp) {
		t.Error("only IT-enheten edits processing records")
	}
	if !CanProposeProcessing(adm, 2) || CanProposeProcessing(emp, 2) || CanProposeProcessing(adm, 0) {
		t.Error("the system's administrator, and only they, propose")
	}
	if !SeesConfidentialProcessing(it, 2, false) || !SeesConfidentialProcessing(adm, 2, false) || !SeesConfidentialProcessing(emp, 2, true) {
		t.Error("IT-enheten, the administrator and the owner's managers see the confidential details")
	}
	if SeesConfidentialProcessing(emp, 2, false) || SeesConfidentialProcessing(token, 0, false) || SeesConfidentialProcessing(nil, 2, true) {
		t.Error("an employee, a token and nobody do not see them")
	}
	if !InEEA("NO") || InEEA("US") || InEEA("GB") || !ValidCountry("GB") || ValidCountry("EU") {
		t.Error("the EU/EEA and the ISO codes")
	}
}
