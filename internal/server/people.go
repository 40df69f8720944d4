package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/pages"
)

var stockholm = portal.Stockholm

func formatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "–"
	}
	return t.In(stockholm).Format("2006-01-02 15:04")
}

func (s *Server) myPage(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	m := pages.MyPage{Name: a.Name, Email: a.Email, Department: a.DepartmentName, Roles: []string{"Medarbetare"}}
	for _, role := range a.Roles {
		m.Roles = append(m.Roles, role.Label())
	}
	owed, err := s.owed(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m.Owed = obligationRows(owed)
	if m.FollowsUp, err = s.documents.FollowsUp(r.Context(), a); err != nil {
		s.fail(w, r, err)
		return
	}
	receipts, err := s.documents.Receipts(r.Context(), a, a.PersonID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m.ShowHashes = portal.FollowsUpStaff(a)
	for _, rc := range receipts {
		m.Receipts = append(m.Receipts, pages.ReceiptRow{Href: documentHref(rc.Slug), Title: rc.DocumentTitle, Version: strconv.Itoa(rc.VersionNumber),
			At: rc.At.In(portal.Stockholm).Format("2006-01-02 15:04"), SHA256: rc.SHA256, Valid: rc.Valid})
	}
	s.render(w, r, http.StatusOK, pages.MyPagePage(s.page(r, "Min sida", "/min-sida"), m))
}

// peoplePerPage is the length of a page of the people list.
const peoplePerPage = 50

func (s *Server) listPeople(w http.ResponseWriter, r *http.Request) {
	lq := newListQuery(r.URL.Query())
	q, page := lq.text("q", 200), lq.page()
	// One more than a page tells whether there is a next page.
	list, err := s.people.List(r.Context(), actorFrom(r.Context()),
		postgres.PersonFilter{Query: q, Limit: peoplePerPage + 1, Offset: (page - 1) * peoplePerPage})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.PeopleList{Query: q, Page: page, Errors: lq.errorItems("q")}
	if len(list) > peoplePerPage {
		list = list[:peoplePerPage]
		m.NextHref = "/admin/personer?" + url.Values{"q": {q}, "sida": {strconv.Itoa(page + 1)}}.Encode()
	}
	if page > 1 {
		m.PrevHref = "/admin/personer?" + url.Values{"q": {q}, "sida": {strconv.Itoa(page - 1)}}.Encode()
	}
	for _, p := range list {
		m.People = append(m.People, pages.PersonRow{
			Href: "/admin/personer/" + strconv.FormatInt(p.ID, 10), Name: p.Name, Email: p.Email,
			Department: p.DepartmentName, Active: p.Active, SignedIn: p.Linked(), Roles: roleLabels(p.Roles),
		})
	}
	s.render(w, r, listStatus(lq), pages.PeopleListPage(s.page(r, formTitle("Personer", lq.problems), "/admin/personer"), m))
}

func (s *Server) showPerson(w http.ResponseWriter, r *http.Request) {
	s.renderPerson(w, r, http.StatusOK, "", nil)
}

func (s *Server) renderPerson(w http.ResponseWriter, r *http.Request, status int, target string, errs []pages.FieldError) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	actor := actorFrom(r.Context())
	p, audit, err := s.people.Get(r.Context(), actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.PersonDetail{
		ID: p.ID, Name: p.Name, Email: p.Email, EmployeeNumber: p.EmployeeNumber, Department: p.DepartmentName,
		Active: p.Active, SignedIn: p.Linked(), LastSignIn: formatTime(p.LastSignInAt), Roles: roleLabels(p.Roles),
		CanLink: p.Linked() && p.Active && p.EmployeeNumber == "", LinkTarget: target, Errors: errs,
	}
	if restored, ok := s.sessions.RestoreForm(r.Context(), r.URL.Path, actor.PersonID); ok && target == "" {
		m.LinkTarget = restored.Get("target")
	}
	if m.CanLink {
		// Search, then choose: by default people with the same name, since
		// that is who the duplicate most likely is; works without JavaScript.
		m.LinkSearch = r.URL.Query().Get("sok")
		if m.LinkSearch == "" {
			m.LinkSearch = p.Name
		}
		candidates, err := s.people.List(r.Context(), actor, postgres.PersonFilter{Query: m.LinkSearch, Limit: 100})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// The person already chosen (a form kept over a lapsed session, or
		// one with an error) stays selectable whatever the search.
		if chosen, err := strconv.ParseInt(m.LinkTarget, 10, 64); err == nil {
			if c, _, err := s.people.Get(r.Context(), actor, chosen); err == nil && !slices.ContainsFunc(candidates, func(x portal.Person) bool { return x.ID == c.ID }) {
				candidates = append([]portal.Person{c}, candidates...)
			}
		}
		for _, c := range candidates {
			if !c.Linked() && c.Active {
				label := c.Name
				if c.Email != "" {
					label += " (" + c.Email + ")"
				}
				m.LinkTargets = append(m.LinkTargets, pages.LinkTarget{Value: strconv.FormatInt(c.ID, 10), Label: label})
			}
		}
	}
	for _, a := range audit {
		who := "Systemet"
		if a.ActorName != nil {
			who = *a.ActorName
		}
		m.History = append(m.History, pages.HistoryEntry{At: formatTime(&a.At), Actor: who, Action: auditLabel(a.Action)})
	}
	s.render(w, r, status, pages.PersonDetailPage(withBack(s.page(r, p.Name, "/admin/personer"), "Tillbaka till personerna", "/admin/personer"), m))
}

func (s *Server) endSessions(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	actor := actorFrom(r.Context())
	if err := s.people.EndSessions(r.Context(), actor, id, requestIDFrom(r.Context())); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("security event: sessions ended by administrator", "event", "sessions_terminated",
		"person_id", id, "by", actor.PersonID, "request_id", requestIDFrom(r.Context()))
	s.sessions.Flash(r.Context(), "Alla personens sessioner är avslutade.")
	http.Redirect(w, r, "/admin/personer/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) linkIdentity(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	target := r.PostForm.Get("target")
	to, err := strconv.ParseInt(target, 10, 64)
	if err != nil || to <= 0 {
		s.renderPerson(w, r, http.StatusUnprocessableEntity, target, []pages.FieldError{{Field: "target", Message: "Välj den person som inloggningen ska kopplas till."}})
		return
	}
	err = s.people.LinkIdentity(r.Context(), actorFrom(r.Context()), id, to, requestIDFrom(r.Context()))
	if portal.KindOf(err) == portal.KindInvalid {
		var errs []pages.FieldError
		if e, ok := err.(*portal.Error); ok {
			for f, msg := range e.Fields {
				errs = append(errs, pages.FieldError{Field: f, Message: msg})
			}
		}
		s.renderPerson(w, r, http.StatusUnprocessableEntity, target, errs)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Inloggningen är kopplad.")
	http.Redirect(w, r, "/admin/personer/"+strconv.FormatInt(to, 10), http.StatusSeeOther)
}

func pathID(r *http.Request) (int64, bool) { return pathParamID(r, "id") }

// pathParamID reads a positive id from the path parameter name.
func pathParamID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	return id, err == nil && id > 0
}

func roleLabels(roles []portal.Role) []string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		out = append(out, r.Label())
	}
	return out
}

// auditLabel names an audit action in Swedish.
func auditLabel(action string) string {
	switch action {
	case "person.roles_changed":
		return "Roller ändrade vid inloggning"
	case "person.created_by_sign_in":
		return "Skapad vid första inloggningen"
	case "person.identity_linked":
		return "Inloggning kopplad"
	case "person.identity_moved":
		return "Inloggning flyttad till annan person"
	case "person.sessions_ended":
		return "Alla sessioner avslutade"
	case "person.imported_from_hr":
		return "Uppgifter hämtade från personalsystemet"
	case "person.created_by_import":
		return "Skapad vid import av personal"
	case "person.created_by_request":
		return "Skapad från ett ärende"
	case "person.employment_ended":
		return "Anställningen avslutad"
	case "document.acknowledged":
		return "Styrdokument kvitterat"
	case "document.published":
		return "Ny version av styrdokument publicerad"
	case "document.saved", "document.draft_saved":
		return "Styrdokument sparat"
	case "department.created_by_import":
		return "Förvaltning skapad vid import"
	case "api_token.created":
		return "API-nyckel skapad"
	case "api_token.revoked":
		return "API-nyckel återkallad"
	case "system.role_change_renotified":
		return "Aviseringen om rollbytet skickad på nytt"
	case "request.submitted":
		return "Ärende inskickat"
	case "request.decided":
		return "Ärende beslutat"
	case "request.commented":
		return "Kommentar i ärende"
	case "request.attachment_added":
		return "Bilaga tillagd i ärende"
	case "request.diarienummer_set":
		return "Diarienummer registrerat"
	case "platform_component.added":
		return "Plattformskomponent fastställd"
	case "platform_component.status_changed":
		return "Plattformskomponentens status ändrad"
	case "system.platform_changed":
		return "Systemets plattformskomponenter ändrade"
	}
	// An action without a label of its own is never shown by its code.
	return "Ändring registrerad"
}
