package portal

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// HandlingDays is how many calendar days IT-enheten has to handle a case
// of each kind, counted from the day it was submitted
// (ITPORTAL_HANDLING_DAYS). A case still open after its due date is
// overdue in the work queue.
type HandlingDays map[RequestKind]int

// DefaultHandlingDays are the handling times when none are configured.
func DefaultHandlingDays() HandlingDays {
	return HandlingDays{KindIntroduction: 30, KindUpgrade: 20, KindOpenSource: 30, KindSelfDeveloped: 30, KindNetworkAccess: 20, KindOperationsChange: 10, KindPlatformDecision: 30}
}

// MaxHandlingDays bounds a configured handling time.
const MaxHandlingDays = 365

// ParseHandlingDays reads "inforande=30,uppgradering=20,…": kinds not
// named keep their default; an unknown kind, a repeated kind or a number
// outside 1–365 is an error naming it.
func ParseHandlingDays(s string) (HandlingDays, error) {
	out := DefaultHandlingDays()
	seen := map[RequestKind]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		kind := RequestKind(strings.TrimSpace(name))
		if !ok || !kind.Valid() {
			names := make([]string, len(RequestKinds))
			for i, k := range RequestKinds {
				names[i] = string(k)
			}
			return nil, fmt.Errorf("%q is not kind=days with a kind among %s", part, strings.Join(names, ", "))
		}
		if seen[kind] {
			return nil, fmt.Errorf("%s is given twice", kind)
		}
		seen[kind] = true
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < 1 || n > MaxHandlingDays {
			return nil, fmt.Errorf("%s must have a whole number of days from 1 to %d, got %q", kind, MaxHandlingDays, strings.TrimSpace(value))
		}
		out[kind] = n
	}
	return out, nil
}

// Of is the handling time of kind (its default when not configured).
func (h HandlingDays) Of(kind RequestKind) int {
	if n, ok := h[kind]; ok && n > 0 {
		return n
	}
	return DefaultHandlingDays()[kind]
}

// DueDate is the day by which a case of kind submitted at should be
// handled: the submission's date in Stockholm plus the handling time.
func (h HandlingDays) DueDate(kind RequestKind, submitted time.Time) time.Time {
	return DateOf(submitted).AddDate(0, 0, h.Of(kind))
}

// Overdue reports whether an open case is past its due date on today.
func Overdue(state RequestState, due, today time.Time) bool {
	return state.Open() && today.After(due)
}

// CanAssign says whether the actor may take a case as its handläggare
// (or release it): those who handle cases (IsPreparer), on an open,
// submitted case that they did not submit themselves.
func CanAssign(a *Actor, state RequestState, authorID int64) error {
	switch {
	case a == nil:
		return Forbidden("Logga in.")
	case !IsPreparer(a):
		return Forbidden("Bara IT-enheten, chefen för IT-enheten och ersättaren handlägger ärenden.")
	case a.PersonID == authorID:
		return Forbidden("Du kan inte handlägga ett ärende som du själv har skickat in.")
	case !state.Open():
		return Conflict("Ärendet är avslutat och har ingen handläggare längre.")
	}
	return nil
}
