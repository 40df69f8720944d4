package sheet

import (
	"bytes"
	"encoding/csv"
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
	rows, _ := f.GetRows("Test")
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("XLSX cell %q starts a formula", cell)
			}
		}
	}
	if formula, _ := f.GetCellFormula("Test", "A2"); formula != "" {
		t.Errorf("A2 holds a formula: %q", formula)
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
