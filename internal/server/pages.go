package server

import (
	"net/http"

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
