package portal

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultContractReminderDays are the offsets, in days before a contract's
// deadline, at which its responsible person and IT-enheten are reminded
// (ITPORTAL_CONTRACT_REMINDER_DAYS): half a year, a quarter, a month and
// the day itself.
var DefaultContractReminderDays = []int{180, 90, 30, 0}

// MaxContractReminderDays is the earliest reminder: two years ahead.
const MaxContractReminderDays = 730

// ParseContractReminderDays reads ITPORTAL_CONTRACT_REMINDER_DAYS: whole
// days 0–730 separated by commas ("180,90,30,0"), each once; empty is the
// default. The offsets are returned largest first.
func ParseContractReminderDays(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return slices.Clone(DefaultContractReminderDays), nil
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 || n > MaxContractReminderDays {
			return nil, fmt.Errorf("%q is not a whole number of days from 0 to %d; give days before the deadline separated by commas, e.g. 180,90,30,0 (ange dagar före sista dagen, 0–%d, åtskilda med kommatecken)",
				part, MaxContractReminderDays, MaxContractReminderDays)
		}
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("%d is given twice (%d dagar anges två gånger)", n, n)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out, nil
}

// DueContractReminder returns the reminder due on today for a deadline:
// the smallest offset that the days left have reached. A reminder missed
// (the deadline entered later, a night without a run) is sent at the next
// offset's place, never every missed one at once; none after the deadline.
// offsets are largest first (ParseContractReminderDays).
func DueContractReminder(deadline, today time.Time, offsets []int) (int, bool) {
	if deadline.IsZero() {
		return 0, false
	}
	left := int(dateOnly(deadline).Sub(dateOnly(today)).Hours() / 24)
	if left < 0 {
		return 0, false
	}
	due, ok := 0, false
	for _, o := range offsets {
		if o >= left && (!ok || o < due) {
			due, ok = o, true
		}
	}
	return due, ok
}
