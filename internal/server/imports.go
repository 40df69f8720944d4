package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/registerfile"
	"itportal/web/components"
	"itportal/web/pages"
)

// uploadLimit raises the request body limit for the routes that take
// files: the file and the multipart envelope.
func uploadLimit(path string) (int64, bool) {
	switch {
	case path == "/system/import", path == "/admin/personal/import", path == "/licenser/import":
		return registerfile.MaxFileSize + 64<<10, true
	case strings.HasPrefix(path, "/arenden/") && strings.HasSuffix(path, "/bilagor") && strings.Count(path, "/") == 3:
		return attachmentUploadLimit, true
	}
	return 0, false
}

// uploadRouteOf is what an upload route's page for a too-large file says:
// the largest file it takes, and the way back to where the file was chosen.
func uploadRouteOf(path string) (most, backHref, backLabel string) {
	switch path {
	case "/system/import", "/admin/personal/import", "/licenser/import":
		return importFileLimit.Text(), path, "Tillbaka till importen"
	}
	most = attachmentFileLimit.Text()
	if parts := strings.Split(path, "/"); len(parts) == 4 {
		if id, err := strconv.ParseInt(parts[2], 10, 64); err == nil && id > 0 {
			return most, requestHref(id) + "#bilagor", "Tillbaka till ärendet"
		}
	}
	return most, "/arenden", "Tillbaka till ärendena"
}

// The largest files the upload fields take, as they state them.
var (
	importFileLimit     = components.FileLimit{Bytes: registerfile.MaxFileSize}
	attachmentFileLimit = components.FileLimit{Bytes: portal.MaxAttachment}
)

// uploadTooLargePage answers a file announced larger than its route takes:
// the limit and the way back, in the portal's frame. Nothing was read.
func (s *Server) uploadTooLargePage(w http.ResponseWriter, r *http.Request) {
	most, back, label := uploadRouteOf(r.URL.Path)
	s.log.Info("upload refused: larger than the route takes", "path", r.URL.Path, "bytes_announced", r.ContentLength,
		"request_id", requestIDFrom(r.Context()))
	m := pages.UploadTooLargeView{Limit: most, BackHref: back, BackLabel: label, RequestID: requestIDFrom(r.Context())}
	s.render(w, r, http.StatusRequestEntityTooLarge, pages.UploadTooLargePage(withBack(s.page(r, "Fel: Filen är för stor", ""), label, back), m))
}

func (s *Server) importForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, pages.ImportPage(s.page(r, "Importera registret", "/system"), pages.ImportView{FileLimit: importFileLimit}))
}

// importUpload receives a file and shows the dry run.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) {
	fileErr := func(status int, msg string) {
		s.render(w, r, status, pages.ImportPage(s.page(r, "Fel: Importera registret", "/system"), pages.ImportView{
			FileLimit: importFileLimit, FileError: msg, Errors: []components.ErrorItem{{Field: "file", Message: msg}},
		}))
	}
	filename, data, status, msg := readUpload(r, registerfile.MaxFileSize, "Filen är större än "+importFileLimit.Text()+".", "Välj en fil att importera.")
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
		Report: s.importReport(res, strconv.FormatInt(id, 10), filename, ""),
	}))
}

// importPreview shows the dry run of a file uploaded before, again: with
// ?visa=andringar only the rows that change something, with ?visa=fel only
// those with errors (links, so the filter works without JavaScript).
func (s *Server) importPreview(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r.Context())
	id, err := strconv.ParseInt(r.URL.Query().Get("fil"), 10, 64)
	if err != nil || id <= 0 {
		s.errorPage(w, r, http.StatusBadRequest, "Förhandsgranskningen saknar sin fil. Ladda upp filen igen.")
		return
	}
	show := r.URL.Query().Get("visa")
	switch show {
	case "", "alla", "andringar", "fel":
	default:
		s.errorPage(w, r, http.StatusBadRequest, "Välj att visa alla rader, bara ändringar eller bara fel.")
		return
	}
	name, parsed, err := s.uploadedRegister(r, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.systems.Import(r.Context(), actor, parsed, postgres.ImportOptions{RequestID: requestIDFrom(r.Context())})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.ImportPage(s.page(r, "Förhandsgranska importen", "/system"), pages.ImportView{
		Report: s.importReport(res, strconv.FormatInt(id, 10), name, show),
	}))
}

// uploadedRegister reads back the register file an actor uploaded for a
// dry run (the preview's filters and the commit use it again).
func (s *Server) uploadedRegister(r *http.Request, actor *portal.Actor, id int64) (string, registerfile.File, error) {
	name, data, err := s.uploads.Get(r.Context(), actor, id, "register_import")
	if err != nil {
		return "", registerfile.File{}, err
	}
	parsed, err := registerfile.Parse(data)
	return name, parsed, err
}

// importCommit imports the file the dry run showed: all rows or none.
func (s *Server) importCommit(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r.Context())
	id, err := strconv.ParseInt(r.PostForm.Get("upload"), 10, 64)
	if err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "Importen saknar sin fil. Ladda upp filen igen.")
		return
	}
	name, parsed, err := s.uploadedRegister(r, actor, id)
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
	report := s.importReport(res, strconv.FormatInt(id, 10), name, "")
	if res.Committed {
		_ = s.uploads.Delete(r.Context(), actor, id)
	}
	status := http.StatusOK
	if !res.Committed {
		status = http.StatusUnprocessableEntity // the register changed since the dry run
	}
	s.render(w, r, status, pages.ImportPage(s.page(r, "Importera registret", "/system"), pages.ImportView{Report: report, Done: res.Committed}))
}

// importReport is the report of a dry run or an import; show filters the
// rows: "andringar" the rows that create or change, "fel" those with errors.
func (s *Server) importReport(res postgres.ImportResult, uploadID, filename, show string) *pages.ImportReport {
	rep := &pages.ImportReport{
		Breaks: importBreaks(res.Breaks, s.cfg.OfficialWebAddress), BreaksUntried: res.BreaksUntried, UnmatchedSuppliers: res.UnmatchedSuppliers,
		UploadID: uploadID, Filename: filename, Format: res.Format, Warnings: res.Warnings,
		Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged, Rejected: res.Rejected,
		NewDepartments: res.NewDepartments, CanCreateDepts: res.CanCreateDepartments,
		CanCommit: res.Rejected == 0 && (len(res.NewDepartments) == 0 || res.CanCreateDepartments),
	}
	if !res.RolesFrom.IsZero() {
		rep.RolesFrom = res.RolesFrom.Format(dateLayout)
	}
	if uploadID != "" {
		base := "/system/import/granska?fil=" + uploadID
		for _, f := range []struct{ value, label string }{
			{"alla", "Alla rader (" + strconv.Itoa(len(res.Rows)) + ")"},
			{"andringar", "Bara ändringar (" + strconv.Itoa(res.Created+res.Updated) + ")"},
			{"fel", "Bara fel (" + strconv.Itoa(res.Rejected) + ")"},
		} {
			rep.Filters = append(rep.Filters, pages.ImportFilter{Label: f.label, Href: base + "&visa=" + f.value,
				Current: f.value == show || (show == "" && f.value == "alla")})
		}
	}
	for _, p := range res.NewPeople {
		rep.NewPeople = append(rep.NewPeople, pages.ImportNewPerson{Name: p.Name, Email: p.Email, Department: p.Department, Line: strconv.Itoa(p.Line)})
		if p.Department == "" {
			rep.PeopleWithoutDept++
		}
	}
	for _, row := range res.Rows {
		rr := pages.ImportReportRow{Line: strconv.Itoa(row.Line), Name: row.Name, Error: len(row.Errors) > 0}
		switch row.Action {
		case "ny":
			rr.Action = "Skapas"
		case "ändras":
			rr.Action = "Ändras"
		case "oförändrad":
			rr.Action = "Oförändrad"
		default:
			rr.Action = "Fel"
		}
		for _, d := range row.Diffs {
			if d.Field == string(portal.RoleOwner) || d.Field == string(portal.RoleAdministrator) || d.Field == string(portal.RoleOperations) {
				rep.RoleChanges++
			}
			rr.Changes = append(rr.Changes, pages.ImportChange{Label: importFieldLabel(d.Field), Old: importValue(d.Field, d.Old), New: importValue(d.Field, d.New)})
		}
		for _, e := range row.Errors {
			rr.Details = append(rr.Details, e.Column+": "+e.Message)
		}
		switch show {
		case "andringar":
			if row.Action != "ny" && row.Action != "ändras" {
				continue
			}
		case "fel":
			if !rr.Error {
				continue
			}
		}
		rep.Rows = append(rep.Rows, rr)
	}
	switch show {
	case "andringar":
		rep.Shown = "Visar bara raderna som skapar eller ändrar något."
	case "fel":
		rep.Shown = "Visar bara raderna med fel."
	}
	return rep
}

// importBreaks groups the breaches an import would add by rule, in the
// board's order, each described as the board describes it (without its
// link: a new system does not exist until the import is confirmed).
func importBreaks(list []postgres.ComplianceBreach, official string) []pages.ImportBreakRule {
	var out []pages.ImportBreakRule
	for _, b := range list {
		rule, ok := portal.RuleOfCheck(b.Check)
		if !ok {
			continue
		}
		if len(out) == 0 || out[len(out)-1].ID != rule.ID {
			out = append(out, pages.ImportBreakRule{ID: rule.ID, Title: rule.Title})
		}
		last := &out[len(out)-1]
		last.Items = append(last.Items, pages.ImportBreak{System: b.SystemName, Message: describeBreach(b, official).Message})
	}
	return out
}

// importFieldLabel names a changed value of an import row in Swedish.
func importFieldLabel(field string) string {
	switch field {
	case "last_evaluated":
		return "Senast utvärderad"
	case string(portal.RoleOwner), string(portal.RoleAdministrator), string(portal.RoleOperations):
		return portal.SystemRole(field).Label()
	}
	l := []rune(factLabel(field))
	return strings.ToUpper(string(l[:1])) + string(l[1:])
}

// importValue shows a value as the system's page does: choices by their
// label, Ja/Nej, "(tomt)" for nothing.
func importValue(field string, v any) string {
	var out string
	switch x := v.(type) {
	case bool:
		out = "Nej"
		if x {
			out = "Ja"
		}
	case string:
		out = x
		switch field {
		case "category":
			out = portal.LabelOf(portal.Categories, x)
		case "lifecycle":
			out = portal.LabelOf(portal.Lifecycles, x)
		case "hosting":
			out = portal.LabelOf(portal.Hostings, x)
		case "personal_data":
			out = portal.LabelOf(portal.PersonalData, x)
		}
	case nil:
	default:
		out = fmt.Sprint(x)
	}
	if strings.TrimSpace(out) == "" {
		return "(tomt)"
	}
	return out
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
