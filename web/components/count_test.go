package components

import "testing"

// TestCount: Swedish singular for one, plural for everything else.
func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int
		noun [2]string
		want string
	}{
		{0, Breaches, "0 avvikelser"}, {1, Breaches, "1 avvikelse"}, {2, Breaches, "2 avvikelser"},
		{1, Systems, "1 system"}, {3, Systems, "3 system"},
		{1, Cases, "1 ärende"}, {2, Cases, "2 ärenden"},
		{1, People, "1 person"}, {2, People, "2 personer"},
	} {
		if got := CountOf(c.n, c.noun); got != c.want {
			t.Errorf("CountOf(%d, %v) = %q, want %q", c.n, c.noun, got, c.want)
		}
	}
}
