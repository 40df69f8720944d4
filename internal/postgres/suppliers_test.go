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
	"itportal/internal/testkit"
)

type supplierFixture struct {
	db        testkit.DB
	suppliers *postgres.SupplierService
	contracts *postgres.ContractService
	it        *portal.Actor
	employee  *portal.Actor
	dept      int64
	admin     int64
}

// today is the fixture's clock: 1 March 2026.
var supplierToday = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func newSuppliers(t *testing.T) *supplierFixture {
	t.Helper()
	f := &supplierFixture{db: testkit.NewDB(t)}
	ctx := context.Background()
	owner := f.db.OwnerPool(t)
	if err := owner.QueryRow(ctx, `INSERT INTO departments (name, short_name) VALUES ('Socialförvaltningen', 'SOC') RETURNING id`).Scan(&f.dept); err != nil {
		t.Fatal(err)
	}
	var it, emp int64
	for _, p := range []struct {
		name string
		id   *int64
	}{{"IT Person", &it}, {"Anna Andersson", &emp}, {"Bertil Berg", &f.admin}} {
		if err := owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ($1, lower(replace($1, ' ', '.')) || '@lillaedet.se') RETURNING id`, p.name).Scan(p.id); err != nil {
			t.Fatal(err)
		}
	}
	pool := f.db.Pool(t)
	now := func() time.Time { return supplierToday }
	f.suppliers, f.contracts = postgres.NewSupplierService(pool, now), postgres.NewContractService(pool, "https://www.lillaedet.se", now)
	f.it = &portal.Actor{PersonID: it, Name: "IT Person", Roles: []portal.Role{portal.RoleITUnit}}
	f.employee = &portal.Actor{PersonID: emp, Name: "Anna Andersson"}
	return f
}

func (f *supplierFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.OwnerPool(t).QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *supplierFixture) supplier(t *testing.T, name, org string) int64 {
	t.Helper()
	id, err := f.suppliers.Save(context.Background(), f.it, 0, portal.SupplierFields{Name: name, OrgNumber: org}, "req")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func contractInput(supplier, dept int64) portal.ContractInput {
	return portal.ContractInput{Name: "Verksamhetssystem för socialtjänsten", SupplierID: itoa(supplier), Procurement: portal.ProcurementLOU,
		OurReference: "KS 2023/118", Start: "2024-01-01", InitialMonths: "24", NoticeMonths: "6", RenewalMonths: "12",
		DepartmentID: itoa(dept), ResponsibleEmail: "bertil.berg@lillaedet.se"}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (f *supplierFixture) contract(t *testing.T, in portal.ContractInput) (int64, error) {
	t.Helper()
	fields, errs := in.Parse()
	if len(errs) > 0 {
		t.Fatalf("input refused: %v", errs)
	}
	return f.contracts.Save(context.Background(), f.it, 0, fields, "req")
}

func TestSuppliersAreKeptByITUnitAndReadByEveryone(t *testing.T) {
	t.Parallel()
	f := newSuppliers(t)
	ctx := context.Background()
	if _, err := f.suppliers.Save(ctx, f.employee, 0, portal.SupplierFields{Name: "Visma AB", OrgNumber: "556016-0680"}, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Fatalf("an employee saved a supplier: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM suppliers`); n != 0 {
		t.Fatalf("%d suppliers after a refused save", n)
	}
	id := f.supplier(t, "Visma  AB", "5560160680")
	for _, c := range []struct {
		fields portal.SupplierFields
		field  string
		says   string
	}{
		{portal.SupplierFields{Name: "VISMA aktiebolag", OrgNumber: "212000-1355"}, "name", "Visma AB (556016-0680)"},
		{portal.SupplierFields{Name: "visma", OrgNumber: "212000-1355"}, "name", "finns redan"},
		{portal.SupplierFields{Name: "Atea Sverige AB", OrgNumber: "16556016-0680"}, "org_number", "Visma AB"},
		{portal.SupplierFields{Name: "Atea Sverige AB", OrgNumber: "556448-0283"}, "org_number", "kontrollsiffran"},
	} {
		_, err := f.suppliers.Save(ctx, f.it, 0, c.fields, "req")
		var pe *portal.Error
		if !asPortal(err, &pe) || !strings.Contains(pe.Fields[c.field], c.says) {
			t.Errorf("%+v: %v", c.fields, err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM suppliers`); n != 1 {
		t.Fatalf("%d suppliers after refused duplicates", n)
	}
	// Everyone signed in reads; the stored name and number are normalised.
	list, err := f.suppliers.List(ctx, f.employee, "visma aktiebolag")
	if err != nil || len(list) != 1 || list[0].Name != "Visma AB" || list[0].OrgNumber != "556016-0680" {
		t.Fatalf("search: %+v, %v", list, err)
	}
	if list, _ := f.suppliers.List(ctx, f.employee, "5560160680"); len(list) != 1 {
		t.Errorf("search by organisation number: %+v", list)
	}
	if _, err := f.suppliers.List(ctx, nil, ""); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("read without signing in: %v", err)
	}
	if err := f.suppliers.AddContact(ctx, f.employee, id, portal.ContactFields{Role: "Support", Name: "Kim", Email: "support@visma.se"}, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("an employee added a contact: %v", err)
	}
	if err := f.suppliers.AddContact(ctx, f.it, id, portal.ContactFields{Role: "Säkerhetsincident", Name: "Kim Lund", Email: "soc@visma.se", Phone: "+46 8 123 456"}, "req"); err != nil {
		t.Fatal(err)
	}
	v, err := f.suppliers.Get(ctx, f.employee, id)
	if err != nil || len(v.Contacts) != 1 || v.Contacts[0].Email != "soc@visma.se" {
		t.Fatalf("page: %+v, %v", v, err)
	}
	if err := f.suppliers.RemoveContact(ctx, f.it, id, v.Contacts[0].ID, "req"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.suppliers.Save(ctx, f.it, id, portal.SupplierFields{Name: "Visma Public AB", OrgNumber: "556016-0680"}, "req"); err != nil {
		t.Fatal(err)
	}
	v, _ = f.suppliers.Get(ctx, f.employee, id)
	var actions []string
	for _, a := range v.Audit {
		actions = append(actions, a.Action)
	}
	if got := strings.Join(actions, " "); got != "supplier.created supplier.contact_added supplier.contact_removed supplier.updated" {
		t.Errorf("history: %s", got)
	}
}

func TestContractsDatesAndTheSupplierPage(t *testing.T) {
	t.Parallel()
	f := newSuppliers(t)
	ctx := context.Background()
	owner := f.db.OwnerPool(t)
	sup := f.supplier(t, "Visma AB", "556016-0680")
	var sys int64
	if err := owner.QueryRow(ctx, `INSERT INTO systems (name, lifecycle, personal_data) VALUES ('Procapita', 'i_drift', 'kansliga') RETURNING id`).Scan(&sys); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `
		INSERT INTO role_assignments (system_id, role, department_id, valid) VALUES ($1, 'owner', $2, daterange('2020-01-01', NULL));
		`, sys, f.dept); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, person_id, valid) VALUES ($1, 'administrator', $2, daterange('2020-01-01', NULL))`, sys, f.admin); err != nil {
		t.Fatal(err)
	}

	// An employee may not create a contract; nothing is saved.
	fields, _ := contractInput(sup, f.dept).Parse()
	if _, err := f.contracts.Save(ctx, f.employee, 0, fields, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Fatalf("an employee saved a contract: %v", err)
	}
	// Renewed tacitly for a year from 2026-01-01; on 2026-03-01 notice is due by 2026-06-30.
	id, err := f.contract(t, contractInput(sup, f.dept))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.contracts.AddSystem(ctx, f.employee, id, "Procapita", "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("an employee added a system: %v", err)
	}
	if err := f.contracts.AddSystem(ctx, f.it, id, "procapita", "req"); err != nil {
		t.Fatal(err)
	}
	if err := f.contracts.AddSystem(ctx, f.it, id, "Procapita", "req"); fieldErrorsOf(err)["system"] == "" {
		t.Errorf("the same system twice: %v", err)
	}
	if err := f.contracts.AddSystem(ctx, f.it, id, "Finns inte", "req"); fieldErrorsOf(err)["system"] == "" {
		t.Errorf("an unknown system: %v", err)
	}

	page, err := f.suppliers.Get(ctx, f.employee, sup)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Systems) != 1 || page.Systems[0].Owner != "Socialförvaltningen" || page.Systems[0].Administrator != "Bertil Berg" ||
		page.Systems[0].AdministratorEmail != "bertil.berg@lillaedet.se" || page.Systems[0].PersonalData != "kansliga" {
		t.Errorf("the supplier's systems: %+v", page.Systems)
	}
	if len(page.Contracts) != 1 || page.Contracts[0].Dates.NoticeBy.Format("2006-01-02") != "2026-06-30" ||
		page.Contracts[0].Dates.TermEnd.Format("2006-01-02") != "2026-12-31" || !page.Contracts[0].Dates.Active {
		t.Errorf("the supplier's contracts: %+v", page.Contracts)
	}

	// A call-off from a framework that has ended is refused; nothing is saved.
	framework := contractInput(sup, f.dept)
	framework.Name, framework.Start, framework.InitialMonths, framework.NoticeMonths, framework.RenewalMonths = "Ramavtal Adda", "2020-01-01", "48", "0", ""
	fw, err := f.contract(t, framework)
	if err != nil {
		t.Fatal(err)
	}
	callOff := contractInput(sup, f.dept)
	callOff.Name, callOff.Procurement, callOff.ParentID, callOff.Start = "Avrop 2025", portal.ProcurementCallOff, itoa(fw), "2025-01-01"
	if _, err := f.contract(t, callOff); !strings.Contains(fieldErrorsOf(err)["parent_id"], "gäller inte") {
		t.Errorf("a call-off after its framework ended: %v", err)
	}
	callOff.Start = "2023-06-01"
	co, err := f.contract(t, callOff)
	if err != nil {
		t.Fatal(err)
	}
	// An unknown responsible person is refused.
	stranger := contractInput(sup, f.dept)
	stranger.ResponsibleEmail = "nobody@lillaedet.se"
	if _, err := f.contract(t, stranger); fieldErrorsOf(err)["responsible_email"] == "" {
		t.Errorf("an unknown responsible person: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM contracts`); n != 3 {
		t.Errorf("%d contracts, want 3", n)
	}

	// The list is sorted by the next notice deadline; the filter keeps those within 180 days.
	all, err := f.contracts.List(ctx, f.employee, postgres.ContractFilter{})
	if err != nil || len(all) != 3 || all[0].ID != id {
		t.Fatalf("list: %+v, %v", all, err)
	}
	soon, err := f.contracts.List(ctx, f.employee, postgres.ContractFilter{NoticeWithin: 180})
	if err != nil || len(soon) != 1 || soon[0].ID != id { // the framework has ended; the call-off's deadline is 2026-11-30
		t.Fatalf("within 180 days: %+v, %v", soon, err)
	}

	// Terminating it: its history keeps before and after.
	in := contractInput(sup, f.dept)
	in.TerminatedBy, in.TerminatedOn, in.EndsOn = "kommunen", "2026-02-15", "2026-12-31"
	changed, errs := in.Parse()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, err := f.contracts.Save(ctx, f.it, id, changed, "req"); err != nil {
		t.Fatal(err)
	}
	v, err := f.contracts.Get(ctx, f.employee, id)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Dates.NoticeBy.IsZero() || !v.Dates.Active || len(v.Systems) != 1 {
		t.Errorf("terminated: %+v, %+v", v.Dates, v.Systems)
	}
	last := v.Audit[len(v.Audit)-1]
	if last.Action != "contract.updated" || last.Changes["ends_on"] == nil || last.Changes["name"] != nil {
		t.Errorf("history: %+v", last)
	}
	fwView, _ := f.contracts.Get(ctx, f.employee, fw)
	if len(fwView.CallOffs) != 1 || fwView.CallOffs[0].ID != co {
		t.Errorf("call-offs: %+v", fwView.CallOffs)
	}
}

func asPortal(err error, target **portal.Error) bool { return errors.As(err, target) }

// fieldErrorsOf returns the per-field messages of an invalid-input error.
func fieldErrorsOf(err error) map[string]string {
	var pe *portal.Error
	if errors.As(err, &pe) {
		return pe.Fields
	}
	return nil
}
