package server

import (
	"net/http"
	"strconv"
	"time"

	"itportal/internal/portal"
	"itportal/internal/sheet"
	"itportal/web/pages"
)

// followUp is /efterlevnad/kvittenser: per document version in force and
// department, how many have acknowledged; a manager's own staff.
func (s *Server) followUp(w http.ResponseWriter, r *http.Request) {
	f, err := s.documents.FollowUp(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.FollowUpView{All: f.All}
	if !f.CountedAt.IsZero() {
		m.CountedAt = f.CountedAt.In(portal.Stockholm).Format("15:04:05")
	}
	for _, d := range f.Departments {
		m.Departments = append(m.Departments, pages.FollowUpRow{Document: d.Title + ", version " + strconv.Itoa(d.Version), Department: d.Department,
			Staff: strconv.Itoa(d.Staff), Acknowledged: strconv.Itoa(d.Acknowledged), Outstanding: strconv.Itoa(d.Outstanding()), Percent: strconv.Itoa(d.Percent()) + " %"})
	}
	if len(f.Departments) > 0 {
		items := make([]shareItem, 0, len(f.Departments))
		for _, d := range f.Departments {
			items = append(items, shareItem{Group: d.Title + ", version " + strconv.Itoa(d.Version), Label: d.Department, Part: d.Acknowledged, Whole: d.Staff})
		}
		c := shareChart("ack-chart", "Kvittensgrad per förvaltning och dokument",
			"Liggande stapeldiagram med andelen som har kvitterat, per dokument och förvaltning.", "har kvitterat", items)
		m.Chart = &c
	}
	now := time.Now()
	for _, a := range f.MyStaff {
		row := pages.StaffAckRow{Name: a.Name, Department: a.Department, Document: a.Title + ", version " + strconv.Itoa(a.Version),
			EvidenceHref: "/efterlevnad/bevis.csv?person=" + strconv.FormatInt(a.PersonID, 10)}
		if a.Acknowledged != nil {
			row.Status = "Kvitterat " + a.Acknowledged.In(portal.Stockholm).Format(dateLayout)
		} else {
			row.Status = "Inte kvitterat (" + strconv.Itoa(int(now.Sub(a.Since).Hours()/24)) + " dagar)"
			row.Outstanding = true
		}
		m.MyStaff = append(m.MyStaff, row)
	}
	s.render(w, r, http.StatusOK, pages.FollowUpPage(s.page(r, "Uppföljning av kvittenser", "/efterlevnad/kvittenser"), m))
}

// followUpExport is the department table as CSV or XLSX.
func (s *Server) followUpExport(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := s.documents.FollowUp(r.Context(), actorFrom(r.Context()))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		t := sheet.Table{Sheet: "Kvittenser", Title: "Kvittenser per förvaltning och dokument, " + takenAt() + ".",
			Header: []string{"Dokument", "Version", "Förvaltning", "Anställda", "Kvitterat", "Ej kvitterat", "Andel (%)"}}
		for _, d := range f.Departments {
			t.Rows = append(t.Rows, []sheet.Cell{sheet.Text(d.Title), sheet.Int(d.Version), sheet.Text(d.Department),
				sheet.Int(d.Staff), sheet.Int(d.Acknowledged), sheet.Int(d.Outstanding()), sheet.Int(d.Percent())})
		}
		if !f.All {
			t.Title = "Dina medarbetares kvittenser, " + takenAt() + "."
			t.Header = []string{"Namn", "Förvaltning", "Dokument", "Version", "Kvitterat"}
			for _, a := range f.MyStaff {
				t.Rows = append(t.Rows, []sheet.Cell{sheet.Text(a.Name), sheet.Text(a.Department), sheet.Text(a.Title), sheet.Int(a.Version), sheet.Date(a.Acknowledged)})
			}
		}
		s.sendTable(w, r, format, "kvittenser-"+time.Now().In(stockholm).Format("2006-01-02"), t)
	}
}

// evidence is every acknowledgement of one person (?person=id) or of one
// version (?dokument=slug&version=n), as CSV for an auditor.
func (s *Server) evidence(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pid, _ := strconv.ParseInt(q.Get("person"), 10, 64)
	n, _ := strconv.Atoi(q.Get("version"))
	rs, err := s.documents.Evidence(r.Context(), actorFrom(r.Context()), pid, q.Get("dokument"), n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t := sheet.Table{Sheet: "Kvittenser", Header: []string{"Person", "Dokument", "Version", "Kvitterat (svensk tid)", "Textens fingeravtryck (SHA-256)", "Stämmer med versionen", "Kvittensnummer", "Spårnummer för kvitteringen"}}
	for _, rc := range rs {
		ok := "Ja"
		if !rc.Valid {
			ok = "Nej"
		}
		t.Rows = append(t.Rows, []sheet.Cell{sheet.Text(rc.PersonName), sheet.Text(rc.DocumentTitle), sheet.Text(strconv.Itoa(rc.VersionNumber)),
			sheet.Text(rc.At.In(portal.Stockholm).Format("2006-01-02 15:04:05")), sheet.Text(rc.SHA256), sheet.Text(ok),
			sheet.Text(strconv.FormatInt(rc.ID, 10)), sheet.Text(rc.RequestID)})
	}
	s.sendTable(w, r, "csv", "kvittenser-bevis-"+time.Now().In(stockholm).Format("2006-01-02"), t)
}
