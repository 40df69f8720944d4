package server

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"itportal/internal/postgres"
	"itportal/internal/registerfile"
	"itportal/web/components"
	"itportal/web/pages"
)

// uploadLimit raises the request body limit for the routes that take
// files: the file and the multipart envelope.
func uploadLimit(path string) (int64, bool) {
	switch {
	case path == "/system/import", path == "/admin/personal/import":
		return registerfile.MaxFileSize + 64<<10, true
	case strings.HasPrefix(path, "/arenden/") && strings.HasSuffix(path, "/bilagor") && strings.Count(path, "/") == 3:
		return attachmentUploadLimit, true
	}
	return 0, false
}

func (s *Server) importForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, pages.ImportPage(s.page(r, "Importera registret", "/system"), pages.ImportView{}))
}

// importUpload receives a file and shows the dry run.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) {
	fileErr := func(status int, msg string) {
		s.render(w, r, status, pages.ImportPage(s.page(r, "Fel: Importera registret", "/system"), pages.ImportView{
			FileError: msg, Errors: []components.ErrorItem{{Field: "file", Message: msg}},
		}))
	}
	filename, data, status, msg := readUpload(r, registerfile.MaxFileSize, "Filen är för stor (högst 10 MB).", "Välj en fil att importera.")
	if msg != "" {
		fileErr(status, msg)
		return
	}
	parsed, err := registerfile.Parse(data)
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
	res, err := s.systems.Import(r.Context(), actor, parsed, postgres.ImportOptions{RequestID: requestIDFrom(r.Context())})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := s.uploads.Store(r.Context(), actor, "register_import", filename, data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.ImportPage(s.page(r, "Förhandsgranska importen", "/system"), pages.ImportView{
		Report: importReport(res, strconv.FormatInt(id, 10), filename),
	}))
}

// importCommit imports the file the dry run showed: all rows or none.
func (s *Server) importCommit(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r.Context())
	id, err := strconv.ParseInt(r.PostForm.Get("upload"), 10, 64)
	if err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "Importen saknar sin fil. Ladda upp filen igen.")
		return
	}
	name, data, err := s.uploads.Get(r.Context(), actor, id, "register_import")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	parsed, err := registerfile.Parse(data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.systems.Import(r.Context(), actor, parsed, postgres.ImportOptions{
		Commit: true, CreateDepartments: r.PostForm.Get("skapa_forvaltningar") == "ja", RequestID: requestIDFrom(r.Context()),
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	report := importReport(res, strconv.FormatInt(id, 10), name)
	if res.Committed {
		_ = s.uploads.Delete(r.Context(), actor, id)
	}
	status := http.StatusOK
	if !res.Committed {
		status = http.StatusUnprocessableEntity // the register changed since the dry run
	}
	s.render(w, r, status, pages.ImportPage(s.page(r, "Importera registret", "/system"), pages.ImportView{Report: report, Done: res.Committed}))
}

func importReport(res postgres.ImportResult, uploadID, filename string) *pages.ImportReport {
	rep := &pages.ImportReport{
		UploadID: uploadID, Filename: filename, Format: res.Format, Warnings: res.Warnings,
		Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged, Rejected: res.Rejected,
		NewDepartments: res.NewDepartments, CanCreateDepts: res.CanCreateDepartments,
		CanCommit: res.Rejected == 0 && (len(res.NewDepartments) == 0 || res.CanCreateDepartments),
	}
	for _, row := range res.Rows {
		rr := pages.ImportReportRow{Line: strconv.Itoa(row.Line), Name: row.Name, Error: len(row.Errors) > 0}
		switch row.Action {
		case "ny":
			rr.Action = "Skapas"
		case "ändras":
			rr.Action = "Ändras"
			for _, c := range row.Changes {
				rr.Details = append(rr.Details, "Ändras: "+factLabel(c))
			}
		case "oförändrad":
			rr.Action = "Oförändrad"
		default:
			rr.Action = "Fel"
		}
		for _, e := range row.Errors {
			rr.Details = append(rr.Details, e.Column+": "+e.Message)
		}
		rep.Rows = append(rep.Rows, rr)
	}
	return rep
}

// readUpload reads the form's file (field "file") of at most max bytes.
// On failure it returns the status and the Swedish message for the page.
func readUpload(r *http.Request, max int64, tooBig, missing string) (string, []byte, int, string) {
	file, header, err := r.FormFile("file")
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return "", nil, http.StatusRequestEntityTooLarge, tooBig
	case err != nil:
		return "", nil, http.StatusUnprocessableEntity, missing
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, max+1))
	if err != nil {
		return "", nil, http.StatusUnprocessableEntity, "Filen kunde inte läsas. Försök igen."
	}
	return header.Filename, data, 0, ""
}
