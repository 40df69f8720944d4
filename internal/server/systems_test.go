package server_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"itportal/internal/auth"
	"itportal/internal/testkit"
)

func sysForm(name string) url.Values {
	return url.Values{"name": {name}, "description": {"Verksamhetssystem för socialtjänsten"}, "category": {"forvaltningsspecifik"},
		"lifecycle": {"i_drift"}, "hosting": {"saas"}, "personal_data": {"kansliga"}, "supplier": {"CGI"}}
}

var idInLocation = regexp.MustCompile(`/system/(\d+)`)

// TestRegisterThroughThePages: IT-enheten registers a system and its roles
// through the forms; everyone finds it; its page shows roles and history.
func TestRegisterThroughThePages(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	it := h.SignedIn(itUnit)

	// Bad input: field errors in the summary, values kept, nothing stored.
	bad := sysForm("")
	bad.Set("web_address", "javascript:alert(1)")
	bad.Set("lifecycle", "i_drift'; DROP TABLE systems; --")
	resp := it.Post("/system/ny", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `href="#name"`) || !strings.Contains(resp.Body, `href="#web_address"`) || !strings.Contains(resp.Body, "Verksamhetssystem för socialtjänsten") {
		t.Fatalf("bad form: %d\n%s", resp.StatusCode, resp.Body)
	}
	// Mass assignment: unknown fields are ignored.
	form := sysForm("Treserva")
	form.Set("row_version", "999")
	form.Set("id", "1")
	resp = it.Post("/system/ny", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, resp.Body)
	}
	id := idInLocation.FindStringSubmatch(resp.Header.Get("Location"))[1]
	// A duplicate name, in other case, is a field error.
	if resp := it.Post("/system/ny", sysForm("TRESERVA")); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "finns redan") {
		t.Errorf("duplicate name: %d", resp.StatusCode)
	}

	// Roles: owner, a person found with the picker, operations.
	var soc, leila int64
	_ = h.Pool.QueryRow(context.Background(), `SELECT id FROM departments WHERE short_name = 'SOC'`).Scan(&soc)
	h.SignedIn(employee) // Åsa exists now
	_ = h.Pool.QueryRow(context.Background(), `SELECT id FROM people WHERE identity_subject = 'dev-medarbetare'`).Scan(&leila)
	page := it.Get("/system/" + id + "/roller?roll=administrator&sok=" + url.QueryEscape("Åsa Öberg"))
	if !strings.Contains(page.Body, `value="`+itoa(leila)+`"`) {
		t.Fatalf("person picker does not offer the person:\n%s", page.Body)
	}
	for _, c := range []url.Values{
		{"roll": {"owner"}, "holder": {itoa(soc)}, "from": {"2024-01-01"}},
		{"roll": {"administrator"}, "holder": {itoa(leila)}, "from": {"2024-01-01"}, "appointed_by": {"Socialchefen"}},
		{"roll": {"operations"}, "holder": {"IT-enheten"}, "from": {"2024-01-01"}},
	} {
		sys := it.Get("/system/" + id)
		c.Set("row_version", regexp.MustCompile(`name="row_version" value="(\d+)"`).FindStringSubmatch(it.Get("/system/" + id + "/roller?roll=" + c.Get("roll")).Body)[1])
		_ = sys
		resp := it.Post("/system/"+id+"/roller", c)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("role %s: %d\n%s", c.Get("roll"), resp.StatusCode, resp.Body)
		}
	}
	// Bad dates are field errors.
	resp = it.Post("/system/"+id+"/roller", url.Values{"roll": {"operations"}, "holder": {"X"}, "from": {"1900-01-01"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `href="#from"`) {
		t.Errorf("date in 1900: %d", resp.StatusCode)
	}

	// Everyone reads it; search finds it with a typo.
	emp := h.SignedIn(employee)
	list := emp.Get("/system?q=trserva")
	if !strings.Contains(list.Body, "/system/"+id) || !strings.Contains(list.Body, "1 system matchar") {
		t.Fatalf("search with a typo:\n%s", list.Body)
	}
	page = emp.Get("/system/" + id)
	for _, want := range []string{"Socialförvaltningen", "Åsa Öberg-O&#39;Connor", "IT-enheten", "Socialchefen", "Rollhistorik", "Ändringslogg"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("system page lacks %q", want)
		}
	}
	// The administrator (an employee) may edit facts but not roles.
	if strings.Contains(page.Body, "Ändra roller") || !strings.Contains(page.Body, "Ändra uppgifter") {
		t.Error("the administrator is offered role changes, or not offered fact edits")
	}
	if p := h.SignedIn(noGroups).Get("/system/" + id); strings.Contains(p.Body, "Ändra uppgifter") || strings.Contains(p.Body, "Ändra roller") {
		t.Error("an ordinary employee is offered edits")
	}
	// Roles on a date before they began: none; a bad date: a field error.
	if p := emp.Get("/system/" + id + "?datum=2023-06-01"); !strings.Contains(p.Body, "Roller den 2023-06-01") || strings.Count(p.Body, "Saknas") < 3 {
		t.Errorf("roles on 2023-06-01 should all be missing")
	}
	if p := emp.Get("/system/" + id + "?datum=igår"); p.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Ange ett datum") {
		t.Errorf("bad date: %d", p.StatusCode)
	}
	if p := emp.Get("/system/" + id + "/historik"); p.StatusCode != 200 || !strings.Contains(p.Body, "Allmän handling") {
		t.Errorf("history page: %d", p.StatusCode)
	}

	// The administrator edits the facts of their own system, not another's.
	own := emp.Get("/system/" + id + "/redigera")
	if own.StatusCode != 200 {
		t.Fatalf("administrator's edit form: %d", own.StatusCode)
	}
	version := regexp.MustCompile(`name="row_version" value="(\d+)"`).FindStringSubmatch(own.Body)[1]
	edit := sysForm("Treserva")
	edit.Set("notes", "Uppdaterad av förvaltaren")
	edit.Set("row_version", version)
	if resp := emp.Post("/system/"+id+"/redigera", edit); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("administrator saving: %d\n%s", resp.StatusCode, resp.Body)
	}
	// The same stale version again: a conflict page showing what changed,
	// with the values entered kept.
	edit.Set("notes", "Min andra ändring")
	resp = emp.Post("/system/"+id+"/redigera", edit)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(resp.Body, "Någon annan har ändrat systemet") || !strings.Contains(resp.Body, "Min andra ändring") || !strings.Contains(resp.Body, "Uppdaterad av förvaltaren") {
		t.Fatalf("stale edit: %d\n%s", resp.StatusCode, resp.Body)
	}
	if resp := emp.Post("/system/"+id+"/roller", url.Values{"roll": {"operations"}, "holder": {"Någon"}, "from": {"2025-01-01"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("administrator changing roles: %d", resp.StatusCode)
	}
	var other int64
	_ = h.Owner.QueryRow(context.Background(), `INSERT INTO systems (name) VALUES ('Annat') RETURNING id`).Scan(&other)
	if resp := emp.Get("/system/" + itoa(other) + "/redigera"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("administrator opening another system's form: %d", resp.StatusCode)
	}
	if resp := emp.Post("/system/"+itoa(other)+"/redigera", edit); resp.StatusCode != http.StatusForbidden {
		t.Errorf("administrator editing another system: %d", resp.StatusCode)
	}
	var notes string
	_ = h.Pool.QueryRow(context.Background(), `SELECT notes FROM systems WHERE id = $1`, other).Scan(&notes)
	if notes != "" {
		t.Error("another system was changed")
	}
}

// TestRegisterHostileInput: hostile text in every field of the system form
// is stored exactly or refused with a field message, and never renders as
// markup on the list, the system page or the history.
func TestRegisterHostileInput(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	it := h.SignedIn(itUnit)
	fields := []string{"description", "purpose", "supplier", "product", "version", "self_developed_ref", "notes"}
	stored := 0
	for i, v := range testkit.Hostile(t) {
		form := sysForm("Fientligt " + itoa(int64(i)) + " " + short(v))
		for _, f := range fields {
			form.Set(f, v)
		}
		// The address alone: refused unless it is a real http(s) address.
		addr := sysForm("Adress " + itoa(int64(i)))
		addr.Set("web_address", v)
		if resp := it.Post("/system/ny", addr); resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("web address %.30q: %d, want it refused", v, resp.StatusCode)
		} else {
			testkit.AssertInert(t, "address form "+short(v), resp.Body)
		}
		resp := it.Post("/system/ny", form)
		testkit.AssertInert(t, "system form "+short(v), resp.Body)
		switch resp.StatusCode {
		case http.StatusSeeOther:
			stored++
			var desc, notes string
			if err := h.Pool.QueryRow(context.Background(), `SELECT description, notes FROM systems WHERE name = $1`,
				strings.TrimSpace(form.Get("name"))).Scan(&desc, &notes); err != nil || desc != v || notes != v {
				t.Errorf("%.30q not stored exactly: %v", v, err)
			}
			page := it.Get(resp.Header.Get("Location"))
			testkit.AssertInert(t, "system page "+short(v), page.Body)
		case http.StatusUnprocessableEntity, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if strings.ContainsRune(v, 0) && resp.StatusCode != http.StatusBadRequest {
				t.Errorf("a NUL byte: %d, want 400", resp.StatusCode)
			}
		default:
			t.Errorf("hostile %.30q: %d", v, resp.StatusCode)
		}
	}
	// Most hostile text is stored exactly (a NUL byte and 100 kB are not).
	if stored < len(testkit.Hostile(t))-3 {
		t.Errorf("only %d of %d hostile texts stored", stored, len(testkit.Hostile(t)))
	}
	// Every export of what was stored: no cell may start a formula.
	for _, path := range []string{"/system/export.csv", "/rollfordelning.csv"} {
		resp := it.Get(path)
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(resp.Body, "\ufeff")))
		r.Comma, r.FieldsPerRecord = ';', -1
		recs, err := r.ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("%s: %v (%d rows)", path, err, len(recs))
		}
		assertNoFormula(t, path, recs[1:])
	}
	x := it.Get("/system/export.xlsx")
	wb, err := excelize.OpenReader(strings.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	// In XLSX the text is text, exactly as stored: never a formula.
	rows, _ := wb.GetRows("System")
	if len(rows) != stored+2 || !strings.HasPrefix(rows[0][0], "System i IT-portalens register") {
		t.Errorf("xlsx export: %d rows for %d systems and a title", len(rows)-2, stored)
	}
	for r := range rows {
		for c := range rows[r] {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if f, _ := wb.GetCellFormula("System", cell); f != "" {
				t.Errorf("xlsx export: %s holds the formula %q", cell, f)
			}
		}
	}

	list := it.Get("/system?q=" + url.QueryEscape("<script>"))
	testkit.AssertInert(t, "system search", list.Body)
	all := it.Get("/system")
	testkit.AssertInert(t, "system list", all.Body)
	// The person picker with hostile names (from the identity provider).
	p := auth.Persona{Key: "xss", Name: `"><img src=x onerror=alert(1)>`, Email: "x@example.lillaedet.se"}
	h.IdP.AddPersona(p)
	h.Browser().SignIn("xss", "/")
	var sys int64
	_ = h.Pool.QueryRow(context.Background(), `SELECT min(id) FROM systems`).Scan(&sys)
	picker := it.Get("/system/" + itoa(sys) + "/roller?roll=administrator&sok=" + url.QueryEscape("img"))
	testkit.AssertInert(t, "person picker", picker.Body)
}

// assertNoFormula fails on a cell a spreadsheet would run as a formula.
func assertNoFormula(t *testing.T, where string, rows [][]string) {
	t.Helper()
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("%s: a cell starts a formula: %.60q", where, cell)
			}
		}
	}
}

// TestRegisterShowsItsRows: every register page shows the systems it
// counts (once, only a page served from a read cache did).
func TestRegisterShowsItsRows(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	if _, err := h.Owner.Exec(context.Background(), `
		INSERT INTO systems (name, lifecycle, supplier) SELECT 'System ' || g, 'i_drift', 'Leverantör ' || g FROM generate_series(1, 80) g`); err != nil {
		t.Fatal(err)
	}
	emp := h.SignedIn(employee)
	for _, path := range []string{"/system", "/system?livscykel=i_drift", "/system?q=system", "/system?sida=2", "/system?sortering=andrad"} {
		page := emp.Get(path)
		if page.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, page.StatusCode)
		}
		if n := strings.Count(page.Body, `<td><a href="/system/`); n == 0 {
			t.Errorf("%s shows %q and no rows", path, regexp.MustCompile(`data-testid="system-count">([^<]*)<`).FindStringSubmatch(page.Body))
		}
	}
}

// TestMySystemsListsWhatOneHolds: Mina system lists the systems the person
// administers today, with their role and what the guideline asks of each
// system, and no other system.
func TestMySystemsListsWhatOneHolds(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	it := h.SignedIn(itUnit)
	emp := h.SignedIn(employee)
	var person, soc int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM people WHERE email = $1`, employee.Email).Scan(&person)
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM departments WHERE short_name = 'SOC'`).Scan(&soc)
	ids := map[string]string{}
	for _, name := range []string{"Ägt och förvaltat", "Bara förvaltat", "Någon annans"} {
		resp := it.Post("/system/ny", sysForm(name))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create %s: %d\n%s", name, resp.StatusCode, resp.Body)
		}
		ids[name] = idInLocation.FindStringSubmatch(resp.Header.Get("Location"))[1]
	}
	role := func(id, roll, holder string) {
		t.Helper()
		form := it.Get("/system/" + id + "/roller?roll=" + roll)
		v := regexp.MustCompile(`name="row_version" value="(\d+)"`).FindStringSubmatch(form.Body)
		if resp := it.Post("/system/"+id+"/roller", url.Values{"roll": {roll}, "holder": {holder}, "from": {"2024-01-01"}, "row_version": {v[1]}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("role %s on %s: %d\n%s", roll, id, resp.StatusCode, resp.Body)
		}
	}
	role(ids["Ägt och förvaltat"], "owner", itoa(soc))
	role(ids["Ägt och förvaltat"], "administrator", itoa(person))
	role(ids["Ägt och förvaltat"], "operations", "IT-enheten")
	role(ids["Bara förvaltat"], "administrator", itoa(person))
	page := emp.Get("/mina-system")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("Mina system: %d", page.StatusCode)
	}
	for _, want := range []string{"Ägt och förvaltat", "Bara förvaltat", "Systemförvaltare", "Systemet saknar systemägare.", "Systemet saknar driftsansvarig."} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("Mina system lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "Någon annans") {
		t.Error("Mina system lists a system the person holds no role in")
	}
}

// The product version typed in the system form is stored, and saving the
// form as a browser submits it changes nothing that was not changed (the
// form once posted its row version under the same name, and every save
// stored that counter as the product version).
func TestProductVersionKeptThroughTheForm(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	it := h.SignedIn(itUnit)
	form := sysForm("Versionssystemet")
	form.Set("version", "12.1")
	resp := it.Post("/system/ny", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, resp.Body)
	}
	id := idInLocation.FindStringSubmatch(resp.Header.Get("Location"))[1]
	version := func() string {
		var v string
		if err := h.Owner.QueryRow(context.Background(), `SELECT version FROM systems WHERE id = $1`, id).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := version(); v != "12.1" {
		t.Fatalf("created with version %q, typed 12.1", v)
	}
	for i, notes := range []string{"Första ändringen", "Andra ändringen"} {
		edit, ok := testkit.FormValues(it.Get("/system/"+id+"/redigera").Body, "/system/"+id+"/redigera")
		if !ok {
			t.Fatal("no edit form")
		}
		edit.Set("notes", notes)
		if resp := it.Post("/system/"+id+"/redigera", edit); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save %d: %d\n%s", i+1, resp.StatusCode, resp.Body)
		}
		if v := version(); v != "12.1" {
			t.Fatalf("after save %d the version is %q", i+1, v)
		}
	}
	var logged int
	_ = h.Owner.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE object_type = 'system' AND object_id = $1 AND changes ? 'version' AND action = 'system.updated'`, id).Scan(&logged)
	if logged != 0 {
		t.Errorf("%d saves logged a change of version nobody made", logged)
	}
	if page := it.Get("/system/" + id); !strings.Contains(page.Body, "12.1") {
		t.Errorf("the system's page does not show version 12.1")
	}
}
