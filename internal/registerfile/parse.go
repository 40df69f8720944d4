package registerfile

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"itportal/internal/sheet"
)

// MaxFileSize is the largest register file accepted.
const MaxFileSize = 10 << 20

// Limits on what a file may unpack to. A workbook is a zip archive, and a
// few hundred kilobytes can unpack to gigabytes: a register of 10,000
// systems unpacks to a few megabytes, so these leave room and refuse a
// bomb before it is read into memory.
const (
	MaxUnpacked = 64 << 20 // all parts of a workbook together
	MaxRows     = 50000    // rows of one sheet or file
	MaxColumns  = 100      // columns of one row
)

// File is a parsed register file: its rows by column, with the line each
// came from, and warnings about what was ignored.
type File struct {
	Format   string // "xlsx" or "csv (UTF-8, ;)" and the like
	Columns  []string
	Rows     []Line
	Warnings []string
}

// Line is one data row: values by column name (Columns' names).
type Line struct {
	Number int // the row number as the spreadsheet shows it (header = 1)
	Values map[string]string
}

// Get returns the trimmed value of column.
func (l Line) Get(column string) string { return strings.TrimSpace(l.Values[column]) }

// Has reports whether the file has column.
func (f File) Has(column string) bool {
	for _, c := range f.Columns {
		if c == column {
			return true
		}
	}
	return false
}

// ErrFile is a file that cannot be read as a register; its text is Swedish.
type ErrFile struct{ Message string }

func (e *ErrFile) Error() string { return e.Message }

// Parse reads an XLSX workbook or a CSV file (UTF-8 with or without BOM,
// or Windows-1252; ';' or ',' separated).
func Parse(data []byte) (File, error) {
	return ParseTable(data, registerSchema)
}

// Schema says which columns a kind of file has, which one every file must
// have, and what its rows are called in messages.
type Schema struct {
	Columns  []string
	Required string
	Noun     string // "system", "personer"
	Example  string // the first headers, for the message about a missing column
}

var registerSchema = Schema{Columns: Columns, Required: "Systemnamn", Noun: "system", Example: "Systemnamn, Beskrivning, Systemägare, …"}

// ParseTable reads an XLSX workbook or a CSV file with the schema's columns.
func ParseTable(data []byte, schema Schema) (File, error) {
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return File{}, &ErrFile{"Filen är tom."}
	case len(data) > MaxFileSize:
		return File{}, &ErrFile{fmt.Sprintf("Filen är för stor (högst %d MB).", MaxFileSize>>20)}
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return parseXLSX(data, schema)
	case bytes.IndexByte(data, 0) >= 0 || bytes.HasPrefix(data, []byte("%PDF")) || bytes.HasPrefix(data, []byte("\x89PNG")):
		return File{}, &ErrFile{"Filen är varken en Excel-fil (.xlsx) eller en CSV-fil."}
	}
	return parseCSV(data, schema)
}

func parseXLSX(data []byte, schema Schema) (File, error) {
	if err := checkUnpacked(data); err != nil {
		return File{}, err
	}
	wb, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true,
		UnzipSizeLimit: MaxUnpacked, UnzipXMLSizeLimit: MaxUnpacked})
	if err != nil {
		return File{}, &ErrFile{"Excel-filen kunde inte läsas. Spara den som .xlsx och försök igen."}
	}
	defer wb.Close()
	sheetName := ""
	for _, s := range wb.GetSheetList() {
		if normaliseHeader(s) == "rollfördelning" {
			sheetName = s
		}
	}
	if sheetName == "" {
		sheetName = wb.GetSheetName(0)
	}
	rows, err := sheetRows(wb, sheetName)
	if err != nil {
		return File{}, err
	}
	datesAsISO(wb, sheetName, rows)
	f, err := fromRows(rows, schema)
	f.Format = "xlsx"
	return f, err
}

func parseCSV(data []byte, schema Schema) (File, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	enc := "UTF-8"
	if !utf8.Valid(data) {
		// Every byte is a Windows-1252 character (the few it leaves
		// undefined become U+FFFD), so this decoding cannot fail.
		decoded, _ := charmap.Windows1252.NewDecoder().Bytes(data)
		data, enc = decoded, "Windows-1252"
	}
	firstLine, _, _ := bytes.Cut(data, []byte("\n"))
	sep := ';'
	if bytes.Count(firstLine, []byte(",")) > bytes.Count(firstLine, []byte(";")) {
		sep = ','
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = sep
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return File{}, &ErrFile{"CSV-filen kunde inte läsas: rad " + strconv.Itoa(len(rows)+1) + " har fel format."}
		}
		rows = append(rows, rec)
	}
	f, err := fromRows(rows, schema)
	f.Format = fmt.Sprintf("CSV (%s, %q)", enc, string(sep))
	return f, err
}

// fromRows maps the header to the known columns and collects data rows.
func fromRows(rows [][]string, schema Schema) (File, error) {
	var f File
	if len(rows) == 0 {
		return f, &ErrFile{"Filen är tom."}
	}
	if len(rows) > MaxRows+1 {
		return f, tooLarge
	}
	known := map[string]string{}
	for _, c := range schema.Columns {
		known[normaliseHeader(c)] = c
	}
	// The portal's own workbooks have a title row above the header: the
	// header is the first of the top rows that names the required column.
	head := 0
	for r := 0; r < min(len(rows), 5); r++ {
		if slices.ContainsFunc(rows[r], func(h string) bool { return normaliseHeader(h) == normaliseHeader(schema.Required) }) {
			head = r
			break
		}
	}
	index := map[int]string{}
	for i, h := range rows[head] {
		name := normaliseHeader(h)
		if name == "" {
			continue
		}
		if c, ok := known[name]; ok {
			index[i] = c
			f.Columns = append(f.Columns, c)
		} else {
			f.Warnings = append(f.Warnings, fmt.Sprintf("Kolumnen %q känns inte igen och läses inte in.", strings.TrimSpace(h)))
		}
	}
	if !f.Has(schema.Required) {
		return f, &ErrFile{"Filen saknar kolumnen " + schema.Required + ". Första raden ska vara rubriker (" + schema.Example + ")."}
	}
	for n, rec := range rows[head+1:] {
		line := Line{Number: head + n + 2, Values: map[string]string{}}
		empty := true
		for i, v := range rec {
			if c, ok := index[i]; ok {
				v = sheet.Unneutralise(v)
				line.Values[c] = v
				if strings.TrimSpace(v) != "" {
					empty = false
				}
			}
		}
		if !empty {
			f.Rows = append(f.Rows, line)
		}
	}
	if len(f.Rows) == 0 {
		return f, &ErrFile{"Filen innehåller bara rubrikraden och inga " + schema.Noun + "."}
	}
	return f, nil
}

// tooLarge is the message for a file beyond the limits.
var tooLarge = &ErrFile{fmt.Sprintf("Filen är för stor för att läsas in: högst %d rader och %d kolumner, och en Excel-fil får packas upp till högst %d MB. "+
	"Dela upp den, eller spara bara bladet med registret.", MaxRows, MaxColumns, MaxUnpacked>>20)}

// checkUnpacked reads through every part of the archive, counting the bytes
// it really unpacks to (a part's stated size may lie), and refuses the file
// as soon as they pass MaxUnpacked; nothing is kept.
func checkUnpacked(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return &ErrFile{"Excel-filen kunde inte läsas. Spara den som .xlsx och försök igen."}
	}
	var total int64
	for _, part := range zr.File {
		if total+int64(part.UncompressedSize64) > MaxUnpacked {
			return tooLarge
		}
		rc, err := part.Open()
		if err != nil {
			return &ErrFile{"Excel-filen kunde inte läsas. Spara den som .xlsx och försök igen."}
		}
		n, err := io.Copy(io.Discard, io.LimitReader(rc, MaxUnpacked-total+1))
		rc.Close()
		total += n
		switch {
		case total > MaxUnpacked:
			return tooLarge
		case err != nil:
			return &ErrFile{"Excel-filen är skadad och kunde inte läsas."}
		}
	}
	return nil
}

// sheetRows reads a sheet's rows, refusing more than MaxRows rows or
// MaxColumns columns before they are all in memory.
func sheetRows(wb *excelize.File, sheetName string) ([][]string, error) {
	it, err := wb.Rows(sheetName)
	if err != nil {
		return nil, &ErrFile{"Excel-filen kunde inte läsas."}
	}
	defer it.Close()
	var rows [][]string
	for it.Next() {
		if len(rows) == MaxRows+1 { // the header and MaxRows rows
			return nil, tooLarge
		}
		row, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, &ErrFile{"Excel-filen kunde inte läsas."}
		}
		if len(row) > MaxColumns {
			return nil, tooLarge
		}
		rows = append(rows, row)
	}
	if it.Error() != nil {
		return nil, &ErrFile{"Excel-filen kunde inte läsas."}
	}
	return rows, nil
}

// datesAsISO writes every cell the workbook formats as a date as an ISO
// date (2025-03-12), counted in the workbook's own date system: Excel for
// Mac's 1904 system puts the same day 1,462 serial numbers lower, and read
// as the 1900 system every date would be four years and a day early.
func datesAsISO(wb *excelize.File, sheetName string, rows [][]string) {
	props, err := wb.GetWorkbookProps()
	date1904 := err == nil && props.Date1904 != nil && *props.Date1904
	isDate := map[int]bool{} // per style
	for r, row := range rows {
		for c, v := range row {
			serial, err := strconv.ParseFloat(v, 64)
			if err != nil || serial < 1 || serial > 2958465 {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			id, err := wb.GetCellStyle(sheetName, cell)
			if err != nil {
				continue
			}
			date, known := isDate[id]
			if !known {
				style, err := wb.GetStyle(id)
				date = err == nil && dateFormat(style)
				isDate[id] = date
			}
			if !date {
				continue
			}
			if t, err := excelize.ExcelDateToTime(serial, date1904); err == nil {
				rows[r][c] = t.Format("2006-01-02")
			}
		}
	}
}

// dateFormat reports whether a cell style shows a date: one of Excel's
// built-in date formats, or a custom format with days or years in it
// (quoted text and [bracketed] parts aside).
func dateFormat(s *excelize.Style) bool {
	switch s.NumFmt {
	case 14, 15, 16, 17, 22, 27, 30, 36, 50, 57:
		return true
	}
	if s.CustomNumFmt == nil {
		return false
	}
	f := strings.ToLower(*s.CustomNumFmt)
	var b strings.Builder
	quoted, bracket := false, false
	for _, r := range f {
		switch {
		case r == '"':
			quoted = !quoted
		case r == '[' && !quoted:
			bracket = true
		case r == ']' && !quoted:
			bracket = false
		case !quoted && !bracket:
			b.WriteRune(r)
		}
	}
	plain := b.String()
	return strings.ContainsAny(plain, "yd") && !strings.HasPrefix(plain, "0")
}

// ParseDate reads a date as ISO (2025-03-12), as YYYYMMDD, or as an Excel
// date serial number.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	if len(s) == 8 {
		if t, err := time.Parse("20060102", s); err == nil {
			return t, true
		}
	}
	if serial, err := strconv.ParseFloat(s, 64); err == nil && serial > 20000 && serial < 80000 {
		if t, err := excelize.ExcelDateToTime(serial, false); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
		}
	}
	return time.Time{}, false
}
