package portal

import (
	"strings"
	"testing"
	"time"
)

func pday(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// TestPlatformComponentValidation: a phase-out needs its end date, only a
// phase-out has one, hostile and overlong text is refused, and the
// category and status must be known; each with a Swedish message on its
// field.
func TestPlatformComponentValidation(t *testing.T) {
	ok := PlatformComponentFields{Category: CategoryOS, Name: "  Windows   Server ", Version: "2022", Status: PlatformStandard}
	for _, c := range []struct {
		what  string
		edit  func(*PlatformComponentFields)
		field string
		says  string
	}{
		{"fine", func(*PlatformComponentFields) {}, "", ""},
		{"phase-out with end date", func(f *PlatformComponentFields) { f.Status, f.EndsOn = PlatformPhasingOut, pday("2027-06-30") }, "", ""},
		{"phase-out without end date", func(f *PlatformComponentFields) { f.Status = PlatformPhasingOut }, "ends_on", "Ange slutdatum för avvecklingen"},
		{"end date on a standard", func(f *PlatformComponentFields) { f.EndsOn = pday("2027-06-30") }, "ends_on", "Bara en komponent under avveckling"},
		{"end date out of range", func(f *PlatformComponentFields) { f.Status, f.EndsOn = PlatformPhasingOut, pday("1999-12-31") }, "ends_on", "mellan år 2000 och 2100"},
		{"no name", func(f *PlatformComponentFields) { f.Name = "   " }, "name", "Ange komponentens namn"},
		{"control characters", func(f *PlatformComponentFields) { f.Name = "Windows\x1b[2J" }, "name", "inte är tillåtna"},
		{"too long", func(f *PlatformComponentFields) { f.Version = strings.Repeat("9", 101) }, "version", "högst 100 tecken"},
		{"unknown category", func(f *PlatformComponentFields) { f.Category = "stordator" }, "category", "Välj vilken sorts plattform"},
		{"unknown status", func(f *PlatformComponentFields) { f.Status = "kanske" }, "status", "Välj komponentens status"},
	} {
		f := ok
		c.edit(&f)
		errs := f.Validate()
		if c.field == "" {
			if len(errs) > 0 {
				t.Errorf("%s: refused: %v", c.what, errs)
			}
			continue
		}
		if !strings.Contains(errs[c.field], c.says) {
			t.Errorf("%s: %s = %q, want %q", c.what, c.field, errs[c.field], c.says)
		}
	}
	f := ok
	f.Validate()
	if f.Name != "Windows Server" || f.Display() != "Windows Server 2022" {
		t.Errorf("name not tidied: %q, %q", f.Name, f.Display())
	}
	// Markup is text: kept as typed, escaped where shown.
	f.Name = "<script>alert(1)</script>"
	if errs := f.Validate(); len(errs) != 0 {
		t.Errorf("markup refused: %v", errs)
	}
}

// TestPlatformDecisionNeedsFinancing: "Finansiering måste finnas innan
// beslut fattas" (4.5); a decision is dated, not in the future.
func TestPlatformDecisionNeedsFinancing(t *testing.T) {
	d := PlatformDecision{DecidedOn: Today(), Reference: "IT 2026/0001"}
	if errs := d.Validate(); !strings.Contains(errs["financing_reference"], "Finansiering måste finnas innan beslut fattas") {
		t.Errorf("no financing: %v", errs)
	}
	d.FinancingReference = "KS 2026/12"
	if errs := d.Validate(); len(errs) != 0 {
		t.Errorf("refused: %v", errs)
	}
	d.DecidedOn = Today().AddDate(0, 0, 1)
	if errs := d.Validate(); !strings.Contains(errs["decided_on"], "framtiden") {
		t.Errorf("future decision: %v", errs)
	}
}

// TestJudgeAgainstTheCatalogue: what a case's need of a component means.
func TestJudgeAgainstTheCatalogue(t *testing.T) {
	today := *pday("2026-12-02")
	for _, c := range []struct {
		status    PlatformStatus
		ends      *time.Time
		label     string
		exception bool
		passed    bool
	}{
		{PlatformStandard, nil, "Standard", false, false},
		{PlatformException, nil, "Kräver undantag", true, false},
		{PlatformPhasingOut, pday("2027-06-30"), "Under avveckling till 2027-06-30", true, false},
		{PlatformPhasingOut, pday("2026-12-02"), "Under avveckling till 2026-12-02", true, false},
		{PlatformPhasingOut, pday("2026-12-01"), "Avvecklingen passerade sitt slutdatum 2026-12-01", true, true},
		{PlatformForbidden, nil, "Ej tillåten", true, true},
	} {
		v := Judge(c.status, c.ends, today)
		if v.Label != c.label || v.NeedsException != c.exception || v.Passed != c.passed {
			t.Errorf("%s %v: %+v", c.status, c.ends, v)
		}
	}
}

// TestCheckExceptions: a grant of a case that needs a non-standard
// component is refused unless an exception with a reason is decided for
// each one; standard components need none.
func TestCheckExceptions(t *testing.T) {
	needs := []PlatformNeed{
		{ComponentID: 1, Display: "PostgreSQL 15", Status: PlatformStandard},
		{ComponentID: 2, Display: "Oracle Database 19c", Status: PlatformException},
		{ComponentID: 3, Display: "Windows Server 2012 R2", Status: PlatformPhasingOut, EndsOn: pday("2025-10-10")},
	}
	if _, err := CheckExceptions(needs, nil); KindOf(err) != KindConflict || !strings.Contains(MessageOf(err), "Oracle Database 19c, Windows Server 2012 R2") {
		t.Errorf("no exceptions: %v", err)
	}
	if _, err := CheckExceptions(needs, map[int64]string{2: "Leverantören stöder bara Oracle", 3: "  "}); KindOf(err) != KindConflict ||
		strings.Contains(MessageOf(err), "Oracle") || !strings.Contains(MessageOf(err), "Windows Server 2012 R2") {
		t.Errorf("one exception: %v", err)
	}
	if _, err := CheckExceptions(needs, map[int64]string{2: "Skäl\x00", 3: "Skäl"}); KindOf(err) != KindInvalid {
		t.Errorf("hostile reason: %v", err)
	}
	kept, err := CheckExceptions(needs, map[int64]string{2: " Leverantören stöder bara Oracle ", 3: "Flyttas 2027", 1: "onödigt"})
	if err != nil || len(kept) != 2 || kept[2] != "Leverantören stöder bara Oracle" {
		t.Errorf("both exceptions: %v %v", kept, err)
	}
	if kept, err := CheckExceptions(needs[:1], nil); err != nil || len(kept) != 0 {
		t.Errorf("standard only: %v %v", kept, err)
	}
}

// TestPlatformDecisionKind: the new kind is the IT head's, needs
// financing, and its form asks for an end date only for a phase-out.
func TestPlatformDecisionKind(t *testing.T) {
	k := KindPlatformDecision
	if !k.Valid() || k.Label() != "Plattformsbeslut" || !k.DecidedByITHead() || !k.NeedsFinancing() || k.NeedsSystem() {
		t.Fatalf("kind: %v %q %v %v", k.Valid(), k.Label(), k.DecidedByITHead(), k.NeedsFinancing())
	}
	unit := &Actor{PersonID: 1, Roles: []Role{RoleITUnit}}
	head := &Actor{PersonID: 2, Roles: []Role{RoleITHead}}
	if err := CanDecide(unit, k, 9, false); KindOf(err) != KindForbidden {
		t.Errorf("IT-enheten decides a platform decision: %v", err)
	}
	if err := CanDecide(head, k, 9, false); err != nil {
		t.Errorf("the IT head may not decide: %v", err)
	}
	if _, _, err := CheckDecision(k, StateInProgress, ActionGrant, "Beslutat", RequestFields{}); KindOf(err) != KindConflict {
		t.Errorf("granted without financing: %v", err)
	}
	f := RequestFields{Title: "Avveckla Windows Server 2012 R2", DepartmentID: 1, Contact: "Kim", Description: "x", FinancingSource: "IT-enhetens budget",
		Details: RequestDetails{PlatformChange: PlatformChangeStatus, PlatformName: "Windows Server", PlatformVersion: "2012 R2", PlatformStatus: string(PlatformPhasingOut)}}
	if errs := f.Validate(k, true); !strings.Contains(errs["platform_end_date"], "Ange slutdatum") || errs["platform_category"] != "" {
		t.Errorf("phase-out without end date: %v", errs)
	}
	f.Details.PlatformEndDate = pday("2027-06-30")
	if errs := f.Validate(k, true); len(errs) != 0 {
		t.Errorf("complete: %v", errs)
	}
	f.Details.PlatformChange = PlatformChangeAdd
	if errs := f.Validate(k, true); errs["platform_category"] == "" {
		t.Errorf("a new component without category: %v", errs)
	}
}

// TestPlatformComponentsField: an introduction names components from the
// catalogue as checkboxes; what is posted is kept as ids, and anything
// else gets a message.
func TestPlatformComponentsField(t *testing.T) {
	f, _, errs := ParseRequestForm(KindIntroduction, map[string][]string{"platform_components": {"3", "7", "3"}})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	f.Validate(KindIntroduction, false)
	if f.Details.PlatformComponents != "3,7" {
		t.Errorf("components %q", f.Details.PlatformComponents)
	}
	f.Details.PlatformComponents = "3,<script>"
	if errs := f.Validate(KindIntroduction, false); errs["platform_components"] != "Välj komponenterna i listan." {
		t.Errorf("hostile: %v", errs)
	}
	if _, ok := FieldOf(KindUpgrade, "platform_components"); !ok {
		t.Error("an upgrade does not name its components")
	}
}
