package server

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

// attachmentUploadLimit is an attachment and its multipart envelope.
const attachmentUploadLimit = portal.MaxAttachment + 64<<10

func requestHref(id int64) string { return "/arenden/" + strconv.FormatInt(id, 10) }

// listRequests shows my cases, all submitted cases, or (IT-enheten) the
// work queue, with filters carried in the URL.
func (s *Server) listRequests(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	q := r.URL.Query()
	f := postgres.RequestFilter{View: q.Get("vy"), State: q.Get("status"), Kind: q.Get("typ")}
	f.DepartmentID, _ = strconv.ParseInt(q.Get("forvaltning"), 10, 64)
	f.OlderThan, _ = strconv.Atoi(q.Get("alder"))
	f.Page, _ = strconv.Atoi(q.Get("sida"))
	page, err := s.requests.List(ctx, actor, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Normalise(actor)
	deps, err := s.departments.ListActive(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.RequestList{View: f.View, Total: page.Total, WaitingForMe: page.WaitingForMe, IsPreparer: portal.IsPreparer(actor)}
	base := url.Values{}
	base.Set("vy", f.View)
	if f.State != "" {
		base.Set("status", f.State)
	}
	if f.Kind != "" {
		base.Set("typ", f.Kind)
	}
	if f.DepartmentID != 0 {
		base.Set("forvaltning", strconv.FormatInt(f.DepartmentID, 10))
	}
	if f.OlderThan != 0 {
		base.Set("alder", strconv.Itoa(f.OlderThan))
	}
	for _, v := range []struct{ key, label string }{{postgres.ViewMine, "Mina ärenden"}, {postgres.ViewAll, "Alla ärenden"}, {postgres.ViewQueue, "Arbetskö"}} {
		if v.key == postgres.ViewQueue && !m.IsPreparer {
			continue
		}
		m.Tabs = append(m.Tabs, pages.Tab{Label: v.label, Href: "/arenden?vy=" + v.key, Current: v.key == f.View})
	}
	var states []portal.Choice
	for _, st := range portal.RequestStates {
		if st == portal.StateDraft && f.View != postgres.ViewMine {
			continue
		}
		states = append(states, portal.Choice{Value: string(st), Label: st.Label()})
	}
	var kinds []portal.Choice
	for _, k := range portal.RequestKinds {
		kinds = append(kinds, portal.Choice{Value: string(k), Label: k.Label()})
	}
	var depChoices []portal.Choice
	for _, d := range deps {
		depChoices = append(depChoices, portal.Choice{Value: strconv.FormatInt(d.ID, 10), Label: d.Name})
	}
	m.Filters = []components.Field{
		{Name: "status", Label: "Status", Value: f.State, Options: choiceOptions("Alla", states)},
		{Name: "typ", Label: "Typ av ärende", Value: f.Kind, Options: choiceOptions("Alla", kinds)},
		{Name: "forvaltning", Label: "Förvaltning", Value: idString(f.DepartmentID), Options: choiceOptions("Alla", depChoices)},
		{Name: "alder", Label: "Ålder", Value: idString(int64(f.OlderThan)), Options: choiceOptions("Alla", postgres.AgeChoices)},
	}
	m.Rows = make([]pages.RequestListRow, 0, len(page.Rows))
	for _, row := range page.Rows {
		m.Rows = append(m.Rows, pages.RequestListRow{
			Href: requestHref(row.ID), Number: row.Number, Title: row.Title, Kind: row.Kind.Label(), State: row.State.Label(),
			Department: row.Department, Author: row.AuthorName, Submitted: dateOrEmpty(row.SubmittedAt), Age: ageText(row.SubmittedAt),
		})
	}
	pageHref := func(n int) string {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		v.Set("sida", strconv.Itoa(n))
		return "/arenden?" + v.Encode()
	}
	if f.Page > 1 {
		m.Prev = pageHref(f.Page - 1)
	}
	if f.Page*page.PerPage < page.Total {
		m.Next = pageHref(f.Page + 1)
	}
	m.Page = f.Page
	s.render(w, r, http.StatusOK, pages.RequestListPage(s.page(r, "Ärenden", "/arenden"), m))
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func dateOrEmpty(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(portal.Stockholm).Format(dateLayout)
}

// ageText is how many calendar days (in Stockholm) ago a case was
// submitted: "i dag" for today, so an age shown stays right all day.
func ageText(t *time.Time) string {
	if t == nil {
		return ""
	}
	days := int(portal.Today().Sub(portal.DateOf(*t)).Hours() / 24)
	switch days {
	case 0:
		return "i dag"
	case 1:
		return "1 dag"
	}
	return strconv.Itoa(days) + " dagar"
}

// newRequestForm asks for the kind, then shows its form.
func (s *Server) newRequestForm(w http.ResponseWriter, r *http.Request) {
	kind := portal.RequestKind(r.URL.Query().Get("typ"))
	if !kind.Valid() {
		errMsg := ""
		status := http.StatusOK
		if r.URL.Query().Has("typ") {
			errMsg, status = "Välj vilken sorts ärende det gäller.", http.StatusUnprocessableEntity
		}
		m := pages.RequestKindChoice{Error: errMsg}
		for _, k := range portal.RequestKinds {
			m.Kinds = append(m.Kinds, pages.KindOption{Value: string(k), Label: k.Label(), Hint: k.Hint()})
		}
		s.render(w, r, status, pages.RequestKindPage(s.page(r, formTitle("Nytt ärende", map[string]string{"typ": errMsg}), "/arenden"), m))
		return
	}
	actor := actorFrom(r.Context())
	f := portal.RequestFields{DepartmentID: actor.DepartmentID, Contact: actor.Name, SystemName: r.URL.Query().Get("system")}
	if id, err := strconv.ParseInt(r.URL.Query().Get("system_id"), 10, 64); err == nil && id > 0 {
		if sys, err := s.systems.Get(r.Context(), actor, id); err == nil {
			f.SystemName = sys.Facts.Name
			f.Details.FromVersion = sys.Facts.Version
		}
	}
	s.renderRequestForm(w, r, http.StatusOK, 0, kind, 0, f, nil, "")
}

func (s *Server) renderRequestForm(w http.ResponseWriter, r *http.Request, status int, id int64, kind portal.RequestKind, version int, f portal.RequestFields, errs map[string]string, notice string) {
	deps, err := s.departments.ListActive(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sections := requestFormSections(kind, f, errs, deps)
	order := []string{}
	for _, sec := range sections {
		for _, ff := range sec.Fields {
			order = append(order, ff.Name)
		}
	}
	m := pages.RequestForm{
		Heading: kind.Label(), Hint: kind.Hint(), Kind: string(kind), Sections: sections, Errors: errorItems(errs, order),
		RowVersion: strconv.Itoa(version), Notice: notice,
	}
	if id == 0 {
		m.Action, m.CancelHref = "/arenden/nytt?typ="+url.QueryEscape(string(kind)), "/arenden"
	} else {
		m.Action, m.CancelHref = requestHref(id)+"/redigera", requestHref(id)
	}
	title := "Nytt ärende: " + kind.Label()
	if id != 0 {
		title = "Ändra utkast: " + kind.Label()
	}
	s.render(w, r, status, pages.RequestFormPage(s.page(r, formTitle(title, errs), "/arenden"), m))
}

// requestFormSections builds the form of a kind in sections.
func requestFormSections(kind portal.RequestKind, f portal.RequestFields, errs map[string]string, deps []portal.Department) []pages.FormSection {
	d := f.Details
	field := func(k, name, label, hint, value string) pages.FormField {
		return pages.FormField{Kind: k, Field: components.Field{Name: name, Label: label, Hint: hint, Value: value, Error: errs[name]}}
	}
	area := func(name, label, hint, value string) pages.FormField {
		return field("textarea", name, label, hint, value)
	}
	text := func(name, label, hint, value string) pages.FormField { return field("text", name, label, hint, value) }
	sel := func(name, label, value string, choices []portal.Choice, none string) pages.FormField {
		ff := field("select", name, label, "", value)
		ff.Options = choiceOptions(none, choices)
		return ff
	}
	date := func(name, label, hint string, v *time.Time) pages.FormField {
		ff := text(name, label, hint, dateOrEmpty(v))
		if v != nil {
			ff.Value = v.Format(dateLayout)
		}
		ff.Type = "date"
		return ff
	}
	money := func(name, label string, v int64) pages.FormField {
		ff := text(name, label, "Hela kronor", "")
		if v != 0 {
			ff.Value = strconv.FormatInt(v, 10)
		}
		return ff
	}
	var depChoices []portal.Choice
	for _, dep := range deps {
		depChoices = append(depChoices, portal.Choice{Value: strconv.FormatInt(dep.ID, 10), Label: dep.Name})
	}
	common := pages.FormSection{Legend: "Om ärendet", Fields: []pages.FormField{
		text("title", "Rubrik", "En kort rubrik, till exempel ”Nytt system för färdtjänst”", f.Title),
		sel("department", "Förvaltning", idString(f.DepartmentID), depChoices, "Välj förvaltning"),
		text("contact", "Kontaktperson", "Namn och telefon eller e-post", f.Contact),
	}}
	if kind.NeedsSystem() {
		common.Fields = append(common.Fields, text("system_name", "System", "Systemets namn som det står i registret", f.SystemName))
	} else if kind == portal.KindOpenSource || kind == portal.KindSelfDeveloped {
		common.Fields = append(common.Fields, text("system_name", "System i registret (om det finns)", "Lämna tomt om programvaran inte finns i registret", f.SystemName))
	}
	common.Fields = append(common.Fields,
		area("description", "Beskrivning", "Vad ärendet gäller", f.Description),
		date("desired_date", "Önskat datum", "Till exempel 2027-01-15", f.DesiredDate))
	sections := []pages.FormSection{common}
	years := ""
	if d.Years != 0 {
		years = strconv.Itoa(d.Years)
	}
	criteria := pages.FormSection{Legend: "Bedömning enligt riktlinjerna (4.2.1)", Fields: []pages.FormField{
		area("goal_alignment", "Överensstämmelse med kommunens övergripande mål", "", d.GoalAlignment),
		area("platform_compatibility", "Kompatibilitet med kommunens IT-plattform", "", d.PlatformCompatibility),
		money("one_off_cost", "Engångskostnad", d.OneOffCost),
		money("yearly_cost", "Årlig kostnad", d.YearlyCost),
		text("years", "Antal år", "Hur många år systemet beräknas användas (1–50)", years),
	}}
	assessments := []pages.FormField{
		area("stability", "Stabilitet", "", d.Stability),
		area("security", "Säkerhet", "", d.Security),
		area("compatibility", "Kompatibilitet", "", d.Compatibility),
		area("future_proof", "Framtidssäkerhet", "", d.FutureProof),
	}
	switch kind {
	case portal.KindIntroduction:
		sections = append(sections, pages.FormSection{Legend: "Det nya systemet", Fields: []pages.FormField{
			area("need", "Behov", "Vilket behov systemet ska lösa", d.Need),
			text("new_system_name", "Systemets namn", "", d.NewSystemName),
			text("supplier", "Leverantör", "", d.Supplier),
			sel("hosting", "Driftform", d.Hosting, portal.Hostings, "Vet ej ännu"),
			sel("personal_data", "Personuppgifter", d.PersonalData, portal.PersonalData, "Välj"),
			text("administrator_name", "Föreslagen systemförvaltare", "Utses av systemägaren (4.3)", d.AdministratorName),
			field("text", "administrator_email", "Systemförvaltarens e-postadress", "", d.AdministratorEmail),
			area("training_needs", "Utbildningsbehov (5)", "", d.TrainingNeeds),
		}}, criteria)
	case portal.KindUpgrade:
		sections = append(sections, pages.FormSection{Legend: "Uppgraderingen", Fields: []pages.FormField{
			text("from_version", "Från version", "", d.FromVersion),
			text("to_version", "Till version", "", d.ToVersion),
			text("performed_by", "Vem genomför uppgraderingen", "Specialistsystem uppgraderas på systemägarens ansvar (4.2.1)", d.PerformedBy),
		}}, criteria)
	case portal.KindOpenSource:
		sections = append(sections, pages.FormSection{Legend: "Programvaran", Fields: []pages.FormField{
			text("software", "Programvara", "", d.Software),
			text("licence", "Licens", "Till exempel GPL-3.0 eller MIT", d.Licence),
			func() pages.FormField {
				ff := text("project_url", "Projektets webbadress", "", d.ProjectURL)
				ff.Type = "url"
				return ff
			}(),
		}}, pages.FormSection{Legend: "Bedömning (7)", Fields: assessments})
	case portal.KindSelfDeveloped:
		sections = append(sections, pages.FormSection{Legend: "Applikationen", Fields: []pages.FormField{
			text("software", "Applikation", "", d.Software),
			area("why_no_generic", "Varför räcker ingen generell programvara?", "", d.WhyNoGeneric),
			text("maintainer", "Vem ska förvalta applikationen?", "", d.Maintainer),
		}}, pages.FormSection{Legend: "Bedömning (7)", Fields: assessments})
	case portal.KindNetworkAccess:
		sections = append(sections, pages.FormSection{Legend: "Anslutningen (6, 10)", Fields: []pages.FormField{
			text("organisation", "Organisation", "Det kommunala bolaget eller samarbetsparten", d.Organisation),
			area("access_to", "Vad behöver organisationen åtkomst till?", "", d.AccessTo),
			text("access_period", "Hur länge?", "Till exempel ”till och med 2027-12-31”", d.AccessPeriod),
		}})
	case portal.KindOperationsChange:
		sections = append(sections, pages.FormSection{Legend: "Förändringen (4.4.1)", Fields: []pages.FormField{
			func() pages.FormField {
				ff := field("radios", "change_role", "Vad ändras?", "", d.ChangeRole)
				ff.Options = choiceOptions("", portal.ChangeRoles)[1:]
				return ff
			}(),
			text("new_operator", "Ny driftansvarig", "IT-enheten eller leverantörens namn (om driftansvaret ändras)", d.NewOperator),
			text("new_admin_name", "Ny systemförvaltare", "Om systemförvaltaren byts", d.NewAdminName),
			field("text", "new_admin_email", "Den nya systemförvaltarens e-postadress", "", d.NewAdminEmail),
			date("effective_date", "Gäller från", "Till exempel 2027-01-01", d.EffectiveDate),
		}})
	}
	if kind.NeedsFinancing() {
		sections = append(sections, pages.FormSection{Legend: "Finansiering (4.5)", Fields: []pages.FormField{
			text("financing_source", "Hur finansieras kostnaden?", "Till exempel ”Socialnämndens budget 2027”", f.FinancingSource),
			{Kind: "checkbox", Field: components.Field{Name: "financing_confirmed", Label: "Finansieringen är bekräftad",
				Hint: "Ett ärende kan inte beviljas förrän finansieringen är bekräftad", Checked: f.FinancingConfirmed, Error: errs["financing_confirmed"]}},
			text("financing_reference", "Beslut om finansiering", "Till exempel nämndbeslut eller diarienummer", f.FinancingReference),
		}})
	}
	return sections
}

// requestFieldsFromForm reads the form; numbers and dates that do not
// parse become field errors (and the text typed is kept).
func requestFieldsFromForm(r *http.Request) (portal.RequestFields, map[string]string) {
	v := r.PostForm
	errs := map[string]string{}
	f := portal.RequestFields{
		Title: v.Get("title"), Description: v.Get("description"), Contact: v.Get("contact"), SystemName: strings.TrimSpace(v.Get("system_name")),
		FinancingSource: v.Get("financing_source"), FinancingConfirmed: v.Get("financing_confirmed") == "ja", FinancingReference: v.Get("financing_reference"),
		Details: portal.RequestDetails{
			Need: v.Get("need"), GoalAlignment: v.Get("goal_alignment"), PlatformCompatibility: v.Get("platform_compatibility"),
			NewSystemName: v.Get("new_system_name"), Supplier: v.Get("supplier"), Hosting: v.Get("hosting"),
			AdministratorName: v.Get("administrator_name"), AdministratorEmail: strings.TrimSpace(v.Get("administrator_email")),
			PersonalData: v.Get("personal_data"), TrainingNeeds: v.Get("training_needs"),
			FromVersion: v.Get("from_version"), ToVersion: v.Get("to_version"), PerformedBy: v.Get("performed_by"),
			Software: v.Get("software"), Licence: v.Get("licence"), ProjectURL: strings.TrimSpace(v.Get("project_url")),
			Stability: v.Get("stability"), Security: v.Get("security"), Compatibility: v.Get("compatibility"), FutureProof: v.Get("future_proof"),
			WhyNoGeneric: v.Get("why_no_generic"), Maintainer: v.Get("maintainer"),
			Organisation: v.Get("organisation"), AccessTo: v.Get("access_to"), AccessPeriod: v.Get("access_period"),
			ChangeRole: v.Get("change_role"), NewOperator: v.Get("new_operator"), NewAdminName: v.Get("new_admin_name"),
			NewAdminEmail: strings.TrimSpace(v.Get("new_admin_email")),
		},
	}
	if raw := strings.TrimSpace(v.Get("department")); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			errs["department"] = "Välj förvaltning."
		}
		f.DepartmentID = id
	}
	parseDate := func(name string) *time.Time {
		raw := strings.TrimSpace(v.Get(name))
		if raw == "" {
			return nil
		}
		t, err := time.Parse(dateLayout, raw)
		if err != nil {
			errs[name] = "Ange ett datum som 2027-01-15."
			return nil
		}
		return &t
	}
	f.DesiredDate = parseDate("desired_date")
	f.Details.EffectiveDate = parseDate("effective_date")
	parseMoney := func(name string) int64 {
		raw := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\u00a0' || r == '\u202f' {
				return -1
			}
			return r
		}, v.Get(name))
		raw = strings.TrimSuffix(strings.TrimSuffix(raw, "kr"), ":-")
		if raw == "" {
			return 0
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 || n > portal.MaxCost {
			errs[name] = "Ange ett belopp i hela kronor mellan 0 och 1 000 000 000."
			return 0
		}
		return n
	}
	f.Details.OneOffCost = parseMoney("one_off_cost")
	f.Details.YearlyCost = parseMoney("yearly_cost")
	if raw := strings.TrimSpace(v.Get("years")); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 50 {
			errs["years"] = "Ange antal år mellan 1 och 50."
		} else {
			f.Details.Years = n
		}
	}
	return f, errs
}

// createRequest saves a new draft; "Fortsätt" goes on to the review.
func (s *Server) createRequest(w http.ResponseWriter, r *http.Request) {
	kind := portal.RequestKind(r.URL.Query().Get("typ"))
	s.saveRequest(w, r, 0, kind)
}

func (s *Server) editRequestForm(w http.ResponseWriter, r *http.Request) {
	v, ok := s.loadRequest(w, r)
	if !ok {
		return
	}
	if !v.CanEdit {
		http.Redirect(w, r, requestHref(v.ID), http.StatusSeeOther)
		return
	}
	s.renderRequestForm(w, r, http.StatusOK, v.ID, v.Kind, v.RowVersion, v.Fields, nil, "")
}

func (s *Server) updateRequest(w http.ResponseWriter, r *http.Request) {
	v, ok := s.loadRequest(w, r)
	if !ok {
		return
	}
	s.saveRequest(w, r, v.ID, v.Kind)
}

func (s *Server) saveRequest(w http.ResponseWriter, r *http.Request, id int64, kind portal.RequestKind) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	if !kind.Valid() {
		http.Redirect(w, r, "/arenden/nytt", http.StatusSeeOther)
		return
	}
	f, formErrs := requestFieldsFromForm(r)
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	if len(formErrs) > 0 {
		// Validate the rest too, so every problem shows at once.
		for k, msg := range f.Validate(kind, false) {
			if _, ok := formErrs[k]; !ok {
				formErrs[k] = msg
			}
		}
		s.renderRequestForm(w, r, http.StatusUnprocessableEntity, id, kind, version, f, formErrs, "")
		return
	}
	newID, err := s.requests.SaveDraft(ctx, actor, id, kind, version, f, requestIDFrom(ctx))
	if fe := fieldErrors(err); fe != nil {
		s.renderRequestForm(w, r, http.StatusUnprocessableEntity, id, kind, version, f, fe, "")
		return
	}
	if portal.KindOf(err) == portal.KindConflict && id != 0 {
		s.renderRequestForm(w, r, http.StatusConflict, id, kind, version, f, nil, portal.MessageOf(err))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.PostForm.Get("atgard") == "spara" {
		s.sessions.Flash(ctx, "Utkastet är sparat. Bara du kan se det tills du skickar in det.")
		http.Redirect(w, r, requestHref(newID), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, requestHref(newID)+"/skicka", http.StatusSeeOther)
}

// loadRequest reads the case in the URL as the actor may see it.
func (s *Server) loadRequest(w http.ResponseWriter, r *http.Request) (postgres.RequestView, bool) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return postgres.RequestView{}, false
	}
	v, err := s.requests.Get(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return v, false
	}
	return v, true
}

// reviewRequest shows "Kontrollera dina uppgifter" before submission.
func (s *Server) reviewRequest(w http.ResponseWriter, r *http.Request) {
	v, ok := s.loadRequest(w, r)
	if !ok {
		return
	}
	if !v.CanEdit {
		http.Redirect(w, r, requestHref(v.ID), http.StatusSeeOther)
		return
	}
	s.renderReview(w, r, http.StatusOK, v, nil)
}

func (s *Server) renderReview(w http.ResponseWriter, r *http.Request, status int, v postgres.RequestView, errs map[string]string) {
	m := pages.RequestReview{Action: requestHref(v.ID) + "/skicka", EditHref: requestHref(v.ID) + "/redigera", Facts: requestFacts(v.Request, true)}
	for _, k := range sortedKeys(errs) {
		m.Problems = append(m.Problems, errs[k])
	}
	s.render(w, r, status, pages.RequestReviewPage(s.page(r, formTitle("Kontrollera dina uppgifter", errs), "/arenden"), m))
}

func (s *Server) submitRequest(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	number, err := s.requests.Submit(ctx, actorFrom(ctx), id, requestIDFrom(ctx))
	if fe := fieldErrors(err); fe != nil {
		v, ok := s.loadRequest(w, r)
		if !ok {
			return
		}
		s.renderReview(w, r, http.StatusUnprocessableEntity, v, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(ctx, "Ärendet är inskickat och har fått nummer "+number+".")
	http.Redirect(w, r, requestHref(id), http.StatusSeeOther)
}

// showRequest is the case page: facts, timeline, and the boxes the actor
// may use.
func (s *Server) showRequest(w http.ResponseWriter, r *http.Request) {
	v, ok := s.loadRequest(w, r)
	if !ok {
		return
	}
	s.renderRequest(w, r, http.StatusOK, v, "", nil, url.Values{})
}

func (s *Server) renderRequest(w http.ResponseWriter, r *http.Request, status int, v postgres.RequestView, notice string, errs map[string]string, typed url.Values) {
	title := v.Fields.Title
	if v.Number != "" {
		title = v.Number + " " + title
	}
	m := pages.RequestDetail{
		ID: v.ID, Href: requestHref(v.ID), Number: v.Number, Title: v.Fields.Title, Kind: v.Kind.Label(), State: v.State.Label(),
		StateClass: "state-" + string(v.State), Facts: requestFacts(v.Request, false), Notice: notice,
		CanEdit: v.CanEdit, CanComment: v.CanComment, CanAttach: v.CanAttach, CanOpenFiles: v.CanOpenFiles,
		CanDecide: v.CanDecide, DecideRefusal: v.DecideRefusal, FinancingBlocks: v.FinancingBlocks,
		IsOperationsChange: v.Kind == portal.KindOperationsChange, AttachmentCount: v.AttachmentCount,
		CanSetDiarienummer: v.CanSetDiarienummer, Diarienummer: v.Diarienummer,
		Comment: components.Field{Name: "comment", Label: "Kommentar", Rows: 3, Error: errs["comment"], Value: typed.Get("comment")},
		Motivation: components.Field{Name: "motivation", Label: "Motivering", Hint: "Beslutet motiveras skriftligt och går inte att ändra", Rows: 4,
			Error: errs["motivation"], Value: typed.Get("motivation")},
		DiarienummerField: components.Field{Name: "diarienummer", Label: "Diarienummer", Hint: "När ärendet är registrerat i kommunens diarium",
			Value: v.Diarienummer, Error: errs["diarienummer"]},
		FileError: errs["file"],
	}
	if v.DecidedAt != nil {
		m.Decision = &pages.DecisionView{State: v.State.Label(), By: v.DecidedByName, At: v.DecidedAt.In(portal.Stockholm).Format("2006-01-02 15:04"), Motivation: v.Motivation}
	}
	if v.Fields.SystemID != 0 {
		m.SystemHref, m.SystemName = "/system/"+strconv.FormatInt(v.Fields.SystemID, 10), v.Fields.SystemName
	}
	for _, a := range v.Actions {
		m.Actions = append(m.Actions, actionButton(a))
	}
	for _, e := range v.Events {
		m.Timeline = append(m.Timeline, timelineEntry(e))
	}
	for _, a := range v.Attachments {
		m.Attachments = append(m.Attachments, pages.AttachmentRow{
			Href: requestHref(v.ID) + "/bilagor/" + strconv.FormatInt(a.ID, 10), Name: a.FileName, Size: sizeText(a.Size),
			By: a.UploadedBy, At: a.UploadedAt.In(portal.Stockholm).Format("2006-01-02 15:04"),
		})
	}
	order := []string{"comment", "motivation", "decision", "diarienummer", "file"}
	m.Errors = errorItems(errs, order)
	s.render(w, r, status, pages.RequestDetailPage(s.page(r, formTitle(title, errs), "/arenden"), m))
}

func sizeText(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d kB", n>>10)
	}
	return fmt.Sprintf("%d byte", n)
}

func actionButton(a portal.RequestAction) pages.ActionButton {
	switch a {
	case portal.ActionSubmit:
		return pages.ActionButton{Action: string(a), Label: "Granska och skicka in", Href: "skicka"}
	case portal.ActionTakeUp:
		return pages.ActionButton{Action: string(a), Label: "Börja handlägga"}
	case portal.ActionRequestCompletion:
		return pages.ActionButton{Action: string(a), Label: "Begär komplettering", NeedsComment: true,
			CommentLabel: "Vad behöver kompletteras?"}
	case portal.ActionAnswerCompletion:
		return pages.ActionButton{Action: string(a), Label: "Skicka komplettering", NeedsComment: true, CommentLabel: "Din komplettering"}
	case portal.ActionWithdraw:
		return pages.ActionButton{Action: string(a), Label: "Återkalla ärendet", Secondary: true}
	}
	return pages.ActionButton{Action: string(a), Label: string(a)}
}

func timelineEntry(e postgres.RequestEvent) pages.TimelineEntry {
	t := pages.TimelineEntry{At: e.At.In(portal.Stockholm).Format("2006-01-02 15:04"), By: e.ActorName, Text: e.Comment}
	switch e.Event {
	case "transition":
		t.What = e.To.Label()
		if e.From == portal.StateCompletionRequested && e.To == portal.StateInProgress {
			t.What = "Komplettering inskickad"
		}
	case "comment":
		t.What = "Kommentar"
	case "attachment":
		t.What = "Bilaga tillagd"
	case "diarienummer":
		t.What = "Diarienummer"
	}
	return t
}

// requestFacts lists a case's content for its page and the review.
func requestFacts(r postgres.Request, draft bool) []pages.FactRow {
	f, d := r.Fields, r.Fields.Details
	var rows []pages.FactRow
	add := func(label, value string) {
		if value != "" || draft {
			rows = append(rows, pages.FactRow{Label: label, Value: value})
		}
	}
	add("Typ av ärende", r.Kind.Label())
	add("Rubrik", f.Title)
	add("Förvaltning", r.DepartmentName)
	add("Kontaktperson", f.Contact)
	add("Inskickat av", r.AuthorName)
	if r.Kind.NeedsSystem() || f.SystemName != "" {
		add("System", f.SystemName)
	}
	add("Beskrivning", f.Description)
	add("Önskat datum", dateOrEmpty(f.DesiredDate))
	money := func(n int64) string {
		s := strconv.FormatInt(n, 10)
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteRune('\u00a0')
			}
			b.WriteRune(c)
		}
		return b.String() + " kr"
	}
	switch r.Kind {
	case portal.KindIntroduction:
		add("Behov", d.Need)
		add("Systemets namn", d.NewSystemName)
		add("Leverantör", d.Supplier)
		add("Driftform", portal.LabelOf(portal.Hostings, d.Hosting))
		add("Personuppgifter", portal.LabelOf(portal.PersonalData, d.PersonalData))
		add("Föreslagen systemförvaltare", strings.TrimSpace(d.AdministratorName+" "+angle(d.AdministratorEmail)))
		add("Utbildningsbehov", d.TrainingNeeds)
	case portal.KindUpgrade:
		add("Från version", d.FromVersion)
		add("Till version", d.ToVersion)
		add("Genomförs av", d.PerformedBy)
	case portal.KindOpenSource, portal.KindSelfDeveloped:
		add("Programvara", d.Software)
		add("Licens", d.Licence)
		add("Projektets webbadress", d.ProjectURL)
		add("Varför ingen generell programvara", d.WhyNoGeneric)
		add("Förvaltas av", d.Maintainer)
		add("Stabilitet", d.Stability)
		add("Säkerhet", d.Security)
		add("Kompatibilitet", d.Compatibility)
		add("Framtidssäkerhet", d.FutureProof)
	case portal.KindNetworkAccess:
		add("Organisation", d.Organisation)
		add("Åtkomst till", d.AccessTo)
		add("Period", d.AccessPeriod)
	case portal.KindOperationsChange:
		add("Vad ändras", portal.LabelOf(portal.ChangeRoles, d.ChangeRole))
		if d.ChangeRole == "operations" {
			add("Ny driftansvarig", d.NewOperator)
		} else {
			add("Ny systemförvaltare", strings.TrimSpace(d.NewAdminName+" "+angle(d.NewAdminEmail)))
		}
		add("Gäller från", dateOrEmpty(d.EffectiveDate))
	}
	if r.Kind == portal.KindIntroduction || r.Kind == portal.KindUpgrade {
		add("Överensstämmelse med kommunens mål", d.GoalAlignment)
		add("Kompatibilitet med IT-plattformen", d.PlatformCompatibility)
		add("Engångskostnad", money(d.OneOffCost))
		add("Årlig kostnad", money(d.YearlyCost))
		add("Antal år", strconv.Itoa(d.Years))
		add("Total kostnad (engångskostnad + årlig kostnad × antal år)", money(d.TotalCost()))
	}
	if r.Kind.NeedsFinancing() {
		add("Finansiering", f.FinancingSource)
		confirmed := "Nej"
		if f.FinancingConfirmed {
			confirmed = "Ja"
		}
		add("Finansieringen bekräftad", confirmed)
		add("Beslut om finansiering", f.FinancingReference)
	}
	return rows
}

func angle(email string) string {
	if email == "" {
		return ""
	}
	return "<" + email + ">"
}

// actOnRequest takes a step that is not a decision.
func (s *Server) actOnRequest(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	action := portal.RequestAction(r.PostForm.Get("atgard"))
	if action == portal.ActionSubmit {
		http.Redirect(w, r, requestHref(id)+"/skicka", http.StatusSeeOther)
		return
	}
	err := s.requests.Act(ctx, actorFrom(ctx), id, action, r.PostForm.Get("comment"), requestIDFrom(ctx))
	if s.requestProblem(w, r, err) {
		return
	}
	msgs := map[portal.RequestAction]string{
		portal.ActionTakeUp: "Ärendet är under handläggning.", portal.ActionRequestCompletion: "Komplettering är begärd. Den som skickade in ärendet får besked.",
		portal.ActionAnswerCompletion: "Kompletteringen är inskickad.", portal.ActionWithdraw: "Ärendet är återkallat.",
	}
	s.sessions.Flash(ctx, msgs[action])
	http.Redirect(w, r, requestHref(id), http.StatusSeeOther)
}

// requestProblem shows a refused step on the case page itself: field
// errors and conflicts with their message, nothing changed. It reports
// whether it answered.
func (s *Server) requestProblem(w http.ResponseWriter, r *http.Request, err error) bool {
	if err == nil {
		return false
	}
	kind := portal.KindOf(err)
	if kind != portal.KindInvalid && kind != portal.KindConflict {
		s.fail(w, r, err)
		return true
	}
	v, ok := s.loadRequest(w, r)
	if !ok {
		return true
	}
	status := http.StatusConflict
	errs := fieldErrors(err)
	notice := ""
	if kind == portal.KindInvalid {
		status = http.StatusUnprocessableEntity
	} else {
		notice = portal.MessageOf(err)
	}
	s.renderRequest(w, r, status, v, notice, errs, r.PostForm)
	return true
}

// decideRequest grants, rejects or acknowledges.
func (s *Server) decideRequest(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	action := portal.RequestAction(r.PostForm.Get("beslut"))
	err := s.requests.Decide(ctx, actorFrom(ctx), id, action, r.PostForm.Get("motivation"), requestIDFrom(ctx))
	if s.requestProblem(w, r, err) {
		return
	}
	msg := "Beslutet är fattat."
	if action == portal.ActionAcknowledge {
		msg = "Driftförändringen är kvitterad och registret uppdaterat."
	}
	s.sessions.Flash(ctx, msg)
	http.Redirect(w, r, requestHref(id), http.StatusSeeOther)
}

func (s *Server) commentRequest(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	err := s.requests.Comment(ctx, actorFrom(ctx), id, r.PostForm.Get("comment"), requestIDFrom(ctx))
	if s.requestProblem(w, r, err) {
		return
	}
	s.sessions.Flash(ctx, "Kommentaren är sparad.")
	http.Redirect(w, r, requestHref(id)+"#tidslinje", http.StatusSeeOther)
}

func (s *Server) setDiarienummer(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	err := s.requests.SetDiarienummer(ctx, actorFrom(ctx), id, r.PostForm.Get("diarienummer"), requestIDFrom(ctx))
	if s.requestProblem(w, r, err) {
		return
	}
	s.sessions.Flash(ctx, "Diarienumret är sparat.")
	http.Redirect(w, r, requestHref(id), http.StatusSeeOther)
}

// uploadAttachment stores a file with the case.
func (s *Server) uploadAttachment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	fileErr := func(status int, msg string) {
		v, ok := s.loadRequest(w, r)
		if !ok {
			return
		}
		s.renderRequest(w, r, status, v, "", map[string]string{"file": msg}, url.Values{})
	}
	// Who may attach is known before the file is read.
	v, err := s.requests.Get(ctx, actorFrom(ctx), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !v.CanAttach && !v.IsAuthor && !v.IsPreparer {
		s.fail(w, r, portal.Forbidden("Den som skrev ärendet och IT-enheten kan bifoga filer."))
		return
	}
	filename, data, status, msg := readUpload(r, portal.MaxAttachment, "Filen är större än 20 MB.", "Välj en fil att bifoga.")
	if msg != "" {
		fileErr(status, msg)
		return
	}
	_, err = s.requests.AddAttachment(ctx, actorFrom(ctx), id, filename, data, requestIDFrom(ctx))
	if s.requestProblem(w, r, err) {
		return
	}
	s.sessions.Flash(ctx, "Filen är bifogad.")
	http.Redirect(w, r, requestHref(id)+"#bilagor", http.StatusSeeOther)
}

// downloadAttachment serves a file as a download, never inline.
func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	aid, err := strconv.ParseInt(chi.URLParam(r, "bid"), 10, 64)
	if !ok || err != nil || aid <= 0 {
		s.notFound(w, r)
		return
	}
	info, data, err := s.requests.Attachment(r.Context(), actorFrom(r.Context()), id, aid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", info.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": info.FileName}))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// printRequest is the case as a public-record copy: content, decision and
// the whole timeline on one page.
func (s *Server) printRequest(w http.ResponseWriter, r *http.Request) {
	v, ok := s.loadRequest(w, r)
	if !ok {
		return
	}
	m := pages.RequestPrint{Number: v.Number, Title: v.Fields.Title, State: v.State.Label(), Facts: requestFacts(v.Request, false),
		Diarienummer: v.Diarienummer, Printed: time.Now().In(portal.Stockholm).Format("2006-01-02 15:04"), AttachmentCount: v.AttachmentCount}
	if v.DecidedAt != nil {
		m.Decision = &pages.DecisionView{State: v.State.Label(), By: v.DecidedByName, At: v.DecidedAt.In(portal.Stockholm).Format("2006-01-02 15:04"), Motivation: v.Motivation}
	}
	for _, e := range v.Events {
		m.Timeline = append(m.Timeline, timelineEntry(e))
	}
	title := strings.TrimSpace(v.Number + " " + v.Fields.Title)
	s.render(w, r, http.StatusOK, pages.RequestPrintPage(s.page(r, title, "/arenden"), m))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
