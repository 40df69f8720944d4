package portal

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The fields of each kind of case, once: what the requester fills in, how
// it is entered, checked and shown. The form, its parser, the validation
// and the read-only facts of a case are all made from these lists.

// FieldKind says how a field is entered, checked and shown.
type FieldKind int

// The kinds of field.
const (
	FieldText       FieldKind = iota + 1 // one line of text
	FieldLongText                        // paragraphs
	FieldEmail                           // an e-mail address
	FieldURL                             // a web address (http or https)
	FieldDate                            // a calendar date
	FieldMoney                           // whole kronor, 0 to MaxCost
	FieldNumber                          // a whole number, Min to Max
	FieldSelect                          // one of Choices, a drop-down
	FieldRadios                          // one of Choices, radio buttons
	FieldCheck                           // yes or no
	FieldDepartment                      // a department (its id)
	FieldComponents                      // platform components of the catalogue (ids, comma-separated), checkboxes
)

// RequestField is one field of a kind of case.
type RequestField struct {
	Name    string // the form's field name, also the error key
	Label   string
	Hint    string
	Kind    FieldKind
	Section string // the form section (legend) it belongs to
	Max     int    // the longest text, or the largest number
	Min     int    // the smallest number
	// Required fields must be filled in to submit (a draft needs only a
	// title); Missing is the message when one is not.
	Required bool
	Missing  string
	Choices  []Choice // select and radios
	Empty    string   // the select's "nothing chosen" option
	// Needed, when set, decides whether the field applies at all (an
	// operations change asks for a new operator or a new administrator).
	Needed func(RequestFields) bool
	// Past dates only: a date field that records something already done.
	Past bool

	text  func(*RequestFields) *string
	num   func(*RequestFields) *int64
	count func(*RequestFields) *int
	date  func(*RequestFields) **time.Time
	check func(*RequestFields) *bool
}

// applies reports whether the field is asked for, given what was entered.
func (f RequestField) applies(v RequestFields) bool { return f.Needed == nil || f.Needed(v) }

// The sections of the forms.
const (
	SectionCase             = "Om ärendet"
	SectionNewSystem        = "Det nya systemet"
	SectionUpgrade          = "Uppgraderingen"
	SectionCriteria         = "Bedömning enligt riktlinjerna (4.2.1)"
	SectionSoftware         = "Programvaran"
	SectionAppl             = "Applikationen"
	SectionAssessment       = "Bedömning (7)"
	SectionConnection       = "Anslutningen (6, 10)"
	SectionChange           = "Förändringen (4.4.1)"
	SectionFinancing        = "Finansiering (4.5)"
	SectionPlatform         = "Plattform (4.5)"
	SectionPlatformDecision = "Plattformsbeslutet (4.5)"
)

func text(name, label, hint, section string, max int, required bool, missing string, get func(*RequestFields) *string) RequestField {
	return RequestField{Name: name, Label: label, Hint: hint, Kind: FieldText, Section: section, Max: max, Required: required, Missing: missing, text: get}
}

func long(name, label, hint, section string, required bool, missing string, get func(*RequestFields) *string) RequestField {
	return RequestField{Name: name, Label: label, Hint: hint, Kind: FieldLongText, Section: section, Max: 10000, Required: required, Missing: missing, text: get}
}

// caseFields open every kind's form.
func caseFields(kind RequestKind) []RequestField {
	out := []RequestField{
		text("title", "Rubrik", "En kort rubrik, till exempel ”Nytt system för färdtjänst”", SectionCase, 200, true, "Ange en rubrik.",
			func(f *RequestFields) *string { return &f.Title }),
		{Name: "department", Label: "Förvaltning", Kind: FieldDepartment, Section: SectionCase, Required: true, Missing: "Välj förvaltning.",
			Empty: "Välj förvaltning", num: func(f *RequestFields) *int64 { return &f.DepartmentID }},
		text("contact", "Kontaktperson", "Namn och telefon eller e-post", SectionCase, 200, true, "Ange kontaktperson.",
			func(f *RequestFields) *string { return &f.Contact }),
	}
	switch {
	case kind.NeedsSystem():
		out = append(out, text("system_name", "System", "Systemets namn som det står i registret", SectionCase, 200, true,
			"Ange vilket system det gäller.", func(f *RequestFields) *string { return &f.SystemName }))
	case kind == KindOpenSource || kind == KindSelfDeveloped:
		out = append(out, text("system_name", "System i registret (om det finns)", "Lämna tomt om programvaran inte finns i registret",
			SectionCase, 200, false, "", func(f *RequestFields) *string { return &f.SystemName }))
	}
	return append(out,
		long("description", "Beskrivning", "Vad ärendet gäller", SectionCase, true, "Beskriv ärendet.",
			func(f *RequestFields) *string { return &f.Description }),
		RequestField{Name: "desired_date", Label: "Önskat datum", Hint: "Till exempel 2027-01-15", Kind: FieldDate, Section: SectionCase,
			date: func(f *RequestFields) **time.Time { return &f.DesiredDate }})
}

// criteriaFields are the grounds of an introduction or upgrade (R4).
func criteriaFields() []RequestField {
	money := func(name, label string, get func(*RequestFields) *int64) RequestField {
		return RequestField{Name: name, Label: label, Hint: "Hela kronor", Kind: FieldMoney, Section: SectionCriteria, Max: MaxCost, num: get}
	}
	return []RequestField{
		long("goal_alignment", "Överensstämmelse med kommunens övergripande mål", "", SectionCriteria, true,
			"Beskriv hur det stämmer med kommunens övergripande mål.", func(f *RequestFields) *string { return &f.Details.GoalAlignment }),
		long("platform_compatibility", "Kompatibilitet med kommunens IT-plattform", "", SectionCriteria, true,
			"Beskriv hur det passar kommunens IT-plattform.", func(f *RequestFields) *string { return &f.Details.PlatformCompatibility }),
		money("one_off_cost", "Engångskostnad", func(f *RequestFields) *int64 { return &f.Details.OneOffCost }),
		money("yearly_cost", "Årlig kostnad", func(f *RequestFields) *int64 { return &f.Details.YearlyCost }),
		{Name: "years", Label: "Antal år", Hint: "Hur många år systemet beräknas användas (1–50)", Kind: FieldNumber, Section: SectionCriteria,
			Min: 1, Max: 50, Required: true, Missing: "Ange antal år mellan 1 och 50.", count: func(f *RequestFields) *int { return &f.Details.Years }},
	}
}

// assessmentFields are the four assessments of software (§7).
func assessmentFields() []RequestField {
	a := func(name, label string, get func(*RequestFields) *string) RequestField {
		return long(name, label, "", SectionAssessment, true, "Gör bedömningen.", get)
	}
	return []RequestField{
		a("stability", "Stabilitet", func(f *RequestFields) *string { return &f.Details.Stability }),
		a("security", "Säkerhet", func(f *RequestFields) *string { return &f.Details.Security }),
		a("compatibility", "Kompatibilitet", func(f *RequestFields) *string { return &f.Details.Compatibility }),
		a("future_proof", "Framtidssäkerhet", func(f *RequestFields) *string { return &f.Details.FutureProof }),
	}
}

// financingFields are asked of every kind that needs financing (R5).
func financingFields() []RequestField {
	return []RequestField{
		text("financing_source", "Hur finansieras kostnaden?", "Till exempel ”Socialnämndens budget 2027”", SectionFinancing, 500, true,
			"Ange hur kostnaden ska finansieras.", func(f *RequestFields) *string { return &f.FinancingSource }),
		{Name: "financing_confirmed", Label: "Finansieringen är bekräftad", Hint: "Ett ärende kan inte beviljas förrän finansieringen är bekräftad",
			Kind: FieldCheck, Section: SectionFinancing, check: func(f *RequestFields) *bool { return &f.FinancingConfirmed }},
		text("financing_reference", "Beslut om finansiering", "Till exempel nämndbeslut eller diarienummer", SectionFinancing, 200, false, "",
			func(f *RequestFields) *string { return &f.FinancingReference }),
		text("financing_decided_by", "Vem beslutade om finansieringen?", "Till exempel Socialnämnden, förvaltningschefen eller namn och roll",
			SectionFinancing, 200, false, "", func(f *RequestFields) *string { return &f.FinancingDecidedBy }),
		{Name: "financing_decided_on", Label: "Datum för beslutet om finansiering", Hint: "Till exempel 2027-01-15", Kind: FieldDate,
			Section: SectionFinancing, Past: true, date: func(f *RequestFields) **time.Time { return &f.FinancingDecidedOn }},
	}
}

// platformFields name the platform components an introduction or upgrade
// needs (§4.2.1, §4.5): chosen from the catalogue, free text for the rest.
func platformFields() []RequestField {
	return []RequestField{
		{Name: "platform_components", Label: "Plattformskomponenter som behövs",
			Hint: "Välj ur kommunens fastställda IT-infrastruktur. Komponenter som inte är standard kräver ett beviljat undantag i beslutet.",
			Kind: FieldComponents, Section: SectionPlatform, Max: 2000,
			text: func(f *RequestFields) *string { return &f.Details.PlatformComponents }},
		long("platform_missing", "Plattform som inte finns i katalogen", "Till exempel en databas eller ett operativsystem som katalogen saknar",
			SectionPlatform, false, "", func(f *RequestFields) *string { return &f.Details.PlatformMissing }),
	}
}

// platformDecisionFields are the catalogue change a platform decision
// proposes (§4.5).
func platformDecisionFields() []RequestField {
	adds := func(f RequestFields) bool { return f.Details.PlatformChange == PlatformChangeAdd }
	phasesOut := func(f RequestFields) bool { return f.Details.PlatformStatus == string(PlatformPhasingOut) }
	return []RequestField{
		{Name: "platform_change", Label: "Vad ska ändras i katalogen?", Kind: FieldRadios, Section: SectionPlatformDecision, Choices: PlatformChanges,
			Required: true, Missing: "Välj vad som ska ändras i katalogen.", text: func(f *RequestFields) *string { return &f.Details.PlatformChange }},
		{Name: "platform_category", Label: "Sorts plattform", Kind: FieldSelect, Section: SectionPlatformDecision, Choices: PlatformCategories,
			Empty: "Välj", Required: true, Missing: "Välj vilken sorts plattform komponenten är.", Needed: adds,
			text: func(f *RequestFields) *string { return &f.Details.PlatformCategory }},
		text("platform_name", "Komponent", "Namnet som i katalogen, till exempel Windows Server", SectionPlatformDecision, 200, true,
			"Ange komponentens namn.", func(f *RequestFields) *string { return &f.Details.PlatformName }),
		text("platform_version", "Version eller nivå", "Till exempel 2022; lämna tomt om komponenten inte har någon", SectionPlatformDecision, 100, false, "",
			func(f *RequestFields) *string { return &f.Details.PlatformVersion }),
		{Name: "platform_status", Label: "Status efter beslutet", Kind: FieldSelect, Section: SectionPlatformDecision, Choices: PlatformStatuses,
			Empty: "Välj", Required: true, Missing: "Välj komponentens status efter beslutet.",
			text: func(f *RequestFields) *string { return &f.Details.PlatformStatus }},
		{Name: "platform_end_date", Label: "Slutdatum för avvecklingen", Hint: "Till exempel 2027-06-30", Kind: FieldDate, Section: SectionPlatformDecision,
			Required: true, Missing: "Ange slutdatum för avvecklingen: en komponent under avveckling har ett datum då den ska vara borta.", Needed: phasesOut,
			date: func(f *RequestFields) **time.Time { return &f.Details.PlatformEndDate }},
	}
}

func changesRole(role string) func(RequestFields) bool {
	return func(f RequestFields) bool { return f.Details.ChangeRole == role }
}

// FieldsOf returns the fields of a kind of case in form order.
func FieldsOf(kind RequestKind) []RequestField {
	out := caseFields(kind)
	d := func(get func(*RequestDetails) *string) func(*RequestFields) *string {
		return func(f *RequestFields) *string { return get(&f.Details) }
	}
	switch kind {
	case KindIntroduction:
		out = append(out,
			long("need", "Behov", "Vilket behov systemet ska lösa", SectionNewSystem, true, "Beskriv behovet.", d(func(d *RequestDetails) *string { return &d.Need })),
			text("new_system_name", "Systemets namn", "", SectionNewSystem, 200, true, "Ange systemets namn.", d(func(d *RequestDetails) *string { return &d.NewSystemName })),
			text("supplier", "Leverantör", "", SectionNewSystem, 200, false, "", d(func(d *RequestDetails) *string { return &d.Supplier })),
			RequestField{Name: "hosting", Label: "Driftform", Kind: FieldSelect, Section: SectionNewSystem, Choices: Hostings, Empty: "Vet ej ännu",
				text: d(func(d *RequestDetails) *string { return &d.Hosting })},
			RequestField{Name: "personal_data", Label: "Personuppgifter", Kind: FieldSelect, Section: SectionNewSystem, Choices: PersonalData, Empty: "Välj",
				Required: true, Missing: "Välj om systemet ska behandla personuppgifter.", text: d(func(d *RequestDetails) *string { return &d.PersonalData })},
			text("administrator_name", "Föreslagen systemförvaltare", "Utses av systemägaren (4.3)", SectionNewSystem, 200, true,
				"Ange föreslagen systemförvaltare.", d(func(d *RequestDetails) *string { return &d.AdministratorName })),
			RequestField{Name: "administrator_email", Label: "Systemförvaltarens e-postadress", Kind: FieldEmail, Section: SectionNewSystem, Max: 254,
				Required: true, Missing: "Ange systemförvaltarens e-postadress.", text: d(func(d *RequestDetails) *string { return &d.AdministratorEmail })},
			long("training_needs", "Utbildningsbehov (5)", "", SectionNewSystem, false, "", d(func(d *RequestDetails) *string { return &d.TrainingNeeds })),
		)
		out = append(out, criteriaFields()...)
		out = append(out, platformFields()...)
	case KindUpgrade:
		out = append(out,
			text("from_version", "Från version", "", SectionUpgrade, 200, false, "", d(func(d *RequestDetails) *string { return &d.FromVersion })),
			text("to_version", "Till version", "", SectionUpgrade, 200, true, "Ange vilken version det ska uppgraderas till.",
				d(func(d *RequestDetails) *string { return &d.ToVersion })),
			text("performed_by", "Vem genomför uppgraderingen", "Specialistsystem uppgraderas på systemägarens ansvar (4.2.1)", SectionUpgrade, 200, true,
				"Ange vem som genomför uppgraderingen.", d(func(d *RequestDetails) *string { return &d.PerformedBy })),
		)
		out = append(out, criteriaFields()...)
		out = append(out, platformFields()...)
	case KindOpenSource:
		out = append(out,
			text("software", "Programvara", "", SectionSoftware, 200, true, "Ange programvaran.", d(func(d *RequestDetails) *string { return &d.Software })),
			text("licence", "Licens", "Till exempel GPL-3.0 eller MIT", SectionSoftware, 200, true, "Ange licensen.", d(func(d *RequestDetails) *string { return &d.Licence })),
			RequestField{Name: "project_url", Label: "Projektets webbadress", Kind: FieldURL, Section: SectionSoftware, Max: 2000, Required: true,
				Missing: "Ange projektets webbadress.", text: d(func(d *RequestDetails) *string { return &d.ProjectURL })},
		)
		out = append(out, assessmentFields()...)
	case KindSelfDeveloped:
		out = append(out,
			text("software", "Applikation", "", SectionAppl, 200, true, "Ange programvaran.", d(func(d *RequestDetails) *string { return &d.Software })),
			long("why_no_generic", "Varför räcker ingen generell programvara?", "", SectionAppl, true, "Förklara varför ingen generell programvara räcker.",
				d(func(d *RequestDetails) *string { return &d.WhyNoGeneric })),
			text("maintainer", "Vem ska förvalta applikationen?", "", SectionAppl, 200, true, "Ange vem som ska förvalta applikationen.",
				d(func(d *RequestDetails) *string { return &d.Maintainer })),
		)
		out = append(out, assessmentFields()...)
	case KindNetworkAccess:
		out = append(out,
			text("organisation", "Organisation", "Det kommunala bolaget eller samarbetsparten", SectionConnection, 200, true, "Ange organisationen.",
				d(func(d *RequestDetails) *string { return &d.Organisation })),
			long("access_to", "Vad behöver organisationen åtkomst till?", "", SectionConnection, true, "Ange vad organisationen behöver åtkomst till.",
				d(func(d *RequestDetails) *string { return &d.AccessTo })),
			text("access_period", "Hur länge?", "Till exempel ”till och med 2027-12-31”", SectionConnection, 200, true, "Ange hur länge åtkomsten behövs.",
				d(func(d *RequestDetails) *string { return &d.AccessPeriod })),
			RequestField{Name: "valid_until", Label: "Giltig till", Hint: "Anslutningens sista dag, till exempel 2027-12-31. Efter den dagen ska anslutningen vara stängd (6).",
				Kind: FieldDate, Section: SectionConnection, date: func(f *RequestFields) **time.Time { return &f.Details.ValidUntil }},
		)
	case KindOperationsChange:
		out = append(out,
			RequestField{Name: "change_role", Label: "Vad ändras?", Kind: FieldRadios, Section: SectionChange, Choices: ChangeRoles,
				Required: true, Missing: "Välj vad som ändras.", text: d(func(d *RequestDetails) *string { return &d.ChangeRole })},
			RequestField{Name: "new_operator", Label: "Ny driftansvarig", Hint: "IT-enheten eller leverantörens namn (om driftansvaret ändras)",
				Kind: FieldText, Section: SectionChange, Max: 200, Required: true, Missing: "Ange ny driftansvarig.", Needed: changesRole("operations"),
				text: d(func(d *RequestDetails) *string { return &d.NewOperator })},
			RequestField{Name: "new_admin_name", Label: "Ny systemförvaltare", Hint: "Om systemförvaltaren byts", Kind: FieldText, Section: SectionChange,
				Max: 200, Required: true, Missing: "Ange ny systemförvaltare.", Needed: changesRole("administrator"),
				text: d(func(d *RequestDetails) *string { return &d.NewAdminName })},
			RequestField{Name: "new_admin_email", Label: "Den nya systemförvaltarens e-postadress", Kind: FieldEmail, Section: SectionChange, Max: 254,
				Required: true, Missing: "Ange den nya systemförvaltarens e-postadress.", Needed: changesRole("administrator"),
				text: d(func(d *RequestDetails) *string { return &d.NewAdminEmail })},
			RequestField{Name: "effective_date", Label: "Gäller från", Hint: "Till exempel 2027-01-01", Kind: FieldDate, Section: SectionChange,
				Required: true, Missing: "Ange från vilket datum ändringen gäller.",
				date: func(f *RequestFields) **time.Time { return &f.Details.EffectiveDate }},
		)
	case KindPlatformDecision:
		out = append(out, platformDecisionFields()...)
	}
	if kind.NeedsFinancing() {
		out = append(out, financingFields()...)
	}
	return out
}

// FieldOf returns one field of a kind by its name.
func FieldOf(kind RequestKind, name string) (RequestField, bool) {
	for _, f := range FieldsOf(kind) {
		if f.Name == name {
			return f, true
		}
	}
	return RequestField{}, false
}

// Value is the field's value as a form shows it ("" when empty).
func (f RequestField) Value(v RequestFields) string {
	switch {
	case f.text != nil:
		return *f.text(&v)
	case f.num != nil:
		if n := *f.num(&v); n != 0 {
			return strconv.FormatInt(n, 10)
		}
	case f.count != nil:
		if n := *f.count(&v); n != 0 {
			return strconv.Itoa(n)
		}
	case f.date != nil:
		if t := *f.date(&v); t != nil {
			return t.Format(time.DateOnly)
		}
	case f.check != nil:
		if *f.check(&v) {
			return "ja"
		}
	}
	return ""
}

// Checked reports whether a yes/no field is ticked.
func (f RequestField) Checked(v RequestFields) bool { return f.check != nil && *f.check(&v) }

// Shown is the field's value as a case's page shows it; "" when empty.
// Departments are shown by name by the caller.
func (f RequestField) Shown(v RequestFields) string {
	raw := f.Value(v)
	switch f.Kind {
	case FieldMoney:
		if f.num != nil {
			return Kronor(*f.num(&v))
		}
	case FieldSelect, FieldRadios:
		if raw != "" {
			return LabelOf(f.Choices, raw)
		}
	case FieldCheck:
		if f.Checked(v) {
			return "Ja"
		}
		return "Nej"
	}
	return raw
}

// Kronor formats whole kronor the Swedish way: "1 250 000 kr".
func Kronor(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteString("−")
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(c)
	}
	return b.String() + " kr"
}

// ParseRequestForm reads a kind's fields from a posted form. Numbers and
// dates that do not parse become field errors, and what was typed is
// returned beside them (raw) so that the form shows it again.
func ParseRequestForm(kind RequestKind, form url.Values) (f RequestFields, raw map[string]string, errs map[string]string) {
	raw, errs = map[string]string{}, map[string]string{}
	for _, fd := range FieldsOf(kind) {
		v := form.Get(fd.Name)
		if fd.Kind == FieldComponents {
			v = strings.Join(form[fd.Name], ",") // one checkbox per component
		}
		if msg := fd.parse(&f, v); msg != "" {
			errs[fd.Name], raw[fd.Name] = msg, v
		}
	}
	return f, raw, errs
}

// parse sets the field from what was typed (v); a number or date that
// does not parse leaves it as it was and returns why.
func (fd RequestField) parse(f *RequestFields, v string) string {
	switch fd.Kind {
	case FieldText, FieldLongText, FieldEmail, FieldURL, FieldSelect, FieldRadios, FieldComponents:
		*fd.text(f) = v
	case FieldCheck:
		*fd.check(f) = v == "ja"
	case FieldDepartment:
		*fd.num(f) = 0
		if s := strings.TrimSpace(v); s != "" {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				return "Välj förvaltning."
			}
			*fd.num(f) = id
		}
	case FieldDate:
		*fd.date(f) = nil
		if s := strings.TrimSpace(v); s != "" {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return "Ange ett datum som 2027-01-15."
			}
			*fd.date(f) = &t
		}
	case FieldMoney:
		n, msg := parseKronor(v)
		if msg != "" {
			return msg
		}
		*fd.num(f) = n
	case FieldNumber:
		*fd.count(f) = 0
		if s := strings.TrimSpace(v); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < fd.Min || n > fd.Max {
				return fd.Missing
			}
			*fd.count(f) = n
		}
	}
	return ""
}

// parseKronor reads whole kronor as people type them ("12 000", "12000 kr",
// "12 000:-"); anything else gets a message that says why.
func parseKronor(v string) (int64, string) {
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' {
			return -1
		}
		return r
	}, v)
	s = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, "kr"), ":-"), "SEK")
	if s == "" {
		return 0, ""
	}
	if strings.ContainsAny(s, ",.") {
		return 0, "Ange beloppet i hela kronor, utan öre (till exempel 12 000)."
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		return 0, "Beloppet kan inte vara negativt."
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > MaxCost {
		return 0, "Ange ett belopp i hela kronor mellan 0 och 1 000 000 000."
	}
	return n, ""
}

// Validate checks the fields for kind, trimming text, and returns Swedish
// messages per form field. A draft is checked only for what it holds
// (complete=false); a submission needs everything the kind asks for.
func (f *RequestFields) Validate(kind RequestKind, complete bool) map[string]string {
	errs := map[string]string{}
	for _, fd := range FieldsOf(kind) {
		if !fd.applies(*f) {
			continue
		}
		if msg := fd.check1(f, complete); msg != "" {
			errs[fd.Name] = msg
		}
	}
	return errs
}

// check1 checks one field; required fields only when complete (the title
// always).
func (fd RequestField) check1(f *RequestFields, complete bool) string {
	needed := fd.Required && (complete || fd.Name == "title")
	switch fd.Kind {
	case FieldText, FieldLongText, FieldEmail, FieldURL, FieldSelect, FieldRadios:
		p := fd.text(f)
		*p = strings.TrimSpace(*p)
		v := *p
		switch {
		case strings.ContainsRune(v, 0):
			return "Texten innehåller otillåtna tecken."
		case fd.Max > 0 && len([]rune(v)) > fd.Max:
			return fmt.Sprintf("Högst %d tecken.", fd.Max)
		case v == "":
			if needed {
				return fd.Missing
			}
			return ""
		}
		switch fd.Kind {
		case FieldEmail:
			if !ValidEmail(v) {
				return "Ange en e-postadress, till exempel fornamn.efternamn@lillaedet.se."
			}
		case FieldURL:
			if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return "Ange en webbadress som börjar med https://."
			}
		case FieldSelect, FieldRadios:
			if !validChoice(fd.Choices, v) {
				if fd.Missing != "" {
					return fd.Missing
				}
				return "Välj ett av alternativen."
			}
		}
	case FieldDepartment:
		if *fd.num(f) <= 0 && needed {
			return fd.Missing
		}
	case FieldComponents:
		p := fd.text(f)
		ids, msg := ParseComponentIDs(*p)
		if msg != "" {
			return msg
		}
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = strconv.FormatInt(id, 10)
		}
		*p = strings.Join(parts, ",")
	case FieldDate:
		t := *fd.date(f)
		switch {
		case t == nil && needed:
			return fd.Missing
		case t != nil && (t.Year() < 2000 || t.Year() > 2100):
			return "Ange ett datum mellan år 2000 och 2100."
		case t != nil && fd.Past && DateOf(*t).After(Today()):
			return "Datumet kan inte vara i framtiden."
		}
	case FieldMoney:
		if n := *fd.num(f); n < 0 || n > MaxCost {
			return "Ange ett belopp i hela kronor mellan 0 och 1 000 000 000."
		}
	case FieldNumber:
		n := *fd.count(f)
		if (n != 0 || needed) && (n < fd.Min || n > fd.Max) {
			return fd.Missing
		}
	}
	return ""
}

// Fact is one line of a case's read-only content.
type Fact struct {
	Field RequestField // zero for lines made from several fields
	Label string
	Value string // "" when not given
}

// FactsOf lists a case's content in form order, for its page, its review
// and its print copy: every field of the kind that applies, and the total
// cost of an introduction or upgrade. department names the department.
func FactsOf(kind RequestKind, f RequestFields, department string) []Fact {
	var out []Fact
	for _, fd := range FieldsOf(kind) {
		if !fd.applies(f) {
			continue
		}
		v := fd.Shown(f)
		if fd.Kind == FieldDepartment {
			v = department
		}
		out = append(out, Fact{Field: fd, Label: fd.Label, Value: v})
		if fd.Name == "years" {
			out = append(out, Fact{Label: "Total kostnad (engångskostnad + årlig kostnad × antal år)", Value: Kronor(f.Details.TotalCost())})
		}
	}
	return out
}
