package portal

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Evaluations (§3, R12): each system is evaluated at least every twelve
// months by its administrator (or IT-enheten), on the four questions of the
// guideline: how it is used, coordination with other systems, cooperation
// with other organisations, and making the work more efficient with IT.

// The bounds of an evaluation's answers (the database checks them too).
const (
	MaxEvaluationUsers    = 1000000
	MaxEvaluationText     = 5000
	MaxEvaluationInterval = 12 // months: never longer (R12)
	EvaluationSoonDays    = 30 // a reminder this many days before the due date
)

// UsedAsIntended are the answers to "is the system used as intended?".
var UsedAsIntended = []Choice{{"ja", "Ja"}, {"delvis", "Delvis"}, {"nej", "Nej"}}

// ProposedActions are what the evaluation proposes for the system.
var ProposedActions = []Choice{{"behall", "Behålla"}, {"utveckla", "Utveckla"}, {"ersatt", "Ersätta"}, {"avveckla", "Avveckla"}}

// SupportScores grade how well the system supports the work, 1–5.
var SupportScores = []Choice{
	{"1", "1 – mycket dåligt"}, {"2", "2 – dåligt"}, {"3", "3 – godtagbart"}, {"4", "4 – bra"}, {"5", "5 – mycket bra"},
}

// EvaluationFields are an evaluation's answers as entered. The numbers are
// kept as text so that what was typed can be shown back with its error;
// Validate normalises them.
type EvaluationFields struct {
	UsersCount     string // whole number 0–1 000 000
	SupportScore   string // 1–5
	SupportComment string
	UsedAsIntended string // ja, delvis, nej
	Coordination   string
	Cooperation    string
	Efficiency     string
	PlannedChanges string
	ProposedAction string // behall, utveckla, ersatt, avveckla
}

// EvaluationFieldOrder is the order of the form's fields (and of its error
// summary).
var EvaluationFieldOrder = []string{"users_count", "support_score", "support_comment", "used_as_intended",
	"coordination", "cooperation", "efficiency", "planned_changes", "proposed_action"}

// Validate normalises the answers and returns Swedish messages per field.
// complete asks for every answer a submitted evaluation needs; a draft may
// leave answers out, but what it holds must be valid.
func (f *EvaluationFields) Validate(complete bool) map[string]string {
	errs := map[string]string{}
	f.UsersCount = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\t' {
			return -1
		}
		return r
	}, f.UsersCount)
	if f.UsersCount != "" {
		if n, ok := wholeNumber(f.UsersCount); !ok || n > MaxEvaluationUsers {
			errs["users_count"] = "Ange antalet användare som ett heltal mellan 0 och 1 000 000."
		} else {
			f.UsersCount = strconv.Itoa(n)
		}
	} else if complete {
		errs["users_count"] = "Ange ungefär hur många som använder systemet."
	}
	f.SupportScore = strings.TrimSpace(f.SupportScore)
	switch {
	case f.SupportScore == "" && complete:
		errs["support_score"] = "Välj hur väl systemet stöder verksamheten, från 1 till 5."
	case f.SupportScore != "" && !validChoice(SupportScores, f.SupportScore):
		errs["support_score"] = "Välj ett betyg från 1 till 5."
	}
	switch {
	case f.UsedAsIntended == "" && complete:
		errs["used_as_intended"] = "Välj om systemet används som det är tänkt."
	case f.UsedAsIntended != "" && !validChoice(UsedAsIntended, f.UsedAsIntended):
		errs["used_as_intended"] = "Välj Ja, Delvis eller Nej."
	}
	switch {
	case f.ProposedAction == "" && complete:
		errs["proposed_action"] = "Välj vad du föreslår för systemet."
	case f.ProposedAction != "" && !validChoice(ProposedActions, f.ProposedAction):
		errs["proposed_action"] = "Välj Behålla, Utveckla, Ersätta eller Avveckla."
	}
	for name, p := range map[string]*string{
		"support_comment": &f.SupportComment, "coordination": &f.Coordination, "cooperation": &f.Cooperation,
		"efficiency": &f.Efficiency, "planned_changes": &f.PlannedChanges,
	} {
		*p = strings.TrimSpace(strings.ReplaceAll(*p, "\r\n", "\n"))
		switch {
		case !utf8.ValidString(*p) || strings.ContainsRune(*p, 0):
			errs[name] = "Texten innehåller tecken som inte är tillåtna."
		case utf8.RuneCountInString(*p) > MaxEvaluationText:
			errs[name] = "Texten får vara högst 5 000 tecken (nu " + strconv.Itoa(utf8.RuneCountInString(*p)) + ")."
		}
	}
	return errs
}

// wholeNumber parses a non-negative whole number of digits only.
func wholeNumber(s string) (int, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// Users is the number of users, or nil when not given (call after Validate).
func (f EvaluationFields) Users() *int { return optionalInt(f.UsersCount) }

// Score is the support score, or nil when not given (call after Validate).
func (f EvaluationFields) Score() *int { return optionalInt(f.SupportScore) }

func optionalInt(s string) *int {
	n, ok := wholeNumber(s)
	if !ok {
		return nil
	}
	return &n
}

// FieldsFromValues makes fields from stored values (nil numbers are empty).
func FieldsFromValues(users, score *int, texts EvaluationFields) EvaluationFields {
	f := texts
	f.UsersCount, f.SupportScore = "", ""
	if users != nil {
		f.UsersCount = strconv.Itoa(*users)
	}
	if score != nil {
		f.SupportScore = strconv.Itoa(*score)
	}
	return f
}

// UsedAsIntendedLabel is the Swedish answer (Ja, Delvis, Nej).
func UsedAsIntendedLabel(v string) string { return LabelOf(UsedAsIntended, v) }

// ProposedActionLabel is the Swedish name of a proposed action (Behålla …).
func ProposedActionLabel(v string) string { return LabelOf(ProposedActions, v) }

// CanEvaluate reports whether the actor may fill in and submit a system's
// evaluation: its administrator today, or IT-enheten.
func CanEvaluate(a *Actor, currentAdministrator int64) bool {
	if a == nil {
		return false
	}
	return CanManageRegister(a) || (currentAdministrator != 0 && a.PersonID == currentAdministrator)
}

// CanSetEvaluationInterval reports whether the actor may shorten or restore
// a system's evaluation interval: IT-enheten.
func CanSetEvaluationInterval(a *Actor) bool { return CanManageRegister(a) }

// ValidInterval reports whether months is an allowed evaluation interval.
func ValidInterval(months int) bool { return months >= 1 && months <= MaxEvaluationInterval }

// EvaluationStatus is where a system stands with its evaluation.
type EvaluationStatus string

// The statuses.
const (
	EvaluationNotRequired EvaluationStatus = "not_required" // not in operation
	EvaluationInTime      EvaluationStatus = "in_time"
	EvaluationSoon        EvaluationStatus = "soon"    // due within EvaluationSoonDays
	EvaluationOverdue     EvaluationStatus = "overdue" // the due date has passed
)

// Label is the status in Swedish.
func (s EvaluationStatus) Label() string {
	switch s {
	case EvaluationNotRequired:
		return "Krävs inte (systemet är inte i drift)"
	case EvaluationInTime:
		return "I tid"
	case EvaluationSoon:
		return "Ska göras snart"
	case EvaluationOverdue:
		return "Försenad"
	}
	return string(s)
}

// EvaluationStatusOn says where a system stands on the day today: overdue
// once the due date has passed, soon within EvaluationSoonDays of it.
func EvaluationStatusOn(due, today time.Time, required bool) EvaluationStatus {
	switch {
	case !required:
		return EvaluationNotRequired
	case due.Before(today):
		return EvaluationOverdue
	case !due.After(today.AddDate(0, 0, EvaluationSoonDays)):
		return EvaluationSoon
	}
	return EvaluationInTime
}
