package portal

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestParseContractReminderDays: the default, a setting largest first, and
// bad settings refused with a message naming the value.
func TestParseContractReminderDays(t *testing.T) {
	if got, err := ParseContractReminderDays(""); err != nil || !reflect.DeepEqual(got, []int{180, 90, 30, 0}) {
		t.Errorf("default: %v %v", got, err)
	}
	if got, err := ParseContractReminderDays(" 7, 60 ,365"); err != nil || !reflect.DeepEqual(got, []int{365, 60, 7}) {
		t.Errorf("configured: %v %v", got, err)
	}
	for _, bad := range []string{"90,,30", "-1", "731", "tio", "30,30", "90;30"} {
		if _, err := ParseContractReminderDays(bad); err == nil || !strings.Contains(err.Error(), "dagar") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestDueContractReminder: the reminder due is the smallest offset the
// days left have reached; none before the first nor after the deadline.
func TestDueContractReminder(t *testing.T) {
	today := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	offsets := []int{180, 90, 30, 0}
	for left, want := range map[int]int{200: -1, 181: -1, 180: 180, 100: 180, 90: 90, 31: 90, 30: 30, 1: 30, 0: 0, -1: -1} {
		got, ok := DueContractReminder(today.AddDate(0, 0, left), today, offsets)
		if (want < 0 && ok) || (want >= 0 && (!ok || got != want)) {
			t.Errorf("%d days left: %d %v, want %d", left, got, ok, want)
		}
	}
	if _, ok := DueContractReminder(time.Time{}, today, offsets); ok {
		t.Error("a reminder without a deadline")
	}
}
