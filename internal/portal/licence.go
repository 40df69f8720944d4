package portal

import (
	"strconv"
	"strings"
	"time"
)

// Licences (issue 20): what a system's licences allow and how many are in
// use. §7 of Riktlinjer för IT: "Licenser ska köpas enligt programmets
// licensvillkor". A licence counted per user, device, server or core, or
// a subscription of seats, allows as many as were bought; a site licence
// (platslicens) allows any number. The compliance board's R17 lists the
// licences in use beyond what was bought (LicenceOverUsed, in SQL in
// internal/postgres/compliance_checks.go).

// The licence models.
const (
	LicencePerUser       = "per_anvandare"
	LicencePerDevice     = "per_enhet"
	LicencePerServer     = "per_server"
	LicenceSite          = "plats"
	LicenceSubscription  = "prenumeration"
	MaxLicenceCount      = 1_000_000 // more is a typing error in a municipality of this size
	maxLicenceNote       = 2000
	licenceEarliestYear  = 1980
	licenceLatestRenewal = 2100
)

// LicenceModels in order, with Swedish labels.
var LicenceModels = []Choice{
	{LicencePerUser, "Per användare"}, {LicencePerDevice, "Per enhet"}, {LicencePerServer, "Per server eller kärna"},
	{LicenceSite, "Platslicens"}, {LicenceSubscription, "Prenumeration"},
}

// LicenceCounted reports whether a licence of model allows a number: every
// model but the site licence.
func LicenceCounted(model string) bool { return model != LicenceSite }

// ParseLicenceModel reads a model as a form, a file or the API gives it:
// the stored value or the Swedish label, without regard to case
// ("Platslicens", "plats", "per användare").
func ParseLicenceModel(s string) (string, bool) {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	for _, c := range LicenceModels {
		if s == c.Value || s == strings.ToLower(c.Label) {
			return c.Value, true
		}
	}
	switch s {
	case "site", "plats licens", "site licence", "site license":
		return LicenceSite, true
	case "per server", "per kärna", "server", "kärna":
		return LicencePerServer, true
	case "per användare", "användare":
		return LicencePerUser, true
	case "per enhet", "enhet":
		return LicencePerDevice, true
	case "subscription":
		return LicenceSubscription, true
	}
	return "", false
}

// LicenceInput is a licence's form as typed, every value a string, so a
// refused form is shown again as it was.
type LicenceInput struct {
	ContractID, Model, Bought, InUse, CountedOn, RenewalOn, Note string
}

// LicenceFields are a licence's checked values. InUse and CountedOn are
// set together: a number in use is the number counted on a day.
type LicenceFields struct {
	ContractID int64 // the contract the licence is bought under; 0 for none
	Model      string
	Bought     int // 0 for a site licence (any number)
	InUse      int
	Counted    bool      // InUse was counted (else it is not known)
	CountedOn  time.Time // the day it was counted
	RenewalOn  time.Time // the next renewal; zero for none (a perpetual licence)
	Note       string
}

// OverUsed reports whether more are in use than were bought (R17).
func (f LicenceFields) OverUsed() bool { return LicenceOverUsed(f.Model, f.Bought, f.InUse, f.Counted) }

// LicenceOverUsed is the rule "in use ≤ bought" of §7: only a counted
// licence of a counted model can break it.
func LicenceOverUsed(model string, bought, inUse int, counted bool) bool {
	return counted && LicenceCounted(model) && inUse > bought
}

// Parse checks the form as seen on today and returns the licence's values
// with Swedish messages per field (contract_id, model, bought, in_use,
// counted_on, renewal_on, note).
func (in LicenceInput) Parse(today time.Time) (LicenceFields, map[string]string) {
	errs := map[string]string{}
	f := LicenceFields{Note: in.Note}
	for field, v := range map[string]string{"contract_id": in.ContractID, "model": in.Model, "bought": in.Bought,
		"in_use": in.InUse, "counted_on": in.CountedOn, "renewal_on": in.RenewalOn} {
		if m := checkText(v, 100, false); m != "" {
			errs[field] = m
		}
	}
	if m := checkText(f.Note, maxLicenceNote, true); m != "" {
		errs["note"] = m
	}
	if errs["contract_id"] == "" && strings.TrimSpace(in.ContractID) != "" {
		f.ContractID = parseID(in.ContractID, "contract_id", "Välj avtalet i listan.", errs)
	}
	if errs["model"] == "" {
		if m, ok := ParseLicenceModel(in.Model); ok {
			f.Model = m
		} else if strings.TrimSpace(in.Model) == "" {
			errs["model"] = "Välj licensmodell."
		} else {
			errs["model"] = "Licensmodellen finns inte. Välj per användare, per enhet, per server eller kärna, platslicens eller prenumeration."
		}
	}
	if errs["bought"] == "" {
		n, given, msg := ParseLicenceCount(in.Bought)
		switch {
		case msg != "":
			errs["bought"] = msg
		case !given && f.Model != LicenceSite:
			errs["bought"] = "Ange hur många licenser som är köpta."
		case given && f.Model == LicenceSite && n != 0:
			errs["bought"] = "En platslicens gäller hur många som helst: lämna antalet köpta tomt."
		default:
			f.Bought = n
		}
	}
	if errs["in_use"] == "" {
		n, given, msg := ParseLicenceCount(in.InUse)
		if msg != "" {
			errs["in_use"] = msg
		} else {
			f.InUse, f.Counted = n, given
		}
	}
	if errs["counted_on"] == "" {
		f.CountedOn = parseDate(in.CountedOn, "counted_on", false, errs)
		switch {
		case errs["counted_on"] != "":
		case f.Counted && f.CountedOn.IsZero():
			errs["counted_on"] = "Ange vilken dag antalet i användning räknades, till exempel " + today.Format("2006-01-02") + "."
		case !f.Counted && !f.CountedOn.IsZero() && errs["in_use"] == "":
			errs["in_use"] = "Ange antalet i användning som räknades " + f.CountedOn.Format("2006-01-02") + ", eller lämna båda fälten tomma."
		case !f.CountedOn.IsZero() && f.CountedOn.After(dateOnly(today)):
			errs["counted_on"] = "Dagen då antalet räknades kan inte ligga i framtiden."
		case !f.CountedOn.IsZero() && f.CountedOn.Year() < licenceEarliestYear:
			errs["counted_on"] = "Dagen då antalet räknades ska ligga efter år " + strconv.Itoa(licenceEarliestYear) + "."
		}
	}
	if errs["renewal_on"] == "" {
		f.RenewalOn = parseDate(in.RenewalOn, "renewal_on", false, errs)
		if !f.RenewalOn.IsZero() && (f.RenewalOn.Year() < licenceEarliestYear || f.RenewalOn.Year() > licenceLatestRenewal) {
			errs["renewal_on"] = "Förnyelsedatumet ska ligga mellan år " + strconv.Itoa(licenceEarliestYear) + " och " + strconv.Itoa(licenceLatestRenewal) + "."
		}
	}
	return f, errs
}

// ParseLicenceCount reads a number of licences ("250", "1 200"): given is
// false for an empty field; the message says what is wrong, in Swedish.
func ParseLicenceCount(s string) (n int, given bool, msg string) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return 0, false, ""
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		return 0, true, "Antalet kan inte vara negativt."
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, true, "Ange antalet med siffror, till exempel 250."
		}
	}
	if len(s) > 7 {
		return 0, true, "Antalet är orimligt stort: högst 1 000 000."
	}
	n, _ = strconv.Atoi(s)
	if n > MaxLicenceCount {
		return 0, true, "Antalet är orimligt stort: högst 1 000 000."
	}
	return n, true, ""
}

// LicenceStatus is what a licence's numbers say, in Swedish, for the
// status tag: over-used, within, not counted, or a site licence.
func LicenceStatus(model string, bought, inUse int, counted bool) string {
	switch {
	case !counted:
		return "Inte räknad"
	case !LicenceCounted(model):
		return "Platslicens"
	case inUse > bought:
		return "Överanvänd: " + strconv.Itoa(inUse-bought) + " fler än köpta"
	}
	return "Inom köpt antal"
}

// CanManageLicences reports whether the actor may create, change, remove
// and import licences: IT-enheten, its head and administrators, as for
// contracts (there is no role for a department's contract managers yet).
// Everyone signed in reads them.
func CanManageLicences(a *Actor) bool { return CanManageSuppliers(a) }
