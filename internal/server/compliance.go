package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

// complianceBoard is /efterlevnad: one row per rule, its section, what it
// checks and how many breaches there are; the summary per department.
// IT-enheten's side sees every department (?forvaltning=id filters);
// everyone else sees their own department's.
func (s *Server) complianceBoard(w http.ResponseWriter, r *http.Request) {
	lq := newListQuery(r.URL.Query())
	b, err := s.compliance.Board(r.Context(), actorFrom(r.Context()), lq.id("forvaltning"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.ComplianceView{ComputedAt: computedAt(b), Scope: scopeOf(b), All: b.All, Filter: departmentFilter(b, lq),
		Departments: complianceDepartments(b), Errors: lq.errorItems("forvaltning")}
	if b.All {
		m.FollowUp = "/efterlevnad/kvittenser"
	}
	for _, rule := range b.Rules {
		row := pages.ComplianceRuleRow{ID: rule.ID, Href: ruleHref(rule.Slug, b), Section: "§" + rule.Section,
			SectionHref: sectionHref(b.Guideline, rule.Heading), Title: rule.Title, Count: strconv.Itoa(rule.Count)}
		for _, c := range rule.Checks {
			row.Checks = append(row.Checks, pages.ComplianceCheckRow{What: c.What, Count: "(" + strconv.Itoa(c.Count) + ")", Guard: c.Guard})
		}
		row.State, row.Breached = ruleState(rule)
		row.Tag = ruleStatus(row.State, row.Breached)
		if rule.Hidden {
			row.Count = "–"
			row.Checks = nil
		}
		m.Rules = append(m.Rules, row)
	}
	s.render(w, r, listStatus(lq), pages.ComplianceBoardPage(s.page(r, formTitle("Efterlevnad", lq.problems), "/efterlevnad"), m))
}

// complianceRule is /efterlevnad/{regel}: the breaches of one rule with
// system, department, since when, and who can fix it and how.
func (s *Server) complianceRule(w http.ResponseWriter, r *http.Request) {
	slug := chi.URLParam(r, "regel")
	if _, ok := portal.RuleBySlug(slug); !ok {
		s.notFound(w, r)
		return
	}
	lq := newListQuery(r.URL.Query())
	page := lq.page()
	actor := actorFrom(r.Context())
	v, err := s.compliance.Rule(r.Context(), actor, slug, lq.id("forvaltning"), page)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rule := v.Rule
	m := pages.ComplianceRuleView{ID: rule.ID, Title: rule.Title, Section: "§" + rule.Section, SectionHref: sectionHref(v.Guideline, rule.Heading),
		ComputedAt: computedAt(v.Board), Scope: scopeOf(v.Board), All: v.All, Filter: departmentFilter(v.Board, lq), Action: "/efterlevnad/" + rule.Slug,
		Errors: lq.errorItems("forvaltning"),
		Hidden: rule.Hidden, Total: strconv.Itoa(v.Total), Page: v.Page, CanRenotify: portal.CanManageRegister(actor)}
	for _, c := range rule.Checks {
		row := pages.ComplianceCheckRow{What: c.What, Count: "(" + strconv.Itoa(c.Count) + ")", Guard: c.Guard}
		if rule.Hidden {
			row.Count = ""
		}
		m.Checks = append(m.Checks, row)
	}
	for _, b := range v.Breaches {
		t := describeBreach(b, s.cfg.OfficialWebAddress)
		row := pages.ComplianceBreachRow{System: b.SystemName, Department: b.DepartmentName, Message: t.Message, Fix: t.Fix, FixHref: fixHref(t.Link, v.All)}
		if b.SystemID != 0 {
			row.SystemHref = systemHref(b.SystemID)
		} else {
			row.System = "–"
		}
		if row.Department == "" {
			row.Department = "–"
		}
		row.Since = "–"
		if !b.Since.IsZero() {
			row.Since = b.Since.In(portal.Stockholm).Format(dateLayout)
		}
		if strings.HasPrefix(b.Check, "r3_") && b.Check != "r3_waiting" && b.RefID != 0 {
			row.RenotifyID = strconv.FormatInt(b.RefID, 10)
			row.RenotifyName = b.SystemName
		}
		m.Rows = append(m.Rows, row)
	}
	base := ruleHref(rule.Slug, v.Board)
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	if v.Page > 1 {
		m.Prev = base + sep + "sida=" + strconv.Itoa(v.Page-1)
	}
	if v.Page < v.Pages {
		m.Next = base + sep + "sida=" + strconv.Itoa(v.Page+1)
	}
	s.render(w, r, listStatus(lq), pages.ComplianceRulePage(s.page(r, formTitle(rule.ID+": efterlevnad", lq.problems), "/efterlevnad"), m))
}

// renotify sends a role change's missing notification again (R3):
// IT-enheten, from the drill-down.
func (s *Server) renotify(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PostForm.Get("rollbyte"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, portal.Invalid("Ange vilket rollbyte som ska aviseras.", map[string]string{"rollbyte": "Välj ett rollbyte i listan."}))
		return
	}
	if err := s.compliance.Renotify(r.Context(), actorFrom(r.Context()), id, requestIDFrom(r.Context())); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Aviseringen om rollbytet skickas till IT-enheten.")
	http.Redirect(w, r, "/efterlevnad/r3", http.StatusSeeOther)
}

// complianceDepartments is the per-department summary of a board, for the
// board and IT-enheten's start page.
func complianceDepartments(b postgres.Board) pages.ComplianceDepartments {
	out := pages.ComplianceDepartments{Caption: "Avvikelser per förvaltning (beräknad " + computedAt(b) + ")"}
	for _, d := range b.Departments {
		row := pages.ComplianceDepartmentRow{Name: d.Name, Total: strconv.Itoa(d.Total), Href: "/efterlevnad"}
		if d.ID != 0 && b.All {
			row.Href = "/efterlevnad?forvaltning=" + strconv.FormatInt(d.ID, 10)
		}
		for _, rc := range d.PerRule {
			href := "/efterlevnad/" + rc.Rule.Slug
			if d.ID != 0 && b.All {
				href += "?forvaltning=" + strconv.FormatInt(d.ID, 10)
			}
			row.Rules = append(row.Rules, pages.ComplianceLink{Label: rc.Rule.ID + ": " + strconv.Itoa(rc.Count), Href: href})
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}

func computedAt(b postgres.Board) string { return b.ComputedAt.In(portal.Stockholm).Format("15:04") }

func scopeOf(b postgres.Board) string {
	switch {
	case b.Department != "":
		return b.Department
	case b.All:
		return "alla förvaltningar"
	}
	return "din förvaltning"
}

// departmentFilter is the department select of IT-enheten's side.
func departmentFilter(b postgres.Board, lq *listQuery) components.Field {
	f := components.Field{Name: "forvaltning", Label: "Förvaltning", Options: []components.Option{{Value: "", Label: "Alla förvaltningar"}}, Error: lq.problems["forvaltning"]}
	for _, d := range b.Choices {
		f.Options = append(f.Options, components.Option{Value: strconv.FormatInt(d.ID, 10), Label: d.Name})
	}
	if b.DepartmentID != 0 {
		f.Value = strconv.FormatInt(b.DepartmentID, 10)
	}
	return f
}

// ruleHref is a rule's drill-down, keeping the department filter.
func ruleHref(slug string, b postgres.Board) string {
	href := "/efterlevnad/" + slug
	if b.All && b.DepartmentID != 0 {
		href += "?forvaltning=" + strconv.FormatInt(b.DepartmentID, 10)
	}
	return href
}

// ruleState says a rule's state in words (never by colour alone).
func ruleState(r postgres.RuleState) (string, bool) {
	switch {
	case r.Hidden:
		return "Följs upp av IT-enheten", false
	case r.Guard():
		return "Fel: ska vara 0", true
	case r.Count > 0:
		return "Avvikelse", true
	}
	return "Uppfyllt", false
}

// sectionHref links a rule's section in the governing document's text: the
// document, scrolled to the section's heading where the browser supports
// text fragments.
func sectionHref(slug, heading string) string {
	if slug == "" {
		return ""
	}
	return documentHref(slug) + "#:~:text=" + fragmentEscape(heading)
}

// fragmentEscape percent-encodes a text fragment's text: only unreserved
// ASCII stays as it is (a text fragment also reserves - , and &).
func fragmentEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)|0x100, 16)[1:]))
	}
	return b.String()
}

// fixHref is where a breach is fixed, when the viewer may go there: pages
// for IT-enheten's side are not offered to others.
func fixHref(link string, all bool) string {
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/") {
		return ""
	}
	itOnly := strings.HasPrefix(u.Path, "/efterlevnad/") || strings.HasPrefix(u.Path, "/admin/") || strings.HasSuffix(u.Path, "/roller")
	if itOnly && !all {
		return ""
	}
	return link
}
