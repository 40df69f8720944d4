package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/registerfile"
	"itportal/internal/sheet"
	"itportal/web/components"
	"itportal/web/pages"
)

// Licences: everyone signed in reads them (on /licenser, a system's page
// and a contract's page); IT-enheten keeps them (the routes' group, and
// again in the service).

func licenceHref(id int64) string { return "/licenser/" + strconv.FormatInt(id, 10) }

// renewalWithinDays is the list's filter: renewals within a quarter.
const renewalWithinDays = 90

func licenceStatus(l postgres.Licence) components.Status {
	st := components.Status{Label: l.Status(), Tone: components.ToneGreen}
	switch {
	case l.OverUsed():
		st.Tone = components.ToneRed
	case !l.Counted:
		st.Tone = components.ToneGrey
	}
	return st
}

func licenceBought(l postgres.Licence) string {
	if !portal.LicenceCounted(l.Model) {
		return "Obegränsat"
	}
	return strconv.Itoa(l.Bought)
}

func licenceInUse(l postgres.Licence) string {
	if !l.Counted {
		return "Inte räknat"
	}
	return strconv.Itoa(l.InUse) + " (räknat " + l.CountedOn.Format(dateLayout) + ")"
}

func licenceRows(list []postgres.Licence) []pages.LicenceRow {
	out := make([]pages.LicenceRow, 0, len(list))
	for _, l := range list {
		row := pages.LicenceRow{Href: licenceHref(l.ID), System: l.SystemName, SystemHref: systemHref(l.SystemID),
			Model: portal.LabelOf(portal.LicenceModels, l.Model), Bought: licenceBought(l), InUse: licenceInUse(l),
			RenewalOn: dateText(l.RenewalOn), Status: licenceStatus(l), Contract: "–"}
		if l.ContractID != 0 {
			row.Contract, row.ContractHref = l.ContractName, contractHref(l.ContractID)
		}
		out = append(out, row)
	}
	return out
}

// licenceSection is the licences on a system's or a contract's page.
func (s *Server) licenceSection(r *http.Request, f postgres.LicenceFilter, addHref string) (*pages.LicenceSection, error) {
	actor := actorFrom(r.Context())
	list, err := s.licences.List(r.Context(), actor, f)
	if err != nil {
		return nil, err
	}
	m := &pages.LicenceSection{Rows: licenceRows(list), ShowSystem: f.ContractID != 0}
	if portal.CanManageLicences(actor) {
		m.AddHref = addHref
	}
	return m, nil
}

// licenceFilterFrom reads the list's filter (the page and its exports).
func licenceFilterFrom(r *http.Request) (postgres.LicenceFilter, *listQuery) {
	q := newListQuery(r.URL.Query())
	f := postgres.LicenceFilter{Query: q.text("q", 200), OverUsed: q.yes("overanvanda")}
	if q.yes("fornyas_inom_90") {
		f.RenewalWithin = renewalWithinDays
	}
	return f, q
}

func (s *Server) listLicences(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r.Context())
	f, q := licenceFilterFrom(r)
	list, err := s.licences.List(r.Context(), actor, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	query := r.URL.Query()
	query.Del("sida")
	m := pages.LicenceList{
		Query:    components.Field{Name: "q", Label: "Sök licens", Hint: "Systemets namn", Type: "search", Value: f.Query, Error: q.problems["q"]},
		OverUsed: components.Field{Name: "overanvanda", Label: "Bara licenser med fler i användning än köpta", Checked: f.OverUsed, Error: q.problems["overanvanda"]},
		Renewal: components.Field{Name: "fornyas_inom_90", Label: "Bara licenser som förnyas inom 90 dagar", Checked: f.RenewalWithin > 0,
			Error: q.problems["fornyas_inom_90"]},
		Errors:    q.errorItems("q", "overanvanda", "fornyas_inom_90"),
		Rows:      licenceRows(list),
		CanCreate: portal.CanManageLicences(actor),
		Summary:   strconv.Itoa(len(list)) + " licenser",
		CSVHref:   "/licenser.csv?" + query.Encode(),
		XLSXHref:  "/licenser.xlsx?" + query.Encode(),
	}
	if len(list) == 1 {
		m.Summary = "1 licens"
	}
	if len(list) == 0 {
		m.Summary = "Inga licenser matchar."
	}
	s.render(w, r, listStatus(q), pages.LicenceListPage(s.page(r, formTitle("Licenser", q.problems), "/licenser"), m))
}

// exportLicences downloads the list with its filter, as CSV or XLSX.
func (s *Server) exportLicences(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, q := licenceFilterFrom(r)
		if !q.ok() {
			s.errorPage(w, r, http.StatusBadRequest, "Filtret kunde inte läsas: ändra det på sidan Licenser och ladda ned igen.")
			return
		}
		list, err := s.licences.List(r.Context(), actorFrom(r.Context()), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		title := "Licenser i IT-portalen, uttaget " + takenAt() + "."
		if f.OverUsed {
			title += " Bara licenser med fler i användning än köpta."
		}
		if f.RenewalWithin > 0 {
			title += " Bara licenser som förnyas inom 90 dagar."
		}
		t := sheet.Table{Sheet: "Licenser", Title: title,
			Header: []string{"System", "Licensmodell", "Köpta", "I användning", "Räknat den", "Förnyas", "Avtal", "Status", "Anteckning"}}
		for _, l := range list {
			bought, inUse := sheet.Int(l.Bought), sheet.Text("")
			if !portal.LicenceCounted(l.Model) {
				bought = sheet.Text("Obegränsat")
			}
			var counted, renewal *time.Time
			if l.Counted {
				inUse, counted = sheet.Int(l.InUse), &l.CountedOn
			}
			if !l.RenewalOn.IsZero() {
				renewal = &l.RenewalOn
			}
			t.Rows = append(t.Rows, []sheet.Cell{sheet.Text(l.SystemName), sheet.Text(portal.LabelOf(portal.LicenceModels, l.Model)), bought, inUse,
				sheet.Date(counted), sheet.Date(renewal), sheet.Text(l.ContractName), sheet.Text(l.Status()), sheet.Text(l.Note)})
		}
		s.sendTable(w, r, format, "licenser-"+time.Now().In(stockholm).Format("2006-01-02"), t)
	}
}

func (s *Server) showLicence(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	actor := actorFrom(r.Context())
	l, audit, err := s.licences.Get(r.Context(), actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st := licenceStatus(l)
	m := pages.LicencePage{Heading: "Licens: " + l.SystemName + ", " + portal.LabelOf(portal.LicenceModels, l.Model), Audit: licenceAudit(audit)}
	m.Facts = []pages.FactRow{
		{Label: "System", Value: l.SystemName, Href: systemHref(l.SystemID)},
		{Label: "Licensmodell", Value: portal.LabelOf(portal.LicenceModels, l.Model)},
		{Label: "Köpta", Value: licenceBought(l)},
		{Label: "I användning", Value: licenceInUse(l)},
		{Label: "Status", Tag: &st},
		{Label: "Förnyas", Value: dateText(l.RenewalOn)},
		{Label: "Avtal", Value: orDash(l.ContractName)},
		{Label: "Anteckning", Value: orDash(l.Note)},
	}
	if l.ContractID != 0 {
		m.Facts[6].Href = contractHref(l.ContractID)
	}
	if portal.CanManageLicences(actor) {
		m.EditHref, m.RemoveAction = licenceHref(id)+"/redigera", licenceHref(id)+"/ta-bort"
	}
	s.render(w, r, http.StatusOK, pages.LicencePageView(s.page(r, m.Heading, "/licenser"), m))
}

var licenceOrder = []string{"system", "model", "bought", "in_use", "counted_on", "renewal_on", "contract_id", "note"}

func licenceInputFromForm(r *http.Request) (string, portal.LicenceInput) {
	v := r.PostForm
	return v.Get("system"), portal.LicenceInput{ContractID: v.Get("contract_id"), Model: v.Get("model"), Bought: v.Get("bought"),
		InUse: v.Get("in_use"), CountedOn: v.Get("counted_on"), RenewalOn: v.Get("renewal_on"), Note: v.Get("note")}
}

func (s *Server) newLicenceForm(w http.ResponseWriter, r *http.Request) {
	in := portal.LicenceInput{Model: portal.LicencePerUser, CountedOn: s.today().Format(dateLayout)}
	system := ""
	if id, err := strconv.ParseInt(r.URL.Query().Get("system"), 10, 64); err == nil && id > 0 {
		name, err := s.licences.SystemName(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		system = name
	}
	if id, err := strconv.ParseInt(r.URL.Query().Get("avtal"), 10, 64); err == nil && id > 0 {
		in.ContractID = strconv.FormatInt(id, 10)
	}
	s.renderLicenceForm(w, r, http.StatusOK, 0, system, in, nil)
}

func (s *Server) renderLicenceForm(w http.ResponseWriter, r *http.Request, status int, id int64, system string, in portal.LicenceInput, errs map[string]string) {
	contracts, err := s.contracts.List(r.Context(), actorFrom(r.Context()), postgres.ContractFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opts := []components.Option{{Value: "", Label: "Inget avtal i registret"}}
	for _, c := range contracts {
		opts = append(opts, components.Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Name + " (" + c.SupplierName + ")"})
	}
	field := func(name, label, hint, value string) components.Field {
		return components.Field{Name: name, Label: label, Hint: hint, Value: value, Error: errs[name]}
	}
	model := field("model", "Licensmodell", "En platslicens gäller hur många som helst", in.Model)
	model.Options = choiceOptions("", portal.LicenceModels)
	contract := field("contract_id", "Avtal", "Avtalet som licenserna är köpta genom", in.ContractID)
	contract.Options = opts
	note := field("note", "Anteckning", "Till exempel licensvillkor eller vem som räknade", in.Note)
	note.Rows = 3
	m := pages.PlainForm{Heading: "Ny licens", Action: "/licenser/ny", Submit: "Spara licensen", CancelHref: "/licenser",
		Intro:  "Ett system har en licens per licensmodell. Fler i användning än köpta sparas men visas som en avvikelse från Riktlinjer för IT (R17).",
		Errors: errorItems(errs, licenceOrder)}
	numbers := []components.Field{
		model,
		field("bought", "Antal köpta", "Lämna tomt för en platslicens", in.Bought),
		field("in_use", "Antal i användning", "Som det senast räknades; lämna tomt om det inte är räknat", in.InUse),
		field("counted_on", "Räknat den", "ÅÅÅÅ-MM-DD", in.CountedOn),
		field("renewal_on", "Förnyas", "Nästa förnyelsedatum, ÅÅÅÅ-MM-DD; lämna tomt för en evig licens", in.RenewalOn),
	}
	if id == 0 {
		m.Groups = append(m.Groups, pages.FieldGroup{Fields: []components.Field{field("system", "System", "Som det står i registret", system)}})
	} else {
		m.Heading, m.Action, m.Submit, m.CancelHref, m.Intro = "Ändra licens: "+system, licenceHref(id)+"/redigera", "Spara ändringarna", licenceHref(id), ""
	}
	m.Groups = append(m.Groups, pages.FieldGroup{Legend: "Licensen", Fields: numbers}, pages.FieldGroup{Fields: []components.Field{contract, note}})
	s.render(w, r, status, pages.PlainFormPage(s.page(r, formTitle(m.Heading, errs), "/licenser"), m))
}

// saveLicence parses and saves the form; a refused form is shown again as
// it was typed, nothing saved.
func (s *Server) saveLicence(w http.ResponseWriter, r *http.Request, id int64, systemName string) {
	system, in := licenceInputFromForm(r)
	if id != 0 {
		system = systemName
	}
	f, errs := in.Parse(s.today())
	if id == 0 && errs["system"] == "" {
		if m := portal.TextProblem(system, 200, false); m != "" {
			errs["system"] = m
		}
	}
	if len(errs) > 0 {
		s.renderLicenceForm(w, r, http.StatusUnprocessableEntity, id, system, in, errs)
		return
	}
	saved, err := s.licences.Save(r.Context(), actorFrom(r.Context()), id, system, f, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderLicenceForm(w, r, http.StatusUnprocessableEntity, id, system, in, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "Licensen är sparad."
	if f.OverUsed() {
		msg = "Licensen är sparad. Fler är i användning än köpta: det är en avvikelse från Riktlinjer för IT (R17)."
	}
	s.sessions.Flash(r.Context(), msg)
	http.Redirect(w, r, licenceHref(saved), http.StatusSeeOther)
}

func (s *Server) createLicence(w http.ResponseWriter, r *http.Request) { s.saveLicence(w, r, 0, "") }

func (s *Server) editLicenceForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	l, _, err := s.licences.Get(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderLicenceForm(w, r, http.StatusOK, id, l.SystemName, licenceInputOf(l), nil)
}

func licenceInputOf(l postgres.Licence) portal.LicenceInput {
	in := portal.LicenceInput{Model: l.Model, Note: l.Note}
	if portal.LicenceCounted(l.Model) {
		in.Bought = strconv.Itoa(l.Bought)
	}
	if l.Counted {
		in.InUse, in.CountedOn = strconv.Itoa(l.InUse), l.CountedOn.Format(dateLayout)
	}
	if !l.RenewalOn.IsZero() {
		in.RenewalOn = l.RenewalOn.Format(dateLayout)
	}
	if l.ContractID != 0 {
		in.ContractID = strconv.FormatInt(l.ContractID, 10)
	}
	return in
}

func (s *Server) updateLicence(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	l, _, err := s.licences.Get(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.saveLicence(w, r, id, l.SystemName)
}

// removeLicence asks first (the confirmation page), then removes.
func (s *Server) removeLicence(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	actor := actorFrom(r.Context())
	if !confirmed(r) {
		l, _, err := s.licences.Get(r.Context(), actor, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderConfirm(w, r, pages.Confirm{
			Heading: "Ta bort licensen " + portal.LabelOf(portal.LicenceModels, l.Model) + " för " + l.SystemName,
			Consequences: []string{"Licensen tas bort från systemet och från listan över licenser.",
				"Ändringsloggen behåller vad licensen sade och att du tog bort den."},
			Action: licenceHref(id) + "/ta-bort", ConfirmLabel: "Ta bort licensen", CancelHref: licenceHref(id),
		}, "/licenser")
		return
	}
	systemID, err := s.licences.Remove(r.Context(), actor, id, requestIDFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Licensen är borttagen.")
	http.Redirect(w, r, systemHref(systemID)+"#licenser", http.StatusSeeOther)
}

func licenceAudit(audit []postgres.AuditRow) []pages.HistoryEntry {
	return describedAudit(audit, map[string]string{"licence.created": "Licensen registrerades", "licence.updated": "Uppgifter ändrade",
		"licence.removed": "Licensen togs bort"},
		map[string]string{"contract": "avtal", "model": "licensmodell", "bought": "köpta", "in_use": "i användning",
			"counted_on": "räknat den", "renewal_on": "förnyas", "note": "anteckning"})
}

// The import of counts: a dry run, then the import, as for the register.

func (s *Server) licenceImportForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, pages.LicenceImportPage(s.page(r, "Importera licensantal", "/licenser"), pages.LicenceImport{FileLimit: importFileLimit}))
}

func (s *Server) licenceImportUpload(w http.ResponseWriter, r *http.Request) {
	fileErr := func(status int, msg string) {
		s.render(w, r, status, pages.LicenceImportPage(s.page(r, "Fel: Importera licensantal", "/licenser"), pages.LicenceImport{
			FileLimit: importFileLimit, FileError: msg, Errors: []components.ErrorItem{{Field: "file", Message: msg}},
		}))
	}
	filename, data, status, msg := readUpload(r, registerfile.MaxFileSize, "Filen är större än "+importFileLimit.Text()+".", "Välj en fil att importera.")
	if msg != "" {
		fileErr(status, msg)
		return
	}
	parsed, err := registerfile.ParseTable(data, postgres.LicenceSchema)
	var fe *registerfile.ErrFile
	if errors.As(err, &fe) {
		fileErr(http.StatusUnprocessableEntity, fe.Message)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actor := actorFrom(r.Context())
	res, err := s.licences.ImportCounts(r.Context(), actor, parsed, false, requestIDFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := s.uploads.Store(r.Context(), actor, "licence_import", filename, data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.LicenceImportPage(s.page(r, "Förhandsgranska importen", "/licenser"), pages.LicenceImport{
		Report: licenceImportReport(res, strconv.FormatInt(id, 10), filename, parsed.Format),
	}))
}

func (s *Server) licenceImportCommit(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r.Context())
	id, err := strconv.ParseInt(r.PostForm.Get("upload"), 10, 64)
	if err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "Importen saknar sin fil. Ladda upp filen igen.")
		return
	}
	name, data, err := s.uploads.Get(r.Context(), actor, id, "licence_import")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	parsed, err := registerfile.ParseTable(data, postgres.LicenceSchema)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.licences.ImportCounts(r.Context(), actor, parsed, true, requestIDFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if res.Committed {
		_ = s.uploads.Delete(r.Context(), actor, id)
	}
	status := http.StatusOK
	if !res.Committed {
		status = http.StatusUnprocessableEntity // the licences changed since the dry run
	}
	s.render(w, r, status, pages.LicenceImportPage(s.page(r, "Importera licensantal", "/licenser"), pages.LicenceImport{
		Report: licenceImportReport(res, strconv.FormatInt(id, 10), name, parsed.Format), Done: res.Committed,
	}))
}

func licenceImportReport(res postgres.LicenceImportResult, uploadID, filename, format string) *pages.ImportReport {
	rep := &pages.ImportReport{UploadID: uploadID, Filename: filename, Format: format, Warnings: res.Warnings,
		Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged, Rejected: res.Rejected, CanCommit: res.Rejected == 0}
	for _, row := range res.Rows {
		rr := pages.ImportReportRow{Line: strconv.Itoa(row.Line), Name: row.System + ", " + row.Model, Error: row.Action == "error"}
		switch row.Action {
		case "create":
			rr.Action = "Skapas"
		case "update":
			rr.Action = "Ändras"
		case "unchanged":
			rr.Action = "Oförändrad"
		default:
			rr.Action = "Fel"
		}
		for _, c := range row.Changes {
			rr.Changes = append(rr.Changes, pages.ImportChange{Label: c.Label, Old: c.Before, New: c.After})
		}
		if row.OverUsed {
			rr.Details = append(rr.Details, "Fler i användning än köpta: blir en avvikelse från Riktlinjer för IT (R17).")
		}
		for _, p := range row.Problems {
			rr.Details = append(rr.Details, p.Column+": "+p.Message)
		}
		rep.Rows = append(rep.Rows, rr)
	}
	return rep
}

// apiLicence is a licence in the API.
type apiLicence struct {
	ID         int64   `json:"id"`
	SystemID   int64   `json:"system_id"`
	System     string  `json:"system"`
	ContractID *int64  `json:"contract_id"`
	Contract   string  `json:"contract"`
	Model      string  `json:"model"`
	ModelLabel string  `json:"model_label"`
	Bought     *int    `json:"bought"` // null for a site licence
	InUse      *int    `json:"in_use"` // null when not counted
	CountedOn  *string `json:"counted_on"`
	RenewalOn  *string `json:"renewal_on"`
	OverUsed   bool    `json:"over_used"`
	URL        string  `json:"url"`
}

// apiLicences lists the licences in id order, 50 a page, with a cursor;
// over_used=true and renewal_within_days narrow it as the page's filters.
func (s *Server) apiLicences(w http.ResponseWriter, r *http.Request) {
	q := newListQuery(r.URL.Query())
	f := postgres.LicenceFilter{Limit: 50, OverUsed: q.oneOf("over_used", "true", "false") == "true"}
	if v := r.URL.Query().Get("renewal_within_days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			q.refuse("renewal_within_days", "Ange ett antal dagar, 1–3650.")
		}
		f.RenewalWithin = n
	}
	if !q.ok() {
		q.writeProblem(w, requestIDFrom(r.Context()))
		return
	}
	_, after, ok := decodeCursor(r.URL.Query().Get("cursor"))
	if !ok {
		writeProblem(w, http.StatusBadRequest, "Ogiltig cursor", "Parametern cursor ska vara värdet next_cursor från ett tidigare svar.", requestIDFrom(r.Context()))
		return
	}
	f.AfterID = after
	list, err := s.licences.List(r.Context(), actorFrom(r.Context()), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Licences   []apiLicence `json:"licences"`
		NextCursor *string      `json:"next_cursor"`
	}{Licences: []apiLicence{}}
	for _, l := range list {
		a := apiLicence{ID: l.ID, SystemID: l.SystemID, System: l.SystemName, Contract: l.ContractName, Model: l.Model,
			ModelLabel: portal.LabelOf(portal.LicenceModels, l.Model), OverUsed: l.OverUsed(), URL: s.cfg.BaseURL.String() + licenceHref(l.ID)}
		if l.ContractID != 0 {
			a.ContractID = &l.ContractID
		}
		if portal.LicenceCounted(l.Model) {
			a.Bought = &l.Bought
		}
		if l.Counted {
			a.InUse = &l.InUse
			d := l.CountedOn.Format(time.DateOnly)
			a.CountedOn = &d
		}
		if !l.RenewalOn.IsZero() {
			d := l.RenewalOn.Format(time.DateOnly)
			a.RenewalOn = &d
		}
		out.Licences = append(out.Licences, a)
	}
	if len(list) == f.Limit {
		c := encodeCursor("", list[len(list)-1].ID)
		out.NextCursor = &c
	}
	writeJSON(w, http.StatusOK, out)
}
