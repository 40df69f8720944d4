package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

// Saved views: a person names the filtered register or list of cases they
// are looking at, and finds it again on their start page. What is stored
// is the query string as the list's own parser reads it: parameters it
// does not know are dropped, and a value it cannot use is refused, so a
// saved view never opens a list with an error.

// viewParams are the parameters a saved view keeps, per list, in the
// order they are written (the page number is not kept).
var viewParams = map[string][]string{
	portal.ViewListSystems:  {"q", "forvaltning", "livscykel", "drift", "personuppgifter", "saknar_forvaltare", "utvardering_forsenad", "mina", "sortering"},
	portal.ViewListRequests: {"vy", "q", "status", "typ", "forvaltning", "alder", "sortera"},
}

// viewQuery re-parses a list's query string with the list's own parser
// and returns it as it will be kept, or the problems in Swedish.
func viewQuery(r *http.Request, list, raw string) (string, []string) {
	params, ok := viewParams[list]
	if !ok {
		return "", []string{"Välj registret eller ärendena."}
	}
	if len(raw) > 2000 {
		return "", []string{"Urvalet är för långt för att sparas."}
	}
	v, err := url.ParseQuery(strings.TrimPrefix(raw, "?"))
	if err != nil {
		return "", []string{"Urvalet kunde inte läsas."}
	}
	probe := r.Clone(r.Context())
	probe.URL = &url.URL{Path: "/" + list, RawQuery: v.Encode()}
	var lq *listQuery
	if list == portal.ViewListSystems {
		_, lq = systemFilterFrom(probe)
	} else {
		_, lq = requestFilterFrom(probe)
	}
	if !lq.ok() {
		return "", problemTexts(lq)
	}
	kept := url.Values{}
	for _, p := range params {
		if val := strings.TrimSpace(v.Get(p)); val != "" {
			kept.Set(p, val)
		}
	}
	return kept.Encode(), nil
}

// saveViewHref is the form that saves a list's query string as a view.
func saveViewHref(list, query string) string {
	return "/vyer?" + url.Values{"lista": {list}, "urval": {query}}.Encode()
}

// savedViewRows are the viewer's views as links, for the start page and
// /vyer.
func savedViewRows(views []postgres.SavedView) []pages.SavedViewRow {
	var out []pages.SavedViewRow
	for _, v := range views {
		list := "Registret"
		if v.List == portal.ViewListRequests {
			list = "Ärenden"
		}
		out = append(out, pages.SavedViewRow{Name: v.Name, Href: v.Href(), List: list, Delete: "/vyer/" + strconv.FormatInt(v.ID, 10) + "/ta-bort"})
	}
	return out
}

// savedViews lists the viewer's views, with a form to save one when the
// page was opened from a list (?lista=…&urval=…).
func (s *Server) savedViews(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m := pages.SavedViewsView{List: q.Get("lista"), Query: q.Get("urval")}
	if _, ok := viewParams[m.List]; !ok {
		m.List, m.Query = "", ""
	}
	s.renderSavedViews(w, r, http.StatusOK, m)
}

func (s *Server) renderSavedViews(w http.ResponseWriter, r *http.Request, status int, m pages.SavedViewsView) {
	views, err := s.people.SavedViews(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m.Views = savedViewRows(views)
	m.Name.Name, m.Name.Label, m.Name.Hint = "namn", "Namn på vyn", "Högst 60 tecken, till exempel ”Socialförvaltningens system i drift”."
	s.render(w, r, status, pages.SavedViewsPage(s.page(r, "Sparade vyer", ""), m))
}

// saveView keeps the list the viewer came from under a name.
func (s *Server) saveView(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	m := pages.SavedViewsView{List: r.PostForm.Get("lista"), Query: r.PostForm.Get("urval")}
	m.Name.Value = r.PostForm.Get("namn")
	query, problems := viewQuery(r, m.List, m.Query)
	if problems != nil {
		if _, ok := viewParams[m.List]; !ok {
			m.List, m.Query = "", ""
		}
		m.Name.Error = "Urvalet kan inte sparas: " + strings.Join(problems, " ")
		m.Errors = []components.ErrorItem{{Field: "namn", Message: m.Name.Error}}
		s.renderSavedViews(w, r, http.StatusUnprocessableEntity, m)
		return
	}
	if _, err := s.people.SaveView(ctx, actorFrom(ctx), m.List, m.Name.Value, query, requestIDFrom(ctx)); err != nil {
		if fe := fieldErrors(err); fe != nil {
			m.Name.Error = fe["namn"]
			if m.Name.Error == "" {
				m.Name.Error = portal.MessageOf(err)
			}
			m.Errors = []components.ErrorItem{{Field: "namn", Message: m.Name.Error}}
			s.renderSavedViews(w, r, http.StatusUnprocessableEntity, m)
			return
		}
		s.fail(w, r, err)
		return
	}
	name, _ := portal.SavedViewName(m.Name.Value)
	s.sessions.Flash(ctx, "Vyn ”"+name+"” är sparad. Du hittar den på Översikt.")
	target := "/" + m.List
	if query != "" {
		target += "?" + query
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// deleteView removes one of the viewer's views.
func (s *Server) deleteView(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.people.DeleteView(r.Context(), actorFrom(r.Context()), id, requestIDFrom(r.Context())); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Vyn är borttagen.")
	http.Redirect(w, r, "/vyer", http.StatusSeeOther)
}
