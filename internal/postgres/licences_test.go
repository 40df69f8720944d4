package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
)

type licenceFixture struct {
	*supplierFixture
	licences *postgres.LicenceService
	system   int64
}

func newLicences(t *testing.T) *licenceFixture {
	t.Helper()
	f := &licenceFixture{supplierFixture: newSuppliers(t)}
	f.licences = postgres.NewLicenceService(f.db.Pool(t), "https://www.lillaedet.se", func() time.Time { return supplierToday })
	if err := f.db.OwnerPool(t).QueryRow(context.Background(),
		`INSERT INTO systems (name, lifecycle, introduced_before_portal) VALUES ('Office 365', 'i_drift', true) RETURNING id`).Scan(&f.system); err != nil {
		t.Fatal(err)
	}
	return f
}

func licenceFields(t *testing.T, in portal.LicenceInput) portal.LicenceFields {
	t.Helper()
	f, errs := in.Parse(supplierToday)
	if len(errs) > 0 {
		t.Fatalf("input refused: %v", errs)
	}
	return f
}

// r17 is how many R17 breaches the board keeps for the system.
func (f *licenceFixture) r17(t *testing.T) int {
	return f.count(t, `SELECT count(*) FROM compliance_breaches WHERE check_key = 'r17_overused' AND system_id = $1`, f.system)
}

// TestLicencesAreKeptByITUnitAndCheckedByR17: IT-enheten creates, changes
// and removes licences (each in the history, the removal too); an
// employee reads but may not change; a second licence of the same model
// is refused; an over-used licence is an R17 breach kept in the same
// transaction, and gone when the count is put right, or the model is a
// site licence.
func TestLicencesAreKeptByITUnitAndCheckedByR17(t *testing.T) {
	t.Parallel()
	f := newLicences(t)
	ctx := context.Background()
	in := portal.LicenceInput{Model: "per_anvandare", Bought: "100", InUse: "120", CountedOn: "2026-02-20", RenewalOn: "2026-05-01"}
	if _, err := f.licences.Save(ctx, f.employee, 0, "Office 365", licenceFields(t, in), "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Fatalf("an employee saved a licence: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM licences`); n != 0 {
		t.Fatalf("%d licences after a refused save", n)
	}
	if _, err := f.licences.Save(ctx, f.it, 0, "Finns inte", licenceFields(t, in), "req"); !strings.Contains(fieldOf(err, "system"), "inget system") {
		t.Fatalf("unknown system: %v", err)
	}
	id, err := f.licences.Save(ctx, f.it, 0, "office 365", licenceFields(t, in), "req")
	if err != nil {
		t.Fatal(err)
	}
	if n := f.r17(t); n != 1 {
		t.Fatalf("over-used licence: %d R17 breaches, want 1", n)
	}
	if _, err := f.licences.Save(ctx, f.it, 0, "Office 365", licenceFields(t, in), "req"); !strings.Contains(fieldOf(err, "model"), "redan en licens") {
		t.Fatalf("second licence of the model: %v", err)
	}
	list, err := f.licences.List(ctx, f.employee, postgres.LicenceFilter{OverUsed: true})
	if err != nil || len(list) != 1 || list[0].SystemName != "Office 365" || !strings.HasPrefix(list[0].Status(), "Överanvänd: 20") {
		t.Fatalf("over-used list for an employee: %+v, %v", list, err)
	}
	if list, _ := f.licences.List(ctx, f.employee, postgres.LicenceFilter{RenewalWithin: 90}); len(list) != 1 {
		t.Errorf("renewal on 1 May is within 90 days of 1 March: %+v", list)
	}
	if list, _ := f.licences.List(ctx, f.employee, postgres.LicenceFilter{RenewalWithin: 30}); len(list) != 0 {
		t.Errorf("renewal on 1 May is not within 30 days of 1 March: %+v", list)
	}
	if _, err := f.licences.List(ctx, nil, postgres.LicenceFilter{}); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("read without signing in: %v", err)
	}
	// Counted again: within what was bought, the breach is gone.
	in.InUse, in.CountedOn = "95", "2026-02-28"
	if _, err := f.licences.Save(ctx, f.it, id, "", licenceFields(t, in), "req"); err != nil {
		t.Fatal(err)
	}
	if n := f.r17(t); n != 0 {
		t.Fatalf("after the count was put right: %d R17 breaches", n)
	}
	// A site licence allows any number.
	site := portal.LicenceInput{Model: "plats", InUse: "5000", CountedOn: "2026-02-28"}
	if _, err := f.licences.Save(ctx, f.it, 0, "Office 365", licenceFields(t, site), "req"); err != nil || f.r17(t) != 0 {
		t.Fatalf("site licence: %v, %d breaches", err, f.r17(t))
	}
	if _, err := f.licences.Remove(ctx, f.employee, id, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Fatalf("an employee removed a licence: %v", err)
	}
	in.InUse = "130"
	if _, err := f.licences.Save(ctx, f.it, id, "", licenceFields(t, in), "req"); err != nil || f.r17(t) != 1 {
		t.Fatalf("over-used again: %v, %d", err, f.r17(t))
	}
	if _, err := f.licences.Remove(ctx, f.it, id, "req"); err != nil {
		t.Fatal(err)
	}
	if n := f.r17(t); n != 0 {
		t.Errorf("after removal: %d R17 breaches", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE object_type = 'licence' AND object_id = $1`, itoa(id)); n != 4 {
		t.Errorf("%d audit entries of the licence, want created, updated twice, removed", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'licence.removed' AND changes -> 'bought' ->> 'before' = '100'`); n != 1 {
		t.Errorf("the removal's audit entry does not keep what the licence said")
	}
}

func fieldOf(err error, field string) string {
	var pe *portal.Error
	if !asPortal(err, &pe) {
		return ""
	}
	return pe.Fields[field]
}
