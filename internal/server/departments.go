package server

import (
	"net/http"
	"strconv"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

func departmentHref(id int64) string { return "/admin/forvaltningar/" + strconv.FormatInt(id, 10) }

func (s *Server) listDepartments(w http.ResponseWriter, r *http.Request) {
	s.renderDepartments(w, r, http.StatusOK, "", "", nil)
}

func (s *Server) renderDepartments(w http.ResponseWriter, r *http.Request, status int, name, short string, errs map[string]string) {
	list, err := s.departments.ListAll(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.Departments{
		Errors: errorItems(errs, []string{"name", "short_name"}),
		Name:   components.Field{Name: "name", Label: "Namn", Value: name, Error: errs["name"]},
		Short:  components.Field{Name: "short_name", Label: "Förkortning", Hint: "Till exempel SOC", Value: short, Error: errs["short_name"]},
	}
	for _, d := range list {
		m.Rows = append(m.Rows, pages.DepartmentAdminRow{Href: departmentHref(d.ID), Name: d.Name, Short: d.ShortName, Active: d.Active})
	}
	title := "Förvaltningar"
	title = formTitle(title, errs)
	s.render(w, r, status, pages.DepartmentsPage(s.page(r, title, "/admin/forvaltningar"), m))
}

func (s *Server) createDepartment(w http.ResponseWriter, r *http.Request) {
	name, short := r.PostForm.Get("name"), r.PostForm.Get("short_name")
	_, err := s.departments.Save(r.Context(), actorFrom(r.Context()), portal.Department{Name: name, ShortName: short, Active: true}, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderDepartments(w, r, http.StatusUnprocessableEntity, name, short, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Förvaltningen är tillagd.")
	http.Redirect(w, r, "/admin/forvaltningar", http.StatusSeeOther)
}

func (s *Server) editDepartment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	d, err := s.departments.Get(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderDepartmentEdit(w, r, http.StatusOK, d, nil)
}

func (s *Server) renderDepartmentEdit(w http.ResponseWriter, r *http.Request, status int, d portal.Department, errs map[string]string) {
	m := pages.DepartmentEdit{
		Action: departmentHref(d.ID), Errors: errorItems(errs, []string{"name", "short_name"}),
		Name:   components.Field{Name: "name", Label: "Namn", Value: d.Name, Error: errs["name"]},
		Short:  components.Field{Name: "short_name", Label: "Förkortning", Value: d.ShortName, Error: errs["short_name"]},
		Active: components.Field{Name: "active", Label: "Aktiv", Checked: d.Active, Hint: "En inaktiv förvaltning kan inte väljas som ny systemägare."},
	}
	title := "Ändra förvaltning"
	title = formTitle(title, errs)
	s.render(w, r, status, pages.DepartmentEditPage(s.page(r, title, "/admin/forvaltningar"), m))
}

func (s *Server) updateDepartment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	d := portal.Department{ID: id, Name: r.PostForm.Get("name"), ShortName: r.PostForm.Get("short_name"), Active: r.PostForm.Get("active") == "ja"}
	if !d.Active && !confirmed(r) {
		// Deactivating asks first; the save is rehearsed so that field
		// errors show on the form at once.
		cur, err := s.departments.Get(r.Context(), actorFrom(r.Context()), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if cur.Active {
			_, err := s.departments.Save(postgres.Rehearse(r.Context()), actorFrom(r.Context()), d, requestIDFrom(r.Context()))
			if fe := fieldErrors(err); fe != nil {
				s.renderDepartmentEdit(w, r, http.StatusUnprocessableEntity, d, fe)
				return
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
			s.renderConfirm(w, r, pages.Confirm{Heading: "Inaktivera " + cur.Name,
				Consequences: []string{"Du inaktiverar " + cur.Name + ". Förvaltningen kan inte längre väljas som ny systemägare eller i nya ärenden.",
					"Det som redan står på förvaltningen ändras inte: system den äger, dess personal och dess ärenden finns kvar. Du kan göra den aktiv igen."},
				Action: departmentHref(id), CancelHref: departmentHref(id), Hidden: carried(r, "name", "short_name"), ConfirmLabel: "Bekräfta: inaktivera"},
				"/admin/forvaltningar")
			return
		}
	}
	_, err := s.departments.Save(r.Context(), actorFrom(r.Context()), d, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderDepartmentEdit(w, r, http.StatusUnprocessableEntity, d, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Förvaltningen är sparad.")
	http.Redirect(w, r, "/admin/forvaltningar", http.StatusSeeOther)
}
