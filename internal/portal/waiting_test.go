package portal

import "testing"

// TestWaitingOn: the queue's Väntar på column names who acts next.
func TestWaitingOn(t *testing.T) {
	for _, c := range []struct {
		kind  RequestKind
		state RequestState
		want  string
	}{
		{KindIntroduction, StateDraft, "Den sökande"},
		{KindIntroduction, StateSubmitted, "IT-enheten"},
		{KindIntroduction, StateInProgress, "IT-enheten"},
		{KindOpenSource, StateInProgress, "Chefen för IT-enheten"},
		{KindNetworkAccess, StateSubmitted, "IT-enheten"},
		{KindOpenSource, StateCompletionRequested, "Den sökande"},
		{KindOperationsChange, StateSubmitted, "IT-enheten"},
		{KindIntroduction, StateGranted, ""},
		{KindIntroduction, StateWithdrawn, ""},
	} {
		if got := WaitingOn(c.kind, c.state); got != c.want {
			t.Errorf("%s %s waits on %q, want %q", c.kind, c.state, got, c.want)
		}
	}
}
