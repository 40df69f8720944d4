package portal

import (
	"strings"
	"time"
)

// Mailboxes someone watches (§8, §9): e-mail that reaches the municipality
// is an incoming public record, so every functional or shared mailbox has
// people who watch it (bevakare) and their deputies (ersättare), each for
// a period from one day to another like the system roles. Periods are
// history: they are never removed, only ended, and the audit log keeps who
// did what.

// The kinds of mailbox.
const (
	MailboxFunctional = "funktionsbrevlada" // kommun@, bygglov@: the organisation's address
	MailboxShared     = "delad"             // shared by a group of staff
)

// MailboxKinds are the kinds in form order, with their Swedish names.
var MailboxKinds = []Choice{{MailboxFunctional, "Funktionsbrevlåda"}, {MailboxShared, "Delad brevlåda"}}

// The roles of a watcher period.
const (
	WatcherMain   = "bevakare"  // watches the mailbox
	WatcherDeputy = "ersattare" // watches it when the bevakare cannot
)

// WatcherRoles are the roles in form order, with their Swedish names.
var WatcherRoles = []Choice{{WatcherMain, "Bevakare"}, {WatcherDeputy, "Ersättare"}}

// Lengths of a mailbox's texts, in characters.
const (
	MaxMailboxPurpose = 2000
	MaxWatcherReason  = 2000
)

// MailboxFields are what the form says about a mailbox.
type MailboxFields struct {
	Address      string
	Kind         string
	DepartmentID int64
	Purpose      string
	// ClosedOn is the first day the mailbox is no longer in use (nil: in
	// use): from then it needs no watcher.
	ClosedOn *time.Time
}

// Validate trims the fields, writes the address in lower case and returns
// the fields' Swedish messages (none when the mailbox may be saved).
func (f *MailboxFields) Validate() map[string]string {
	errs := map[string]string{}
	f.Address = strings.ToLower(strings.TrimSpace(f.Address))
	f.Purpose = strings.TrimSpace(f.Purpose)
	switch {
	case f.Address == "":
		errs["address"] = "Ange brevlådans e-postadress, till exempel bygglov@lillaedet.se."
	case checkText(f.Address, 254, false) != "" || !ValidEmail(f.Address):
		errs["address"] = "Ange en giltig e-postadress, till exempel bygglov@lillaedet.se."
	}
	if LabelOf(MailboxKinds, f.Kind) == f.Kind {
		errs["kind"] = "Välj om det är en funktionsbrevlåda eller en delad brevlåda."
	}
	if f.DepartmentID <= 0 {
		errs["department"] = "Välj vilken förvaltning brevlådan hör till."
	}
	if f.Purpose == "" {
		errs["purpose"] = "Beskriv vad brevlådan används till."
	} else if msg := checkText(f.Purpose, MaxMailboxPurpose, true); msg != "" {
		errs["purpose"] = msg
	}
	if f.ClosedOn != nil && (f.ClosedOn.Year() < 1990 || f.ClosedOn.Year() > 2100) {
		errs["closed_on"] = "Ange ett datum mellan 1990 och 2100."
	}
	return errs
}

// WatcherInput is a new watcher period as the form gives it: the person
// (by e-mail address), the role, the first day and, when known, the last.
type WatcherInput struct {
	Email  string
	Role   string
	From   *time.Time
	To     *time.Time // nil: until further notice
	Reason string
}

// Check trims the input and returns the fields' Swedish messages.
func (w *WatcherInput) Check() map[string]string {
	errs := map[string]string{}
	w.Email = strings.ToLower(strings.TrimSpace(w.Email))
	w.Reason = strings.TrimSpace(w.Reason)
	switch {
	case w.Email == "":
		errs["email"] = "Ange e-postadressen till den som ska bevaka brevlådan."
	case !ValidEmail(w.Email):
		errs["email"] = "Ange en giltig e-postadress, till exempel anna.andersson@lillaedet.se."
	}
	if LabelOf(WatcherRoles, w.Role) == w.Role {
		errs["role"] = "Välj om personen är bevakare eller ersättare."
	}
	switch {
	case w.From == nil:
		errs["from"] = "Ange första dagen, som ÅÅÅÅ-MM-DD."
	case w.From.Year() < 1990 || w.From.Year() > 2100:
		errs["from"] = "Ange ett datum mellan 1990 och 2100."
	}
	switch {
	case w.To == nil:
	case w.To.Year() < 1990 || w.To.Year() > 2100:
		errs["to"] = "Ange ett datum mellan 1990 och 2100."
	case w.From != nil && w.To.Before(*w.From):
		errs["to"] = "Sista dagen kan inte vara före den första."
	}
	if msg := checkText(w.Reason, MaxWatcherReason, true); msg != "" {
		errs["reason"] = msg
	}
	return errs
}

// WatcherOverlap is the message for a period that overlaps one the person
// already has on the mailbox (from and to, to "" when open).
func WatcherOverlap(person string, from time.Time, to *time.Time) string {
	until := "tills vidare"
	if to != nil {
		until = "till och med " + to.Format(time.DateOnly)
	}
	return person + " har redan en period för brevlådan från " + from.Format(time.DateOnly) + " " + until +
		". Avsluta den först, eller välj andra datum."
}

// CheckWatchEnd checks the new last day of a period (from, to as stored;
// to nil when open): on or after its first day (a period covers at least
// one day: it is history, never removed) and before its present end.
func CheckWatchEnd(from time.Time, to *time.Time, last *time.Time) string {
	switch {
	case last == nil:
		return "Ange sista dagen, som ÅÅÅÅ-MM-DD."
	case last.Before(from):
		return "Sista dagen kan inte vara före periodens första dag (" + from.Format(time.DateOnly) + ")."
	case to != nil && !last.Before(*to):
		return "Perioden slutar redan " + to.Format(time.DateOnly) + ": välj en tidigare dag."
	}
	return ""
}

// CanManageMailboxes reports whether the actor keeps every department's
// mailboxes: IT-enheten and its head.
func CanManageMailboxes(a *Actor) bool { return a.HasAny(RoleITUnit, RoleITHead) }

// CanEditMailbox says whether the actor may register or change a mailbox
// of department: IT-enheten for every department, a manager (someone with
// staff) for their own department. manages and own are read in the
// change's transaction: whether the actor has active staff, and the
// actor's department there.
func CanEditMailbox(a *Actor, department int64, manages bool, own int64) error {
	switch {
	case a == nil || a.PersonID == 0:
		return Forbidden("Logga in.")
	case CanManageMailboxes(a):
		return nil
	case manages && own != 0 && own == department:
		return nil
	case manages:
		return Forbidden("Du kan bara ändra brevlådor som hör till din egen förvaltning.")
	}
	return Forbidden("Bara IT-enheten och förvaltningens chefer ändrar brevlådor.")
}

// MailboxState is what the list and the page say about who watches a
// mailbox today.
func MailboxState(closed bool, watchers, deputies int) (label string, breach bool) {
	switch {
	case closed:
		return "Stängd", false
	case watchers == 0 && deputies > 0:
		return "Ingen bevakare, bara ersättare", true
	case watchers == 0:
		return "Ingen bevakare", true
	case deputies == 0:
		return "Bevakas, ingen ersättare", false
	}
	return "Bevakas", false
}
