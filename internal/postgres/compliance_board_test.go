package postgres_test

import (
	"context"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
)

// r1Of returns the R1 breaches of one system on IT-enheten's drill-down.
func (f *complianceFixture) r1Of(t *testing.T, system int64) []postgres.ComplianceBreach {
	t.Helper()
	f.recompute(t)
	page, err := f.board.Rule(context.Background(), f.it, "r1", 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []postgres.ComplianceBreach
	for _, b := range page.Breaches {
		if b.SystemID == system {
			out = append(out, b)
		}
	}
	return out
}

// TestPlannedSystemsCountFromTheirStartDate: a planned system without a
// start date, or before it, is no R1 breach; from the desired date of its
// granted introduction case it is, from that date. A system in operation
// lacking the same roles is one at once.
func TestPlannedSystemsCountFromTheirStartDate(t *testing.T) {
	t.Parallel()
	f := newCompliance(t)
	ctx := context.Background()
	planned := facts("Nytt e-arkiv")
	planned.Lifecycle = string(portal.LifecyclePlanned)
	id := f.create(t, planned)
	if err := f.svc.ChangeRole(ctx, f.it, id, postgres.RoleChange{Role: portal.RoleOwner, DepartmentID: f.depts["SOC"], From: portal.Today()}); err != nil {
		t.Fatal(err)
	}
	running := facts("Gammalt e-arkiv")
	running.IntroducedBeforePortal = true
	other := f.create(t, running)
	if err := f.svc.ChangeRole(ctx, f.it, other, postgres.RoleChange{Role: portal.RoleOwner, DepartmentID: f.depts["SOC"], From: portal.Today()}); err != nil {
		t.Fatal(err)
	}
	if got := f.r1Of(t, id); len(got) != 0 {
		t.Errorf("a planned system without a start date has %d R1 breaches", len(got))
	}
	if got := f.r1Of(t, other); len(got) != 2 {
		t.Errorf("a system in operation without administrator and operations has %d R1 breaches, want 2", len(got))
	}
	// Granted with a start date ten days from now.
	start := portal.DateOf(f.clock.Now()).AddDate(0, 0, 10)
	f.seq++
	f.exec(t, `
		INSERT INTO requests (kind, state, author_id, department_id, title, number_year, number_seq, submitted_at, decided_at, decided_by,
			decision_motivation, details, financing_source, financing_confirmed, system_id, desired_date)
		VALUES ('inforande', 'beviljat', $1, $2, 'Nytt e-arkiv', 2026, $3, now() - interval '2 days', now() - interval '1 day', $4,
			'Beviljas.', $5::jsonb, 'Budget', true, $6, $7)`,
		f.people["Leila Haddad"], f.depts["SOC"], f.seq, f.people["IT Person"], goodDetails, id, start)
	if got := f.r1Of(t, id); len(got) != 0 {
		t.Errorf("a planned system before its start date has %d R1 breaches", len(got))
	}
	// The start date comes, the system is still planned and lacks roles.
	f.clock.mu.Lock()
	f.clock.now = f.clock.now.Add(11 * 24 * time.Hour)
	f.clock.mu.Unlock()
	got := f.r1Of(t, id)
	if len(got) != 2 {
		t.Fatalf("a planned system past its start date has %d R1 breaches, want 2", len(got))
	}
	for _, b := range got {
		if !portal.DateOf(b.Since).Equal(start) {
			t.Errorf("%s since %s, want the start date %s", b.Detail, b.Since, start)
		}
	}
}

// setClock moves the board's clock.
func (f *complianceFixture) setClock(t time.Time) {
	f.clock.mu.Lock()
	f.clock.now = t
	f.clock.mu.Unlock()
}

// monthCount is a rule's count in the history's month of day.
func monthCount(t *testing.T, h postgres.BoardHistory, rule string, day time.Time) int {
	t.Helper()
	for _, r := range h.Rules {
		if r.ID != rule {
			continue
		}
		for i, m := range h.Months {
			if m.Year() == day.Year() && m.Month() == day.Month() {
				return r.Counts[i]
			}
		}
		t.Fatalf("%s has no month %s in %v", rule, day, h.Months)
	}
	t.Fatalf("no rule %s", rule)
	return 0
}

// TestComplianceHistoryRecordedOncePerDay: the day's counts per rule are
// recorded; recording the day again replaces them (a count that went to 0
// is 0, not the morning's), one day row and one row per check; the
// frequent run records only a day not yet recorded. The history shows
// per month the last day's counts, unknown months as -1, with the board's
// visibility.
func TestComplianceHistoryRecordedOncePerDay(t *testing.T) {
	t.Parallel()
	f := newCompliance(t)
	ctx := context.Background()
	base := time.Date(2026, 6, 15, 12, 0, 0, 0, portal.Stockholm)
	f.setClock(base)
	// One system of SOC without an administrator or operations (2 R1).
	id := f.create(t, facts("Utan roller"))
	if err := f.svc.ChangeRole(ctx, f.it, id, postgres.RoleChange{Role: portal.RoleOwner, DepartmentID: f.depts["SOC"], From: date("2024-01-01")}); err != nil {
		t.Fatal(err)
	}
	f.exec(t, `UPDATE systems SET introduced_before_portal = true`)
	f.recompute(t)
	for range 2 {
		if err := f.board.RecordHistory(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var days, rows, n int
	if err := f.owner.QueryRow(ctx, `SELECT (SELECT count(*) FROM compliance_history_days), (SELECT count(*) FROM compliance_history WHERE check_key = 'r1_missing'),
		(SELECT COALESCE(sum(n), 0) FROM compliance_history WHERE check_key = 'r1_missing')`).Scan(&days, &rows, &n); err != nil {
		t.Fatal(err)
	}
	if days != 1 || rows != 1 || n != 2 {
		t.Errorf("recorded twice: %d days, %d rows of R1 counting %d; want 1, 1, 2", days, rows, n)
	}
	h, err := f.board.History(ctx, f.it, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Months) != postgres.HistoryMonths || monthCount(t, h, "R1", base) != 2 || monthCount(t, h, "R2", base) != 0 || monthCount(t, h, "R1", base.AddDate(0, -1, 0)) != -1 {
		t.Errorf("history after one day: %+v", h)
	}
	// Fixed the same day: recorded again, R1 is 0.
	if err := f.svc.ChangeRole(ctx, f.it, id, postgres.RoleChange{Role: portal.RoleAdministrator, PersonID: f.people["Anna Andersson"], From: date("2024-01-01")}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ChangeRole(ctx, f.it, id, postgres.RoleChange{Role: portal.RoleOperations, Operator: "IT-enheten", From: date("2024-01-01")}); err != nil {
		t.Fatal(err)
	}
	if err := f.board.RecordHistory(ctx); err != nil {
		t.Fatal(err)
	}
	if h, _ = f.board.History(ctx, f.it, 0); monthCount(t, h, "R1", base) != 0 {
		t.Errorf("the day recorded again still counts R1 %d", monthCount(t, h, "R1", base))
	}
	// The frequent run: nothing for a recorded day, the counts of a new one.
	if did, err := f.board.RecordHistoryOnce(ctx); err != nil || did {
		t.Errorf("recorded a recorded day again: %v %v", did, err)
	}
	f.exec(t, `UPDATE people SET active = false WHERE name = 'Anna Andersson'`) // R1: inactive administrator
	later := base.AddDate(0, 1, 0)
	f.setClock(later)
	f.recompute(t)
	if did, err := f.board.RecordHistoryOnce(ctx); err != nil || !did {
		t.Errorf("a new day was not recorded: %v %v", did, err)
	}
	if did, _ := f.board.RecordHistoryOnce(ctx); did {
		t.Error("the new day was recorded twice")
	}
	h, _ = f.board.History(ctx, f.it, 0)
	if monthCount(t, h, "R1", base) != 0 || monthCount(t, h, "R1", later) != 1 {
		t.Errorf("two months: June %d, July %d; want 0 and 1", monthCount(t, h, "R1", base), monthCount(t, h, "R1", later))
	}
	// An employee of KLF sees KLF's history (no R1) and no municipal rule.
	klf := &portal.Actor{PersonID: f.people["Bertil Berg"], DepartmentID: f.depts["KLF"]}
	kh, err := f.board.History(ctx, klf, 0)
	if err != nil {
		t.Fatal(err)
	}
	if monthCount(t, kh, "R1", later) != 0 {
		t.Errorf("KLF sees SOC's R1: %d", monthCount(t, kh, "R1", later))
	}
	for _, r := range kh.Rules {
		if r.ID == "R14" && (!r.Hidden || r.Counts != nil) {
			t.Errorf("KLF sees R14's history: %+v", r)
		}
	}
}
