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

// EvaluationDue is the one place in Go that computes when a system's next
// evaluation is due (R12); the view evaluation_due is the same rule in SQL
// and the two must agree: intervalMonths (1–12; anything else counts as 12)
// after the last evaluation, or after registration when it was never
// evaluated. Like PostgreSQL's date + interval, a day past the end of the
// target month becomes its last day (31 January + 1 month = 28/29 February).
func EvaluationDue(last *time.Time, registered time.Time, intervalMonths int) time.Time {
	if intervalMonths < 1 || intervalMonths > 12 {
		intervalMonths = 12
	}
	base := DateOf(registered)
	if last != nil {
		base = time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC)
	}
	return addMonths(base, intervalMonths)
}

// addMonths adds months to a date, clamping the day to the target month.
func addMonths(d time.Time, months int) time.Time {
	first := time.Date(d.Year(), d.Month()+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	day := min(d.Day(), first.AddDate(0, 1, -1).Day())
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, time.UTC)
}
