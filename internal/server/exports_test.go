package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestExportsNeutraliseFormulasAndKeepTheFilter(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	it := h.SignedIn(itUnit)
	for _, name := range []string{"=HYPERLINK(\"https://evil.example\",\"x\")", "Treserva", "@SUM(1)", "Åsa-systemet"} {
		form := sysForm(name)
		form.Set("description", "-2+3+cmd|' /C calc'!A0")
		form.Set("supplier", "+CGI")
		if resp := it.Post("/system/ny", form); resp.StatusCode != 303 {
			t.Fatalf("create %q: %d\n%s", name, resp.StatusCode, resp.Body)
		}
	}
	emp := h.SignedIn(employee)
	resp := emp.Get("/system/export.csv?q=" + url.QueryEscape("Treserva"))
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment; filename=\"system-") {
		t.Fatalf("csv export: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	if !strings.HasPrefix(resp.Body, "\ufeffSystemnamn;Beskrivning;Systemägare") {
		t.Errorf("CSV lacks the BOM or the Swedish semicolon header: %.80q", resp.Body)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(resp.Body, "\ufeff")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[1][0] != "Treserva" {
		t.Errorf("the export does not keep the filter: %q", recs)
	}
	all := emp.Get("/system/export.csv")
	r = csv.NewReader(strings.NewReader(strings.TrimPrefix(all.Body, "\ufeff")))
	r.Comma = ';'
	recs, _ = r.ReadAll()
	if len(recs) != 5 {
		t.Fatalf("full export: %d rows", len(recs))
	}
	for _, rec := range recs[1:] {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("CSV cell starts a formula: %q", cell)
			}
		}
	}
	x := emp.Get("/system/export.xlsx")
	f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	// A title row saying what, when and which filter; the header; the rows.
	// Text cells hold the text exactly (no apostrophe shows) and never a
	// formula.
	rows, _ := f.GetRows("System")
	if len(rows) != 6 || !strings.Contains(rows[0][0], "Urval: alla system") || rows[1][0] != "Systemnamn" {
		t.Fatalf("xlsx rows: %d %q", len(rows), rows)
	}
	var supplier string
	for i, h := range rows[1] {
		if h == "Leverantör" {
			supplier = rows[2][i]
		}
	}
	if supplier != "+CGI" {
		t.Errorf("the supplier shows as %q in Excel, want +CGI", supplier)
	}
	for r := range rows {
		for c := range rows[r] {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if formula, _ := f.GetCellFormula("System", cell); formula != "" {
				t.Errorf("XLSX cell %s holds the formula %q", cell, formula)
			}
		}
	}
	filtered, _ := excelize.OpenReader(strings.NewReader(emp.Get("/system/export.xlsx?q=Treserva&livscykel=i_drift").Body))
	if title, _ := filtered.GetCellValue("System", "A1"); !strings.Contains(title, "sökord ”Treserva”, livscykel i drift") {
		t.Errorf("the title does not say the filter: %q", title)
	}
}

func TestRollfordelningReport(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	var soc int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM departments WHERE short_name = 'SOC'`).Scan(&soc)
	for _, s := range []struct {
		name, lifecycle string
		owner           bool
	}{{"Treserva", "i_drift", true}, {"Gammalt", "avvecklad", true}, {"Föräldralöst", "i_drift", false}, {"Kommande", "planerad", true}} {
		var id int64
		if err := h.Owner.QueryRow(ctx, `INSERT INTO systems (name, lifecycle) VALUES ($1, $2) RETURNING id`, s.name, s.lifecycle).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if s.owner {
			if _, err := h.Owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, department_id, valid) VALUES ($1, 'owner', $2, '[2024-01-01,)')`, id, soc); err != nil {
				t.Fatal(err)
			}
		}
	}
	page := h.SignedIn(employee).Get("/rollfordelning")
	for _, want := range []string{"Rollfördelning över IT-system", "Fastställd av IT-enheten", "<h2>Socialförvaltningen</h2>", "Treserva", "<h2>Saknar systemägare</h2>", "Föräldralöst", "Kommande", "2 system i bruk", "1 system till som planeras eller införs"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "Gammalt") {
		t.Error("a decommissioned system is in the report")
	}
	if resp := h.SignedIn(employee).Get("/rollfordelning.xlsx"); resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("xlsx report: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
