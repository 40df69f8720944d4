package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

type equipmentFixture struct {
	db                 testkit.DB
	svc                *postgres.EquipmentService
	it, employee, boss *portal.Actor
	soc, buf           int64
	clock              time.Time
}

// The fixture's clock: 2 December 2026.
func newEquipment(t *testing.T) *equipmentFixture {
	t.Helper()
	f := &equipmentFixture{db: testkit.NewDB(t), clock: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	owner := f.db.OwnerPool(t)
	for _, d := range []struct {
		name, short string
		id          *int64
	}{{"Socialförvaltningen", "SOC", &f.soc}, {"Barn- och utbildningsförvaltningen", "BUF", &f.buf}} {
		if err := owner.QueryRow(ctx, `INSERT INTO departments (name, short_name) VALUES ($1, $2) RETURNING id`, d.name, d.short).Scan(d.id); err != nil {
			t.Fatal(err)
		}
	}
	var it, emp, boss int64
	for _, p := range []struct {
		name string
		dept int64
		id   *int64
	}{{"IT Person", f.soc, &it}, {"Sara Chef", f.soc, &boss}, {"Anna Andersson", f.soc, &emp}} {
		if err := owner.QueryRow(ctx, `INSERT INTO people (name, email, department_id) VALUES ($1, lower(replace($1, ' ', '.')) || '@lillaedet.se', $2) RETURNING id`, p.name, p.dept).Scan(p.id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := owner.Exec(ctx, `UPDATE people SET manager_id = $1 WHERE id = $2`, boss, emp); err != nil {
		t.Fatal(err)
	}
	f.svc = postgres.NewEquipmentService(f.db.Pool(t), func() time.Time { return f.clock })
	f.it = &portal.Actor{PersonID: it, Name: "IT Person", DepartmentID: f.soc, Roles: []portal.Role{portal.RoleITUnit}}
	f.employee = &portal.Actor{PersonID: emp, Name: "Anna Andersson", DepartmentID: f.soc}
	f.boss = &portal.Actor{PersonID: boss, Name: "Sara Chef", DepartmentID: f.soc}
	if _, err := f.svc.AddPrice(ctx, f.it, portal.PriceInput{Type: portal.EquipmentComputer, ValidFrom: "2026-01-01", Monthly: "310"}, "t"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *equipmentFixture) piece(t *testing.T, serial, inventory string) int64 {
	t.Helper()
	id, err := f.svc.Create(context.Background(), f.it, portal.EquipmentInput{Type: portal.EquipmentComputer, Manufacturer: "Dell", Model: "Latitude 5450",
		SerialNumber: serial, InventoryNumber: inventory, PurchasedOn: "2025-01-10", Price: "12 000", LifeMonths: "48"}, "t")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *equipmentFixture) rent(t *testing.T, id, dept int64, from string) postgres.RentalOutcome {
	t.Helper()
	out, err := f.svc.Rent(context.Background(), f.it, id, postgres.RentalChange{DepartmentID: dept, From: date(from)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func totalOf(r postgres.ChargeReport, dept int64) int64 {
	for _, d := range r.Departments {
		if d.ID == dept {
			return d.TotalOre
		}
	}
	return 0
}

// TestEquipmentDuplicatesRefused: a second piece with the serial number of
// one of the same type and manufacturer, or with a taken inventory number,
// is refused with a Swedish message on the field, and nothing is saved.
func TestEquipmentDuplicatesRefused(t *testing.T) {
	t.Parallel()
	f := newEquipment(t)
	ctx := context.Background()
	f.piece(t, "7XK2M93", "IT-0001")
	in := portal.EquipmentInput{Type: portal.EquipmentComputer, Manufacturer: "DELL", Model: "Latitude", SerialNumber: "7xk2m93",
		InventoryNumber: "it-0001", PurchasedOn: "2025-01-10", Price: "12 000", LifeMonths: "48"}
	_, err := f.svc.Create(ctx, f.it, in, "t")
	fields := fieldsOf(err)
	if !strings.Contains(fields["serial_number"], "samma typ och tillverkare") || !strings.Contains(fields["inventory_number"], "finns redan") {
		t.Fatalf("duplicates: %v", err)
	}
	// The same serial number from another manufacturer is another piece.
	in.Manufacturer, in.InventoryNumber = "Lenovo", "IT-0002"
	if _, err := f.svc.Create(ctx, f.it, in, "t"); err != nil {
		t.Fatalf("another manufacturer's serial number: %v", err)
	}
	var n int
	if err := f.db.OwnerPool(t).QueryRow(ctx, `SELECT count(*) FROM equipment`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d pieces, want 2 (%v)", n, err)
	}
	var audits int
	_ = f.db.OwnerPool(t).QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'equipment.created'`).Scan(&audits)
	if audits != 2 {
		t.Errorf("%d audit entries for two pieces", audits)
	}
}

// TestEquipmentRentalHistoryKept: a change of renter ends the running
// period the day before and keeps it; scrapped equipment is not rented.
func TestEquipmentRentalHistoryKept(t *testing.T) {
	t.Parallel()
	f := newEquipment(t)
	ctx := context.Background()
	id := f.piece(t, "A1", "IT-0001")
	f.rent(t, id, f.soc, "2026-03-01")
	f.rent(t, id, f.buf, "2026-11-16")
	v, err := f.svc.Get(ctx, f.it, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Rentals) != 2 || v.Rentals[0].To == nil || !v.Rentals[0].To.Equal(date("2026-11-16")) || v.Rentals[1].Department != "Barn- och utbildningsförvaltningen" {
		t.Fatalf("history: %+v", v.Rentals)
	}
	if v.Equipment.Status != portal.EquipmentRented {
		t.Errorf("status %q", v.Equipment.Status)
	}
	// Overlapping: a change from before the latest one is refused.
	_, err = f.svc.Rent(ctx, f.it, id, postgres.RentalChange{DepartmentID: f.soc, From: date("2026-10-01")})
	if !strings.Contains(fieldsOf(err)["from"], "redan en uthyrning") {
		t.Errorf("an overlapping rental: %v", err)
	}
	if err := f.svc.Scrap(ctx, f.it, id, date("2026-12-01"), "t"); !strings.Contains(fieldsOf(err)["scrapped_on"], "återlämna den först") {
		t.Errorf("scrapping a rented piece: %v", err)
	}
	if _, err := f.svc.Return(ctx, f.it, id, date("2026-12-01"), "t"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Scrap(ctx, f.it, id, date("2026-12-02"), "t"); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Rent(ctx, f.it, id, postgres.RentalChange{DepartmentID: f.soc, From: date("2026-12-10")})
	if !strings.Contains(fieldsOf(err)["from"], "skrotad") {
		t.Errorf("renting scrapped equipment: %v", err)
	}
	var audits int
	_ = f.db.OwnerPool(t).QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE object_type = 'equipment' AND object_id = $1`, itoa(id)).Scan(&audits)
	if audits != 5 { // created, rented twice, returned, scrapped
		t.Errorf("%d audit entries, want 5", audits)
	}
}

// TestClosedMonthIsLockedAndCorrectedInTheNextMonth: closing October keeps
// its charge as it was; a change of renter dated into October afterwards
// leaves the closed report unchanged and is charged in November as a
// correction ("avser 2026-10"), which closing November stores in turn.
func TestClosedMonthIsLockedAndCorrectedInTheNextMonth(t *testing.T) {
	t.Parallel()
	f := newEquipment(t)
	ctx := context.Background()
	id := f.piece(t, "A1", "IT-0001")
	f.rent(t, id, f.soc, "2026-03-01")
	oct := date("2026-10-01")
	// November cannot be closed before October, nor December before it ends.
	if err := f.svc.CloseMonth(ctx, f.it, date("2026-12-01"), "t"); portal.KindOf(err) != portal.KindConflict {
		t.Errorf("closing a running month: %v", err)
	}
	if err := f.svc.CloseMonth(ctx, f.it, oct, "t"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.CloseMonth(ctx, f.it, oct, "t"); portal.KindOf(err) != portal.KindConflict {
		t.Errorf("closing October twice: %v", err)
	}
	before, err := f.svc.Charge(ctx, f.it, oct, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !before.Closed || totalOf(before, f.soc) != 310_00 {
		t.Fatalf("closed October: %+v", before)
	}
	// After closing, the piece turns out to have moved to BUF on 16 October.
	out := f.rent(t, id, f.buf, "2026-10-16")
	if len(out.ClosedMonths) != 1 || !out.CorrectedIn.Equal(date("2026-11-01")) {
		t.Errorf("the change does not say it corrects a closed month: %+v", out)
	}
	after, err := f.svc.Charge(ctx, f.it, oct, 0)
	if err != nil {
		t.Fatal(err)
	}
	if totalOf(after, f.soc) != 310_00 || totalOf(after, f.buf) != 0 || len(after.Departments) != 1 {
		t.Errorf("the closed report changed: %+v", after)
	}
	nov, err := f.svc.Charge(ctx, f.it, date("2026-11-01"), 0)
	if err != nil {
		t.Fatal(err)
	}
	// November: BUF the whole month (310) + its October correction 310×16/31 = 160.00;
	// SOC nothing in November and −160.00 back for October.
	if totalOf(nov, f.buf) != 310_00+160_00 || totalOf(nov, f.soc) != -160_00 {
		t.Fatalf("November with the correction: SOC %d, BUF %d", totalOf(nov, f.soc), totalOf(nov, f.buf))
	}
	var corrections int
	for _, d := range nov.Departments {
		for _, l := range d.Lines {
			if l.CorrectsMonth != nil && l.CorrectsMonth.Equal(oct) {
				corrections++
			}
		}
	}
	if corrections != 2 || len(nov.Corrects) != 1 {
		t.Errorf("%d correction lines for October", corrections)
	}
	if err := f.svc.CloseMonth(ctx, f.it, date("2026-11-01"), "t"); err != nil {
		t.Fatal(err)
	}
	// The correction is charged once: December owes nothing for October.
	f.clock = time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC)
	dec, err := f.svc.Charge(ctx, f.it, date("2026-12-01"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(dec.Corrects) != 0 || totalOf(dec, f.buf) != 310_00 || totalOf(dec, f.soc) != 0 {
		t.Errorf("December: %+v", dec)
	}
	// Stored lines are never changed by the runtime role.
	if _, err := f.db.Pool(t).Exec(ctx, `UPDATE charge_lines SET amount_ore = 0`); err == nil {
		t.Error("the runtime role can edit a closed month's lines")
	}
}

// TestChargeReadByManagerOnlyForOwnDepartment: a manager reads their own
// department's charge and no other; an employee who manages nobody reads
// none, nor edits anything.
func TestChargeReadByManagerOnlyForOwnDepartment(t *testing.T) {
	t.Parallel()
	f := newEquipment(t)
	ctx := context.Background()
	a := f.piece(t, "A1", "IT-0001")
	b := f.piece(t, "B1", "IT-0002")
	f.rent(t, a, f.soc, "2026-03-01")
	f.rent(t, b, f.buf, "2026-03-01")
	nov := date("2026-11-01")
	r, err := f.svc.Charge(ctx, f.boss, nov, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Departments) != 1 || r.Departments[0].ID != f.soc || r.CanClose {
		t.Errorf("the manager's charge: %+v", r)
	}
	if _, err := f.svc.Charge(ctx, f.boss, nov, f.buf); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("another department's charge: %v", err)
	}
	if _, err := f.svc.Charge(ctx, f.employee, nov, 0); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("an employee's charge: %v", err)
	}
	list, err := f.svc.List(ctx, f.boss, postgres.EquipmentFilter{})
	if err != nil || len(list) != 1 || list[0].ID != a {
		t.Errorf("the manager's inventory: %+v %v", list, err)
	}
	if _, err := f.svc.Get(ctx, f.boss, b); portal.KindOf(err) != portal.KindNotFound {
		t.Errorf("another department's piece: %v", err)
	}
	if _, err := f.svc.Rent(ctx, f.employee, a, postgres.RentalChange{DepartmentID: f.soc, From: nov}); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("an employee rents out: %v", err)
	}
	if _, err := f.svc.Create(ctx, f.boss, portal.EquipmentInput{}, "t"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("a manager creates: %v", err)
	}
	// Everyone reads what they use.
	if _, err := f.svc.Rent(ctx, f.it, b, postgres.RentalChange{DepartmentID: f.buf, PersonID: f.employee.PersonID, From: date("2026-12-01")}); err != nil {
		t.Fatal(err)
	}
	if mine, err := f.svc.List(ctx, f.employee, postgres.EquipmentFilter{}); err != nil || len(mine) != 1 || mine[0].ID != b {
		t.Errorf("an employee's own equipment: %+v %v", mine, err)
	}
}
