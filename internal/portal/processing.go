package portal

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Processing records (issue 20, §8 of the guideline): for a system with
// personal data that a supplier runs or supports, who processes the data
// for the municipality (the personuppgiftsbiträde, a supplier), under which
// agreement (personuppgiftsbiträdesavtal, PUB), what data about whom, for
// what purpose and on which legal basis, which sub-processors (and
// transfers outside the EU/EEA), how the processor is overseen, and for
// confidential data the assessment of OSL 10 kap. 2 a § that handing it to
// the supplier is not unsuitable. The records make the municipality's
// register of processing activities (GDPR article 30).

// The categories of personal data a processing record can name.
var DataCategories = []Choice{
	{"identitet", "Namn och identitet"}, {"kontaktuppgifter", "Kontaktuppgifter"}, {"personnummer", "Personnummer"},
	{"ekonomi", "Ekonomi"}, {"anstallning", "Anställning och lön"}, {"utbildning", "Utbildning och skolresultat"},
	{"socialtjanst", "Socialtjänst och bistånd"}, {"halsa", "Hälsa"}, {"bild", "Bild, ljud och film"},
	{"plats", "Platsuppgifter"}, {"loggar", "Inloggningar och loggar"},
}

// The categories of data subjects.
var SubjectCategories = []Choice{
	{"anstallda", "Anställda"}, {"medborgare", "Medborgare och invånare"}, {"elever", "Elever"},
	{"vardnadshavare", "Vårdnadshavare"}, {"brukare", "Brukare"}, {"patienter", "Patienter"},
	{"kontaktpersoner", "Kontaktpersoner hos företag och föreningar"}, {"fortroendevalda", "Förtroendevalda"},
}

// SensitiveKinds are the special categories of personal data (GDPR article
// 9) and data about offences (article 10).
var SensitiveKinds = []Choice{
	{"etniskt_ursprung", "Ras eller etniskt ursprung (art. 9)"}, {"politiska_asikter", "Politiska åsikter (art. 9)"},
	{"religion", "Religiös eller filosofisk övertygelse (art. 9)"}, {"fackligt_medlemskap", "Medlemskap i fackförening (art. 9)"},
	{"genetiska", "Genetiska uppgifter (art. 9)"}, {"biometriska", "Biometriska uppgifter för identifiering (art. 9)"},
	{"halsa", "Hälsa (art. 9)"}, {"sexualliv", "Sexualliv eller sexuell läggning (art. 9)"},
	{"lagovertradelser", "Lagöverträdelser (art. 10)"},
}

// LegalBases are the legal bases of GDPR article 6.1.
var LegalBases = []Choice{
	{"allmant_intresse", "Uppgift av allmänt intresse eller myndighetsutövning (art. 6.1 e)"},
	{"rattslig_forpliktelse", "Rättslig förpliktelse (art. 6.1 c)"},
	{"avtal", "Avtal med den registrerade (art. 6.1 b)"},
	{"samtycke", "Samtycke (art. 6.1 a)"},
	{"grundlaggande_intressen", "Grundläggande intressen (art. 6.1 d)"},
	{"berattigat_intresse", "Berättigat intresse (art. 6.1 f)"},
}

// OversightMethods say how the municipality oversees a processor.
var OversightMethods = []Choice{
	{"granskning", "Granskning av dokumentation"}, {"enkat", "Enkät"}, {"revision", "Revision på plats"},
}

// TransferBases are the grounds for transferring personal data to a
// country outside the EU/EEA (GDPR chapter V).
var TransferBases = []Choice{
	{"adekvansbeslut", "Beslut om adekvat skyddsnivå (art. 45)"},
	{"standardavtalsklausuler", "Standardavtalsklausuler (art. 46)"},
	{"bcr", "Bindande företagsbestämmelser, BCR (art. 47)"},
	{"undantag", "Undantag för särskilda situationer (art. 49)"},
}

// MaxSubProcessors is how many sub-processors a record's form holds.
const MaxSubProcessors = 8

// MaxOversightMonths is the longest interval between two oversights: five
// years (a longer one is no oversight).
const MaxOversightMonths = 60

// eea are the countries of the EU and the EEA (ISO 3166-1 alpha-2).
var eea = strings.Fields("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK IS LI NO")

// isoCountries are the ISO 3166-1 alpha-2 codes.
var isoCountries = strings.Fields(`AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI
GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI
LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL
TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`)

// InEEA reports whether the ISO code names a country of the EU/EEA, where
// personal data moves freely.
func InEEA(code string) bool { return slices.Contains(eea, code) }

// ValidCountry reports whether code is an ISO 3166-1 alpha-2 code.
func ValidCountry(code string) bool { return slices.Contains(isoCountries, code) }

// SubProcessor is one of a processor's sub-processors (underbiträden).
type SubProcessor struct {
	Name    string
	Country string // ISO 3166-1 alpha-2, upper case
	Basis   string // a TransferBases value outside the EU/EEA, "" inside
	Service string // what it does for the processor
}

// ThirdCountry reports whether the sub-processor is outside the EU/EEA.
func (p SubProcessor) ThirdCountry() bool { return !InEEA(p.Country) }

// SubProcessorInput is one sub-processor's row of the form, as typed.
type SubProcessorInput struct{ Name, Country, Basis, Service string }

// ProcessingInput is a processing record's form as typed, so a refused
// form is shown again exactly as it was. Yes/no fields are "ja" or "nej".
type ProcessingInput struct {
	ProcessorID, Signed, SignedOn, ContractID string
	DataCategories                            []string
	DataOther                                 string
	SubjectCategories                         []string
	SubjectOther                              string
	Sensitive                                 string
	SensitiveKinds                            []string
	Purpose, LegalBasis, LegalBasisNote       string
	OversightMethod, OversightInterval        string
	OversightLast                             string
	Secrecy                                   string
	OSLAssessedBy, OSLAssessedOn              string
	OSLAssessment                             string
	Confidential                              bool
	SubProcessors                             []SubProcessorInput
}

// ProcessingFields are a processing record's checked values.
type ProcessingFields struct {
	ProcessorID       int64
	Signed            bool
	SignedOn          time.Time // zero unless signed
	ContractID        int64     // the contract the agreement belongs to; 0 for none
	DataCategories    []string  // DataCategories values, in the list's order
	DataOther         string
	SubjectCategories []string
	SubjectOther      string
	Sensitive         bool
	SensitiveKinds    []string
	Purpose           string
	LegalBasis        string
	LegalBasisNote    string
	OversightMethod   string
	OversightMonths   int
	OversightLast     time.Time // zero when never overseen
	// Secrecy: the system holds data under secrecy (offentlighets- och
	// sekretesslagen); the OSL 10 kap. 2 a § assessment is then required.
	Secrecy       bool
	OSLAssessedBy string
	OSLAssessedOn time.Time
	OSLAssessment string
	// Confidential: the details (sensitive kinds, the OSL assessment) are
	// shown only to IT-enheten and the system's owner and administrator.
	Confidential  bool
	SubProcessors []SubProcessor
}

// Input is f as the form shows it.
func (f ProcessingFields) Input() ProcessingInput {
	yes := func(b bool) string {
		if b {
			return "ja"
		}
		return "nej"
	}
	id := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	in := ProcessingInput{
		ProcessorID: id(f.ProcessorID), Signed: yes(f.Signed), SignedOn: FormatDate(f.SignedOn), ContractID: id(f.ContractID),
		DataCategories: slices.Clone(f.DataCategories), DataOther: f.DataOther, SubjectCategories: slices.Clone(f.SubjectCategories),
		SubjectOther: f.SubjectOther, Sensitive: yes(f.Sensitive), SensitiveKinds: slices.Clone(f.SensitiveKinds),
		Purpose: f.Purpose, LegalBasis: f.LegalBasis, LegalBasisNote: f.LegalBasisNote, OversightMethod: f.OversightMethod,
		OversightLast: FormatDate(f.OversightLast), Secrecy: yes(f.Secrecy), OSLAssessedBy: f.OSLAssessedBy,
		OSLAssessedOn: FormatDate(f.OSLAssessedOn), OSLAssessment: f.OSLAssessment, Confidential: f.Confidential,
	}
	if f.OversightMonths != 0 {
		in.OversightInterval = strconv.Itoa(f.OversightMonths)
	}
	for _, p := range f.SubProcessors {
		in.SubProcessors = append(in.SubProcessors, SubProcessorInput(p))
	}
	return in
}

// FormatDate is a date as the portal writes it (ÅÅÅÅ-MM-DD), "" for none.
func FormatDate(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

// NextOversight is the one place that says when a processor is next to be
// overseen: interval months after the last oversight, or after the
// agreement was signed when it never was (a day past the end of the month
// becomes its last day, as in EvaluationDue). Zero when neither is known or
// no interval is set.
func NextOversight(last, signed time.Time, months int) time.Time {
	base := last
	if base.IsZero() {
		base = signed
	}
	if base.IsZero() || months < 1 {
		return time.Time{}
	}
	return addMonths(dateOnly(base), months)
}

// NextOversight is the record's next oversight date (NextOversight).
func (f ProcessingFields) NextOversight() time.Time {
	return NextOversight(f.OversightLast, f.SignedOn, f.OversightMonths)
}

// ThirdCountries are the countries outside the EU/EEA the record's
// sub-processors are in, each once, in the order they are listed.
func (f ProcessingFields) ThirdCountries() []string {
	var out []string
	for _, p := range f.SubProcessors {
		if p.ThirdCountry() && !slices.Contains(out, p.Country) {
			out = append(out, p.Country)
		}
	}
	return out
}

// yesNo reads a yes/no radio: true, false, or ok=false when neither.
func yesNo(s string) (bool, bool) {
	switch s {
	case "ja":
		return true, true
	case "nej":
		return false, true
	}
	return false, false
}

// pickChoices checks the values ticked among choices and returns them in
// the list's order, each once; false when one is not in the list.
func pickChoices(choices []Choice, values []string) ([]string, bool) {
	var out []string
	for _, c := range choices {
		if slices.Contains(values, c.Value) {
			out = append(out, c.Value)
		}
	}
	for _, v := range values {
		if !validChoice(choices, v) {
			return out, false
		}
	}
	return out, true
}

// nameProblem is checkText for a short name, which also may not hold the
// angle brackets of markup (no supplier or person is named so).
func nameProblem(v string, max int) string {
	if m := checkText(v, max, false); m != "" {
		return m
	}
	if strings.ContainsAny(v, "<>") {
		return "Namnet får inte innehålla tecknen < och >."
	}
	return ""
}

// Parse checks the form on today (no date may be later) and returns the
// record's values with Swedish messages per field. The sub-processors'
// fields are named sub_N_name, sub_N_country, sub_N_basis and
// sub_N_service (N from 1); a row left empty is no sub-processor.
func (in ProcessingInput) Parse(today time.Time) (ProcessingFields, map[string]string) {
	errs := map[string]string{}
	today = dateOnly(today)
	f := ProcessingFields{
		DataOther: strings.TrimSpace(in.DataOther), SubjectOther: strings.TrimSpace(in.SubjectOther),
		Purpose: strings.TrimSpace(in.Purpose), LegalBasis: in.LegalBasis, LegalBasisNote: strings.TrimSpace(in.LegalBasisNote),
		OversightMethod: in.OversightMethod, OSLAssessedBy: strings.Join(strings.Fields(in.OSLAssessedBy), " "),
		OSLAssessment: strings.TrimSpace(in.OSLAssessment), Confidential: in.Confidential,
	}
	for field, t := range map[string]struct {
		v         string
		max       int
		multiline bool
	}{
		"data_other": {f.DataOther, 500, false}, "subject_other": {f.SubjectOther, 500, false}, "purpose": {f.Purpose, 2000, true},
		"legal_basis_note": {f.LegalBasisNote, 1000, true}, "osl_assessment": {f.OSLAssessment, 5000, true},
	} {
		if m := checkText(t.v, t.max, t.multiline); m != "" {
			errs[field] = m
		}
	}
	if m := nameProblem(f.OSLAssessedBy, 200); m != "" {
		errs["osl_assessed_by"] = m
	}
	f.ProcessorID = parseID(in.ProcessorID, "processor_id", "Välj leverantören som är personuppgiftsbiträde.", errs)
	if strings.TrimSpace(in.ContractID) != "" {
		f.ContractID = parseID(in.ContractID, "contract_id", "Välj avtalet i listan.", errs)
	}
	notLater := func(d time.Time, field, what string) {
		if !d.IsZero() && d.After(today) && errs[field] == "" {
			errs[field] = what + " kan inte vara senare än i dag (" + FormatDate(today) + ")."
		}
	}

	// The agreement: signed, with its date.
	signed, ok := yesNo(in.Signed)
	if !ok {
		errs["signed"] = "Ange om personuppgiftsbiträdesavtalet är undertecknat."
	}
	f.Signed = signed
	f.SignedOn = parseDate(in.SignedOn, "signed_on", false, errs)
	switch {
	case signed && strings.TrimSpace(in.SignedOn) == "":
		errs["signed_on"] = "Ange vilket datum avtalet undertecknades."
	case !signed && ok && strings.TrimSpace(in.SignedOn) != "" && errs["signed_on"] == "":
		errs["signed_on"] = "Ett avtal som inte är undertecknat har inget datum för undertecknandet. Välj Ja eller töm datumet."
	}
	notLater(f.SignedOn, "signed_on", "Datumet för undertecknandet")

	// What data about whom.
	var good bool
	if f.DataCategories, good = pickChoices(DataCategories, in.DataCategories); !good {
		errs["data_categories"] = "Välj kategorier i listan."
	} else if len(f.DataCategories) == 0 && f.DataOther == "" && errs["data_other"] == "" {
		errs["data_categories"] = "Ange vilka kategorier av personuppgifter som behandlas: kryssa i listan eller skriv under Andra kategorier."
	}
	if f.SubjectCategories, good = pickChoices(SubjectCategories, in.SubjectCategories); !good {
		errs["subject_categories"] = "Välj kategorier i listan."
	} else if len(f.SubjectCategories) == 0 && f.SubjectOther == "" && errs["subject_other"] == "" {
		errs["subject_categories"] = "Ange vilka de registrerade är: kryssa i listan eller skriv under Andra registrerade."
	}
	sensitive, ok := yesNo(in.Sensitive)
	if !ok {
		errs["sensitive"] = "Ange om känsliga personuppgifter eller uppgifter om lagöverträdelser behandlas."
	}
	f.Sensitive = sensitive
	if f.SensitiveKinds, good = pickChoices(SensitiveKinds, in.SensitiveKinds); !good {
		errs["sensitive_kinds"] = "Välj slag av känsliga uppgifter i listan."
	} else if sensitive && len(f.SensitiveKinds) == 0 {
		errs["sensitive_kinds"] = "Ange vilka slag av känsliga personuppgifter som behandlas."
	} else if !sensitive && ok && len(f.SensitiveKinds) > 0 {
		errs["sensitive_kinds"] = "Du har valt slag av känsliga uppgifter men svarat Nej på frågan om känsliga personuppgifter."
	}
	if slices.Contains(f.DataCategories, "halsa") && ok && !sensitive && errs["sensitive"] == "" {
		errs["sensitive"] = "Uppgifter om hälsa är känsliga personuppgifter (art. 9): svara Ja och välj Hälsa."
	}

	// Why, and on which basis.
	if f.Purpose == "" && errs["purpose"] == "" {
		errs["purpose"] = "Ange ändamålet med behandlingen, till exempel Handläggning av ärenden om försörjningsstöd."
	}
	if !validChoice(LegalBases, f.LegalBasis) {
		errs["legal_basis"] = "Välj rättslig grund."
	}

	// Oversight of the processor.
	if !validChoice(OversightMethods, f.OversightMethod) {
		errs["oversight_method"] = "Välj hur tillsynen av biträdet görs."
	}
	interval := strings.TrimSpace(in.OversightInterval)
	if n, err := strconv.Atoi(interval); err != nil || len(interval) > 4 {
		errs["oversight_interval"] = "Ange intervallet i hela månader, till exempel 12."
	} else if n < 1 || n > MaxOversightMonths {
		errs["oversight_interval"] = "Intervallet mellan två tillsyner är 1–" + strconv.Itoa(MaxOversightMonths) + " månader."
	} else {
		f.OversightMonths = n
	}
	f.OversightLast = parseDate(in.OversightLast, "oversight_last", false, errs)
	notLater(f.OversightLast, "oversight_last", "Datumet för den senaste tillsynen")

	// Secrecy: the assessment of OSL 10 kap. 2 a §.
	secrecy, ok := yesNo(in.Secrecy)
	if !ok {
		errs["secrecy"] = "Ange om uppgifterna omfattas av sekretess."
	}
	f.Secrecy = secrecy
	f.OSLAssessedOn = parseDate(in.OSLAssessedOn, "osl_assessed_on", false, errs)
	if secrecy {
		if f.OSLAssessedBy == "" && errs["osl_assessed_by"] == "" {
			errs["osl_assessed_by"] = "Ange vem som gjorde bedömningen enligt OSL 10 kap. 2 a §."
		}
		if strings.TrimSpace(in.OSLAssessedOn) == "" {
			errs["osl_assessed_on"] = "Ange när bedömningen gjordes."
		}
		if f.OSLAssessment == "" && errs["osl_assessment"] == "" {
			errs["osl_assessment"] = "Beskriv bedömningen: varför det inte är olämpligt att lämna uppgifterna till leverantören."
		}
	} else if ok && (f.OSLAssessedBy != "" || strings.TrimSpace(in.OSLAssessedOn) != "" || f.OSLAssessment != "") {
		errs["secrecy"] = "En bedömning enligt OSL 10 kap. 2 a § görs när uppgifterna omfattas av sekretess: svara Ja eller töm bedömningen."
	}
	notLater(f.OSLAssessedOn, "osl_assessed_on", "Datumet för bedömningen")

	// The sub-processors.
	if len(in.SubProcessors) > MaxSubProcessors {
		errs["sub_1_name"] = "Formuläret tar högst " + strconv.Itoa(MaxSubProcessors) + " underbiträden."
	}
	var names []string
	for i, row := range in.SubProcessors {
		if i >= MaxSubProcessors {
			break
		}
		key := "sub_" + strconv.Itoa(i+1) + "_"
		p := SubProcessor{Name: strings.Join(strings.Fields(row.Name), " "), Country: strings.ToUpper(strings.TrimSpace(row.Country)),
			Basis: row.Basis, Service: strings.TrimSpace(row.Service)}
		if p.Name == "" && p.Country == "" && p.Basis == "" && p.Service == "" {
			continue
		}
		if m := nameProblem(p.Name, 200); m != "" {
			errs[key+"name"] = m
		} else if p.Name == "" {
			errs[key+"name"] = "Ange underbiträdets namn."
		} else if slices.Contains(names, strings.ToLower(p.Name)) {
			errs[key+"name"] = "Underbiträdet " + p.Name + " står redan med i listan."
		}
		names = append(names, strings.ToLower(p.Name))
		if m := checkText(p.Service, 500, false); m != "" {
			errs[key+"service"] = m
		}
		switch {
		case p.Country == "":
			errs[key+"country"] = "Ange landet där underbiträdet behandlar uppgifterna, som landskod (till exempel SE eller US)."
		case !ValidCountry(p.Country):
			errs[key+"country"] = "Ange landet som en landskod med två bokstäver enligt ISO 3166, till exempel SE, IE eller US."
		case InEEA(p.Country) && p.Basis != "":
			errs[key+"basis"] = "Inom EU/EES behövs ingen grund för överföring: lämna fältet tomt."
		case !InEEA(p.Country) && p.Basis == "":
			errs[key+"basis"] = p.Country + " ligger utanför EU/EES: ange grunden för överföringen till tredjeland, till exempel standardavtalsklausuler."
		case !InEEA(p.Country) && !validChoice(TransferBases, p.Basis):
			errs[key+"basis"] = "Välj grund för överföringen i listan."
		}
		f.SubProcessors = append(f.SubProcessors, p)
	}
	return f, errs
}

// CanEditProcessing reports whether the actor may set a system's
// processing record directly, and confirm or reject proposals of it:
// IT-enheten and its head.
func CanEditProcessing(a *Actor) bool { return CanManageRegister(a) }

// CanProposeProcessing reports whether the actor may propose a change of a
// system's processing record, which IT-enheten then confirms: the system's
// administrator (systemförvaltare) today.
func CanProposeProcessing(a *Actor, administrator int64) bool {
	return a != nil && a.PersonID != 0 && administrator != 0 && a.PersonID == administrator
}

// SeesConfidentialProcessing reports whether the actor sees a processing
// record's details marked confidential: IT-enheten (and its head and
// administrators), the system's administrator, and the owning
// department's managers (ownerManager: the actor is in the department
// that owns the system and manages staff), who speak for the owner.
func SeesConfidentialProcessing(a *Actor, administrator int64, ownerManager bool) bool {
	if a == nil || a.Token != nil {
		return false
	}
	return SeesEveryDepartment(a) || CanProposeProcessing(a, administrator) || ownerManager
}

// ProcessingFact is one line of a processing record as pages, the
// register and a proposal's comparison show it.
type ProcessingFact struct {
	Key, Label, Value string
	Confidential      bool // hidden from those who may not see the details
}

// ConfidentialText is what is shown instead of a detail marked confidential.
const ConfidentialText = "Sekretessmarkerat – visas för IT-enheten, systemägaren och systemförvaltaren"

func labelsOf(choices []Choice, values []string, other string) string {
	var out []string
	for _, v := range values {
		out = append(out, LabelOf(choices, v))
	}
	if other != "" {
		out = append(out, other)
	}
	if len(out) == 0 {
		return "–"
	}
	return strings.Join(out, ", ")
}

func orDashText(s string) string {
	if strings.TrimSpace(s) == "" {
		return "–"
	}
	return s
}

// SubProcessorText is a sub-processor on one line: name, country and, for
// a third country, the transfer basis.
func SubProcessorText(p SubProcessor) string {
	s := p.Name + " (" + p.Country
	if p.ThirdCountry() {
		s += ", utanför EU/EES: " + LabelOf(TransferBases, p.Basis)
	}
	s += ")"
	if p.Service != "" {
		s += " – " + p.Service
	}
	return s
}

// Facts are the record's lines in the form's order; processor and
// contract are the names of its supplier and contract. When redact is
// set, the details of a confidential record read ConfidentialText.
func (f ProcessingFields) Facts(processor, contract string, redact bool) []ProcessingFact {
	yes := func(b bool) string {
		if b {
			return "Ja"
		}
		return "Nej"
	}
	signed := "Nej"
	if f.Signed {
		signed = "Ja, " + FormatDate(f.SignedOn)
	}
	var subs []string
	for _, p := range f.SubProcessors {
		subs = append(subs, SubProcessorText(p))
	}
	next := FormatDate(f.NextOversight())
	osl := "Ej aktuellt"
	if f.Secrecy {
		osl = f.OSLAssessedBy + ", " + FormatDate(f.OSLAssessedOn) + ": " + f.OSLAssessment
	}
	out := []ProcessingFact{
		{Key: "processor_id", Label: "Personuppgiftsbiträde", Value: orDashText(processor)},
		{Key: "signed", Label: "Personuppgiftsbiträdesavtal undertecknat", Value: signed},
		{Key: "contract_id", Label: "Avtal", Value: orDashText(contract)},
		{Key: "data_categories", Label: "Kategorier av personuppgifter", Value: labelsOf(DataCategories, f.DataCategories, f.DataOther)},
		{Key: "subject_categories", Label: "Kategorier av registrerade", Value: labelsOf(SubjectCategories, f.SubjectCategories, f.SubjectOther)},
		{Key: "sensitive", Label: "Känsliga personuppgifter", Value: yes(f.Sensitive)},
		{Key: "sensitive_kinds", Label: "Slag av känsliga uppgifter", Value: labelsOf(SensitiveKinds, f.SensitiveKinds, ""), Confidential: true},
		{Key: "purpose", Label: "Ändamål", Value: orDashText(f.Purpose)},
		{Key: "legal_basis", Label: "Rättslig grund", Value: LabelOf(LegalBases, f.LegalBasis)},
		{Key: "legal_basis_note", Label: "Om den rättsliga grunden", Value: orDashText(f.LegalBasisNote)},
		{Key: "sub_processors", Label: "Underbiträden", Value: orDashText(strings.Join(subs, "; "))},
		{Key: "oversight_method", Label: "Tillsyn av biträdet", Value: LabelOf(OversightMethods, f.OversightMethod) + ", var " + strconv.Itoa(f.OversightMonths) + ":e månad"},
		{Key: "oversight_last", Label: "Senaste tillsyn", Value: orDashText(FormatDate(f.OversightLast))},
		{Key: "oversight_next", Label: "Nästa tillsyn senast", Value: orDashText(next)},
		{Key: "secrecy", Label: "Uppgifter som omfattas av sekretess", Value: yes(f.Secrecy)},
		{Key: "osl_assessment", Label: "Bedömning enligt OSL 10 kap. 2 a §", Value: osl, Confidential: true},
		{Key: "confidential", Label: "Detaljerna sekretessmarkerade", Value: yes(f.Confidential)},
	}
	if redact && f.Confidential {
		for i := range out {
			if out[i].Confidential {
				out[i].Value = ConfidentialText
			}
		}
	}
	return out
}

// ProcessingChange is one line a proposal changes.
type ProcessingChange struct{ Label, Before, After string }

// ProcessingChanges are the lines that differ between two records' Facts
// (before is nil for a new record).
func ProcessingChanges(before, after []ProcessingFact) []ProcessingChange {
	was := map[string]string{}
	for _, f := range before {
		was[f.Key] = f.Value
	}
	var out []ProcessingChange
	for _, f := range after {
		b, ok := was[f.Key]
		if !ok {
			b = "–"
		}
		if b != f.Value {
			out = append(out, ProcessingChange{Label: f.Label, Before: b, After: f.Value})
		}
	}
	return out
}
