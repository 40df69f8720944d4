package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestSupplierMatchingProposesAndLinksOnConfirmation: the register's
// free-text suppliers are listed on "Koppla leverantörer" with a proposal
// (the supplier with the same normalised name, a similar one, or a new
// supplier); nothing is linked until IT-enheten confirms, and one
// confirmation links every system with that text, shows them on the
// supplier's page and writes an audit entry per system. An employee may
// not link; a bad organisation number for a new supplier is refused with
// the values kept and nothing saved.
func TestSupplierMatchingProposesAndLinksOnConfirmation(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	it := h.SignedIn(itUnit)
	for _, f := range []url.Values{
		{"name": {"Visma Enterprise AB"}, "org_number": {"556016-0680"}},
		{"name": {"Tieto Sverige AB"}, "org_number": {"556448-0282"}},
	} {
		if resp := it.Post("/leverantorer/ny", f); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("supplier: %d", resp.StatusCode)
		}
	}
	if _, err := h.Owner.Exec(ctx, `INSERT INTO systems (name, lifecycle, supplier) VALUES
		('Lönesystem', 'i_drift', 'VISMA ENTERPRISE'), ('Ekonomisystem', 'i_drift', 'VISMA ENTERPRISE'),
		('Ärendesystem', 'i_drift', 'Tieto Sverge'), ('Kartsystem', 'i_drift', 'Kartbolaget i Väst AB'),
		('Utan leverantör', 'i_drift', '')`); err != nil {
		t.Fatal(err)
	}
	linked := func() int {
		var n int
		if err := h.Owner.QueryRow(ctx, `SELECT count(*) FROM systems WHERE supplier_id IS NOT NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	page := it.Get("/leverantorer/koppla")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("matching page: %d", page.StatusCode)
	}
	for _, want := range []string{
		"3 leverantörsnamn på 4 system väntar på att kopplas.",
		"VISMA ENTERPRISE", "Visma Enterprise AB (556016-0680)", "Samma namn",
		"Tieto Sverge", "Tieto Sverige AB (556448-0282)", "Liknande namn",
		"Kartbolaget i Väst AB", "Skapa ny leverantör", "Ingen match",
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the matching page does not say %q", want)
		}
	}
	if strings.Contains(page.Body, "Utan leverantör") {
		t.Error("a system without a supplier text is listed")
	}
	if n := linked(); n != 0 {
		t.Fatalf("%d systems linked without a confirmation", n)
	}
	if resp := h.SignedIn(employee).Post("/leverantorer/koppla", url.Values{"text": {"VISMA ENTERPRISE"}, "choice": {"ny"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an employee's link: %d", resp.StatusCode)
	}

	// The confirmation form proposes the same-named supplier and lists both systems.
	form := it.Get("/leverantorer/koppla/granska?namn=" + url.QueryEscape("VISMA ENTERPRISE"))
	if form.StatusCode != http.StatusOK || !strings.Contains(form.Body, "Lönesystem") || !strings.Contains(form.Body, "Ekonomisystem") ||
		!strings.Contains(form.Body, "Visma Enterprise AB (556016-0680), samma namn") {
		t.Fatalf("confirmation form: %d\n%s", form.StatusCode, form.Body)
	}
	var visma, tieto int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM suppliers WHERE org_number = '556016-0680'`).Scan(&visma)
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM suppliers WHERE org_number = '556448-0282'`).Scan(&tieto)
	resp := it.Post("/leverantorer/koppla", url.Values{"text": {"VISMA ENTERPRISE"}, "choice": {"s" + itoa(visma)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("link: %d\n%s", resp.StatusCode, resp.Body)
	}
	if n := linked(); n != 2 {
		t.Errorf("%d systems linked, want the two with the text", n)
	}
	var audits int
	_ = h.Owner.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'system.supplier_linked'`).Scan(&audits)
	if audits != 2 {
		t.Errorf("%d audit entries of linked systems, want 2", audits)
	}
	if sup := it.Get("/leverantorer/" + itoa(visma)); !strings.Contains(sup.Body, "Lönesystem") || !strings.Contains(sup.Body, "Ekonomisystem") {
		t.Error("the supplier's page does not list the linked systems")
	}
	after := it.Get("/leverantorer/koppla")
	if strings.Contains(after.Body, "VISMA ENTERPRISE") || !strings.Contains(after.Body, "2 leverantörsnamn på 2 system") {
		t.Error("the linked text is still listed")
	}
	// Linking the same text again finds nothing to link.
	if resp := it.Post("/leverantorer/koppla", url.Values{"text": {"VISMA ENTERPRISE"}, "choice": {"s" + itoa(visma)}}); resp.StatusCode != http.StatusConflict || !strings.Contains(resp.Body, "Någon kan just ha kopplat den") {
		t.Errorf("linking a linked text again: %d", resp.StatusCode)
	}

	// A new supplier with a wrong check digit: refused, values kept, nothing saved.
	resp = it.Post("/leverantorer/koppla", url.Values{"text": {"Kartbolaget i Väst AB"}, "choice": {"ny"},
		"name": {"Kartbolaget i Väst AB"}, "org_number": {"556677-8890"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "kontrollsiffran") || !strings.Contains(resp.Body, `value="556677-8890"`) {
		t.Errorf("a bad organisation number: %d", resp.StatusCode)
	}
	// A new supplier that is a duplicate of Tieto in all but "AB": refused.
	resp = it.Post("/leverantorer/koppla", url.Values{"text": {"Tieto Sverge"}, "choice": {"ny"}, "name": {"TIETO SVERIGE"}, "org_number": {"556677-8899"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Leverantören finns redan") {
		t.Errorf("a duplicate new supplier: %d", resp.StatusCode)
	}
	var suppliers int
	_ = h.Owner.QueryRow(ctx, `SELECT count(*) FROM suppliers`).Scan(&suppliers)
	if n := linked(); n != 2 || suppliers != 2 {
		t.Errorf("refused forms saved something: %d linked, %d suppliers", n, suppliers)
	}
	// A good new supplier is created and linked in one step.
	resp = it.Post("/leverantorer/koppla", url.Values{"text": {"Kartbolaget i Väst AB"}, "choice": {"ny"},
		"name": {"Kartbolaget i Väst AB"}, "org_number": {"556677-8899"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("new supplier: %d\n%s", resp.StatusCode, resp.Body)
	}
	var kart string
	if err := h.Owner.QueryRow(ctx, `SELECT p.name FROM systems s JOIN suppliers p ON p.id = s.supplier_id WHERE s.name = 'Kartsystem'`).Scan(&kart); err != nil || kart != "Kartbolaget i Väst AB" {
		t.Errorf("the map system's supplier: %q, %v", kart, err)
	}
	// The similar name is linked to another supplier than proposed when chosen so.
	resp = it.Post("/leverantorer/koppla", url.Values{"text": {"Tieto Sverge"}, "choice": {"annan"}, "other_id": {itoa(tieto)}})
	if resp.StatusCode != http.StatusSeeOther || linked() != 4 {
		t.Errorf("link to another supplier: %d, %d linked", resp.StatusCode, linked())
	}
}

// TestImportPreviewNamesSuppliersNotInTheRegister: a register file whose
// supplier text matches no supplier of the supplier register says so in
// the dry run; a text that matches by normalised name is not named. After
// the import nothing is linked by itself, and both texts wait on "Koppla
// leverantörer", the matching one with its proposal.
func TestImportPreviewNamesSuppliersNotInTheRegister(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	it := h.SignedIn(itUnit)
	if resp := it.Post("/leverantorer/ny", url.Values{"name": {"Visma Enterprise AB"}, "org_number": {"556016-0680"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("supplier: %d", resp.StatusCode)
	}
	file := "Systemnamn;Leverantör;Livscykel\r\nLönesystem;VISMA ENTERPRISE;I drift\r\nKartsystem;Okänd Kartleverantör AB;I drift\r\n"
	resp := it.Upload("/system/import", "file", "register.csv", []byte(file))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dry run: %d\n%s", resp.StatusCode, resp.Body)
	}
	list := between(resp.Body, `data-testid="unmatched-suppliers"`, "</ul>")
	if !strings.Contains(resp.Body, "1 leverantörsnamn i filen matchar ingen leverantör i leverantörsregistret") ||
		!strings.Contains(list, "Okänd Kartleverantör AB") || strings.Contains(list, "VISMA") {
		t.Fatalf("the preview's unmatched suppliers:\n%s", list)
	}
	upload := regexp.MustCompile(`name="upload" value="(\d+)"`).FindStringSubmatch(resp.Body)
	if upload == nil {
		t.Fatal("no commit form")
	}
	if resp := it.Post("/system/import/bekrafta", url.Values{"upload": {upload[1]}}); resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "Koppla leverantörer") {
		t.Fatalf("commit: %d", resp.StatusCode)
	}
	var linked int
	_ = h.Owner.QueryRow(ctx, `SELECT count(*) FROM systems WHERE supplier_id IS NOT NULL`).Scan(&linked)
	if linked != 0 {
		t.Errorf("the import linked %d systems by itself", linked)
	}
	page := it.Get("/leverantorer/koppla")
	if !strings.Contains(page.Body, "Okänd Kartleverantör AB") || !strings.Contains(page.Body, "VISMA ENTERPRISE") || !strings.Contains(page.Body, "Samma namn") {
		t.Errorf("the matching page after the import:\n%s", page.Body)
	}
}
