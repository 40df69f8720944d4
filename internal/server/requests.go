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

// requestFilterFrom reads a list of cases' filter from the query string
// (the page and the API share it), with what could not be used.
func requestFilterFrom(r *http.Request) (postgres.RequestFilter, *listQuery) {
	q := newListQuery(r.URL.Query())
	states := make([]string, len(portal.RequestStates))
	for i, st := range portal.RequestStates {
		states[i] = string(st)
	}
	kinds := make([]string, len(portal.RequestKinds))
	for i, k := range portal.RequestKinds {
		kinds[i] = string(k)
	}
	f := postgres.RequestFilter{View: q.oneOf("vy", postgres.ViewMine, postgres.ViewAll, postgres.ViewQueue), State: q.oneOf("status", states...),
		Kind: q.oneOf("typ", kinds...), DepartmentID: q.id("forvaltning"), Query: q.text("q", 200), Sort: q.oneOf("sortera", postgres.SortValues()...),
		Page: q.page()}
	if age := q.choice("alder", postgres.AgeChoices); age != "" {
		f.OlderThan, _ = strconv.Atoi(age)
	}
	return f, q
}

// listRequests shows my cases, all submitted cases, or (IT-enheten) the
// work queue, with filters carried in the URL.
func (s *Server) listRequests(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	f, lq := requestFilterFrom(r)
	f.Handling = s.handlingDays()
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
	m := pages.RequestList{View: f.View, Total: page.Total, WaitingForMe: page.WaitingForMe, IsPreparer: portal.IsPreparer(actor),
		Errors: lq.errorItems("q", "status", "typ", "forvaltning", "alder", "sortera"), SortError: lq.problems["sortera"],
		Search: components.Field{Name: "q", Label: "Sök", Hint: "Ärendenummer, rubrik eller system", Value: f.Query, Error: lq.problems["q"]}}
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
	if f.Query != "" {
		base.Set("q", f.Query)
	}
	m.Filtered = len(base) > 1
	listHref := func(set map[string]string) string {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		for k, val := range set {
			v.Set(k, val)
		}
		return "/arenden?" + v.Encode()
	}
	m.Columns = sortColumns(f.View, f.Sort, listHref)
	if f.Sort != "" {
		base.Set("sortera", f.Sort)
	}
	m.Sort = f.Sort
	m.SaveView = saveViewHref(portal.ViewListRequests, base.Encode())
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
		{Name: "status", Label: "Status", Value: f.State, Options: choiceOptions("Alla", states), Error: lq.problems["status"]},
		{Name: "typ", Label: "Typ av ärende", Value: f.Kind, Options: choiceOptions("Alla", kinds), Error: lq.problems["typ"]},
		{Name: "forvaltning", Label: "Förvaltning", Value: idString(f.DepartmentID), Options: choiceOptions("Alla", depChoices), Error: lq.problems["forvaltning"]},
		{Name: "alder", Label: "Ålder", Value: idString(int64(f.OlderThan)), Options: choiceOptions("Alla", postgres.AgeChoices), Error: lq.problems["alder"]},
	}
	m.Rows = make([]pages.RequestListRow, 0, len(page.Rows))
	today := portal.Today()
	for _, row := range page.Rows {
		lr := pages.RequestListRow{
			Href: requestHref(row.ID), Number: row.Number, Title: row.Title, Kind: row.Kind.Label(), State: requestStatus(row.State),
			Department: row.Department, Author: row.AuthorName, Submitted: dateOrEmpty(row.SubmittedAt), Age: ageText(row.SubmittedAt),
			WaitingOn: portal.WaitingOn(row.Kind, row.State), Assignee: row.Assignee, Mine: row.WaitsOnActor,
		}
		if row.SubmittedAt != nil && row.State.Open() {
			due := f.Handling.DueDate(row.Kind, *row.SubmittedAt)
			lr.Due, lr.Overdue = due.Format(time.DateOnly), portal.Overdue(row.State, due, today)
		}
		m.Rows = append(m.Rows, lr)
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
	status := http.StatusOK
	if !lq.ok() {
		status = http.StatusBadRequest // the list is shown as if the parameter were not given
	}
	current := "/arenden"
	if m.View == postgres.ViewQueue {
		current = "/arenden?vy=" + postgres.ViewQueue // the menu's Arbetskö
	}
	s.render(w, r, status, pages.RequestListPage(s.page(r, formTitle("Ärenden", lq.problems), current), m))
}

// handlingDays are the configured handling times per kind of case.
func (s *Server) handlingDays() portal.HandlingDays {
	if s.cfg.HandlingDays == nil {
		return portal.DefaultHandlingDays()
	}
	return s.cfg.HandlingDays
}

// sortColumns are a list's column headings: each sortable one a link that
// sorts by it (ascending, or descending when it is the current ascending
// order), with aria-sort on the one the list is sorted by. href builds a
// link to the list with the filters kept.
func sortColumns(view, sort string, href func(map[string]string) string) []pages.SortColumn {
	current := sort
	if current == "" {
		current = postgres.DefaultSort(view)
	}
	cols := []pages.SortColumn{{Label: "Nummer", Key: "nummer"}, {Label: "Rubrik", Key: "rubrik"}, {Label: "Typ", Key: "typ"},
		{Label: "Status", Key: "status"}, {Label: "Väntar på", Key: "vantar"}, {Label: "Handläggare", Key: "handlaggare"},
		{Label: "Förvaltning", Key: "forvaltning"}, {Label: "Inskickat"}, {Label: "Ålder", Key: "alder"}, {Label: "Förfaller", Key: "forfaller"}}
	for i := range cols {
		c := &cols[i]
		if c.Key == "" {
			continue
		}
		next := c.Key
		switch current {
		case c.Key:
			c.Sort, next = "ascending", c.Key+postgres.SortDescending
		case c.Key + postgres.SortDescending:
			c.Sort = "descending"
		}
		c.Href = href(map[string]string{"sortera": next})
	}
	return cols
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
	}
	return components.CountOf(days, components.Days)
}

// newRequestForm asks for the kind, then shows its form.
func (s *Server) newRequestForm(w http.ResponseWriter, r *http.Request) {
	kind := portal.RequestKind(r.URL.Query().Get("typ"))
	if !kind.Valid() || !kind.Offered() {
		errMsg := ""
		status := http.StatusOK
		if r.URL.Query().Has("typ") {
			errMsg, status = "Välj vilken sorts ärende det gäller.", http.StatusUnprocessableEntity
		}
		m := pages.RequestKindChoice{Error: errMsg}
		for _, k := range portal.RequestKinds {
			if !k.Offered() {
				continue // started elsewhere (a supplier incident: from the supplier's page)
			}
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
	s.renderRequestForm(w, r, http.StatusOK, 0, kind, 0, f, nil, nil, "")
}

func (s *Server) renderRequestForm(w http.ResponseWriter, r *http.Request, status int, id int64, kind portal.RequestKind, version int, f portal.RequestFields, raw, errs map[string]string, notice string) {
	// Only the departments the person may file for are offered; the
	// service checks the choice again.
	deps, err := s.departments.SpeakableFor(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sections := requestFormSections(kind, f, raw, errs, deps)
	if kind == portal.KindIntroduction || kind == portal.KindUpgrade {
		options, err := s.platformOptions(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		withPlatformChoices(sections, options)
	}
	order := []string{}
	for _, sec := range sections {
		for _, ff := range sec.Fields {
			order = append(order, ff.Name)
		}
	}
	order = append(order, "file")
	m := pages.RequestForm{
		Heading: kind.Label(), Hint: kind.Hint(), Kind: string(kind), Sections: sections, Errors: errorItems(errs, order),
		RowVersion: strconv.Itoa(version), Notice: notice, FileLimit: attachmentFileLimit, FileError: errs["file"],
	}
	if id == 0 {
		m.Action, m.CancelHref = "/arenden/nytt?typ="+url.QueryEscape(string(kind)), "/arenden"
	} else {
		m.Action, m.CancelHref = requestHref(id)+"/redigera", requestHref(id)
		m.UploadAction = requestHref(id) + "/bilagor"
		// The draft's files, listed beside the form they belong to.
		if v, err := s.requests.Get(r.Context(), actorFrom(r.Context()), id); err == nil {
			m.Attachments = attachmentRows(v)
		}
	}
	title := "Nytt ärende: " + kind.Label()
	if id != 0 {
		title = "Ändra utkast: " + kind.Label()
	}
	s.render(w, r, status, pages.RequestFormPage(s.page(r, formTitle(title, errs), "/arenden"), m))
}

// requestFormSections builds the form of a kind in sections, from the
// kind's fields (portal.FieldsOf). raw holds what was typed into fields
// that did not parse, shown again as typed.
func requestFormSections(kind portal.RequestKind, f portal.RequestFields, raw, errs map[string]string, deps []portal.Department) []pages.FormSection {
	var depChoices []portal.Choice
	for _, dep := range deps {
		depChoices = append(depChoices, portal.Choice{Value: strconv.FormatInt(dep.ID, 10), Label: dep.Name})
	}
	var sections []pages.FormSection
	for _, fd := range portal.FieldsOf(kind) {
		if len(sections) == 0 || sections[len(sections)-1].Legend != fd.Section {
			sections = append(sections, pages.FormSection{Legend: fd.Section})
		}
		value, typed := raw[fd.Name]
		if !typed {
			value = fd.Value(f)
		}
		ff := pages.FormField{Field: components.Field{Name: fd.Name, Label: fd.Label, Hint: fd.Hint, Value: value, Error: errs[fd.Name]}}
		switch fd.Kind {
		case portal.FieldLongText:
			ff.Kind = "textarea"
		case portal.FieldSelect:
			ff.Kind, ff.Options = "select", choiceOptions(fd.Empty, fd.Choices)
		case portal.FieldDepartment:
			ff.Kind, ff.Options = "select", choiceOptions(fd.Empty, depChoices)
		case portal.FieldRadios:
			ff.Kind, ff.Options = "radios", choiceOptions("", fd.Choices)
		case portal.FieldCheck:
			ff.Kind, ff.Checked = "checkbox", fd.Checked(f)
		case portal.FieldDate:
			ff.Kind, ff.Type = "text", "date"
		case portal.FieldEmail:
			ff.Kind, ff.Type = "text", "email"
		case portal.FieldURL:
			ff.Kind, ff.Type = "text", "url"
		default:
			ff.Kind = "text"
		}
		sec := &sections[len(sections)-1]
		sec.Fields = append(sec.Fields, ff)
	}
	return sections
}

// requestFieldsFromForm reads the kind's fields from the form; numbers and
// dates that do not parse become field errors, kept as typed.
func requestFieldsFromForm(r *http.Request, kind portal.RequestKind) (portal.RequestFields, map[string]string, map[string]string) {
	f, raw, errs := portal.ParseRequestForm(kind, r.PostForm)
	f.SystemName = strings.TrimSpace(f.SystemName)
	return f, raw, errs
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
	s.renderRequestForm(w, r, http.StatusOK, v.ID, v.Kind, v.RowVersion, v.Fields, nil, nil, "")
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
	if !kind.Valid() || !kind.Offered() {
		http.Redirect(w, r, "/arenden/nytt", http.StatusSeeOther)
		return
	}
	f, raw, formErrs := requestFieldsFromForm(r, kind)
	version, _ := strconv.Atoi(r.PostForm.Get("row_version"))
	step := r.PostForm.Get("atgard")
	if len(formErrs) > 0 {
		// Validate the rest too, so every problem shows at once: on the
		// way to the review all that submission needs.
		for k, msg := range f.Validate(kind, step == "granska") {
			if _, ok := formErrs[k]; !ok {
				formErrs[k] = msg
			}
		}
		s.renderRequestForm(w, r, http.StatusUnprocessableEntity, id, kind, version, f, raw, formErrs, "")
		return
	}
	newID, err := s.requests.SaveDraft(ctx, actor, id, kind, version, f, requestIDFrom(ctx))
	if fe := fieldErrors(err); fe != nil {
		if step == "granska" {
			// Nothing saved; still every problem at once.
			for k, msg := range f.Validate(kind, true) {
				if _, ok := fe[k]; !ok {
					fe[k] = msg
				}
			}
		}
		s.renderRequestForm(w, r, http.StatusUnprocessableEntity, id, kind, version, f, raw, fe, "")
		return
	}
	if portal.KindOf(err) == portal.KindConflict && id != 0 {
		s.renderRequestForm(w, r, http.StatusConflict, id, kind, version, f, raw, nil, portal.MessageOf(err))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch step {
	case "spara":
		s.sessions.Flash(ctx, "Utkastet är sparat. Bara du kan se det tills du skickar in det.")
		http.Redirect(w, r, requestHref(newID), http.StatusSeeOther)
		return
	case "bilagor":
		s.sessions.FlashInfo(ctx, "Utkastet är sparat. Välj filen att bifoga under Bilagor.")
		http.Redirect(w, r, requestHref(newID)+"/redigera#bilagor", http.StatusSeeOther)
		return
	}
	// "Fortsätt till granskning": the draft is kept, and what would keep
	// it from being sent is shown on the form itself, field by field.
	errs, v, ok := s.submitProblems(w, r, newID)
	if !ok {
		return
	}
	if len(errs) > 0 {
		s.renderRequestForm(w, r, http.StatusUnprocessableEntity, v.ID, v.Kind, v.RowVersion, v.Fields, nil, errs, "")
		return
	}
	http.Redirect(w, r, requestHref(newID)+"/skicka", http.StatusSeeOther)
}

// submitProblems are the field errors that sending the saved draft id
// would meet, found by rehearsing the submission (nothing is sent), with
// the draft as saved. It reports false when it has answered.
func (s *Server) submitProblems(w http.ResponseWriter, r *http.Request, id int64) (map[string]string, postgres.RequestView, bool) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	v, err := s.requests.Get(ctx, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return nil, v, false
	}
	_, err = s.requests.Submit(postgres.Rehearse(ctx), actor, id, requestIDFrom(ctx))
	// Anything but field errors is left to the review, which shows it.
	return fieldErrors(err), v, true
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
	m := pages.RequestReview{Action: requestHref(v.ID) + "/skicka", EditHref: requestHref(v.ID) + "/redigera", Facts: requestFacts(v.Request, true),
		Attachments: attachmentRows(v)}
	var order []string
	for _, fd := range portal.FieldsOf(v.Kind) {
		order = append(order, fd.Name)
	}
	for _, k := range sortedKeys(errs) {
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	for _, e := range errorItems(errs, order) {
		m.Problems = append(m.Problems, pages.ReviewProblem{Href: m.EditHref + "#" + e.Field, Message: e.Message})
	}
	if v.Kind.NeedsFinancing() && !v.Fields.FinancingConfirmed {
		m.Warnings = append(m.Warnings, "Finansieringen är inte bekräftad. Du kan skicka in ärendet, men det kan inte beviljas "+
			"förrän finansieringen är bekräftad (4.5); IT-enheten begär då komplettering av finansieringen.")
	}
	for _, n := range v.PlatformNeeds {
		if verdict := portal.Judge(n.Status, n.EndsOn, portal.Today()); verdict.NeedsException {
			m.Warnings = append(m.Warnings, n.Display+" är inte standard i kommunens IT-infrastruktur ("+strings.ToLower(verdict.Label)+
				"). Ärendet kan bara beviljas om chefen för IT-enheten eller IT-enheten beviljar ett undantag med skäl i beslutet (4.5).")
		}
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
	s.sessions.FlashReceipt(ctx, "Ärendet är inskickat och har fått nummer "+number+".")
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
		StateTag: requestStatus(v.State), Facts: requestFacts(v.Request, false), Notice: notice,
		CanEdit: v.CanEdit, CanComment: v.CanComment, CanAttach: v.CanAttach, CanOpenFiles: v.CanOpenFiles,
		CanDecide: v.CanDecide, DecideRefusal: v.DecideRefusal, FinancingBlocks: v.FinancingBlocks,
		IsOperationsChange: v.Kind == portal.KindOperationsChange, Backdated: v.Fields.Backdated(v.Kind), AttachmentCount: v.AttachmentCount,
		CanSetDiarienummer: v.CanSetDiarienummer, Diarienummer: v.Diarienummer,
		Assignee: v.AssigneeName, AssigneeID: strconv.FormatInt(v.AssigneeID, 10), CanAssign: v.CanAssign, CanRelease: v.CanRelease,
		IsOpen:  v.State.Open(),
		Comment: components.Field{Name: "comment", Label: "Kommentar", Rows: 3, Error: errs["comment"], Value: typed.Get("comment")},
		Motivation: components.Field{Name: "motivation", Label: "Motivering", Hint: "Beslutet motiveras skriftligt och går inte att ändra", Rows: 4,
			Error: errs["motivation"], Value: typed.Get("motivation")},
		DiarienummerField: components.Field{Name: "diarienummer", Label: "Diarienummer", Hint: "När ärendet är registrerat i kommunens diarium",
			Value: v.Diarienummer, Error: errs["diarienummer"]},
		FileError: errs["file"], FileLimit: attachmentFileLimit,
	}
	if v.DecidedAt != nil {
		m.Decision = &pages.DecisionView{State: v.State.Label(), By: v.DecidedByName, As: portal.ActingAsLabel(v.DecidedAs), At: v.DecidedAt.In(portal.Stockholm).Format("2006-01-02 15:04"), Motivation: v.Motivation}
	}
	if d := v.Fields.Details.EffectiveDate; d != nil {
		m.EffectiveDate = d.Format(time.DateOnly)
	}
	if v.Fields.SystemID != 0 {
		m.SystemHref, m.SystemName = "/system/"+strconv.FormatInt(v.Fields.SystemID, 10), v.Fields.SystemName
	}
	for _, a := range v.Actions {
		m.Actions = append(m.Actions, actionButton(a))
		switch a {
		case portal.ActionRequestCompletion:
			m.Ask, m.AskError = askItems(v.Kind, typed["fields"]), errs["fields"]
		case portal.ActionAnswerCompletion:
			m.Answer = answerSections(v, typed, errs)
		}
	}
	if q := v.Completion; q != nil {
		m.Completion = &pages.CompletionView{At: q.At.In(portal.Stockholm).Format("2006-01-02 15:04"), By: q.By, Message: q.Message,
			Asked: portal.CompletionLabels(v.Kind, q.Fields)}
	}
	for _, e := range v.Events {
		m.Timeline = append(m.Timeline, timelineEntry(v.Kind, e))
	}
	m.Attachments = attachmentRows(v)
	m.Platform = s.casePlatform(v)
	if m.CanDecide {
		m.Exceptions = decisionExceptions(v, typed, errs)
	}
	order := []string{"fields"}
	for _, sec := range m.Answer {
		for _, f := range sec.Fields {
			order = append(order, f.Name)
		}
	}
	for _, e := range m.Exceptions {
		order = append(order, e.Field.Name)
	}
	order = append(order, "handlaggare", "comment", "motivation", "decision", "diarienummer", "file")
	m.Errors = errorItems(errs, order)
	if len(m.Answer) > 0 && errs["comment"] != "" {
		// The answer's message has its own id on the page.
		for i := range m.Errors {
			if m.Errors[i].Field == "comment" {
				m.Errors[i].Field = "comment-" + string(portal.ActionAnswerCompletion)
			}
		}
	}
	p := withBack(s.page(r, formTitle(title, errs), "/arenden"), "Tillbaka till ärendena", "/arenden")
	if p.FlashKind == "receipt" && v.Number != "" && v.IsAuthor {
		// Just sent: the receipt in place of the notice.
		m.Receipt, p.Flash = receiptFor(v), ""
	}
	s.render(w, r, status, pages.RequestDetailPage(p, m))
}

// receiptFor is what the requester is told when the case has been sent:
// its number, who handles it and decides, what happens next.
func receiptFor(v postgres.RequestView) *pages.Receipt {
	rc := &pages.Receipt{Number: v.Number, Handler: "IT-enheten handlägger ärendet; du får besked via e-post."}
	switch {
	case v.Kind == portal.KindOperationsChange:
		rc.Next = []string{"IT-enheten kontrollerar anmälan och kvitterar driftförändringen. Då förs ändringen in i registret."}
	case v.Kind.DecidedByITHead():
		rc.Next = []string{"IT-enheten bereder ärendet och chefen för IT-enheten fattar beslutet."}
	default:
		rc.Next = []string{"IT-enheten bereder och beslutar i ärendet."}
	}
	rc.Next = append(rc.Next, "Saknas något begär IT-enheten komplettering; du får då ett meddelande och ändrar uppgifterna här i ärendet.")
	if v.Kind.NeedsFinancing() && !v.Fields.FinancingConfirmed {
		rc.Next = append(rc.Next, "Finansieringen är inte bekräftad. Ärendet kan inte beviljas förrän den är det.")
	}
	return rc
}

// attachmentRows are a case's files as its pages list them.
func attachmentRows(v postgres.RequestView) []pages.AttachmentRow {
	var out []pages.AttachmentRow
	for _, a := range v.Attachments {
		out = append(out, pages.AttachmentRow{
			Href: requestHref(v.ID) + "/bilagor/" + strconv.FormatInt(a.ID, 10), Name: a.FileName, Size: sizeText(a.Size),
			By: a.UploadedBy, At: a.UploadedAt.In(portal.Stockholm).Format("2006-01-02 15:04"),
		})
	}
	return out
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

// askItems are what IT-enheten may tick when asking for a komplettering,
// with what was ticked (checked) when the form comes back.
func askItems(kind portal.RequestKind, checked []string) []pages.AskItem {
	var out []pages.AskItem
	for _, c := range portal.CompletionItemsOf(kind) {
		out = append(out, pages.AskItem{Value: c.Name, Label: c.Label, Checked: slices.Contains(checked, c.Name)})
	}
	return out
}

// answerSections are the requester's answer form: only the fields asked
// for, with their values (as typed when the form comes back), the yes/no
// of the financing as two radio buttons so that "nej" is an answer too.
func answerSections(v postgres.RequestView, typed url.Values, errs map[string]string) []pages.FormSection {
	raw := map[string]string{}
	for _, name := range v.CompletionFields {
		if vs, ok := typed[name]; ok && len(vs) > 0 {
			raw[name] = vs[0]
		}
	}
	var out []pages.FormSection
	for _, sec := range requestFormSections(v.Kind, v.Fields, raw, errs, nil) {
		var fields []pages.FormField
		for _, f := range sec.Fields {
			if !slices.Contains(v.CompletionFields, f.Name) {
				continue
			}
			if f.Kind == "checkbox" {
				f.Kind, f.Options = "radios", []components.Option{{Value: "ja", Label: "Ja"}, {Value: "nej", Label: "Nej"}}
				typedValue, typed := raw[f.Name]
				f.Value = "nej"
				if (typed && typedValue == "ja") || (!typed && f.Checked) {
					f.Value = "ja"
				}
				f.Checked = false
			}
			fields = append(fields, f)
		}
		if len(fields) > 0 {
			out = append(out, pages.FormSection{Legend: sec.Legend, Fields: fields})
		}
	}
	return out
}

func timelineEntry(kind portal.RequestKind, e postgres.RequestEvent) pages.TimelineEntry {
	t := pages.TimelineEntry{At: e.At.In(portal.Stockholm).Format("2006-01-02 15:04"), By: e.ActorName, Text: e.Comment}
	if as := portal.ActingAsLabel(e.ActingAs); as != "" {
		t.By += " " + as
	}
	switch e.Event {
	case "transition":
		t.What = e.To.Label()
		if e.From == portal.StateCompletionRequested && e.To == portal.StateInProgress {
			t.What = "Komplettering inskickad"
		}
		if asked := portal.CompletionLabels(kind, e.Fields); len(asked) > 0 {
			t.Text = strings.TrimSpace(t.Text + "\n\nUppgifter att komplettera: " + strings.Join(asked, "; ") + ".")
		}
	case "change":
		label := e.Field
		if fd, ok := portal.FieldOf(kind, e.Field); ok {
			label = fd.Label
		}
		t.What = "Ändrad uppgift"
		t.Text = portal.FieldChange{Label: label, Before: e.OldValue, After: e.NewValue}.Describe()
	case "comment":
		t.What = "Kommentar"
	case "attachment":
		t.What = "Bilaga tillagd"
	case "diarienummer":
		t.What = "Diarienummer"
	}
	return t
}

// requestFacts lists a case's content for its page, the review and the
// print copy, from the kind's fields (portal.FactsOf). A draft's review
// shows empty fields too, so the requester sees what is left to fill in.
func requestFacts(r postgres.Request, draft bool) []pages.FactRow {
	rows := []pages.FactRow{{Label: "Typ av ärende", Value: r.Kind.Label()}}
	for _, fact := range portal.FactsOf(r.Kind, r.Fields, r.DepartmentName) {
		if fact.Field.Kind == portal.FieldComponents {
			fact.Value = platformFact(r)
		}
		if fact.Value != "" || draft {
			rows = append(rows, pages.FactRow{Label: fact.Label, Value: fact.Value})
		}
		if fact.Field.Name == "contact" && r.AuthorName != "" {
			rows = append(rows, pages.FactRow{Label: "Inskickat av", Value: r.AuthorName})
		}
	}
	return rows
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
	var err error
	switch action {
	case portal.ActionRequestCompletion:
		err = s.requests.AskCompletion(ctx, actorFrom(ctx), id, r.PostForm["fields"], r.PostForm.Get("comment"), requestIDFrom(ctx))
	case portal.ActionAnswerCompletion:
		err = s.requests.AnswerCompletion(ctx, actorFrom(ctx), id, r.PostForm, r.PostForm.Get("comment"), requestIDFrom(ctx))
	default:
		err = s.requests.Act(ctx, actorFrom(ctx), id, action, r.PostForm.Get("comment"), requestIDFrom(ctx))
	}
	if s.requestProblem(w, r, err) {
		return
	}
	msgs := map[portal.RequestAction]string{
		portal.ActionTakeUp: "Ärendet är under handläggning.", portal.ActionRequestCompletion: "Komplettering är begärd. Den som skickade in ärendet får besked.",
		portal.ActionAnswerCompletion: "Kompletteringen är inskickad. Ärendet är tillbaka hos IT-enheten.", portal.ActionWithdraw: "Ärendet är återkallat.",
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
	exceptions, exceptionNames := postedExceptions(r.PostForm)
	if (action == portal.ActionGrant || action == portal.ActionReject) && !confirmed(r) {
		// The first step: the decision is tried and rolled back, then asked about.
		err := s.requests.DecideWith(postgres.Rehearse(ctx), actorFrom(ctx), id, action, r.PostForm.Get("motivation"), exceptions, requestIDFrom(ctx))
		if s.requestProblem(w, r, err) {
			return
		}
		v, ok := s.loadRequest(w, r)
		if !ok {
			return
		}
		m := decisionConfirm(v, action, r)
		if action == portal.ActionGrant {
			m.Hidden = append(m.Hidden, carried(r, exceptionNames...)...)
			for _, n := range v.PlatformNeeds {
				if reason := strings.TrimSpace(exceptions[n.ComponentID]); reason != "" && n.Status.NeedsException() {
					m.Consequences = append(m.Consequences, "Undantag beviljas för "+n.Display+" ("+strings.ToLower(n.Status.Label())+"): "+reason)
				}
			}
		}
		s.renderConfirm(w, r, m, "/arenden")
		return
	}
	err := s.requests.DecideWith(ctx, actorFrom(ctx), id, action, r.PostForm.Get("motivation"), exceptions, requestIDFrom(ctx))
	if s.requestProblem(w, r, err) {
		return
	}
	msg := "Beslutet är fattat."
	switch action {
	case portal.ActionAcknowledge:
		msg = "Driftförändringen är kvitterad och registret uppdaterat."
	case portal.ActionAcknowledgeCorrection:
		msg = "Driftförändringen är kvitterad som en rättelse; rollhistoriken är ändrad och visar det."
	}
	s.sessions.Flash(ctx, msg)
	http.Redirect(w, r, requestHref(id), http.StatusSeeOther)
}

// assignRequest takes the case as the actor's ("Tilldela mig"), takes it
// over from another handler, or releases it.
func (s *Server) assignRequest(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	seen, _ := strconv.ParseInt(r.PostForm.Get("nuvarande"), 10, 64)
	step := r.PostForm.Get("atgard")
	err := s.requests.Assign(ctx, actorFrom(ctx), id, seen, step, requestIDFrom(ctx))
	if s.requestProblem(w, r, err) {
		return
	}
	if step == postgres.AssignRelease {
		s.sessions.Flash(ctx, "Du har släppt ärendet. Det har ingen handläggare nu.")
	} else {
		s.sessions.Flash(ctx, "Ärendet är tilldelat dig.")
	}
	http.Redirect(w, r, requestHref(id), http.StatusSeeOther)
}

// decisionConfirm asks before granting or rejecting: what the decision
// does, that it is final, who is told.
func decisionConfirm(v postgres.RequestView, action portal.RequestAction, r *http.Request) pages.Confirm {
	name := strings.TrimSpace(v.Number + " " + v.Fields.Title)
	m := pages.Confirm{Action: requestHref(v.ID) + "/beslut", CancelHref: requestHref(v.ID), QuoteLabel: "Motivering",
		Quote: strings.TrimSpace(r.PostForm.Get("motivation")), Hidden: carried(r, "beslut", "motivation")}
	if action == portal.ActionGrant {
		m.Heading, m.ConfirmLabel = "Bevilja ärende "+name, "Bekräfta: bevilja"
		m.Consequences = []string{"Du beviljar ärende " + name + ". " + grantEffect(v)}
	} else {
		m.Heading, m.ConfirmLabel = "Avslå ärende "+name, "Bekräfta: avslå"
		m.Consequences = []string{"Du avslår ärende " + name + "."}
	}
	m.Consequences = append(m.Consequences, "Beslutet är slutligt och kan inte ändras. "+v.AuthorName+", som skickade in ärendet, får besked med motiveringen.")
	return m
}

// grantEffect is what a grant changes in the register, in a sentence.
func grantEffect(v postgres.RequestView) string {
	d := v.Fields.Details
	if v.Kind != portal.KindIntroduction && v.Fields.SystemName == "" {
		return ""
	}
	switch v.Kind {
	case portal.KindIntroduction:
		return "Systemet " + d.NewSystemName + " förs in i registret som planerat, med " + v.DepartmentName + " som systemägare och " +
			d.AdministratorName + " som systemförvaltare."
	case portal.KindUpgrade:
		return "Versionen av " + v.Fields.SystemName + " i registret ändras till " + d.ToVersion + "."
	case portal.KindOpenSource:
		return v.Fields.SystemName + " markeras i registret som öppen källkod."
	case portal.KindSelfDeveloped:
		return v.Fields.SystemName + " markeras i registret som egenutvecklad applikation."
	}
	return ""
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
	// From the draft's form the file goes back there (a multipart field,
	// read with the file).
	toForm := func() bool { return r.FormValue("tillbaka") == "redigera" }
	fileErr := func(status int, msg string) {
		v, ok := s.loadRequest(w, r)
		if !ok {
			return
		}
		if toForm() && v.CanEdit {
			s.renderRequestForm(w, r, status, v.ID, v.Kind, v.RowVersion, v.Fields, nil, map[string]string{"file": msg}, "")
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
	filename, data, status, msg := readUpload(r, portal.MaxAttachment, "Filen är större än "+attachmentFileLimit.Text()+".", "Välj en fil att bifoga.")
	if msg != "" {
		fileErr(status, msg)
		return
	}
	_, err = s.requests.AddAttachment(ctx, actorFrom(ctx), id, filename, data, requestIDFrom(ctx))
	if fe := fieldErrors(err); fe != nil && toForm() {
		msg := fe["file"]
		if msg == "" {
			msg = portal.MessageOf(err)
		}
		fileErr(http.StatusUnprocessableEntity, msg)
		return
	}
	if s.requestProblem(w, r, err) {
		return
	}
	s.sessions.Flash(ctx, "Filen är bifogad.")
	if toForm() && v.CanEdit {
		http.Redirect(w, r, requestHref(id)+"/redigera#bilagor", http.StatusSeeOther)
		return
	}
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
		m.Decision = &pages.DecisionView{State: v.State.Label(), By: v.DecidedByName, As: portal.ActingAsLabel(v.DecidedAs), At: v.DecidedAt.In(portal.Stockholm).Format("2006-01-02 15:04"), Motivation: v.Motivation}
	}
	for _, e := range v.Events {
		m.Timeline = append(m.Timeline, timelineEntry(v.Kind, e))
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
