package server

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/sheet"
	"itportal/web/components"
	"itportal/web/pages"
)

// Suppliers and contracts: everyone signed in reads; the forms are
// IT-enheten's (the routes' group, and again in the services).

func supplierHref(id int64) string { return "/leverantorer/" + strconv.FormatInt(id, 10) }
func contractHref(id int64) string { return "/avtal/" + strconv.FormatInt(id, 10) }

// noticeWithinDays is the contract list's filter: deadlines within half a year.
const noticeWithinDays = 180

func (s *Server) listSuppliers(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r.Context())
	q := newListQuery(r.URL.Query())
	query := q.text("q", 200)
	list, err := s.suppliers.List(r.Context(), actor, query)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.SupplierList{
		Query:     components.Field{Name: "q", Label: "Sök leverantör", Hint: "Namn eller organisationsnummer", Type: "search", Value: query, Error: q.problems["q"]},
		CanCreate: portal.CanManageSuppliers(actor),
		Summary:   strconv.Itoa(len(list)) + " leverantörer",
	}
	if len(list) == 0 {
		m.Summary = "Inga leverantörer matchar."
	}
	for _, row := range list {
		m.Rows = append(m.Rows, pages.SupplierListRow{Href: supplierHref(row.ID), Name: row.Name, OrgNumber: row.OrgNumber, Contracts: row.Contracts, Systems: row.Systems})
	}
	s.render(w, r, listStatus(q), pages.SupplierListPage(s.page(r, formTitle("Leverantörer", q.problems), "/leverantorer"), m))
}

var supplierOrder = []string{"name", "org_number", "notes"}

func supplierFromForm(r *http.Request) portal.SupplierFields {
	return portal.SupplierFields{Name: r.PostForm.Get("name"), OrgNumber: r.PostForm.Get("org_number"), Notes: r.PostForm.Get("notes")}
}

func (s *Server) newSupplierForm(w http.ResponseWriter, r *http.Request) {
	s.renderSupplierForm(w, r, http.StatusOK, 0, portal.SupplierFields{}, nil)
}

func (s *Server) renderSupplierForm(w http.ResponseWriter, r *http.Request, status int, id int64, f portal.SupplierFields, errs map[string]string) {
	m := pages.PlainForm{Heading: "Ny leverantör", Action: "/leverantorer/ny", Submit: "Spara leverantören", CancelHref: "/leverantorer",
		Intro:  "Samma leverantör registreras en gång: namn som bara skiljer sig i stora och små bokstäver, mellanslag eller AB räknas som samma.",
		Errors: errorItems(errs, supplierOrder),
		Groups: []pages.FieldGroup{{Fields: []components.Field{
			{Name: "name", Label: "Namn", Hint: "Som i Bolagsverkets register, till exempel Visma Enterprise AB", Value: f.Name, Error: errs["name"]},
			{Name: "org_number", Label: "Organisationsnummer", Hint: "NNNNNN-NNNN, till exempel 556016-0680", Value: f.OrgNumber, Error: errs["org_number"]},
			{Name: "notes", Label: "Anteckningar", Value: f.Notes, Error: errs["notes"], Rows: 4},
		}}}}
	if id != 0 {
		m.Heading, m.Action, m.Submit, m.CancelHref, m.Intro = "Ändra leverantör", supplierHref(id)+"/redigera", "Spara ändringarna", supplierHref(id), ""
	}
	s.render(w, r, status, pages.PlainFormPage(s.page(r, formTitle(m.Heading, errs), "/leverantorer"), m))
}

func (s *Server) createSupplier(w http.ResponseWriter, r *http.Request) {
	f := supplierFromForm(r)
	id, err := s.suppliers.Save(r.Context(), actorFrom(r.Context()), 0, f, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderSupplierForm(w, r, http.StatusUnprocessableEntity, 0, f, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Leverantören är sparad.")
	http.Redirect(w, r, supplierHref(id), http.StatusSeeOther)
}

func (s *Server) editSupplierForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	v, err := s.suppliers.Get(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderSupplierForm(w, r, http.StatusOK, id, portal.SupplierFields{Name: v.Supplier.Name, OrgNumber: v.Supplier.OrgNumber, Notes: v.Supplier.Notes}, nil)
}

func (s *Server) updateSupplier(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	f := supplierFromForm(r)
	_, err := s.suppliers.Save(r.Context(), actorFrom(r.Context()), id, f, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderSupplierForm(w, r, http.StatusUnprocessableEntity, id, f, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Leverantören är sparad.")
	http.Redirect(w, r, supplierHref(id), http.StatusSeeOther)
}

func (s *Server) showSupplier(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderSupplier(w, r, http.StatusOK, id, portal.ContactFields{}, nil)
}

var contactOrder = []string{"contact_role", "contact_name", "contact_email", "contact_phone"}

func (s *Server) renderSupplier(w http.ResponseWriter, r *http.Request, status int, id int64, c portal.ContactFields, errs map[string]string) {
	actor := actorFrom(r.Context())
	v, err := s.suppliers.Get(r.Context(), actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	manage := portal.CanManageSuppliers(actor)
	m := pages.SupplierPage{
		ID:    id,
		Name:  v.Supplier.Name,
		Facts: []pages.FactRow{{Label: "Organisationsnummer", Value: v.Supplier.OrgNumber}, {Label: "Anteckningar", Value: orDash(v.Supplier.Notes)}},
		Audit: supplierAudit(v.Audit),
	}
	if manage {
		m.EditHref, m.NewContract = supplierHref(id)+"/redigera", "/avtal/nytt?leverantor="+strconv.FormatInt(id, 10)
		m.ContactForm = &pages.InlineForm{Heading: "Ny kontakt", Action: supplierHref(id) + "/kontakter", Submit: "Lägg till kontakten",
			Errors: errorItems(errs, contactOrder), Fields: []components.Field{
				{Name: "contact_role", Label: "Gäller", Hint: "Till exempel Support, Avtal eller Säkerhetsincident", Value: c.Role, Error: errs["contact_role"]},
				{Name: "contact_name", Label: "Namn", Value: c.Name, Error: errs["contact_name"]},
				{Name: "contact_email", Label: "E-post", Type: "email", Value: c.Email, Error: errs["contact_email"]},
				{Name: "contact_phone", Label: "Telefon", Type: "tel", Value: c.Phone, Error: errs["contact_phone"]},
			}}
	}
	for _, ct := range v.Contacts {
		row := pages.ContactRow{Role: ct.Role, Name: ct.Name, Email: ct.Email, Phone: ct.Phone}
		if manage {
			row.RemoveAction = supplierHref(id) + "/kontakter/" + strconv.FormatInt(ct.ID, 10) + "/ta-bort"
			row.RemoveLabel = "Ta bort kontakten " + ct.Name + " (" + ct.Role + ", nr " + strconv.FormatInt(ct.ID, 10) + ")"
		}
		m.Contacts = append(m.Contacts, row)
	}
	m.Systems = supplierSystemRows(v.Systems)
	m.Contracts = contractListRows(v.Contracts, s.today())
	processing, err := s.processing.ForSupplier(r.Context(), actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m.Processing = s.supplierProcessingRows(processing)
	s.render(w, r, status, pages.SupplierPageView(s.page(r, formTitle(v.Supplier.Name, errs), "/leverantorer"), m))
}

func supplierSystemRows(list []postgres.SupplierSystem) []pages.SupplierSystemRow {
	var out []pages.SupplierSystemRow
	for _, sys := range list {
		out = append(out, pages.SupplierSystemRow{Href: systemHref(sys.ID), Name: sys.Name, Lifecycle: portal.LabelOf(portal.Lifecycles, sys.Lifecycle),
			PersonalData: portal.LabelOf(portal.PersonalData, sys.PersonalData), Owner: orDash(sys.Owner), Administrator: orDash(sys.Administrator),
			AdminEmail: sys.AdministratorEmail, Contracts: sys.Contracts})
	}
	return out
}

// printSupplier is the supplier page as an incident answer on paper (the
// print style of the case's print copy): every system the supplier
// delivers with its owning department and administrator, the contracts
// and the supplier's contacts. Everyone signed in reads it, as the page.
func (s *Server) printSupplier(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	v, err := s.suppliers.Get(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.SupplierPrint{Name: v.Supplier.Name, OrgNumber: v.Supplier.OrgNumber, Printed: takenAt(),
		Systems: supplierSystemRows(v.Systems), Contracts: contractListRows(v.Contracts, s.today())}
	processing, err := s.processing.ForSupplier(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m.Processing = s.supplierProcessingRows(processing)
	for _, ct := range v.Contacts {
		m.Contacts = append(m.Contacts, pages.ContactRow{Role: ct.Role, Name: ct.Name, Email: ct.Email, Phone: ct.Phone})
	}
	s.render(w, r, http.StatusOK, pages.SupplierPrintPage(s.page(r, v.Supplier.Name+": underlag vid incident", "/leverantorer"), m))
}

// exportSupplierSystems downloads every system the supplier delivers (CSV
// or XLSX), with the owning department, the personal data level, the
// administrator and their address: whom to tell when the supplier is hit.
func (s *Server) exportSupplierSystems(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r)
		if !ok {
			s.notFound(w, r)
			return
		}
		v, err := s.suppliers.Get(r.Context(), actorFrom(r.Context()), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		t := sheet.Table{Sheet: "System",
			Title: "System som " + v.Supplier.Name + " (" + v.Supplier.OrgNumber + ") levererar till Lilla Edets kommun, uttaget " + takenAt() + ".",
			Header: []string{"System", "Livscykel", "Personuppgifter", "Systemägare (förvaltning)", "Systemförvaltare", "Systemförvaltarens e-post", "Avtal",
				"Personuppgiftsbiträdesavtal", "Kategorier av personuppgifter", "Känsliga uppgifter", "Underbiträden"}}
		list, err := s.processing.ForSupplier(r.Context(), actorFrom(r.Context()), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		processing, _ := s.registerRows(list)
		pub := map[int64]registerRow{}
		for i, p := range processing {
			pub[list[i].Record.SystemID] = p
		}
		pubCells := func(id int64) []sheet.Cell {
			p, ok := pub[id]
			if !ok {
				return []sheet.Cell{sheet.Text("–"), sheet.Text(""), sheet.Text(""), sheet.Text("")}
			}
			delete(pub, id)
			return []sheet.Cell{sheet.Text(p.Agreement), sheet.Text(p.Data), sheet.Text(p.Sensitive), sheet.Text(p.SubProcessors)}
		}
		for _, sys := range v.Systems {
			t.Rows = append(t.Rows, append([]sheet.Cell{sheet.Text(sys.Name), sheet.Text(portal.LabelOf(portal.Lifecycles, sys.Lifecycle)),
				sheet.Text(portal.LabelOf(portal.PersonalData, sys.PersonalData)), sheet.Text(sys.Owner), sheet.Text(sys.Administrator),
				sheet.Text(sys.AdministratorEmail), sheet.Text(sys.Contracts)}, pubCells(sys.ID)...))
		}
		// Systems it processes personal data for without a contract covering them.
		for i, p := range processing {
			if _, ok := pub[list[i].Record.SystemID]; ok {
				t.Rows = append(t.Rows, append([]sheet.Cell{sheet.Text(p.System), sheet.Text(portal.LabelOf(portal.Lifecycles, list[i].Lifecycle)),
					sheet.Text(""), sheet.Text(p.Department), sheet.Text(""), sheet.Text(""), sheet.Text("–")}, pubCells(list[i].Record.SystemID)...))
			}
		}
		s.sendTable(w, r, format, "leverantor-"+v.Supplier.OrgNumber+"-system-"+time.Now().In(stockholm).Format("2006-01-02"), t)
	}
}

func (s *Server) today() time.Time {
	if s.now != nil {
		return portal.DateOf(s.now())
	}
	return portal.Today()
}

func (s *Server) addContact(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	c := portal.ContactFields{Role: r.PostForm.Get("contact_role"), Name: r.PostForm.Get("contact_name"),
		Email: r.PostForm.Get("contact_email"), Phone: r.PostForm.Get("contact_phone")}
	err := s.suppliers.AddContact(r.Context(), actorFrom(r.Context()), id, c, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderSupplier(w, r, http.StatusUnprocessableEntity, id, c, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Kontakten är tillagd.")
	http.Redirect(w, r, supplierHref(id)+"#kontakter", http.StatusSeeOther)
}

func (s *Server) removeContact(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	cid, ok2 := pathParamID(r, "cid")
	if !ok || !ok2 {
		s.notFound(w, r)
		return
	}
	if err := s.suppliers.RemoveContact(r.Context(), actorFrom(r.Context()), id, cid, requestIDFrom(r.Context())); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Kontakten är borttagen.")
	http.Redirect(w, r, supplierHref(id)+"#kontakter", http.StatusSeeOther)
}

// contractListRows shows contracts with their dates; a deadline within 30
// days stands out.
func contractListRows(list []postgres.ContractRow, today time.Time) []pages.ContractListRow {
	out := make([]pages.ContractListRow, 0, len(list))
	for _, c := range list {
		row := pages.ContractListRow{Href: contractHref(c.ID), Name: c.Name, Supplier: c.SupplierName, SupplierHref: supplierHref(c.SupplierID),
			Department: c.Department, TermEnd: dateText(c.Dates.TermEnd), NoticeBy: "–", Status: contractStatus(c.Terms, c.Dates)}
		if !c.Dates.NoticeBy.IsZero() {
			row.NoticeBy, row.Deadline = dateText(c.Dates.NoticeBy), c.Dates.Deadline.Label()
			row.Soon = !c.Dates.NoticeBy.After(today.AddDate(0, 0, 30))
		}
		out = append(out, row)
	}
	return out
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.Format(dateLayout)
}

func contractStatus(t portal.ContractTerms, d portal.ContractDates) string {
	switch {
	case d.Ended:
		return "Upphört"
	case !t.EndsOn.IsZero() && d.Active:
		return "Uppsagt, gäller till " + dateText(t.EndsOn)
	case !t.EndsOn.IsZero():
		return "Uppsagt, har inte börjat gälla"
	case !d.Active:
		return "Har inte börjat gälla"
	case t.RenewalMonths > 0:
		return "Gäller, förlängs automatiskt med " + monthsText(t.RenewalMonths)
	}
	return "Gäller"
}

func monthsText(n int) string {
	if n == 1 {
		return "1 månad"
	}
	return strconv.Itoa(n) + " månader"
}

func (s *Server) listContracts(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r.Context())
	q := newListQuery(r.URL.Query())
	f := postgres.ContractFilter{Query: q.text("q", 200)}
	within := q.yes("uppsagning_inom_180")
	if within {
		f.NoticeWithin = noticeWithinDays
	}
	list, err := s.contracts.List(r.Context(), actor, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.ContractList{
		Query:     components.Field{Name: "q", Label: "Sök avtal", Hint: "Avtalets namn, diarienummer, referens eller leverantör", Type: "search", Value: f.Query, Error: q.problems["q"]},
		Within:    components.Field{Name: "uppsagning_inom_180", Label: "Bara avtal med sista dag för uppsägning inom 180 dagar", Checked: within, Error: q.problems["uppsagning_inom_180"]},
		Errors:    q.errorItems("q", "uppsagning_inom_180"),
		Rows:      contractListRows(list, s.today()),
		CanCreate: portal.CanManageSuppliers(actor),
		Summary:   strconv.Itoa(len(list)) + " avtal",
	}
	if len(list) == 0 {
		m.Summary = "Inga avtal matchar."
	}
	s.render(w, r, listStatus(q), pages.ContractListPage(s.page(r, formTitle("Avtal", q.problems), "/avtal"), m))
}

var contractOrder = []string{"name", "supplier_id", "our_reference", "supplier_reference", "procurement", "direct_award_reason", "parent_id",
	"start", "initial_months", "notice_months", "renewal_months", "option_count", "option_months", "options_used",
	"department_id", "responsible_email", "terminated_by", "terminated_on", "ends_on", "notes"}

func contractInputFromForm(r *http.Request) portal.ContractInput {
	v := r.PostForm
	return portal.ContractInput{
		Name: v.Get("name"), SupplierID: v.Get("supplier_id"), OurReference: v.Get("our_reference"), SupplierReference: v.Get("supplier_reference"),
		Procurement: v.Get("procurement"), DirectAwardReason: v.Get("direct_award_reason"), ParentID: v.Get("parent_id"),
		Start: v.Get("start"), InitialMonths: v.Get("initial_months"), NoticeMonths: v.Get("notice_months"),
		OptionCount: v.Get("option_count"), OptionMonths: v.Get("option_months"), OptionsUsed: v.Get("options_used"), RenewalMonths: v.Get("renewal_months"),
		TerminatedBy: v.Get("terminated_by"), TerminatedOn: v.Get("terminated_on"), EndsOn: v.Get("ends_on"),
		DepartmentID: v.Get("department_id"), ResponsibleEmail: v.Get("responsible_email"), Notes: v.Get("notes"),
	}
}

func contractInputOf(c postgres.Contract) portal.ContractInput {
	n := func(v int) string { return strconv.Itoa(v) }
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(dateLayout)
	}
	in := portal.ContractInput{
		Name: c.Name, SupplierID: strconv.FormatInt(c.SupplierID, 10), OurReference: c.OurReference, SupplierReference: c.SupplierReference,
		Procurement: c.Procurement, DirectAwardReason: c.DirectAwardReason, Start: date(c.Terms.Start), InitialMonths: n(c.Terms.InitialMonths),
		NoticeMonths: n(c.Terms.NoticeMonths), OptionCount: n(c.Terms.OptionCount), OptionMonths: n(c.Terms.OptionMonths),
		OptionsUsed: n(c.Terms.OptionsUsed), RenewalMonths: n(c.Terms.RenewalMonths), TerminatedBy: c.TerminatedBy,
		TerminatedOn: date(c.TerminatedOn), EndsOn: date(c.Terms.EndsOn), DepartmentID: strconv.FormatInt(c.DepartmentID, 10),
		ResponsibleEmail: c.ResponsibleEmail, Notes: c.Notes,
	}
	if c.ParentID != 0 {
		in.ParentID = strconv.FormatInt(c.ParentID, 10)
	}
	return in
}

func (s *Server) newContractForm(w http.ResponseWriter, r *http.Request) {
	in := portal.ContractInput{Procurement: portal.ProcurementLOU, NoticeMonths: "3", OptionCount: "0", OptionMonths: "0", OptionsUsed: "0", RenewalMonths: "0",
		SupplierID: r.URL.Query().Get("leverantor")}
	if a := actorFrom(r.Context()); a != nil {
		in.ResponsibleEmail = a.Email
		if a.DepartmentID != 0 {
			in.DepartmentID = strconv.FormatInt(a.DepartmentID, 10)
		}
	}
	s.renderContractForm(w, r, http.StatusOK, 0, in, nil)
}

func (s *Server) renderContractForm(w http.ResponseWriter, r *http.Request, status int, id int64, in portal.ContractInput, errs map[string]string) {
	ctx, actor := r.Context(), actorFrom(r.Context())
	suppliers, err := s.suppliers.Options(ctx, actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	deps, err := s.departments.ListActive(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	frameworks, err := s.contracts.Frameworks(ctx, actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	supOpts := []components.Option{{Value: "", Label: "Välj leverantör"}}
	for _, sp := range suppliers {
		supOpts = append(supOpts, components.Option{Value: strconv.FormatInt(sp.ID, 10), Label: sp.Name + " (" + sp.OrgNumber + ")"})
	}
	depOpts := []components.Option{{Value: "", Label: "Välj förvaltning"}}
	for _, d := range deps {
		depOpts = append(depOpts, components.Option{Value: strconv.FormatInt(d.ID, 10), Label: d.Name})
	}
	fwOpts := []components.Option{{Value: "", Label: "Inget ramavtal i registret"}}
	sort.SliceStable(frameworks, func(i, j int) bool { return frameworks[i].Name < frameworks[j].Name })
	for _, fw := range frameworks {
		if fw.ID != id {
			fwOpts = append(fwOpts, components.Option{Value: strconv.FormatInt(fw.ID, 10), Label: fw.Name + " (" + fw.SupplierName + ")"})
		}
	}
	field := func(name, label, hint, value string) components.Field {
		return components.Field{Name: name, Label: label, Hint: hint, Value: value, Error: errs[name]}
	}
	withOptions := func(f components.Field, opts []components.Option) components.Field { f.Options = opts; return f }
	withType := func(f components.Field, t string) components.Field { f.Type = t; return f }
	withRows := func(f components.Field, n int) components.Field { f.Rows = n; return f }
	m := pages.PlainForm{Heading: "Nytt avtal", Action: "/avtal/nytt", Submit: "Spara avtalet", CancelHref: "/avtal",
		Intro:  "Datumen för uppsägning räknas fram ur avtalstiden: en period som börjar den 31:a och saknar dagen i slutmånaden slutar månadens sista dag.",
		Errors: errorItems(errs, contractOrder),
		Groups: []pages.FieldGroup{
			{Legend: "Avtalet", Fields: []components.Field{
				field("name", "Avtalets namn", "Till exempel Verksamhetssystem för socialtjänsten", in.Name),
				withOptions(field("supplier_id", "Leverantör", "", in.SupplierID), supOpts),
				field("our_reference", "Vårt diarienummer eller referens", "", in.OurReference),
				field("supplier_reference", "Leverantörens referens", "", in.SupplierReference),
			}},
			{Legend: "Upphandling", Fields: []components.Field{
				withOptions(field("procurement", "Upphandlingsform", "", in.Procurement), choiceOptions("", portal.Procurements)),
				withRows(field("direct_award_reason", "Skäl till direktupphandling", "Bara för en direktupphandling", in.DirectAwardReason), 3),
				withOptions(field("parent_id", "Ramavtal", "Bara för ett avrop: ramavtalet som avropet görs från", in.ParentID), fwOpts),
			}},
			{Legend: "Avtalstid", Fields: []components.Field{
				withType(field("start", "Startdatum", "ÅÅÅÅ-MM-DD", in.Start), "date"),
				field("initial_months", "Avtalsperiod (månader)", "Den första avtalsperiodens längd, till exempel 36", in.InitialMonths),
				field("notice_months", "Uppsägningstid (månader)", "Hur långt före periodens slut avtalet måste sägas upp", in.NoticeMonths),
				field("renewal_months", "Förlängs automatiskt med (månader)", "Om ingen part säger upp; 0 om avtalet inte förlängs automatiskt", in.RenewalMonths),
				field("option_count", "Antal förlängningsoptioner", "0 om avtalet saknar optioner", in.OptionCount),
				field("option_months", "Optionens längd (månader)", "0 om avtalet saknar optioner", in.OptionMonths),
				field("options_used", "Utnyttjade optioner", "", in.OptionsUsed),
			}},
			{Legend: "Ansvar", Fields: []components.Field{
				withOptions(field("department_id", "Ansvarig förvaltning", "", in.DepartmentID), depOpts),
				withType(field("responsible_email", "Avtalsansvarig (e-post)", "Den person i portalen som ansvarar för avtalet", in.ResponsibleEmail), "email"),
			}},
			{Legend: "Uppsägning (fyll i när avtalet har sagts upp)", Fields: []components.Field{
				withOptions(field("terminated_by", "Uppsagt av", "", in.TerminatedBy), choiceOptions("Inte uppsagt", portal.Terminators)),
				withType(field("terminated_on", "Uppsagt den", "ÅÅÅÅ-MM-DD", in.TerminatedOn), "date"),
				withType(field("ends_on", "Avtalet upphör efter", "Sista dagen avtalet gäller, ÅÅÅÅ-MM-DD", in.EndsOn), "date"),
			}},
			{Fields: []components.Field{withRows(field("notes", "Anteckningar", "", in.Notes), 4)}},
		}}
	if id != 0 {
		m.Heading, m.Action, m.Submit, m.CancelHref, m.Intro = "Ändra avtal", contractHref(id)+"/redigera", "Spara ändringarna", contractHref(id), ""
	}
	s.render(w, r, status, pages.PlainFormPage(s.page(r, formTitle(m.Heading, errs), "/avtal"), m))
}

// saveContract parses and saves the form; a refused form is shown again
// as it was typed.
func (s *Server) saveContract(w http.ResponseWriter, r *http.Request, id int64) {
	in := contractInputFromForm(r)
	f, errs := in.Parse()
	if len(errs) > 0 {
		s.renderContractForm(w, r, http.StatusUnprocessableEntity, id, in, errs)
		return
	}
	saved, err := s.contracts.Save(r.Context(), actorFrom(r.Context()), id, f, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderContractForm(w, r, http.StatusUnprocessableEntity, id, in, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Avtalet är sparat.")
	http.Redirect(w, r, contractHref(saved), http.StatusSeeOther)
}

func (s *Server) createContract(w http.ResponseWriter, r *http.Request) { s.saveContract(w, r, 0) }

func (s *Server) editContractForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	c, err := s.contracts.GetForEdit(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderContractForm(w, r, http.StatusOK, id, contractInputOf(c), nil)
}

func (s *Server) updateContract(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.saveContract(w, r, id)
}

func (s *Server) showContract(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderContract(w, r, http.StatusOK, id, "", nil)
}

func (s *Server) renderContract(w http.ResponseWriter, r *http.Request, status int, id int64, system string, errs map[string]string) {
	actor := actorFrom(r.Context())
	v, err := s.contracts.Get(r.Context(), actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, d := v.Contract, v.Dates
	manage := portal.CanManageSuppliers(actor)
	m := pages.ContractPage{Name: c.Name, Audit: contractAudit(v.Audit), CallOffs: contractListRows(v.CallOffs, s.today())}
	noticeBy := "Ingen: avtalet förlängs inte automatiskt och har inga optioner kvar"
	switch {
	case !d.NoticeBy.IsZero():
		noticeBy = dateText(d.NoticeBy) + " (" + strings.ToLower(d.Deadline.Label()[:1]) + d.Deadline.Label()[1:] + ")"
	case !c.Terms.EndsOn.IsZero():
		noticeBy = "Ingen: avtalet är uppsagt"
	case d.Ended:
		noticeBy = "Ingen: avtalet har upphört"
	}
	m.Dates = []pages.FactRow{
		{Label: "Status", Value: contractStatus(c.Terms, d)},
		{Label: "Nästa sista dag för uppsägning", Value: noticeBy},
		{Label: "Avtalsperioden slutar", Value: dateText(d.TermEnd)},
		{Label: "Startdatum", Value: dateText(c.Terms.Start)},
		{Label: "Avtalsperiod", Value: monthsText(c.Terms.InitialMonths)},
		{Label: "Uppsägningstid", Value: monthsText(c.Terms.NoticeMonths)},
		{Label: "Förlängs automatiskt", Value: map[bool]string{true: "Med " + monthsText(c.Terms.RenewalMonths) + " om ingen part säger upp", false: "Nej"}[c.Terms.RenewalMonths > 0]},
		{Label: "Förlängningsoptioner", Value: optionsText(c.Terms)},
	}
	if !c.Terms.EndsOn.IsZero() {
		m.Dates = append(m.Dates, pages.FactRow{Label: "Uppsagt", Value: "Av " + strings.ToLower(portal.LabelOf(portal.Terminators, c.TerminatedBy)) +
			" den " + dateText(c.TerminatedOn) + "; gäller till och med " + dateText(c.Terms.EndsOn)})
	}
	m.Facts = []pages.FactRow{
		{Label: "Leverantör", Value: c.SupplierName, Href: supplierHref(c.SupplierID)},
		{Label: "Vårt diarienummer eller referens", Value: orDash(c.OurReference)},
		{Label: "Leverantörens referens", Value: orDash(c.SupplierReference)},
		{Label: "Upphandlingsform", Value: portal.LabelOf(portal.Procurements, c.Procurement)},
	}
	if c.DirectAwardReason != "" {
		m.Facts = append(m.Facts, pages.FactRow{Label: "Skäl till direktupphandling", Value: c.DirectAwardReason})
	}
	if c.ParentID != 0 {
		m.Facts = append(m.Facts, pages.FactRow{Label: "Ramavtal", Value: c.ParentName, Href: contractHref(c.ParentID)})
	}
	m.Facts = append(m.Facts, pages.FactRow{Label: "Ansvarig förvaltning", Value: c.DepartmentName},
		pages.FactRow{Label: "Avtalsansvarig", Value: c.ResponsibleName + " (" + c.ResponsibleEmail + ")"},
		pages.FactRow{Label: "Anteckningar", Value: orDash(c.Notes)})
	if manage {
		m.EditHref = contractHref(id) + "/redigera"
		m.SystemForm = &pages.InlineForm{Heading: "Lägg till system", Action: contractHref(id) + "/system", Submit: "Lägg till systemet",
			Errors: errorItems(errs, []string{"system"}),
			Fields: []components.Field{{Name: "system", Label: "Systemets namn", Hint: "Som det står i registret", Value: system, Error: errs["system"]}}}
	}
	for _, sys := range v.Systems {
		row := pages.ContractSystemRow{Href: systemHref(sys.ID), Name: sys.Name, Lifecycle: portal.LabelOf(portal.Lifecycles, sys.Lifecycle), Owner: orDash(sys.Owner)}
		if manage {
			row.RemoveAction = contractHref(id) + "/system/" + strconv.FormatInt(sys.ID, 10) + "/ta-bort"
			row.RemoveLabel = "Ta bort systemet " + sys.Name + " från avtalet"
		}
		m.Systems = append(m.Systems, row)
	}
	if m.Licences, err = s.licenceSection(r, postgres.LicenceFilter{ContractID: id}, "/licenser/ny?avtal="+strconv.FormatInt(id, 10)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, pages.ContractPageView(s.page(r, formTitle(c.Name, errs), "/avtal"), m))
}

func optionsText(t portal.ContractTerms) string {
	if t.OptionCount == 0 {
		return "Inga"
	}
	return strconv.Itoa(t.OptionCount) + " à " + monthsText(t.OptionMonths) + ", varav " + strconv.Itoa(t.OptionsUsed) + " utnyttjade"
}

func (s *Server) addContractSystem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	name := r.PostForm.Get("system")
	err := s.contracts.AddSystem(r.Context(), actorFrom(r.Context()), id, name, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderContract(w, r, http.StatusUnprocessableEntity, id, name, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Systemet är tillagt.")
	http.Redirect(w, r, contractHref(id)+"#system", http.StatusSeeOther)
}

func (s *Server) removeContractSystem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	sid, ok2 := pathParamID(r, "sid")
	if !ok || !ok2 {
		s.notFound(w, r)
		return
	}
	if err := s.contracts.RemoveSystem(r.Context(), actorFrom(r.Context()), id, sid, requestIDFrom(r.Context())); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Systemet är borttaget från avtalet.")
	http.Redirect(w, r, contractHref(id)+"#system", http.StatusSeeOther)
}

// supplierAudit and contractAudit describe the history in Swedish, newest first.
func supplierAudit(audit []postgres.AuditRow) []pages.HistoryEntry {
	return describedAudit(audit, map[string]string{"supplier.created": "Leverantören registrerades", "supplier.updated": "Uppgifter ändrade",
		"supplier.contact_added": "Kontakt tillagd", "supplier.contact_removed": "Kontakt borttagen"},
		map[string]string{"name": "namn", "org_number": "organisationsnummer", "notes": "anteckningar", "contact": "kontakt"})
}

func contractAudit(audit []postgres.AuditRow) []pages.HistoryEntry {
	return describedAudit(audit, map[string]string{"contract.created": "Avtalet registrerades", "contract.updated": "Uppgifter ändrade",
		"contract.system_added": "System tillagt", "contract.system_removed": "System borttaget"},
		map[string]string{"name": "namn", "supplier": "leverantör", "our_reference": "vår referens", "supplier_reference": "leverantörens referens",
			"procurement": "upphandlingsform", "direct_award_reason": "skäl till direktupphandling", "parent": "ramavtal", "start": "startdatum",
			"initial_months": "avtalsperiod", "notice_months": "uppsägningstid", "option_count": "antal optioner", "option_months": "optionens längd",
			"options_used": "utnyttjade optioner", "renewal_months": "automatisk förlängning", "terminated_by": "uppsagt av",
			"terminated_on": "uppsagt den", "ends_on": "upphör efter", "department": "ansvarig förvaltning", "responsible": "avtalsansvarig",
			"notes": "anteckningar", "system": "system"})
}

func describedAudit(audit []postgres.AuditRow, actions, fields map[string]string) []pages.HistoryEntry {
	out := make([]pages.HistoryEntry, 0, len(audit))
	for i := len(audit) - 1; i >= 0; i-- {
		a := audit[i]
		who := "Systemet"
		if a.ActorName != nil {
			who = *a.ActorName
		}
		var parts []string
		for k, v := range a.Changes {
			label, ok := fields[k]
			if !ok {
				continue
			}
			ch, _ := v.(map[string]any)
			before, after := auditValue(ch["before"]), auditValue(ch["after"])
			switch {
			case a.Action == "supplier.created" || a.Action == "contract.created":
				continue
			case before == "":
				parts = append(parts, label+": "+after)
			case after == "":
				parts = append(parts, label+": "+before)
			default:
				parts = append(parts, label+" från "+before+" till "+after)
			}
		}
		sort.Strings(parts)
		text := actions[a.Action]
		if text == "" {
			text = a.Action
		}
		if len(parts) > 0 {
			text += ": " + strings.Join(parts, "; ")
		}
		out = append(out, pages.HistoryEntry{At: formatTime(&a.At), Actor: who, Action: text})
	}
	return out
}

func auditValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if x == "" {
			return ""
		}
		return quote(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}
