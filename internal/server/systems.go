package server

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

const dateLayout = "2006-01-02"

func systemHref(id int64) string { return "/system/" + strconv.FormatInt(id, 10) }

// systemFilterFrom reads the register filter from the query string (the
// list, its exports and the API share it), with what could not be used.
func systemFilterFrom(r *http.Request) (postgres.SystemFilter, *listQuery) {
	q := newListQuery(r.URL.Query())
	sorts := make([]string, len(postgres.SystemSorts))
	for i, s := range postgres.SystemSorts {
		sorts[i] = string(s)
	}
	f := postgres.SystemFilter{
		Query: q.text("q", 200), DepartmentID: q.id("forvaltning"), Lifecycle: q.choice("livscykel", portal.Lifecycles),
		Hosting: q.choice("drift", portal.Hostings), PersonalData: q.choice("personuppgifter", portal.PersonalData),
		MissingAdministrator: q.yes("saknar_forvaltare"), EvaluationOverdue: q.yes("utvardering_forsenad"),
		Sort: postgres.SystemSort(q.oneOf("sortering", sorts...)), Page: q.page(),
	}
	if q.yes("mina") {
		if a := actorFrom(r.Context()); a != nil {
			f.HeldBy = a.PersonID
		}
	}
	return f, q
}

// listSystems is the register: search, filters, sort, pages. The URL
// carries the whole filter, so a filtered view can be shared.
func (s *Server) listSystems(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	actor := actorFrom(r.Context())
	f, lq := systemFilterFrom(r)
	chosenSort := string(f.Sort) // "" is the default ("Standard"): relevance when searching
	page, err := s.systems.List(r.Context(), actor, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	deps, err := s.departments.ListActive(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Normalise()
	depOpts := []components.Option{{Value: "", Label: "Alla förvaltningar"}}
	for _, d := range deps {
		depOpts = append(depOpts, components.Option{Value: strconv.FormatInt(d.ID, 10), Label: d.Name})
	}
	deptValue := ""
	if f.DepartmentID > 0 {
		deptValue = strconv.FormatInt(f.DepartmentID, 10)
	}
	m := pages.SystemList{
		Query: components.Field{Name: "q", Label: "Sök system", Hint: "Namn, beskrivning, leverantör eller person", Value: f.Query, Type: "search", Error: lq.problems["q"]},
		Filters: []components.Field{
			{Name: "forvaltning", Label: "Systemägare", Value: deptValue, Options: depOpts, Error: lq.problems["forvaltning"]},
			{Name: "livscykel", Label: "Livscykel", Value: f.Lifecycle, Options: choiceOptions("Alla", portal.Lifecycles), Error: lq.problems["livscykel"]},
			{Name: "drift", Label: "Drift", Value: f.Hosting, Options: choiceOptions("Alla", portal.Hostings), Error: lq.problems["drift"]},
			{Name: "personuppgifter", Label: "Personuppgifter", Value: f.PersonalData, Options: choiceOptions("Alla", portal.PersonalData), Error: lq.problems["personuppgifter"]},
		},
		Errors: lq.errorItems("q", "forvaltning", "livscykel", "drift", "personuppgifter", "sortering", "saknar_forvaltare", "utvardering_forsenad", "mina"),
		Checks: []components.Field{
			{Name: "saknar_forvaltare", Label: "Bara system som saknar systemförvaltare", Checked: f.MissingAdministrator, Error: lq.problems["saknar_forvaltare"]},
			{Name: "utvardering_forsenad", Label: "Bara system med försenad utvärdering", Checked: f.EvaluationOverdue, Error: lq.problems["utvardering_forsenad"]},
			{Name: "mina", Label: "Bara mina system", Checked: f.HeldBy != 0, Error: lq.problems["mina"]},
		},
		Sort:      components.Field{Name: "sortering", Label: "Sortering", Value: chosenSort, Options: sortOptions(), Error: lq.problems["sortering"]},
		Total:     page.Total,
		Page:      page.Page,
		CanCreate: portal.CanManageRegister(actor),
		ExportCSV: "/system/export.csv?" + r.URL.RawQuery, ExportXLSX: "/system/export.xlsx?" + r.URL.RawQuery,
		SaveView: saveViewHref(portal.ViewListSystems, r.URL.RawQuery),
	}
	if portal.CanManageRegister(actor) {
		m.Bulk = bulkOperationsForm(nil, nil)
	}
	m.Summary = components.CountOf(page.Total, components.Systems)
	if f.Query != "" || f.DepartmentID != 0 || f.Lifecycle != "" || f.Hosting != "" || f.PersonalData != "" || f.MissingAdministrator || f.EvaluationOverdue || f.HeldBy != 0 {
		m.Summary += " matchar"
	}
	if page.Total == 0 {
		m.Summary = "Inga system matchar. Prova en annan sökning eller färre filter."
	}
	rows := make([]pages.SystemListRow, 0, len(page.Rows))
	for _, row := range page.Rows {
		rows = append(rows, pages.SystemListRow{
			ID: strconv.FormatInt(row.ID, 10), Href: systemHref(row.ID), Name: row.Name, Owner: row.Owner, Administrator: row.Administrator,
			AdminMissing: (row.Administrator == "" || !row.AdminActive) && row.Lifecycle != string(portal.LifecycleDecommission),
			Operations:   row.Operations, Lifecycle: lifecycleStatus(row.Lifecycle),
		})
	}
	m.Rows = rows
	pageURL := func(n int) string {
		v := url.Values{}
		for k, vals := range q {
			if k != "sida" {
				v[k] = vals
			}
		}
		v.Set("sida", strconv.Itoa(n))
		return "/system?" + v.Encode()
	}
	if page.Page > 1 {
		m.PrevHref = pageURL(page.Page - 1)
	}
	if page.Page*page.PerPage < page.Total {
		m.NextHref = pageURL(page.Page + 1)
	}
	w.Header().Add("Vary", "HX-Request")
	status := http.StatusOK
	if !lq.ok() {
		status = http.StatusBadRequest // the list is shown as if the parameter were not given
	}
	s.render(w, r, status, pages.SystemListPage(s.page(r, formTitle("System", lq.problems), "/system"), m))
}

// sortOptions start with the default ("Standard"): best match when
// searching, else name.
func sortOptions() []components.Option {
	labels := map[postgres.SystemSort]string{postgres.SortByName: "Namn", postgres.SortByOwner: "Systemägare",
		postgres.SortByLifecycle: "Livscykel", postgres.SortByChanged: "Senast ändrad"}
	out := []components.Option{{Value: "", Label: "Standard"}}
	for _, sort := range postgres.SystemSorts {
		out = append(out, components.Option{Value: string(sort), Label: labels[sort]})
	}
	return out
}

func choiceOptions(all string, choices []portal.Choice) []components.Option {
	out := []components.Option{}
	if all != "" {
		out = append(out, components.Option{Value: "", Label: all})
	}
	for _, c := range choices {
		out = append(out, components.Option{Value: c.Value, Label: c.Label})
	}
	return out
}

// loadSystem reads the system named by the path for the signed-in actor,
// answering 404 (or the service's error) itself when it cannot.
func (s *Server) loadSystem(w http.ResponseWriter, r *http.Request) (postgres.System, bool) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return postgres.System{}, false
	}
	sys, err := s.systems.Get(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return postgres.System{}, false
	}
	return sys, true
}

// formTitle marks a page title when its form has errors, so a screen reader
// user hears the problem first (GOV.UK pattern).
func formTitle(title string, errs map[string]string) string {
	if len(errs) > 0 {
		return "Fel: " + title
	}
	return title
}

// showSystem is a system's page: facts, roles today or on a chosen day,
// breaches with the guideline's section, role history and audit trail.
func (s *Server) showSystem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderSystem(w, r, id, systemProblem{})
}

// systemProblem is why a form on a system's page was refused, for the page
// shown again with it.
type systemProblem struct {
	interval, typedInterval string // a refused evaluation interval (422)
	notice                  string // a refused decision on a proposal (409)
	note, typedNote         string // a refused note on a decision (422)
}

// renderSystem renders a system's page, with the problem of a refused form.
func (s *Server) renderSystem(w http.ResponseWriter, r *http.Request, id int64, problem systemProblem) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	v, err := s.systems.Page(ctx, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sys, hist, breaches := v.System, v.History, v.Breaches
	dateField := components.Field{Name: "datum", Label: "Datum", Type: "date", Hint: "Till exempel 2025-03-01"}
	roles := sys.Roles
	heading := "Roller i dag"
	status := http.StatusOK
	switch {
	case problem.notice != "":
		status = http.StatusConflict
	case problem.interval != "" || problem.note != "":
		status = http.StatusUnprocessableEntity
	}
	if raw := r.URL.Query().Get("datum"); raw != "" {
		dateField.Value = raw
		on, err := time.Parse(dateLayout, raw)
		if err != nil || on.Year() < 1990 || on.Year() > 2100 {
			dateField.Error = "Ange ett datum som 2025-03-01 (mellan 1990 och 2100)."
			status = http.StatusUnprocessableEntity
		} else {
			roles, heading = hist.On(on), "Roller den "+raw
		}
	}
	m := pages.SystemDetail{
		Name: sys.Facts.Name, Facts: factRows(sys), RolesHeading: heading, RolesDate: dateField, Roles: roleRows(roles),
		Periods: periodRows(hist.Periods), Audit: auditRows(hist.Audit),
		CanEdit: portal.CanEditFacts(actor, sys.AdministratorID()), CanChangeRoles: portal.CanManageRegister(actor),
		EditHref: systemHref(id) + "/redigera", RolesHref: systemHref(id) + "/roller", HistoryHref: systemHref(id) + "/historik",
		DateAction: systemHref(id) + "#roller", Notice: problem.notice,
	}
	if sys.Facts.PersonalData != portal.PersonalDataNone {
		m.ProcessingHref = processingHref(id)
	}
	if v.Proposal != nil {
		m.Proposal = proposalView(sys, *v.Proposal, portal.CanDecideProposals(actor), problem)
	}
	if m.Licences, err = s.licenceSection(r, postgres.LicenceFilter{SystemID: id}, "/licenser/ny?system="+strconv.FormatInt(id, 10)); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, b := range breaches {
		t := describeBreach(b, s.cfg.OfficialWebAddress)
		m.Breaches = append(m.Breaches, pages.BreachRow{Rule: b.Rule, Section: sectionOf(b), Message: t.Message, Since: sinceDate(b), Fix: t.Fix})
	}
	m.Cases = caseRows(v.Cases)
	if m.Platform, m.PlatformHref, err = s.systemPlatform(ctx, actor, id); err != nil {
		s.fail(w, r, err)
		return
	}
	m.UpgradeHref = "/arenden/nytt?typ=uppgradering&system_id=" + strconv.FormatInt(id, 10)
	m.ChangeHref = "/arenden/nytt?typ=driftforandring&system_id=" + strconv.FormatInt(id, 10)
	m.Evaluations = evaluationSummary(id, v.Evaluation, v.Evaluations, problem.interval, problem.typedInterval)
	title := sys.Facts.Name
	errs := map[string]string{}
	if problem.interval != "" {
		errs["interval"] = problem.interval
		m.Errors = append(m.Errors, components.ErrorItem{Field: "interval", Message: problem.interval})
	}
	if problem.note != "" && m.Proposal != nil {
		errs["note"] = problem.note
		m.Errors = append(m.Errors, components.ErrorItem{Field: "note", Message: problem.note})
	}
	title = formTitle(title, errs)
	s.render(w, r, status, pages.SystemDetailPage(withBack(s.page(r, title, "/system"), "Tillbaka till registret", "/system"), m))
}

// systemCases lists the submitted cases that concern a system.
func (s *Server) systemCases(r *http.Request, id int64) ([]pages.RequestListRow, error) {
	list, err := s.requests.ForSystem(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		return nil, err
	}
	return caseRows(list), nil
}

// caseRows are cases as a system's pages list them.
func caseRows(list []postgres.RequestRow) []pages.RequestListRow {
	var out []pages.RequestListRow
	for _, c := range list {
		out = append(out, pages.RequestListRow{Href: requestHref(c.ID), Number: c.Number, Title: c.Title, Kind: c.Kind.Label(),
			State: requestStatus(c.State), Department: c.Department, Author: c.AuthorName, Submitted: dateOrEmpty(c.SubmittedAt)})
	}
	return out
}

func proposalHref(systemID, proposalID int64) string {
	return systemHref(systemID) + "/forslag/" + strconv.FormatInt(proposalID, 10)
}

// proposalView is a system's open proposal as its page shows it: what is
// proposed against what holds now, and for IT-enheten the decision forms.
func proposalView(sys postgres.System, p postgres.FactProposal, decides bool, problem systemProblem) *pages.ProposalView {
	v := &pages.ProposalView{Proposer: p.ProposerName, At: p.ProposedAt.In(stockholm).Format("2006-01-02 15:04")}
	for _, c := range p.Changes {
		now := factValueText(c.Fact.Value(sys.Facts))
		if c.Fact.Value(sys.Facts) != c.Before {
			now += " (ändrat sedan förslaget lämnades)"
		}
		v.Rows = append(v.Rows, pages.ProposalRow{Fact: c.Fact.Label(), Current: now, Proposed: factValueText(c.After)})
	}
	if decides {
		href := proposalHref(sys.ID, p.ID)
		v.ConfirmAction, v.RejectAction = href+"/bekrafta", href+"/avsla"
		v.Note = components.Field{Name: "note", Label: "Anteckning (frivillig)", Rows: 3,
			Hint: "Varför förslaget avslås. Anteckningen syns i systemets historik.", Value: problem.typedNote, Error: problem.note}
	}
	return v
}

// factValueText shows a guarded fact's value.
func factValueText(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "Ja"
		}
		return "Nej"
	case string:
		if v == "" {
			return "(tom)"
		}
		return v
	}
	return ""
}

// decideProposal confirms or rejects a system's open proposal (IT-enheten,
// checked again in the service). A refusal shows the system's page again
// with why: who decided first, or what changed since.
func (s *Server) decideProposal(confirm bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r)
		pid, pok := pathParamID(r, "pid")
		if !ok || !pok {
			s.notFound(w, r)
			return
		}
		ctx := r.Context()
		note := r.PostForm.Get("note")
		var err error
		msg := "Förslaget är bekräftat och systemets uppgifter är ändrade."
		if confirm {
			err = s.systems.ConfirmProposal(ctx, actorFrom(ctx), id, pid, note, requestIDFrom(ctx))
		} else {
			err = s.systems.RejectProposal(ctx, actorFrom(ctx), id, pid, note, requestIDFrom(ctx))
			msg = "Förslaget är avslaget. Systemets uppgifter är oförändrade."
		}
		switch portal.KindOf(err) {
		case portal.KindInvalid:
			s.renderSystem(w, r, id, systemProblem{note: fieldErrors(err)["note"], typedNote: note})
			return
		case portal.KindConflict:
			s.renderSystem(w, r, id, systemProblem{notice: portal.MessageOf(err), typedNote: note})
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.sessions.Flash(ctx, msg)
		http.Redirect(w, r, systemHref(id), http.StatusSeeOther)
	}
}

func (s *Server) systemHistory(w http.ResponseWriter, r *http.Request) {
	sys, ok := s.loadSystem(w, r)
	if !ok {
		return
	}
	hist, err := s.systems.History(r.Context(), actorFrom(r.Context()), sys.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cases, err := s.systemCases(r, sys.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	evaluations, err := s.evaluationRecords(r, sys.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.SystemHistoryPage(withBack(s.page(r, "Historik: "+sys.Facts.Name, "/system"), "Tillbaka till "+sys.Facts.Name, systemHref(sys.ID)), pages.SystemHistory{
		Name: sys.Facts.Name, Printed: time.Now().In(stockholm).Format("2006-01-02 15:04"), Facts: factRows(sys),
		Periods: periodRows(hist.Periods), Audit: auditRows(hist.Audit), Cases: cases, Evaluations: evaluations,
	}))
}

func factRows(sys postgres.System) []pages.FactRow {
	f := sys.Facts
	yesNo := func(b bool) string {
		if b {
			return "Ja"
		}
		return "Nej"
	}
	lastEval := "Aldrig"
	if sys.LastEval != nil {
		lastEval = sys.LastEval.Format(dateLayout)
	}
	rows := []pages.FactRow{
		{Label: "Beskrivning", Value: f.Description}, {Label: "Syfte", Value: f.Purpose},
		{Label: "Kategori", Value: portal.LabelOf(portal.Categories, f.Category)},
		{Label: "Livscykel", Value: portal.LabelOf(portal.Lifecycles, f.Lifecycle), Tag: tagOf(lifecycleStatus(f.Lifecycle))},
		{Label: "Leverantör", Value: f.Supplier}, {Label: "Produkt", Value: f.Product}, {Label: "Version", Value: f.Version},
		{Label: "Drift", Value: portal.LabelOf(portal.Hostings, f.Hosting)},
		{Label: "Personuppgifter", Value: portal.LabelOf(portal.PersonalData, f.PersonalData)},
		{Label: "Öppen källkod", Value: yesNo(f.OpenSource)}, {Label: "Egenutvecklad", Value: yesNo(f.SelfDeveloped)},
	}
	if f.SelfDeveloped {
		rows = append(rows, pages.FactRow{Label: "Beslut om egenutveckling", Value: f.SelfDevelopedRef})
	}
	rows = append(rows, pages.FactRow{Label: "Webbplats som representerar kommunen", Value: yesNo(f.RepresentsMunicipality)})
	if f.WebAddress != "" {
		row := pages.FactRow{Label: "Webbadress", Value: f.WebAddress}
		if u, err := url.Parse(f.WebAddress); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
			row.Href = f.WebAddress
		}
		rows = append(rows, row)
	}
	rows = append(rows,
		pages.FactRow{Label: "Infört före IT-portalen", Value: yesNo(f.IntroducedBeforePortal)},
		pages.FactRow{Label: "Senast utvärderad", Value: lastEval},
		pages.FactRow{Label: "Nästa utvärdering senast", Value: sys.EvaluationDue().Format(dateLayout)},
		pages.FactRow{Label: "Anteckningar", Value: f.Notes},
	)
	return rows
}

func roleRows(roles map[portal.SystemRole]*postgres.Holder) []pages.RoleRow {
	var out []pages.RoleRow
	for _, role := range portal.SystemRoles {
		h := roles[role]
		if h == nil {
			out = append(out, pages.RoleRow{Role: role.Label(), Missing: true})
			continue
		}
		row := pages.RoleRow{Role: role.Label(), Holder: h.Name, Contact: h.Email, From: h.From.Format(dateLayout), AppointedBy: h.AppointedBy}
		if h.PersonID != 0 {
			row.HolderHref = personHref(h.PersonID)
		}
		if u := h.Until(); u != nil {
			row.Until = u.Format(dateLayout)
		}
		if role == portal.RoleAdministrator && !h.PersonActive {
			row.Holder += " (inte längre aktiv)"
		}
		out = append(out, row)
	}
	return out
}

func periodRows(periods []postgres.Holder) []pages.PeriodRow {
	out := make([]pages.PeriodRow, 0, len(periods))
	for _, h := range periods {
		row := pages.PeriodRow{Role: h.Role.Label(), Holder: h.Name, From: h.From.Format(dateLayout), AppointedBy: h.AppointedBy, Reason: h.Reason, ChangedBy: h.CreatedBy}
		if u := h.Until(); u != nil {
			row.Until = u.Format(dateLayout)
		}
		out = append(out, row)
	}
	return out
}

func auditRows(audit []postgres.AuditRow) []pages.HistoryEntry {
	out := make([]pages.HistoryEntry, 0, len(audit))
	for i := len(audit) - 1; i >= 0; i-- { // newest first
		a := audit[i]
		who := "Systemet"
		if a.ActorName != nil {
			who = *a.ActorName
		}
		out = append(out, pages.HistoryEntry{At: formatTime(&a.At), Actor: who, Action: describeAudit(a)})
	}
	return out
}

// describeAudit turns an audit row into a Swedish sentence with the changes.
func describeAudit(a postgres.AuditRow) string {
	switch a.Action {
	case "system.created":
		return "Systemet registrerades"
	case "system.updated":
		var fields []string
		for k := range a.Changes {
			fields = append(fields, factLabel(k))
		}
		sort.Strings(fields)
		return "Uppgifter ändrade: " + strings.Join(fields, ", ")
	case "system.facts_proposed":
		text := "Förslag till IT-enheten: " + auditFactChanges(a.Changes["facts"])
		if _, ok := a.Changes["supersedes"]; ok {
			text += " (ersätter ett tidigare förslag)"
		}
		return text
	case "system.proposal_confirmed", "system.proposal_rejected":
		proposer, _ := a.Changes["proposer"].(string)
		verb := "bekräftat"
		if a.Action == "system.proposal_rejected" {
			verb = "avslaget"
		}
		text := "Förslag från " + proposer + " " + verb + ": " + auditFactChanges(a.Changes["facts"])
		if note, _ := a.Changes["note"].(string); note != "" {
			text += ". Anteckning: " + note
		}
		return text
	case "system.corrected":
		reason, _ := a.Changes["reason"].(string)
		return "Rättelse: " + reason
	case "system.evaluated":
		action, _ := a.Changes["proposed_action"].(string)
		return "Utvärdering inskickad (föreslagen åtgärd: " + portal.ProposedActionLabel(action) + ")"
	case "system.evaluation_interval_changed":
		ch, _ := a.Changes["evaluation_interval_months"].(map[string]any)
		before, _ := ch["before"].(float64)
		after, _ := ch["after"].(float64)
		return "Utvärderingsintervall ändrat från " + intervalText(int(before)) + " till " + intervalText(int(after))
	case "system.role_changed":
		role, _ := a.Changes["role"].(string)
		after, _ := a.Changes["after"].(map[string]any)
		holder, _ := after["holder"].(string)
		from, _ := after["from"].(string)
		if _, replaces := a.Changes["replaces"]; replaces {
			before, _ := a.Changes["before"].(map[string]any)
			earlier, _ := before["holder"].(string)
			return "Rättelse samma dag: " + portal.SystemRole(role).Label() + ": " + holder + " från " + from + " (i stället för " + earlier + ")"
		}
		if correction, _ := a.Changes["correction"].(bool); correction {
			return "Rättelse av historiken: " + portal.SystemRole(role).Label() + ": " + holder + " från " + from
		}
		return portal.SystemRole(role).Label() + ": " + holder + " från " + from
	}
	return auditLabel(a.Action)
}

// auditFactChanges describes the guarded facts of a proposal's audit row
// ({"fact": {"before": …, "after": …}}) in the facts' order.
func auditFactChanges(v any) string {
	m, _ := v.(map[string]any)
	var parts []string
	for _, g := range portal.GuardedFacts {
		ch, ok := m[string(g)].(map[string]any)
		if !ok {
			continue
		}
		parts = append(parts, factLabel(string(g))+" "+factValueText(ch["before"])+" → "+factValueText(ch["after"]))
	}
	return strings.Join(parts, ", ")
}

var factLabels = map[string]string{
	"name": "namn", "description": "beskrivning", "purpose": "syfte", "category": "kategori", "lifecycle": "livscykel",
	"supplier": "leverantör", "product": "produkt", "version": "version", "hosting": "drift", "personal_data": "personuppgifter",
	"open_source": "öppen källkod", "self_developed": "egenutvecklad", "self_developed_ref": "beslut om egenutveckling",
	"represents_municipality": "representerar kommunen", "web_address": "webbadress", "notes": "anteckningar",
	"introduced_before_portal": "infört före portalen",
}

func factLabel(k string) string {
	if l, ok := factLabels[k]; ok {
		return l
	}
	return k
}

// systemForm builds the create/edit form for facts. For someone who may
// not set guarded facts they come apart, as guarded, in the form's order:
// the form shows them together, saying that a change is a proposal.
func systemForm(f portal.SystemFacts, errs map[string]string, canSetLifecycle, canSetGuarded bool) (fields, guarded []pages.FormField) {
	field := func(kind, name, label, hint, value string) pages.FormField {
		return pages.FormField{Kind: kind, Field: components.Field{Name: name, Label: label, Hint: hint, Value: value, Error: errs[name]}}
	}
	check := func(name, label, hint string, v bool) pages.FormField {
		return pages.FormField{Kind: "checkbox", Field: components.Field{Name: name, Label: label, Hint: hint, Checked: v, Error: errs[name]}}
	}
	sel := func(name, label, value string, choices []portal.Choice) pages.FormField {
		ff := field("select", name, label, "", value)
		ff.Options = choiceOptions("", choices)
		return ff
	}
	lifecycle := sel("lifecycle", "Livscykel", f.Lifecycle, portal.Lifecycles)
	if !canSetLifecycle {
		lifecycle = pages.FormField{Kind: "readonly", Field: components.Field{Name: "lifecycle", Label: "Livscykel (ändras av IT-enheten)", Value: f.Lifecycle}}
	}
	web := field("text", "web_address", "Webbadress", "För webbplatser: hela adressen, till exempel https://www.lillaedet.se/", f.WebAddress)
	web.Type = "url"
	all := []pages.FormField{
		field("text", "name", "Systemets namn", "", f.Name),
		field("textarea", "description", "Beskrivning", "Vad systemet används till", f.Description),
		field("textarea", "purpose", "Syfte", "", f.Purpose),
		sel("category", "Kategori", f.Category, portal.Categories),
		lifecycle,
		field("text", "supplier", "Leverantör", "", f.Supplier),
		field("text", "product", "Produkt", "", f.Product),
		field("text", "version", "Version", "", f.Version),
		sel("hosting", "Drift", f.Hosting, portal.Hostings),
		sel("personal_data", "Personuppgifter", f.PersonalData, portal.PersonalData),
		check("open_source", "Öppen källkod", "Kräver särskild prövning av chefen för IT-enheten (§7)", f.OpenSource),
		check("self_developed", "Egenutvecklad applikation", "Tillåts bara efter särskilt beslut av chefen för IT-enheten (§7)", f.SelfDeveloped),
		field("text", "self_developed_ref", "Beslut om egenutveckling", "Ärende- eller diarienummer", f.SelfDevelopedRef),
		check("represents_municipality", "Webbplats som representerar kommunen", "Ska finnas på kommunens officiella adress (§10)", f.RepresentsMunicipality),
		web,
		check("introduced_before_portal", "Infört före IT-portalen", "För system som var i drift innan införandeärenden hanterades här", f.IntroducedBeforePortal),
		field("textarea", "notes", "Anteckningar", "", f.Notes),
	}
	if canSetGuarded {
		return all, nil
	}
	for _, ff := range all {
		if portal.GuardedFact(ff.Name).Valid() {
			guarded = append(guarded, ff)
		} else {
			fields = append(fields, ff)
		}
	}
	return fields, guarded
}

func factsFromForm(r *http.Request) portal.SystemFacts {
	v := r.PostForm
	return portal.SystemFacts{
		Name: v.Get("name"), Description: v.Get("description"), Purpose: v.Get("purpose"), Category: v.Get("category"),
		Lifecycle: v.Get("lifecycle"), Supplier: v.Get("supplier"), Product: v.Get("product"), Version: v.Get("version"),
		Hosting: v.Get("hosting"), PersonalData: v.Get("personal_data"), OpenSource: v.Get("open_source") == "ja",
		SelfDeveloped: v.Get("self_developed") == "ja", SelfDevelopedRef: v.Get("self_developed_ref"),
		RepresentsMunicipality: v.Get("represents_municipality") == "ja", WebAddress: v.Get("web_address"), Notes: v.Get("notes"),
		IntroducedBeforePortal: v.Get("introduced_before_portal") == "ja",
	}
}

var factOrder = []string{"name", "description", "purpose", "category", "lifecycle", "supplier", "product", "version", "hosting",
	"personal_data", "open_source", "self_developed", "self_developed_ref", "represents_municipality", "web_address",
	"introduced_before_portal", "notes"}

func errorItems(errs map[string]string, order []string) []components.ErrorItem {
	var out []components.ErrorItem
	for _, k := range order {
		if msg, ok := errs[k]; ok {
			out = append(out, components.ErrorItem{Field: k, Message: msg})
		}
	}
	return out
}

func fieldErrors(err error) map[string]string {
	var pe *portal.Error
	if errors.As(err, &pe) && pe.Kind == portal.KindInvalid {
		return pe.Fields
	}
	return nil
}

func (s *Server) newSystemForm(w http.ResponseWriter, r *http.Request) {
	f := portal.NewSystemFacts()
	if restored, ok := s.sessions.RestoreForm(r.Context(), r.URL.Path, actorFrom(r.Context()).PersonID); ok {
		r.PostForm = restored
		f = factsFromForm(r)
	}
	s.renderSystemForm(w, r, http.StatusOK, 0, f, nil, nil, "")
}

func (s *Server) renderSystemForm(w http.ResponseWriter, r *http.Request, status int, id int64, f portal.SystemFacts, errs map[string]string, conflict []pages.ConflictRow, version string) {
	actor := actorFrom(r.Context())
	fields, guarded := systemForm(f, errs, portal.CanManageRegister(actor), portal.CanSetGuardedFacts(actor))
	m := pages.SystemForm{Heading: "Registrera nytt system", Action: "/system/ny", Submit: "Registrera systemet", CancelHref: "/system",
		Errors: errorItems(errs, factOrder), Conflict: conflict, RowVersion: version, Fields: fields}
	if guarded != nil {
		m.Guarded = &pages.GuardedFields{Fields: guarded}
		if id != 0 {
			open, err := s.systems.OpenProposal(r.Context(), actor, id)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if open != nil {
				m.Guarded.Waiting = "Ett förslag från " + open.ProposerName + " (" + open.ProposedAt.In(stockholm).Format("2006-01-02 15:04") +
					") väntar på IT-enheten: " + changesText(open.Changes) + ". Formuläret visar de föreslagna värdena; ändrar du dem ersätter ett nytt förslag det som väntar."
			}
		}
	}
	title := m.Heading
	if id != 0 {
		m.Heading, m.Action, m.Submit, m.CancelHref = "Ändra uppgifter: "+f.Name, systemHref(id)+"/redigera", "Spara ändringarna", systemHref(id)
		title = "Ändra uppgifter"
	}
	title = formTitle(title, errs)
	s.render(w, r, status, pages.SystemFormPage(s.page(r, title, "/system"), m))
}

func (s *Server) createSystem(w http.ResponseWriter, r *http.Request) {
	f := factsFromForm(r)
	id, err := s.systems.Create(r.Context(), actorFrom(r.Context()), f, requestIDFrom(r.Context()))
	if errs := fieldErrors(err); errs != nil {
		s.renderSystemForm(w, r, http.StatusUnprocessableEntity, 0, f, errs, nil, "")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Systemet är registrerat. Registrera nu dess roller.")
	http.Redirect(w, r, systemHref(id)+"/roller", http.StatusSeeOther)
}

func (s *Server) editSystemForm(w http.ResponseWriter, r *http.Request) {
	sys, ok := s.loadSystem(w, r)
	if !ok {
		return
	}
	id, actor := sys.ID, actorFrom(r.Context())
	if !portal.CanEditFacts(actor, sys.AdministratorID()) {
		s.denied(w, r, "not the system's administrator or IT-enheten")
		return
	}
	f, version := sys.Facts, strconv.Itoa(sys.RowVersion)
	if !portal.CanSetGuardedFacts(actor) {
		// The form shows what waits for IT-enheten: saved unchanged, the
		// proposal stays; changed, a new proposal replaces it.
		open, err := s.systems.OpenProposal(r.Context(), actor, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if open != nil {
			f, _ = f.ApplyChanges(open.Changes)
		}
	}
	if restored, ok := s.sessions.RestoreForm(r.Context(), r.URL.Path, actor.PersonID); ok {
		r.PostForm = restored
		f, version = factsFromForm(r), restored.Get("row_version")
	}
	s.renderSystemForm(w, r, http.StatusOK, id, f, nil, nil, version)
}

func (s *Server) updateSystem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	f := factsFromForm(r)
	version, _ := strconv.Atoi(r.PostForm.Get("row_version"))
	saved, err := s.systems.UpdateFacts(r.Context(), actorFrom(r.Context()), id, version, f, requestIDFrom(r.Context()))
	var stale *postgres.StaleError
	switch {
	case errors.As(err, &stale):
		// Nothing is lost: the page shows what changed and keeps the values
		// entered; saving again applies them over the current version.
		cur := stale.Current.Facts
		var conflict []pages.ConflictRow
		for k, ch := range postgresChanges(cur, f) {
			conflict = append(conflict, pages.ConflictRow{Field: factLabel(k), Theirs: ch[0], Yours: ch[1]})
		}
		sort.Slice(conflict, func(i, j int) bool { return conflict[i].Field < conflict[j].Field })
		s.renderSystemForm(w, r, http.StatusConflict, id, f, nil, conflict, strconv.Itoa(stale.Current.RowVersion))
		return
	case fieldErrors(err) != nil:
		s.renderSystemForm(w, r, http.StatusUnprocessableEntity, id, f, fieldErrors(err), nil, r.PostForm.Get("row_version"))
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), savedMessage(saved))
	http.Redirect(w, r, systemHref(id), http.StatusSeeOther)
}

// savedMessage says what a save of the facts stored and what it sent to
// IT-enheten to confirm.
func savedMessage(saved postgres.FactsSaved) string {
	if saved.Proposal == nil {
		return "Ändringarna är sparade."
	}
	proposal := "Skickat till IT-enheten för bekräftelse: " + changesText(saved.Proposal.Changes) + "."
	if !saved.NewProposal {
		proposal = "Förslaget väntar redan på IT-enheten: " + changesText(saved.Proposal.Changes) + "."
	}
	if len(saved.Changed) == 0 {
		return proposal + " Inget annat ändrades."
	}
	var labels []string
	for _, k := range factOrder {
		if slices.Contains(saved.Changed, k) {
			labels = append(labels, factLabel(k))
		}
	}
	return "Sparat: " + strings.Join(labels, ", ") + ". " + proposal
}

// changesText lists proposed changes: "Infört före IT-portalen: Ja".
func changesText(changes []portal.FactChange) string {
	parts := make([]string, 0, len(changes))
	for _, c := range changes {
		parts = append(parts, c.Fact.Label()+": "+factValueText(c.After))
	}
	return strings.Join(parts, "; ")
}

// postgresChanges lists fields whose current value differs from the one
// entered: field → [current, entered].
func postgresChanges(cur, mine portal.SystemFacts) map[string][2]string {
	out := map[string][2]string{}
	pairs := map[string][2]string{
		"name": {cur.Name, mine.Name}, "description": {cur.Description, mine.Description}, "purpose": {cur.Purpose, mine.Purpose},
		"category": {cur.Category, mine.Category}, "lifecycle": {cur.Lifecycle, mine.Lifecycle}, "supplier": {cur.Supplier, mine.Supplier},
		"product": {cur.Product, mine.Product}, "version": {cur.Version, mine.Version}, "hosting": {cur.Hosting, mine.Hosting},
		"personal_data": {cur.PersonalData, mine.PersonalData}, "web_address": {cur.WebAddress, mine.WebAddress}, "notes": {cur.Notes, mine.Notes},
		"self_developed_ref": {cur.SelfDevelopedRef, mine.SelfDevelopedRef},
	}
	for k, p := range pairs {
		if p[0] != p[1] {
			out[k] = p
		}
	}
	return out
}
