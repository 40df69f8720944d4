package server

import (
	"net/http"
	"strconv"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/pages"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	deps, err := s.departments.ListActive(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.Home{}
	for _, d := range deps {
		m.Departments = append(m.Departments, pages.DepartmentRow{Name: d.Name, ShortName: d.ShortName})
	}
	owed, err := s.documents.Obligations(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m.Owed = obligationRows(owed)
	s.render(w, r, http.StatusOK, pages.HomePage(s.page(r, "Översikt", "/"), m))
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	if !s.assets.Has(r.URL.Path) {
		s.notFound(w, r)
		return
	}
	s.assets.ServeHTTP(w, r)
}

func (s *Server) accessibilityStatement(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, pages.AccessibilityPage(s.page(r, "Tillgänglighetsredogörelse", "")))
}

func obligationRows(owed []postgres.Obligation) []pages.ObligationRow {
	var out []pages.ObligationRow
	for _, o := range owed {
		row := pages.ObligationRow{Href: documentHref(o.Slug) + "/kvittera", Title: o.Title, Version: strconv.Itoa(o.Version)}
		if !o.Blocking {
			row.Deadline = o.Deadline.In(portal.Stockholm).Format(dateLayout)
		}
		out = append(out, row)
	}
	return out
}
