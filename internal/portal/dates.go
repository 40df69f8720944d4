package portal

import (
	"time"
	_ "time/tzdata" // calendar dates are Stockholm's on every machine
)

// Stockholm is the time zone calendar dates are interpreted in.
var Stockholm = mustLocation("Europe/Stockholm")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC // unreachable with the embedded tzdata
	}
	return loc
}

// Today is the calendar date in Stockholm, as a UTC midnight (the form
// PostgreSQL's date type round-trips through).
func Today() time.Time { return DateOf(time.Now()) }

// DateOf is the Stockholm calendar date of t, as a UTC midnight.
func DateOf(t time.Time) time.Time {
	s := t.In(Stockholm)
	return time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, time.UTC)
}

// EvaluationDue is the one place that computes when a system's next
// evaluation is due (R12): twelve months after the last, or after
// registration when it was never evaluated.
func EvaluationDue(last *time.Time, registered time.Time) time.Time {
	if last != nil {
		return last.AddDate(1, 0, 0)
	}
	return DateOf(registered).AddDate(1, 0, 0)
}
