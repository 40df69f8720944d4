package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"itportal/internal/portal"
	"itportal/web/components"
	"itportal/web/pages"
)

func personHref(id int64) string { return "/personer/" + strconv.FormatInt(id, 10) }

// showPersonRoles shows a person's roles in the register and, for
// IT-enheten, the hand-over of them all to a successor.
func (s *Server) showPersonRoles(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderPersonRoles(w, r, http.StatusOK, id, url.Values{"sok": {r.URL.Query().Get("sok")}}, nil)
}

func (s *Server) renderPersonRoles(w http.ResponseWriter, r *http.Request, status int, id int64, v url.Values, errs map[string]string) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	p, held, err := s.systems.PersonRoles(ctx, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.PersonRoles{Name: p.Name, Department: p.Department, Email: p.Email, Active: p.Active,
		CanHandOver: portal.CanManageRegister(actor), Errors: errorItems(errs, []string{"successor", "from"}),
		SearchURL: personHref(id), Action: personHref(id) + "/overlamna"}
	for _, h := range held {
		row := pages.PersonRoleRow{SystemHref: systemHref(h.SystemID), System: h.SystemName, Role: h.Role.Label(), From: h.From.Format(dateLayout)}
		if u := h.Until(); u != nil {
			row.Until = u.Format(dateLayout)
		}
		m.Roles = append(m.Roles, row)
	}
	if m.CanHandOver {
		from := v.Get("from")
		if from == "" {
			from = time.Now().In(stockholm).Format(dateLayout)
		}
		m.Search = components.Field{Name: "sok", Label: "Sök efterträdare", Type: "search", Value: v.Get("sok")}
		m.Successor = components.Field{Name: "successor", Label: "Efterträdare", Value: v.Get("successor"), Error: errs["successor"]}
		m.From = components.Field{Name: "from", Label: "Från och med", Type: "date", Value: from, Error: errs["from"]}
		if q := strings.TrimSpace(v.Get("sok")); q != "" || v.Get("successor") != "" {
			people, err := s.people.Search(ctx, actor, q, v.Get("successor"))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, c := range people {
				if c.ID == id {
					continue
				}
				label := c.Name
				if c.DepartmentName != "" {
					label += ", " + c.DepartmentName
				}
				m.Successor.Options = append(m.Successor.Options, components.Option{Value: strconv.FormatInt(c.ID, 10), Label: label})
			}
		}
	}
	title := p.Name
	title = formTitle(title, errs)
	s.render(w, r, status, pages.PersonRolesPage(withBack(s.page(r, title, ""), "Tillbaka till registret", "/system"), m))
}

func (s *Server) handOver(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	v := r.PostForm
	successor, _ := strconv.ParseInt(v.Get("successor"), 10, 64)
	from, err := time.Parse(dateLayout, v.Get("from"))
	if err != nil {
		s.renderPersonRoles(w, r, http.StatusUnprocessableEntity, id, v, map[string]string{"from": "Ange datumet som 2025-03-01."})
		return
	}
	n, err := s.systems.HandOver(r.Context(), actorFrom(r.Context()), id, successor, from, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderPersonRoles(w, r, http.StatusUnprocessableEntity, id, v, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), handedOverText(n)+" från "+from.Format(dateLayout)+".")
	http.Redirect(w, r, personHref(id), http.StatusSeeOther)
}

// handedOverText is "1 systemförvaltarroll är överlämnad" or "3
// systemförvaltarroller är överlämnade".
func handedOverText(n int) string {
	if n == 1 {
		return components.Count(n, "systemförvaltarroll", "") + " är överlämnad"
	}
	return components.Count(n, "", "systemförvaltarroller") + " är överlämnade"
}
