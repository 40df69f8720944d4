package server

import (
	"itportal/internal/portal"
	"itportal/web/components"
)

// The one place where a case state or a lifecycle gets its tag's colour
// (a rule's result has its own tag on the board). The tag always carries
// the state's words.

var requestTones = map[portal.RequestState]components.Tone{
	portal.StateDraft:               components.ToneGrey,
	portal.StateSubmitted:           components.ToneBlue,
	portal.StateInProgress:          components.ToneBlue,
	portal.StateCompletionRequested: components.ToneYellow,
	portal.StateGranted:             components.ToneGreen,
	portal.StateRejected:            components.ToneRed,
	portal.StateWithdrawn:           components.ToneGrey,
	portal.StateAcknowledged:        components.ToneGreen,
}

// requestStatus is a case state's tag.
func requestStatus(st portal.RequestState) components.Status {
	return components.Status{Label: st.Label(), Tone: requestTones[st]}
}

var lifecycleTones = map[portal.Lifecycle]components.Tone{
	portal.LifecyclePlanned:      components.ToneGrey,
	portal.LifecycleIntroducing:  components.ToneBlue,
	portal.LifecycleInOperation:  components.ToneGreen,
	portal.LifecycleWindingDown:  components.ToneYellow,
	portal.LifecycleDecommission: components.ToneGrey,
}

// lifecycleStatus is a system's lifecycle as a tag.
func lifecycleStatus(lc string) components.Status {
	return components.Status{Label: portal.LabelOf(portal.Lifecycles, lc), Tone: lifecycleTones[portal.Lifecycle(lc)]}
}

// tagOf is a tag for a view model's optional tag field.
func tagOf(s components.Status) *components.Status { return &s }
