package portal

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Lifecycle is a system's stage.
type Lifecycle string

// The lifecycle stages.
const (
	LifecyclePlanned      Lifecycle = "planerad"
	LifecycleIntroducing  Lifecycle = "under_inforande"
	LifecycleInOperation  Lifecycle = "i_drift"
	LifecycleWindingDown  Lifecycle = "under_avveckling"
	LifecycleDecommission Lifecycle = "avvecklad"
)

// InUse reports whether a system at stage l is in use ("i bruk"): in
// operation, or still running while it is wound down. A planned system or
// one being introduced is not yet; a decommissioned one no longer.
func InUse(l Lifecycle) bool { return l == LifecycleInOperation || l == LifecycleWindingDown }

// Choice is a value with its Swedish label, for enumerations.
type Choice struct {
	Value string
	Label string
}

// Lifecycles in order, with Swedish labels.
var Lifecycles = []Choice{
	{string(LifecyclePlanned), "Planerad"}, {string(LifecycleIntroducing), "Under införande"}, {string(LifecycleInOperation), "I drift"},
	{string(LifecycleWindingDown), "Under avveckling"}, {string(LifecycleDecommission), "Avvecklad"},
}

// The categories, hostings and levels of personal data a system has.
const (
	CategoryDepartmental = "forvaltningsspecifik" // one department's system
	CategoryMunicipal    = "kommungemensam"       // shared by the municipality

	HostingInternal   = "intern" // run by IT-enheten
	HostingSaaS       = "saas"
	HostingContracted = "entreprenad"

	PersonalDataNone      = "inga"
	PersonalDataPersonal  = "personuppgifter"
	PersonalDataSensitive = "kansliga"
)

// Categories of systems.
var Categories = []Choice{{CategoryDepartmental, "Förvaltningsspecifik"}, {CategoryMunicipal, "Kommungemensam"}}

// Hostings say who runs the platform.
var Hostings = []Choice{{HostingInternal, "Intern drift"}, {HostingSaaS, "Leverantör (SaaS)"}, {HostingContracted, "Entreprenad"}}

// PersonalData levels.
var PersonalData = []Choice{
	{PersonalDataNone, "Inga personuppgifter"}, {PersonalDataPersonal, "Personuppgifter"}, {PersonalDataSensitive, "Känsliga personuppgifter"},
}

// NewSystemFacts are the facts a new system starts from, in the register's
// form and in an import: one department's, planned, run by IT-enheten, no
// personal data until someone says otherwise.
func NewSystemFacts() SystemFacts {
	return SystemFacts{Category: CategoryDepartmental, Lifecycle: string(LifecyclePlanned), Hosting: HostingInternal, PersonalData: PersonalDataNone}
}

// LabelOf returns the label of value among choices, or value itself.
func LabelOf(choices []Choice, value string) string {
	for _, c := range choices {
		if c.Value == value {
			return c.Label
		}
	}
	return value
}

func validChoice(choices []Choice, v string) bool {
	for _, c := range choices {
		if c.Value == v {
			return true
		}
	}
	return false
}

// SystemRole is one of a system's three roles (R1).
type SystemRole string

// The three roles.
const (
	RoleOwner         SystemRole = "owner"         // systemägare: a department
	RoleAdministrator SystemRole = "administrator" // systemförvaltare: a person
	RoleOperations    SystemRole = "operations"    // driftsansvarig: IT-enheten or a supplier
)

// SystemRoles in display order.
var SystemRoles = []SystemRole{RoleOwner, RoleAdministrator, RoleOperations}

// Label is the role's Swedish name.
func (r SystemRole) Label() string {
	switch r {
	case RoleOwner:
		return "Systemägare"
	case RoleAdministrator:
		return "Systemförvaltare"
	case RoleOperations:
		return "Driftsansvarig"
	}
	return string(r)
}

// Valid reports whether r is one of the three roles.
func (r SystemRole) Valid() bool {
	return r == RoleOwner || r == RoleAdministrator || r == RoleOperations
}

// ITUnitOperator is the operations holder when IT-enheten runs a system.
const ITUnitOperator = "IT-enheten"

// SystemFacts are a system's descriptive facts (not its roles).
type SystemFacts struct {
	Name                   string
	Description            string
	Purpose                string
	Category               string
	Lifecycle              string
	Supplier               string
	Product                string
	Version                string
	Hosting                string
	PersonalData           string
	OpenSource             bool
	SelfDeveloped          bool
	SelfDevelopedRef       string
	RepresentsMunicipality bool
	WebAddress             string
	Notes                  string
	IntroducedBeforePortal bool
}

// Validate checks the facts and returns Swedish messages per field.
func (f *SystemFacts) Validate() map[string]string {
	errs := map[string]string{}
	f.Name = strings.TrimSpace(f.Name)
	f.WebAddress = strings.TrimSpace(f.WebAddress)
	// Stored trimmed, so a save compares (and a proposal records) what is kept.
	f.SelfDevelopedRef = strings.TrimSpace(f.SelfDevelopedRef)
	text := map[string]struct {
		v   string
		max int
	}{
		"name": {f.Name, 200}, "description": {f.Description, 5000}, "purpose": {f.Purpose, 5000},
		"supplier": {f.Supplier, 200}, "product": {f.Product, 200}, "version": {f.Version, 100},
		"self_developed_ref": {f.SelfDevelopedRef, 100}, "web_address": {f.WebAddress, 2000}, "notes": {f.Notes, 10000},
	}
	for field, t := range text {
		switch {
		case !utf8.ValidString(t.v) || strings.ContainsRune(t.v, 0):
			errs[field] = "Texten innehåller tecken som inte är tillåtna."
		case utf8.RuneCountInString(t.v) > t.max:
			errs[field] = "Texten får vara högst " + strconv.Itoa(t.max) + " tecken."
		}
	}
	if f.Name == "" {
		errs["name"] = "Ange systemets namn."
	}
	if !validChoice(Lifecycles, f.Lifecycle) {
		errs["lifecycle"] = "Välj livscykel."
	}
	if !validChoice(Categories, f.Category) {
		errs["category"] = "Välj kategori."
	}
	if !validChoice(Hostings, f.Hosting) {
		errs["hosting"] = "Välj driftform."
	}
	if !validChoice(PersonalData, f.PersonalData) {
		errs["personal_data"] = "Välj om systemet behandlar personuppgifter."
	}
	if f.WebAddress != "" && errs["web_address"] == "" {
		u, err := url.Parse(f.WebAddress)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs["web_address"] = "Webbadressen måste börja med https:// (eller http://) och innehålla en domän."
		}
	}
	if f.RepresentsMunicipality && f.WebAddress == "" && errs["web_address"] == "" {
		errs["web_address"] = "Ange webbadressen för en webbplats som representerar kommunen."
	}
	return errs
}

// OfficialWebsite reports whether address meets R13: https on exactly the
// official host (any path). Tricks such as another host that begins with the
// official one, user info, or plain http do not.
func OfficialWebsite(address, official string) bool {
	o, err := url.Parse(official)
	if err != nil || o.Host == "" {
		return false
	}
	u, err := url.Parse(strings.TrimSpace(address))
	if err != nil || u.Scheme != "https" || u.User != nil || u.Opaque != "" {
		return false
	}
	host := strings.ToLower(strings.TrimSuffix(u.Host, "."))
	if u.Port() == "443" {
		host = strings.ToLower(u.Hostname())
	}
	return host == strings.ToLower(o.Hostname())
}

// Breach is a rule of the guideline that a system breaks now (found by
// the compliance board's checks, internal/postgres/compliance.go).
type Breach struct {
	Rule    string // "R1" … "R14"
	Section string // the guideline's section, e.g. "4.3"
	Message string // Swedish
	Since   time.Time
	Fix     string // who can fix it and how (Swedish)
}

// CanManageRegister reports whether the actor may create systems, change
// roles and lifecycle (IT-enheten).
func CanManageRegister(a *Actor) bool { return a.HasAny(RoleITUnit, RoleITHead) }

// CanEditFacts reports whether the actor may edit a system's descriptive
// facts: IT-enheten, or the system's current administrator (whose changes
// of guarded facts become proposals: CanSetGuardedFacts).
func CanEditFacts(a *Actor, currentAdministrator int64) bool {
	if a == nil {
		return false
	}
	return CanManageRegister(a) || (currentAdministrator != 0 && a.PersonID == currentAdministrator)
}
