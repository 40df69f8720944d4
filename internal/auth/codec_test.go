package auth

import (
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

func TestSessionCodecKeepsTypes(t *testing.T) {
	deadline := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	in := map[string]any{"person": int64(1<<53 + 1), "flash": "Ändringen är sparad <b>", "empty": ""}
	b, err := sessionCodec{}.Encode(deadline, in)
	if err != nil {
		t.Fatal(err)
	}
	d, out, err := sessionCodec{}.Decode(b)
	if err != nil || !d.Equal(deadline) {
		t.Fatalf("decode: %v %v", d, err)
	}
	for k, v := range in {
		if out[k] != v {
			t.Errorf("%s: %#v, want %#v", k, out[k], v)
		}
	}
	if _, err := (sessionCodec{}).Encode(deadline, map[string]any{"x": 1.5}); err == nil {
		t.Error("a float was stored")
	}
	// A session written by the gob codec before the switch is still read.
	old, err := scs.GobCodec{}.Encode(deadline, map[string]any{"person": int64(42)})
	if err != nil {
		t.Fatal(err)
	}
	if _, v, err := (sessionCodec{}).Decode(old); err != nil || v["person"] != int64(42) {
		t.Fatalf("gob session: %v %v", v, err)
	}
}
