package postgres_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
)

type platformFixture struct {
	*caseFixture
	platform *postgres.PlatformService
	board    *postgres.ComplianceService
}

func newPlatform(t *testing.T) *platformFixture {
	t.Helper()
	f := &platformFixture{caseFixture: newCases(t)}
	f.platform = postgres.NewPlatformService(f.db.Pool(t), "https://www.lillaedet.se", nil)
	f.board = postgres.NewComplianceService(f.db.Pool(t), nil, "https://www.lillaedet.se", nil)
	return f
}

func (f *platformFixture) record(t *testing.T, cat portal.PlatformCategory, name, version string, status portal.PlatformStatus, ends *time.Time) int64 {
	t.Helper()
	id, err := f.platform.Record(context.Background(), f.head, portal.PlatformComponentFields{Category: cat, Name: name, Version: version, Status: status, EndsOn: ends},
		portal.PlatformDecision{DecidedOn: date("2024-03-01"), Reference: "IT-chefens beslut 2024-03-01", FinancingReference: "KS 2024/15"}, "req")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *platformFixture) r22(t *testing.T) int {
	t.Helper()
	got, err := f.board.RuleCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return got["R22"]
}

func platformCase(f *caseFixture, change, name, version string, status portal.PlatformStatus, ends *time.Time) portal.RequestFields {
	return portal.RequestFields{
		DepartmentID: f.depts["SOC"], Title: "Plattformsbeslut " + name, Description: "Katalogen ändras", Contact: "Anna",
		FinancingSource: "IT-enhetens budget 2027", FinancingConfirmed: true, FinancingReference: "KS 2026/40",
		Details: portal.RequestDetails{PlatformChange: change, PlatformCategory: string(portal.CategoryOS), PlatformName: name, PlatformVersion: version,
			PlatformStatus: string(status), PlatformEndDate: ends},
	}
}

// TestPlatformDecisionChangesTheCatalogue: only the IT head records and
// decides; a granted plattformsbeslut changes the catalogue in the
// decision's transaction, keeps the old status in the history, links the
// case and the financing, and writes R22 of the systems on the component
// at once.
func TestPlatformDecisionChangesTheCatalogue(t *testing.T) {
	t.Parallel()
	f := newPlatform(t)
	ctx := context.Background()
	old := f.record(t, portal.CategoryOS, "Windows Server", "2012 R2", portal.PlatformStandard, nil)

	// Bad input and the wrong person change nothing.
	decision := portal.PlatformDecision{DecidedOn: date("2024-03-01"), Reference: "Beslut"}
	if _, err := f.platform.Record(ctx, f.head, portal.PlatformComponentFields{Category: portal.CategoryDatabase, Name: "Oracle", Status: portal.PlatformException}, decision, "req"); portal.KindOf(err) != portal.KindInvalid ||
		!strings.Contains(portal.MessageOf(err)+strings.Join(mapValues(err), " "), "Finansiering måste finnas innan beslut fattas") {
		t.Errorf("recorded without financing: %v", err)
	}
	decision.FinancingReference = "KS 2024/15"
	if _, err := f.platform.Record(ctx, f.head, portal.PlatformComponentFields{Category: portal.CategoryOS, Name: "windows server", Version: "2012 r2", Status: portal.PlatformStandard}, decision, "req"); portal.KindOf(err) != portal.KindInvalid ||
		!strings.Contains(strings.Join(mapValues(err), " "), "finns redan i katalogen") {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := f.platform.Record(ctx, f.deciders[0], portal.PlatformComponentFields{Category: portal.CategoryDatabase, Name: "Oracle", Status: portal.PlatformException}, decision, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("IT-enheten recorded a component: %v", err)
	}
	if err := f.platform.SetSystemComponents(ctx, f.requester, 1, []int64{old}, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("an employee linked a system: %v", err)
	}

	sys := f.create(t, facts("Procapita"))
	if err := f.platform.SetSystemComponents(ctx, f.it, sys, []int64{old}, "req"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.board.Recompute(ctx, false); err != nil {
		t.Fatal(err)
	}
	if n := f.r22(t); n != 0 {
		t.Fatalf("R22 %d on a standard component", n)
	}

	// A new component that already exists is a field error on the draft.
	if _, err := f.req.SaveDraft(ctx, f.requester, 0, portal.KindPlatformDecision, 0,
		platformCase(f.caseFixture, portal.PlatformChangeAdd, "Windows Server", "2012 R2", portal.PlatformStandard, nil), "req"); !strings.Contains(strings.Join(mapValues(err), " "), "finns redan i katalogen") {
		t.Errorf("a new component that exists: %v", err)
	}

	ended := date("2025-10-14")
	id, number := f.submitted(t, portal.KindPlatformDecision, platformCase(f.caseFixture, portal.PlatformChangeStatus, "Windows Server", "2012 R2", portal.PlatformPhasingOut, &ended))
	if err := f.req.Decide(ctx, f.deciders[0], id, portal.ActionGrant, "Avvecklas", "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("IT-enheten decided a platform decision: %v", err)
	}
	if err := f.req.Decide(ctx, f.head, id, portal.ActionGrant, "Windows Server 2012 R2 har inget stöd längre", "req"); err != nil {
		t.Fatal(err)
	}
	v, err := f.platform.Get(ctx, f.requester, old)
	if err != nil {
		t.Fatal(err)
	}
	c := v.Component
	if c.Status != portal.PlatformPhasingOut || c.EndsOn == nil || !c.EndsOn.Equal(ended) || c.RequestRef != number || c.Decision.Reference != number ||
		c.Decision.FinancingReference != "KS 2026/40" || c.DecidedBy != "Bertil Berg" {
		t.Errorf("component after the decision: %+v", c)
	}
	if len(v.History) != 2 || v.History[0].Status != portal.PlatformPhasingOut || v.History[1].Status != portal.PlatformStandard || len(v.Systems) != 1 {
		t.Errorf("history %+v, systems %+v", v.History, v.Systems)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'platform_component.status_changed' AND object_id = $1`, strconv.FormatInt(old, 10)); n != 1 {
		t.Errorf("%d audit entries of the status change", n)
	}
	if n := f.r22(t); n != 1 {
		t.Errorf("R22 %d after the phase-out passed its end date, want 1 written with the decision", n)
	}
	if r, err := f.board.Recompute(ctx, false); err != nil || r.Added != 0 || r.Removed != 0 {
		t.Errorf("the decision left the board out of step: %+v %v", r, err)
	}

	// A new component by decision.
	id, _ = f.submitted(t, portal.KindPlatformDecision, platformCase(f.caseFixture, portal.PlatformChangeAdd, "Windows Server", "2022", portal.PlatformStandard, nil))
	if err := f.req.Decide(ctx, f.head, id, portal.ActionGrant, "Ny standard", "req"); err != nil {
		t.Fatal(err)
	}
	list, err := f.platform.List(ctx, f.requester)
	if err != nil || len(list) != 2 || list[0].Display() != "Windows Server 2012 R2" || list[1].Display() != "Windows Server 2022" || list[1].RequestID != id {
		t.Errorf("catalogue %+v %v", list, err)
	}
}

// TestGrantNeedsAnExceptionForAComponentNotStandard: an introduction that
// needs a component allowed only with an exception is not granted until
// the exception is decided with a reason in the same decision; nothing is
// registered before. One on standard components is granted as before.
func TestGrantNeedsAnExceptionForAComponentNotStandard(t *testing.T) {
	t.Parallel()
	f := newPlatform(t)
	ctx := context.Background()
	pg := f.record(t, portal.CategoryDatabase, "PostgreSQL", "15", portal.PlatformStandard, nil)
	oracle := f.record(t, portal.CategoryDatabase, "Oracle Database", "19c", portal.PlatformException, nil)

	in := f.introduction("Lifecare")
	in.Details.PlatformComponents = strconv.FormatInt(pg, 10) + "," + strconv.FormatInt(oracle, 10)
	id, _ := f.submitted(t, portal.KindIntroduction, in)
	err := f.req.Decide(ctx, f.deciders[0], id, portal.ActionGrant, "Beviljas", "req")
	if portal.KindOf(err) != portal.KindConflict || !strings.Contains(portal.MessageOf(err), "Oracle Database 19c") || strings.Contains(portal.MessageOf(err), "PostgreSQL") {
		t.Fatalf("granted without the exception: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM systems WHERE name = 'Lifecare'`); n != 0 {
		t.Fatalf("the refused grant registered the system")
	}
	if err := f.req.DecideWith(ctx, f.deciders[0], id, portal.ActionGrant, "Beviljas", map[int64]string{oracle: "  "}, "req"); portal.KindOf(err) != portal.KindConflict {
		t.Errorf("an empty reason: %v", err)
	}
	if err := f.req.DecideWith(ctx, f.deciders[0], id, portal.ActionGrant, "Beviljas", map[int64]string{oracle: "Leverantören stöder bara Oracle"}, "req"); err != nil {
		t.Fatal(err)
	}
	v, err := f.req.Get(ctx, f.requester, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.PlatformNeeds) != 2 || len(v.PlatformExceptions) != 1 || v.PlatformExceptions[0].Reason != "Leverantören stöder bara Oracle" || v.PlatformExceptions[0].Status != portal.PlatformException {
		t.Errorf("needs %+v, exceptions %+v", v.PlatformNeeds, v.PlatformExceptions)
	}
	if n := f.count(t, `SELECT count(*) FROM systems WHERE name = 'Lifecare'`); n != 1 {
		t.Errorf("the grant did not register the system")
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'request.decided' AND changes ? 'platform_exceptions'`); n != 1 {
		t.Errorf("the exception is not in the decision's audit entry")
	}

	in = f.introduction("Treserva")
	in.Details.PlatformComponents = strconv.FormatInt(pg, 10)
	id, _ = f.submitted(t, portal.KindIntroduction, in)
	if err := f.req.Decide(ctx, f.deciders[0], id, portal.ActionGrant, "Beviljas", "req"); err != nil {
		t.Errorf("a case on standard components: %v", err)
	}
	// A component not in the catalogue is a field error.
	in = f.introduction("Okänd")
	in.Details.PlatformComponents = "999999"
	if _, err := f.req.SaveDraft(ctx, f.requester, 0, portal.KindIntroduction, 0, in, "req"); !strings.Contains(strings.Join(mapValues(err), " "), "Välj komponenterna i listan") {
		t.Errorf("unknown component: %v", err)
	}
}

// TestR22WhenThePhaseOutEnds: a system in operation on a component being
// phased out is no breach until the day after the end date, which the
// periodic recomputation finds; one on a component not allowed is one at
// once, and leaving the component ends it in the same transaction.
func TestR22WhenThePhaseOutEnds(t *testing.T) {
	t.Parallel()
	f := newPlatform(t)
	ctx := context.Background()
	tomorrow := portal.Today().AddDate(0, 0, 1)
	phasing := f.record(t, portal.CategoryOS, "Windows Server", "2016", portal.PlatformPhasingOut, &tomorrow)
	banned := f.record(t, portal.CategoryClient, "Internet Explorer", "11", portal.PlatformForbidden, nil)
	sys := f.create(t, facts("Procapita"))
	planned := facts("Planerat")
	planned.Lifecycle = "planerad"
	other := f.create(t, planned)
	if err := f.platform.SetSystemComponents(ctx, f.it, sys, []int64{phasing}, "req"); err != nil {
		t.Fatal(err)
	}
	if err := f.platform.SetSystemComponents(ctx, f.it, other, []int64{phasing, banned}, "req"); err != nil {
		t.Fatal(err)
	}
	if n := f.r22(t); n != 0 {
		t.Fatalf("R22 %d before the end date", n)
	}
	later := postgres.NewComplianceService(f.db.Pool(t), nil, "https://www.lillaedet.se", func() time.Time { return time.Now().AddDate(0, 0, 2) })
	if _, err := later.Recompute(ctx, false); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM compliance_breaches WHERE check_key = 'r22_platform'`); n != 1 {
		t.Fatalf("two days later: %d R22 breaches, want 1 (the system in operation)", n)
	}
	if err := f.platform.SetSystemComponents(ctx, f.it, sys, []int64{phasing, banned}, "req"); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM compliance_breaches WHERE check_key = 'r22_platform' AND system_id = $1 AND ref_id = $2`, sys, banned); n != 1 {
		t.Errorf("a component not allowed is no breach at once")
	}
	if err := f.platform.SetSystemComponents(ctx, f.it, sys, nil, "req"); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM compliance_breaches WHERE check_key = 'r22_platform' AND system_id = $1`, sys); n != 0 {
		t.Errorf("%d breaches after the system left the components", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'system.platform_changed' AND object_id = $1`, strconv.FormatInt(sys, 10)); n != 3 {
		t.Errorf("%d audit entries of the system's platform, want 3", n)
	}
	list, err := f.platform.PhasedOut(ctx, f.requester)
	if err != nil || len(list) != 2 || list[0].SystemName != "Planerat" {
		t.Errorf("phased out: %+v %v", list, err)
	}
}

func mapValues(err error) []string {
	var out []string
	var pe *portal.Error
	if errors.As(err, &pe) {
		for _, v := range pe.Fields {
			out = append(out, v)
		}
	}
	return out
}
