// Package registerfile is the register as municipalities keep it in Excel
// ("Rollfördelning över IT-system"): its columns, their Swedish values, and
// the conversion between those rows and the portal's systems. Export writes
// it; import reads it, so an export imports back to the same register.
package registerfile

import (
	"strings"
	"time"

	"itportal/internal/portal"
	"itportal/internal/sheet"
)

// Record is one system as a row of the register file.
type Record struct {
	Facts              portal.SystemFacts
	Owner              string // the owning department's name
	Administrator      string
	AdministratorEmail string
	Operations         string // IT-enheten or a supplier
	LastEvaluated      *time.Time
}

// Columns of the file. The first eleven are those of the municipality's
// own Excel file; the rest carry the portal's other facts.
var Columns = []string{
	"Systemnamn", "Beskrivning", "Systemägare", "Systemförvaltare", "Systemförvaltare e-post", "Driftsansvarig",
	"Leverantör", "Livscykel", "Personuppgifter", "Webbadress", "Senast utvärderad",
	"Syfte", "Kategori", "Drift", "Produkt", "Version", "Öppen källkod", "Egenutvecklad", "Beslut om egenutveckling",
	"Webbplats som representerar kommunen", "Infört före portalen", "Anteckningar",
}

// PersonalDataCodes are the file's one-letter codes.
var PersonalDataCodes = map[string]string{"inga": "N", "personuppgifter": "J", "kansliga": "K"}

func yesNo(b bool) string {
	if b {
		return "Ja"
	}
	return "Nej"
}

// Row converts a record to cells in Columns' order.
func Row(r Record) []sheet.Cell {
	f := r.Facts
	return []sheet.Cell{
		sheet.Text(f.Name), sheet.Text(f.Description), sheet.Text(r.Owner), sheet.Text(r.Administrator),
		sheet.Text(r.AdministratorEmail), sheet.Text(r.Operations), sheet.Text(f.Supplier),
		sheet.Text(portal.LabelOf(portal.Lifecycles, f.Lifecycle)), sheet.Text(PersonalDataCodes[f.PersonalData]),
		sheet.Text(f.WebAddress), sheet.Date(r.LastEvaluated),
		sheet.Text(f.Purpose), sheet.Text(portal.LabelOf(portal.Categories, f.Category)),
		sheet.Text(portal.LabelOf(portal.Hostings, f.Hosting)), sheet.Text(f.Product), sheet.Text(f.Version),
		sheet.Text(yesNo(f.OpenSource)), sheet.Text(yesNo(f.SelfDeveloped)), sheet.Text(f.SelfDevelopedRef),
		sheet.Text(yesNo(f.RepresentsMunicipality)), sheet.Text(yesNo(f.IntroducedBeforePortal)), sheet.Text(f.Notes),
	}
}

// Table is the whole register as a sheet.
func Table(records []Record) sheet.Table {
	t := sheet.Table{Sheet: "Rollfördelning", Header: Columns}
	for _, r := range records {
		t.Rows = append(t.Rows, Row(r))
	}
	return t
}

// normaliseHeader matches headers case- and space-insensitively.
func normaliseHeader(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(strings.TrimPrefix(s, "\ufeff"))), " ")
}
