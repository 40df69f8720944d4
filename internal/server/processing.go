package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/sheet"
	"itportal/web/components"
	"itportal/web/pages"
)

// Processing records (personuppgiftsbiträden, PUB): the section of a
// system's page, its form, the register of processing activities and the
// supplier's processing. Everyone signed in reads; the service decides
// who edits, who proposes and who sees the confidential details.

// processingHref is a system's processing page.
func processingHref(systemID int64) string {
	return "/system/" + strconv.FormatInt(systemID, 10) + "/personuppgifter"
}

// processingStatus is a record's agreement as a status tag.
func processingStatus(rec *postgres.ProcessingRecord, sys postgres.ProcessingSystem, today time.Time) components.Status {
	switch {
	case rec == nil && sys.PersonalData != portal.PersonalDataNone && sys.Hosting != portal.HostingInternal:
		return components.Status{Label: "Saknas", Tone: components.ToneRed}
	case rec == nil:
		return components.Status{Label: "Inget biträde registrerat", Tone: components.ToneGrey}
	case !rec.Fields.Signed:
		return components.Status{Label: "Inte undertecknat", Tone: components.ToneRed}
	case overdue(rec.Fields, today):
		return components.Status{Label: "Undertecknat, tillsynen är försenad", Tone: components.ToneYellow}
	}
	return components.Status{Label: "Undertecknat", Tone: components.ToneGreen}
}

func overdue(f portal.ProcessingFields, today time.Time) bool {
	n := f.NextOversight()
	return !n.IsZero() && n.Before(today)
}

func processingFactRows(facts []portal.ProcessingFact) []pages.FactRow {
	out := make([]pages.FactRow, 0, len(facts))
	for _, f := range facts {
		out = append(out, pages.FactRow{Label: f.Label, Value: f.Value})
	}
	return out
}

func (s *Server) showProcessing(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderProcessing(w, r, http.StatusOK, id, "")
}

func (s *Server) renderProcessing(w http.ResponseWriter, r *http.Request, status int, id int64, noteError string) {
	v, err := s.processing.Page(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.ProcessingPage{SystemName: v.System.Name, SystemHref: systemHref(id), Status: processingStatus(v.Record, v.System, s.today()),
		Audit: processingAudit(v.Audit)}
	switch {
	case v.System.PersonalData == portal.PersonalDataNone:
		m.Empty = "Systemet är registrerat utan personuppgifter, så inget personuppgiftsbiträde behövs."
	default:
		m.Empty = "Inget personuppgiftsbiträde är registrerat för systemet."
		if v.System.Hosting != portal.HostingInternal {
			m.Empty += " En leverantör driver systemet, så ett undertecknat personuppgiftsbiträdesavtal behövs (regel R18)."
		}
	}
	if v.Record != nil {
		m.Facts, m.Redacted = processingFactRows(v.Record.Facts()), v.Record.Redacted
	}
	if v.System.PersonalData != portal.PersonalDataNone {
		switch {
		case v.CanEdit:
			m.EditHref, m.EditLabel = processingHref(id)+"/redigera", "Ändra uppgifterna"
			if v.Record == nil {
				m.EditLabel = "Registrera personuppgiftsbiträdet"
			}
		case v.CanPropose:
			m.EditHref, m.EditLabel = processingHref(id)+"/redigera", "Föreslå en ändring"
		}
	}
	if p := v.Proposal; p != nil {
		pv := &pages.ProcessingProposalView{By: p.ByName, At: formatTime(&p.At), NoteError: noteError}
		for _, c := range p.Changes {
			pv.Changes = append(pv.Changes, pages.ProcessingChangeRow{Label: c.Label, Before: c.Before, After: c.After})
		}
		if v.CanEdit {
			base := processingHref(id) + "/forslag/" + strconv.FormatInt(p.ID, 10)
			pv.ConfirmAction, pv.RejectAction = base+"/bekrafta", base+"/avsla"
		}
		m.Proposal = pv
	}
	title := "Personuppgifter: " + v.System.Name
	if noteError != "" {
		title = "Fel: " + title
	}
	s.render(w, r, status, pages.ProcessingPageView(s.page(r, title, "/system"), m))
}

// processingFields are the audit log's keys, with their Swedish names.
var processingFields = map[string]string{
	"ProcessorID": "personuppgiftsbiträde", "Signed": "avtal undertecknat", "SignedOn": "datum för undertecknandet", "ContractID": "avtal",
	"DataCategories": "kategorier av personuppgifter", "DataOther": "andra kategorier", "SubjectCategories": "kategorier av registrerade",
	"SubjectOther": "andra registrerade", "Sensitive": "känsliga personuppgifter", "SensitiveKinds": "slag av känsliga uppgifter",
	"Purpose": "ändamål", "LegalBasis": "rättslig grund", "LegalBasisNote": "om den rättsliga grunden", "OversightMethod": "tillsynens form",
	"OversightMonths": "tillsynens intervall", "OversightLast": "senaste tillsyn", "Secrecy": "sekretess", "OSLAssessedBy": "bedömd av",
	"OSLAssessedOn": "bedömningens datum", "OSLAssessment": "bedömning enligt OSL", "Confidential": "sekretessmarkering",
	"SubProcessors": "underbiträden",
}

// processingAudit says, newest first, who changed what (the names of the
// values, not the values: some may be confidential).
func processingAudit(audit []postgres.AuditRow) []pages.HistoryEntry {
	actions := map[string]string{"processing.saved": "Uppgifterna sparades av IT-enheten", "processing.proposed": "Systemförvaltaren föreslog en ändring",
		"processing.proposal_confirmed": "IT-enheten bekräftade förslaget", "processing.proposal_rejected": "IT-enheten avslog förslaget"}
	out := make([]pages.HistoryEntry, 0, len(audit))
	for i := len(audit) - 1; i >= 0; i-- {
		a := audit[i]
		who := "Systemet"
		if a.ActorName != nil {
			who = *a.ActorName
		}
		var parts []string
		for k := range a.Changes {
			if label, ok := processingFields[k]; ok {
				parts = append(parts, label)
			}
		}
		slices.Sort(parts)
		text := actions[a.Action]
		if text == "" {
			text = a.Action
		}
		if len(parts) > 0 {
			text += ": " + strings.Join(parts, ", ")
		}
		if note, _ := a.Changes["note"].(string); note != "" {
			text += ". Anteckning: " + quote(note)
		}
		out = append(out, pages.HistoryEntry{At: formatTime(&a.At), Actor: who, Action: text})
	}
	return out
}

// processingOrder is the form's fields in order, for the error summary.
func processingOrder() []string {
	out := []string{"processor_id", "signed", "signed_on", "contract_id", "data_categories", "data_other", "subject_categories", "subject_other",
		"sensitive", "sensitive_kinds", "purpose", "legal_basis", "legal_basis_note"}
	for i := 1; i <= portal.MaxSubProcessors; i++ {
		n := "sub_" + strconv.Itoa(i) + "_"
		out = append(out, n+"name", n+"country", n+"basis", n+"service")
	}
	return append(out, "oversight_method", "oversight_interval", "oversight_last", "secrecy", "osl_assessed_by", "osl_assessed_on", "osl_assessment")
}

// subProcessorRows is how many rows of sub-processors the form shows: the
// ones given and two empty, at most portal.MaxSubProcessors.
func subProcessorRows(given int) int { return min(max(given+2, 3), portal.MaxSubProcessors) }

func processingFromForm(r *http.Request) portal.ProcessingInput {
	f := r.PostForm
	in := portal.ProcessingInput{
		ProcessorID: f.Get("processor_id"), Signed: f.Get("signed"), SignedOn: f.Get("signed_on"), ContractID: f.Get("contract_id"),
		DataCategories: f["data_categories"], DataOther: f.Get("data_other"), SubjectCategories: f["subject_categories"],
		SubjectOther: f.Get("subject_other"), Sensitive: f.Get("sensitive"), SensitiveKinds: f["sensitive_kinds"],
		Purpose: f.Get("purpose"), LegalBasis: f.Get("legal_basis"), LegalBasisNote: f.Get("legal_basis_note"),
		OversightMethod: f.Get("oversight_method"), OversightInterval: f.Get("oversight_interval"), OversightLast: f.Get("oversight_last"),
		Secrecy: f.Get("secrecy"), OSLAssessedBy: f.Get("osl_assessed_by"), OSLAssessedOn: f.Get("osl_assessed_on"),
		OSLAssessment: f.Get("osl_assessment"), Confidential: f.Get("confidential") == "ja",
	}
	for i := 1; i <= portal.MaxSubProcessors+1; i++ {
		n := "sub_" + strconv.Itoa(i) + "_"
		if _, ok := f[n+"name"]; !ok {
			break
		}
		in.SubProcessors = append(in.SubProcessors, portal.SubProcessorInput{Name: f.Get(n + "name"), Country: f.Get(n + "country"),
			Basis: f.Get(n + "basis"), Service: f.Get(n + "service")})
	}
	return in
}

func (s *Server) editProcessingForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderProcessingForm(w, r, http.StatusOK, id, nil, nil)
}

func (s *Server) renderProcessingForm(w http.ResponseWriter, r *http.Request, status int, id int64, in *portal.ProcessingInput, errs map[string]string) {
	v, err := s.processing.Page(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !v.CanEdit && !v.CanPropose {
		s.fail(w, r, portal.Forbidden("Bara IT-enheten och systemets systemförvaltare kan ändra personuppgiftsbehandlingen."))
		return
	}
	if in == nil {
		cur := portal.ProcessingInput{Signed: "", Sensitive: "", Secrecy: "nej", OversightInterval: "12"}
		if v.Proposal != nil && v.CanPropose {
			cur = v.Proposal.Fields.Input() // the administrator's own open proposal
		} else if v.Record != nil && !v.Record.Redacted {
			cur = v.Record.Fields.Input()
		}
		in = &cur
	}
	if errs == nil {
		errs = map[string]string{}
	}
	m := pages.ProcessingForm{Heading: "Personuppgifter: " + v.System.Name, Action: processingHref(id) + "/redigera",
		Submit: "Spara uppgifterna", CancelHref: processingHref(id), Errors: errorItems(errs, processingOrder())}
	if v.CanPropose {
		m.Submit = "Skicka förslaget till IT-enheten"
		m.Intro = "Du är systemförvaltare: det du skickar blir ett förslag som gäller först när IT-enheten har bekräftat det."
	}
	field := func(name, label, hint, value string) components.Field {
		return components.Field{Name: name, Label: label, Hint: hint, Value: value, Error: errs[name]}
	}
	options := func(choices []portal.Choice, empty string) []components.Option {
		out := []components.Option{{Value: "", Label: empty}}
		for _, c := range choices {
			out = append(out, components.Option{Value: c.Value, Label: c.Label})
		}
		return out
	}
	yesNo := []components.Option{{Value: "ja", Label: "Ja"}, {Value: "nej", Label: "Nej"}}
	group := func(name, legend, hint string, choices []portal.Choice, ticked []string) components.CheckboxGroup {
		g := components.CheckboxGroup{Name: name, Legend: legend, Hint: hint, Error: errs[name], Anchored: true}
		for _, c := range choices {
			g.Options = append(g.Options, components.CheckboxOption{Value: c.Value, Label: c.Label, Checked: slices.Contains(ticked, c.Value)})
		}
		return g
	}
	m.Processor = field("processor_id", "Personuppgiftsbiträde", "Leverantören som behandlar personuppgifterna för kommunens räkning", in.ProcessorID)
	m.Processor.Options = []components.Option{{Value: "", Label: "Välj leverantör"}}
	for _, o := range v.Suppliers {
		m.Processor.Options = append(m.Processor.Options, components.Option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name})
	}
	m.Signed = field("signed", "Är personuppgiftsbiträdesavtalet undertecknat?", "", in.Signed)
	m.Signed.Options = yesNo
	m.SignedOn = field("signed_on", "Datum för undertecknandet", "ÅÅÅÅ-MM-DD, till exempel 2025-03-01", in.SignedOn)
	m.Contract = field("contract_id", "Avtal som personuppgiftsbiträdesavtalet hör till (frivilligt)", "Ett avtal med samma leverantör", in.ContractID)
	m.Contract.Options = []components.Option{{Value: "", Label: "Inget avtal"}}
	for _, o := range v.Contracts {
		m.Contract.Options = append(m.Contract.Options, components.Option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name})
	}
	m.Data = group("data_categories", "Kategorier av personuppgifter", "Kryssa i alla som behandlas", portal.DataCategories, in.DataCategories)
	m.DataOther = field("data_other", "Andra kategorier av personuppgifter (frivilligt)", "", in.DataOther)
	m.Subjects = group("subject_categories", "Kategorier av registrerade", "Vilka uppgifterna handlar om", portal.SubjectCategories, in.SubjectCategories)
	m.SubjectOther = field("subject_other", "Andra registrerade (frivilligt)", "", in.SubjectOther)
	m.Sensitive = field("sensitive", "Behandlas känsliga personuppgifter eller uppgifter om lagöverträdelser?", "Artikel 9 och 10 i dataskyddsförordningen", in.Sensitive)
	m.Sensitive.Options = yesNo
	m.Kinds = group("sensitive_kinds", "Slag av känsliga uppgifter", "Bara om du svarade Ja ovan", portal.SensitiveKinds, in.SensitiveKinds)
	m.Purpose = field("purpose", "Ändamål", "Varför uppgifterna behandlas", in.Purpose)
	m.Purpose.Rows = 3
	m.LegalBasis = field("legal_basis", "Rättslig grund", "Artikel 6.1 i dataskyddsförordningen", in.LegalBasis)
	m.LegalBasis.Options = options(portal.LegalBases, "Välj rättslig grund")
	m.LegalNote = field("legal_basis_note", "Om den rättsliga grunden (frivilligt)", "Till exempel vilken lag uppgiften följer av", in.LegalBasisNote)
	m.LegalNote.Rows = 2
	for i := range subProcessorRows(len(in.SubProcessors)) {
		var sp portal.SubProcessorInput
		if i < len(in.SubProcessors) {
			sp = in.SubProcessors[i]
		}
		n := "sub_" + strconv.Itoa(i+1) + "_"
		row := pages.SubProcessorRow{Legend: "Underbiträde " + strconv.Itoa(i+1),
			Name:    field(n+"name", "Namn", "", sp.Name),
			Country: field(n+"country", "Land", "Landskod med två bokstäver, till exempel SE, IE eller US", sp.Country),
			Basis:   field(n+"basis", "Grund för överföring till tredjeland", "Bara utanför EU/EES", sp.Basis),
			Service: field(n+"service", "Vad underbiträdet gör (frivilligt)", "", sp.Service)}
		row.Basis.Options = options(portal.TransferBases, "Ingen (inom EU/EES)")
		m.SubProcessors = append(m.SubProcessors, row)
	}
	m.Method = field("oversight_method", "Hur tillsynen görs", "", in.OversightMethod)
	m.Method.Options = options(portal.OversightMethods, "Välj form för tillsynen")
	m.Interval = field("oversight_interval", "Intervall i månader", "1–"+strconv.Itoa(portal.MaxOversightMonths)+", till exempel 12", in.OversightInterval)
	m.Last = field("oversight_last", "Senaste tillsyn (frivilligt)", "ÅÅÅÅ-MM-DD; nästa tillsyn räknas från den, eller från undertecknandet", in.OversightLast)
	m.Secrecy = field("secrecy", "Omfattas uppgifterna av sekretess?", "Då krävs en bedömning av att det inte är olämpligt att lämna dem till leverantören", in.Secrecy)
	m.Secrecy.Options = yesNo
	m.AssessedBy = field("osl_assessed_by", "Bedömningen gjord av", "", in.OSLAssessedBy)
	m.AssessedOn = field("osl_assessed_on", "Bedömningens datum", "ÅÅÅÅ-MM-DD", in.OSLAssessedOn)
	m.Assessment = field("osl_assessment", "Bedömning", "Varför det inte är olämpligt att lämna uppgifterna till leverantören", in.OSLAssessment)
	m.Assessment.Rows = 4
	m.Confidential = components.Field{Name: "confidential", Label: "Sekretessmarkera detaljerna",
		Hint: "Slagen av känsliga uppgifter och bedömningen visas då bara för IT-enheten, systemägaren och systemförvaltaren", Checked: in.Confidential}
	s.render(w, r, status, pages.ProcessingFormPage(s.page(r, formTitle(m.Heading, errs), "/system"), m))
}

func (s *Server) saveProcessing(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	in := processingFromForm(r)
	proposed, err := s.processing.Save(r.Context(), actorFrom(r.Context()), id, in, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderProcessingForm(w, r, http.StatusUnprocessableEntity, id, &in, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if proposed {
		s.sessions.Flash(r.Context(), "Förslaget är skickat. Det gäller när IT-enheten har bekräftat det.")
	} else {
		s.sessions.Flash(r.Context(), "Uppgifterna om personuppgiftsbehandlingen är sparade.")
	}
	http.Redirect(w, r, processingHref(id), http.StatusSeeOther)
}

func (s *Server) decideProcessingProposal(confirm bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r)
		pid, ok2 := pathParamID(r, "pid")
		if !ok || !ok2 {
			s.notFound(w, r)
			return
		}
		err := s.processing.Decide(r.Context(), actorFrom(r.Context()), id, pid, confirm, r.PostForm.Get("note"), requestIDFrom(r.Context()))
		if fe := fieldErrors(err); fe != nil {
			s.renderProcessing(w, r, http.StatusUnprocessableEntity, id, fe["note"])
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		msg := "Förslaget är avslaget."
		if confirm {
			msg = "Förslaget är bekräftat och gäller nu."
		}
		s.sessions.Flash(r.Context(), msg)
		http.Redirect(w, r, processingHref(id), http.StatusSeeOther)
	}
}

// registerRow is a processing activity in the register's words.
type registerRow struct {
	pages.ProcessingRegisterRow
	NextOn *time.Time
}

func (s *Server) registerRows(list []postgres.RegisterRow) (rows []registerRow, redacted bool) {
	today := s.today()
	for _, r := range list {
		f := r.Record.Fields
		facts := map[string]string{}
		for _, x := range r.Record.Facts() {
			facts[x.Key] = x.Value
		}
		var subs []string
		for _, p := range f.SubProcessors {
			subs = append(subs, portal.SubProcessorText(p))
		}
		sensitive := "Nej"
		if f.Sensitive {
			sensitive = "Ja: " + facts["sensitive_kinds"]
		}
		row := registerRow{ProcessingRegisterRow: pages.ProcessingRegisterRow{SystemHref: processingHref(r.Record.SystemID), System: r.SystemName,
			Department: orDash(r.Department), Purpose: f.Purpose, LegalBasis: portal.LabelOf(portal.LegalBases, f.LegalBasis),
			Data: facts["data_categories"], Subjects: facts["subject_categories"], Sensitive: sensitive, Processor: r.Record.ProcessorName,
			ProcessorHref: supplierHref(f.ProcessorID), Agreement: "PUB: " + strings.ToLower(facts["signed"][:1]) + facts["signed"][1:],
			SubProcessors: orDash(strings.Join(subs, "; ")), ThirdCountries: orDash(strings.Join(f.ThirdCountries(), ", ")),
			NextOversight: orDash(portal.FormatDate(f.NextOversight())), Overdue: overdue(f, today)}}
		if n := f.NextOversight(); !n.IsZero() {
			row.NextOn = &n
		}
		redacted = redacted || r.Record.Redacted
		rows = append(rows, row)
	}
	return rows, redacted
}

// The controller of every processing activity in the register.
const controller = "Lilla Edets kommun (organisationsnummer 212000-1504), genom den förvaltning som äger systemet"

func (s *Server) processingRegister(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		list, err := s.processing.Register(r.Context(), actorFrom(r.Context()))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rows, redacted := s.registerRows(list)
		if format == "" {
			m := pages.ProcessingRegister{Controller: controller, Redacted: redacted}
			for _, row := range rows {
				m.Rows = append(m.Rows, row.ProcessingRegisterRow)
			}
			s.render(w, r, http.StatusOK, pages.ProcessingRegisterPage(s.page(r, "Register över behandlingar (artikel 30)", "/system"), m))
			return
		}
		t := sheet.Table{Sheet: "Behandlingar",
			Title: "Register över behandlingar enligt artikel 30 i dataskyddsförordningen. Personuppgiftsansvarig: " + controller + ". Uttaget " + takenAt() + ".",
			Header: []string{"System", "Förvaltning", "Ändamål", "Rättslig grund", "Kategorier av personuppgifter", "Kategorier av registrerade",
				"Känsliga uppgifter", "Personuppgiftsbiträde", "Personuppgiftsbiträdesavtal", "Underbiträden", "Tredjeland", "Nästa tillsyn"}}
		for _, row := range rows {
			t.Rows = append(t.Rows, []sheet.Cell{sheet.Text(row.System), sheet.Text(row.Department), sheet.Text(row.Purpose), sheet.Text(row.LegalBasis),
				sheet.Text(row.Data), sheet.Text(row.Subjects), sheet.Text(row.Sensitive), sheet.Text(row.Processor), sheet.Text(row.Agreement),
				sheet.Text(row.SubProcessors), sheet.Text(row.ThirdCountries), sheet.Date(row.NextOn)})
		}
		s.sendTable(w, r, format, "register-over-behandlingar-"+time.Now().In(stockholm).Format("2006-01-02"), t)
	}
}

// supplierProcessingRows are the PUBs of a supplier for its page.
func (s *Server) supplierProcessingRows(list []postgres.RegisterRow) []pages.SupplierProcessingRow {
	rows, _ := s.registerRows(list)
	out := make([]pages.SupplierProcessingRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, pages.SupplierProcessingRow{SystemHref: r.SystemHref, System: r.System, Department: r.Department, Data: r.Data,
			Sensitive: r.Sensitive, Agreement: r.Agreement, SubProcessors: r.SubProcessors})
	}
	return out
}
