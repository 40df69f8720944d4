package server

import (
	"net/http"
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
	hist, err := s.compliance.History(r.Context(), actorFrom(r.Context()), b.DepartmentID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m.History = complianceChart(hist, scopeOf(b))
	for _, rule := range b.Rules {
		row := pages.ComplianceRuleRow{ID: rule.ID, Href: ruleHref(rule.Slug, b), Section: "§" + rule.Section,
			SectionHref: sectionHref(b.Guideline, rule.Heading), Title: rule.Title, Count: components.CountOf(rule.Count, components.Breaches)}
		row.State, row.Tone = ruleState(rule)
		if rule.Hidden {
			row.Count = "–"
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
		Hidden: rule.Hidden, Total: ruleTotalText(v), Page: v.Page, Pages: v.Pages, CanRenotify: portal.CanManageRegister(actor)}
	m.State, m.Tone = ruleState(rule)
	if !rule.Hidden && v.Total > 0 {
		q := ""
		if v.All && v.DepartmentID != 0 {
			q = "?forvaltning=" + strconv.FormatInt(v.DepartmentID, 10)
		}
		m.ExportCSV = "/efterlevnad/" + rule.Slug + "/avvikelser.csv" + q
		m.ExportXLSX = "/efterlevnad/" + rule.Slug + "/avvikelser.xlsx" + q
	}
	for _, c := range rule.Checks {
		row := pages.ComplianceCheckRow{What: c.What, Count: components.CountOf(c.Count, components.Breaches), Guard: c.Guard}
		if rule.Hidden {
			row.Count = ""
		}
		m.Checks = append(m.Checks, row)
	}
	may, err := s.fixRights(r, actor, rule)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, b := range v.Breaches {
		t := describeBreach(b, s.cfg.OfficialWebAddress)
		row := pages.ComplianceBreachRow{System: b.SystemName, Department: b.DepartmentName, Message: t.Message, Fix: t.Fix}
		if may(b) {
			row.FixHref = t.Link
		}
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

// ruleState says a rule's state in words (never by colour alone) and its
// tag's tone: "ok", "breach", "guard" (a safeguard failed) or "muted".
func ruleState(r postgres.RuleState) (string, string) {
	switch {
	case r.Hidden:
		return "Följs upp av IT-enheten", "muted"
	case r.Guard():
		return "Allvarligt fel", "guard"
	case r.Count > 0:
		return "Avvikelser", "breach"
	}
	return "OK", "ok"
}

// ruleTotalText is the drill-down's count: the board's number, and for the
// rules counted per person the rows that list them.
func ruleTotalText(v postgres.RulePage) string {
	text := components.CountOf(v.Total, components.Breaches)
	if v.Rows != v.Total {
		text += " i " + components.CountOf(v.Rows, components.Rows)
	}
	return text
}

// complianceRuleExport downloads a rule's whole drill-down (CSV or XLSX)
// with the filter of the page: the same rows, descriptions and
// visibility.
func (s *Server) complianceRuleExport(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		slug := chi.URLParam(r, "regel")
		if _, ok := portal.RuleBySlug(slug); !ok {
			s.notFound(w, r)
			return
		}
		lq := newListQuery(r.URL.Query())
		dept := lq.id("forvaltning")
		if !lq.ok() {
			s.errorPage(w, r, http.StatusBadRequest, strings.Join(problemTexts(lq), " "))
			return
		}
		v, err := s.compliance.RuleExport(r.Context(), actorFrom(r.Context()), slug, dept)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		t := sheet.Table{Sheet: v.Rule.ID, Title: v.Rule.ID + ": " + v.Rule.Title + " Avvikelser för " + scopeOf(v.Board) + ", uttaget " + takenAt() + ".",
			Header: []string{"Regel", "System", "Förvaltning", "Sedan", "Antal", "Avvikelse", "Vem åtgärdar och hur"}}
		if v.Rule.Hidden {
			t.Title += " Regeln gäller hela kommunen och följs upp av IT-enheten."
		}
		for _, b := range v.Breaches {
			d := describeBreach(b, s.cfg.OfficialWebAddress)
			t.Rows = append(t.Rows, []sheet.Cell{sheet.Text(v.Rule.ID), sheet.Text(b.SystemName), sheet.Text(b.DepartmentName),
				sheet.Text(sinceDate(b)), sheet.Int(max(b.Count, 1)), sheet.Text(d.Message), sheet.Text(d.Fix)})
		}
		s.sendTable(w, r, format, "efterlevnad-"+slug+"-"+time.Now().In(stockholm).Format("2006-01-02"), t)
	}
}

// fixRights says, for one rule's drill-down, of which breaches the viewer
// may follow the fix's link: it leads where they can act, or is not
// offered. The pages behind the links check again.
func (s *Server) fixRights(r *http.Request, actor *portal.Actor, rule postgres.RuleState) (func(postgres.ComplianceBreach) bool, error) {
	followsUp := false
	if rule.ID == "R9" || rule.ID == "R10" {
		var err error
		if followsUp, err = s.documents.FollowsUp(r.Context(), actor); err != nil {
			return nil, err
		}
	}
	register := portal.CanManageRegister(actor)
	return func(b postgres.ComplianceBreach) bool {
		switch b.Check {
		case "r1_missing", "r1_inactive", "r2_overlap", "r2_gap", "r2_author", "r3_failed", "r3_waiting", "r3_missing", "r4_no_case":
			return register // role forms, hand-overs, history corrections and the register's own flags
		case "r4_criteria", "r5_financing", "r8_decisions":
			return portal.IsPreparer(actor) // investigated by IT-enheten
		case "r6_open_source", "r7_self_developed":
			return portal.CanSpeakFor(actor, b.DepartmentID, b.DepartmentID, false) == nil // files the case
		case "r9_never", "r10_again":
			return followsUp
		case "r11_hash":
			return portal.FollowsUpStaff(actor)
		case "r12_overdue":
			return portal.CanEvaluate(actor, b.PersonID)
		case "r13_address":
			return portal.CanEditFacts(actor, b.PersonID)
		case "r14_stale":
			return portal.CanAdminister(actor)
		case "r15_no_contract", "r16_ended":
			return portal.CanManageSuppliers(actor) // the contract's page and the list of contracts
		case "r22_platform":
			return portal.CanLinkPlatform(actor) // the system's platform components
		case "r20_missing", "r20_overdue", "r21_no_session", "r23_expired", "r24_unwatched":
			// The pages these would link to (a course, the list of network
			// access, a mailbox) are not built yet: the breach says what to
			// do, without a link that would lead nowhere.
			return false
		case "r18_no_agreement", "r19_overdue":
			return portal.CanEditProcessing(actor) // the system's processing page
		case "r17_overused":
			return portal.CanManageLicences(actor) // the licence's page
		}
		return false
	}, nil
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
