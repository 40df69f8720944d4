package portal

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// A stand-in period (ersättarperiod) is a time, from one date to another
// (both included), when the IT head's ersättare acts for the IT head:
// during it the deputy decides every case the IT head decides
// (KindsDecidedBy), except those they submitted themselves. The IT head or
// an administrator sets it; periods are history and never change: ending
// one early is recorded beside it.

// MaxStandInDays is the longest stand-in period, in days: longer is a
// typing error, or a delegation that belongs in the delegation order.
const MaxStandInDays = 366

// MaxStandInNote is the longest note of a period, in characters.
const MaxStandInNote = 500

// ActingAsDeputy is the capacity a decision records when the decider's
// right came from being the IT head's ersättare.
const ActingAsDeputy = "it_head_deputy"

// ActingAsLabel is how a decision's capacity reads after the decider's name.
func ActingAsLabel(actingAs string) string {
	if actingAs == ActingAsDeputy {
		return "som ersättare för chefen för IT-enheten"
	}
	return ""
}

// CanSetStandIn reports whether the actor sets and ends stand-in periods:
// the IT head and administrators.
func CanSetStandIn(a *Actor) bool { return a.HasAny(RoleITHead, RoleAdmin) }

// StandsInForITHead reports whether the actor acts for the IT head today:
// an ersättare whose stand-in period covers today. Actor.StandsIn is read
// with the actor; a decision reads the period anew in its transaction.
func StandsInForITHead(a *Actor) bool { return a != nil && a.StandsIn && a.Has(RoleITHeadDeputy) }

// DecidesAsDeputy reports whether the actor's right to decide a case of
// kind comes from being the IT head's ersättare (a stand-in period, or the
// IT head's own case): without the deputy's role CanDecide would refuse.
// The decision then records it.
func DecidesAsDeputy(a *Actor, kind RequestKind, authorID int64, authorIsITHead bool) bool {
	if a == nil || !a.Has(RoleITHeadDeputy) || CanDecide(a, kind, authorID, authorIsITHead) != nil {
		return false
	}
	without := *a
	without.StandsIn = false
	without.Roles = slices.DeleteFunc(slices.Clone(a.Roles), func(r Role) bool { return r == RoleITHeadDeputy })
	return CanDecide(&without, kind, authorID, authorIsITHead) != nil
}

// CheckStandIn checks a new stand-in period from from to to (both
// included) for deputy, set on today: the deputy is named, both dates are
// given, the period starts today or later, ends on or after its start and
// is at most MaxStandInDays long. It returns the note trimmed and the
// fields' Swedish messages (none when the period may be set).
func CheckStandIn(deputyID int64, from, to *time.Time, note string, today time.Time) (string, map[string]string) {
	errs := map[string]string{}
	note = strings.TrimSpace(note)
	if deputyID <= 0 {
		errs["deputy"] = "Välj vem som är ersättare."
	}
	switch {
	case from == nil:
		errs["from"] = "Ange första dagen, som ÅÅÅÅ-MM-DD."
	case from.Before(today):
		errs["from"] = "Perioden kan inte börja före i dag (" + today.Format(time.DateOnly) + "). Ett beslut som redan är fattat får ingen ersättare i efterhand."
	}
	switch {
	case to == nil:
		errs["to"] = "Ange sista dagen, som ÅÅÅÅ-MM-DD."
	case from != nil && to.Before(*from):
		errs["to"] = "Sista dagen kan inte vara före den första."
	case from != nil && to.Sub(*from) >= MaxStandInDays*24*time.Hour:
		errs["to"] = "En ersättarperiod är högst ett år."
	}
	switch {
	case strings.ContainsRune(note, 0):
		errs["note"] = "Texten innehåller otillåtna tecken."
	case utf8.RuneCountInString(note) > MaxStandInNote:
		errs["note"] = "Högst 500 tecken."
	}
	return note, errs
}

// StandInOverlap is the message for a new period that overlaps one already
// set (from and to are that period's first and last days): one ersättare
// stands in at a time.
func StandInOverlap(deputy string, from, to time.Time) string {
	return "Perioden överlappar en ersättarperiod som redan är satt: " + deputy + " " + from.Format(time.DateOnly) + "–" + to.Format(time.DateOnly) +
		". Avsluta den först, eller välj andra datum."
}

// EndOfStandIn is the new last day of a period (from–to) ended early on
// today: the stand-in stops at once, so yesterday, or the day before it
// starts when it has not begun. A period already over cannot be ended.
func EndOfStandIn(from, to, today time.Time) (time.Time, error) {
	if to.Before(today) {
		return time.Time{}, Conflict("Perioden är redan slut.")
	}
	last := today.AddDate(0, 0, -1)
	if last.Before(from) {
		last = from.AddDate(0, 0, -1)
	}
	return last, nil
}
