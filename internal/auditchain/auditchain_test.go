package auditchain

import (
	"encoding/hex"
	"strings"
	"testing"
)

func TestParseAnchorsFromLogsAndMail(t *testing.T) {
	h := strings.Repeat("ab", 32)
	in := strings.Join([]string{
		`{"time":"2026-11-27T02:30:00Z","level":"INFO","msg":"audit chain anchored","seq":1234,"hash":"` + h + `"}`,
		`time=2026-11-28T02:30:00Z level=INFO msg="audit chain anchored" seq=1300 hash=` + strings.ToUpper(h),
		`Detta är granskningsloggens kontrollsumma (ankare) för 2026-11-29 02:30.`,
		`seq=1400 hash=` + h,
		`{"level":"INFO","msg":"listening","addr":":8080"}`,
		`a line about a hash without a sequence number`,
	}, "\n")
	as, err := ParseAnchors(strings.NewReader(in), "log")
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{1234, 1300, 1400}
	if len(as) != len(want) {
		t.Fatalf("anchors %v, want seqs %v", as, want)
	}
	for i, a := range as {
		if a.Seq != want[i] || hex.EncodeToString(a.Hash) != h {
			t.Errorf("anchor %d = %v", i, a)
		}
	}
	if as[1].Source != "log:2" {
		t.Errorf("source %q", as[1].Source)
	}
	if _, err := ParseAnchors(strings.NewReader(`seq=5 hash=abc`), "mail"); err == nil || !strings.Contains(err.Error(), "mail:1") {
		t.Errorf("a short hash: %v", err)
	}
}

func TestParseAnchor(t *testing.T) {
	h := strings.Repeat("0f", 32)
	if a, err := ParseAnchor("42:" + h); err != nil || a.Seq != 42 {
		t.Fatalf("%v %v", a, err)
	}
	for _, bad := range []string{"42", "x:" + h, "-1:" + h, "0:" + h, "42:" + h[:62], "42:" + strings.Repeat("zz", 32)} {
		if _, err := ParseAnchor(bad); err == nil {
			t.Errorf("ParseAnchor(%q) accepted", bad)
		}
	}
}

// The verifier on its own: a chain built here holds; each kind of damage
// is named at its row.
func TestVerifierNamesTheFirstBrokenRow(t *testing.T) {
	build := func(n int) []Row {
		rows := make([]Row, n)
		prev := Genesis
		for i := range rows {
			seq := int64(i + 1)
			r := &rows[i]
			r.ID, r.Seq, r.Action, r.ObjectType, r.ObjectID, r.Changes = seq+100, &seq, "x.y", "system", "1", `{"a": 1}`
			d := Digest(r)
			r.Digest = d[:]
			r.PrevHash = prev
			l := Link(prev, r.Digest, seq)
			r.Hash = l[:]
			prev = r.Hash
		}
		return rows
	}
	verify := func(rows []Row, head Head, anchors ...Anchor) Report {
		v := NewVerifier(anchors)
		for i := range rows {
			v.Add(&rows[i])
		}
		return v.Finish(head)
	}
	rows := build(10)
	head := Head{Seq: 10, Hash: rows[9].Hash}
	if r := verify(rows, head, Anchor{Seq: 5, Hash: rows[4].Hash}); !r.OK() || r.AnchorsChecked != 1 {
		t.Fatalf("intact: %v", r.FirstBroken())
	}
	rows[6].ObjectID = "2"
	if r := verify(rows, head); r.OK() || r.FirstBroken().Seq != 7 || r.FirstBroken().ID != 107 {
		t.Fatalf("changed row: %v", r.FirstBroken())
	}
	rows = build(10)
	if r := verify(rows[:9], head); r.OK() || r.FirstBroken().Seq != 10 {
		t.Fatalf("tail cut: %v", r.FirstBroken())
	}
	if r := verify(append(rows[:3:3], rows[4:]...), head); r.OK() || r.FirstBroken().Seq != 4 {
		t.Fatalf("row removed: %v", r.FirstBroken())
	}
}
