package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
)

// The JSON API (/api/v1) for the intranet and other systems. It calls the
// same services with the same actor and checks as the pages; errors are
// RFC 9457 problem details.

type apiSystem struct {
	ID             int64      `json:"id"`
	Name           string     `json:"name"`
	Lifecycle      string     `json:"lifecycle"`
	LifecycleLabel string     `json:"lifecycle_label"`
	Supplier       string     `json:"supplier"`
	Owner          string     `json:"owner"`
	Administrator  string     `json:"administrator"`
	Operations     string     `json:"operations"`
	URL            string     `json:"url"`
	Roles          *apiRoles  `json:"roles,omitempty"`
	Facts          *apiFacts  `json:"facts,omitempty"`
	Breaches       []apiRule  `json:"breaches,omitempty"`
	LastEvaluated  *string    `json:"last_evaluated,omitempty"`
	UpdatedAt      *time.Time `json:"updated_at,omitempty"`
}

type apiRoles struct {
	Owner         *apiHolder `json:"owner"`
	Administrator *apiHolder `json:"administrator"`
	Operations    *apiHolder `json:"operations"`
}

type apiHolder struct {
	Name        string  `json:"name"`
	Email       string  `json:"email,omitempty"`
	From        string  `json:"from"`
	Until       *string `json:"until"`
	AppointedBy string  `json:"appointed_by,omitempty"`
}

type apiFacts struct {
	Description            string `json:"description"`
	Purpose                string `json:"purpose"`
	Category               string `json:"category"`
	Product                string `json:"product"`
	Version                string `json:"version"`
	Hosting                string `json:"hosting"`
	PersonalData           string `json:"personal_data"`
	OpenSource             bool   `json:"open_source"`
	SelfDeveloped          bool   `json:"self_developed"`
	RepresentsMunicipality bool   `json:"represents_municipality"`
	WebAddress             string `json:"web_address"`
}

type apiRule struct {
	Rule    string `json:"rule"`
	Section string `json:"section"`
	Message string `json:"message"`
	Since   string `json:"since"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		writeProblem(w, http.StatusInternalServerError, "Något gick fel", "Svaret kunde inte skapas.", "")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// encodeCursor makes the API's cursor, opaque to clients: the last row's
// name and id.
func encodeCursor(name string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10) + ":" + name))
}

func decodeCursor(c string) (string, int64, bool) {
	if c == "" {
		return "", 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", 0, false
	}
	idText, name, ok := strings.Cut(string(b), ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id <= 0 {
		return "", 0, false
	}
	return name, id, true
}

// apiSystems lists the register: the page's filters, name order, a cursor.
func (s *Server) apiSystems(w http.ResponseWriter, r *http.Request) {
	f, q := systemFilterFrom(r)
	if !q.ok() {
		q.writeProblem(w, requestIDFrom(r.Context()))
		return
	}
	f.PerPage = 50 // pages of 50, like the register's pages
	name, id, ok := decodeCursor(r.URL.Query().Get("cursor"))
	if !ok {
		writeProblem(w, http.StatusBadRequest, "Ogiltig cursor", "Parametern cursor ska vara värdet next_cursor från ett tidigare svar.", requestIDFrom(r.Context()))
		return
	}
	rows, err := s.systems.ListAfter(r.Context(), actorFrom(r.Context()), f, name, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Systems    []apiSystem `json:"systems"`
		NextCursor *string     `json:"next_cursor"`
	}{Systems: []apiSystem{}}
	for _, row := range rows {
		out.Systems = append(out.Systems, apiSystem{
			ID: row.ID, Name: row.Name, Lifecycle: row.Lifecycle, LifecycleLabel: portal.LabelOf(portal.Lifecycles, row.Lifecycle),
			Supplier: row.Supplier, Owner: row.Owner, Administrator: row.Administrator, Operations: row.Operations,
			URL: s.cfg.BaseURL.String() + systemHref(row.ID),
		})
	}
	if len(rows) == f.PerPage {
		last := rows[len(rows)-1]
		c := encodeCursor(last.Name, last.ID)
		out.NextCursor = &c
	}
	writeJSON(w, http.StatusOK, out)
}

// apiSystem is one system with its current roles and breaches.
func (s *Server) apiSystem(w http.ResponseWriter, r *http.Request) {
	sys, ok := s.loadSystem(w, r)
	if !ok {
		return
	}
	id := sys.ID
	breaches, err := s.systems.Breaches(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := sys.Facts
	out := apiSystem{
		ID: sys.ID, Name: f.Name, Lifecycle: f.Lifecycle, LifecycleLabel: portal.LabelOf(portal.Lifecycles, f.Lifecycle), Supplier: f.Supplier,
		URL: s.cfg.BaseURL.String() + systemHref(id), UpdatedAt: &sys.UpdatedAt,
		Roles: &apiRoles{Owner: apiHolderOf(sys.Roles[portal.RoleOwner]), Administrator: apiHolderOf(sys.Roles[portal.RoleAdministrator]),
			Operations: apiHolderOf(sys.Roles[portal.RoleOperations])},
		Facts: &apiFacts{Description: f.Description, Purpose: f.Purpose, Category: f.Category, Product: f.Product, Version: f.Version,
			Hosting: f.Hosting, PersonalData: f.PersonalData, OpenSource: f.OpenSource, SelfDeveloped: f.SelfDeveloped,
			RepresentsMunicipality: f.RepresentsMunicipality, WebAddress: f.WebAddress},
		Breaches: []apiRule{},
	}
	if h := sys.Roles[portal.RoleOwner]; h != nil {
		out.Owner = h.Name
	}
	if h := sys.Roles[portal.RoleAdministrator]; h != nil {
		out.Administrator = h.Name
	}
	if h := sys.Roles[portal.RoleOperations]; h != nil {
		out.Operations = h.Name
	}
	if sys.LastEval != nil {
		d := sys.LastEval.Format(dateLayout)
		out.LastEvaluated = &d
	}
	for _, b := range breaches {
		out.Breaches = append(out.Breaches, apiRule{Rule: b.Rule, Section: sectionOf(b), Message: describeBreach(b, s.cfg.OfficialWebAddress).Message, Since: sinceDate(b)})
	}
	writeJSON(w, http.StatusOK, out)
}

func apiHolderOf(h *postgres.Holder) *apiHolder {
	if h == nil {
		return nil
	}
	out := &apiHolder{Name: h.Name, Email: h.Email, From: h.From.Format(dateLayout), AppointedBy: h.AppointedBy}
	if u := h.Until(); u != nil {
		d := u.Format(dateLayout)
		out.Until = &d
	}
	return out
}
