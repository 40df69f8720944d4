package server

import (
	"context"
	"net/http"
	"net/url"
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

// The fixed IT infrastructure (§4.5): the catalogue everyone reads, the
// IT head's record of earlier decisions, IT-enheten's links of systems to
// components, the list of systems on components being phased out, the
// export and the read API. Changes of the catalogue are cases
// (plattformsbeslut); the case pages show how an introduction's or
// upgrade's components stand, and take the exceptions with the decision.

func platformHref(id int64) string { return "/plattform/" + strconv.FormatInt(id, 10) }

const proposePlatformHref = "/arenden/nytt?typ=" + string(portal.KindPlatformDecision)

var platformTones = map[portal.PlatformStatus]components.Tone{
	portal.PlatformStandard:   components.ToneGreen,
	portal.PlatformException:  components.ToneYellow,
	portal.PlatformPhasingOut: components.ToneYellow,
	portal.PlatformForbidden:  components.ToneRed,
}

// platformStatus is a component's status as a tag; a phase-out whose end
// date has passed is red and says so.
func platformStatus(st portal.PlatformStatus, endsOn *time.Time, today time.Time) components.Status {
	tag := components.Status{Label: st.Label(), Tone: platformTones[st]}
	if st == portal.PlatformPhasingOut && endsOn != nil && portal.DateOf(*endsOn).Before(today) {
		tag = components.Status{Label: "Avvecklingen har passerat slutdatum", Tone: components.ToneRed}
	}
	return tag
}

func platformDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(dateLayout)
}

func decisionText(c postgres.PlatformComponent) string {
	return strings.TrimSpace(c.Decision.Reference + " " + c.Decision.DecidedOn.Format(dateLayout))
}

func (s *Server) listPlatform(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r.Context())
	list, err := s.platform.List(r.Context(), actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	phased, err := s.platform.PhasedOut(r.Context(), actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := s.today()
	m := pages.PlatformCatalogue{CanRecord: portal.CanFixPlatform(actor), PhasedOut: len(phased), ProposeHref: proposePlatformHref}
	for _, c := range list {
		if len(m.Groups) == 0 || m.Groups[len(m.Groups)-1].ID != string(c.Category) {
			m.Groups = append(m.Groups, pages.PlatformGroup{ID: string(c.Category), Heading: c.Category.Label()})
		}
		g := &m.Groups[len(m.Groups)-1]
		g.Rows = append(g.Rows, pages.PlatformRow{Href: platformHref(c.ID), Name: c.Display(), Status: platformStatus(c.Status, c.EndsOn, today),
			EndsOn: platformDate(c.EndsOn), Decision: decisionText(c), Systems: c.Systems})
	}
	s.render(w, r, http.StatusOK, pages.PlatformCataloguePage(s.page(r, "IT-infrastruktur", "/plattform"), m))
}

func (s *Server) showPlatformComponent(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	v, err := s.platform.Get(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, today := v.Component, s.today()
	m := pages.PlatformComponentPage{Name: c.Display(), Status: platformStatus(c.Status, c.EndsOn, today), ProposeHref: proposePlatformHref,
		Facts: []pages.FactRow{
			{Label: "Sorts plattform", Value: c.Category.Label()},
			{Label: "Version eller nivå", Value: c.Version},
			{Label: "Slutdatum för avvecklingen", Value: platformDate(c.EndsOn)},
			{Label: "Fastställd genom", Value: c.Decision.Reference},
			{Label: "Beslutsdatum", Value: c.Decision.DecidedOn.Format(dateLayout)},
			{Label: "Finansiering (4.5)", Value: c.Decision.FinancingReference},
			{Label: "Beslutat av", Value: c.DecidedBy},
			{Label: "Anteckningar", Value: c.Notes},
		}}
	if c.RequestID != 0 {
		m.Facts[3].Href = requestHref(c.RequestID)
	}
	var facts []pages.FactRow
	for _, f := range m.Facts {
		if f.Value != "" {
			facts = append(facts, f)
		}
	}
	m.Facts = facts
	for _, h := range v.History {
		row := pages.PlatformHistoryRow{At: h.At.In(stockholm).Format("2006-01-02 15:04"), Change: "Förd in i katalogen",
			Status: platformStatus(h.Status, h.EndsOn, today), EndsOn: platformDate(h.EndsOn), Decision: h.Decision.Reference,
			DecidedOn: h.Decision.DecidedOn.Format(dateLayout), Financing: h.Decision.FinancingReference, By: h.DecidedBy}
		if h.Change == "status" {
			row.Change = "Ny status"
		}
		if h.RequestID != 0 {
			row.DecisionHref = requestHref(h.RequestID)
		}
		m.History = append(m.History, row)
	}
	for _, sys := range v.Systems {
		m.Systems = append(m.Systems, pages.PlatformSystemRow{Href: systemHref(sys.ID), Name: sys.Name, Lifecycle: lifecycleStatus(sys.Lifecycle), Owner: sys.Owner})
	}
	s.render(w, r, http.StatusOK, pages.PlatformComponentView(withBack(s.page(r, c.Display(), "/plattform"), "Tillbaka till IT-infrastrukturen", "/plattform"), m))
}

func (s *Server) phasedOutSystems(w http.ResponseWriter, r *http.Request) {
	list, err := s.platform.PhasedOut(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := s.today()
	var m pages.PhasedOutList
	for _, p := range list {
		m.Rows = append(m.Rows, pages.PhasedOutRow{SystemHref: systemHref(p.SystemID), System: p.SystemName, Lifecycle: lifecycleStatus(p.Lifecycle),
			Owner: p.Owner, ComponentHref: platformHref(p.ComponentID), Component: p.Component, Status: phaseOutTag(p.Status, p.EndsOn, today)})
	}
	s.render(w, r, http.StatusOK, pages.PhasedOutPage(withBack(s.page(r, "System på komponenter under avveckling", "/plattform"), "Tillbaka till IT-infrastrukturen", "/plattform"), m))
}

// phaseOutTag is the status tag with the end date in words.
func phaseOutTag(st portal.PlatformStatus, endsOn *time.Time, today time.Time) components.Status {
	tag := platformStatus(st, endsOn, today)
	if endsOn != nil {
		tag.Label = portal.Judge(st, endsOn, today).Label
	}
	return tag
}

func (s *Server) exportPlatform(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		list, err := s.platform.List(r.Context(), actorFrom(r.Context()))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		t := sheet.Table{Sheet: "IT-infrastruktur",
			Title: "Lilla Edets kommuns fastställda IT-infrastruktur (Riktlinjer för IT, 4.5), uttagen " + takenAt() + ".",
			Header: []string{"Sorts plattform", "Komponent", "Version eller nivå", "Status", "Slutdatum för avveckling", "Beslut", "Beslutsdatum",
				"Finansiering", "Beslutat av", "System", "Varav i drift"}}
		for _, c := range list {
			decided := c.Decision.DecidedOn
			t.Rows = append(t.Rows, []sheet.Cell{sheet.Text(c.Category.Label()), sheet.Text(c.Name), sheet.Text(c.Version), sheet.Text(c.Status.Label()),
				sheet.Date(c.EndsOn), sheet.Text(c.Decision.Reference), sheet.Date(&decided), sheet.Text(c.Decision.FinancingReference), sheet.Text(c.DecidedBy),
				sheet.Int(c.Systems), sheet.Int(c.InOperation)})
		}
		s.sendTable(w, r, format, "it-infrastruktur-"+time.Now().In(stockholm).Format("2006-01-02"), t)
	}
}

var platformRecordOrder = []string{"category", "name", "version", "status", "ends_on", "decision_reference", "decided_on", "financing_reference", "notes"}

func (s *Server) newPlatformForm(w http.ResponseWriter, r *http.Request) {
	s.renderPlatformForm(w, r, http.StatusOK, url.Values{}, nil)
}

func (s *Server) renderPlatformForm(w http.ResponseWriter, r *http.Request, status int, v url.Values, errs map[string]string) {
	field := func(name, label, hint string) components.Field {
		return components.Field{Name: name, Label: label, Hint: hint, Value: v.Get(name), Error: errs[name]}
	}
	category := field("category", "Sorts plattform", "")
	category.Options = choiceOptions("Välj", portal.PlatformCategories)
	st := field("status", "Status", "")
	st.Options = choiceOptions("Välj", portal.PlatformStatuses)
	notes := field("notes", "Anteckningar", "")
	notes.Rows = 3
	m := pages.PlainForm{Heading: "Registrera ett tidigare beslut om IT-infrastrukturen", Action: "/plattform/ny", Submit: "Spara komponenten", CancelHref: "/plattform",
		Intro:  "För beslut som chefen för IT-enheten fattade innan de fattades i portalen. Nya beslut fattas i ett ärende om plattformsbeslut. Finansiering måste finnas innan beslut fattas (4.5).",
		Errors: errorItems(errs, platformRecordOrder),
		Groups: []pages.FieldGroup{
			{Legend: "Komponenten", Fields: []components.Field{category, field("name", "Namn", "Till exempel Windows Server"),
				field("version", "Version eller nivå", "Till exempel 2022; lämna tomt om komponenten inte har någon"), st,
				{Name: "ends_on", Label: "Slutdatum för avvecklingen", Hint: "Bara för en komponent under avveckling, till exempel 2027-06-30", Type: "date", Value: v.Get("ends_on"), Error: errs["ends_on"]}, notes}},
			{Legend: "Beslutet", Fields: []components.Field{field("decision_reference", "Beslut", "Till exempel diarienummer eller protokollets paragraf"),
				{Name: "decided_on", Label: "Beslutsdatum", Hint: "Till exempel 2024-03-01", Type: "date", Value: v.Get("decided_on"), Error: errs["decided_on"]},
				field("financing_reference", "Finansiering", "Beslutet om finansiering, till exempel KS 2024/15")}},
		}}
	s.render(w, r, status, pages.PlainFormPage(s.page(r, formTitle(m.Heading, errs), "/plattform"), m))
}

// parseFormDate reads a date field; "" is nil, anything else that does not
// parse is a field error.
func parseFormDate(v, name string, errs map[string]string) *time.Time {
	t, ok := parseOptionalDate(v)
	switch {
	case !ok:
		errs[name] = "Ange ett datum som 2027-01-15."
		return nil
	case t.IsZero():
		return nil
	}
	return &t
}

func (s *Server) createPlatformComponent(w http.ResponseWriter, r *http.Request) {
	v := r.PostForm
	errs := map[string]string{}
	f := portal.PlatformComponentFields{Category: portal.PlatformCategory(v.Get("category")), Name: v.Get("name"), Version: v.Get("version"),
		Status: portal.PlatformStatus(v.Get("status")), EndsOn: parseFormDate(v.Get("ends_on"), "ends_on", errs), Notes: v.Get("notes")}
	d := portal.PlatformDecision{Reference: v.Get("decision_reference"), FinancingReference: v.Get("financing_reference")}
	if on := parseFormDate(v.Get("decided_on"), "decided_on", errs); on != nil {
		d.DecidedOn = *on
	}
	if len(errs) > 0 {
		// Every problem at once: the rest is checked too.
		for k, msg := range f.Validate() {
			if _, ok := errs[k]; !ok {
				errs[k] = msg
			}
		}
		for k, msg := range d.Validate() {
			if _, ok := errs[k]; !ok {
				errs[k] = msg
			}
		}
		s.renderPlatformForm(w, r, http.StatusUnprocessableEntity, v, errs)
		return
	}
	id, err := s.platform.Record(r.Context(), actorFrom(r.Context()), f, d, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderPlatformForm(w, r, http.StatusUnprocessableEntity, v, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Komponenten är förd in i katalogen med beslutet.")
	http.Redirect(w, r, platformHref(id), http.StatusSeeOther)
}

func (s *Server) systemPlatformForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderSystemPlatformForm(w, r, http.StatusOK, id, nil, "")
}

func (s *Server) renderSystemPlatformForm(w http.ResponseWriter, r *http.Request, status int, id int64, chosen []string, problem string) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	sys, err := s.systems.Get(ctx, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.platform.List(ctx, actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if chosen == nil {
		current, err := s.platform.SystemComponents(ctx, actor, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, c := range current {
			chosen = append(chosen, strconv.FormatInt(c.ID, 10))
		}
	}
	today := s.today()
	m := pages.SystemPlatformForm{Heading: "Plattform för " + sys.Facts.Name, Action: systemHref(id) + "/plattform", CancelHref: systemHref(id) + "#plattform", Error: problem}
	if problem != "" {
		m.Errors = []components.ErrorItem{{Field: "komponent", Message: problem}}
	}
	for _, c := range list {
		if len(m.Groups) == 0 || m.Groups[len(m.Groups)-1].Legend != c.Category.Label() {
			m.Groups = append(m.Groups, components.CheckboxGroup{Legend: c.Category.Label(), Name: "komponent", Anchored: len(m.Groups) == 0})
		}
		value := strconv.FormatInt(c.ID, 10)
		g := &m.Groups[len(m.Groups)-1]
		g.Options = append(g.Options, components.CheckboxOption{Value: value, Label: c.Display() + " (" + phaseOutTag(c.Status, c.EndsOn, today).Label + ")",
			Checked: containsString(chosen, value)})
	}
	title := m.Heading
	if problem != "" {
		title = "Fel: " + title
	}
	s.render(w, r, status, pages.SystemPlatformFormPage(withBack(s.page(r, title, "/system"), "Tillbaka till systemet", systemHref(id)), m))
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) updateSystemPlatform(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	chosen := r.PostForm["komponent"]
	var ids []int64
	for _, v := range chosen {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			s.renderSystemPlatformForm(w, r, http.StatusUnprocessableEntity, id, []string{}, "Välj komponenterna i listan.")
			return
		}
		if !containsID(ids, n) {
			ids = append(ids, n)
		}
	}
	err := s.platform.SetSystemComponents(r.Context(), actorFrom(r.Context()), id, ids, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderSystemPlatformForm(w, r, http.StatusUnprocessableEntity, id, chosen, fe["komponent"])
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Systemets plattformskomponenter är sparade.")
	http.Redirect(w, r, systemHref(id)+"#plattform", http.StatusSeeOther)
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// systemPlatform is a system page's section of what the system runs on.
func (s *Server) systemPlatform(ctx context.Context, actor *portal.Actor, id int64) ([]pages.PlatformLine, string, error) {
	list, err := s.platform.SystemComponents(ctx, actor, id)
	if err != nil {
		return nil, "", err
	}
	today := s.today()
	var out []pages.PlatformLine
	for _, c := range list {
		out = append(out, pages.PlatformLine{Href: platformHref(c.ID), Name: c.Display(), Status: phaseOutTag(c.Status, c.EndsOn, today)})
	}
	edit := ""
	if portal.CanLinkPlatform(actor) {
		edit = systemHref(id) + "/plattform"
	}
	return out, edit, nil
}

// platformOptions are the catalogue's components as a case form offers
// them, with their status in words.
func (s *Server) platformOptions(ctx context.Context) ([]components.Option, error) {
	list, err := s.platform.List(ctx, actorFrom(ctx))
	if err != nil {
		return nil, err
	}
	today := s.today()
	var out []components.Option
	for _, c := range list {
		out = append(out, components.Option{Value: strconv.FormatInt(c.ID, 10),
			Label: c.Category.Label() + ": " + c.Display() + " (" + phaseOutTag(c.Status, c.EndsOn, today).Label + ")"})
	}
	return out, nil
}

// withPlatformChoices makes a case form's component field checkboxes of
// the catalogue.
func withPlatformChoices(sections []pages.FormSection, options []components.Option) {
	for i := range sections {
		for j := range sections[i].Fields {
			if fd, ok := portal.FieldOf(portal.KindIntroduction, sections[i].Fields[j].Name); ok && fd.Kind == portal.FieldComponents {
				sections[i].Fields[j].Kind, sections[i].Fields[j].Options = "components", options
			}
		}
	}
}

// casePlatform is how the components a case needs stand in the catalogue,
// with the exceptions its decision granted.
func (s *Server) casePlatform(v postgres.RequestView) []pages.PlatformLine {
	today := s.today()
	granted := map[int64]string{}
	for _, e := range v.PlatformExceptions {
		granted[e.ComponentID] = e.Reason
	}
	var out []pages.PlatformLine
	for _, n := range v.PlatformNeeds {
		verdict := portal.Judge(n.Status, n.EndsOn, today)
		l := pages.PlatformLine{Href: platformHref(n.ComponentID), Name: n.Display, Status: components.Status{Label: verdict.Label, Tone: platformTones[n.Status]}}
		if verdict.Passed {
			l.Status.Tone = components.ToneRed
		}
		switch reason, ok := granted[n.ComponentID]; {
		case ok:
			l.Note = "Undantag beviljat: " + reason
		case verdict.NeedsException && v.State.Open():
			l.Note = "Kräver undantag i beslutet"
		case verdict.NeedsException:
			l.Note = "Inget undantag beviljat"
		default:
			l.Note = "Behövs inte"
		}
		out = append(out, l)
	}
	return out
}

// exceptionFieldName is the decision form's field of the reason for an
// exception for a component.
func exceptionFieldName(id int64) string { return "undantag_skal_" + strconv.FormatInt(id, 10) }

// decisionExceptions are the decision form's reason fields, one per
// component the case needs that is not standard.
func decisionExceptions(v postgres.RequestView, typed url.Values, errs map[string]string) []pages.ExceptionField {
	var out []pages.ExceptionField
	for _, n := range v.PlatformNeeds {
		if !n.Status.NeedsException() {
			continue
		}
		name := exceptionFieldName(n.ComponentID)
		out = append(out, pages.ExceptionField{Component: n.Display, Status: n.Status.Label(), Field: components.Field{Name: name,
			Label: "Undantag beviljas för " + n.Display + " (" + strings.ToLower(n.Status.Label()) + "): skäl", Rows: 2,
			Value: typed.Get(name), Error: errs[name]}})
	}
	return out
}

// postedExceptions reads the decision form's reasons for exceptions, by
// component id, and the names of their fields (to carry them through the
// confirmation).
func postedExceptions(form url.Values) (map[int64]string, []string) {
	out := map[int64]string{}
	var names []string
	for name, vs := range form {
		idText, ok := strings.CutPrefix(name, "undantag_skal_")
		if !ok || len(vs) == 0 {
			continue
		}
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		out[id] = vs[0]
		names = append(names, name)
	}
	sort.Strings(names)
	return out, names
}

// platformFact is a case's platform field as its facts show it: the
// components by name with what the catalogue says of them.
func platformFact(r postgres.Request) string {
	var parts []string
	for _, n := range r.PlatformNeeds {
		parts = append(parts, n.Display+" ("+strings.ToLower(portal.Judge(n.Status, n.EndsOn, portal.Today()).Label)+")")
	}
	return strings.Join(parts, "; ")
}

// apiPlatformComponent is one component of the catalogue in the API.
type apiPlatformComponent struct {
	ID                 int64   `json:"id"`
	Category           string  `json:"category"`
	CategoryLabel      string  `json:"category_label"`
	Name               string  `json:"name"`
	Version            string  `json:"version"`
	Status             string  `json:"status"`
	StatusLabel        string  `json:"status_label"`
	EndsOn             *string `json:"ends_on"`
	DecidedOn          string  `json:"decided_on"`
	DecisionReference  string  `json:"decision_reference"`
	FinancingReference string  `json:"financing_reference"`
	Systems            int     `json:"systems"`
	SystemsInOperation int     `json:"systems_in_operation"`
	URL                string  `json:"url"`
}

// apiPlatformComponents lists the catalogue of the fixed IT
// infrastructure.
func (s *Server) apiPlatformComponents(w http.ResponseWriter, r *http.Request) {
	list, err := s.platform.List(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Components []apiPlatformComponent `json:"platform_components"`
	}{Components: []apiPlatformComponent{}}
	for _, c := range list {
		a := apiPlatformComponent{ID: c.ID, Category: string(c.Category), CategoryLabel: c.Category.Label(), Name: c.Name, Version: c.Version,
			Status: string(c.Status), StatusLabel: c.Status.Label(), DecidedOn: c.Decision.DecidedOn.Format(time.DateOnly),
			DecisionReference: c.Decision.Reference, FinancingReference: c.Decision.FinancingReference, Systems: c.Systems,
			SystemsInOperation: c.InOperation, URL: s.cfg.BaseURL.String() + platformHref(c.ID)}
		if c.EndsOn != nil {
			d := c.EndsOn.Format(time.DateOnly)
			a.EndsOn = &d
		}
		out.Components = append(out.Components, a)
	}
	writeJSON(w, http.StatusOK, out)
}
