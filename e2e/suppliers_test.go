package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"itportal/internal/portaltest"
)

// TestJourneySupplierIncident: an employee opens a supplier's page and,
// by keyboard, its print view for an incident: every system the
// supplier's contracts cover with its owner, administrator and address.
// Both pages are checked with axe-core and the Nu HTML Checker.
func TestJourneySupplierIncident(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	ctx := context.Background()
	var supplier, person, contract, system int64
	for _, q := range []struct {
		sql  string
		into *int64
	}{
		{`INSERT INTO suppliers (name, normalised_name, org_number) VALUES ('Visma AB', 'visma', '556016-0680') RETURNING id`, &supplier},
		{`INSERT INTO people (name, email) VALUES ('Greta Gren', 'greta.gren@lillaedet.se') RETURNING id`, &person},
	} {
		if err := p.Owner.QueryRow(ctx, q.sql).Scan(q.into); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Owner.QueryRow(ctx, `INSERT INTO contracts (name, supplier_id, procurement, start_on, initial_months, renewal_months, notice_months, department_id, responsible_id)
		SELECT 'Ekonomiavtalet', $1, 'lou', '2025-01-01', 36, 12, 6, id, $2 FROM departments WHERE short_name = 'SOC' RETURNING id`, supplier, person).Scan(&contract); err != nil {
		t.Fatal(err)
	}
	if err := p.Owner.QueryRow(ctx, `INSERT INTO systems (name, lifecycle, personal_data) VALUES ('Ekonomisystemet', 'i_drift', 'kansliga') RETURNING id`).Scan(&system); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO role_assignments (system_id, role, department_id, valid) SELECT $1, 'owner', id, '[2024-01-01,)' FROM departments WHERE short_name = 'SOC'`,
		`INSERT INTO role_assignments (system_id, role, person_id, valid) VALUES ($1, 'administrator', $2, '[2024-01-01,)')`,
	} {
		args := []any{system}
		if strings.Contains(q, "$2") {
			args = append(args, person)
		}
		if _, err := p.Owner.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Owner.Exec(ctx, `INSERT INTO contract_systems (contract_id, system_id) VALUES ($1, $2)`, contract, system); err != nil {
		t.Fatal(err)
	}
	path := "/leverantorer/" + strconv.FormatInt(supplier, 10)
	b := newBrowser(t, true, pages)
	b.signIn(p, "medarbetare", path, true)
	b.check("leverantör")
	b.tabTo(`a[data-testid=supplier-print]`)
	b.activate()
	if b.path() != path+"/utskrift" {
		t.Fatalf("the print link led to %s", b.path())
	}
	text := eval[string](b, `document.querySelector("main").textContent`)
	for _, want := range []string{"Visma AB: underlag vid incident", "Ekonomisystemet", "Socialförvaltningen", "Greta Gren", "greta.gren@lillaedet.se", "Ekonomiavtalet"} {
		if !strings.Contains(text, want) {
			t.Errorf("the print view lacks %q", want)
		}
	}
	b.check("leverantör, utskrift vid incident")
	pages.validate(t)
}
