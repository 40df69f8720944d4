package postgres_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

// TestContractTermEndInSQL: the compliance checks' contract_term_end (R15,
// R16) gives portal.AddTermMonths' answer for the month ends, leap years
// and ordinary days of the case table and for 5,000 random starts and
// terms.
func TestContractTermEndInSQL(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	d := func(s string) time.Time { return date(s) }
	starts := []time.Time{d("2026-01-01"), d("2026-01-31"), d("2026-03-31"), d("2024-02-29"), d("2026-03-15"), d("2023-12-31"), d("2024-01-30"), d("2025-08-31")}
	months := []int32{12, 1, 1, 12, 1, 2, 1, 6}
	r := rand.New(rand.NewPCG(20, 47))
	for range 5000 {
		starts = append(starts, d("1990-01-01").AddDate(0, 0, r.IntN(365*60)))
		months = append(months, int32(1+r.IntN(600)))
	}
	rows, err := db.Pool(t).Query(context.Background(), `SELECT contract_term_end(s, m) FROM unnest($1::date[], $2::int[]) WITH ORDINALITY AS u(s, m, i) ORDER BY i`, starts, months)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var got time.Time
		if err := rows.Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := portal.AddTermMonths(starts[i], int(months[i])); !got.Equal(want) {
			t.Errorf("%s + %d months: SQL %s, Go %s", starts[i].Format(time.DateOnly), months[i], got.Format(time.DateOnly), want.Format(time.DateOnly))
		}
		i++
	}
	if err := rows.Err(); err != nil || i != len(starts) {
		t.Fatalf("%d of %d rows: %v", i, len(starts), err)
	}
}

// TestContractRulesKeptWithEveryChange: R15 and R16 follow a contract's
// changes in the change's own transaction, as the board shows them at
// once and a whole recomputation agrees: a system in operation without a
// contract (R15), a contract that ran out without a decision (R16) and
// covers it (still R15, "ended"), a contract that renews tacitly covering
// it (R15 mended), the first one's termination recorded (R16 mended), and
// the system removed from the renewing contract (R15 again).
func TestContractRulesKeptWithEveryChange(t *testing.T) {
	t.Parallel()
	f := newSuppliers(t)
	ctx := context.Background()
	now := func() time.Time { return supplierToday }
	board := postgres.NewComplianceService(f.db.Pool(t), nil, "https://www.lillaedet.se", now)
	var sys int64
	if err := f.db.OwnerPool(t).QueryRow(ctx, `INSERT INTO systems (name, lifecycle, introduced_before_portal) VALUES ('Procapita', 'i_drift', true) RETURNING id`).Scan(&sys); err != nil {
		t.Fatal(err)
	}
	if _, err := board.Recompute(ctx, false); err != nil {
		t.Fatal(err)
	}
	step := func(name string, r15, r16 int, change func() error) {
		t.Helper()
		if err := change(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := board.RuleCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got["R15"] != r15 || got["R16"] != r16 {
			t.Errorf("%s: R15 %d, R16 %d; want %d, %d", name, got["R15"], got["R16"], r15, r16)
		}
		if r, err := board.Recompute(ctx, false); err != nil || r.Added != 0 || r.Removed != 0 {
			t.Errorf("%s left the board out of step: %+v %v", name, r, err)
		}
	}
	supplier := f.supplier(t, "Visma AB", "556016-0680")
	step("a system in operation", 1, 0, func() error { return nil })
	var ended, renewing int64
	step("a contract that ran out at the end of 2025 covers it", 1, 1, func() (err error) {
		in := contractInput(supplier, f.dept)
		in.Name, in.Start, in.InitialMonths, in.NoticeMonths, in.RenewalMonths = "Gammalt avtal", "2024-01-01", "24", "3", "0"
		if ended, err = f.contract(t, in); err != nil {
			return err
		}
		return f.contracts.AddSystem(ctx, f.it, ended, "Procapita", "req")
	})
	step("a contract renewed tacitly covers it", 0, 1, func() (err error) {
		in := contractInput(supplier, f.dept)
		in.Name = "Nytt avtal"
		if renewing, err = f.contract(t, in); err != nil {
			return err
		}
		return f.contracts.AddSystem(ctx, f.it, renewing, "Procapita", "req")
	})
	step("the old contract's termination is recorded", 0, 0, func() error {
		c, err := f.contracts.GetForEdit(ctx, f.it, ended)
		if err != nil {
			return err
		}
		c.TerminatedBy, c.TerminatedOn, c.Terms.EndsOn = "kommunen", date("2025-09-01"), date("2025-12-31")
		c.ContractFields.ResponsibleEmail = "bertil.berg@lillaedet.se"
		_, err = f.contracts.Save(ctx, f.it, ended, c.ContractFields, "req")
		return err
	})
	step("the system is removed from the renewed contract", 1, 0, func() error {
		return f.contracts.RemoveSystem(ctx, f.it, renewing, sys, "req")
	})
	list, err := board.ForSystem(ctx, f.it, sys)
	var r15 []postgres.ComplianceBreach
	for _, b := range list {
		if b.Rule == "R15" {
			r15 = append(r15, b)
		}
	}
	if err != nil || len(r15) != 1 || r15[0].Check != "r15_no_contract" || r15[0].Detail != "ended" {
		t.Errorf("the system's R15 breaches: %+v %v", r15, err)
	}
}
