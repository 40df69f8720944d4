package portal

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// GuardedFact is a fact of a system that the compliance board's checks
// read to decide whether a rule is kept, so that setting it can hide a
// breach: Infört före IT-portalen hides R4's missing introduction case,
// clearing Öppen källkod hides R6. IT-enheten sets them; anyone else who
// may edit the system's facts (its administrator) proposes a change,
// which IT-enheten confirms or rejects.
type GuardedFact string

// The guarded facts. Their names are the system form's field names and
// the audit log's keys.
const (
	FactOpenSource             GuardedFact = "open_source"              // R6
	FactSelfDeveloped          GuardedFact = "self_developed"           // R7
	FactSelfDevelopedRef       GuardedFact = "self_developed_ref"       // R7: the decision the flag rests on
	FactRepresentsMunicipality GuardedFact = "represents_municipality"  // R13
	FactWebAddress             GuardedFact = "web_address"              // R13
	FactIntroducedBeforePortal GuardedFact = "introduced_before_portal" // R4
)

// GuardedFacts are the guarded facts in the system form's order: the one
// list of them.
var GuardedFacts = []GuardedFact{
	FactOpenSource, FactSelfDeveloped, FactSelfDevelopedRef, FactRepresentsMunicipality, FactWebAddress, FactIntroducedBeforePortal,
}

// slot is where g lives in f: a flag or a text (both nil when g is no
// guarded fact).
func (g GuardedFact) slot(f *SystemFacts) (flag *bool, text *string) {
	switch g {
	case FactOpenSource:
		return &f.OpenSource, nil
	case FactSelfDeveloped:
		return &f.SelfDeveloped, nil
	case FactSelfDevelopedRef:
		return nil, &f.SelfDevelopedRef
	case FactRepresentsMunicipality:
		return &f.RepresentsMunicipality, nil
	case FactWebAddress:
		return nil, &f.WebAddress
	case FactIntroducedBeforePortal:
		return &f.IntroducedBeforePortal, nil
	}
	return nil, nil
}

// Valid reports whether g is one of the guarded facts.
func (g GuardedFact) Valid() bool {
	flag, text := g.slot(&SystemFacts{})
	return flag != nil || text != nil
}

// Label is the fact's Swedish name, as the system form labels it.
func (g GuardedFact) Label() string {
	switch g {
	case FactOpenSource:
		return "Öppen källkod"
	case FactSelfDeveloped:
		return "Egenutvecklad applikation"
	case FactSelfDevelopedRef:
		return "Beslut om egenutveckling"
	case FactRepresentsMunicipality:
		return "Webbplats som representerar kommunen"
	case FactWebAddress:
		return "Webbadress"
	case FactIntroducedBeforePortal:
		return "Infört före IT-portalen"
	}
	return string(g)
}

// Value is g's value in f: a bool for a flag, a string for a text.
func (g GuardedFact) Value(f SystemFacts) any {
	flag, text := g.slot(&f)
	switch {
	case flag != nil:
		return *flag
	case text != nil:
		return *text
	}
	return nil
}

// Accepts reports whether v is a value of g: a bool for a flag, a string
// for a text.
func (g GuardedFact) Accepts(v any) bool {
	flag, text := g.slot(&SystemFacts{})
	switch v.(type) {
	case bool:
		return flag != nil
	case string:
		return text != nil
	}
	return false
}

// set stores v as g in f; false when v is not a value of g.
func (g GuardedFact) set(f *SystemFacts, v any) bool {
	flag, text := g.slot(f)
	switch v := v.(type) {
	case bool:
		if flag != nil {
			*flag = v
			return true
		}
	case string:
		if text != nil {
			*text = v
			return true
		}
	}
	return false
}

// FactChange is a guarded fact's value before and after a change.
type FactChange struct {
	Fact   GuardedFact
	Before any // bool or string, as the fact is
	After  any
}

// GuardedChanges lists the guarded facts whose values differ from cur to
// next, in GuardedFacts' order.
func GuardedChanges(cur, next SystemFacts) []FactChange {
	var out []FactChange
	for _, g := range GuardedFacts {
		if b, a := g.Value(cur), g.Value(next); b != a {
			out = append(out, FactChange{Fact: g, Before: b, After: a})
		}
	}
	return out
}

// WithGuardedFrom returns f with from's guarded facts: what is stored at
// once when someone who may not set guarded facts saves f over from.
func (f SystemFacts) WithGuardedFrom(from SystemFacts) SystemFacts {
	for _, g := range GuardedFacts {
		g.set(&f, g.Value(from))
	}
	return f
}

// ApplyChanges returns f with each change's After value; false when a
// change names no guarded fact or holds a value of the wrong type.
func (f SystemFacts) ApplyChanges(changes []FactChange) (SystemFacts, bool) {
	for _, c := range changes {
		if !c.Fact.set(&f, c.After) {
			return f, false
		}
	}
	return f, true
}

// StaleChanges lists the facts whose value in f is no longer the value the
// change would replace: f changed since the change was proposed.
func (f SystemFacts) StaleChanges(changes []FactChange) []GuardedFact {
	var out []GuardedFact
	for _, c := range changes {
		if c.Fact.Value(f) != c.Before {
			out = append(out, c.Fact)
		}
	}
	return out
}

// SameChanges reports whether a and b change the same facts from the same
// values to the same values.
func SameChanges(a, b []FactChange) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// CanSetGuardedFacts reports whether the actor sets a system's guarded
// facts directly: IT-enheten and the IT head. A system's administrator
// proposes a change instead.
func CanSetGuardedFacts(a *Actor) bool { return CanManageRegister(a) }

// CanDecideProposals reports whether the actor confirms or rejects a
// proposed change of guarded facts: those who may set them.
func CanDecideProposals(a *Actor) bool { return CanSetGuardedFacts(a) }

// ProposalState is where a proposal is. Only an open proposal changes,
// and only once: to confirmed, rejected or superseded.
type ProposalState string

// The states of a proposal.
const (
	ProposalOpen       ProposalState = "open"
	ProposalConfirmed  ProposalState = "confirmed"
	ProposalRejected   ProposalState = "rejected"
	ProposalSuperseded ProposalState = "superseded" // a newer proposal for the system replaced it
)

// Label is the state's Swedish name.
func (s ProposalState) Label() string {
	switch s {
	case ProposalOpen:
		return "Väntar på IT-enheten"
	case ProposalConfirmed:
		return "Bekräftat"
	case ProposalRejected:
		return "Avslaget"
	case ProposalSuperseded:
		return "Ersatt av ett nyare förslag"
	}
	return string(s)
}

// MaxProposalNote is the longest note IT-enheten may give with a decision.
const MaxProposalNote = 2000

// CleanProposalNote trims IT-enheten's note on a decision and checks it;
// the messages are per field ("note").
func CleanProposalNote(note string) (string, map[string]string) {
	note = strings.TrimSpace(note)
	switch {
	case !utf8.ValidString(note) || strings.ContainsRune(note, 0):
		return note, map[string]string{"note": "Texten innehåller tecken som inte är tillåtna."}
	case utf8.RuneCountInString(note) > MaxProposalNote:
		return note, map[string]string{"note": "Anteckningen får vara högst " + strconv.Itoa(MaxProposalNote) + " tecken."}
	}
	return note, nil
}
