package registerfile_test

import (
	"bytes"
	"errors"
	"itportal/internal/registerfile"
	"itportal/internal/testkit"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A decompression bomb: a small workbook whose sheet unpacks to 100 MB
// (and whose stated size lies). It is refused with a Swedish message,
// quickly, without the portal's memory growing by its size.
func TestUnpackingIsBounded(t *testing.T) {
	bomb := testkit.XLSXBomb(t, 100<<20)
	lying := bytes.Clone(bomb) // states a tiny size in the central directory
	i := bytes.LastIndex(lying, []byte("xl/worksheets/sheet1.xml"))
	copy(lying[i-46+24:i-46+28], []byte{1, 0, 0, 0})
	for lie, data := range map[bool][]byte{false: bomb, true: lying} {
		if len(data) > registerfile.MaxFileSize {
			t.Fatalf("the bomb is %d bytes, more than an upload may be", len(data))
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err := registerfile.Parse(data)
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		var fe *registerfile.ErrFile
		if !errors.As(err, &fe) || (!strings.Contains(fe.Message, "för stor") && !strings.Contains(fe.Message, "kunde inte läsas") && !strings.Contains(fe.Message, "skadad")) {
			t.Errorf("lie %v: a %d KB bomb: %v", lie, len(data)>>10, err)
		}
		if grown := int64(after.Sys) - int64(before.Sys); grown > 100<<20 || took > 2*time.Second {
			t.Errorf("lie %v: reading the bomb took %v and grew the process by %d MB", lie, took, grown>>20)
		}
		t.Logf("lie %v: %d KB bomb refused in %v: %v", lie, len(data)>>10, took.Round(time.Millisecond), err)
	}
}
