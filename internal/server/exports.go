package server

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/registerfile"
	"itportal/internal/sheet"
	"itportal/web/pages"
)

// exportSystems serves the register with the list's current filter as CSV
// or XLSX, through the same service call and checks as the page.
func (s *Server) exportSystems(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, q := systemFilterFrom(r)
		if !q.ok() {
			s.errorPage(w, r, http.StatusBadRequest, strings.Join(problemTexts(q), " "))
			return
		}
		records, err := s.systems.Export(r.Context(), actorFrom(r.Context()), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		deps, err := s.departments.ListActive(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		t := registerfile.Table(records)
		t.Sheet, t.Title = "System", "System i IT-portalens register, uttaget "+takenAt()+". "+describeSystemFilter(f, deps)
		s.sendTable(w, r, format, "system-"+time.Now().In(stockholm).Format("2006-01-02"), t)
	}
}

// sendTable writes a table as a download, buffered so a failure is a page,
// not half a file.
func (s *Server) sendTable(w http.ResponseWriter, r *http.Request, format, name string, t sheet.Table) {
	var buf bytes.Buffer
	var err error
	ct := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		err = sheet.WriteXLSX(&buf, t)
	} else {
		format = "csv"
		err = sheet.WriteCSV(&buf, t)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+sheet.SafeFilename(name)+"."+format+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// rollfordelning is the official report "Rollfördelning över IT-system"
// (§4.2): per department, every system in use with its three roles today.
func (s *Server) rollfordelning(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		records, err := s.systems.Export(r.Context(), actorFrom(r.Context()), postgres.SystemFilter{Sort: postgres.SortByOwner})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// Every system not decommissioned is listed; "i bruk" counts those
		// in operation (portal.InUse), the planned ones are counted apart.
		var inUse []registerfile.Record
		for _, rec := range records {
			if rec.Facts.Lifecycle != string(portal.LifecycleDecommission) {
				inUse = append(inUse, rec)
			}
		}
		date := time.Now().In(stockholm).Format("2006-01-02")
		if format != "" {
			t := registerfile.Table(inUse)
			t.Header, t.Rows = t.Header[:8], trimRows(t.Rows, 8)
			t.Title = "Rollfördelning över IT-system (4.2): system i bruk, planerade och under införande per förvaltning, " + takenAt() + "."
			s.sendTable(w, r, format, "rollfordelning-"+date, t)
			return
		}
		m := pages.Rollfordelning{Date: date}
		for _, rec := range inUse {
			if portal.InUse(portal.Lifecycle(rec.Facts.Lifecycle)) {
				m.InUse++
			} else {
				m.Coming++
			}
		}
		for _, rec := range inUse {
			owner := rec.Owner
			if owner == "" {
				owner = "Saknar systemägare"
			}
			if len(m.Groups) == 0 || m.Groups[len(m.Groups)-1].Department != owner {
				m.Groups = append(m.Groups, pages.RollGroup{Department: owner})
			}
			g := &m.Groups[len(m.Groups)-1]
			g.Rows = append(g.Rows, pages.RollRow{
				System: rec.Facts.Name, Administrator: rec.Administrator, AdministratorEmail: rec.AdministratorEmail,
				Operations: rec.Operations, Lifecycle: portal.LabelOf(portal.Lifecycles, rec.Facts.Lifecycle),
			})
		}
		s.render(w, r, http.StatusOK, pages.RollfordelningPage(s.page(r, "Rollfördelning över IT-system", "/rollfordelning"), m))
	}
}

func trimRows(rows [][]sheet.Cell, n int) [][]sheet.Cell {
	for i := range rows {
		if len(rows[i]) > n {
			rows[i] = rows[i][:n]
		}
	}
	return rows
}

// mySystemItems are the systems someone holds a role in, each with their
// roles and what the guideline expects of them (Mina system and the start
// page).
func (s *Server) mySystemItems(held []postgres.HeldSystem) []pages.MySystem {
	var out []pages.MySystem
	for _, h := range held {
		item := pages.MySystem{Href: systemHref(h.ID), Name: h.Name}
		for _, role := range h.Roles {
			item.Roles = append(item.Roles, role.Label())
		}
		for _, b := range h.Breaches {
			t := describeBreach(b, s.cfg.OfficialWebAddress)
			item.Todo = append(item.Todo, t.Message+" "+t.Fix)
		}
		out = append(out, item)
	}
	return out
}

// mySystems lists the systems where the signed-in person holds a role, with
// what the guideline expects of them.
func (s *Server) mySystems(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r.Context())
	held, err := s.systems.Held(r.Context(), actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.MySystems{}
	if m.Due, err = s.dueRows(r); err != nil {
		s.fail(w, r, err)
		return
	}
	m.Systems = s.mySystemItems(held)
	s.render(w, r, http.StatusOK, pages.MySystemsPage(s.page(r, "Mina system", "/mina-system"), m))
}

// takenAt is when an export was taken, as its title row says it.
func takenAt() string { return time.Now().In(stockholm).Format("2006-01-02 15:04") }

// describeSystemFilter says in words which systems a filter lists, for an
// export's title row.
func describeSystemFilter(f postgres.SystemFilter, deps []portal.Department) string {
	var parts []string
	if f.Query != "" {
		parts = append(parts, "sökord ”"+f.Query+"”")
	}
	if f.DepartmentID != 0 {
		name := "förvaltning " + strconv.FormatInt(f.DepartmentID, 10)
		for _, d := range deps {
			if d.ID == f.DepartmentID {
				name = d.Name
			}
		}
		parts = append(parts, "systemägare "+name)
	}
	for _, c := range []struct {
		label, value string
		choices      []portal.Choice
	}{{"livscykel", f.Lifecycle, portal.Lifecycles}, {"drift", f.Hosting, portal.Hostings}, {"personuppgifter", f.PersonalData, portal.PersonalData}} {
		if c.value != "" {
			parts = append(parts, c.label+" "+strings.ToLower(portal.LabelOf(c.choices, c.value)))
		}
	}
	if f.MissingAdministrator {
		parts = append(parts, "bara system som saknar systemförvaltare")
	}
	if f.EvaluationOverdue {
		parts = append(parts, "bara system med försenad utvärdering")
	}
	if f.HeldBy != 0 {
		parts = append(parts, "bara mina system")
	}
	if len(parts) == 0 {
		return "Urval: alla system."
	}
	return "Urval: " + strings.Join(parts, ", ") + "."
}
