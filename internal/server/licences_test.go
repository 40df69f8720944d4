package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// licenceForm is a whole licence form: 120 in use of 100 bought.
func licenceForm(system string) url.Values {
	return url.Values{"system": {system}, "model": {"per_anvandare"}, "bought": {"100"}, "in_use": {"120"},
		"counted_on": {"2026-01-15"}, "renewal_on": {"2026-12-31"}, "note": {""}}
}

// TestLicenceFormRefusesBadInput: negative and absurd numbers, an unknown
// model, an absurd renewal date, a counting day in the future, control
// characters and overlong text each get a Swedish message on the form
// with the values kept and nothing saved (never a 500); markup is kept as
// text and shown escaped; an employee may not create, change or remove a
// licence (403), but reads them.
func TestLicenceFormRefusesBadInput(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	if _, err := h.Owner.Exec(ctx, `INSERT INTO systems (name, lifecycle, introduced_before_portal) VALUES ('Office 365', 'i_drift', true)`); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := h.Owner.QueryRow(ctx, `SELECT count(*) FROM licences`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	it := h.SignedIn(itUnit)
	emp := h.SignedIn(employee)
	if resp := emp.Post("/licenser/ny", licenceForm("Office 365")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an employee's licence: %d", resp.StatusCode)
	}
	if resp := emp.Get("/licenser/ny"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an employee's licence form: %d", resp.StatusCode)
	}
	with := func(field, value string) url.Values {
		f := licenceForm("Office 365")
		f.Set(field, value)
		return f
	}
	for _, c := range []struct {
		what  string
		form  url.Values
		says  string
		keeps string
	}{
		{"negative bought", with("bought", "-5"), "Antalet kan inte vara negativt.", `value="-5"`},
		{"absurd bought", with("bought", "5000000"), "orimligt stort: högst 1 000 000", `value="5000000"`},
		{"negative in use", with("in_use", "-1"), "Antalet kan inte vara negativt.", `value="-1"`},
		{"absurd in use", with("in_use", "99999999999999999999999"), "orimligt stort", `value="99999999999999999999999"`},
		{"unknown model", with("model", "per_kaffekopp"), "Licensmodellen finns inte", `value="100"`},
		{"absurd renewal", with("renewal_on", "3026-01-01"), "mellan år 1980 och 2100", `value="3026-01-01"`},
		{"not a date", with("renewal_on", "31/12/2026"), "ÅÅÅÅ-MM-DD", `value="31/12/2026"`},
		{"counted in the future", with("counted_on", "2099-01-01"), "kan inte ligga i framtiden", `value="2099-01-01"`},
		{"site licence with a number", with("model", "plats"), "hur många som helst", `value="100"`},
		{"unknown system", with("system", "Finns inte"), "inget system som heter så", `value="Finns inte"`},
		{"control characters", with("note", "a\x1b[2Jb"), "inte är tillåtna", `value="100"`},
		{"overlong note", with("note", strings.Repeat("å", 2001)), "högst 2000 tecken", `value="120"`},
		{"hostile system name", with("system", "<script>alert(1)</script>"), "inget system som heter så", "&lt;script&gt;alert(1)&lt;/script&gt;"},
	} {
		resp := it.Post("/licenser/ny", c.form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, c.says) || !strings.Contains(resp.Body, c.keeps) ||
			!strings.Contains(resp.Body, "<title>Fel: ") || strings.Contains(resp.Body, "<script>alert") {
			t.Errorf("%s: %d, message %q or value %q missing", c.what, resp.StatusCode, c.says, c.keeps)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("%d licences saved from refused forms", n)
	}
	// Markup in the note is kept as text and shown escaped.
	resp := it.Post("/licenser/ny", with("note", "<script>alert(1)</script>"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, resp.Body)
	}
	location := resp.Header.Get("Location")
	page := emp.Get(location)
	if page.StatusCode != http.StatusOK || strings.Contains(page.Body, "<script>alert") || !strings.Contains(page.Body, "&lt;script&gt;") ||
		!strings.Contains(page.Body, "Överanvänd: 20 fler än köpta") {
		t.Errorf("the licence page for an employee: %d", page.StatusCode)
	}
	// A second licence of the model is refused, values kept.
	if resp := it.Post("/licenser/ny", licenceForm("office 365")); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "har redan en licens") {
		t.Errorf("second licence of the model: %d", resp.StatusCode)
	}
	// A refused change keeps what was stored.
	if resp := it.Post(location+"/redigera", with("bought", "-1")); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a refused change: %d", resp.StatusCode)
	}
	var bought int
	if err := h.Owner.QueryRow(ctx, `SELECT bought FROM licences`).Scan(&bought); err != nil || bought != 100 {
		t.Errorf("after a refused change: bought %d, %v", bought, err)
	}
	for _, path := range []string{location + "/redigera", location + "/ta-bort"} {
		if resp := emp.Post(path, licenceForm("Office 365")); resp.StatusCode != http.StatusForbidden {
			t.Errorf("an employee's POST %s: %d", path, resp.StatusCode)
		}
	}
	if n := count(); n != 1 {
		t.Errorf("%d licences after the employee's tries, want 1", n)
	}
}

// TestLicenceBoardShowsR17UntilFixed: an over-used licence is listed on
// the system's page, the filtered list and its export, the API, and as
// R17's breach on the board and its drill-down; counted again within what
// was bought, the board shows R17 as OK. Removal asks first, then removes
// and is in the history.
func TestLicenceBoardShowsR17UntilFixed(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	var system int64
	if err := h.Owner.QueryRow(ctx, `INSERT INTO systems (name, lifecycle, introduced_before_portal) VALUES ('Office 365', 'i_drift', true) RETURNING id`).Scan(&system); err != nil {
		t.Fatal(err)
	}
	it := h.SignedIn(itUnit)
	form := licenceForm("Office 365")
	form.Set("renewal_on", h.Clock.Now().AddDate(0, 0, 200).Format("2006-01-02")) // not within 90 days
	resp := it.Post("/licenser/ny", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, resp.Body)
	}
	location := resp.Header.Get("Location")
	r17 := func() string {
		board := it.Get("/efterlevnad")
		for _, m := range ruleCountRe.FindAllStringSubmatch(board.Body, -1) {
			if m[1] == "R17" {
				return m[2] + " " + strings.TrimSpace(m[3])
			}
		}
		t.Fatalf("no R17 row on the board")
		return ""
	}
	if got := r17(); got != "1 avvikelse Avvikelser" {
		t.Errorf("R17 on the board: %q", got)
	}
	drill := it.Get("/efterlevnad/r17")
	if !strings.Contains(drill.Body, "Office 365") || !strings.Contains(drill.Body, "Licensen per användare används av 120 men bara 100 är köpta") {
		t.Errorf("R17's drill-down does not name the licence")
	}
	emp := h.SignedIn(employee)
	if sys := emp.Get("/system/" + itoa(system)); !strings.Contains(sys.Body, `id="licenser"`) || !strings.Contains(sys.Body, "Överanvänd: 20 fler än köpta") {
		t.Errorf("the system's page does not list the over-used licence")
	}
	if list := emp.Get("/licenser?overanvanda=ja"); list.StatusCode != http.StatusOK || !strings.Contains(list.Body, "1 licens") || !strings.Contains(list.Body, "Office 365") {
		t.Errorf("over-used filter: %d", list.StatusCode)
	}
	if list := emp.Get("/licenser?fornyas_inom_90=ja"); !strings.Contains(list.Body, "Inga licenser matchar.") {
		t.Errorf("a renewal in 200 days is listed as within 90 days")
	}
	if list := emp.Get("/licenser?overanvanda=kanske"); list.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad filter value: %d", list.StatusCode)
	}
	csv := emp.Get("/licenser.csv?overanvanda=ja")
	if csv.StatusCode != http.StatusOK || !strings.Contains(csv.Body, "Office 365") || !strings.Contains(csv.Body, "120") {
		t.Errorf("CSV export: %d\n%s", csv.StatusCode, csv.Body)
	}
	if x := emp.Get("/licenser.xlsx"); x.StatusCode != http.StatusOK || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("XLSX export: %d", x.StatusCode)
	}
	api := emp.Get("/api/v1/licences?over_used=true")
	var out struct {
		Licences []struct {
			System   string `json:"system"`
			Bought   *int   `json:"bought"`
			InUse    *int   `json:"in_use"`
			OverUsed bool   `json:"over_used"`
		} `json:"licences"`
		NextCursor *string `json:"next_cursor"`
	}
	if err := json.Unmarshal([]byte(api.Body), &out); err != nil || len(out.Licences) != 1 || !out.Licences[0].OverUsed ||
		*out.Licences[0].InUse != 120 || out.NextCursor != nil {
		t.Errorf("API: %v %s", err, api.Body)
	}
	// Counted again: 95 of 100, the board's R17 is OK.
	fixed := licenceForm("")
	fixed.Set("in_use", "95")
	if resp := it.Post(location+"/redigera", fixed); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("fix: %d\n%s", resp.StatusCode, resp.Body)
	}
	if got := r17(); got != "0 avvikelser OK" {
		t.Errorf("R17 after the fix: %q", got)
	}
	// Removal: the first POST asks, the confirmed one removes.
	ask := it.Post(location+"/ta-bort", url.Values{})
	if ask.StatusCode != http.StatusOK || !strings.Contains(ask.Body, "Ta bort licensen Per användare för Office 365") {
		t.Fatalf("removal's confirmation: %d", ask.StatusCode)
	}
	if resp := it.Post(location+"/ta-bort", url.Values{"bekraftad": {"ja"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("removal: %d", resp.StatusCode)
	}
	var n int
	if err := h.Owner.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE object_type = 'licence' AND action = 'licence.removed'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("removal audited %d times, %v", n, err)
	}
	if resp := emp.Get(location); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a removed licence's page: %d", resp.StatusCode)
	}
}

// TestLicenceImportDryRunThenAllOrNothing: a CSV of counts shows what it
// would change (old → new, over-use warned) and saves nothing; a file with
// one bad row (a negative count, an unknown system, an unknown model, a
// duplicate) names each row's error in Swedish and cannot be imported;
// the confirmed import saves every row, and R17 follows it.
func TestLicenceImportDryRunThenAllOrNothing(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	var office, visma int64
	for name, id := range map[string]*int64{"Office 365": &office, "Visma Lön": &visma} {
		if err := h.Owner.QueryRow(ctx, `INSERT INTO systems (name, lifecycle, introduced_before_portal) VALUES ($1, 'i_drift', true) RETURNING id`, name).Scan(id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.Owner.Exec(ctx, `INSERT INTO licences (system_id, model, bought, in_use, counted_on) VALUES ($1, 'per_anvandare', 100, 90, '2025-06-01')`, office); err != nil {
		t.Fatal(err)
	}
	state := func() string {
		var s string
		if err := h.Owner.QueryRow(ctx, `SELECT string_agg(system_id || ':' || model || ':' || bought || ':' || COALESCE(in_use::text, '-'), ',' ORDER BY id) FROM licences`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := state()
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range h.Logs.Lines() {
				if strings.Contains(l, `"level":"ERROR"`) {
					t.Log(l)
				}
			}
		}
	})
	it := h.SignedIn(itUnit)
	if resp := h.SignedIn(employee).Upload("/licenser/import", "file", "licenser.csv", []byte("System;Licensmodell;Köpta;I användning\n")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an employee's import: %d", resp.StatusCode)
	}
	bad := "System;Licensmodell;Köpta;I användning\n" +
		"Office 365;Per användare;100;-4\n" +
		"Finns inte;Per användare;10;5\n" +
		itoa(visma) + ";per_kaffekopp;10;5\n" +
		"Visma Lön;Per enhet;10;5\n" +
		"visma lön;per_enhet;20;5\n"
	resp := it.Upload("/licenser/import", "file", "licenser.csv", []byte(bad))
	for _, want := range []string{"med fel 4", "I användning: Antalet kan inte vara negativt.", "Det finns inget system med det namnet eller numret",
		"Licensmodellen finns inte", "Samma system och licensmodell står redan på rad 5", "Filen har fel och kan inte importeras"} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("bad file's dry run lacks %q", want)
		}
	}
	if strings.Contains(resp.Body, ">Importera</button>") || state() != before {
		t.Errorf("a bad file can be imported, or its dry run saved something")
	}
	good := "System;Licensmodell;Köpta;I användning;Räknat den\n" +
		"Office 365;Per användare;;130;2026-01-10\n" + // bought kept at 100: over-used
		itoa(visma) + ";Platslicens;;400;\n"
	resp = it.Upload("/licenser/import", "file", "licenser.csv", []byte(good))
	for _, want := range []string{"nya 1, ändras 1, oförändrade 0, med fel 0", "<del>90 </del>", "blir en avvikelse från Riktlinjer för IT (R17)", ">Importera</button>"} {
		if !strings.Contains(strings.ReplaceAll(resp.Body, "90</del>", "90 </del>"), want) {
			t.Errorf("dry run lacks %q\n%s", want, resp.Body)
		}
	}
	if state() != before {
		t.Fatalf("the dry run saved: %s", state())
	}
	upload := regexp.MustCompile(`name="upload" value="(\d+)"`).FindStringSubmatch(resp.Body)
	if upload == nil {
		t.Fatal("no upload to confirm")
	}
	resp = it.Post("/licenser/import/bekrafta", url.Values{"upload": {upload[1]}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "Importen är klar (licenser): nya 1, ändrade 1") {
		t.Fatalf("commit: %d\n%s", resp.StatusCode, resp.Body)
	}
	if got, want := state(), itoa(office)+":per_anvandare:100:130,"+itoa(visma)+":plats:0:400"; got != want {
		t.Errorf("after the import: %s, want %s", got, want)
	}
	var r17 int
	if err := h.Owner.QueryRow(ctx, `SELECT count(*) FROM compliance_breaches WHERE check_key = 'r17_overused' AND system_id = $1`, office).Scan(&r17); err != nil || r17 != 1 {
		t.Errorf("R17 after the import: %d, %v", r17, err)
	}
}
