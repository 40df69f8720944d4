package portal

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCaseFlow checks every (kind, state, action) against the flow the
// guideline describes, written out here independently of the table in
// requests.go: allowed steps land in the right state, everything else is
// refused with a Swedish message.
func TestCaseFlow(t *testing.T) {
	actions := []RequestAction{ActionSubmit, ActionTakeUp, ActionRequestCompletion, ActionAnswerCompletion,
		ActionGrant, ActionReject, ActionWithdraw, ActionAcknowledge}
	// want[kind-class][state][action] = resulting state.
	applied := map[RequestState]map[RequestAction]RequestState{
		StateDraft:               {ActionSubmit: StateSubmitted},
		StateSubmitted:           {ActionTakeUp: StateInProgress, ActionRequestCompletion: StateCompletionRequested, ActionGrant: StateGranted, ActionReject: StateRejected, ActionWithdraw: StateWithdrawn},
		StateInProgress:          {ActionRequestCompletion: StateCompletionRequested, ActionGrant: StateGranted, ActionReject: StateRejected, ActionWithdraw: StateWithdrawn},
		StateCompletionRequested: {ActionAnswerCompletion: StateInProgress, ActionWithdraw: StateWithdrawn},
	}
	reported := map[RequestState]map[RequestAction]RequestState{
		StateDraft:     {ActionSubmit: StateSubmitted},
		StateSubmitted: {ActionAcknowledge: StateAcknowledged, ActionWithdraw: StateWithdrawn},
	}
	// A supplier incident is recorded by IT-enheten, may be taken up, and is
	// closed by IT-enheten; nothing is granted, completed or withdrawn.
	incident := map[RequestState]map[RequestAction]RequestState{
		StateDraft:      {ActionSubmit: StateSubmitted},
		StateSubmitted:  {ActionTakeUp: StateInProgress, ActionAcknowledge: StateAcknowledged},
		StateInProgress: {ActionAcknowledge: StateAcknowledged},
	}
	allowed, refused := 0, 0
	for _, kind := range RequestKinds {
		want := applied
		if kind == KindOperationsChange {
			want = reported
		}
		if kind == KindSupplierIncident {
			want = incident
		}
		for _, from := range RequestStates {
			for _, action := range actions {
				to, ok := want[from][action]
				tr, err := Step(kind, from, action)
				name := fmt.Sprintf("%s/%s/%s", kind, from, action)
				switch {
				case ok && err != nil:
					t.Errorf("%s: refused: %v", name, err)
				case ok && tr.To != to:
					t.Errorf("%s: to %s, want %s", name, tr.To, to)
				case !ok && err == nil:
					t.Errorf("%s: allowed (to %s), want refused", name, tr.To)
				case !ok && (KindOf(err) != KindConflict || MessageOf(err) == ""):
					t.Errorf("%s: refused without a conflict message: %v", name, err)
				}
				if ok {
					allowed++
				} else {
					refused++
				}
			}
		}
	}
	if allowed != (len(RequestKinds)-2)*12+3+4 || refused == 0 {
		t.Errorf("%d allowed, %d refused: the flow changed", allowed, refused)
	}
	// Messages say why.
	if _, err := Step(KindIntroduction, StateGranted, ActionWithdraw); MessageOf(err) != "Ärendet är redan avslutat (beviljat)." {
		t.Errorf("withdraw after decision: %q", MessageOf(err))
	}
	if _, err := Step(KindIntroduction, StateDraft, ActionGrant); MessageOf(err) != "Ärendet är ett utkast och har inte skickats in." {
		t.Errorf("decide a draft: %q", MessageOf(err))
	}
	if _, err := Step(KindIntroduction, StateInProgress, ActionAnswerCompletion); MessageOf(err) != "Ingen komplettering har begärts i ärendet." {
		t.Errorf("resubmit unasked: %q", MessageOf(err))
	}
}

func TestWhoDecides(t *testing.T) {
	unit := &Actor{PersonID: 1, Roles: []Role{RoleITUnit}}
	head := &Actor{PersonID: 2, Roles: []Role{RoleITHead}}
	deputy := &Actor{PersonID: 3, Roles: []Role{RoleITHeadDeputy}}
	employee := &Actor{PersonID: 4}
	const other = 99
	for _, c := range []struct {
		actor      *Actor
		kind       RequestKind
		author     int64
		authorHead bool
		ok         bool
	}{
		{unit, KindIntroduction, other, false, true},
		{unit, KindUpgrade, other, false, true},
		{unit, KindOperationsChange, other, false, true},
		{unit, KindOpenSource, other, false, false}, // R6
		{unit, KindSelfDeveloped, other, false, false},
		{unit, KindNetworkAccess, other, false, false}, // R7
		{head, KindOpenSource, other, false, true},
		{head, KindIntroduction, other, false, true},
		{head, KindOpenSource, head.PersonID, true, false},  // own case
		{deputy, KindOpenSource, head.PersonID, true, true}, // the head's own case goes to the deputy
		{deputy, KindOpenSource, other, false, false},
		{deputy, KindIntroduction, other, false, false},
		{unit, KindIntroduction, unit.PersonID, false, false}, // segregation of duties
		{employee, KindIntroduction, other, false, false},
		{nil, KindIntroduction, other, false, false},
	} {
		err := CanDecide(c.actor, c.kind, c.author, c.authorHead)
		if (err == nil) != c.ok {
			t.Errorf("%+v deciding %s by %d: %v", c.actor, c.kind, c.author, err)
		}
		if err != nil && KindOf(err) != KindForbidden {
			t.Errorf("refusal is not Forbidden: %v", err)
		}
	}

	// What waits for a decider is what they may decide.
	for _, a := range []*Actor{unit, head, deputy, employee, {PersonID: 5, Roles: []Role{RoleITUnit, RoleITHeadDeputy}}} {
		kinds, ofITHead := KindsDecidedBy(a)
		for _, k := range RequestKinds {
			if got, want := slices.Contains(kinds, string(k)), CanDecide(a, k, other, false) == nil; got != want {
				t.Errorf("%v: %s listed as decided %v, CanDecide says %v", a.Roles, k, got, want)
			}
			if got, want := slices.Contains(kinds, string(k)) || slices.Contains(ofITHead, string(k)), CanDecide(a, k, other, true) == nil; got != want {
				t.Errorf("%v: the IT head's %s listed as decided %v, CanDecide says %v", a.Roles, k, got, want)
			}
		}
	}
}

func TestRequestValidation(t *testing.T) {
	day := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	f := RequestFields{Title: "  Nytt ärendesystem ", DesiredDate: &day, Details: RequestDetails{OneOffCost: -5, YearlyCost: 2 * MaxCost, Years: 51, PersonalData: "kanske"}}
	errs := f.Validate(KindIntroduction, true)
	for _, field := range []string{"desired_date", "one_off_cost", "yearly_cost", "years", "need", "goal_alignment",
		"platform_compatibility", "financing_source", "department", "personal_data", "administrator_email"} {
		if errs[field] == "" {
			t.Errorf("no message for %s: %v", field, errs)
		}
	}
	if f.Title != "Nytt ärendesystem" || errs["title"] != "" {
		t.Errorf("title: %q %q", f.Title, errs["title"])
	}
	// A draft needs only a title; what it holds is still checked.
	draft := RequestFields{Title: "Utkast", Details: RequestDetails{Years: 0, OneOffCost: -1}}
	if errs := draft.Validate(KindIntroduction, false); len(errs) != 1 || errs["one_off_cost"] == "" {
		t.Errorf("draft: %v", errs)
	}
	// An operations change has no financing (R5) but a date and a new holder.
	oc := RequestFields{Title: "Ny driftleverantör", Description: "x", Contact: "y", SystemName: "Treserva", DepartmentID: 1,
		Details: RequestDetails{ChangeRole: "operations"}}
	errs = oc.Validate(KindOperationsChange, true)
	if errs["financing_source"] != "" || errs["new_operator"] == "" || errs["effective_date"] == "" || len(errs) != 2 {
		t.Errorf("operations change: %v", errs)
	}
	osr := RequestFields{Details: RequestDetails{ProjectURL: "javascript:alert(1)"}}
	if errs := osr.Validate(KindOpenSource, false); errs["project_url"] == "" {
		t.Errorf("javascript: URL accepted: %v", errs)
	}
	if got := (RequestDetails{OneOffCost: 100000, YearlyCost: 25000, Years: 4}).TotalCost(); got != 200000 {
		t.Errorf("total cost %d", got)
	}
}

func TestDecisionChecks(t *testing.T) {
	yesterday, today := Today().AddDate(0, 0, -1), Today()
	confirmed := RequestFields{FinancingConfirmed: true}
	past := RequestFields{Details: RequestDetails{EffectiveDate: &yesterday}}
	now := RequestFields{Details: RequestDetails{EffectiveDate: &today}}
	for _, c := range []struct {
		kind   RequestKind
		state  RequestState
		action RequestAction
		text   string
		f      RequestFields
		want   Kind
	}{
		{KindIntroduction, StateInProgress, ActionGrant, "  Stödjer målen ", confirmed, 0},
		{KindIntroduction, StateInProgress, ActionGrant, "Stödjer målen", RequestFields{}, KindConflict}, // R5
		{KindIntroduction, StateInProgress, ActionReject, "Saknar finansiering", RequestFields{}, 0},
		{KindIntroduction, StateInProgress, ActionGrant, "   ", confirmed, KindInvalid},
		{KindIntroduction, StateInProgress, ActionGrant, strings.Repeat("å", MaxMotivation+1), confirmed, KindInvalid},
		{KindIntroduction, StateInProgress, ActionGrant, "a\x00b", confirmed, KindInvalid},
		{KindIntroduction, StateInProgress, ActionWithdraw, "x", confirmed, KindInvalid},
		{KindIntroduction, StateGranted, ActionGrant, "x", confirmed, KindConflict},
		{KindIntroduction, StateInProgress, ActionAcknowledgeCorrection, "x", confirmed, KindConflict},
		{KindOperationsChange, StateSubmitted, ActionAcknowledge, "", now, 0},
		{KindOperationsChange, StateSubmitted, ActionGrant, "x", now, KindConflict},
		// Back-dated: a correction, confirmed as one, with a reason.
		{KindOperationsChange, StateSubmitted, ActionAcknowledge, "", past, KindConflict},
		{KindOperationsChange, StateSubmitted, ActionAcknowledgeCorrection, "", past, KindInvalid},
		{KindOperationsChange, StateSubmitted, ActionAcknowledgeCorrection, "Bytet skedde redan i mars", past, 0},
		{KindOperationsChange, StateSubmitted, ActionAcknowledgeCorrection, "x", now, KindConflict},
	} {
		tr, text, err := CheckDecision(c.kind, c.state, c.action, c.text, c.f)
		switch {
		case c.want == 0 && err != nil:
			t.Errorf("%s %s %s: %v", c.kind, c.state, c.action, err)
		case c.want == 0 && (text != strings.TrimSpace(c.text) || tr.Action != c.action):
			t.Errorf("%s %s: step %+v, text %q", c.kind, c.action, tr, text)
		case c.want != 0 && KindOf(err) != c.want:
			t.Errorf("%s %s %s %q: %v, want kind %v", c.kind, c.state, c.action, c.text, err, c.want)
		}
	}
}

func TestWhoSpeaksForADepartment(t *testing.T) {
	const soc, klf = 10, 20
	staff := &Actor{PersonID: 1, DepartmentID: soc}
	unit := &Actor{PersonID: 2, DepartmentID: klf, Roles: []Role{RoleITUnit}}
	nobody := &Actor{PersonID: 3}
	for _, c := range []struct {
		a                 *Actor
		dept, owner       int64
		administers, want bool
	}{
		{staff, soc, 0, false, true},
		{staff, klf, 0, false, false},   // another department
		{staff, klf, klf, false, false}, // its system, but no role on it
		{staff, klf, klf, true, true},   // the administrator of klf's system
		{staff, klf, soc, true, false},  // a role on a system klf does not own
		{unit, soc, 0, false, true},     // IT-enheten files for anyone
		{nobody, soc, 0, false, false},  // no department known
		{nobody, 0, 0, false, true},     // no department chosen yet: a draft
		{nil, soc, 0, false, false},
	} {
		if err := CanSpeakFor(c.a, c.dept, c.owner, c.administers); (err == nil) != c.want {
			t.Errorf("%+v for %d (owner %d, administers %v): %v", c.a, c.dept, c.owner, c.administers, err)
		}
	}
}

func TestWhoSeesACase(t *testing.T) {
	author := &Actor{PersonID: 1, DepartmentID: 10}
	colleague := &Actor{PersonID: 2, DepartmentID: 10}
	elsewhere := &Actor{PersonID: 3, DepartmentID: 20}
	unit := &Actor{PersonID: 4, DepartmentID: 30, Roles: []Role{RoleITUnit}}
	if CanSeeCase(colleague, StateDraft, 1) == nil || CanSeeCase(author, StateDraft, 1) != nil || CanSeeCase(elsewhere, StateSubmitted, 1) != nil {
		t.Error("a draft is its author's alone; a submitted case everyone's")
	}
	if CanSeeCase(nil, StateSubmitted, 1) == nil {
		t.Error("nobody signed in sees a case")
	}
	for a, want := range map[*Actor]bool{author: true, colleague: true, unit: true, elsewhere: false} {
		if CanOpenCaseFiles(a, 1, 10) != want {
			t.Errorf("person %d opens the files: %v", a.PersonID, !want)
		}
	}
	if CanOpenCaseFiles(&Actor{PersonID: 5}, 1, 0) {
		t.Error("a person of no department opens a case of no department")
	}
}
