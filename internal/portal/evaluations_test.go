package portal

import (
	"strings"
	"testing"
	"time"
)

func completeEvaluation() EvaluationFields {
	return EvaluationFields{UsersCount: "1 200", SupportScore: "4", UsedAsIntended: "delvis", ProposedAction: "utveckla",
		SupportComment: "Fungerar bra\r\nmen är långsamt"}
}

func TestEvaluationValidate(t *testing.T) {
	f := completeEvaluation()
	if errs := f.Validate(true); len(errs) != 0 {
		t.Fatalf("a complete evaluation refused: %v", errs)
	}
	if f.UsersCount != "1200" || *f.Users() != 1200 || *f.Score() != 4 || f.SupportComment != "Fungerar bra\nmen är långsamt" {
		t.Errorf("not normalised: %+v", f)
	}

	// Out of range and unknown values: a Swedish message per field.
	for field, bad := range map[string]EvaluationFields{
		"users_count":      {UsersCount: "1000001"},
		"support_score":    {SupportScore: "6"},
		"used_as_intended": {UsedAsIntended: "kanske"},
		"proposed_action":  {ProposedAction: "sälja"},
		"support_comment":  {SupportComment: strings.Repeat("å", 5001)},
		"coordination":     {Coordination: "a\x00b"},
	} {
		errs := bad.Validate(false)
		if errs[field] == "" {
			t.Errorf("%s: no error for %+v", field, bad)
		}
		if len(errs) != 1 {
			t.Errorf("%s: errors for other fields of a draft: %v", field, errs)
		}
	}
	for _, raw := range []string{"-1", "12,5", "12.5", "1e3", "tusen", "99999999999", "+5"} {
		f := EvaluationFields{UsersCount: raw}
		if f.Validate(false)["users_count"] == "" {
			t.Errorf("users count %q accepted", raw)
		}
	}
	for _, ok := range []string{"0", "1000000", " 42 "} {
		f := EvaluationFields{UsersCount: ok}
		if msg := f.Validate(false)["users_count"]; msg != "" {
			t.Errorf("users count %q refused: %s", ok, msg)
		}
	}
	// 5000 characters (not bytes) are allowed.
	f = completeEvaluation()
	f.PlannedChanges = strings.Repeat("ö", 5000)
	if errs := f.Validate(true); len(errs) != 0 {
		t.Errorf("5000 characters refused: %v", errs)
	}

	// A draft may be empty; a submission may not.
	empty := EvaluationFields{}
	if errs := empty.Validate(false); len(errs) != 0 {
		t.Errorf("an empty draft refused: %v", errs)
	}
	errs := empty.Validate(true)
	for _, field := range []string{"users_count", "support_score", "used_as_intended", "proposed_action"} {
		if errs[field] == "" {
			t.Errorf("submission without %s accepted", field)
		}
	}
}

func TestEvaluationLabels(t *testing.T) {
	for v, want := range map[string]string{"behall": "Behålla", "utveckla": "Utveckla", "ersatt": "Ersätta", "avveckla": "Avveckla"} {
		if got := ProposedActionLabel(v); got != want {
			t.Errorf("%s: %s", v, got)
		}
	}
	for v, want := range map[string]string{"ja": "Ja", "delvis": "Delvis", "nej": "Nej"} {
		if got := UsedAsIntendedLabel(v); got != want {
			t.Errorf("%s: %s", v, got)
		}
	}
}

func TestCanEvaluate(t *testing.T) {
	admin := &Actor{PersonID: 7}
	other := &Actor{PersonID: 8}
	it := &Actor{PersonID: 9, Roles: []Role{RoleITUnit}}
	portalAdmin := &Actor{PersonID: 10, Roles: []Role{RoleAdmin}}
	if !CanEvaluate(admin, 7) || CanEvaluate(other, 7) || !CanEvaluate(it, 7) || !CanEvaluate(it, 0) ||
		CanEvaluate(portalAdmin, 7) || CanEvaluate(nil, 7) || CanEvaluate(&Actor{}, 0) {
		t.Error("CanEvaluate is wrong")
	}
	if CanSetEvaluationInterval(admin) || !CanSetEvaluationInterval(it) {
		t.Error("CanSetEvaluationInterval is wrong")
	}
}

func TestEvaluationStatusOn(t *testing.T) {
	today := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		due      string
		required bool
		want     EvaluationStatus
	}{
		{"2026-02-28", true, EvaluationOverdue},
		{"2026-03-01", true, EvaluationSoon}, // the due day itself is still in time
		{"2026-03-31", true, EvaluationSoon},
		{"2026-04-01", true, EvaluationInTime},
		{"2025-01-01", false, EvaluationNotRequired},
	} {
		due, _ := time.Parse("2006-01-02", c.due)
		if got := EvaluationStatusOn(due, today, c.required); got != c.want {
			t.Errorf("due %s: %s, want %s", c.due, got, c.want)
		}
	}
}
