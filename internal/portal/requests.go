package portal

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// RequestKind is what a case (ärende) asks for.
type RequestKind string

// The kinds of case, §4.2.1, §4.4.1, §6, §7, §10.
const (
	KindIntroduction     RequestKind = "inforande"
	KindUpgrade          RequestKind = "uppgradering"
	KindOpenSource       RequestKind = "oppen_kallkod"
	KindSelfDeveloped    RequestKind = "egenutvecklad"
	KindNetworkAccess    RequestKind = "natanslutning"
	KindOperationsChange RequestKind = "driftforandring"
	// A supplier's incident (issue 20): started by IT-enheten from the
	// supplier's page with the systems it hits, closed by IT-enheten.
	KindSupplierIncident RequestKind = "leverantorsincident"
	// A change of the catalogue of the fixed IT infrastructure (§4.5),
	// decided by the IT head once financing is confirmed.
	KindPlatformDecision RequestKind = "plattformsbeslut"
)

// RequestKinds lists the kinds in the order the portal offers them.
var RequestKinds = []RequestKind{KindIntroduction, KindUpgrade, KindOpenSource, KindSelfDeveloped, KindNetworkAccess, KindOperationsChange,
	KindPlatformDecision, KindSupplierIncident}

// Offered reports whether the kind is started on the new-case form: a
// supplier incident is started from the supplier's page instead.
func (k RequestKind) Offered() bool { return k != KindSupplierIncident }

// Valid reports whether k is a known kind.
func (k RequestKind) Valid() bool { return slices.Contains(RequestKinds, k) }

// Label is the kind's Swedish name.
func (k RequestKind) Label() string {
	switch k {
	case KindIntroduction:
		return "Införande av nytt system"
	case KindUpgrade:
		return "Uppgradering"
	case KindOpenSource:
		return "Öppen källkod"
	case KindSelfDeveloped:
		return "Egenutvecklad applikation"
	case KindNetworkAccess:
		return "Nätanslutning"
	case KindOperationsChange:
		return "Driftförändring"
	case KindPlatformDecision:
		return "Plattformsbeslut"
	}
	return string(k)
}

// Hint says in one line what the kind is for.
func (k RequestKind) Hint() string {
	switch k {
	case KindIntroduction:
		return "Ett nytt verksamhetssystem ska köpas in eller tas i bruk (4.2.1). IT-enheten beslutar."
	case KindUpgrade:
		return "Ett system i registret ska uppgraderas till en ny version (4.2.1). IT-enheten beslutar."
	case KindOpenSource:
		return "Programvara med öppen källkod ska prövas (7). Chefen för IT-enheten beslutar."
	case KindSelfDeveloped:
		return "Undantag för en egenutvecklad applikation (7). Chefen för IT-enheten beslutar."
	case KindNetworkAccess:
		return "Ett kommunalt bolag eller en samarbetspart behöver anslutas till nätet (6, 10). Chefen för IT-enheten beslutar."
	case KindOperationsChange:
		return "Den ägande förvaltningen anmäler en planerad ändring av drift eller ansvar (4.4.1). IT-enheten kvitterar."
	case KindSupplierIncident:
		return "IT-enheten startar ärendet från leverantörens sida när en leverantör drabbas av en incident, med de system som berörs. IT-enheten avslutar det."
	case KindPlatformDecision:
		return "Kommunens IT-infrastruktur ska ändras: en ny plattformskomponent, eller en ny status för en som finns (4.5). Chefen för IT-enheten beslutar när finansieringen finns."
	}
	return ""
}

// DecidedByITHead reports whether only the IT head decides the kind (R6, R7).
func (k RequestKind) DecidedByITHead() bool {
	return k == KindOpenSource || k == KindSelfDeveloped || k == KindNetworkAccess || k == KindPlatformDecision
}

// NeedsFinancing reports whether the kind states its financing (R5): every
// kind but the operations-change report and a supplier incident.
func (k RequestKind) NeedsFinancing() bool {
	return k != KindOperationsChange && k != KindSupplierIncident
}

// NeedsSystem reports whether the case concerns a system in the register.
func (k RequestKind) NeedsSystem() bool { return k == KindUpgrade || k == KindOperationsChange }

// RequestState is where a case stands.
type RequestState string

// The states of a case.
const (
	StateDraft               RequestState = "utkast"
	StateSubmitted           RequestState = "inskickat"
	StateInProgress          RequestState = "under_handlaggning"
	StateCompletionRequested RequestState = "komplettering_begard"
	StateGranted             RequestState = "beviljat"
	StateRejected            RequestState = "avslaget"
	StateWithdrawn           RequestState = "aterkallat"
	StateAcknowledged        RequestState = "kvitterad"
)

// RequestStates lists the states in the order of a case's life.
var RequestStates = []RequestState{StateDraft, StateSubmitted, StateInProgress, StateCompletionRequested,
	StateGranted, StateRejected, StateWithdrawn, StateAcknowledged}

// Valid reports whether s is a known state.
func (s RequestState) Valid() bool { return slices.Contains(RequestStates, s) }

// Label is the state's Swedish name.
func (s RequestState) Label() string {
	switch s {
	case StateDraft:
		return "Utkast"
	case StateSubmitted:
		return "Inskickat"
	case StateInProgress:
		return "Under handläggning"
	case StateCompletionRequested:
		return "Komplettering begärd"
	case StateGranted:
		return "Beviljat"
	case StateRejected:
		return "Avslaget"
	case StateWithdrawn:
		return "Återkallat"
	case StateAcknowledged:
		return "Kvitterad"
	}
	return string(s)
}

// Open reports whether the case still waits for something.
func (s RequestState) Open() bool {
	return s == StateSubmitted || s == StateInProgress || s == StateCompletionRequested
}

// Final reports whether the case is closed for good.
func (s RequestState) Final() bool {
	return s == StateGranted || s == StateRejected || s == StateWithdrawn || s == StateAcknowledged
}

// RequestAction is a step a person takes on a case.
type RequestAction string

// The actions.
const (
	ActionSubmit            RequestAction = "skicka"      // requester: draft → submitted
	ActionTakeUp            RequestAction = "handlagg"    // IT-enheten: submitted → in progress
	ActionRequestCompletion RequestAction = "begar"       // IT-enheten: in progress → completion requested
	ActionAnswerCompletion  RequestAction = "komplettera" // requester: completion requested → in progress
	ActionGrant             RequestAction = "bevilja"     // decider
	ActionReject            RequestAction = "avsla"       // decider
	ActionWithdraw          RequestAction = "aterkalla"   // requester, before a decision
	ActionAcknowledge       RequestAction = "kvittera"    // IT-enheten: an operations change
	// IT-enheten: an operations change dated before today, which rewrites
	// the role history and so is confirmed as a correction.
	ActionAcknowledgeCorrection RequestAction = "kvittera_rattelse"
)

// Party is who may take an action: the one who asked, or IT-enheten's side.
type Party int

// The parties.
const (
	PartyRequester Party = iota + 1
	PartyPreparer        // IT-enheten, the IT head and the deputy: comment, take up, ask for more
	PartyDecider         // who decides the kind (R4, R6, R7)
)

// Transition is one allowed step of the case flow.
type Transition struct {
	Action RequestAction
	From   RequestState
	To     RequestState
	By     Party
}

// transitions is the whole case flow; anything not here is refused. An
// operations change is reported, not applied for: it is acknowledged.
var transitions = []Transition{
	{ActionSubmit, StateDraft, StateSubmitted, PartyRequester},
	{ActionTakeUp, StateSubmitted, StateInProgress, PartyPreparer},
	{ActionRequestCompletion, StateSubmitted, StateCompletionRequested, PartyPreparer},
	{ActionRequestCompletion, StateInProgress, StateCompletionRequested, PartyPreparer},
	{ActionAnswerCompletion, StateCompletionRequested, StateInProgress, PartyRequester},
	{ActionGrant, StateSubmitted, StateGranted, PartyDecider},
	{ActionGrant, StateInProgress, StateGranted, PartyDecider},
	{ActionReject, StateSubmitted, StateRejected, PartyDecider},
	{ActionReject, StateInProgress, StateRejected, PartyDecider},
	{ActionWithdraw, StateSubmitted, StateWithdrawn, PartyRequester},
	{ActionWithdraw, StateInProgress, StateWithdrawn, PartyRequester},
	{ActionWithdraw, StateCompletionRequested, StateWithdrawn, PartyRequester},
	{ActionAcknowledge, StateSubmitted, StateAcknowledged, PartyDecider},
	{ActionAcknowledgeCorrection, StateSubmitted, StateAcknowledged, PartyDecider},
	// A supplier incident is closed (acknowledged) also once taken up.
	{ActionAcknowledge, StateInProgress, StateAcknowledged, PartyDecider},
}

// supplierIncidentActions are the only actions on a supplier incident: it
// is recorded, may be taken up, and is closed by IT-enheten.
var supplierIncidentActions = []RequestAction{ActionSubmit, ActionTakeUp, ActionAcknowledge}

// operationsChangeActions are the only actions on an operations change.
var operationsChangeActions = []RequestAction{ActionSubmit, ActionWithdraw, ActionAcknowledge, ActionAcknowledgeCorrection}

// Step returns the transition for taking action on a case of kind in
// state from, or a Conflict error with a Swedish message.
func Step(kind RequestKind, from RequestState, action RequestAction) (Transition, error) {
	if kind == KindOperationsChange && !slices.Contains(operationsChangeActions, action) {
		return Transition{}, Conflict("En driftförändring kvitteras; den beviljas eller avslås inte.")
	}
	if kind == KindSupplierIncident && !slices.Contains(supplierIncidentActions, action) {
		return Transition{}, Conflict("En leverantörsincident avslutas av IT-enheten; den beviljas, avslås, kompletteras eller återkallas inte.")
	}
	if kind != KindOperationsChange && (action == ActionAcknowledgeCorrection || (action == ActionAcknowledge && kind != KindSupplierIncident)) {
		return Transition{}, Conflict("Bara driftförändringar kvitteras.")
	}
	for _, t := range transitions {
		if kind == KindOperationsChange && t.From != StateDraft && t.From != StateSubmitted {
			continue // never under handling: reported, then acknowledged
		}
		if t.Action == action && t.From == from {
			return t, nil
		}
	}
	switch {
	case from == StateDraft:
		return Transition{}, Conflict("Ärendet är ett utkast och har inte skickats in.")
	case from.Final():
		return Transition{}, Conflict(fmt.Sprintf("Ärendet är redan avslutat (%s).", strings.ToLower(from.Label())))
	case action == ActionAnswerCompletion:
		return Transition{}, Conflict("Ingen komplettering har begärts i ärendet.")
	}
	return Transition{}, Conflict(fmt.Sprintf("Det går inte i ärendets läge (%s).", strings.ToLower(from.Label())))
}

// IsPreparer reports whether the actor works cases: IT-enheten, the IT
// head and the deputy.
func IsPreparer(a *Actor) bool { return a.HasAny(RoleITUnit, RoleITHead, RoleITHeadDeputy) }

// CanDecide says whether the actor may decide (or acknowledge) a case of
// kind submitted by author; authorIsITHead tells whether the author holds
// the IT head's role. Nobody decides their own case; the IT head's own
// cases of the IT head's kinds go to the deputy.
func CanDecide(a *Actor, kind RequestKind, authorID int64, authorIsITHead bool) error {
	if a == nil {
		return Forbidden("Logga in.")
	}
	if kind == KindSupplierIncident {
		// IT-enheten's own record of an incident: whoever in IT-enheten
		// started it may close it.
		if a.HasAny(RoleITUnit, RoleITHead) || StandsInForITHead(a) {
			return nil
		}
		return Forbidden("Bara IT-enheten avslutar en leverantörsincident.")
	}
	if a.PersonID == authorID {
		return Forbidden("Du kan inte besluta i ett ärende som du själv har skickat in.")
	}
	standsIn := StandsInForITHead(a) // acts for the IT head (standin.go)
	if kind.DecidedByITHead() {
		if a.Has(RoleITHead) || standsIn || (authorIsITHead && a.Has(RoleITHeadDeputy)) {
			return nil
		}
		if a.Has(RoleITHeadDeputy) {
			return Forbidden("Bara chefen för IT-enheten beslutar i ärenden om " + strings.ToLower(kind.Label()) +
				". Som ersättare beslutar du i chefens egna ärenden, och i andras bara under en ersättarperiod.")
		}
		return Forbidden("Bara chefen för IT-enheten beslutar i ärenden om " + strings.ToLower(kind.Label()) + ".")
	}
	if a.HasAny(RoleITUnit, RoleITHead) || standsIn {
		return nil
	}
	return Forbidden("Bara IT-enheten beslutar i ärendet.")
}

// KindsDecidedBy lists the kinds of case the actor decides, as CanDecide
// allows: any such case (kinds) and, for the deputy, those the IT head
// submitted (ofITHead). A deputy standing in decides what the IT head
// does. It counts what waits for the actor.
func KindsDecidedBy(a *Actor) (kinds, ofITHead []string) {
	kinds, ofITHead = []string{}, []string{}
	head := a.Has(RoleITHead) || StandsInForITHead(a)
	for _, k := range RequestKinds {
		switch {
		case k.DecidedByITHead() && head, !k.DecidedByITHead() && (head || a.Has(RoleITUnit)):
			kinds = append(kinds, string(k))
		case k.DecidedByITHead() && a.Has(RoleITHeadDeputy):
			ofITHead = append(ofITHead, string(k))
		}
	}
	return kinds, ofITHead
}

// RequestFields are what the requester fills in. The common fields are
// shared by every kind; the rest belong to one or two kinds and are empty
// for the others. Costs are whole kronor.
type RequestFields struct {
	DepartmentID int64
	Title        string
	Description  string
	Contact      string
	DesiredDate  *time.Time

	FinancingSource    string
	FinancingConfirmed bool
	FinancingReference string     // the decision's reference, e.g. a nämnd decision's diarienummer
	FinancingDecidedBy string     // who decided the financing: a nämnd, a role or a person
	FinancingDecidedOn *time.Time // when the financing was decided

	SystemName string // upgrade and operations change: the system in the register
	SystemID   int64  // resolved from SystemName by the service

	Details RequestDetails
}

// RequestDetails are the kind-specific fields, kept together.
type RequestDetails struct {
	// Införande and uppgradering (R4).
	Need                  string `json:"need,omitempty"`
	GoalAlignment         string `json:"goal_alignment,omitempty"`
	PlatformCompatibility string `json:"platform_compatibility,omitempty"`
	OneOffCost            int64  `json:"one_off_cost,omitempty"`
	YearlyCost            int64  `json:"yearly_cost,omitempty"`
	Years                 int    `json:"years,omitempty"`
	// Införande: the system to be.
	NewSystemName      string `json:"new_system_name,omitempty"`
	Supplier           string `json:"supplier,omitempty"`
	Hosting            string `json:"hosting,omitempty"`
	AdministratorName  string `json:"administrator_name,omitempty"`
	AdministratorEmail string `json:"administrator_email,omitempty"`
	PersonalData       string `json:"personal_data,omitempty"`
	TrainingNeeds      string `json:"training_needs,omitempty"`
	// Uppgradering.
	FromVersion string `json:"from_version,omitempty"`
	ToVersion   string `json:"to_version,omitempty"`
	PerformedBy string `json:"performed_by,omitempty"`
	// Öppen källkod and egenutvecklad (§7): the four assessments.
	Software      string `json:"software,omitempty"`
	Licence       string `json:"licence,omitempty"`
	ProjectURL    string `json:"project_url,omitempty"`
	Stability     string `json:"stability,omitempty"`
	Security      string `json:"security,omitempty"`
	Compatibility string `json:"compatibility,omitempty"`
	FutureProof   string `json:"future_proof,omitempty"`
	WhyNoGeneric  string `json:"why_no_generic,omitempty"`
	Maintainer    string `json:"maintainer,omitempty"`
	// Nätanslutning.
	Organisation string `json:"organisation,omitempty"`
	AccessTo     string `json:"access_to,omitempty"`
	AccessPeriod string `json:"access_period,omitempty"`
	// ValidUntil is the access's last day ("giltig till"): past it the
	// access is a breach of R23 until IT-enheten records it closed.
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	// Driftförändring (§4.4.1): what changes, from when.
	ChangeRole    string     `json:"change_role,omitempty"` // operations or administrator
	NewOperator   string     `json:"new_operator,omitempty"`
	NewAdminName  string     `json:"new_admin_name,omitempty"`
	NewAdminEmail string     `json:"new_admin_email,omitempty"`
	EffectiveDate *time.Time `json:"effective_date,omitempty"`
	// Leverantörsincident: the supplier hit (its name as it was then).
	IncidentSupplierID int64  `json:"incident_supplier_id,omitempty"`
	IncidentSupplier   string `json:"incident_supplier,omitempty"`
	// Införande and uppgradering: the platform components needed (§4.5),
	// catalogue ids separated by commas, and what the catalogue lacks.
	PlatformComponents string `json:"platform_components,omitempty"`
	PlatformMissing    string `json:"platform_missing,omitempty"`
	// Plattformsbeslut (§4.5): the catalogue change proposed.
	PlatformChange   string     `json:"platform_change,omitempty"` // PlatformChangeAdd or PlatformChangeStatus
	PlatformCategory string     `json:"platform_category,omitempty"`
	PlatformName     string     `json:"platform_name,omitempty"`
	PlatformVersion  string     `json:"platform_version,omitempty"`
	PlatformStatus   string     `json:"platform_status,omitempty"`
	PlatformEndDate  *time.Time `json:"platform_end_date,omitempty"`
}

// TotalCost is the total cost of ownership: one-off plus yearly times years.
func (d RequestDetails) TotalCost() int64 { return d.OneOffCost + d.YearlyCost*int64(d.Years) }

// MaxCost bounds a cost field (kronor): larger is a typing error.
const MaxCost = 1_000_000_000

// ChangeRoles are the roles an operations change may hand over.
var ChangeRoles = []Choice{{Value: "operations", Label: "Driftansvar"}, {Value: "administrator", Label: "Systemförvaltare"}}

// CanSeeCase hides drafts from everyone but their author: a draft is not
// yet a public record. Submitted cases are readable by everyone signed in.
func CanSeeCase(a *Actor, state RequestState, authorID int64) error {
	if a == nil {
		return Forbidden("Logga in.")
	}
	if state == StateDraft && authorID != a.PersonID {
		return NotFound("Ärendet finns inte.")
	}
	return nil
}

// CanOpenCaseFiles says who opens a case's attachments (and sees their
// names): the requester, the requester's department, IT-enheten and the IT
// head (and deputy).
func CanOpenCaseFiles(a *Actor, authorID, departmentID int64) bool {
	return a != nil && (authorID == a.PersonID || IsPreparer(a) || (a.DepartmentID != 0 && a.DepartmentID == departmentID))
}

// MaxMotivation is the longest decision motivation, in characters.
const MaxMotivation = 10000

// CheckDecision checks a decision on a case of kind in state, with the
// fields f, by someone CanDecide allows: the step exists, a grant or
// rejection is motivated in writing (a plain acknowledgement need not be),
// a case that needs financing is granted only once the financing is
// confirmed (R5), and an operations change dated before today is
// acknowledged only as a correction, with a motivation. It returns the
// step, with the motivation trimmed.
func CheckDecision(kind RequestKind, state RequestState, action RequestAction, motivation string, f RequestFields) (Transition, string, error) {
	motivation = strings.TrimSpace(motivation)
	switch action {
	case ActionGrant, ActionReject, ActionAcknowledge, ActionAcknowledgeCorrection:
	default:
		return Transition{}, motivation, Invalid("Välj beslut.", map[string]string{"decision": "Välj bevilja eller avslå."})
	}
	t, err := Step(kind, state, action)
	if err != nil {
		return t, motivation, err
	}
	backdated := f.Backdated(kind)
	switch {
	case backdated && action == ActionAcknowledge:
		return t, motivation, Conflict("Ändringen gäller från " + f.Details.EffectiveDate.Format(time.DateOnly) +
			", ett datum som har passerat, och skriver om rollhistoriken. Kvittera den som en rättelse om den stämmer.")
	case !backdated && action == ActionAcknowledgeCorrection:
		return t, motivation, Conflict("Ändringen gäller från i dag eller senare och är ingen rättelse. Kvittera den som vanligt.")
	}
	switch {
	case strings.ContainsRune(motivation, 0):
		return t, motivation, Invalid("Texten innehåller otillåtna tecken.", map[string]string{"motivation": "Texten innehåller otillåtna tecken."})
	case motivation == "" && kind == KindSupplierIncident:
		return t, motivation, Invalid("Skriv en sammanfattning av incidenten.", map[string]string{"motivation": "Skriv vad som hände, vilka uppgifter som berördes och vad som gjordes."})
	case motivation == "" && action == ActionAcknowledgeCorrection:
		return t, motivation, Invalid("En rättelse av rollhistoriken måste motiveras.", map[string]string{"motivation": "Skriv varför historiken rättas."})
	case motivation == "" && action != ActionAcknowledge:
		return t, motivation, Invalid("Ett beslut måste motiveras skriftligt.", map[string]string{"motivation": "Skriv beslutets motivering."})
	case utf8.RuneCountInString(motivation) > MaxMotivation:
		return t, motivation, Invalid("Högst 10 000 tecken.", map[string]string{"motivation": "Högst 10 000 tecken."})
	}
	if action == ActionGrant && kind.NeedsFinancing() && !f.FinancingConfirmed {
		return t, motivation, Conflict("Ärendet kan inte beviljas förrän finansieringen är bekräftad (4.5).")
	}
	return t, motivation, nil
}

// Backdated reports whether an operations change takes effect before
// today: acknowledging it rewrites who held the role.
func (f RequestFields) Backdated(kind RequestKind) bool {
	return kind == KindOperationsChange && f.Details.EffectiveDate != nil && DateOf(*f.Details.EffectiveDate).Before(Today())
}

// CanSpeakFor says whether the actor may file a case for department: its
// own staff may, and IT-enheten and its head for any department; someone
// who administers the system the case concerns may for the department
// that owns it (owner, 0 when the case names no system). Every form that
// chooses a department is checked with it.
func CanSpeakFor(a *Actor, department, owner int64, administersSystem bool) error {
	switch {
	case a == nil:
		return Forbidden("Logga in.")
	case department == 0 || IsPreparer(a) || a.DepartmentID == department:
		return nil
	case administersSystem && owner == department:
		return nil
	case a.DepartmentID == 0:
		return Invalid("Du kan inte anmäla ärenden för förvaltningen.", map[string]string{
			"department": "Din förvaltning är inte känd i portalen, så du kan inte anmäla ärenden för en förvaltning. Kontakta IT-enheten."})
	}
	return Invalid("Du kan bara anmäla ärenden för din egen förvaltning.", map[string]string{
		"department": "Du kan bara anmäla ärenden för din egen förvaltning, eller för den som äger ett system du förvaltar."})
}

// AlreadyDecided is the answer to a second decision (R8): who decided,
// and when.
func AlreadyDecided(decider string, at *time.Time) error {
	when := ""
	if at != nil {
		when = at.In(Stockholm).Format("2006-01-02 15:04")
	}
	return Conflict(strings.TrimSpace(fmt.Sprintf("Ärendet beslutades redan av %s %s.", decider, when)))
}

// IntroducedSystem is the system a granted introduction registers:
// planned, owned by the requesting department, with the case's facts, run
// by IT-enheten unless the case says otherwise.
func IntroducedSystem(f RequestFields, number string) SystemFacts {
	d := f.Details
	s := NewSystemFacts()
	s.Name, s.Description, s.Purpose, s.Supplier, s.PersonalData = d.NewSystemName, f.Description, d.Need, d.Supplier, d.PersonalData
	if d.Hosting != "" {
		s.Hosting = d.Hosting
	}
	s.Notes = "Infört genom beslut i ärende " + number + "."
	return s
}

// CanStartSupplierIncident reports whether the actor starts a supplier
// incident case: IT-enheten and its head.
func CanStartSupplierIncident(a *Actor) bool { return a.HasAny(RoleITUnit, RoleITHead) }

// SupplierIncidentFields are what the incident form says.
type SupplierIncidentFields struct {
	Title       string
	Description string
	SystemIDs   []int64
}

// Validate checks the incident's text and returns Swedish messages per
// field; the systems are checked against the supplier's in the service.
func (f *SupplierIncidentFields) Validate() map[string]string {
	errs := map[string]string{}
	f.Title = strings.Join(strings.Fields(f.Title), " ")
	f.Description = strings.TrimSpace(f.Description)
	if m := checkText(f.Title, 200, false); m != "" {
		errs["title"] = m
	} else if f.Title == "" {
		errs["title"] = "Ange en rubrik."
	}
	if m := checkText(f.Description, 10000, true); m != "" {
		errs["description"] = m
	} else if f.Description == "" {
		errs["description"] = "Beskriv vad som har hänt hos leverantören och vad som är känt."
	}
	return errs
}
