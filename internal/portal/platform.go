package portal

import (
	"strconv"
	"strings"
	"time"
)

// The fixed IT infrastructure (§4.5): "Det åligger chefen för IT-enheten
// att fastställa den infrastruktur som ska användas inom kommunen.
// Finansiering måste finnas innan beslut fattas." The catalogue lists the
// platform components the IT head has fixed, each with its status and the
// decision that fixed it; introductions and upgrades are judged against it
// (§4.2.1 "kompatibilitet till den plattform som ligger till grund för
// kommunens IT-stöd"), and systems link to the components they run on.

// PlatformCategory is what kind of platform a component is.
type PlatformCategory string

// The categories, in the catalogue's order.
const (
	CategoryOS          PlatformCategory = "operativsystem"
	CategoryDatabase    PlatformCategory = "databas"
	CategoryHosting     PlatformCategory = "driftform"
	CategoryIdentity    PlatformCategory = "identitet"
	CategoryIntegration PlatformCategory = "integration"
	CategoryClient      PlatformCategory = "klientplattform"
	CategoryNetwork     PlatformCategory = "natverk"
)

// PlatformCategories lists the categories with their Swedish names.
var PlatformCategories = []Choice{
	{Value: string(CategoryOS), Label: "Operativsystem"},
	{Value: string(CategoryDatabase), Label: "Databas"},
	{Value: string(CategoryHosting), Label: "Driftform"},
	{Value: string(CategoryIdentity), Label: "Identitet och inloggning"},
	{Value: string(CategoryIntegration), Label: "Integration"},
	{Value: string(CategoryClient), Label: "Klientplattform"},
	{Value: string(CategoryNetwork), Label: "Nätverk"},
}

// Label is the category's Swedish name.
func (c PlatformCategory) Label() string { return LabelOf(PlatformCategories, string(c)) }

// Valid reports whether c is a known category.
func (c PlatformCategory) Valid() bool { return validChoice(PlatformCategories, string(c)) }

// PlatformStatus is what the IT head has fixed about a component.
type PlatformStatus string

// The statuses.
const (
	PlatformStandard   PlatformStatus = "standard"    // the platform to use
	PlatformException  PlatformStatus = "undantag"    // allowed with an exception decided per case
	PlatformPhasingOut PlatformStatus = "avveckling"  // being phased out, with an end date
	PlatformForbidden  PlatformStatus = "ej_tillaten" // not allowed
)

// PlatformStatuses lists the statuses with their Swedish names.
var PlatformStatuses = []Choice{
	{Value: string(PlatformStandard), Label: "Standard"},
	{Value: string(PlatformException), Label: "Tillåten med undantag"},
	{Value: string(PlatformPhasingOut), Label: "Under avveckling"},
	{Value: string(PlatformForbidden), Label: "Ej tillåten"},
}

// Label is the status's Swedish name.
func (s PlatformStatus) Label() string { return LabelOf(PlatformStatuses, string(s)) }

// Valid reports whether s is a known status.
func (s PlatformStatus) Valid() bool { return validChoice(PlatformStatuses, string(s)) }

// NeedsException reports whether a case that needs a component of the
// status must have an exception decided in the same case: every status but
// standard.
func (s PlatformStatus) NeedsException() bool { return s != PlatformStandard }

// PlatformComponentFields are what the catalogue says about a component.
type PlatformComponentFields struct {
	Category PlatformCategory
	Name     string
	Version  string // a version or level: "2022", "15", "Nivå 2"; may be empty
	Status   PlatformStatus
	EndsOn   *time.Time // the end of a phase-out; set for PlatformPhasingOut only
	Notes    string
}

// PlatformDecision is the IT head's decision that fixes a component (or
// changes its status): when, its reference (a case number or a
// diarienummer) and the financing it rests on (§4.5).
type PlatformDecision struct {
	DecidedOn          time.Time
	Reference          string
	FinancingReference string
}

// Display is the component's name with its version: "Windows Server 2022".
func (f PlatformComponentFields) Display() string {
	return strings.TrimSpace(f.Name + " " + f.Version)
}

// Validate checks a component's fields, tidying white space, and returns
// Swedish messages per form field (category, name, version, status,
// ends_on, notes). A duplicate of name and version is found by the
// database (the service says so on the name).
func (f *PlatformComponentFields) Validate() map[string]string {
	errs := map[string]string{}
	f.Name = strings.Join(strings.Fields(f.Name), " ")
	f.Version = strings.Join(strings.Fields(f.Version), " ")
	f.Notes = strings.TrimSpace(f.Notes)
	if !f.Category.Valid() {
		errs["category"] = "Välj vilken sorts plattform komponenten är."
	}
	if m := checkText(f.Name, 200, false); m != "" {
		errs["name"] = m
	} else if f.Name == "" {
		errs["name"] = "Ange komponentens namn, till exempel Windows Server."
	}
	if m := checkText(f.Version, 100, false); m != "" {
		errs["version"] = m
	}
	if m := checkText(f.Notes, 5000, true); m != "" {
		errs["notes"] = m
	}
	errs = f.checkStatus(errs)
	return errs
}

func (f *PlatformComponentFields) checkStatus(errs map[string]string) map[string]string {
	switch {
	case !f.Status.Valid():
		errs["status"] = "Välj komponentens status."
	case f.Status == PlatformPhasingOut && f.EndsOn == nil:
		errs["ends_on"] = "Ange slutdatum för avvecklingen: en komponent under avveckling har ett datum då den ska vara borta."
	case f.Status != PlatformPhasingOut && f.EndsOn != nil:
		errs["ends_on"] = "Bara en komponent under avveckling har ett slutdatum. Lämna fältet tomt eller välj Under avveckling."
	case f.EndsOn != nil && (f.EndsOn.Year() < 2000 || f.EndsOn.Year() > 2100):
		errs["ends_on"] = "Ange ett datum mellan år 2000 och 2100."
	}
	return errs
}

// Validate checks the decision behind a catalogue change: financing must
// be there before the decision is made (§4.5).
func (d *PlatformDecision) Validate() map[string]string {
	errs := map[string]string{}
	d.Reference = strings.TrimSpace(d.Reference)
	d.FinancingReference = strings.TrimSpace(d.FinancingReference)
	if m := checkText(d.Reference, 200, false); m != "" {
		errs["decision_reference"] = m
	} else if d.Reference == "" {
		errs["decision_reference"] = "Ange beslutet, till exempel ärendenummer eller diarienummer."
	}
	if m := checkText(d.FinancingReference, 200, false); m != "" {
		errs["financing_reference"] = m
	} else if d.FinancingReference == "" {
		errs["financing_reference"] = "Finansiering måste finnas innan beslut fattas (4.5): ange beslutet om finansiering."
	}
	switch {
	case d.DecidedOn.IsZero():
		errs["decided_on"] = "Ange beslutsdatum."
	case d.DecidedOn.Year() < 2000:
		errs["decided_on"] = "Ange ett datum mellan år 2000 och 2100."
	case DateOf(d.DecidedOn).After(Today()):
		errs["decided_on"] = "Beslutsdatumet kan inte vara i framtiden."
	}
	return errs
}

// PlatformVerdict is how a case's need of a component is judged against
// the catalogue on a day.
type PlatformVerdict struct {
	Label          string // "Standard", "Kräver undantag", "Under avveckling till 2027-06-30", …
	NeedsException bool
	Passed         bool // a phase-out whose end date has passed, or a component not allowed
}

// Judge says what the catalogue's status means for a case that needs the
// component on day today.
func Judge(status PlatformStatus, endsOn *time.Time, today time.Time) PlatformVerdict {
	switch status {
	case PlatformStandard:
		return PlatformVerdict{Label: "Standard"}
	case PlatformException:
		return PlatformVerdict{Label: "Kräver undantag", NeedsException: true}
	case PlatformPhasingOut:
		if endsOn == nil {
			return PlatformVerdict{Label: "Under avveckling", NeedsException: true}
		}
		if DateOf(*endsOn).Before(DateOf(today)) {
			return PlatformVerdict{Label: "Avvecklingen passerade sitt slutdatum " + endsOn.Format(time.DateOnly), NeedsException: true, Passed: true}
		}
		return PlatformVerdict{Label: "Under avveckling till " + endsOn.Format(time.DateOnly), NeedsException: true}
	case PlatformForbidden:
		return PlatformVerdict{Label: "Ej tillåten", NeedsException: true, Passed: true}
	}
	return PlatformVerdict{Label: string(status), NeedsException: true}
}

// PlatformNeed is one catalogue component a case names, with its status.
type PlatformNeed struct {
	ComponentID int64
	Display     string
	Status      PlatformStatus
	EndsOn      *time.Time
}

// MaxExceptionReason is the longest reason for an exception, in characters.
const MaxExceptionReason = 2000

// CheckExceptions checks a grant of a case that needs components: each one
// that is not standard must have an exception decided in the decision,
// with a reason (reasons, by component id). It returns the reasons kept,
// trimmed, or a Conflict with a Swedish message naming what is missing, or
// an Invalid for a reason that is too long or has characters not allowed.
func CheckExceptions(needs []PlatformNeed, reasons map[int64]string) (map[int64]string, error) {
	kept := map[int64]string{}
	var missing []string
	for _, n := range needs {
		if !n.Status.NeedsException() {
			continue
		}
		reason := strings.TrimSpace(reasons[n.ComponentID])
		field := "undantag_skal_" + strconv.FormatInt(n.ComponentID, 10)
		if m := checkText(reason, MaxExceptionReason, true); m != "" {
			return nil, Invalid(m, map[string]string{field: m})
		}
		if reason == "" {
			missing = append(missing, n.Display)
			continue
		}
		kept[n.ComponentID] = reason
	}
	if len(missing) > 0 {
		return nil, Conflict("Ärendet kan inte beviljas utan undantag: " + strings.Join(missing, ", ") +
			" är inte standard i kommunens plattform (4.5). Bevilja undantag med skäl för varje sådan komponent i beslutet, eller avslå ärendet.")
	}
	return kept, nil
}

// CanFixPlatform reports whether the actor records the IT head's decisions
// on the catalogue directly (decisions made before the portal): the IT
// head, or the deputy during a stand-in period. New decisions are cases of
// KindPlatformDecision.
func CanFixPlatform(a *Actor) bool { return a.Has(RoleITHead) || StandsInForITHead(a) }

// CanLinkPlatform reports whether the actor records which components a
// system runs on: IT-enheten, its head and administrators.
func CanLinkPlatform(a *Actor) bool { return a.HasAny(RoleITUnit, RoleITHead, RoleAdmin) }

// ParseComponentIDs reads a comma-separated list of component ids (what a
// case's platform field holds); anything else is refused with a Swedish
// message.
func ParseComponentIDs(s string) ([]int64, string) {
	var out []int64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id <= 0 {
			return nil, "Välj komponenterna i listan."
		}
		if !containsID(out, id) {
			out = append(out, id)
		}
	}
	if len(out) > MaxPlatformNeeds {
		return nil, "Välj högst " + strconv.Itoa(MaxPlatformNeeds) + " komponenter."
	}
	return out, ""
}

// MaxPlatformNeeds bounds the components one case names.
const MaxPlatformNeeds = 50

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// The platform decision's changes (a case of KindPlatformDecision).
const (
	PlatformChangeAdd    = "ny"     // a new component in the catalogue
	PlatformChangeStatus = "status" // a component's new status (a phase-out with its end date)
)

// PlatformChanges are what a platform decision may change.
var PlatformChanges = []Choice{
	{Value: PlatformChangeAdd, Label: "En ny komponent förs in i katalogen"},
	{Value: PlatformChangeStatus, Label: "En komponent i katalogen får ny status (till exempel avveckling med slutdatum)"},
}

// ProposedComponent is the catalogue entry a platform decision case
// proposes: for a new component all of it, for a change of status the
// component's name and version (to find it) and its new status.
func ProposedComponent(d RequestDetails) PlatformComponentFields {
	return PlatformComponentFields{Category: PlatformCategory(d.PlatformCategory), Name: d.PlatformName, Version: d.PlatformVersion,
		Status: PlatformStatus(d.PlatformStatus), EndsOn: d.PlatformEndDate}
}
