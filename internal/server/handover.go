package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

func personHref(id int64) string { return "/personer/" + strconv.FormatInt(id, 10) }

var handOverFieldOrder = []string{"successor", "from", "appointed_by", "reason"}

// showPersonRoles shows a person's roles in the register and, for
// IT-enheten, the hand-over of them all to a successor.
func (s *Server) showPersonRoles(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderPersonRoles(w, r, http.StatusOK, id, url.Values{"sok": {r.URL.Query().Get("sok")}}, nil, nil)
}

func (s *Server) renderPersonRoles(w http.ResponseWriter, r *http.Request, status int, id int64, v url.Values, errs map[string]string, plan *postgres.HandOverPlan) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	p, held, err := s.systems.PersonRoles(ctx, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.PersonRoles{Name: p.Name, Department: p.Department, Email: p.Email, Active: p.Active,
		CanHandOver: portal.CanManageRegister(actor), Errors: errorItems(errs, handOverFieldOrder),
		Action: personHref(id) + "/overlamna", Except: strconv.FormatInt(id, 10)}
	m.Roles = personRoleRows(held)
	if m.CanHandOver {
		from := v.Get("from")
		if from == "" {
			from = time.Now().In(stockholm).Format(dateLayout)
		}
		m.Search = components.Field{Name: "sok", Label: "Sök efterträdare", Hint: "Namn, e-post eller anställningsnummer", Type: "search", Value: v.Get("sok")}
		m.Successor = components.Field{Name: "successor", Label: "Efterträdare", Value: v.Get("successor"), Error: errs["successor"]}
		m.From = components.Field{Name: "from", Label: "Från och med", Type: "date", Value: from, Error: errs["from"]}
		m.Appointed = components.Field{Name: "appointed_by", Label: "Utsedd av", Value: v.Get("appointed_by"), Error: errs["appointed_by"],
			Hint: "Systemägaren utser systemförvaltaren (§4.3): ange vem som utsåg efterträdaren."}
		m.Reason = components.Field{Name: "reason", Label: "Anledning (valfritt)", Value: v.Get("reason"), Error: errs["reason"], Rows: 3}
		m.SuggestURL, m.PickerScript = personSuggestPath, s.assets.Path(personPickerScript)
		opts, msg, err := s.personOptions(r, v.Get("sok"), v.Get("successor"), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		m.Successor.Options, m.Search.Error = opts, msg
		if m.Successor.Value == "" && len(opts) == 1 {
			m.Successor.Value = opts[0].Value // a single match is chosen
			m.Successor.Hint = "En person matchar sökningen och är vald."
		}
	}
	title := p.Name
	if plan != nil {
		m.Preview = handOverPreview(*plan, v)
		title = "Kontrollera överlämningen: " + p.Name
	}
	title = formTitle(title, errs)
	s.render(w, r, status, pages.PersonRolesPage(withBack(s.page(r, title, ""), "Tillbaka till registret", "/system"), m))
}

func personRoleRows(held []postgres.HeldRole) []pages.PersonRoleRow {
	var out []pages.PersonRoleRow
	for _, h := range held {
		row := pages.PersonRoleRow{SystemHref: systemHref(h.SystemID), System: h.SystemName, Role: h.Role.Label(), From: h.From.Format(dateLayout)}
		if u := h.Until(); u != nil {
			row.Until = u.Format(dateLayout)
		}
		out = append(out, row)
	}
	return out
}

func handOverPreview(plan postgres.HandOverPlan, v url.Values) *pages.HandOverPreview {
	pv := &pages.HandOverPreview{Person: plan.Person, Successor: plan.Successor, SuccessorID: v.Get("successor"),
		From: plan.From.Format(dateLayout), AppointedBy: strings.TrimSpace(v.Get("appointed_by")), Reason: strings.TrimSpace(v.Get("reason")),
		Search: v.Get("sok"), Moves: personRoleRows(plan.Moves), Stays: personRoleRows(plan.Stays)}
	for _, a := range plan.Access {
		pv.Access = append(pv.Access, a.Label())
	}
	if plan.Manages > 0 {
		pv.Manages = strconv.Itoa(plan.Manages) + " medarbetare"
	}
	return pv
}

// handOver is the hand-over's three steps, each a submit of one form that
// works without JavaScript: search for the successor (steg=sok), check
// what moves (the preview, the default), and confirm (steg=bekrafta).
func (s *Server) handOver(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	v := r.PostForm
	step := v.Get("steg")
	if step == "sok" || step == "andra" {
		s.renderPersonRoles(w, r, http.StatusOK, id, v, nil, nil)
		return
	}
	successor, _ := strconv.ParseInt(v.Get("successor"), 10, 64)
	req := postgres.HandOverRequest{Successor: successor, AppointedBy: v.Get("appointed_by"), Reason: v.Get("reason"),
		RequestID: requestIDFrom(r.Context())}
	from, err := time.Parse(dateLayout, v.Get("from"))
	if err != nil {
		s.renderPersonRoles(w, r, http.StatusUnprocessableEntity, id, v, map[string]string{"from": "Ange datumet som 2025-03-01."}, nil)
		return
	}
	req.From = from
	actor := actorFrom(r.Context())
	if step != "bekrafta" {
		plan, err := s.systems.PlanHandOver(r.Context(), actor, id, req)
		if fe := fieldErrors(err); fe != nil {
			s.renderPersonRoles(w, r, http.StatusUnprocessableEntity, id, v, fe, nil)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderPersonRoles(w, r, http.StatusOK, id, v, nil, &plan)
		return
	}
	done, err := s.systems.HandOver(r.Context(), actor, id, req)
	if fe := fieldErrors(err); fe != nil {
		s.renderPersonRoles(w, r, http.StatusUnprocessableEntity, id, v, fe, nil)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), handedOverNotice(done))
	http.Redirect(w, r, personHref(id), http.StatusSeeOther)
}

// handedOverNotice says what was handed over: "2 systemförvaltarroller är
// överlämnade till Bo Ek från 2026-12-02: Alfa och Beta."
func handedOverNotice(done postgres.HandOverPlan) string {
	if len(done.Moves) == 0 {
		return done.Person + " hade ingen systemförvaltarroll den " + done.From.Format(dateLayout) + ": ingenting är överlämnat."
	}
	var names []string
	for _, h := range done.Moves {
		names = append(names, h.SystemName)
	}
	return handedOverText(len(names)) + " till " + done.Successor + " från " + done.From.Format(dateLayout) + ": " + swedishList(names) + "."
}

// swedishList joins names as Swedish prose: "A, B och C".
func swedishList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " och " + names[len(names)-1]
}

// handedOverText is "1 systemförvaltarroll är överlämnad" or "3
// systemförvaltarroller är överlämnade".
func handedOverText(n int) string {
	if n == 1 {
		return components.Count(n, "systemförvaltarroll", "") + " är överlämnad"
	}
	return components.Count(n, "", "systemförvaltarroller") + " är överlämnade"
}
