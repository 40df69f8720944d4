package server

import (
	"errors"
	"net/http"
	"strconv"

	"itportal/internal/postgres"
	"itportal/internal/registerfile"
	"itportal/web/components"
	"itportal/web/pages"
)

// The HR export (/admin/personal/import): a dry run, then the import, as
// for the register.

func (s *Server) staffImportForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, pages.ImportPage(s.page(r, "Importera personal", "/admin/personer"), pages.ImportView{Staff: true, FileLimit: importFileLimit}))
}

func (s *Server) staffImportUpload(w http.ResponseWriter, r *http.Request) {
	fileErr := func(status int, msg string) {
		s.render(w, r, status, pages.ImportPage(s.page(r, "Fel: Importera personal", "/admin/personer"), pages.ImportView{
			Staff: true, FileLimit: importFileLimit, FileError: msg, Errors: []components.ErrorItem{{Field: "file", Message: msg}},
		}))
	}
	filename, data, status, msg := readUpload(r, registerfile.MaxFileSize, "Filen är större än "+importFileLimit.Text()+".", "Välj en fil att importera.")
	if msg != "" {
		fileErr(status, msg)
		return
	}
	parsed, err := registerfile.ParseTable(data, postgres.StaffSchema)
	var fe *registerfile.ErrFile
	if errors.As(err, &fe) {
		fileErr(http.StatusUnprocessableEntity, fe.Message)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actor := actorFrom(r.Context())
	res, err := s.people.ImportStaff(r.Context(), actor, parsed, false, requestIDFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := s.uploads.Store(r.Context(), actor, "staff_import", filename, data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.ImportPage(s.page(r, "Förhandsgranska importen", "/admin/personer"), pages.ImportView{
		Staff: true, Report: staffReport(res, strconv.FormatInt(id, 10), filename, parsed.Format),
	}))
}

func (s *Server) staffImportCommit(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r.Context())
	id, err := strconv.ParseInt(r.PostForm.Get("upload"), 10, 64)
	if err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "Importen saknar sin fil. Ladda upp filen igen.")
		return
	}
	name, data, err := s.uploads.Get(r.Context(), actor, id, "staff_import")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	parsed, err := registerfile.ParseTable(data, postgres.StaffSchema)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.people.ImportStaff(r.Context(), actor, parsed, true, requestIDFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if res.Committed {
		_ = s.uploads.Delete(r.Context(), actor, id)
	}
	status := http.StatusOK
	if !res.Committed {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, pages.ImportPage(s.page(r, "Importera personal", "/admin/personer"), pages.ImportView{
		Staff: true, Report: staffReport(res, strconv.FormatInt(id, 10), name, parsed.Format), Done: res.Committed,
	}))
}

func staffReport(res postgres.StaffImportResult, uploadID, filename, format string) *pages.ImportReport {
	rep := &pages.ImportReport{UploadID: uploadID, Filename: filename, Format: format, Warnings: res.Warnings,
		Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged, Rejected: res.Rejected, CanCommit: res.Rejected == 0}
	for _, row := range res.Rows {
		rr := pages.ImportReportRow{Line: strconv.Itoa(row.Line), Name: row.Name + " (" + row.Number + ")", Error: row.Action == "error"}
		switch row.Action {
		case "create":
			rr.Action = "Skapas"
		case "update":
			rr.Action = "Ändras"
		case "unchanged":
			rr.Action = "Oförändrad"
		default:
			rr.Action = "Fel"
		}
		if row.Ends != "" {
			rr.Details = append(rr.Details, "Anställningen har upphört: personen inaktiveras.")
		}
		for _, p := range row.Problems {
			rr.Details = append(rr.Details, p.Column+": "+p.Message)
		}
		rep.Rows = append(rep.Rows, rr)
	}
	return rep
}
