package portal

import (
	"strconv"
	"strings"
	"time"
)

// Contract dates are computed here (the pages, the lists and the
// reminders all call ContractTerms.On). The compliance board's checks,
// which are SQL, use contract_term_end (migration 00047), the month rule
// below in SQL; TestContractTermEndInSQL holds it to AddTermMonths.
//
// The month rule. A term of N months that starts on day S ends on the day
// before S's anniversary N months later: 1 January + 12 months ends on
// 31 December, 15 March + 1 month on 14 April. When the anniversary does
// not exist in that month (the 29th–31st), the next term starts on the
// first of the following month, so the term ends on the last day of the
// month: a term from 31 January of one month ends on 28 (29) February, one
// from 31 March on 30 April, one from 29 February 2024 of twelve months on
// 28 February 2025. Every term is counted from the contract's start (never
// from the previous term's end), so month ends do not drift.
//
// The notice rule. Notice of N months must be given by the latest day D
// such that a notice period of N months starting the day after D ends (by
// the month rule) no later than the term's last day: for a term ending on
// 31 December with three months' notice, by 30 September; for a term
// ending on 30 May, by 27 February (a notice period from 28 February ends
// on 27 May, one from 1 March on 31 May). Earlier, never later, when
// months differ in length: a deadline that is never missed.

// ContractTerms are what a contract says about its dates.
type ContractTerms struct {
	Start         time.Time // the first day the contract applies
	InitialMonths int       // the first term, in whole months
	NoticeMonths  int       // the notice period
	OptionCount   int       // extension options (förlängningsoptioner)
	OptionMonths  int       // the length of each option
	OptionsUsed   int       // options already used: each adds OptionMonths to the term
	RenewalMonths int       // tacit renewal: renewed by this many months unless notice is given; 0 for none
	EndsOn        time.Time // terminated: the last day it applies; zero when not terminated
}

// DeadlineKind says what must be done by a contract's deadline.
type DeadlineKind string

// The kinds of deadline.
const (
	DeadlineNone   DeadlineKind = ""
	DeadlineNotice DeadlineKind = "uppsagning" // give notice by then, or it is renewed
	DeadlineOption DeadlineKind = "option"     // use an option by then, or it ends
)

// Label is the deadline's Swedish name.
func (k DeadlineKind) Label() string {
	switch k {
	case DeadlineNotice:
		return "Sista dag för uppsägning"
	case DeadlineOption:
		return "Sista dag att utnyttja option"
	}
	return ""
}

// ContractDates are a contract's dates as seen on one day.
type ContractDates struct {
	// TermEnd is the last day of the term the day falls in (of the first
	// term before the start; of the last term once the contract has ended;
	// the termination's last day when terminated).
	TermEnd time.Time
	// NoticeBy is the next day, on or after the day asked about, by which
	// notice must be given (or an option used); zero when none is due.
	NoticeBy time.Time
	Deadline DeadlineKind
	Active   bool // the contract applies on the day
	Ended    bool // the day is after the contract's last day
}

// AddTermMonths returns the last day of a term of months starting on start
// (the month rule above).
func AddTermMonths(start time.Time, months int) time.Time {
	y, m, d := start.Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	next := first.AddDate(0, 1, 0) // the anniversary does not exist: the first of the next month
	if d <= daysIn(first) {
		next = time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, time.UTC)
	}
	return next.AddDate(0, 0, -1)
}

// NoticeDeadline returns the last day notice of months may be given for a
// term ending on termEnd (the notice rule above).
func NoticeDeadline(termEnd time.Time, months int) time.Time {
	after := termEnd.AddDate(0, 0, 1)
	y, m, d := after.Date()
	first := time.Date(y, m-time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	back := time.Date(first.Year(), first.Month(), min(d, daysIn(first)), 0, 0, 0, 0, time.UTC)
	return back.AddDate(0, 0, -1)
}

func daysIn(first time.Time) int { return first.AddDate(0, 1, -1).Day() }

func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// committedMonths is the length of the term with the options used.
func (t ContractTerms) committedMonths() int { return t.InitialMonths + t.OptionsUsed*t.OptionMonths }

// Kind is what the contract's deadlines are: notice when it is renewed
// tacitly, an option when options remain and it is not, none otherwise.
func (t ContractTerms) Kind() DeadlineKind {
	switch {
	case t.RenewalMonths > 0:
		return DeadlineNotice
	case t.OptionCount > t.OptionsUsed:
		return DeadlineOption
	}
	return DeadlineNone
}

// On computes the contract's dates as seen on day. The terms must be valid
// (ValidateTerms); invalid ones give an inactive contract without dates.
func (t ContractTerms) On(day time.Time) ContractDates {
	day, start := dateOnly(day), dateOnly(t.Start)
	if t.InitialMonths < 1 || t.RenewalMonths < 0 || t.OptionsUsed < 0 || t.OptionMonths < 0 {
		return ContractDates{}
	}
	if !t.EndsOn.IsZero() {
		end := dateOnly(t.EndsOn)
		return ContractDates{TermEnd: end, Active: !day.Before(start) && !day.After(end), Ended: day.After(end)}
	}
	months := t.committedMonths()
	end := AddTermMonths(start, months)
	if day.After(end) {
		if t.RenewalMonths == 0 {
			return ContractDates{TermEnd: end, Ended: true}
		}
		// Jump close to the day (every term ending before it), then step.
		passed := (day.Year()-start.Year())*12 + int(day.Month()) - int(start.Month())
		if k := (passed-months)/t.RenewalMonths - 1; k > 0 {
			months += k * t.RenewalMonths
		}
		for end = AddTermMonths(start, months); end.Before(day); end = AddTermMonths(start, months) {
			months += t.RenewalMonths
		}
	}
	out := ContractDates{TermEnd: end, Active: !day.Before(start)}
	switch t.Kind() {
	case DeadlineNotice:
		// A deadline already passed in this term: notice now ends a later term.
		by := NoticeDeadline(end, t.NoticeMonths)
		for by.Before(day) {
			months += t.RenewalMonths
			by = NoticeDeadline(AddTermMonths(start, months), t.NoticeMonths)
		}
		out.NoticeBy, out.Deadline = by, DeadlineNotice
	case DeadlineOption:
		if by := NoticeDeadline(end, t.NoticeMonths); !by.Before(day) {
			out.NoticeBy, out.Deadline = by, DeadlineOption
		}
	}
	return out
}

// The limits of the terms: beyond them a value is a typing error.
const (
	maxTermMonths    = 600 // fifty years
	maxNoticeMonths  = 120
	maxOptions       = 20
	maxOptionMonths  = 120
	maxRenewalMonths = 120
)

// ValidateTerms checks the terms and returns Swedish messages per field
// (start, initial_months, notice_months, option_count, option_months,
// options_used, renewal_months, ends_on).
func (t *ContractTerms) ValidateTerms() map[string]string {
	errs := map[string]string{}
	switch {
	case t.Start.IsZero():
		errs["start"] = "Ange avtalets startdatum."
	case t.Start.Year() < 1980 || t.Start.Year() > 2100:
		errs["start"] = "Startdatumet ska ligga mellan år 1980 och 2100."
	}
	if t.InitialMonths < 1 || t.InitialMonths > maxTermMonths {
		errs["initial_months"] = "Ange avtalsperiodens längd i hela månader, 1–" + strconv.Itoa(maxTermMonths) + "."
	}
	switch {
	case t.NoticeMonths < 0 || t.NoticeMonths > maxNoticeMonths:
		errs["notice_months"] = "Ange uppsägningstiden i hela månader, 0–" + strconv.Itoa(maxNoticeMonths) + "."
	case errs["initial_months"] == "" && t.NoticeMonths > t.InitialMonths:
		errs["notice_months"] = "Uppsägningstiden (" + months(t.NoticeMonths) + ") kan inte vara längre än avtalsperioden (" + months(t.InitialMonths) + ")."
	case t.RenewalMonths > 0 && t.NoticeMonths > t.RenewalMonths:
		errs["notice_months"] = "Uppsägningstiden (" + months(t.NoticeMonths) + ") kan inte vara längre än förlängningsperioden (" + months(t.RenewalMonths) + ")."
	}
	if t.OptionCount < 0 || t.OptionCount > maxOptions {
		errs["option_count"] = "Ange antalet optioner, 0–" + strconv.Itoa(maxOptions) + "."
	}
	switch {
	case t.OptionCount > 0 && (t.OptionMonths < 1 || t.OptionMonths > maxOptionMonths):
		errs["option_months"] = "Ange optionens längd i hela månader, 1–" + strconv.Itoa(maxOptionMonths) + "."
	case t.OptionCount == 0 && t.OptionMonths != 0:
		errs["option_months"] = "Ange ingen optionslängd när avtalet saknar optioner."
	}
	switch {
	case t.OptionsUsed < 0:
		errs["options_used"] = "Antalet utnyttjade optioner kan inte vara negativt."
	case errs["option_count"] == "" && t.OptionsUsed > t.OptionCount:
		errs["options_used"] = "Avtalet har " + strconv.Itoa(t.OptionCount) + " optioner; fler kan inte ha utnyttjats."
	}
	if t.RenewalMonths < 0 || t.RenewalMonths > maxRenewalMonths {
		errs["renewal_months"] = "Ange förlängningen i hela månader, 0–" + strconv.Itoa(maxRenewalMonths) + " (0 när avtalet inte förlängs automatiskt)."
	}
	if !t.EndsOn.IsZero() && !t.Start.IsZero() && t.EndsOn.Before(t.Start) {
		errs["ends_on"] = "Slutdatumet kan inte ligga före startdatumet (" + t.Start.Format("2006-01-02") + ")."
	}
	return errs
}

func months(n int) string {
	if n == 1 {
		return "1 månad"
	}
	return strconv.Itoa(n) + " månader"
}

// The procurement forms of a contract.
const (
	ProcurementLOU         = "lou"               // upphandling enligt LOU
	ProcurementCallOff     = "avrop"             // avrop från ramavtal
	ProcurementDirectAward = "direktupphandling" // direktupphandling, with its reason
)

// Procurements in order, with Swedish labels.
var Procurements = []Choice{
	{ProcurementLOU, "Upphandling enligt LOU"}, {ProcurementCallOff, "Avrop från ramavtal"}, {ProcurementDirectAward, "Direktupphandling"},
}

// Who terminated a contract.
var Terminators = []Choice{{"kommunen", "Kommunen"}, {"leverantoren", "Leverantören"}}

// ContractInput is a contract's form as typed: every value a string, so a
// refused form is shown again exactly as it was.
type ContractInput struct {
	Name, SupplierID, OurReference, SupplierReference     string
	Procurement, DirectAwardReason, ParentID              string
	Start, InitialMonths, NoticeMonths                    string
	OptionCount, OptionMonths, OptionsUsed, RenewalMonths string
	TerminatedBy, TerminatedOn, EndsOn                    string
	DepartmentID, ResponsibleEmail, Notes                 string
}

// ContractFields are a contract's checked values.
type ContractFields struct {
	Name              string
	SupplierID        int64
	OurReference      string
	SupplierReference string
	Procurement       string
	DirectAwardReason string
	ParentID          int64 // the framework contract of a call-off; 0 for none
	Terms             ContractTerms
	TerminatedBy      string    // "kommunen" or "leverantoren" when terminated
	TerminatedOn      time.Time // the day notice was given; zero when not terminated
	DepartmentID      int64
	ResponsibleEmail  string // resolved to a person by the service
	Notes             string
}

// Parse checks the form and returns the contract's values with Swedish
// messages per field (the form's field names).
func (in ContractInput) Parse() (ContractFields, map[string]string) {
	errs := map[string]string{}
	f := ContractFields{
		Name: strings.Join(strings.Fields(in.Name), " "), OurReference: strings.TrimSpace(in.OurReference),
		SupplierReference: strings.TrimSpace(in.SupplierReference), Procurement: in.Procurement,
		DirectAwardReason: strings.TrimSpace(in.DirectAwardReason), TerminatedBy: in.TerminatedBy,
		ResponsibleEmail: strings.TrimSpace(in.ResponsibleEmail), Notes: in.Notes,
	}
	for field, t := range map[string]struct {
		v         string
		max       int
		multiline bool
	}{
		"name": {f.Name, 200, false}, "our_reference": {f.OurReference, 100, false}, "supplier_reference": {f.SupplierReference, 100, false},
		"direct_award_reason": {f.DirectAwardReason, 2000, true}, "notes": {f.Notes, 5000, true}, "responsible_email": {f.ResponsibleEmail, 254, false},
	} {
		if m := checkText(t.v, t.max, t.multiline); m != "" {
			errs[field] = m
		}
	}
	if f.Name == "" && errs["name"] == "" {
		errs["name"] = "Ange avtalets namn, till exempel Verksamhetssystem för socialtjänsten."
	}
	f.SupplierID = parseID(in.SupplierID, "supplier_id", "Välj leverantör.", errs)
	f.DepartmentID = parseID(in.DepartmentID, "department_id", "Välj ansvarig förvaltning.", errs)
	if strings.TrimSpace(in.ParentID) != "" {
		f.ParentID = parseID(in.ParentID, "parent_id", "Välj ramavtalet i listan.", errs)
	}
	if !validChoice(Procurements, f.Procurement) {
		errs["procurement"] = "Välj upphandlingsform."
	}
	switch {
	case f.Procurement == ProcurementDirectAward && f.DirectAwardReason == "" && errs["direct_award_reason"] == "":
		errs["direct_award_reason"] = "Ange skälet till direktupphandlingen (till exempel att värdet understiger direktupphandlingsgränsen)."
	case f.Procurement != ProcurementDirectAward && f.DirectAwardReason != "":
		errs["direct_award_reason"] = "Ange ett skäl bara för en direktupphandling."
	}
	if f.ParentID != 0 && f.Procurement != ProcurementCallOff {
		errs["parent_id"] = "Bara ett avrop har ett ramavtal."
	}
	if f.ResponsibleEmail != "" && errs["responsible_email"] == "" && !ValidEmail(f.ResponsibleEmail) {
		errs["responsible_email"] = "Ange den ansvariga personens e-postadress, till exempel anna.andersson@lillaedet.se."
	} else if f.ResponsibleEmail == "" {
		errs["responsible_email"] = "Ange den ansvariga personens e-postadress."
	}
	f.Terms.Start = parseDate(in.Start, "start", true, errs)
	f.Terms.InitialMonths = parseInt(in.InitialMonths, "initial_months", true, errs)
	f.Terms.NoticeMonths = parseInt(in.NoticeMonths, "notice_months", false, errs)
	f.Terms.OptionCount = parseInt(in.OptionCount, "option_count", false, errs)
	f.Terms.OptionMonths = parseInt(in.OptionMonths, "option_months", false, errs)
	f.Terms.OptionsUsed = parseInt(in.OptionsUsed, "options_used", false, errs)
	f.Terms.RenewalMonths = parseInt(in.RenewalMonths, "renewal_months", false, errs)
	f.Terms.EndsOn = parseDate(in.EndsOn, "ends_on", false, errs)
	f.TerminatedOn = parseDate(in.TerminatedOn, "terminated_on", false, errs)
	for k, v := range f.Terms.ValidateTerms() {
		if errs[k] == "" {
			errs[k] = v
		}
	}
	// A termination is recorded whole: by whom, when notice was given, its last day.
	terminated := f.TerminatedBy != "" || strings.TrimSpace(in.TerminatedOn) != "" || strings.TrimSpace(in.EndsOn) != ""
	if terminated {
		if !validChoice(Terminators, f.TerminatedBy) {
			errs["terminated_by"] = "Ange vem som sade upp avtalet."
		}
		if strings.TrimSpace(in.TerminatedOn) == "" && errs["terminated_on"] == "" {
			errs["terminated_on"] = "Ange när avtalet sades upp."
		}
		if strings.TrimSpace(in.EndsOn) == "" && errs["ends_on"] == "" {
			errs["ends_on"] = "Ange sista dagen avtalet gäller efter uppsägningen."
		}
		if !f.TerminatedOn.IsZero() && !f.Terms.EndsOn.IsZero() && f.TerminatedOn.After(f.Terms.EndsOn) && errs["terminated_on"] == "" {
			errs["terminated_on"] = "Uppsägningen kan inte ha gjorts efter sista dagen avtalet gäller."
		}
	}
	return f, errs
}

func parseID(s, field, msg string, errs map[string]string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id <= 0 {
		errs[field] = msg
		return 0
	}
	return id
}

func parseInt(s, field string, required bool, errs map[string]string) int {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			errs[field] = "Ange ett antal hela månader."
		}
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || len(s) > 4 {
		errs[field] = "Ange ett heltal, till exempel 12."
		return 0
	}
	return n
}

func parseDate(s, field string, required bool, errs map[string]string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			errs[field] = "Ange ett datum, till exempel 2026-01-01."
		}
		return time.Time{}
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		errs[field] = "Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-01-01."
		return time.Time{}
	}
	return d
}

// Cost streams: what a contract costs, per department and year.
const (
	CostOneOff = "engangs" // a one-off cost
	CostYearly = "arlig"   // a yearly cost
)

// CostKinds in order, with Swedish labels.
var CostKinds = []Choice{{CostYearly, "Årlig kostnad"}, {CostOneOff, "Engångskostnad"}}

// MaxAmountOre is the largest amount a cost stream may have: 500 million
// kronor, above any contract of a municipality this size (a larger number
// is a typing error, such as öre typed as kronor).
const MaxAmountOre = 500_000_000_00

// ParseAmount reads an amount in kronor ("125 000", "1 250,50") and returns
// it in öre, with a Swedish message when it cannot be used.
func ParseAmount(s string) (int64, string) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "kr"), ":-")
	if s == "" {
		return 0, "Ange beloppet i kronor, till exempel 125 000."
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		return 0, "Beloppet kan inte vara negativt."
	}
	whole, frac, hasFrac := strings.Cut(strings.ReplaceAll(s, ".", ","), ",")
	if hasFrac && (len(frac) == 0 || len(frac) > 2) {
		return 0, "Ange beloppet i kronor med högst två decimaler (ören), till exempel 1 250,50."
	}
	for _, part := range []string{whole, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, "Ange beloppet med siffror, till exempel 125 000."
			}
		}
	}
	if whole == "" || len(whole) > 12 {
		return 0, "Beloppet är orimligt stort: högst 500 000 000 kronor. Kontrollera att det är angivet i kronor."
	}
	kr, _ := strconv.ParseInt(whole, 10, 64)
	ore := kr * 100
	if frac != "" {
		f, _ := strconv.ParseInt((frac + "0")[:2], 10, 64)
		ore += f
	}
	if ore > MaxAmountOre {
		return 0, "Beloppet är orimligt stort: högst 500 000 000 kronor. Kontrollera att det är angivet i kronor."
	}
	return ore, ""
}

// FormatKronor shows an amount in öre as kronor, "125 000 kr" or
// "1 250,50 kr".
func FormatKronor(ore int64) string {
	kr := strconv.FormatInt(ore/100, 10)
	var b strings.Builder
	for i, c := range kr {
		if i > 0 && (len(kr)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(c)
	}
	if rest := ore % 100; rest != 0 {
		b.WriteString("," + strconv.FormatInt(100+rest, 10)[1:])
	}
	return b.String() + "\u00a0kr"
}
