package portal

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindOfSurvivesWrapping(t *testing.T) {
	err := fmt.Errorf("load system 12: %w", NotFound("Systemet finns inte."))
	if got := KindOf(err); got != KindNotFound {
		t.Fatalf("KindOf = %v, want KindNotFound", got)
	}
	if got := MessageOf(err); got != "Systemet finns inte." {
		t.Fatalf("MessageOf = %q", got)
	}
	if got := KindOf(errors.New("boom")); got != KindInternal {
		t.Fatalf("plain error kind = %v, want KindInternal", got)
	}
	cause := errors.New("connection refused")
	if !errors.Is(Unavailable(cause), cause) {
		t.Fatal("Unavailable must wrap its cause")
	}
}
