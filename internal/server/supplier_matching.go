package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

// "Koppla leverantörer": IT-enheten links the register's free-text
// suppliers to the supplier register, one confirmation per text.

const supplierMatchPath = "/leverantorer/koppla"

func supplierMatchHref(text string) string {
	return supplierMatchPath + "/granska?" + url.Values{"namn": {text}}.Encode()
}

func (s *Server) supplierMatching(w http.ResponseWriter, r *http.Request) {
	list, err := s.suppliers.UnlinkedSupplierTexts(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.SupplierMatchList{Summary: "Alla system med en leverantör som text är kopplade till leverantörsregistret."}
	systems := 0
	for _, t := range list {
		systems += t.Systems
		row := pages.SupplierMatchRow{Text: t.Text, Href: supplierMatchHref(t.Text), Systems: t.Systems, Examples: strings.Join(t.Examples, ", ")}
		if t.Systems > len(t.Examples) {
			row.Examples += " m.fl."
		}
		switch p := t.Proposal(); {
		case p == nil:
			row.Proposal, row.Reason = "Skapa ny leverantör", components.Status{Label: "Ingen match", Tone: components.ToneGrey}
		case p.Same:
			row.Proposal, row.Reason = p.Name+" ("+p.OrgNumber+")", components.Status{Label: "Samma namn", Tone: components.ToneGreen}
		default:
			row.Proposal, row.Reason = p.Name+" ("+p.OrgNumber+")", components.Status{Label: "Liknande namn", Tone: components.ToneYellow}
		}
		m.Rows = append(m.Rows, row)
	}
	if len(list) > 0 {
		m.Summary = strconv.Itoa(len(list)) + " leverantörsnamn på " + strconv.Itoa(systems) + " system väntar på att kopplas."
	}
	s.render(w, r, http.StatusOK, pages.SupplierMatchListPage(s.page(r, "Koppla leverantörer", "/leverantorer"), m))
}

// supplierLinkForm is what the confirmation form sent.
type supplierLinkForm struct {
	Choice, Other, Name, OrgNumber string
}

var supplierLinkOrder = []string{"choice", "other_id", "name", "org_number"}

func (s *Server) supplierMatchForm(w http.ResponseWriter, r *http.Request) {
	text := r.URL.Query().Get("namn")
	s.renderSupplierMatch(w, r, http.StatusOK, text, supplierLinkForm{}, nil)
}

func (s *Server) renderSupplierMatch(w http.ResponseWriter, r *http.Request, status int, text string, f supplierLinkForm, errs map[string]string) {
	actor := actorFrom(r.Context())
	t, systems, err := s.suppliers.UnlinkedSupplierText(r.Context(), actor, text)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	all, err := s.suppliers.Options(r.Context(), actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	choice := f.Choice
	m := pages.SupplierMatchForm{Text: t.Text, Errors: errorItems(errs, supplierLinkOrder)}
	m.Choice = components.Field{Name: "choice", Label: "Vilken leverantör avser texten?", Error: errs["choice"]}
	for _, c := range t.Candidates {
		why := "liknande namn"
		if c.Same {
			why = "samma namn"
		}
		m.Choice.Options = append(m.Choice.Options, components.Option{Value: "s" + strconv.FormatInt(c.ID, 10),
			Label: c.Name + " (" + c.OrgNumber + "), " + why})
	}
	if len(all) > 0 {
		m.Choice.Options = append(m.Choice.Options, components.Option{Value: "annan", Label: "En annan leverantör i registret (välj nedan)"})
		m.Other = components.Field{Name: "other_id", Label: "Annan leverantör", Value: f.Other, Error: errs["other_id"],
			Options: []components.Option{{Value: "", Label: "Välj leverantör"}}}
		for _, sup := range all {
			m.Other.Options = append(m.Other.Options, components.Option{Value: strconv.FormatInt(sup.ID, 10), Label: sup.Name + " (" + sup.OrgNumber + ")"})
		}
	}
	m.Choice.Options = append(m.Choice.Options, components.Option{Value: "ny", Label: "Skapa en ny leverantör (fyll i nedan)"})
	if choice == "" {
		choice = m.Choice.Options[0].Value // the proposal, or a new supplier
	}
	m.Choice.Value = choice
	name := f.Name
	if name == "" && errs == nil {
		name = t.Text
	}
	m.Name = components.Field{Name: "name", Label: "Namn", Hint: "Som i Bolagsverkets register", Value: name, Error: errs["name"]}
	m.OrgNumber = components.Field{Name: "org_number", Label: "Organisationsnummer", Hint: "Till exempel 556677-8899", Value: f.OrgNumber, Error: errs["org_number"]}
	for _, sys := range systems {
		m.Systems = append(m.Systems, pages.SystemRefRow{Href: systemHref(sys.ID), Name: sys.Name})
	}
	s.render(w, r, status, pages.SupplierMatchFormPage(s.page(r, formTitle("Koppla leverantören "+t.Text, errs), "/leverantorer"), m))
}

func (s *Server) linkSupplierText(w http.ResponseWriter, r *http.Request) {
	text := r.PostForm.Get("text")
	f := supplierLinkForm{Choice: r.PostForm.Get("choice"), Other: r.PostForm.Get("other_id"),
		Name: r.PostForm.Get("name"), OrgNumber: r.PostForm.Get("org_number")}
	l := postgres.SupplierLink{Text: text}
	errs := map[string]string{}
	switch {
	case f.Choice == "ny":
		l.New = &portal.SupplierFields{Name: f.Name, OrgNumber: f.OrgNumber}
	case f.Choice == "annan":
		id, err := strconv.ParseInt(f.Other, 10, 64)
		if err != nil || id <= 0 {
			errs["other_id"] = "Välj leverantören i listan."
		}
		l.SupplierID = id
	case strings.HasPrefix(f.Choice, "s"):
		id, err := strconv.ParseInt(f.Choice[1:], 10, 64)
		if err != nil || id <= 0 {
			errs["choice"] = "Välj vilken leverantör texten avser, eller skapa en ny."
		}
		l.SupplierID = id
	default:
		errs["choice"] = "Välj vilken leverantör texten avser, eller skapa en ny."
	}
	if len(errs) > 0 {
		s.renderSupplierMatch(w, r, http.StatusUnprocessableEntity, text, f, errs)
		return
	}
	_, n, err := s.suppliers.LinkSupplierText(r.Context(), actorFrom(r.Context()), l, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderSupplierMatch(w, r, http.StatusUnprocessableEntity, text, f, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), strconv.Itoa(n)+" system med leverantören ”"+text+"” är kopplade till leverantören.")
	http.Redirect(w, r, supplierMatchPath, http.StatusSeeOther)
}
