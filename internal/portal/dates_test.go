package portal

import (
	"testing"
	"time"
)

func TestEvaluationDue(t *testing.T) {
	last := time.Date(2025, 9, 15, 0, 0, 0, 0, time.UTC)
	if got := EvaluationDue(&last, time.Now()); got.Format("2006-01-02") != "2026-09-15" {
		t.Errorf("due after an evaluation: %v", got)
	}
	// Registered late on New Year's Eve in Stockholm (already 1 January there).
	reg := time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC)
	if got := EvaluationDue(nil, reg); got.Format("2006-01-02") != "2026-01-01" {
		t.Errorf("due after registration: %v", got)
	}
}
