// Package sheet writes tables as CSV (the way Swedish Excel reads them:
// UTF-8 with BOM, semicolon-separated, CRLF), with every cell that a
// spreadsheet would run as a formula neutralised, and as XLSX workbooks
// whose text cells are text (never run), numbers numbers and dates dates.
package sheet

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Cell is one value: text, a number, a date (written as a real date in
// XLSX), or empty.
type Cell struct {
	Text     string
	Date     *time.Time
	Number   *float64
	Decimals int // a number's decimals as shown
}

// Text makes a text cell.
func Text(s string) Cell { return Cell{Text: s} }

// Date makes a date cell; nil makes an empty cell.
func Date(t *time.Time) Cell { return Cell{Date: t} }

// Int makes a whole-number cell.
func Int(n int) Cell { v := float64(n); return Cell{Number: &v} }

// Number makes a number cell shown with decimals decimals.
func Number(v float64, decimals int) Cell { return Cell{Number: &v, Decimals: decimals} }

// Table is a header row and data rows.
type Table struct {
	Sheet string // the XLSX sheet name
	// Title, in XLSX only, is a row above the header saying what the table
	// is, when it was taken and with which filter.
	Title  string
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

// plain is the cell's value as text: a date as 2006-01-02, a number with
// a decimal comma as Swedish Excel reads it.
func (c Cell) plain() string {
	switch {
	case c.Date != nil:
		return c.Date.Format("2006-01-02")
	case c.Number != nil:
		return strings.Replace(strconv.FormatFloat(*c.Number, 'f', c.Decimals, 64), ".", ",", 1)
	}
	return c.Text
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
				rec[i] = Neutralise(row[i].plain())
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes t as an Excel workbook: the title row, a bold header
// that stays in view and carries a filter, columns as wide as their
// content, dates as dates, numbers as numbers and text as text. A text
// cell is never run as a formula, so it needs no apostrophe.
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
	styles, err := newStyles(f)
	if err != nil {
		return err
	}
	headerRow := 1
	if t.Title != "" {
		headerRow = 2
	}
	// Widths and panes go before the first row.
	for i, width := range widths(t) {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if len(t.Header) > 0 {
		below, _ := excelize.CoordinatesToCellName(1, headerRow+1)
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: below, ActivePane: "bottomLeft"}); err != nil {
			return err
		}
	}
	if t.Title != "" {
		if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: styles.title, Value: t.Title}}); err != nil {
			return err
		}
	}
	header := make([]any, len(t.Header))
	for i, h := range t.Header {
		header[i] = excelize.Cell{StyleID: styles.bold, Value: h}
	}
	first, _ := excelize.CoordinatesToCellName(1, headerRow)
	if err := sw.SetRow(first, header); err != nil {
		return err
	}
	for r, row := range t.Rows {
		vals := make([]any, len(row))
		for i, c := range row {
			switch {
			case c.Date != nil:
				vals[i] = excelize.Cell{StyleID: styles.date, Value: *c.Date}
			case c.Number != nil && c.Decimals > 0:
				id, err := styles.decimal(f, c.Decimals)
				if err != nil {
					return err
				}
				vals[i] = excelize.Cell{StyleID: id, Value: *c.Number}
			case c.Number != nil:
				vals[i] = excelize.Cell{StyleID: styles.integer, Value: *c.Number}
			default:
				vals[i] = excelize.Cell{Value: c.Text}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, headerRow+1+r)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	if len(t.Header) > 0 && len(t.Rows) > 0 && distinct(t.Header) {
		// An Excel table: filter buttons on the header, rows banded (Excel
		// wants a table's headers distinct).
		last, _ := excelize.CoordinatesToCellName(len(t.Header), headerRow+len(t.Rows))
		if err := sw.AddTable(&excelize.Table{Range: first + ":" + last, Name: "Tabell1", StyleName: "TableStyleLight1"}); err != nil {
			return fmt.Errorf("filter the header: %w", err)
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

type styles struct {
	title, bold, date, integer int
	decimals                   map[int]int // style per number of decimals
}

func newStyles(f *excelize.File) (s styles, err error) {
	for _, st := range []struct {
		id    *int
		style excelize.Style
	}{
		{&s.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}}},
		{&s.bold, excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&s.date, excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")}},
		{&s.integer, excelize.Style{NumFmt: 1}}, // 0
	} {
		if *st.id, err = f.NewStyle(&st.style); err != nil {
			return s, err
		}
	}
	s.decimals = map[int]int{}
	return s, nil
}

// decimal is the style showing n decimals (0.0 for one).
func (s styles) decimal(f *excelize.File, n int) (int, error) {
	if id, ok := s.decimals[n]; ok {
		return id, nil
	}
	id, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("0." + strings.Repeat("0", n))})
	s.decimals[n] = id
	return id, err
}

// widths fits each column to its longest value (header included), within
// reason: a long description wraps in no sheet, so it is capped.
func widths(t Table) []float64 {
	out := make([]float64, len(t.Header))
	for i, h := range t.Header {
		out[i] = float64(utf8.RuneCountInString(h))
	}
	for _, row := range t.Rows {
		for i, c := range row {
			if i < len(out) {
				out[i] = max(out[i], float64(utf8.RuneCountInString(c.plain())))
			}
		}
	}
	for i := range out {
		out[i] = min(max(out[i]+2, 8), 60)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func distinct(names []string) bool {
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || seen[strings.ToLower(n)] {
			return false
		}
		seen[strings.ToLower(n)] = true
	}
	return true
}

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
