package registerfile

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

func TestParseSamples(t *testing.T) {
	for _, name := range []string{"systemregister.csv", "systemregister.xlsx"} {
		data, err := os.ReadFile("../../testdata/register/" + name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(f.Rows) != 150 || len(f.Warnings) != 0 {
			t.Errorf("%s: %d rows, warnings %v", name, len(f.Rows), f.Warnings)
		}
		if f.Rows[0].Get("Systemnamn") != "Public 360" || f.Rows[0].Number != 2 {
			t.Errorf("%s: first row %+v", name, f.Rows[0])
		}
		// "Senast utvärderad" reads as a date, an Excel date cell included.
		for _, r := range f.Rows {
			if v := r.Get("Senast utvärderad"); v != "" {
				if _, ok := ParseDate(v); !ok {
					t.Errorf("%s row %d: date %q unreadable", name, r.Number, v)
				}
			}
		}
	}
}

func TestParseWindows1252AndCommas(t *testing.T) {
	text := "systemnamn , BESKRIVNING,Systemägare,Okänd kolumn\r\nÖppna skolan,Lärplattform för årskurs 7–9,Barn- och utbildningsförvaltningen,x\r\n"
	latin1, err := charmap.Windows1252.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse([]byte(latin1))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Rows[0].Get("Systemnamn"); got != "Öppna skolan" {
		t.Errorf("name %q: å/ä/ö lost", got)
	}
	if got := f.Rows[0].Get("Beskrivning"); got != "Lärplattform för årskurs 7–9" {
		t.Errorf("description %q", got)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "Okänd kolumn") || !strings.Contains(f.Format, "Windows-1252") {
		t.Errorf("warnings %v, format %s", f.Warnings, f.Format)
	}
}

func TestParseRefusesBadFiles(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":       {},
		"header only": []byte("Systemnamn;Beskrivning\r\n"),
		"no name col": []byte("Namn;Beskrivning\r\nX;Y\r\n"),
		"pdf":         []byte("%PDF-1.7 binary"),
		"png":         []byte("\x89PNG\r\n\x1a\n\x00\x00"),
		"too large":   bytes.Repeat([]byte("a"), MaxFileSize+1),
		"broken xlsx": []byte("PK\x03\x04not really a zip"),
	} {
		_, err := Parse(data)
		var fe *ErrFile
		if err == nil || !asErrFile(err, &fe) || fe.Message == "" {
			t.Errorf("%s: %v, want a Swedish file error", name, err)
		}
	}
	for s, want := range map[string]string{"2024-03-12": "2024-03-12", "20240312": "2024-03-12", "45363": "2024-03-12"} {
		d, ok := ParseDate(s)
		if !ok || d.Format("2006-01-02") != want {
			t.Errorf("ParseDate(%q) = %v %v", s, d, ok)
		}
	}
	for _, bad := range []string{"12/3/2024", "2024-13-01", "igår", "1"} {
		if _, ok := ParseDate(bad); ok {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}

func asErrFile(err error, target **ErrFile) bool {
	fe, ok := err.(*ErrFile)
	*target = fe
	return ok
}

// A date cell reads as the same day whichever date system the workbook
// uses (Excel for Mac's 1904 system counts from 1904-01-01), and a number
// that is not formatted as a date stays a number.
func TestDatesInBothDateSystems(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		wb := excelize.NewFile()
		if err := wb.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
			t.Fatal(err)
		}
		custom := "yyyy-mm-dd"
		dateStyle, _ := wb.NewStyle(&excelize.Style{CustomNumFmt: &custom})
		builtin, _ := wb.NewStyle(&excelize.Style{NumFmt: 14})
		for i, h := range []string{"Systemnamn", "Senast utvärderad", "Version", "Beskrivning"} {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			_ = wb.SetCellValue("Sheet1", cell, h)
		}
		day := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
		for r, style := range []int{dateStyle, builtin} {
			row := strconv.Itoa(r + 2)
			_ = wb.SetCellValue("Sheet1", "A"+row, "System "+row)
			_ = wb.SetCellValue("Sheet1", "B"+row, day)
			_ = wb.SetCellStyle("Sheet1", "B"+row, "B"+row, style)
			_ = wb.SetCellValue("Sheet1", "C"+row, 45000) // a number in the range of date serials
			_ = wb.SetCellValue("Sheet1", "D"+row, "Text")
		}
		var buf bytes.Buffer
		if err := wb.Write(&buf); err != nil {
			t.Fatal(err)
		}
		f, err := Parse(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range f.Rows {
			if got := l.Get("Senast utvärderad"); got != "2025-03-01" {
				t.Errorf("1904 system %v, row %d: the date reads as %q", date1904, l.Number, got)
			}
			if got := l.Get("Version"); got != "45000" {
				t.Errorf("1904 system %v, row %d: a number reads as %q", date1904, l.Number, got)
			}
		}
	}
}
