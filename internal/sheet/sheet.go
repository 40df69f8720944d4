// Package sheet writes tables as CSV (the way Swedish Excel reads them:
// UTF-8 with BOM, semicolon-separated, CRLF) and as XLSX, with every cell
// that a spreadsheet would run as a formula neutralised.
package sheet

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Cell is one value: text, a date (written as a real date in XLSX), or empty.
type Cell struct {
	Text string
	Date *time.Time
}

// Text makes a text cell.
func Text(s string) Cell { return Cell{Text: s} }

// Date makes a date cell; nil makes an empty cell.
func Date(t *time.Time) Cell { return Cell{Date: t} }

// Table is a header row and data rows.
type Table struct {
	Sheet  string // the XLSX sheet name
	Header []string
	Rows   [][]Cell
}

// Neutralise makes a cell that begins with =, +, -, @, a tab or a carriage
// return inert in spreadsheets by prefixing an apostrophe (which Excel shows
// as text and the register import strips again).
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Unneutralise undoes Neutralise for an imported cell.
func Unneutralise(s string) string {
	if len(s) >= 2 && s[0] == '\'' {
		switch s[1] {
		case '=', '+', '-', '@', '\t', '\r':
			return s[1:]
		}
	}
	return s
}

func (c Cell) text() string {
	if c.Date != nil {
		return c.Date.Format("2006-01-02")
	}
	return Neutralise(c.Text)
}

// WriteCSV writes t as Swedish-Excel CSV.
func WriteCSV(w io.Writer, t Table) error {
	if _, err := w.Write([]byte("\ufeff")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	rec := make([]string, len(t.Header))
	for _, row := range t.Rows {
		for i := range rec {
			rec[i] = ""
			if i < len(row) {
				rec[i] = row[i].text()
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes t as an Excel workbook with a bold header, dates as
// dates and text as text.
func WriteXLSX(w io.Writer, t Table) error {
	f := excelize.NewFile()
	defer f.Close()
	name := t.Sheet
	if name == "" {
		name = "Blad1"
	}
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14, CustomNumFmt: ptr("yyyy-mm-dd")})
	if err != nil {
		return err
	}
	header := make([]any, len(t.Header))
	for i, h := range t.Header {
		header[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for r, row := range t.Rows {
		vals := make([]any, len(row))
		for i, c := range row {
			if c.Date != nil {
				vals[i] = excelize.Cell{StyleID: dateStyle, Value: *c.Date}
			} else {
				vals[i] = excelize.Cell{Value: c.text()}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

func ptr[T any](v T) *T { return &v }

// SafeFilename keeps a download's file name to safe ASCII.
func SafeFilename(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		case r == 'å' || r == 'ä':
			b.WriteByte('a')
		case r == 'ö':
			b.WriteByte('o')
		case r == 'Å' || r == 'Ä':
			b.WriteByte('A')
		case r == 'Ö':
			b.WriteByte('O')
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}
