package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"itportal/internal/portaltest"
	"itportal/internal/testkit"
)

// component inserts a catalogue entry as a decision made before the portal.
func component(t *testing.T, h *portaltest.Portal, category, name, version, status, endsOn string) int64 {
	t.Helper()
	var ends any
	if endsOn != "" {
		ends = endsOn
	}
	var id int64
	if err := h.Owner.QueryRow(context.Background(), `
		INSERT INTO platform_components (category, name, version, status, ends_on, decided_on, decision_reference, financing_reference)
		VALUES ($1, $2, $3, $4, $5, '2024-01-10', 'IT-chefens beslut 2024-01-10', 'KS 2024/1') RETURNING id`, category, name, version, status, ends).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func countRows(t *testing.T, h *portaltest.Portal, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := h.Owner.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPlatformRecordFormRefusesBadInput: the IT head's record of an
// earlier decision refuses a phase-out without end date, a date that is
// no date or in the future, missing financing, a duplicate of name and
// version, control characters and overlong text, each with a Swedish
// message on the form and the values kept, and saves nothing; markup is
// kept as text. Only the IT head reaches the form.
func TestPlatformRecordFormRefusesBadInput(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	head := h.SignedIn(itHead)
	good := func() url.Values {
		return url.Values{"category": {"operativsystem"}, "name": {"Windows Server"}, "version": {"2022"}, "status": {"standard"},
			"decision_reference": {"IT-chefens beslut 2024-03-01"}, "decided_on": {"2024-03-01"}, "financing_reference": {"KS 2024/15"}}
	}
	for _, who := range []*testkit.Browser{h.SignedIn(employee), h.SignedIn(itUnit)} {
		if resp := who.Post("/plattform/ny", good()); resp.StatusCode != http.StatusForbidden {
			t.Errorf("someone but the IT head recorded a component: %d", resp.StatusCode)
		}
	}
	for _, c := range []struct {
		what  string
		field string
		value string
		says  string
	}{
		{"phase-out without end date", "status", "avveckling", "Ange slutdatum för avvecklingen"},
		{"end date on a standard", "ends_on", "2027-06-30", "Bara en komponent under avveckling"},
		{"a date that is no date", "decided_on", "1 mars", "Ange ett datum som 2027-01-15."},
		{"a decision in the future", "decided_on", "2099-01-01", "Beslutsdatumet kan inte vara i framtiden"},
		{"no financing", "financing_reference", "", "Finansiering måste finnas innan beslut fattas"},
		{"control characters", "name", "Windows\x1b[2J", "inte är tillåtna"},
		{"overlong", "version", strings.Repeat("9", 101), "högst 100 tecken"},
	} {
		form := good()
		form.Set(c.field, c.value)
		resp := head.Post("/plattform/ny", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, c.says) || !strings.Contains(resp.Body, `value="KS 2024/15"`) && c.field != "financing_reference" ||
			!strings.Contains(resp.Body, "<title>Fel: ") {
			t.Errorf("%s: %d, message or values missing\n%s", c.what, resp.StatusCode, resp.Body)
		}
	}
	if n := countRows(t, h, `SELECT count(*) FROM platform_components`); n != 0 {
		t.Fatalf("%d components saved from refused forms", n)
	}
	resp := head.Post("/plattform/ny", good())
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("record: %d\n%s", resp.StatusCode, resp.Body)
	}
	dup := good()
	dup.Set("name", "windows  server")
	if resp := head.Post("/plattform/ny", dup); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Komponenten finns redan i katalogen: windows server 2022") {
		t.Errorf("duplicate: %d", resp.StatusCode)
	}
	hostile := good()
	hostile.Set("name", "<script>alert(1)</script>")
	resp = head.Post("/plattform/ny", hostile)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("markup: %d", resp.StatusCode)
	}
	page := h.SignedIn(employee).Get(resp.Header.Get("Location"))
	if strings.Contains(page.Body, "<script>alert") || !strings.Contains(page.Body, "&lt;script&gt;") || !strings.Contains(page.Body, "KS 2024/15") {
		t.Errorf("the component page does not show the stored values safely")
	}
	testkit.AssertInert(t, "component page", page.Body)
	if n := countRows(t, h, `SELECT count(*) FROM audit_log WHERE action = 'platform_component.added'`); n != 2 {
		t.Errorf("%d audit entries, want 2", n)
	}
}

// TestPlatformDecisionCaseChangesTheCatalogue: an employee applies for a
// phase-out (the form asks for its end date); IT-enheten may not decide
// it; the IT head grants it and the catalogue page shows the new status
// with the case as its decision, and the component's history the old one.
func TestPlatformDecisionCaseChangesTheCatalogue(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	head := h.SignedIn(itHead)
	recorded := head.Post("/plattform/ny", url.Values{"category": {"operativsystem"}, "name": {"Windows Server"}, "version": {"2016"}, "status": {"standard"},
		"decision_reference": {"IT-chefens beslut 2019-05-01"}, "decided_on": {"2019-05-01"}, "financing_reference": {"KS 2019/7"}})
	if recorded.StatusCode != http.StatusSeeOther {
		t.Fatalf("record: %d", recorded.StatusCode)
	}
	old := strings.TrimPrefix(recorded.Header.Get("Location"), "/plattform/")
	emp := h.SignedIn(employee)
	var soc int64
	if err := h.Owner.QueryRow(context.Background(), `SELECT id FROM departments WHERE short_name = 'SOC'`).Scan(&soc); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"title": {"Avveckla Windows Server 2016"}, "department": {itoa(soc)}, "contact": {"Åsa"}, "description": {"Supporten upphör"},
		"platform_change": {"status"}, "platform_name": {"Windows Server"}, "platform_version": {"2016"}, "platform_status": {"avveckling"},
		"financing_source": {"IT-enhetens budget 2027"}, "financing_confirmed": {"ja"}, "financing_reference": {"KS 2026/40"}, "atgard": {"granska"}}
	resp := emp.Post("/arenden/nytt?typ=plattformsbeslut", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Ange slutdatum för avvecklingen") || !strings.Contains(resp.Body, `value="Windows Server"`) {
		t.Fatalf("phase-out without end date: %d", resp.StatusCode)
	}
	form.Set("platform_end_date", "2025-12-31")
	path := fileCase(t, emp, "plattformsbeslut", form)
	if resp := h.SignedIn(itUnit).Post(path+"/beslut", url.Values{"beslut": {"bevilja"}, "motivation": {"Ja"}}); resp.StatusCode != http.StatusForbidden ||
		!strings.Contains(resp.Body, "Bara chefen för IT-enheten beslutar i ärenden om plattformsbeslut") {
		t.Errorf("IT-enheten decided: %d", resp.StatusCode)
	}
	if resp := confirmThenPost(t, head, path+"/beslut", url.Values{"beslut": {"bevilja"}, "motivation": {"Supporten upphör"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant: %d\n%s", resp.StatusCode, resp.Body)
	}
	number := caseNumber(t, h, path)
	catalogue := emp.Get("/plattform")
	if catalogue.StatusCode != http.StatusOK || !strings.Contains(catalogue.Body, `<h2 id="operativsystem">Operativsystem</h2>`) ||
		!strings.Contains(catalogue.Body, "Avvecklingen har passerat slutdatum") || !strings.Contains(catalogue.Body, "Slutdatum 2025-12-31") || !strings.Contains(catalogue.Body, number) {
		t.Errorf("catalogue after the decision:\n%s", catalogue.Body)
	}
	page := emp.Get("/plattform/" + old)
	if !strings.Contains(page.Body, `href="`+path+`"`) || !strings.Contains(page.Body, "Ny status") || !strings.Contains(page.Body, "Förd in i katalogen") ||
		!strings.Contains(page.Body, "KS 2026/40") || !strings.Contains(page.Body, "KS 2019/7") {
		t.Errorf("component page lacks the decision or the history:\n%s", page.Body)
	}
}

func caseNumber(t *testing.T, h *portaltest.Portal, path string) string {
	t.Helper()
	var n string
	if err := h.Owner.QueryRow(context.Background(), `SELECT number FROM requests WHERE id = $1`, strings.TrimPrefix(path, "/arenden/")).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestGrantOfACaseOnANonStandardComponent: an introduction names its
// components by checkbox; the review and the case page say which need an
// exception; a grant without one is refused with a Swedish message and
// nothing registered; with the reason it is granted and the case page
// shows the exception.
func TestGrantOfACaseOnANonStandardComponent(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	pg := component(t, h, "databas", "PostgreSQL", "15", "standard", "")
	oracle := component(t, h, "databas", "Oracle Database", "19c", "undantag", "")
	emp, it := h.SignedIn(employee), h.SignedIn(itUnit)
	blank := emp.Get("/arenden/nytt?typ=inforande")
	if !strings.Contains(blank.Body, `name="platform_components" value="`+itoa(pg)+`"`) ||
		!strings.Contains(blank.Body, "Databas: Oracle Database 19c (Tillåten med undantag)") {
		t.Fatalf("the form does not offer the catalogue:\n%s", blank.Body)
	}
	form := introductionForm(h, t, "Lifecare")
	form["platform_components"] = []string{itoa(pg), itoa(oracle)}
	form.Set("platform_missing", "Citrix för fjärråtkomst")
	bad := introductionForm(h, t, "Lifecare")
	bad["platform_components"] = []string{itoa(pg), "<script>"}
	if resp := emp.Post("/arenden/nytt?typ=inforande", bad); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Välj komponenterna i listan.") {
		t.Errorf("a hostile component: %d", resp.StatusCode)
	}
	resp := emp.Post("/arenden/nytt?typ=inforande", form)
	review := emp.Get(resp.Header.Get("Location"))
	if !strings.Contains(review.Body, "Oracle Database 19c är inte standard") || !strings.Contains(review.Body, "Oracle Database 19c (kräver undantag); PostgreSQL 15 (standard)") {
		t.Errorf("the review does not judge the components:\n%s", review.Body)
	}
	path := "/arenden/" + caseInLocation.FindStringSubmatch(resp.Header.Get("Location"))[1]
	if sent := emp.Post(path+"/skicka", nil); sent.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", sent.StatusCode)
	}
	page := it.Get(path)
	if !strings.Contains(page.Body, `data-testid="platform-judgement"`) || !strings.Contains(page.Body, "Kräver undantag i beslutet") ||
		!strings.Contains(page.Body, `name="undantag_skal_`+itoa(oracle)+`"`) || strings.Contains(page.Body, `name="undantag_skal_`+itoa(pg)+`"`) {
		t.Fatalf("the case page does not ask for the exception:\n%s", page.Body)
	}
	refused := it.Post(path+"/beslut", url.Values{"beslut": {"bevilja"}, "motivation": {"Uppfyller 4.2.1"}})
	if refused.StatusCode != http.StatusConflict || !strings.Contains(refused.Body, "Ärendet kan inte beviljas utan undantag: Oracle Database 19c") ||
		!strings.Contains(refused.Body, "Uppfyller 4.2.1") {
		t.Errorf("granted without the exception: %d", refused.StatusCode)
	}
	hostile := it.Post(path+"/beslut", url.Values{"beslut": {"bevilja"}, "motivation": {"OK"}, "undantag_skal_" + itoa(oracle): {"Skäl\x1b"}})
	if hostile.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(hostile.Body, "inte är tillåtna") {
		t.Errorf("a hostile reason: %d", hostile.StatusCode)
	}
	if n := countRows(t, h, `SELECT count(*) FROM systems WHERE name = 'Lifecare'`); n != 0 {
		t.Fatalf("a refused grant registered the system")
	}
	granted := confirmThenPost(t, it, path+"/beslut", url.Values{"beslut": {"bevilja"}, "motivation": {"Uppfyller 4.2.1"},
		"undantag_skal_" + itoa(oracle): {"Leverantören stöder bara Oracle; flytt till PostgreSQL 2028"}})
	if granted.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant with the exception: %d\n%s", granted.StatusCode, granted.Body)
	}
	page = emp.Get(path)
	if !strings.Contains(page.Body, "Undantag beviljat: Leverantören stöder bara Oracle; flytt till PostgreSQL 2028") || !strings.Contains(page.Body, "Citrix för fjärråtkomst") {
		t.Errorf("the case page does not show the exception:\n%s", page.Body)
	}
	if n := countRows(t, h, `SELECT count(*) FROM request_platform_exceptions WHERE component_id = $1`, oracle); n != 1 {
		t.Errorf("%d exceptions recorded", n)
	}
}

// TestSystemsOnComponentsAndR22: IT-enheten links a system to the
// components it runs on; an employee may not; the system page, the
// component page and the list of systems on components being phased out
// show it; the board counts R22 at once; the export and the API list the
// catalogue.
func TestSystemsOnComponentsAndR22(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ended := component(t, h, "operativsystem", "Windows Server", "2012 R2", "avveckling", "2025-10-14")
	std := component(t, h, "operativsystem", "Windows Server", "2022", "standard", "")
	var sys int64
	if err := h.Owner.QueryRow(context.Background(), `INSERT INTO systems (name, lifecycle, introduced_before_portal) VALUES ('Procapita', 'i_drift', true) RETURNING id`).Scan(&sys); err != nil {
		t.Fatal(err)
	}
	h.Recompute()
	it, emp := h.SignedIn(itUnit), h.SignedIn(employee)
	if resp := emp.Post("/system/"+itoa(sys)+"/plattform", url.Values{"komponent": {itoa(ended)}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an employee linked a system: %d", resp.StatusCode)
	}
	if page := emp.Get("/system/" + itoa(sys)); strings.Contains(page.Body, "Ändra plattformskomponenter") {
		t.Error("an employee is offered the platform form")
	}
	if resp := it.Post("/system/"+itoa(sys)+"/plattform", url.Values{"komponent": {"999999"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Välj komponenterna i listan.") {
		t.Errorf("an unknown component: %d", resp.StatusCode)
	}
	form := it.Get("/system/" + itoa(sys) + "/plattform")
	if !strings.Contains(form.Body, "Windows Server 2012 R2 (Avvecklingen passerade sitt slutdatum 2025-10-14)") {
		t.Errorf("the form does not say the component's status:\n%s", form.Body)
	}
	board := func() string {
		b := it.Get("/efterlevnad/r22")
		if b.StatusCode != http.StatusOK {
			t.Fatalf("R22: %d", b.StatusCode)
		}
		return b.Body
	}
	if body := board(); strings.Contains(body, "Procapita") {
		t.Fatal("R22 before the link")
	}
	if resp := it.Post("/system/"+itoa(sys)+"/plattform", url.Values{"komponent": {itoa(ended), itoa(std)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("link: %d\n%s", resp.StatusCode, resp.Body)
	}
	if body := board(); !strings.Contains(body, "Procapita") || !strings.Contains(body, "kör på Windows Server 2012 R2, vars avveckling skulle vara klar 2025-10-14") {
		t.Errorf("R22 does not list the system:\n%s", body)
	}
	if page := emp.Get("/system/" + itoa(sys)); !strings.Contains(page.Body, `href="/plattform/`+itoa(ended)+`"`) || !strings.Contains(page.Body, "Windows Server 2022") {
		t.Errorf("the system page lacks its platform:\n%s", page.Body)
	}
	if page := emp.Get("/plattform/avveckling"); !strings.Contains(page.Body, "Procapita") || strings.Contains(page.Body, "Windows Server 2022") {
		t.Errorf("phased-out list:\n%s", page.Body)
	}
	if page := emp.Get("/plattform/" + itoa(ended)); !strings.Contains(page.Body, "System som kör på komponenten") || !strings.Contains(page.Body, "Procapita") {
		t.Errorf("component page lacks its systems")
	}
	csv := emp.Get("/plattform/export.csv")
	if csv.StatusCode != http.StatusOK || !strings.Contains(csv.Body, "Sorts plattform") || !strings.Contains(csv.Body, "Windows Server;2012 R2;Under avveckling;2025-10-14") {
		t.Errorf("export: %d\n%s", csv.StatusCode, csv.Body)
	}
	if x := emp.Get("/plattform/export.xlsx"); x.StatusCode != http.StatusOK || !strings.HasPrefix(x.Body, "PK") {
		t.Errorf("xlsx: %d", x.StatusCode)
	}
	api := emp.Get("/api/v1/platform-components")
	var out struct {
		Components []struct {
			Name        string  `json:"name"`
			Status      string  `json:"status"`
			EndsOn      *string `json:"ends_on"`
			InOperation int     `json:"systems_in_operation"`
		} `json:"platform_components"`
	}
	if err := json.Unmarshal([]byte(api.Body), &out); err != nil || len(out.Components) != 2 || out.Components[0].EndsOn == nil || *out.Components[0].EndsOn != "2025-10-14" || out.Components[0].InOperation != 1 {
		t.Errorf("API: %v %+v", err, out)
	}
	if resp := it.Post("/system/"+itoa(sys)+"/plattform", url.Values{"komponent": {itoa(std)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("move: %d", resp.StatusCode)
	}
	if body := board(); strings.Contains(body, "Procapita") {
		t.Error("R22 still lists the system after it moved to a standard component")
	}
}
