package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/sheet"
	"itportal/web/components"
	"itportal/web/pages"
)

// Equipment rented to departments (Riktlinjer för IT §6): the inventory,
// a piece's page with its rentals, the price list and the monthly charge.
// Everyone signed in reaches the pages; what they read is the service's
// scope (IT-enheten all, a manager their department, everyone their own).

func equipmentHref(id int64) string { return "/utrustning/" + strconv.FormatInt(id, 10) }

func equipmentStatus(status string) components.Status {
	return components.Status{Label: portal.LabelOf(portal.EquipmentStatuses, status), Tone: equipmentTones[status]}
}

var equipmentTones = map[string]components.Tone{
	portal.EquipmentInStock: components.ToneGrey, portal.EquipmentRented: components.ToneGreen,
	portal.EquipmentRepair: components.ToneYellow, portal.EquipmentScrapped: components.ToneGrey,
}

func equipmentFilterFrom(r *http.Request) (postgres.EquipmentFilter, *listQuery) {
	q := newListQuery(r.URL.Query())
	f := postgres.EquipmentFilter{Type: q.choice("typ", portal.EquipmentTypes), Status: q.choice("status", portal.EquipmentStatuses),
		DepartmentID: q.id("forvaltning"), PastLife: q.yes("forbi_livslangd")}
	return f, q
}

func (s *Server) listEquipment(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), actorFrom(r.Context())
	f, q := equipmentFilterFrom(r)
	scope, err := s.equipment.Scope(ctx, actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.equipment.List(ctx, actor, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.EquipmentList{
		Type:       components.Field{Name: "typ", Label: "Typ", Value: f.Type, Options: choiceOptions("Alla typer", portal.EquipmentTypes), Error: q.problems["typ"]},
		Status:     components.Field{Name: "status", Label: "Status", Value: f.Status, Options: choiceOptions("Alla", portal.EquipmentStatuses), Error: q.problems["status"]},
		PastLife:   components.Field{Name: "forbi_livslangd", Label: "Bara utrustning förbi sin förväntade livslängd", Checked: f.PastLife, Error: q.problems["forbi_livslangd"]},
		Errors:     q.errorItems("typ", "status", "forvaltning", "forbi_livslangd"),
		CanManage:  portal.CanManageEquipment(actor),
		ShowCharge: scope.All || scope.DepartmentID != 0,
		ExportCSV:  "/utrustning/export.csv?" + r.URL.RawQuery,
		ExportXLSX: "/utrustning/export.xlsx?" + r.URL.RawQuery,
	}
	switch {
	case scope.All:
		m.Intro = "IT-enheten äger kommunens IT-utrustning och förvaltningarna hyr den, med licenserna för standardprogrammen. Här finns alla inventarier."
		deps, err := s.departments.ListActive(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		opts := []components.Option{{Value: "", Label: "Alla förvaltningar"}}
		for _, d := range deps {
			opts = append(opts, components.Option{Value: strconv.FormatInt(d.ID, 10), Label: d.Name})
		}
		m.Department = components.Field{Name: "forvaltning", Label: "Hyrs av", Value: idText(f.DepartmentID), Options: opts, Error: q.problems["forvaltning"]}
	case scope.DepartmentID != 0:
		m.Intro = "Utrustningen som din förvaltning hyr av IT-enheten och den du själv använder."
	default:
		m.Intro = "Utrustningen du använder, som din förvaltning hyr av IT-enheten."
	}
	today := s.today()
	for _, e := range list {
		m.Rows = append(m.Rows, pages.EquipmentRow{Href: equipmentHref(e.ID), Inventory: e.InventoryNumber, Type: portal.LabelOf(portal.EquipmentTypes, e.Type),
			Model: strings.TrimSpace(e.Manufacturer + " " + e.Model), Serial: e.SerialNumber, Department: orDash(e.Department), Person: orDash(e.Person),
			Status: equipmentStatus(e.Status), PastLife: e.PastLife && e.Status != portal.EquipmentScrapped})
	}
	_ = today
	m.Summary = strconv.Itoa(len(list)) + " utrustningar"
	if len(list) == 0 {
		m.Summary = "Ingen utrustning matchar."
		if !scope.All && f == (postgres.EquipmentFilter{}) {
			m.Summary = "Du använder ingen utrustning från IT-enheten."
		}
	}
	s.render(w, r, listStatus(q), pages.EquipmentListPage(s.page(r, formTitle("Utrustning", q.problems), "/utrustning"), m))
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// exportEquipment downloads the inventory the list shows (CSV or XLSX).
func (s *Server) exportEquipment(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, q := equipmentFilterFrom(r)
		if !q.ok() {
			s.errorPage(w, r, http.StatusBadRequest, strings.Join(problemTexts(q), " "))
			return
		}
		f.Limit = 10000
		list, err := s.equipment.List(r.Context(), actorFrom(r.Context()), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		t := sheet.Table{Sheet: "Utrustning", Title: "IT-enhetens utrustning, uttaget " + takenAt() + ".", Header: equipmentColumns}
		for _, e := range list {
			t.Rows = append(t.Rows, []sheet.Cell{sheet.Text(portal.LabelOf(portal.EquipmentTypes, e.Type)), sheet.Text(e.Manufacturer), sheet.Text(e.Model),
				sheet.Text(e.SerialNumber), sheet.Text(e.InventoryNumber), sheet.Date(&e.PurchasedOn), sheet.Number(float64(e.PriceOre)/100, 2),
				sheet.Int(e.LifeMonths), sheet.Text(e.Location), sheet.Text(portal.LabelOf(portal.EquipmentStatuses, e.Status)), sheet.Text(e.Department),
				sheet.Text(e.Person), sheet.Text(yesNo(e.PastLife))})
		}
		s.sendTable(w, r, format, "utrustning-"+time.Now().In(stockholm).Format("2006-01-02"), t)
	}
}

// equipmentColumns are the inventory's columns, in the export and the import.
var equipmentColumns = []string{"Typ", "Tillverkare", "Modell", "Serienummer", "Inventarienummer", "Inköpsdatum", "Inköpspris (kr)",
	"Förväntad livslängd (månader)", "Placering", "Status", "Hyrs av", "Används av", "Förbi livslängden"}

func yesNo(b bool) string {
	if b {
		return "Ja"
	}
	return "Nej"
}

var equipmentOrder = []string{"type", "manufacturer", "model", "serial_number", "inventory_number", "purchased_on", "price", "life_months", "location", "in_repair", "notes"}

func equipmentInputFrom(r *http.Request) portal.EquipmentInput {
	v := r.PostForm
	return portal.EquipmentInput{Type: v.Get("type"), Manufacturer: v.Get("manufacturer"), Model: v.Get("model"), SerialNumber: v.Get("serial_number"),
		InventoryNumber: v.Get("inventory_number"), PurchasedOn: v.Get("purchased_on"), Price: v.Get("price"), LifeMonths: v.Get("life_months"),
		Location: v.Get("location"), InRepair: v.Get("in_repair") == "ja", Notes: v.Get("notes")}
}

func (s *Server) newEquipmentForm(w http.ResponseWriter, r *http.Request) {
	s.renderEquipmentForm(w, r, http.StatusOK, 0, portal.EquipmentInput{Type: portal.EquipmentComputer, LifeMonths: "48"}, nil)
}

func (s *Server) renderEquipmentForm(w http.ResponseWriter, r *http.Request, status int, id int64, in portal.EquipmentInput, errs map[string]string) {
	field := func(name, label, hint, value string) components.Field {
		return components.Field{Name: name, Label: label, Hint: hint, Value: value, Error: errs[name]}
	}
	repair := "nej"
	if in.InRepair {
		repair = "ja"
	}
	typeField := field("type", "Typ", "", in.Type)
	typeField.Options = choiceOptions("", portal.EquipmentTypes)
	repairField := field("in_repair", "På reparation", "", repair)
	repairField.Options = []components.Option{{Value: "nej", Label: "Nej"}, {Value: "ja", Label: "Ja, utrustningen är på reparation"}}
	purchased := field("purchased_on", "Inköpsdatum", "ÅÅÅÅ-MM-DD, till exempel 2026-03-15", in.PurchasedOn)
	purchased.Type = "date"
	notes := field("notes", "Anteckningar", "", in.Notes)
	notes.Rows = 3
	m := pages.PlainForm{Heading: "Ny utrustning", Action: "/utrustning/ny", Submit: "Spara utrustningen", CancelHref: "/utrustning",
		Intro:  "Ett serienummer finns en gång per typ och tillverkare, ett inventarienummer en gång i hela inventariet.",
		Errors: errorItems(errs, equipmentOrder),
		Groups: []pages.FieldGroup{{Fields: []components.Field{
			typeField,
			field("manufacturer", "Tillverkare", "Till exempel Dell", in.Manufacturer),
			field("model", "Modell", "Till exempel Latitude 5450", in.Model),
			field("serial_number", "Serienummer", "Som det står på utrustningen", in.SerialNumber),
			field("inventory_number", "Inventarienummer", "Till exempel IT-2026-0042", in.InventoryNumber),
			purchased,
			field("price", "Inköpspris (kronor)", "Till exempel 12 499,50", in.Price),
			field("life_months", "Förväntad livslängd (månader)", "Till exempel 48 för en dator", in.LifeMonths),
			field("location", "Placering", "Till exempel Kommunhuset, plan 2", in.Location),
			repairField,
			notes,
		}}}}
	if id != 0 {
		m.Heading, m.Action, m.Submit, m.CancelHref, m.Intro = "Ändra utrustning", equipmentHref(id)+"/redigera", "Spara ändringarna", equipmentHref(id), ""
	}
	s.render(w, r, status, pages.PlainFormPage(s.page(r, formTitle(m.Heading, errs), "/utrustning"), m))
}

func (s *Server) createEquipment(w http.ResponseWriter, r *http.Request) {
	in := equipmentInputFrom(r)
	id, err := s.equipment.Create(r.Context(), actorFrom(r.Context()), in, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderEquipmentForm(w, r, http.StatusUnprocessableEntity, 0, in, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Utrustningen är sparad. Den är i lager tills den hyrs ut.")
	http.Redirect(w, r, equipmentHref(id), http.StatusSeeOther)
}

func (s *Server) editEquipmentForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	v, err := s.equipment.Get(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e := v.Equipment
	s.renderEquipmentForm(w, r, http.StatusOK, id, portal.EquipmentInput{Type: e.Type, Manufacturer: e.Manufacturer, Model: e.Model, SerialNumber: e.SerialNumber,
		InventoryNumber: e.InventoryNumber, PurchasedOn: e.PurchasedOn.Format(dateLayout), Price: kronorInput(e.PriceOre), LifeMonths: strconv.Itoa(e.LifeMonths),
		Location: e.Location, InRepair: e.InRepair, Notes: e.Notes}, nil)
}

// kronorInput is an amount as the form takes it back: "12499,50".
func kronorInput(ore int64) string {
	s := strconv.FormatInt(ore/100, 10)
	if rest := ore % 100; rest != 0 {
		s += "," + strconv.FormatInt(100+rest, 10)[1:]
	}
	return s
}

func (s *Server) updateEquipment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	in := equipmentInputFrom(r)
	err := s.equipment.Update(r.Context(), actorFrom(r.Context()), id, 0, in, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderEquipmentForm(w, r, http.StatusUnprocessableEntity, id, in, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Ändringarna är sparade.")
	http.Redirect(w, r, equipmentHref(id), http.StatusSeeOther)
}

// equipmentForms are the values typed into a piece's rent, return and
// scrap forms, shown again with their errors.
type equipmentForms struct {
	values url.Values
	errs   map[string]string
}

var rentalOrder = []string{"department_id", "person", "from", "until", "note", "returned_on", "scrapped_on"}

func (s *Server) showEquipment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderEquipment(w, r, http.StatusOK, id, equipmentForms{values: url.Values{}})
}

func (s *Server) renderEquipment(w http.ResponseWriter, r *http.Request, status int, id int64, forms equipmentForms) {
	ctx, actor := r.Context(), actorFrom(r.Context())
	v, err := s.equipment.Get(ctx, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e := v.Equipment
	today := s.today()
	m := pages.EquipmentPage{
		Heading:  portal.LabelOf(portal.EquipmentTypes, e.Type) + " " + e.InventoryNumber,
		Status:   equipmentStatus(e.Status),
		PastLife: e.PastLife && e.ScrappedOn == nil,
		Facts: []pages.FactRow{
			{Label: "Typ", Value: portal.LabelOf(portal.EquipmentTypes, e.Type)},
			{Label: "Tillverkare och modell", Value: strings.TrimSpace(e.Manufacturer + " " + e.Model)},
			{Label: "Serienummer", Value: e.SerialNumber},
			{Label: "Inventarienummer", Value: e.InventoryNumber},
			{Label: "Inköpt", Value: e.PurchasedOn.Format(dateLayout) + " för " + portal.FormatKronor(e.PriceOre)},
			{Label: "Förväntad livslängd", Value: monthsText(e.LifeMonths) + ", till " + portal.EndOfLife(e.PurchasedOn, e.LifeMonths).Format(dateLayout)},
			{Label: "Placering", Value: orDash(e.Location)},
			{Label: "Anteckningar", Value: orDash(e.Notes)},
		},
		Errors:    errorItems(forms.errs, rentalOrder),
		Audit:     equipmentAudit(v.Audit),
		ShowAudit: portal.SeesAllEquipment(actor),
	}
	if e.ScrappedOn != nil {
		m.Facts = append(m.Facts, pages.FactRow{Label: "Skrotad", Value: e.ScrappedOn.Format(dateLayout)})
	}
	for _, rt := range v.Rentals {
		row := pages.RentalRow{Department: rt.Department, Person: orDash(rt.Person), From: rt.From.Format(dateLayout), To: "–", Note: orDash(rt.Note),
			Current: !rt.From.After(today) && (rt.To == nil || rt.To.After(today))}
		if rt.To != nil {
			row.To = rt.To.AddDate(0, 0, -1).Format(dateLayout)
		}
		m.Rentals = append(m.Rentals, row)
	}
	if portal.CanManageEquipment(actor) && e.ScrappedOn == nil {
		m.EditHref = equipmentHref(id) + "/redigera"
		deps, err := s.departments.ListActive(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		depOpts := []components.Option{{Value: "", Label: "Välj förvaltning"}}
		for _, d := range deps {
			depOpts = append(depOpts, components.Option{Value: strconv.FormatInt(d.ID, 10), Label: d.Name})
		}
		val, errs := forms.values, forms.errs
		field := func(name, label, hint, typ string) components.Field {
			return components.Field{Name: name, Label: label, Hint: hint, Type: typ, Value: val.Get(name), Error: errs[name]}
		}
		dept := field("department_id", "Förvaltning som hyr", "", "")
		dept.Options = depOpts
		from := field("from", "Från och med", "ÅÅÅÅ-MM-DD. Den förvaltning som hyrde före slutar dagen innan.", "date")
		if from.Value == "" {
			from.Value = today.Format(dateLayout)
		}
		m.RentForm = &pages.InlineForm{Heading: "Hyr ut eller byt hyrestagare", Action: equipmentHref(id) + "/hyr", Submit: "Spara uthyrningen",
			Fields: []components.Field{dept,
				field("person", "Används av (e-post)", "Frivilligt: den som använder utrustningen", "email"),
				from,
				field("until", "Till och med", "Frivilligt, ÅÅÅÅ-MM-DD: bara om slutdagen är bestämd", "date"),
				field("note", "Anteckning", "Frivilligt, till exempel ärendenummer", ""),
			}}
		returned := field("returned_on", "Återlämnad den", "ÅÅÅÅ-MM-DD. Dagen debiteras inte.", "date")
		if returned.Value == "" {
			returned.Value = today.Format(dateLayout)
		}
		if e.Status == portal.EquipmentRented || e.Status == portal.EquipmentRepair {
			m.ReturnForm = &pages.InlineForm{Heading: "Lämna tillbaka", Action: equipmentHref(id) + "/aterlamna", Submit: "Registrera återlämningen",
				Fields: []components.Field{returned}}
		}
		scrapped := field("scrapped_on", "Skrotad den", "ÅÅÅÅ-MM-DD. Utrustning som är uthyrd lämnas tillbaka först.", "date")
		if scrapped.Value == "" {
			scrapped.Value = today.Format(dateLayout)
		}
		m.ScrapForm = &pages.InlineForm{Heading: "Skrota", Action: equipmentHref(id) + "/skrota", Submit: "Skrota utrustningen", Fields: []components.Field{scrapped}}
	}
	s.render(w, r, status, pages.EquipmentPageView(withBack(s.page(r, formTitle(m.Heading, forms.errs), "/utrustning"), "Utrustning", "/utrustning"), m))
}

func equipmentAudit(audit []postgres.AuditRow) []pages.HistoryEntry {
	return describedAudit(audit, map[string]string{"equipment.created": "Utrustningen registrerades", "equipment.updated": "Uppgifter ändrade",
		"equipment.rented": "Uthyrd", "equipment.returned": "Återlämnad", "equipment.scrapped": "Skrotad", "equipment.imported": "Importerad"},
		map[string]string{"type": "typ", "manufacturer": "tillverkare", "model": "modell", "serial_number": "serienummer", "inventory_number": "inventarienummer",
			"purchased_on": "inköpsdatum", "price_ore": "inköpspris (öre)", "life_months": "livslängd", "location": "placering", "in_repair": "på reparation",
			"notes": "anteckningar", "department": "förvaltning", "person": "används av", "from": "från", "to": "till", "returned_on": "återlämnad",
			"scrapped_on": "skrotad", "note": "anteckning", "correction_in": "rättelse i"})
}

// parseOptionalDate reads a form date; "" is the zero time with ok.
func parseOptionalDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, true
	}
	d, err := time.Parse(dateLayout, v)
	return d, err == nil
}

const badDate = "Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-12-01."

// correctionFlash says what a dated change did to closed months.
func correctionFlash(done string, out postgres.RentalOutcome) string {
	if len(out.ClosedMonths) == 0 {
		return done
	}
	months := make([]string, len(out.ClosedMonths))
	for i, m := range out.ClosedMonths {
		months[i] = m.Format("2006-01")
	}
	return done + " Ändringen rör den stängda månaden " + strings.Join(months, ", ") + ": dess debitering ändras inte, skillnaden debiteras som rättelse i " +
		out.CorrectedIn.Format("2006-01") + "."
}

func (s *Server) rentEquipment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	v := r.PostForm
	errs := map[string]string{}
	from, okFrom := parseOptionalDate(v.Get("from"))
	if !okFrom {
		errs["from"] = badDate
	}
	until, okUntil := parseOptionalDate(v.Get("until"))
	if !okUntil {
		errs["until"] = badDate
	}
	dept, _ := strconv.ParseInt(strings.TrimSpace(v.Get("department_id")), 10, 64)
	if len(errs) > 0 {
		s.renderEquipment(w, r, http.StatusUnprocessableEntity, id, equipmentForms{values: v, errs: errs})
		return
	}
	c := postgres.RentalChange{DepartmentID: dept, PersonEmail: v.Get("person"), From: from, Note: strings.TrimSpace(v.Get("note")), RequestID: requestIDFrom(r.Context())}
	if !until.IsZero() {
		c.Until = &until
	}
	out, err := s.equipment.Rent(r.Context(), actorFrom(r.Context()), id, c)
	if fe := fieldErrors(err); fe != nil {
		s.renderEquipment(w, r, http.StatusUnprocessableEntity, id, equipmentForms{values: v, errs: fe})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), correctionFlash("Uthyrningen är sparad.", out))
	http.Redirect(w, r, equipmentHref(id)+"#uthyrning", http.StatusSeeOther)
}

func (s *Server) returnEquipment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	v := r.PostForm
	on, okOn := parseOptionalDate(v.Get("returned_on"))
	if !okOn {
		s.renderEquipment(w, r, http.StatusUnprocessableEntity, id, equipmentForms{values: v, errs: map[string]string{"returned_on": badDate}})
		return
	}
	out, err := s.equipment.Return(r.Context(), actorFrom(r.Context()), id, on, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderEquipment(w, r, http.StatusUnprocessableEntity, id, equipmentForms{values: v, errs: fe})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), correctionFlash("Återlämningen är registrerad.", out))
	http.Redirect(w, r, equipmentHref(id)+"#uthyrning", http.StatusSeeOther)
}

func (s *Server) scrapEquipment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	v := r.PostForm
	on, okOn := parseOptionalDate(v.Get("scrapped_on"))
	if !okOn {
		s.renderEquipment(w, r, http.StatusUnprocessableEntity, id, equipmentForms{values: v, errs: map[string]string{"scrapped_on": badDate}})
		return
	}
	err := s.equipment.Scrap(r.Context(), actorFrom(r.Context()), id, on, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderEquipment(w, r, http.StatusUnprocessableEntity, id, equipmentForms{values: v, errs: fe})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Utrustningen är skrotad.")
	http.Redirect(w, r, equipmentHref(id), http.StatusSeeOther)
}

var priceOrder = []string{"price_type", "valid_from", "monthly"}

func (s *Server) priceList(w http.ResponseWriter, r *http.Request) {
	s.renderPriceList(w, r, http.StatusOK, portal.PriceInput{Type: portal.EquipmentComputer}, nil)
}

func (s *Server) renderPriceList(w http.ResponseWriter, r *http.Request, status int, in portal.PriceInput, errs map[string]string) {
	actor := actorFrom(r.Context())
	list, err := s.equipment.Prices(r.Context(), actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.PriceList{}
	for _, p := range list {
		m.Rows = append(m.Rows, pages.PriceRow{Type: portal.LabelOf(portal.EquipmentTypes, p.Type), ValidFrom: p.ValidFrom.Format(dateLayout),
			Monthly: portal.FormatKronor(p.MonthlyOre), Current: p.Current})
	}
	if portal.CanManageEquipment(actor) {
		typeField := components.Field{Name: "price_type", Label: "Typ", Value: in.Type, Options: choiceOptions("", portal.EquipmentTypes), Error: errs["price_type"]}
		m.Form = &pages.InlineForm{Heading: "Nytt pris", Action: "/utrustning/prislista", Submit: "Lägg till priset", Errors: errorItems(errs, priceOrder),
			Fields: []components.Field{typeField,
				{Name: "valid_from", Label: "Gäller från", Hint: "En månads första dag, ÅÅÅÅ-MM-DD", Type: "date", Value: in.ValidFrom, Error: errs["valid_from"]},
				{Name: "monthly", Label: "Månadshyra (kronor)", Hint: "Med licenserna för standardprogrammen, till exempel 310", Value: in.Monthly, Error: errs["monthly"]},
			}}
	}
	s.render(w, r, status, pages.PriceListPage(withBack(s.page(r, formTitle("Prislista för utrustning", errs), "/utrustning"), "Utrustning", "/utrustning"), m))
}

func (s *Server) addPrice(w http.ResponseWriter, r *http.Request) {
	in := portal.PriceInput{Type: r.PostForm.Get("price_type"), ValidFrom: r.PostForm.Get("valid_from"), Monthly: r.PostForm.Get("monthly")}
	out, err := s.equipment.AddPrice(r.Context(), actorFrom(r.Context()), in, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderPriceList(w, r, http.StatusUnprocessableEntity, in, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), correctionFlash("Priset är tillagt.", out))
	http.Redirect(w, r, "/utrustning/prislista", http.StatusSeeOther)
}

// chargeQuery reads ?manad=2026-11 (the last month when not given) and
// ?forvaltning.
func (s *Server) chargeQuery(r *http.Request) (time.Time, int64, *listQuery) {
	q := newListQuery(r.URL.Query())
	month := portal.MonthOf(s.today()).AddDate(0, -1, 0)
	if v := q.v.Get("manad"); v != "" {
		m, msg := portal.ParseMonth(v)
		if msg != "" {
			q.refuse("manad", msg)
		} else {
			month = m
		}
	}
	return month, q.id("forvaltning"), q
}

func chargeLineRow(l postgres.ChargeReportLine) pages.ChargeLineRow {
	row := pages.ChargeLineRow{Inventory: l.InventoryNumber, Type: portal.LabelOf(portal.EquipmentTypes, l.Type), Model: l.Model,
		Days: strconv.Itoa(l.Days), Monthly: portal.FormatKronor(l.MonthlyOre), Amount: portal.FormatSignedKronor(l.AmountOre)}
	if l.First != nil && l.Last != nil {
		row.Period = l.First.Format(dateLayout) + " – " + l.Last.Format(dateLayout)
	}
	if l.NoPrice {
		row.Monthly = "Pris saknas i prislistan"
	}
	if l.CorrectsMonth != nil {
		row.Correction, row.Monthly = "Rättelse avser "+l.CorrectsMonth.Format("2006-01"), "–"
	}
	return row
}

func (s *Server) chargeReport(print bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, actor := r.Context(), actorFrom(r.Context())
		month, dept, q := s.chargeQuery(r)
		rep, err := s.equipment.Charge(ctx, actor, month, dept)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		mv := month.Format("2006-01")
		query := "manad=" + mv
		if dept != 0 {
			query += "&forvaltning=" + strconv.FormatInt(dept, 10)
		}
		m := pages.ChargePage{
			Month:      components.Field{Name: "manad", Label: "Månad", Hint: "ÅÅÅÅ-MM, till exempel 2026-11", Value: mv, Error: q.problems["manad"]},
			Errors:     q.errorItems("manad", "forvaltning"),
			MonthLabel: mv, MonthValue: mv, Total: portal.FormatSignedKronor(rep.TotalOre), Printing: print,
			XLSX: "/utrustning/debitering.xlsx?" + query, CSV: "/utrustning/debitering.csv?" + query, Print: "/utrustning/debitering/utskrift?" + query,
			Status: components.Status{Label: "Öppen månad", Tone: components.ToneBlue}, ClosedNote: "Beloppen räknas fram ur uthyrningarna och prislistan som de är nu.",
			CloseNote: rep.CloseProblem,
		}
		if rep.Closed {
			m.Status = components.Status{Label: "Stängd", Tone: components.ToneGreen}
			m.ClosedNote = "Stängd " + rep.ClosedAt.In(stockholm).Format("2006-01-02 15:04")
			if rep.ClosedBy != "" {
				m.ClosedNote += " av " + rep.ClosedBy
			}
			m.ClosedNote += ". Debiteringen är sparad som den var och ändras aldrig; rättelser debiteras i en senare månad."
		}
		if len(rep.Corrects) > 0 {
			months := make([]string, len(rep.Corrects))
			for i, c := range rep.Corrects {
				months[i] = c.Format("2006-01")
			}
			m.Corrections = "Månaden innehåller rättelser av stängda månader (" + strings.Join(months, ", ") + "): uthyrningar eller priser som ändrats efter att månaden stängdes."
		}
		if rep.CanClose {
			m.CloseAction = "/utrustning/debitering/stang"
		}
		scope, err := s.equipment.Scope(ctx, actor)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if scope.All {
			deps, err := s.departments.ListActive(ctx)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			opts := []components.Option{{Value: "", Label: "Alla förvaltningar"}}
			for _, d := range deps {
				opts = append(opts, components.Option{Value: strconv.FormatInt(d.ID, 10), Label: d.Name})
			}
			m.Department = components.Field{Name: "forvaltning", Label: "Förvaltning", Value: idText(dept), Options: opts, Error: q.problems["forvaltning"]}
		}
		for _, d := range rep.Departments {
			cd := pages.ChargeDepartment{Name: d.Name, Total: portal.FormatSignedKronor(d.TotalOre)}
			for _, l := range d.Lines {
				cd.Lines = append(cd.Lines, chargeLineRow(l))
			}
			m.Departments = append(m.Departments, cd)
		}
		title := "Debitering " + mv
		if print {
			title += ": utskrift"
		}
		s.render(w, r, listStatus(q), pages.ChargePageView(withBack(s.page(r, formTitle(title, q.problems), "/utrustning"), "Utrustning", "/utrustning"), m))
	}
}

// exportCharge downloads a month's charge for the finance system: one row
// per line, with the department, the piece, the days, the monthly price
// and the amount in kronor.
func (s *Server) exportCharge(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		month, dept, q := s.chargeQuery(r)
		if !q.ok() {
			s.errorPage(w, r, http.StatusBadRequest, strings.Join(problemTexts(q), " "))
			return
		}
		rep, err := s.equipment.Charge(r.Context(), actorFrom(r.Context()), month, dept)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		state := "öppen månad, beloppen kan ändras till stängningen"
		if rep.Closed {
			state = "stängd månad"
		}
		t := sheet.Table{Sheet: "Debitering", Title: "Debitering av IT-utrustning " + month.Format("2006-01") + " (" + state + "), uttaget " + takenAt() + ".",
			Header: []string{"Månad", "Förvaltning", "Inventarienummer", "Typ", "Modell", "Från", "Till och med", "Dagar", "Månadshyra (kr)", "Belopp (kr)", "Rättelse avser"}}
		for _, d := range rep.Departments {
			for _, l := range d.Lines {
				corr := ""
				if l.CorrectsMonth != nil {
					corr = l.CorrectsMonth.Format("2006-01")
				}
				t.Rows = append(t.Rows, []sheet.Cell{sheet.Text(month.Format("2006-01")), sheet.Text(d.Name), sheet.Text(l.InventoryNumber),
					sheet.Text(portal.LabelOf(portal.EquipmentTypes, l.Type)), sheet.Text(l.Model), sheet.Date(l.First), sheet.Date(l.Last), sheet.Int(l.Days),
					sheet.Number(float64(l.MonthlyOre)/100, 2), sheet.Number(float64(l.AmountOre)/100, 2), sheet.Text(corr)})
			}
		}
		s.sendTable(w, r, format, "debitering-"+month.Format("2006-01"), t)
	}
}

// closeMonth closes a month after the confirmation page.
func (s *Server) closeMonth(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), actorFrom(r.Context())
	month, msg := portal.ParseMonth(r.PostForm.Get("manad"))
	if msg != "" {
		s.errorPage(w, r, http.StatusUnprocessableEntity, msg)
		return
	}
	mv := month.Format("2006-01")
	if !confirmed(r) {
		if err := s.equipment.CloseMonth(postgres.Rehearse(ctx), actor, month, requestIDFrom(ctx)); err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderConfirm(w, r, pages.Confirm{Heading: "Stäng " + mv,
			Consequences: []string{"Debiteringen för " + mv + " sparas som den är nu och kan aldrig ändras.",
				"En ändring av uthyrningar eller priser som rör " + mv + " efteråt debiteras som en rättelse i nästa öppna månad."},
			Action: "/utrustning/debitering/stang", Hidden: carried(r, "manad"), ConfirmLabel: "Stäng månaden",
			CancelHref: "/utrustning/debitering?manad=" + mv}, "/utrustning")
		return
	}
	if err := s.equipment.CloseMonth(ctx, actor, month, requestIDFrom(ctx)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(ctx, "Månaden "+mv+" är stängd. Debiteringen är sparad och ändras inte.")
	http.Redirect(w, r, "/utrustning/debitering?manad="+mv, http.StatusSeeOther)
}
