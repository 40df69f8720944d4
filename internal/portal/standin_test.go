package portal

import (
	"slices"
	"testing"
	"time"
)

// TestStandingInDecidesWhatTheHeadDecides: an ersättare with a stand-in
// period decides every kind the IT head decides, never their own case;
// without the period only the IT head's own cases; the capacity is
// recorded only when the deputy's role is what allows the decision.
func TestStandingInDecidesWhatTheHeadDecides(t *testing.T) {
	head := &Actor{PersonID: 2, Roles: []Role{RoleITHead, RoleITUnit}}
	deputy := &Actor{PersonID: 3, Roles: []Role{RoleITHeadDeputy, RoleITUnit}}
	standing := &Actor{PersonID: 3, Roles: []Role{RoleITHeadDeputy, RoleITUnit}, StandsIn: true}
	onlyDeputy := &Actor{PersonID: 4, Roles: []Role{RoleITHeadDeputy}, StandsIn: true}
	unitStandsIn := &Actor{PersonID: 5, Roles: []Role{RoleITUnit}, StandsIn: true} // no deputy role: the flag alone gives nothing
	const other = 99
	for _, c := range []struct {
		name       string
		actor      *Actor
		kind       RequestKind
		author     int64
		authorHead bool
		ok, as     bool
	}{
		{"outside a period", deputy, KindOpenSource, other, false, false, false},
		{"the head's own case outside a period", deputy, KindOpenSource, head.PersonID, true, true, true},
		{"inside a period", standing, KindOpenSource, other, false, true, true},
		{"network access inside a period", standing, KindNetworkAccess, other, false, true, true},
		{"an introduction in IT-enheten's own right", standing, KindIntroduction, other, false, true, false},
		{"an introduction as the head", onlyDeputy, KindIntroduction, other, false, true, true},
		{"own case inside a period", standing, KindOpenSource, standing.PersonID, false, false, false},
		{"no deputy role", unitStandsIn, KindOpenSource, other, false, false, false},
		{"the head", head, KindOpenSource, other, false, true, false},
	} {
		err := CanDecide(c.actor, c.kind, c.author, c.authorHead)
		if (err == nil) != c.ok {
			t.Errorf("%s: CanDecide %v", c.name, err)
		}
		if got := DecidesAsDeputy(c.actor, c.kind, c.author, c.authorHead); got != c.as {
			t.Errorf("%s: decides as deputy %v, want %v", c.name, got, c.as)
		}
	}
	if msg := MessageOf(CanDecide(deputy, KindOpenSource, other, false)); msg != "Bara chefen för IT-enheten beslutar i ärenden om öppen källkod. "+
		"Som ersättare beslutar du i chefens egna ärenden, och i andras bara under en ersättarperiod." {
		t.Errorf("refusal outside a period: %q", msg)
	}
	// What waits for the deputy standing in is what the head decides.
	kinds, _ := KindsDecidedBy(standing)
	headKinds, _ := KindsDecidedBy(head)
	if !slices.Equal(kinds, headKinds) {
		t.Errorf("standing in decides %v, the head %v", kinds, headKinds)
	}
	if kinds, ofHead := KindsDecidedBy(deputy); slices.Contains(kinds, string(KindOpenSource)) || !slices.Contains(ofHead, string(KindOpenSource)) {
		t.Errorf("outside a period: %v, of the head %v", kinds, ofHead)
	}
	if !CanSetStandIn(head) || !CanSetStandIn(&Actor{Roles: []Role{RoleAdmin}}) || CanSetStandIn(standing) || CanSetStandIn(&Actor{Roles: []Role{RoleITUnit}}) {
		t.Error("only the IT head and administrators set stand-in periods")
	}
	if ActingAsLabel(ActingAsDeputy) != "som ersättare för chefen för IT-enheten" || ActingAsLabel("") != "" {
		t.Error("capacity label")
	}
}

// TestStandInPeriodChecks: a period starts today or later, ends on or
// after its start, lasts at most a year and names the deputy; the
// messages are Swedish and name the field. Ending early stops it today.
func TestStandInPeriodChecks(t *testing.T) {
	today := time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
	day := func(offset int) *time.Time { d := today.AddDate(0, 0, offset); return &d }
	for _, c := range []struct {
		name     string
		deputy   int64
		from, to *time.Time
		note     string
		field    string
		msg      string
	}{
		{"yesterday", 1, day(-1), day(3), "", "from", "Perioden kan inte börja före i dag (2026-06-10). Ett beslut som redan är fattat får ingen ersättare i efterhand."},
		{"backwards", 1, day(5), day(4), "", "to", "Sista dagen kan inte vara före den första."},
		{"too long", 1, day(0), day(MaxStandInDays), "", "to", "En ersättarperiod är högst ett år."},
		{"no deputy", 0, day(0), day(1), "", "deputy", "Välj vem som är ersättare."},
		{"no start", 1, nil, day(1), "", "from", "Ange första dagen, som ÅÅÅÅ-MM-DD."},
		{"no end", 1, day(0), nil, "", "to", "Ange sista dagen, som ÅÅÅÅ-MM-DD."},
		{"a NUL", 1, day(0), day(1), "semester\x00", "note", "Texten innehåller otillåtna tecken."},
	} {
		_, errs := CheckStandIn(c.deputy, c.from, c.to, c.note, today)
		if errs[c.field] != c.msg {
			t.Errorf("%s: %v", c.name, errs)
		}
	}
	note, errs := CheckStandIn(1, day(0), day(MaxStandInDays-1), "  Semester  ", today)
	if len(errs) != 0 || note != "Semester" {
		t.Errorf("a period of today and a year: %v %q", errs, note)
	}
	if _, errs := CheckStandIn(1, day(0), day(0), "", today); len(errs) != 0 {
		t.Errorf("one day: %v", errs)
	}

	// Ending early: yesterday is the last day; a period not begun is called off.
	if last, err := EndOfStandIn(*day(-5), *day(5), today); err != nil || !last.Equal(*day(-1)) {
		t.Errorf("ending a running period: %v %v", last, err)
	}
	if last, err := EndOfStandIn(*day(3), *day(5), today); err != nil || !last.Equal(*day(2)) {
		t.Errorf("calling off a coming period: %v %v", last, err)
	}
	if _, err := EndOfStandIn(*day(-5), *day(-1), today); MessageOf(err) != "Perioden är redan slut." || KindOf(err) != KindConflict {
		t.Errorf("ending a past period: %v", err)
	}
	if msg := StandInOverlap("Eva Holm", *day(1), *day(7)); msg != "Perioden överlappar en ersättarperiod som redan är satt: Eva Holm 2026-06-11–2026-06-17. Avsluta den först, eller välj andra datum." {
		t.Errorf("overlap: %q", msg)
	}
}
