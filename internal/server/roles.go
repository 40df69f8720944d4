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

var roleFieldOrder = []string{"holder", "from", "until", "appointed_by", "reason", "role"}

// roleForm shows the current roles and, once a role is chosen, the form to
// give it a new holder from a date. The person picker searches first and
// then offers a choice, so it works without JavaScript.
func (s *Server) roleForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	values := url.Values{"roll": {r.URL.Query().Get("roll")}, "sok": {r.URL.Query().Get("sok")}}
	if restored, ok := s.sessions.RestoreForm(r.Context(), r.URL.Path, actorFrom(r.Context()).PersonID); ok {
		values = restored
	}
	s.renderRoleForm(w, r, http.StatusOK, id, values, nil)
}

func (s *Server) renderRoleForm(w http.ResponseWriter, r *http.Request, status int, id int64, v url.Values, errs map[string]string) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	sys, err := s.systems.Get(ctx, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	role := portal.SystemRole(v.Get("roll"))
	m := pages.RoleForm{
		SystemName: sys.Facts.Name, SystemHref: systemHref(id), Action: systemHref(id) + "/roller",
		Errors: errorItems(errs, roleFieldOrder), Current: roleRows(sys.Roles), RowVersion: strconv.Itoa(sys.RowVersion),
		SearchURL: systemHref(id) + "/roller",
	}
	if v.Get("row_version") != "" {
		m.RowVersion = v.Get("row_version")
	}
	for _, r := range portal.SystemRoles {
		m.RoleLinks = append(m.RoleLinks, pages.FactRow{Label: "Ny " + strings.ToLower(r.Label()), Href: systemHref(id) + "/roller?roll=" + string(r)})
	}
	title := "Ändra roller"
	if role.Valid() {
		m.Role, m.RoleLabel = string(role), strings.ToLower(role.Label())
		from := v.Get("from")
		if from == "" {
			from = time.Now().In(stockholm).Format(dateLayout)
		}
		m.From = components.Field{Name: "from", Label: "Gäller från och med", Type: "date", Value: from, Error: errs["from"],
			Hint: "Ett datum bakåt i tiden rättar registret; ett datum framåt planerar en överlämning."}
		m.Until = components.Field{Name: "until", Label: "Gäller till och med (valfritt)", Type: "date", Value: v.Get("until"), Error: errs["until"],
			Hint: "Lämna tomt om inget slut är bestämt."}
		m.Appointed = components.Field{Name: "appointed_by", Label: "Utsedd av", Value: v.Get("appointed_by"), Error: errs["appointed_by"],
			Hint: "Systemägaren utser systemförvaltaren (§4.3): ange vem som fattade beslutet."}
		m.Reason = components.Field{Name: "reason", Label: "Anledning (valfritt)", Value: v.Get("reason"), Error: errs["reason"], Rows: 3}
		switch role {
		case portal.RoleOwner:
			m.HolderKind = "department"
			deps, err := s.departments.ListActive(ctx)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			opts := []components.Option{{Value: "", Label: "Välj förvaltning"}}
			for _, d := range deps {
				opts = append(opts, components.Option{Value: strconv.FormatInt(d.ID, 10), Label: d.Name})
			}
			m.Holder = components.Field{Name: "holder", Label: "Systemägare (förvaltning)", Options: opts, Value: v.Get("holder"), Error: errs["holder"]}
		case portal.RoleAdministrator:
			m.HolderKind = "person"
			m.Search = components.Field{Name: "sok", Label: "Sök person", Hint: "Namn, e-post eller anställningsnummer", Type: "search", Value: v.Get("sok")}
			m.Holder = components.Field{Name: "holder", Label: "Systemförvaltare", Value: v.Get("holder"), Error: errs["holder"]}
			if q := strings.TrimSpace(v.Get("sok")); q != "" || v.Get("holder") != "" {
				people, err := s.people.Search(ctx, actor, q, v.Get("holder"))
				if err != nil {
					s.fail(w, r, err)
					return
				}
				for _, p := range people {
					label := p.Name
					if p.DepartmentName != "" {
						label += ", " + p.DepartmentName
					}
					if p.Email != "" {
						label += " (" + p.Email + ")"
					}
					m.Holder.Options = append(m.Holder.Options, components.Option{Value: strconv.FormatInt(p.ID, 10), Label: label})
				}
				if len(people) == 0 && q != "" {
					m.Search.Error = "Ingen aktiv person matchar sökningen."
				}
			}
		default:
			m.HolderKind = "text"
			m.Holder = components.Field{Name: "holder", Label: "Driftsansvarig", Value: v.Get("holder"), Error: errs["holder"],
				Hint: "IT-enheten, eller leverantörens namn när en leverantör driftar systemet (§4.4)."}
			if m.Holder.Value == "" {
				m.Holder.Value = portal.ITUnitOperator
			}
		}
		title = "Ny " + m.RoleLabel
	}
	title = formTitle(title, errs)
	s.render(w, r, status, pages.RoleFormPage(s.page(r, title, "/system"), m))
}

func (s *Server) changeRole(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	v := r.PostForm
	errs := map[string]string{}
	c := postgres.RoleChange{Role: portal.SystemRole(v.Get("roll")), AppointedBy: v.Get("appointed_by"), Reason: v.Get("reason"),
		RequestID: requestIDFrom(r.Context())}
	c.ExpectedRowV, _ = strconv.Atoi(v.Get("row_version"))
	from, err := time.Parse(dateLayout, v.Get("from"))
	if err != nil {
		errs["from"] = "Ange datumet som 2025-03-01."
	}
	c.From = from
	if raw := v.Get("until"); raw != "" {
		until, err := time.Parse(dateLayout, raw)
		if err != nil {
			errs["until"] = "Ange datumet som 2025-03-01, eller lämna fältet tomt."
		} else {
			c.Until = &until
		}
	}
	holder := strings.TrimSpace(v.Get("holder"))
	switch c.Role {
	case portal.RoleOwner:
		c.DepartmentID, _ = strconv.ParseInt(holder, 10, 64)
	case portal.RoleAdministrator:
		c.PersonID, _ = strconv.ParseInt(holder, 10, 64)
	case portal.RoleOperations:
		c.Operator = holder
	default:
		errs["role"] = "Välj vilken roll som ska ändras."
	}
	if len(errs) == 0 {
		err = s.systems.ChangeRole(r.Context(), actorFrom(r.Context()), id, c)
		if fe := fieldErrors(err); fe != nil {
			errs = fe
		} else if portal.KindOf(err) == portal.KindConflict {
			errs = map[string]string{"from": portal.MessageOf(err) + " Rollerna nedan visar läget nu; kontrollera och spara igen."}
			v.Set("row_version", "")
		} else if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if len(errs) > 0 {
		status := http.StatusUnprocessableEntity
		if portal.KindOf(err) == portal.KindConflict {
			status = http.StatusConflict
		}
		s.renderRoleForm(w, r, status, id, v, errs)
		return
	}
	s.sessions.Flash(r.Context(), c.Role.Label()+" är ändrad från "+c.From.Format(dateLayout)+".")
	http.Redirect(w, r, systemHref(id), http.StatusSeeOther)
}
