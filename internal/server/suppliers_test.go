package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// TestSupplierFormRefusesBadInput: a wrong check digit, a duplicate that
// differs only in case or "AB", and hostile text each get a Swedish
// message on the form with the values kept, and nothing is saved.
func TestSupplierFormRefusesBadInput(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	count := func() int {
		var n int
		if err := h.Owner.QueryRow(ctx, `SELECT count(*) FROM suppliers`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	it := h.SignedIn(itUnit)
	if resp := h.SignedIn(employee).Post("/leverantorer/ny", url.Values{"name": {"Visma AB"}, "org_number": {"556016-0680"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an employee's supplier: %d", resp.StatusCode)
	}
	for _, c := range []struct {
		what  string
		form  url.Values
		says  string
		keeps string
	}{
		{"wrong check digit", url.Values{"name": {"Visma AB"}, "org_number": {"556016-0681"}}, "kontrollsiffran", `value="556016-0681"`},
		{"twelve digits without 16", url.Values{"name": {"Visma AB"}, "org_number": {"195560160680"}}, "börjar med 16", `value="Visma AB"`},
		{"control characters", url.Values{"name": {"Visma\x1b[2J AB"}, "org_number": {"556016-0680"}}, "inte är tillåtna", `value="556016-0680"`},
	} {
		resp := it.Post("/leverantorer/ny", c.form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, c.says) || !strings.Contains(resp.Body, c.keeps) || !strings.Contains(resp.Body, "<title>Fel: ") {
			t.Errorf("%s: %d, message or values missing", c.what, resp.StatusCode)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("%d suppliers saved from refused forms", n)
	}
	resp := it.Post("/leverantorer/ny", url.Values{"name": {"Visma AB"}, "org_number": {"5560160680"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, resp.Body)
	}
	location := resp.Header.Get("Location")
	for _, dup := range []string{"VISMA aktiebolag", "  visma  ", "Visma AB (publ)"} {
		resp := it.Post("/leverantorer/ny", url.Values{"name": {dup}, "org_number": {"556448-0282"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Leverantören finns redan: Visma AB (556016-0680)") {
			t.Errorf("duplicate %q: %d", dup, resp.StatusCode)
		}
	}
	if n := count(); n != 1 {
		t.Errorf("%d suppliers after duplicates, want 1", n)
	}
	// Markup is kept as text and shown escaped.
	resp = it.Post("/leverantorer/ny", url.Values{"name": {"<script>alert(1)</script> Data AB"}, "org_number": {"556448-0282"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	page := it.Get(resp.Header.Get("Location"))
	if !strings.Contains(page.Body, "556448-0282") || strings.Contains(page.Body, "<script>alert") || !strings.Contains(page.Body, "&lt;script&gt;") {
		t.Errorf("the supplier page does not show the stored values safely")
	}
	// A contact with a bad address is refused on the supplier's page, values kept.
	resp = it.Post(location+"/kontakter", url.Values{"contact_role": {"Support"}, "contact_name": {"Kim"}, "contact_email": {"kim@"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "giltig e-postadress") || !strings.Contains(resp.Body, `value="kim@"`) {
		t.Errorf("bad contact: %d", resp.StatusCode)
	}
	var contacts int
	_ = h.Owner.QueryRow(ctx, `SELECT count(*) FROM supplier_contacts`).Scan(&contacts)
	if contacts != 0 {
		t.Errorf("%d contacts saved from a refused form", contacts)
	}
}

// TestContractFormRefusesBadInput: an end before the start and a notice
// period longer than the term get a Swedish message with the values kept,
// nothing saved; a good contract shows its next notice deadline, is listed
// by it and found by the 180-day filter, and its supplier's page lists the
// systems it covers with their owners and administrators.
func TestContractFormRefusesBadInput(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	it := h.SignedIn(itUnit)
	resp := it.Post("/leverantorer/ny", url.Values{"name": {"Visma AB"}, "org_number": {"556016-0680"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("supplier: %d", resp.StatusCode)
	}
	supplier := strings.TrimPrefix(resp.Header.Get("Location"), "/leverantorer/")
	var dept int64
	if err := h.Owner.QueryRow(ctx, `SELECT min(id) FROM departments`).Scan(&dept); err != nil {
		t.Fatal(err)
	}
	form := func(edit func(url.Values)) url.Values {
		v := url.Values{"name": {"Verksamhetssystem"}, "supplier_id": {supplier}, "procurement": {"lou"}, "start": {"2020-01-01"},
			"initial_months": {"12"}, "notice_months": {"3"}, "renewal_months": {"12"}, "option_count": {"0"}, "option_months": {"0"},
			"options_used": {"0"}, "department_id": {itoa(dept)}, "responsible_email": {itUnit.Email}}
		if edit != nil {
			edit(v)
		}
		return v
	}
	for _, c := range []struct {
		what  string
		edit  func(url.Values)
		says  string
		keeps string
	}{
		{"end before start", func(v url.Values) {
			v.Set("terminated_by", "kommunen")
			v.Set("terminated_on", "2019-06-01")
			v.Set("ends_on", "2019-12-31")
		}, "Slutdatumet kan inte ligga före startdatumet", `value="2019-12-31"`},
		{"notice longer than the term", func(v url.Values) { v.Set("notice_months", "18") }, "kan inte vara längre än avtalsperioden", `value="18"`},
		{"direct award without a reason", func(v url.Values) { v.Set("procurement", "direktupphandling") }, "skälet till direktupphandlingen", `value="Verksamhetssystem"`},
		{"options used beyond the options", func(v url.Values) {
			v.Set("option_count", "1")
			v.Set("option_months", "12")
			v.Set("options_used", "2")
		}, "fler kan inte ha utnyttjats", `value="2"`},
		{"hostile text", func(v url.Values) { v.Set("our_reference", "KS\x1b[2J") }, "inte är tillåtna", `value="Verksamhetssystem"`},
		{"unknown responsible person", func(v url.Values) { v.Set("responsible_email", "ingen@lillaedet.se") }, "Ingen aktiv person", `value="ingen@lillaedet.se"`},
	} {
		resp := it.Post("/avtal/nytt", form(c.edit))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, c.says) || !strings.Contains(resp.Body, c.keeps) {
			t.Errorf("%s: %d, message or values missing", c.what, resp.StatusCode)
		}
	}
	var n int
	_ = h.Owner.QueryRow(ctx, `SELECT count(*) FROM contracts`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d contracts saved from refused forms", n)
	}

	resp = it.Post("/avtal/nytt", form(nil))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, resp.Body)
	}
	contract := resp.Header.Get("Location")
	// Renewed every year on 1 January: notice by 30 September, this year or next.
	today := time.Now()
	year := today.Year()
	if today.After(time.Date(year, 9, 30, 23, 0, 0, 0, time.UTC)) {
		year++
	}
	deadline := strconv.Itoa(year) + "-09-30"
	if page := h.SignedIn(employee).Get(contract); page.StatusCode != http.StatusOK || !strings.Contains(page.Body, deadline) {
		t.Errorf("the contract page does not show the deadline %s", deadline)
	}
	list := h.SignedIn(employee).Get("/avtal?uppsagning_inom_180=ja")
	soon := time.Date(year, 9, 30, 0, 0, 0, 0, time.UTC).Sub(today) <= 180*24*time.Hour
	if strings.Contains(list.Body, "Verksamhetssystem") != soon {
		t.Errorf("the 180-day filter: listed %v, deadline within 180 days %v", !soon, soon)
	}

	var sys int64
	if err := h.Owner.QueryRow(ctx, `INSERT INTO systems (name, lifecycle) VALUES ('Procapita', 'i_drift') RETURNING id`).Scan(&sys); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, department_id, valid) VALUES ($1, 'owner', $2, daterange('2020-01-01', NULL))`, sys, dept); err != nil {
		t.Fatal(err)
	}
	if resp := it.Post(contract+"/system", url.Values{"system": {"Finns inte"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `value="Finns inte"`) {
		t.Errorf("unknown system: %d", resp.StatusCode)
	}
	if resp := it.Post(contract+"/system", url.Values{"system": {"procapita"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add system: %d", resp.StatusCode)
	}
	var owner string
	_ = h.Owner.QueryRow(ctx, `SELECT name FROM departments WHERE id = $1`, dept).Scan(&owner)
	page := h.SignedIn(employee).Get("/leverantorer/" + supplier)
	if !strings.Contains(page.Body, "Procapita") || !strings.Contains(page.Body, owner) || !strings.Contains(page.Body, deadline) {
		t.Errorf("the supplier page lacks the system, its owner or the contract's deadline")
	}
	if strings.Contains(page.Body, "Ny kontakt") || strings.Contains(page.Body, "/redigera") {
		t.Errorf("an employee is offered the supplier's forms")
	}
}

// TestSupplierIncidentPrintAndSheet: for a supplier's incident, everyone
// signed in gets a print view and a spreadsheet of every system the
// supplier's contracts cover, with the owning department, the personal
// data level and the administrator's name and address; another
// supplier's systems are not in them, and the print view has no forms.
func TestSupplierIncidentPrintAndSheet(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	id := func(sql string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := h.Owner.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	dept := id(`INSERT INTO departments (name, short_name) VALUES ('Tekniska förvaltningen', 'TEK') RETURNING id`)
	greta := id(`INSERT INTO people (name, email) VALUES ('Greta Gren', 'greta.gren@lillaedet.se') RETURNING id`)
	visma := id(`INSERT INTO suppliers (name, normalised_name, org_number) VALUES ('Visma AB', 'visma', '556016-0680') RETURNING id`)
	other := id(`INSERT INTO suppliers (name, normalised_name, org_number) VALUES ('Annan leverantör AB', 'annan leverantör', '556036-0793') RETURNING id`)
	contract := func(supplier int64, name string) int64 {
		return id(`INSERT INTO contracts (name, supplier_id, procurement, start_on, initial_months, department_id, responsible_id)
			VALUES ($1, $2, 'lou', '2025-01-01', 36, $3, $4) RETURNING id`, name, supplier, dept, greta)
	}
	system := func(name, personal string, c int64) {
		s := id(`INSERT INTO systems (name, personal_data, lifecycle) VALUES ($1, $2, 'i_drift') RETURNING id`, name, personal)
		if _, err := h.Owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, department_id, valid) VALUES ($1, 'owner', $2, '[2024-01-01,)')`, s, dept); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Owner.Exec(ctx, `INSERT INTO contract_systems (contract_id, system_id) VALUES ($1, $2)`, c, s); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, person_id, valid) VALUES ($1, 'administrator', $2, '[2024-01-01,)')`, s, greta); err != nil {
			t.Fatal(err)
		}
	}
	system("Ekonomisystemet", "kansliga", contract(visma, "Ekonomiavtalet"))
	system("Felanmälan", "inga", contract(visma, "Felanmälansavtalet"))
	system("Annat system", "inga", contract(other, "Annat avtal"))
	emp := h.SignedIn(employee)
	path := "/leverantorer/" + strconv.FormatInt(visma, 10)
	if page := emp.Get(path); !strings.Contains(page.Body, path+"/utskrift") || !strings.Contains(page.Body, path+"/system.xlsx") {
		t.Errorf("the supplier page links neither the print view nor the sheet:\n%s", page.Body)
	}
	print := emp.Get(path + "/utskrift")
	if print.StatusCode != 200 {
		t.Fatalf("print view: %d", print.StatusCode)
	}
	for _, want := range []string{"Visma AB: underlag vid incident", "556016-0680", "Ekonomisystemet", "Felanmälan", "Tekniska förvaltningen", "Känsliga personuppgifter", "greta.gren@lillaedet.se", "Ekonomiavtalet"} {
		if !strings.Contains(print.Body, want) {
			t.Errorf("the print view lacks %q", want)
		}
	}
	if strings.Contains(print.Body, "Annat system") || strings.Contains(print.Body, "<form method=\"post\"") {
		t.Errorf("the print view shows another supplier's system or a form:\n%s", print.Body)
	}
	x := emp.Get(path + "/system.xlsx")
	if x.StatusCode != 200 || !strings.Contains(x.Header.Get("Content-Disposition"), "leverantor-556016-0680-system-") {
		t.Fatalf("sheet: %d %q", x.StatusCode, x.Header.Get("Content-Disposition"))
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("System")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, strings.Join(r, "|"))
	}
	want := []string{
		"System|Livscykel|Personuppgifter|Systemägare (förvaltning)|Systemförvaltare|Systemförvaltarens e-post|Avtal|Personuppgiftsbiträdesavtal|Kategorier av personuppgifter|Känsliga uppgifter|Underbiträden",
		"Ekonomisystemet|I drift|Känsliga personuppgifter|Tekniska förvaltningen|Greta Gren|greta.gren@lillaedet.se|Ekonomiavtalet|–", // no PUB registered
		"Felanmälan|I drift|Inga personuppgifter|Tekniska förvaltningen|Greta Gren|greta.gren@lillaedet.se|Felanmälansavtalet|–",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sheet rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if resp := emp.Get("/leverantorer/999999/system.xlsx"); resp.StatusCode != 404 {
		t.Errorf("an unknown supplier's sheet: %d", resp.StatusCode)
	}
}
