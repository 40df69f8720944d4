package portal

// WaitingOn says who must act next on a case of kind in state, for the
// lists of cases' Väntar på column: the applicant (a draft to send, a
// completion to answer), IT-enheten (a new case to take up or decide, an
// operations change to acknowledge), or the IT head (a case of the IT
// head's kinds under handling, which only the IT head decides). A closed
// case waits on nobody ("").
func WaitingOn(kind RequestKind, state RequestState) string {
	switch state {
	case StateDraft, StateCompletionRequested:
		return "Den sökande"
	case StateSubmitted:
		return "IT-enheten"
	case StateInProgress:
		if kind.DecidedByITHead() {
			return "Chefen för IT-enheten"
		}
		return "IT-enheten"
	}
	return ""
}
