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
