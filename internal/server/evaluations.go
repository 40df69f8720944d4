package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/sheet"
	"itportal/web/components"
	"itportal/web/pages"
)

func evaluationFormHref(systemID int64) string { return systemHref(systemID) + "/utvardering" }

func evaluationHref(systemID, id int64) string {
	return evaluationFormHref(systemID) + "/" + strconv.FormatInt(id, 10)
}

func intervalText(months int) string {
	return components.CountOf(months, components.Months)
}

// evaluationFieldsFromForm reads the answers as posted.
func evaluationFieldsFromForm(v url.Values) portal.EvaluationFields {
	return portal.EvaluationFields{
		UsersCount: v.Get("users_count"), SupportScore: v.Get("support_score"), SupportComment: v.Get("support_comment"),
		UsedAsIntended: v.Get("used_as_intended"), Coordination: v.Get("coordination"), Cooperation: v.Get("cooperation"),
		Efficiency: v.Get("efficiency"), PlannedChanges: v.Get("planned_changes"), ProposedAction: v.Get("proposed_action"),
	}
}

// evaluationSections is the form, in the guideline's order (§3).
func evaluationSections(f portal.EvaluationFields, errs map[string]string) []pages.FormSection {
	field := func(kind, name, label, hint, value string) pages.FormField {
		return pages.FormField{Kind: kind, Field: components.Field{Name: name, Label: label, Hint: hint, Value: value, Error: errs[name], Rows: 5}}
	}
	radios := func(name, label, hint, value string, choices []portal.Choice) pages.FormField {
		ff := field("radios", name, label, hint, value)
		ff.Options = choiceOptions("", choices)
		return ff
	}
	users := field("text", "users_count", "Ungefär hur många använder systemet?", "Ett heltal, till exempel 350", f.UsersCount)
	return []pages.FormSection{
		{Legend: "Användning", Fields: []pages.FormField{
			users,
			radios("used_as_intended", "Används systemet som det är tänkt?", "", f.UsedAsIntended, portal.UsedAsIntended),
			radios("support_score", "Hur väl stöder systemet verksamheten?", "Från 1 (mycket dåligt) till 5 (mycket bra)", f.SupportScore, portal.SupportScores),
			field("textarea", "support_comment", "Kommentar om användningen och stödet", "Vad fungerar bra, vad kan användas bättre? Högst 5 000 tecken.", f.SupportComment),
		}},
		{Legend: "Samordning och samverkan", Fields: []pages.FormField{
			field("textarea", "coordination", "Möjligheter att samordna med kommunens andra IT-system", "För en mer rationell användning. Högst 5 000 tecken.", f.Coordination),
			field("textarea", "cooperation", "Möjligheter att samverka med andra myndigheter och organisationer", "Högst 5 000 tecken.", f.Cooperation),
		}},
		{Legend: "Effektivisering och förändringar", Fields: []pages.FormField{
			field("textarea", "efficiency", "Möjligheter att effektivisera verksamheten med IT", "Högst 5 000 tecken.", f.Efficiency),
			field("textarea", "planned_changes", "Planerade förändringar", "Till exempel uppgraderingar, nya moduler eller ändrad användning. Högst 5 000 tecken.", f.PlannedChanges),
		}},
		{Legend: "Förslag", Fields: []pages.FormField{
			radios("proposed_action", "Vad föreslår du för systemet?", "", f.ProposedAction, portal.ProposedActions),
		}},
	}
}

// evaluationFailed answers a refusal of the evaluation form as a security
// event; other errors as usual.
func (s *Server) evaluationFailed(w http.ResponseWriter, r *http.Request, err error) {
	if portal.KindOf(err) == portal.KindForbidden {
		s.denied(w, r, "not the system's administrator or IT-enheten")
		return
	}
	s.fail(w, r, err)
}

// evaluationForm is the form: the draft, or the previous answers to start
// from. Only the system's administrator and IT-enheten get it.
func (s *Server) evaluationForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx, actor := r.Context(), actorFrom(r.Context())
	form, err := s.evaluations.Form(ctx, actor, id)
	if err != nil {
		s.evaluationFailed(w, r, err)
		return
	}
	if restored, ok := s.sessions.RestoreForm(ctx, r.URL.Path, actor.PersonID); ok {
		form.Fields = evaluationFieldsFromForm(restored)
	}
	s.renderEvaluationForm(w, r, http.StatusOK, form, nil, "")
}

func (s *Server) renderEvaluationForm(w http.ResponseWriter, r *http.Request, status int, form postgres.EvaluationForm, errs map[string]string, notice string) {
	st := form.State
	m := pages.EvaluationFormView{
		SystemName: st.SystemName, SystemHref: systemHref(st.SystemID), Action: evaluationFormHref(st.SystemID),
		Errors: errorItems(errs, portal.EvaluationFieldOrder), Notice: notice, Basis: strconv.FormatInt(form.Basis, 10),
		Sections: evaluationSections(form.Fields, errs),
		DueText:  "Utvärderingen ska göras senast " + st.DueOn.Format(dateLayout) + " (minst var " + intervalText(st.IntervalMonths) + "). Status: " + st.Status.Label() + ".",
	}
	if form.Draft && form.DraftSavedAt != nil {
		m.DraftNote = "Utkast sparat " + form.DraftSavedAt.In(portal.Stockholm).Format("2006-01-02 15:04") + " av " + form.DraftBy + "."
	}
	if form.PrefilledFrom != nil {
		m.Prefilled = "Svaren är ifyllda från förra utvärderingen " + form.PrefilledFrom.Format(dateLayout) + ". Gå igenom dem och ändra det som inte längre stämmer."
	}
	s.render(w, r, status, pages.EvaluationFormPage(s.page(r, formTitle("Utvärdering: "+st.SystemName, errs), "/system"), m))
}

// saveEvaluation saves the draft ("Spara utkast") or submits ("Skicka in").
// Bad answers are shown on the form (422) and change nothing.
func (s *Server) saveEvaluation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx, actor := r.Context(), actorFrom(r.Context())
	f := evaluationFieldsFromForm(r.PostForm)
	basis, _ := strconv.ParseInt(r.PostForm.Get("basis"), 10, 64)
	submit := r.PostForm.Get("atgard") == "skicka"
	var err error
	if submit {
		_, err = s.evaluations.Submit(ctx, actor, id, basis, f, requestIDFrom(ctx))
	} else {
		err = s.evaluations.SaveDraft(ctx, actor, id, f, requestIDFrom(ctx))
	}
	var again *postgres.AlreadyEvaluatedError
	switch {
	case err == nil:
	case fieldErrors(err) != nil, errors.As(err, &again):
		form, ferr := s.evaluations.Form(ctx, actor, id)
		if ferr != nil {
			s.evaluationFailed(w, r, ferr)
			return
		}
		form.Fields = f
		if again != nil {
			form.Basis = again.Latest
			s.renderEvaluationForm(w, r, http.StatusConflict, form, nil, portal.MessageOf(err))
			return
		}
		form.Basis = basis
		s.renderEvaluationForm(w, r, http.StatusUnprocessableEntity, form, fieldErrors(err), "")
		return
	default:
		s.evaluationFailed(w, r, err)
		return
	}
	if !submit {
		s.sessions.Flash(ctx, "Utkastet är sparat. Du kan fortsätta senare; ingen utvärdering är inskickad ännu.")
		http.Redirect(w, r, evaluationFormHref(id), http.StatusSeeOther)
		return
	}
	msg := "Utvärderingen är inskickad."
	if st, err := s.evaluations.State(ctx, actor, id); err == nil {
		msg += " Nästa utvärdering ska göras senast " + st.DueOn.Format(dateLayout) + "."
	}
	s.sessions.Flash(ctx, msg)
	http.Redirect(w, r, systemHref(id)+"#utvarderingar", http.StatusSeeOther)
}

// evaluationFactRows shows an evaluation's answers.
func evaluationFactRows(e postgres.Evaluation) []pages.FactRow {
	if e.Legacy {
		return []pages.FactRow{{Label: "Utvärderad", Value: e.EvaluatedOn.Format(dateLayout)},
			{Label: "Källa", Value: "Datum från registerimporten (svaren finns inte i IT-portalen)"}}
	}
	f := e.Fields
	score := f.SupportScore
	if score != "" {
		score = portal.LabelOf(portal.SupportScores, score)
	}
	return []pages.FactRow{
		{Label: "Utvärderad", Value: e.EvaluatedOn.Format(dateLayout)},
		{Label: "Utvärderad av", Value: e.ByName},
		{Label: "Systemägare då", Value: e.Department},
		{Label: "Antal användare", Value: f.UsersCount},
		{Label: "Används som det är tänkt", Value: portal.UsedAsIntendedLabel(f.UsedAsIntended)},
		{Label: "Stöd för verksamheten", Value: score},
		{Label: "Kommentar om användningen och stödet", Value: f.SupportComment},
		{Label: "Samordning med andra IT-system", Value: f.Coordination},
		{Label: "Samverkan med andra", Value: f.Cooperation},
		{Label: "Effektivisering med IT", Value: f.Efficiency},
		{Label: "Planerade förändringar", Value: f.PlannedChanges},
		{Label: "Föreslagen åtgärd", Value: portal.ProposedActionLabel(f.ProposedAction)},
	}
}

// showEvaluation is one submitted evaluation, read only.
func (s *Server) showEvaluation(w http.ResponseWriter, r *http.Request) {
	sys, ok := s.loadSystem(w, r)
	if !ok {
		return
	}
	eid, err := strconv.ParseInt(chi.URLParam(r, "eid"), 10, 64)
	if err != nil || eid <= 0 {
		s.notFound(w, r)
		return
	}
	e, err := s.evaluations.Get(r.Context(), actorFrom(r.Context()), sys.ID, eid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	heading := "Utvärdering av " + sys.Facts.Name + " " + e.EvaluatedOn.Format(dateLayout)
	s.render(w, r, http.StatusOK, pages.EvaluationPage(s.page(r, heading, "/system"), pages.EvaluationView{
		SystemName: sys.Facts.Name, SystemHref: systemHref(sys.ID) + "#utvarderingar", Heading: heading, Facts: evaluationFactRows(e),
	}))
}

// evaluationSummary is the "Utvärderingar" section of a system's page.
// intervalErr and typed come from a refused interval change.
func evaluationSummary(id int64, st postgres.EvaluationState, hist []postgres.Evaluation, intervalErr, typed string) pages.EvaluationSummary {
	m := pages.EvaluationSummary{Status: st.Status.Label(), Overdue: st.Status == portal.EvaluationOverdue, Required: st.Required,
		DueOn: st.DueOn.Format(dateLayout), LastOn: "Aldrig", Interval: "Minst var " + intervalText(st.IntervalMonths)}
	if st.LastOn != nil {
		m.LastOn = st.LastOn.Format(dateLayout)
	}
	if st.CanEvaluate {
		m.FormHref, m.FormLabel = evaluationFormHref(id), "Utvärdera systemet"
		if st.HasDraft {
			m.FormLabel = "Fortsätt med utkastet"
		}
	}
	if st.HasDraft && st.CanEvaluate {
		m.DraftNote = "Ett utkast sparades " + st.DraftSavedAt.In(portal.Stockholm).Format("2006-01-02 15:04") + "."
	}
	if st.CanSetInterval {
		m.IntervalAction = systemHref(id) + "/utvarderingsintervall"
		value := strconv.Itoa(st.IntervalMonths)
		if typed != "" {
			value = typed
		}
		m.IntervalField = components.Field{Name: "interval", Label: "Utvärderingsintervall", Hint: "Högst 12 månader (Riktlinjer för IT, §3)",
			Value: value, Error: intervalErr}
		for n := 1; n <= portal.MaxEvaluationInterval; n++ {
			m.IntervalField.Options = append(m.IntervalField.Options, components.Option{Value: strconv.Itoa(n), Label: intervalText(n)})
		}
	}
	for _, e := range hist {
		row := pages.EvaluationRow{Href: evaluationHref(id, e.ID), Date: e.EvaluatedOn.Format(dateLayout), By: e.ByName,
			Department: e.Department, Action: portal.ProposedActionLabel(e.Fields.ProposedAction)}
		if e.Legacy {
			row.Action, row.By = "Importerat datum", "Registerimporten"
		}
		m.History = append(m.History, row)
	}
	return m
}

// evaluationRecords are the evaluations on the printable history page.
func (s *Server) evaluationRecords(r *http.Request, id int64) ([]pages.EvaluationRecord, error) {
	hist, err := s.evaluations.History(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		return nil, err
	}
	out := make([]pages.EvaluationRecord, 0, len(hist))
	for _, e := range hist {
		out = append(out, pages.EvaluationRecord{Heading: "Utvärdering " + e.EvaluatedOn.Format(dateLayout), Facts: evaluationFactRows(e)})
	}
	return out, nil
}

// setEvaluationInterval changes how often a system is evaluated
// (IT-enheten). A bad value is shown on the system's page (422).
func (s *Server) setEvaluationInterval(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	typed := strings.TrimSpace(r.PostForm.Get("interval"))
	months, perr := strconv.Atoi(typed)
	if perr != nil {
		months = 0
	}
	err := s.evaluations.SetInterval(ctx, actorFrom(ctx), id, months, requestIDFrom(ctx))
	if fe := fieldErrors(err); fe != nil {
		s.renderSystem(w, r, id, systemProblem{interval: fe["interval"], typedInterval: typed})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(ctx, "Systemet utvärderas nu minst var "+intervalText(months)+".")
	http.Redirect(w, r, systemHref(id)+"#utvarderingar", http.StatusSeeOther)
}

// dueRows are the viewer's evaluations due soon or overdue.
func (s *Server) dueRows(r *http.Request) ([]pages.DueRow, error) {
	due, err := s.evaluations.DueFor(r.Context(), actorFrom(r.Context()))
	if err != nil {
		return nil, err
	}
	out := make([]pages.DueRow, 0, len(due))
	for _, d := range due {
		out = append(out, pages.DueRow{Href: evaluationFormHref(d.SystemID), Name: d.SystemName, DueOn: d.DueOn.Format(dateLayout),
			Overdue: d.Status == portal.EvaluationOverdue, Draft: d.HasDraft})
	}
	return out, nil
}

// overviewFilterFrom reads /utvarderingar's filter: a department and a
// period (an explicit from–to, else a year, else this year).
func (s *Server) overviewFilterFrom(r *http.Request) (postgres.OverviewFilter, url.Values, map[string]string) {
	q := r.URL.Query()
	errs := map[string]string{}
	var f postgres.OverviewFilter
	if raw := strings.TrimSpace(q.Get("forvaltning")); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			errs["forvaltning"] = "Välj en förvaltning i listan."
		}
		f.DepartmentID = id
	}
	year := s.evaluations.Today().Year()
	if raw := strings.TrimSpace(q.Get("ar")); raw != "" {
		y, err := strconv.Atoi(raw)
		if err != nil || y < 2000 || y > 2100 {
			errs["ar"] = "Ange ett år mellan 2000 och 2100, till exempel " + strconv.Itoa(year) + "."
		} else {
			year = y
		}
	}
	f.From, f.To = time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	parse := func(name string) (time.Time, bool) {
		raw := strings.TrimSpace(q.Get(name))
		if raw == "" {
			return time.Time{}, false
		}
		t, err := time.Parse(dateLayout, raw)
		if err != nil || t.Year() < 2000 || t.Year() > 2100 {
			errs[name] = "Ange ett datum som 2026-01-31 (mellan år 2000 och 2100)."
			return time.Time{}, false
		}
		return t, true
	}
	from, hasFrom := parse("fran")
	to, hasTo := parse("till")
	if hasFrom {
		f.From = from
	}
	if hasTo {
		f.To = to
	}
	if (hasFrom || hasTo) && errs["fran"] == "" && errs["till"] == "" && f.To.Before(f.From) {
		errs["till"] = "Slutdatumet kan inte vara före startdatumet."
	}
	return f, q, errs
}

var overviewOrder = []string{"forvaltning", "ar", "fran", "till"}

func overviewStatusLabel(status string) string {
	switch status {
	case postgres.OverviewDone:
		return "Gjord"
	case postgres.OverviewOverdue:
		return "Försenad"
	}
	return "Att göra"
}

// evaluationOverview is /utvarderingar: per department and period, what is
// due, overdue and done (IT-enheten).
func (s *Server) evaluationOverview(w http.ResponseWriter, r *http.Request) {
	f, q, errs := s.overviewFilterFrom(r)
	deps, err := s.departments.ListActive(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	depOpts := []components.Option{{Value: "", Label: "Alla förvaltningar"}}
	for _, d := range deps {
		depOpts = append(depOpts, components.Option{Value: strconv.FormatInt(d.ID, 10), Label: d.Name})
	}
	m := pages.EvaluationOverviewView{
		Department: components.Field{Name: "forvaltning", Label: "Förvaltning", Value: q.Get("forvaltning"), Options: depOpts, Error: errs["forvaltning"]},
		Year:       components.Field{Name: "ar", Label: "År", Value: q.Get("ar"), Hint: "Till exempel " + strconv.Itoa(s.evaluations.Today().Year()), Error: errs["ar"]},
		From:       components.Field{Name: "fran", Label: "Från och med", Type: "date", Value: q.Get("fran"), Hint: "Till exempel 2026-01-01", Error: errs["fran"]},
		To:         components.Field{Name: "till", Label: "Till och med", Type: "date", Value: q.Get("till"), Hint: "Till exempel 2026-06-30", Error: errs["till"]},
	}
	if len(errs) > 0 {
		m.Errors = errorItems(errs, overviewOrder)
		s.render(w, r, http.StatusUnprocessableEntity, pages.EvaluationOverviewPage(s.page(r, formTitle("Utvärderingar", errs), "/utvarderingar"), m))
		return
	}
	ov, err := s.evaluations.Overview(r.Context(), actorFrom(r.Context()), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	inTime, err := s.evaluations.InTime(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m.InTime = inTimeGlance(inTime)
	m.Period = f.From.Format(dateLayout) + " – " + f.To.Format(dateLayout)
	m.ExportCSV, m.ExportXLSX = "/utvarderingar.csv?"+r.URL.RawQuery, "/utvarderingar.xlsx?"+r.URL.RawQuery
	count := func(c postgres.DepartmentCount) pages.EvaluationCountRow {
		name := c.Department
		if name == "" {
			name = "Saknar systemägare"
		}
		return pages.EvaluationCountRow{Department: name, Due: strconv.Itoa(c.Due), Overdue: strconv.Itoa(c.Overdue), Done: strconv.Itoa(c.Done)}
	}
	for _, c := range ov.Departments {
		m.Counts = append(m.Counts, count(c))
	}
	m.Total = count(ov.Total)
	for _, o := range ov.Rows {
		row := pages.EvaluationOverviewRow{SystemHref: systemHref(o.SystemID), SystemName: o.SystemName, Department: o.Department,
			Administrator: o.Administrator, Status: overviewStatusLabel(o.Status), Overdue: o.Status == postgres.OverviewOverdue,
			LastOn: "Aldrig", DueOn: o.DueOn.Format(dateLayout)}
		if o.LastOn != nil {
			row.LastOn = o.LastOn.Format(dateLayout)
		}
		if e := o.Evaluation; e != nil {
			row.EvaluationURL = evaluationHref(o.SystemID, e.ID)
			row.Action = portal.ProposedActionLabel(e.Fields.ProposedAction)
			if e.Legacy {
				row.Action = "Importerat datum"
			}
		}
		m.Rows = append(m.Rows, row)
	}
	s.render(w, r, http.StatusOK, pages.EvaluationOverviewPage(s.page(r, "Utvärderingar", "/utvarderingar"), m))
}

// evaluationExport is the overview as CSV or XLSX, with each evaluation's
// answers (every text cell neutralised against formulas).
func (s *Server) evaluationExport(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, _, errs := s.overviewFilterFrom(r)
		if len(errs) > 0 {
			s.errorPage(w, r, http.StatusUnprocessableEntity, "Perioden eller förvaltningen i adressen är felaktig. Välj dem på sidan Utvärderingar.")
			return
		}
		ov, err := s.evaluations.Overview(r.Context(), actorFrom(r.Context()), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		t := sheet.Table{Sheet: "Utvärderingar", Header: []string{"Förvaltning", "System", "Systemförvaltare", "Status", "Senast utvärderad",
			"Nästa utvärdering senast", "Utvärderad under perioden", "Utvärderad av", "Antal användare", "Stöd (1–5)", "Används som tänkt",
			"Föreslagen åtgärd", "Kommentar om användningen", "Samordning", "Samverkan", "Effektivisering", "Planerade förändringar"}}
		for _, o := range ov.Rows {
			due := o.DueOn
			row := []sheet.Cell{sheet.Text(o.Department), sheet.Text(o.SystemName), sheet.Text(o.Administrator),
				sheet.Text(overviewStatusLabel(o.Status)), sheet.Date(o.LastOn), sheet.Date(&due)}
			if e := o.Evaluation; e != nil {
				on := e.EvaluatedOn
				ef := e.Fields
				action := portal.ProposedActionLabel(ef.ProposedAction)
				if e.Legacy {
					action = "Importerat datum"
				}
				row = append(row, sheet.Date(&on), sheet.Text(e.ByName), wholeNumber(ef.UsersCount), wholeNumber(ef.SupportScore),
					sheet.Text(portal.UsedAsIntendedLabel(ef.UsedAsIntended)), sheet.Text(action), sheet.Text(ef.SupportComment),
					sheet.Text(ef.Coordination), sheet.Text(ef.Cooperation), sheet.Text(ef.Efficiency), sheet.Text(ef.PlannedChanges))
			} else {
				for range 11 {
					row = append(row, sheet.Text(""))
				}
			}
			t.Rows = append(t.Rows, row)
		}
		t.Title = "Utvärderingar " + f.From.Format(dateLayout) + "–" + f.To.Format(dateLayout) + ", uttaget " + takenAt() + "."
		name := "utvarderingar-" + f.From.Format(dateLayout) + "-" + f.To.Format(dateLayout)
		s.sendTable(w, r, format, name, t)
	}
}

// wholeNumber is a number cell for an answer that is a whole number (a
// count, a score), so a spreadsheet can add it; anything else stays text.
func wholeNumber(v string) sheet.Cell {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		return sheet.Int(n)
	}
	return sheet.Text(v)
}

// inTimeGlance is the chart and table of evaluations in time per
// department; nil when no system needs an evaluation.
func inTimeGlance(counts []postgres.InTimeCount) *pages.InTimeGlance {
	if len(counts) == 0 {
		return nil
	}
	g := &pages.InTimeGlance{}
	items := make([]shareItem, 0, len(counts))
	for _, c := range counts {
		name := c.Department
		if name == "" {
			name = "Saknar systemägare"
		}
		items = append(items, shareItem{Label: name, Part: c.InTime, Whole: c.Systems})
		g.Rows = append(g.Rows, pages.InTimeRow{Department: name, Systems: strconv.Itoa(c.Systems), InTime: strconv.Itoa(c.InTime),
			Percent: strconv.Itoa(percent(c.InTime, c.Systems)) + " %"})
	}
	g.Chart = shareChart("evaluation-chart", "Utvärderingar i tid per förvaltning",
		"Liggande stapeldiagram med andelen system per förvaltning vars utvärdering inte är försenad.", "system i tid", items)
	return g
}
