package portal

import (
	"testing"
	"time"
)

func TestEvaluationDue(t *testing.T) {
	last := time.Date(2025, 9, 15, 0, 0, 0, 0, time.UTC)
	if got := EvaluationDue(&last, time.Now(), 12); got.Format("2006-01-02") != "2026-09-15" {
		t.Errorf("due after an evaluation: %v", got)
	}
	// Registered late on New Year's Eve in Stockholm (already 1 January there).
	reg := time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC)
	if got := EvaluationDue(nil, reg, 12); got.Format("2006-01-02") != "2026-01-01" {
		t.Errorf("due after registration: %v", got)
	}
	for _, c := range []struct {
		last   string
		months int
		want   string
	}{
		{"2025-09-15", 3, "2025-12-15"},
		{"2025-11-30", 3, "2026-02-28"}, // clamped like PostgreSQL
		{"2024-01-31", 1, "2024-02-29"},
		{"2024-02-29", 12, "2025-02-28"},
		{"2025-08-31", 6, "2026-02-28"},
		{"2025-05-31", 1, "2025-06-30"},
		{"2025-03-15", 0, "2026-03-15"},  // out of range: twelve
		{"2025-03-15", 24, "2026-03-15"}, // never above twelve
	} {
		l, _ := time.Parse("2006-01-02", c.last)
		if got := EvaluationDue(&l, time.Now(), c.months).Format("2006-01-02"); got != c.want {
			t.Errorf("%s + %d months: %s, want %s", c.last, c.months, got, c.want)
		}
	}
}
