package testkit

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// XLSXBomb returns a valid, small workbook whose one sheet unpacks to
// about size bytes of rows: a decompression bomb for the upload limits.
func XLSXBomb(t testing.TB, size int) []byte {
	t.Helper()
	wb := excelize.NewFile()
	var plain bytes.Buffer
	if err := wb.Write(&plain); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(plain.Bytes()), int64(plain.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
	for _, part := range zr.File {
		if part.Name != "xl/worksheets/sheet1.xml" {
			if err := zw.Copy(part); err != nil {
				t.Fatal(err)
			}
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: part.Name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		rows := []byte(strings.Repeat(`<row><c t="inlineStr"><is><t>Systemnamn</t></is></c></row>`, 1000))
		for written := 0; written < size; written += len(rows) {
			_, _ = w.Write(rows)
		}
		_, _ = io.WriteString(w, `</sheetData></worksheet>`)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
