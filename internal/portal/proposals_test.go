package portal

import (
	"reflect"
	"strings"
	"testing"
)

// TestGuardedFactsAreTheComplianceFlags: exactly the facts the compliance
// checks read to decide a rule are guarded, each found where it lives in
// SystemFacts, and no other fact is.
func TestGuardedFactsAreTheComplianceFlags(t *testing.T) {
	guarded := map[string]GuardedFact{
		"OpenSource": FactOpenSource, "SelfDeveloped": FactSelfDeveloped, "SelfDevelopedRef": FactSelfDevelopedRef,
		"RepresentsMunicipality": FactRepresentsMunicipality, "WebAddress": FactWebAddress, "IntroducedBeforePortal": FactIntroducedBeforePortal,
	}
	if len(GuardedFacts) != len(guarded) {
		t.Fatalf("%d guarded facts, want %d", len(GuardedFacts), len(guarded))
	}
	base := SystemFacts{Name: "Treserva", Lifecycle: "i_drift", Category: CategoryDepartmental, Hosting: HostingSaaS, PersonalData: PersonalDataNone}
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		field := typ.Field(i)
		changed := base
		v := reflect.ValueOf(&changed).Elem().Field(i)
		switch v.Kind() {
		case reflect.Bool:
			v.SetBool(!v.Bool())
		case reflect.String:
			v.SetString(v.String() + "x")
		default:
			t.Fatalf("field %s of an unexpected kind %s", field.Name, v.Kind())
		}
		got := GuardedChanges(base, changed)
		want, isGuarded := guarded[field.Name]
		switch {
		case isGuarded && (len(got) != 1 || got[0].Fact != want):
			t.Errorf("a change of %s: %v, want one change of %s", field.Name, got, want)
		case !isGuarded && len(got) != 0:
			t.Errorf("a change of %s counts as a guarded change: %v", field.Name, got)
		}
		if isGuarded && len(got) == 1 {
			if got[0].Before != want.Value(base) || got[0].After != want.Value(changed) || !want.Accepts(got[0].After) {
				t.Errorf("%s: change %v does not hold the values", field.Name, got[0])
			}
		}
	}
	for _, g := range GuardedFacts {
		if !g.Valid() || g.Label() == string(g) || g.Label() == "" {
			t.Errorf("%s: valid %v, label %q", g, g.Valid(), g.Label())
		}
	}
	for _, name := range []string{"notes", "lifecycle", "", "open_source "} {
		if GuardedFact(name).Valid() {
			t.Errorf("%q is taken for a guarded fact", name)
		}
	}
	if FactOpenSource.Accepts("true") || FactWebAddress.Accepts(true) || FactOpenSource.Accepts(nil) || FactOpenSource.Accepts(1.0) {
		t.Error("a value of the wrong type is accepted")
	}
}

// TestAdministratorsSaveKeepsGuardedFacts: what a save stores at once for
// someone who may not set guarded facts is their ordinary changes over
// the guarded facts as they were; the guarded changes are what they
// propose, and applying them later gives what they typed.
func TestAdministratorsSaveKeepsGuardedFacts(t *testing.T) {
	cur := SystemFacts{Name: "Treserva", Notes: "Gammal", WebAddress: "https://www.lillaedet.se/a", Lifecycle: "i_drift"}
	typed := cur
	typed.Notes = "Ny anteckning"
	typed.IntroducedBeforePortal = true
	typed.WebAddress = "https://www.lillaedet.se/b"

	direct := typed.WithGuardedFrom(cur)
	if direct.Notes != "Ny anteckning" || direct.IntroducedBeforePortal || direct.WebAddress != cur.WebAddress {
		t.Fatalf("stored at once: %+v", direct)
	}
	proposed := GuardedChanges(cur, typed)
	want := []FactChange{
		{Fact: FactWebAddress, Before: "https://www.lillaedet.se/a", After: "https://www.lillaedet.se/b"},
		{Fact: FactIntroducedBeforePortal, Before: false, After: true},
	}
	if !SameChanges(proposed, want) {
		t.Fatalf("proposed %v, want %v", proposed, want)
	}
	if stale := direct.StaleChanges(proposed); len(stale) != 0 {
		t.Errorf("a proposal made just now is stale: %v", stale)
	}
	confirmed, ok := direct.ApplyChanges(proposed)
	if !ok || confirmed != typed {
		t.Errorf("confirmed: %+v (ok %v), want %+v", confirmed, ok, typed)
	}

	// Someone else changed the website meanwhile: stale on that fact alone.
	moved := direct
	moved.WebAddress = "https://www.lillaedet.se/c"
	if stale := moved.StaleChanges(proposed); len(stale) != 1 || stale[0] != FactWebAddress {
		t.Errorf("stale after the website moved: %v", stale)
	}
	// A change of another guarded fact leaves the proposal as it was.
	other := direct
	other.OpenSource = true
	if stale := other.StaleChanges(proposed); len(stale) != 0 {
		t.Errorf("stale after an unrelated change: %v", stale)
	}
	if _, ok := direct.ApplyChanges([]FactChange{{Fact: FactOpenSource, After: "ja"}}); ok {
		t.Error("a text applied to a flag")
	}
	if _, ok := direct.ApplyChanges([]FactChange{{Fact: "notes", After: "x"}}); ok {
		t.Error("a change of an unguarded fact applied")
	}
	if SameChanges(proposed, proposed[:1]) || SameChanges(proposed, []FactChange{want[1], want[0]}) {
		t.Error("different changes are the same")
	}
}

func TestWhoSetsGuardedFacts(t *testing.T) {
	for _, c := range []struct {
		who  string
		a    *Actor
		want bool
	}{
		{"IT-enheten", &Actor{PersonID: 1, Roles: []Role{RoleITUnit}}, true},
		{"the IT head", &Actor{PersonID: 1, Roles: []Role{RoleITHead}}, true},
		{"an administrator of the portal", &Actor{PersonID: 1, Roles: []Role{RoleAdmin}}, false},
		{"an employee (a system's administrator)", &Actor{PersonID: 1}, false},
		{"nobody", nil, false},
	} {
		if got := CanSetGuardedFacts(c.a); got != c.want {
			t.Errorf("%s sets guarded facts: %v, want %v", c.who, got, c.want)
		}
		if got := CanDecideProposals(c.a); got != c.want {
			t.Errorf("%s decides proposals: %v, want %v", c.who, got, c.want)
		}
	}
	// The administrator still edits the system's facts: their guarded
	// changes are proposals, not refusals.
	if !CanEditFacts(&Actor{PersonID: 7}, 7) || CanEditFacts(&Actor{PersonID: 8}, 7) {
		t.Error("CanEditFacts no longer lets the administrator (only) edit")
	}
}

func TestCleanProposalNote(t *testing.T) {
	if note, errs := CleanProposalNote("  Stämmer inte, se ärende 2024-17  "); errs != nil || note != "Stämmer inte, se ärende 2024-17" {
		t.Errorf("an ordinary note: %q %v", note, errs)
	}
	if _, errs := CleanProposalNote(""); errs != nil {
		t.Errorf("the note is optional: %v", errs)
	}
	for _, bad := range []string{strings.Repeat("å", MaxProposalNote+1), "a\x00b", "\xff"} {
		if _, errs := CleanProposalNote(bad); errs["note"] == "" {
			t.Errorf("%.20q accepted", bad)
		}
	}
	for s, want := range map[ProposalState]string{ProposalOpen: "Väntar på IT-enheten", ProposalConfirmed: "Bekräftat", ProposalRejected: "Avslaget", ProposalSuperseded: "Ersatt av ett nyare förslag"} {
		if s.Label() != want {
			t.Errorf("%s: %q", s, s.Label())
		}
	}
}
