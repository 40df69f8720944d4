package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestNoCellStartsAFormula(t *testing.T) {
	d := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	tbl := Table{Sheet: "Test", Header: []string{"A", "B"}, Rows: [][]Cell{
		{Text("=HYPERLINK(\"https://evil.example\")"), Date(&d)},
		{Text("+1"), Text("-2")}, {Text("@SUM(1)"), Text("\t=1")}, {Text("\r=1"), Text("Åsa Öberg")},
	}}
	var c bytes.Buffer
	if err := WriteCSV(&c, tbl); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(c.Bytes(), []byte("\ufeff")) || !strings.Contains(c.String(), "\r\n") {
		t.Error("CSV lacks the BOM or CRLF line ends")
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(c.String(), "\ufeff")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs[1:] {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("CSV cell %q starts a formula", cell)
			}
		}
	}
	if recs[1][1] != "2025-03-01" || recs[4][1] != "Åsa Öberg" {
		t.Errorf("values changed: %q", recs)
	}
	var x bytes.Buffer
	if err := WriteXLSX(&x, tbl); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	// In XLSX a text cell is text: shown exactly as it is, never run.
	rows, _ := f.GetRows("Test")
	for r, row := range rows[1:] {
		for i, cell := range row {
			if want := tbl.Rows[r][i]; want.Date == nil && cell != want.Text {
				t.Errorf("XLSX cell %d,%d is %q, want %q", r, i, cell, want.Text)
			}
			name, _ := excelize.CoordinatesToCellName(i+1, r+2)
			if formula, _ := f.GetCellFormula("Test", name); formula != "" {
				t.Errorf("%s holds a formula: %q", name, formula)
			}
		}
	}
	if typ, _ := f.GetCellType("Test", "A2"); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
		t.Errorf("=HYPERLINK(...) is not stored as text (%v)", typ)
	}
	if typ, _ := f.GetCellType("Test", "B2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("the date is stored as text (%v)", typ)
	}
	for _, s := range []string{"=1", "+1", "-1", "@a", "\t1", "\r1", "ok", "'x"} {
		if got := Unneutralise(Neutralise(s)); got != s {
			t.Errorf("round trip of %q gave %q", s, got)
		}
	}
}

// An export opens ready to work with: a title row saying what and when, a
// bold header that stays in view with a filter, columns fitted to their
// content, numbers SUM can add and dates as dates.
func TestWorkbookIsReadyToUse(t *testing.T) {
	d := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	tbl := Table{Sheet: "Kvittenser", Title: "Kvittenser per förvaltning, 2026-12-02", Header: []string{"Förvaltning", "Anställda", "Andel (%)", "Senast"},
		Rows: [][]Cell{
			{Text("Socialförvaltningen med ett riktigt långt namn som fortsätter"), Int(412), Number(87.25, 1), Date(&d)},
			{Text("KLF"), Int(88), Number(100, 1), Date(nil)},
		}}
	var x bytes.Buffer
	if err := WriteXLSX(&x, tbl); err != nil {
		t.Fatal(err)
	}
	if zr, err := zip.NewReader(bytes.NewReader(x.Bytes()), int64(x.Len())); err != nil {
		t.Fatal(err)
	} else if tableXML, err := fs.ReadFile(zr, "xl/tables/table1.xml"); err != nil || !strings.Contains(string(tableXML), `<autoFilter ref="A2:D4"`) {
		t.Errorf("no filter on the header (%v)", err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "Kvittenser" {
		t.Errorf("sheets %q", got)
	}
	if title, _ := f.GetCellValue("Kvittenser", "A1"); title != tbl.Title {
		t.Errorf("title row %q", title)
	}
	if h, _ := f.GetCellValue("Kvittenser", "A2"); h != "Förvaltning" {
		t.Errorf("header row starts with %q", h)
	}
	for _, c := range []string{"B3", "B4", "C3"} {
		if typ, _ := f.GetCellType("Kvittenser", c); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("%s is not a number (%v)", c, typ)
		}
	}
	if err := f.SetCellFormula("Kvittenser", "B5", "SUM(B3:B4)"); err != nil {
		t.Fatal(err)
	}
	if sum, err := f.CalcCellValue("Kvittenser", "B5"); err != nil || sum != "500" {
		t.Errorf("SUM of the staff column: %q %v", sum, err)
	}
	if share, _ := f.GetCellValue("Kvittenser", "C3"); share != "87.3" && share != "87.2" {
		t.Errorf("share shown as %q, want one decimal", share)
	}
	panes, err := f.GetPanes("Kvittenser")
	if err != nil || !panes.Freeze || panes.YSplit != 2 {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}
	wide, _ := f.GetColWidth("Kvittenser", "A")
	narrow, _ := f.GetColWidth("Kvittenser", "B")
	if wide <= narrow || wide > 60 || narrow < 8 {
		t.Errorf("column widths A %.0f, B %.0f", wide, narrow)
	}
	var csvOut bytes.Buffer
	if err := WriteCSV(&csvOut, tbl); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(csvOut.String(), tbl.Title) || !strings.Contains(csvOut.String(), "412;87,3") && !strings.Contains(csvOut.String(), "412;87,2") {
		t.Errorf("CSV (no title row, decimal comma):\n%s", csvOut.String())
	}
}
