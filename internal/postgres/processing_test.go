package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
)

// processingInput is a signed record of supplier's, overseen last on
// 2025-06-01 every 12 months, with a sub-processor in the USA.
func processingInput(supplier int64) portal.ProcessingInput {
	return portal.ProcessingInput{
		ProcessorID: itoa(supplier), Signed: "ja", SignedOn: "2024-01-15", DataCategories: []string{"personnummer", "socialtjanst"},
		SubjectCategories: []string{"brukare"}, Sensitive: "ja", SensitiveKinds: []string{"halsa"}, Purpose: "Handläggning av bistånd",
		LegalBasis: "allmant_intresse", OversightMethod: "granskning", OversightInterval: "12", OversightLast: "2025-06-01",
		Secrecy: "ja", OSLAssessedBy: "Eva Ek", OSLAssessedOn: "2024-01-10", OSLAssessment: "Leverantören har tystnadsplikt enligt avtal.",
		Confidential:  true,
		SubProcessors: []portal.SubProcessorInput{{Name: "Moln Inc", Country: "US", Basis: "standardavtalsklausuler", Service: "Lagring"}},
	}
}

// TestProcessingRecordsKeptAndProposed: a SaaS system with personal data
// and no record breaks R18; IT-enheten's record (signed) mends it and is
// audited; the administrator's proposal changes nothing until IT-enheten
// confirms it, and then the record is the proposal's; the details marked
// confidential are hidden from an employee but shown to the owning
// department's manager; R19 appears when the clock passes the next
// oversight, through the nightly whole recomputation, and clears when a
// new oversight is recorded. A whole recomputation never finds anything
// the changes left out.
func TestProcessingRecordsKeptAndProposed(t *testing.T) {
	t.Parallel()
	f := newSuppliers(t)
	ctx := context.Background()
	owner := f.db.OwnerPool(t)
	today := supplierToday
	clock := func() time.Time { return today }
	svc := postgres.NewProcessingService(f.db.Pool(t), "https://www.lillaedet.se", clock)
	board := postgres.NewComplianceService(f.db.Pool(t), nil, "https://www.lillaedet.se", clock)
	var sys, manager int64
	if err := owner.QueryRow(ctx, `INSERT INTO systems (name, lifecycle, hosting, personal_data, introduced_before_portal)
		VALUES ('Treserva', 'i_drift', 'saas', 'kansliga', true) RETURNING id`).Scan(&sys); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `
		INSERT INTO role_assignments (system_id, role, person_id, valid) VALUES ($1, 'administrator', $2, '[2020-01-01,)');
		`, sys, f.admin); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, department_id, valid) VALUES ($1, 'owner', $2, '[2020-01-01,)')`, sys, f.dept); err != nil {
		t.Fatal(err)
	}
	if err := owner.QueryRow(ctx, `INSERT INTO people (name, email, department_id) VALUES ('Chef Chefsson', 'chef@lillaedet.se', $1) RETURNING id`, f.dept).Scan(&manager); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `UPDATE people SET manager_id = $1 WHERE id = $2`, manager, f.employee.PersonID); err != nil {
		t.Fatal(err)
	}
	admin := &portal.Actor{PersonID: f.admin, Name: "Bertil Berg"}
	boss := &portal.Actor{PersonID: manager, Name: "Chef Chefsson", DepartmentID: f.dept}
	counts := func(name string, r18, r19 int) {
		t.Helper()
		got, err := board.RuleCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got["R18"] != r18 || got["R19"] != r19 {
			t.Errorf("%s: R18 %d, R19 %d; want %d, %d", name, got["R18"], got["R19"], r18, r19)
		}
		if r, err := board.Recompute(ctx, false); err != nil || r.Added != 0 || r.Removed != 0 {
			t.Errorf("%s left the board out of step: %+v %v", name, r, err)
		}
	}
	if _, err := board.Recompute(ctx, false); err != nil {
		t.Fatal(err)
	}
	counts("a SaaS system with personal data and no agreement", 1, 0)
	supplier := f.supplier(t, "Tieto Evry AB", "556016-0680")

	// An employee may neither save nor propose; nothing is saved.
	if _, err := svc.Save(ctx, f.employee, sys, processingInput(supplier), "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Fatalf("an employee saves: %v", err)
	}
	// Bad input is refused with the field's message.
	bad := processingInput(supplier)
	bad.SubProcessors[0].Basis = ""
	if _, err := svc.Save(ctx, f.it, sys, bad, "req"); !strings.Contains(fieldOf(err, "sub_1_basis"), "utanför EU/EES") {
		t.Fatalf("a third country without basis: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM processing_records`); n != 0 {
		t.Fatalf("%d records after refusals", n)
	}

	// IT-enheten registers an unsigned record: still R18, now "unsigned".
	unsigned := processingInput(supplier)
	unsigned.Signed, unsigned.SignedOn, unsigned.OversightLast = "nej", "", ""
	if proposed, err := svc.Save(ctx, f.it, sys, unsigned, "req"); err != nil || proposed {
		t.Fatalf("IT-enheten saves: %v %v", proposed, err)
	}
	counts("a processor without a signed agreement", 1, 0)
	// Signed: R18 mended; next oversight 2026-06-01.
	if _, err := svc.Save(ctx, f.it, sys, processingInput(supplier), "req"); err != nil {
		t.Fatal(err)
	}
	counts("the agreement signed", 0, 0)
	v, err := svc.Page(ctx, f.it, sys)
	if err != nil || v.Record == nil || v.Record.Fields.NextOversight().Format(time.DateOnly) != "2026-06-01" || len(v.Audit) != 2 {
		t.Fatalf("IT-enheten's page: %+v %v", v, err)
	}

	// The details marked confidential.
	for _, c := range []struct {
		who  string
		a    *portal.Actor
		sees bool
	}{{"IT-enheten", f.it, true}, {"the administrator", admin, true}, {"the owner's manager", boss, true}, {"an employee", f.employee, false}} {
		v, err := svc.Page(ctx, c.a, sys)
		if err != nil {
			t.Fatal(err)
		}
		got := v.Record.Fields.OSLAssessment != "" && len(v.Record.Fields.SensitiveKinds) == 1
		if got != c.sees || v.Record.Redacted == c.sees || v.Record.Fields.Purpose == "" {
			t.Errorf("%s sees the confidential details: %v, want %v (%+v)", c.who, got, c.sees, v.Record.Fields)
		}
		reg, err := svc.Register(ctx, c.a)
		if err != nil || len(reg) != 1 || (reg[0].Record.Fields.OSLAssessment != "") != c.sees || reg[0].Department != "Socialförvaltningen" {
			t.Errorf("%s's register: %+v %v", c.who, reg, err)
		}
	}

	// The administrator proposes a new oversight date; nothing changes yet.
	proposal := processingInput(supplier)
	proposal.OversightLast = "2026-02-20"
	if proposed, err := svc.Save(ctx, admin, sys, proposal, "req"); err != nil || !proposed {
		t.Fatalf("the administrator proposes: %v %v", proposed, err)
	}
	v, _ = svc.Page(ctx, f.it, sys)
	if v.Record.Fields.OversightLast.Format(time.DateOnly) != "2025-06-01" || v.Proposal == nil || len(v.Proposal.Changes) != 2 {
		t.Fatalf("before the decision: %+v %+v", v.Record.Fields.OversightLast, v.Proposal)
	}
	if err := svc.Decide(ctx, admin, sys, v.Proposal.ID, true, "", "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Fatalf("the administrator confirms their own proposal: %v", err)
	}

	// Time passes: the nightly recomputation finds the oversight overdue.
	today = time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)
	if r, err := board.Recompute(ctx, false); err != nil || r.Added != 1 {
		t.Fatalf("the recomputation after the due date: %+v %v", r, err)
	}
	counts("the oversight overdue", 0, 1)

	// IT-enheten confirms the proposal: the new date moves the next to 2027.
	if err := svc.Decide(ctx, f.it, sys, v.Proposal.ID, true, "Enkäten är besvarad.", "req"); err != nil {
		t.Fatal(err)
	}
	counts("the proposal confirmed", 0, 0)
	v, _ = svc.Page(ctx, f.it, sys)
	if v.Proposal != nil || v.Record.Fields.NextOversight().Format(time.DateOnly) != "2027-02-20" || v.Audit[len(v.Audit)-1].Action != "processing.proposal_confirmed" {
		t.Errorf("after the confirmation: %+v %+v", v.Record.Fields, v.Proposal)
	}
	if err := svc.Decide(ctx, f.it, sys, v.Audit[len(v.Audit)-1].ID, true, "", "req"); portal.KindOf(err) != portal.KindConflict {
		t.Errorf("a decided proposal decided again: %v", err)
	}
	if _, err := owner.Exec(ctx, `DELETE FROM processing_proposals`); err == nil {
		t.Error("a proposal was deleted")
	}
}
