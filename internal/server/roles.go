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
	q := r.URL.Query()
	values := url.Values{}
	for _, k := range []string{"roll", "sok", "holder", "from", "until", "appointed_by", "reason"} {
		values.Set(k, q.Get(k))
	}
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
			m.SuggestURL, m.PickerScript = personSuggestPath, s.assets.Path(personPickerScript)
			opts, msg, err := s.personOptions(r, v.Get("sok"), v.Get("holder"), 0)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			m.Holder.Options, m.Search.Error = opts, msg
			if m.Holder.Value == "" && len(opts) == 1 {
				m.Holder.Value = opts[0].Value // a single match is chosen
				m.Holder.Hint = "En person matchar sökningen och är vald."
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
	if v.Get("steg") == "sok" {
		// The search is a submit of the whole form: what was typed stays.
		s.renderRoleForm(w, r, http.StatusOK, id, v, nil)
		return
	}
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
	s.sessions.Flash(r.Context(), s.roleChangedNotice(r, id, c))
	http.Redirect(w, r, systemHref(id), http.StatusSeeOther)
}

// roleChangedNotice names the new holder: "Anna Berg är nu systemförvaltare
// för Ekonomisystemet från 2026-12-02." A later start reads "blir".
func (s *Server) roleChangedNotice(r *http.Request, systemID int64, c postgres.RoleChange) string {
	ctx, actor := r.Context(), actorFrom(r.Context())
	holder := c.Operator
	switch c.Role {
	case portal.RoleAdministrator:
		if people, err := s.people.Search(ctx, actor, "", strconv.FormatInt(c.PersonID, 10)); err == nil && len(people) > 0 {
			holder = people[0].Name
		}
	case portal.RoleOwner:
		if deps, err := s.departments.ListActive(ctx); err == nil {
			for _, d := range deps {
				if d.ID == c.DepartmentID {
					holder = d.Name
				}
			}
		}
	}
	system := "systemet"
	if sys, err := s.systems.Get(ctx, actor, systemID); err == nil {
		system = sys.Facts.Name
	}
	verb := "är nu"
	if c.From.After(portal.Today()) {
		verb = "blir"
	}
	if holder == "" {
		holder = "Den nya innehavaren"
	}
	msg := holder + " " + verb + " " + strings.ToLower(c.Role.Label()) + " för " + system + " från " + c.From.Format(dateLayout)
	if c.Until != nil {
		msg += " till och med " + c.Until.Format(dateLayout)
	}
	return msg + "."
}

// personSuggestPath answers the person picker's suggestions as you type;
// personPickerScript is the picker's script (progressive enhancement).
const (
	personSuggestPath  = "/personer/forslag"
	personPickerScript = "js/personval.js"
)

// personOptions searches active people for a picker: the choices, and a
// message for the search field when nothing matches. except is left out
// (the person who hands over).
func (s *Server) personOptions(r *http.Request, q, chosen string, except int64) ([]components.Option, string, error) {
	q = strings.TrimSpace(q)
	if q == "" && chosen == "" {
		return nil, "", nil
	}
	if len([]rune(q)) > 100 {
		return nil, "Sökningen får vara högst 100 tecken.", nil
	}
	people, err := s.people.Search(r.Context(), actorFrom(r.Context()), q, chosen)
	if err != nil {
		return nil, "", err
	}
	var opts []components.Option
	for _, p := range people {
		if p.ID == except {
			continue
		}
		opts = append(opts, components.Option{Value: strconv.FormatInt(p.ID, 10), Label: personLabel(p)})
	}
	if len(opts) == 0 && q != "" {
		return nil, "Ingen aktiv person matchar sökningen.", nil
	}
	return opts, "", nil
}

func personLabel(p portal.Person) string {
	label := p.Name
	if p.DepartmentName != "" {
		label += ", " + p.DepartmentName
	}
	if p.Email != "" {
		label += " (" + p.Email + ")"
	}
	return label
}

// personSuggestions is the picker's JSON: the people matching q (at most
// 25), under the same authorization as the forms (IT-enheten).
func (s *Server) personSuggestions(w http.ResponseWriter, r *http.Request) {
	except, _ := strconv.ParseInt(r.URL.Query().Get("utom"), 10, 64)
	opts, msg, err := s.personOptions(r, r.URL.Query().Get("q"), "", except)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type suggestion struct {
		ID    string `json:"id"`
		Label string `json:"label"`
	}
	out := struct {
		People  []suggestion `json:"people"`
		Message string       `json:"message,omitempty"`
	}{People: []suggestion{}, Message: msg}
	for _, o := range opts {
		out.People = append(out.People, suggestion{ID: o.Value, Label: o.Label})
	}
	writeJSON(w, http.StatusOK, out)
}
