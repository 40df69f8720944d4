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
	rows, _ := f.GetRows("Rollfördelning")
	if len(rows) != 5 {
		t.Fatalf("xlsx rows: %d", len(rows))
	}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("XLSX cell starts a formula: %q", cell)
			}
		}
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
	}{{"Treserva", "i_drift", true}, {"Gammalt", "avvecklad", true}, {"Föräldralöst", "i_drift", false}} {
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
	for _, want := range []string{"Rollfördelning över IT-system", "Fastställd av IT-enheten", "<h2>Socialförvaltningen</h2>", "Treserva", "<h2>Saknar systemägare</h2>", "Föräldralöst", "2 system i bruk"} {
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
