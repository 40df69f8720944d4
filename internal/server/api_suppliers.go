package server

import (
	"net/http"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
)

// The read API of suppliers and contracts (issue 20): public records, read
// with register:read, 50 at a time in name order with a cursor as the
// register. A contract carries its dates computed for today by
// portal.ContractTerms.On, as the pages show them.

const apiPageSize = 50

type apiSupplier struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	OrgNumber     string `json:"org_number"`
	ContractCount int    `json:"contract_count"`
	SystemCount   int    `json:"system_count"`
	URL           string `json:"url"`
}

type apiSupplierDetail struct {
	apiSupplier
	Notes     string               `json:"notes"`
	UpdatedAt time.Time            `json:"updated_at"`
	Contacts  []apiContact         `json:"contacts"`
	Systems   []apiSupplierSystem  `json:"systems"`
	Contracts []apiContractSummary `json:"contracts"`
}

type apiContact struct {
	Role  string `json:"role"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

type apiSupplierSystem struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Lifecycle     string `json:"lifecycle"`
	PersonalData  string `json:"personal_data"`
	Owner         string `json:"owner"`
	Administrator string `json:"administrator"`
	Contracts     string `json:"contracts"`
	URL           string `json:"url"`
}

type apiContractSummary struct {
	ID             int64   `json:"id"`
	Name           string  `json:"name"`
	SupplierID     int64   `json:"supplier_id"`
	Supplier       string  `json:"supplier"`
	Department     string  `json:"department"`
	Procurement    string  `json:"procurement"`
	Start          string  `json:"start"`
	InitialMonths  int     `json:"initial_months"`
	NoticeMonths   int     `json:"notice_months"`
	OptionCount    int     `json:"option_count"`
	OptionMonths   int     `json:"option_months"`
	OptionsUsed    int     `json:"options_used"`
	RenewalMonths  int     `json:"renewal_months"`
	EndsOn         *string `json:"ends_on"`
	CurrentTermEnd string  `json:"current_term_end"`
	NextNoticeDate *string `json:"next_notice_date"`
	DeadlineKind   string  `json:"deadline_kind"`
	Active         bool    `json:"active"`
	Ended          bool    `json:"ended"`
	URL            string  `json:"url"`
}

type apiContract struct {
	apiContractSummary
	OurReference      string               `json:"our_reference"`
	SupplierReference string               `json:"supplier_reference"`
	DirectAwardReason string               `json:"direct_award_reason"`
	ParentID          *int64               `json:"framework_id"`
	TerminatedBy      string               `json:"terminated_by"`
	TerminatedOn      *string              `json:"terminated_on"`
	Responsible       string               `json:"responsible"`
	ResponsibleEmail  string               `json:"responsible_email"`
	Notes             string               `json:"notes"`
	UpdatedAt         time.Time            `json:"updated_at"`
	Systems           []apiContractSystem  `json:"systems"`
	CallOffs          []apiContractSummary `json:"call_offs"`
}

type apiContractSystem struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Lifecycle string `json:"lifecycle"`
	Owner     string `json:"owner"`
	URL       string `json:"url"`
}

func dateOrNil(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	d := t.Format(dateLayout)
	return &d
}

func (s *Server) apiContractOf(id int64, name string, supplierID int64, supplier, department, procurement string, t portal.ContractTerms, d portal.ContractDates) apiContractSummary {
	return apiContractSummary{ID: id, Name: name, SupplierID: supplierID, Supplier: supplier, Department: department, Procurement: procurement,
		Start: t.Start.Format(dateLayout), InitialMonths: t.InitialMonths, NoticeMonths: t.NoticeMonths, OptionCount: t.OptionCount,
		OptionMonths: t.OptionMonths, OptionsUsed: t.OptionsUsed, RenewalMonths: t.RenewalMonths, EndsOn: dateOrNil(t.EndsOn),
		CurrentTermEnd: d.TermEnd.Format(dateLayout), NextNoticeDate: dateOrNil(d.NoticeBy), DeadlineKind: string(d.Deadline),
		Active: d.Active, Ended: d.Ended, URL: s.cfg.BaseURL.String() + contractHref(id)}
}

func (s *Server) apiContractRow(r postgres.ContractRow) apiContractSummary {
	return s.apiContractOf(r.ID, r.Name, r.SupplierID, r.SupplierName, r.Department, r.Procurement, r.Terms, r.Dates)
}

// apiCursor reads the cursor parameter, or answers 400.
func apiCursor(w http.ResponseWriter, r *http.Request) (string, int64, bool) {
	name, id, ok := decodeCursor(r.URL.Query().Get("cursor"))
	if !ok {
		writeProblem(w, http.StatusBadRequest, "Ogiltig cursor", "Parametern cursor ska vara värdet next_cursor från ett tidigare svar.", requestIDFrom(r.Context()))
	}
	return name, id, ok
}

// apiSuppliers lists the suppliers, 50 at a time in name order.
func (s *Server) apiSuppliers(w http.ResponseWriter, r *http.Request) {
	name, id, ok := apiCursor(w, r)
	if !ok {
		return
	}
	rows, err := s.suppliers.SuppliersAfter(r.Context(), actorFrom(r.Context()), name, id, apiPageSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Suppliers  []apiSupplier `json:"suppliers"`
		NextCursor *string       `json:"next_cursor"`
	}{Suppliers: []apiSupplier{}}
	for _, row := range rows {
		out.Suppliers = append(out.Suppliers, apiSupplier{ID: row.ID, Name: row.Name, OrgNumber: row.OrgNumber, ContractCount: row.Contracts,
			SystemCount: row.Systems, URL: s.cfg.BaseURL.String() + supplierHref(row.ID)})
	}
	if len(rows) == apiPageSize {
		last := rows[len(rows)-1]
		c := encodeCursor(last.Name, last.ID)
		out.NextCursor = &c
	}
	writeJSON(w, http.StatusOK, out)
}

// apiSupplierOne is a supplier with its contacts, the systems it delivers
// and its contracts: the incident page as data.
func (s *Server) apiSupplierOne(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeProblem(w, http.StatusNotFound, "Finns inte", "Leverantören finns inte.", requestIDFrom(r.Context()))
		return
	}
	v, err := s.suppliers.Get(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := apiSupplierDetail{apiSupplier: apiSupplier{ID: v.Supplier.ID, Name: v.Supplier.Name, OrgNumber: v.Supplier.OrgNumber,
		ContractCount: len(v.Contracts), SystemCount: len(v.Systems), URL: s.cfg.BaseURL.String() + supplierHref(id)},
		Notes: v.Supplier.Notes, UpdatedAt: v.Supplier.UpdatedAt, Contacts: []apiContact{}, Systems: []apiSupplierSystem{}, Contracts: []apiContractSummary{}}
	for _, c := range v.Contacts {
		out.Contacts = append(out.Contacts, apiContact{Role: c.Role, Name: c.Name, Email: c.Email, Phone: c.Phone})
	}
	for _, sys := range v.Systems {
		out.Systems = append(out.Systems, apiSupplierSystem{ID: sys.ID, Name: sys.Name, Lifecycle: sys.Lifecycle, PersonalData: sys.PersonalData,
			Owner: sys.Owner, Administrator: sys.Administrator, Contracts: sys.Contracts, URL: s.cfg.BaseURL.String() + systemHref(sys.ID)})
	}
	for _, c := range v.Contracts {
		out.Contracts = append(out.Contracts, s.apiContractRow(c))
	}
	writeJSON(w, http.StatusOK, out)
}

// apiContracts lists the contracts, 50 at a time in name order, with their
// dates today.
func (s *Server) apiContracts(w http.ResponseWriter, r *http.Request) {
	name, id, ok := apiCursor(w, r)
	if !ok {
		return
	}
	rows, err := s.contracts.ContractsAfter(r.Context(), actorFrom(r.Context()), name, id, apiPageSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Contracts  []apiContractSummary `json:"contracts"`
		NextCursor *string              `json:"next_cursor"`
	}{Contracts: []apiContractSummary{}}
	for _, row := range rows {
		out.Contracts = append(out.Contracts, s.apiContractRow(row))
	}
	if len(rows) == apiPageSize {
		last := rows[len(rows)-1]
		c := encodeCursor(last.Name, last.ID)
		out.NextCursor = &c
	}
	writeJSON(w, http.StatusOK, out)
}

// apiContractOne is a contract with its dates today, the systems it
// covers and its call-offs.
func (s *Server) apiContractOne(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeProblem(w, http.StatusNotFound, "Finns inte", "Avtalet finns inte.", requestIDFrom(r.Context()))
		return
	}
	v, err := s.contracts.Get(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := v.Contract
	out := apiContract{
		apiContractSummary: s.apiContractOf(c.ID, c.Name, c.SupplierID, c.SupplierName, c.DepartmentName, c.Procurement, c.Terms, v.Dates),
		OurReference:       c.OurReference, SupplierReference: c.SupplierReference, DirectAwardReason: c.DirectAwardReason,
		TerminatedBy: c.TerminatedBy, TerminatedOn: dateOrNil(c.TerminatedOn), Responsible: c.ResponsibleName, ResponsibleEmail: c.ResponsibleEmail,
		Notes: c.Notes, UpdatedAt: c.UpdatedAt, Systems: []apiContractSystem{}, CallOffs: []apiContractSummary{},
	}
	if c.ParentID != 0 {
		out.ParentID = &c.ParentID
	}
	for _, sys := range v.Systems {
		out.Systems = append(out.Systems, apiContractSystem{ID: sys.ID, Name: sys.Name, Lifecycle: sys.Lifecycle, Owner: sys.Owner,
			URL: s.cfg.BaseURL.String() + systemHref(sys.ID)})
	}
	for _, co := range v.CallOffs {
		out.CallOffs = append(out.CallOffs, s.apiContractRow(co))
	}
	writeJSON(w, http.StatusOK, out)
}
