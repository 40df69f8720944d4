package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"itportal/internal/portaltest"
	"itportal/internal/testkit"
)

var caseInLocation = regexp.MustCompile(`/arenden/(\d+)`)

func introductionForm(h *portaltest.Portal, t *testing.T, name string) url.Values {
	t.Helper()
	var soc int64
	if err := h.Owner.QueryRow(context.Background(), `SELECT id FROM departments WHERE short_name = 'SOC'`).Scan(&soc); err != nil {
		t.Fatal(err)
	}
	return url.Values{
		"title": {"Nytt system för " + name}, "department": {itoa(soc)}, "contact": {"Åsa, 0520-65 90 00"},
		"description": {"Behöver ett nytt system"}, "desired_date": {"2027-03-01"}, "need": {"Ärendehantering"},
		"new_system_name": {name}, "supplier": {"CGI"}, "hosting": {"saas"}, "personal_data": {"kansliga"},
		"administrator_name": {"Åsa Öberg-O'Connor"}, "administrator_email": {employee.Email},
		"goal_alignment": {"Digitalisering"}, "platform_compatibility": {"Webbläsare"},
		"one_off_cost": {"100 000"}, "yearly_cost": {"25000"}, "years": {"4"},
		"financing_source": {"Socialnämndens budget"}, "financing_confirmed": {"ja"}, "atgard": {"granska"},
	}
}

// fileCase saves and submits a case through the pages; returns its path.
func fileCase(t *testing.T, b *testkit.Browser, kind string, form url.Values) string {
	t.Helper()
	resp := b.Post("/arenden/nytt?typ="+kind, form)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/skicka") {
		t.Fatalf("save %s: %d\n%s", kind, resp.StatusCode, resp.Body)
	}
	review := b.Get(resp.Header.Get("Location"))
	if !strings.Contains(review.Body, "Kontrollera dina uppgifter") {
		t.Fatalf("no review page:\n%s", review.Body)
	}
	path := "/arenden/" + caseInLocation.FindStringSubmatch(resp.Header.Get("Location"))[1]
	sent := b.Post(path+"/skicka", nil)
	if sent.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit %s: %d\n%s", kind, sent.StatusCode, sent.Body)
	}
	return path
}

// TestCaseThroughThePages: an employee files an introduction; IT-enheten
// asks for more; the employee answers; IT-enheten grants; the system is in
// the register, linked both ways; the timeline and the print copy tell it.
func TestCaseThroughThePages(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	emp, it := h.SignedIn(employee), h.SignedIn(itUnit)

	// Bad input: field errors, nothing saved.
	bad := introductionForm(h, t, "Trasigt")
	bad.Set("one_off_cost", "-5")
	bad.Set("yearly_cost", "tolv tusen")
	bad.Set("years", "51")
	bad.Set("desired_date", "1900-01-01")
	bad.Set("title", "")
	resp := emp.Post("/arenden/nytt?typ=inforande", bad)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d\n%s", resp.StatusCode, resp.Body)
	}
	for _, field := range []string{"one_off_cost", "yearly_cost", "years", "desired_date", "title"} {
		if !strings.Contains(resp.Body, `href="#`+field+`"`) {
			t.Errorf("no error for %s", field)
		}
	}
	if !strings.Contains(resp.Body, `value="tolv tusen"`) || !strings.Contains(resp.Body, "inte vara negativt") {
		t.Errorf("the form does not show what was typed, or why it was refused:\n%s", resp.Body)
	}
	var n int
	_ = h.Owner.QueryRow(context.Background(), `SELECT count(*) FROM requests`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d cases saved from a bad form", n)
	}

	// Mass assignment: state, decider and number from the form are ignored.
	form := introductionForm(h, t, "Färdtjänstsystemet")
	form.Set("state", "beviljat")
	form.Set("decided_by", "1")
	form.Set("number", "IT 1999/0001")
	path := fileCase(t, emp, "inforande", form)
	page := emp.Get(path)
	if !strings.Contains(page.Body, "IT 20") || strings.Contains(page.Body, "IT 1999") || !strings.Contains(page.Body, "Inskickat") {
		t.Fatalf("case page after submission:\n%s", page.Body)
	}
	if !strings.Contains(page.Body, "200\u00a0000 kr") { // total cost: 100 000 + 25 000 × 4
		t.Errorf("total cost of ownership missing")
	}
	number := regexp.MustCompile(`IT 20\d\d/\d{4}`).FindString(page.Body)

	// The employee may not decide (403), nor may they decide their own.
	if resp := emp.Post(path+"/beslut", url.Values{"beslut": {"bevilja"}, "motivation": {"Jag vill"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("employee deciding: %d", resp.StatusCode)
	}
	// IT-enheten's queue shows it waiting.
	if q := it.Get("/arenden?vy=ko"); !strings.Contains(q.Body, "1 ärende väntar på dig") || !strings.Contains(q.Body, number) {
		t.Errorf("work queue:\n%s", q.Body)
	}
	// Completion asked, answered, then granted.
	if resp := it.Post(path+"/steg", url.Values{"atgard": {"begar"}, "comment": {"Vilka licenser ingår?"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("ask for completion: %d\n%s", resp.StatusCode, resp.Body)
	}
	if resp := emp.Post(path+"/steg", url.Values{"atgard": {"komplettera"}, "comment": {""}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Skriv din komplettering") {
		t.Errorf("empty completion: %d", resp.StatusCode)
	}
	if resp := emp.Post(path+"/steg", url.Values{"atgard": {"komplettera"}, "comment": {"50 licenser"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer: %d\n%s", resp.StatusCode, resp.Body)
	}
	if resp := it.Post(path+"/beslut", url.Values{"beslut": {"bevilja"}, "motivation": {""}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Skriv beslutets motivering") {
		t.Errorf("decision without motivation: %d", resp.StatusCode)
	}
	if resp := confirmThenPost(t, it, path+"/beslut", url.Values{"beslut": {"bevilja"}, "motivation": {"Uppfyller 4.2.1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant: %d\n%s", resp.StatusCode, resp.Body)
	}
	// Deciding again: the page says who decided, nothing changes.
	again := h.SignedIn(itHead).Post(path+"/beslut", url.Values{"beslut": {"avsla"}, "motivation": {"Nej"}})
	if again.StatusCode != http.StatusConflict || !strings.Contains(again.Body, "Ärendet beslutades redan av Mats Lindqvist") {
		t.Errorf("second decision: %d\n%s", again.StatusCode, again.Body)
	}
	page = emp.Get(path)
	for _, want := range []string{"Beviljat", "Uppfyller 4.2.1", "Komplettering begärd", "Vilka licenser ingår?", "Komplettering inskickad", "50 licenser", "Färdtjänstsystemet"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	sysHref := regexp.MustCompile(`href="(/system/\d+)"`).FindStringSubmatch(page.Body)
	if sysHref == nil {
		t.Fatalf("no link to the new system:\n%s", page.Body)
	}
	sys := emp.Get(sysHref[1])
	if !strings.Contains(sys.Body, "Planerad") || !strings.Contains(sys.Body, number) || !strings.Contains(sys.Body, "Åsa Öberg-O&#39;Connor") {
		t.Errorf("system page of the granted case:\n%s", sys.Body)
	}
	print := emp.Get(path + "/utskrift")
	if !strings.Contains(print.Body, "Ärende "+number) || !strings.Contains(print.Body, "Uppfyller 4.2.1") {
		t.Errorf("print copy:\n%s", print.Body)
	}
	// The API tells the same.
	api := emp.Get("/api/v1/requests/" + strings.TrimPrefix(path, "/arenden/"))
	var got struct {
		Number   string `json:"number"`
		State    string `json:"state"`
		Decision *struct {
			By string `json:"by"`
		} `json:"decision"`
	}
	if err := json.Unmarshal([]byte(api.Body), &got); err != nil || got.Number != number || got.State != "beviljat" || got.Decision == nil || got.Decision.By != "Mats Lindqvist" {
		t.Errorf("API: %+v %v\n%s", got, err, api.Body)
	}
}

// TestCaseKindsHappyPaths: every kind can be filed through its form and
// reach its end.
func TestCaseKindsHappyPaths(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	var soc int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM departments WHERE short_name = 'SOC'`).Scan(&soc)
	var sysID int64
	if err := h.Owner.QueryRow(ctx, `INSERT INTO systems (name, version) VALUES ('Treserva', '5.1') RETURNING id`).Scan(&sysID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, department_id, valid) VALUES ($1, 'owner', $2, '[2024-01-01,)')`, sysID, soc); err != nil {
		t.Fatal(err)
	}
	emp, it, head := h.SignedIn(employee), h.SignedIn(itUnit), h.SignedIn(itHead)
	common := func() url.Values {
		return url.Values{"title": {"Ärende"}, "department": {itoa(soc)}, "contact": {"Åsa"}, "description": {"Beskrivning"},
			"financing_source": {"Budget"}, "financing_confirmed": {"ja"}, "atgard": {"granska"}}
	}
	with := func(v url.Values, kv ...string) url.Values {
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	assessments := []string{"stability", "Stabil", "security", "Säker", "compatibility", "Fungerar", "future_proof", "Lång livslängd"}
	for _, c := range []struct {
		kind    string
		form    url.Values
		decider *testkit.Browser
		decide  url.Values
		want    string
	}{
		{"uppgradering", with(common(), "system_name", "treserva", "from_version", "5.1", "to_version", "6.0", "performed_by", "CGI",
			"goal_alignment", "Ja", "platform_compatibility", "Ja", "years", "3"), it, url.Values{"beslut": {"bevilja"}, "motivation": {"OK"}}, "Beviljat"},
		{"oppen_kallkod", with(common(), append([]string{"software", "LibreOffice", "licence", "MPL-2.0", "project_url", "https://www.libreoffice.org"}, assessments...)...),
			head, url.Values{"beslut": {"bevilja"}, "motivation": {"Enligt 7"}}, "Beviljat"},
		{"egenutvecklad", with(common(), append([]string{"software", "Bokningsappen", "why_no_generic", "Inget passar", "maintainer", "IT-enheten"}, assessments...)...),
			head, url.Values{"beslut": {"avsla"}, "motivation": {"Generell programvara finns"}}, "Avslaget"},
		{"natanslutning", with(common(), "organisation", "Lilla Edets Bostäder AB", "access_to", "Gästnätet", "access_period", "Till 2027-12-31"),
			head, url.Values{"beslut": {"bevilja"}, "motivation": {"Tidsbegränsat"}}, "Beviljat"},
		{"driftforandring", with(url.Values{"title": {"Ny driftleverantör"}, "department": {itoa(soc)}, "contact": {"Åsa"}, "description": {"Byte"}, "atgard": {"granska"}},
			"system_name", "Treserva", "change_role", "operations", "new_operator", "Tietoevry", "effective_date", "2027-01-01"),
			it, url.Values{"beslut": {"kvittera"}}, "Kvitterad"},
	} {
		path := fileCase(t, emp, c.kind, c.form)
		// IT-enheten does not decide the IT head's kinds.
		if c.decider == head {
			if resp := it.Post(path+"/beslut", c.decide); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s decided by IT-enheten: %d", c.kind, resp.StatusCode)
			}
		}
		decide := c.decider.Post
		if c.decide.Get("beslut") != "kvittera" { // granting and rejecting ask first
			decide = func(path string, form url.Values) testkit.Response { return confirmThenPost(t, c.decider, path, form) }
		}
		if resp := decide(path+"/beslut", c.decide); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s decision: %d\n%s", c.kind, resp.StatusCode, resp.Body)
		}
		if page := emp.Get(path); !strings.Contains(page.Body, c.want) {
			t.Errorf("%s: not %s", c.kind, c.want)
		}
	}
	var version, operator string
	_ = h.Owner.QueryRow(ctx, `SELECT version FROM systems WHERE id = $1`, sysID).Scan(&version)
	_ = h.Owner.QueryRow(ctx, `SELECT operator FROM role_assignments WHERE system_id = $1 AND role = 'operations' AND lower(valid) = '2027-01-01'`, sysID).Scan(&operator)
	if version != "6.0" || operator != "Tietoevry" {
		t.Errorf("register after the cases: version %q, operations from 2027 %q", version, operator)
	}
	// Withdrawal before a decision, refused after.
	path := fileCase(t, emp, "natanslutning", with(common(), "organisation", "Bolaget", "access_to", "Nätet", "access_period", "Ett år"))
	if resp := emp.Post(path+"/steg", url.Values{"atgard": {"aterkalla"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", resp.StatusCode)
	}
	if resp := head.Post(path+"/beslut", url.Values{"beslut": {"bevilja"}, "motivation": {"x"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("deciding a withdrawn case: %d", resp.StatusCode)
	}
}

// TestCaseDraftsFilesAndHostileText: drafts are private; attachments are
// judged by content and served as downloads; hostile text stays inert.
func TestCaseDraftsFilesAndHostileText(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	emp, other, it := h.SignedIn(employee), h.SignedIn(portaltest.Requester), h.SignedIn(itUnit)
	var hostile []string
	for _, v := range testkit.Hostile(t) {
		if len(v) < 2000 && !strings.ContainsRune(v, 0) { // long values and NUL are refused elsewhere
			hostile = append(hostile, v)
		}
	}
	form := introductionForm(h, t, "Fientligt")
	form.Set("atgard", "spara")
	form.Set("title", hostile[0])
	form.Set("description", strings.Join(hostile, "\n"))
	form.Set("need", hostile[1])
	resp := emp.Post("/arenden/nytt?typ=inforande", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save draft: %d\n%s", resp.StatusCode, resp.Body)
	}
	path := "/arenden/" + caseInLocation.FindStringSubmatch(resp.Header.Get("Location"))[1]
	if resp := other.Get(path); resp.StatusCode != http.StatusNotFound {
		t.Errorf("someone else's draft: %d", resp.StatusCode)
	}
	if list := it.Get("/arenden?vy=alla"); strings.Contains(list.Body, path) {
		t.Error("a draft is listed for others")
	}
	page := emp.Get(path)
	testkit.AssertInert(t, "draft page", page.Body)
	if !strings.Contains(page.Body, "Utkast") {
		t.Errorf("draft page:\n%s", page.Body)
	}
	// Files.
	if resp := emp.Upload(path+"/bilagor", "file", "offert.pdf", []byte("<html><script>alert(1)</script></html>")); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "stämmer inte med filtypen") {
		t.Errorf("HTML named .pdf: %d", resp.StatusCode)
	}
	if resp := emp.Upload(path+"/bilagor", "file", "tom.pdf", nil); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Filen är tom") {
		t.Errorf("empty file: %d", resp.StatusCode)
	}
	if resp := emp.Upload(path+"/bilagor", "file", "stor.pdf", bytes.Repeat([]byte("%PDF"), 25<<20/4)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("25 MB file: %d", resp.StatusCode)
	}
	if resp := emp.Upload(path+"/bilagor", "file", hostile[0]+".pdf", []byte("%PDF-1.7\n%%EOF")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("PDF: %d\n%s", resp.StatusCode, resp.Body)
	}
	page = emp.Get(path)
	testkit.AssertInert(t, "case page with a hostile file name", page.Body)
	href := regexp.MustCompile(`href="(/arenden/\d+/bilagor/\d+)"`).FindStringSubmatch(page.Body)
	if href == nil {
		t.Fatalf("no attachment link:\n%s", page.Body)
	}
	file := emp.Get(href[1])
	if file.StatusCode != 200 || file.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(file.Header.Get("Content-Disposition"), "attachment") ||
		file.Header.Get("X-Content-Type-Options") != "nosniff" || file.Body != "%PDF-1.7\n%%EOF" {
		t.Errorf("download: %d %v", file.StatusCode, file.Header)
	}
	// Submitted: everyone reads it, the file only the department and IT.
	review := emp.Post(path+"/redigera", url.Values{}) // saving an empty form keeps a draft with errors
	_ = review
	full := introductionForm(h, t, "Fientligt")
	full.Set("title", hostile[0])
	full.Set("row_version", regexp.MustCompile(`name="row_version" value="(\d+)"`).FindStringSubmatch(emp.Get(path + "/redigera").Body)[1])
	if resp := emp.Post(path+"/redigera", full); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update draft: %d\n%s", resp.StatusCode, resp.Body)
	}
	if resp := emp.Post(path+"/skicka", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d\n%s", resp.StatusCode, resp.Body)
	}
	if resp := other.Get(path); resp.StatusCode != 200 {
		t.Errorf("a submitted case is not public: %d", resp.StatusCode)
	} else {
		testkit.AssertInert(t, "submitted case", resp.Body)
	}
	if resp := other.Get(href[1]); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another department opening the attachment: %d", resp.StatusCode)
	}
	if resp := it.Get(href[1]); resp.StatusCode != 200 {
		t.Errorf("IT-enheten opening the attachment: %d", resp.StatusCode)
	}
	// A file added to the submitted case is in its timeline; its name is
	// shown only to those who may open it, on the page, the print copy and
	// in the API.
	if resp := emp.Upload(path+"/bilagor", "file", "lonelista-hemlig.pdf", []byte("%PDF-1.7\n%%EOF")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("attachment to the submitted case: %d\n%s", resp.StatusCode, resp.Body)
	}
	api := "/api/v1/requests/" + strings.TrimPrefix(path, "/arenden/")
	for _, p := range []string{path, path + "/utskrift", api} {
		if body := other.Get(p).Body; strings.Contains(body, "lonelista-hemlig") {
			t.Errorf("%s shows the file's name to someone who may not open it", p)
		}
		if body := it.Get(p).Body; !strings.Contains(body, "lonelista-hemlig") {
			t.Errorf("%s does not show IT-enheten the file's name", p)
		}
	}
	if body := other.Get(path).Body; !strings.Contains(body, "Bilaga tillagd") {
		t.Errorf("the timeline no longer tells that a file was added")
	}
	for _, p := range []string{"/arenden?vy=alla", "/arenden?vy=ko", path + "/utskrift"} {
		testkit.AssertInert(t, p, it.Get(p).Body)
	}
	// Filters outside the allow-lists are named, each beside its filter,
	// and the list is shown without them; nothing runs.
	resp = it.Get("/arenden?vy=ko&status=beviljat';--&typ=<script>&alder=9999&forvaltning=-1")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("odd filters: %d", resp.StatusCode)
	}
	testkit.AssertInert(t, "odd filters", resp.Body)
	for _, want := range []string{"Typ av ärende: Okänt värde", "Ålder: Okänt värde", "Förvaltning: Ange ett id", "Arbetskö"} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("odd filters: the page does not say %q", want)
		}
	}
}

// TestOnlyItsOwnSpeakForADepartment: nobody files a case for a department
// they do not belong to, unless they administer its system or are
// IT-enheten; an operations change dated before today is acknowledged only
// as a correction, with a reason, and shows as one in the history.
func TestOnlyItsOwnSpeakForADepartment(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	var soc, klf int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM departments WHERE short_name = 'SOC'`).Scan(&soc)
	if err := h.Owner.QueryRow(ctx, `SELECT id FROM departments WHERE short_name = 'KLF'`).Scan(&klf); err != nil {
		t.Fatal(err)
	}
	var raindance, heroma int64
	for name, id := range map[string]*int64{"Raindance": &raindance, "Heroma": &heroma} {
		if err := h.Owner.QueryRow(ctx, `INSERT INTO systems (name) VALUES ($1) RETURNING id`, name).Scan(id); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, department_id, valid) VALUES ($1, 'owner', $2, '[2024-01-01,)')`, *id, klf); err != nil {
			t.Fatal(err)
		}
	}
	emp, it := h.SignedIn(employee), h.SignedIn(itUnit) // Åsa works at SOC
	var asa int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM people WHERE email = $1`, employee.Email).Scan(&asa)
	change := func(system, dept, from string) url.Values {
		return url.Values{"title": {"Ny förvaltare"}, "department": {dept}, "contact": {"Åsa"}, "description": {"Byte"},
			"system_name": {system}, "change_role": {"administrator"}, "new_admin_name": {"Åsa Öberg"},
			"new_admin_email": {employee.Email}, "effective_date": {from}, "atgard": {"granska"}}
	}
	cases := func() (n int) {
		_ = h.Owner.QueryRow(ctx, `SELECT count(*) FROM requests`).Scan(&n)
		return n
	}

	// The form offers Åsa her own department only.
	form := emp.Get("/arenden/nytt?typ=driftforandring")
	if !strings.Contains(form.Body, `value="`+itoa(soc)+`"`) || strings.Contains(form.Body, `value="`+itoa(klf)+`"`) {
		t.Errorf("the department choice offers another department, or not her own:\n%s", form.Body)
	}
	// Posting KLF anyway, for KLF's system, is refused and saves nothing;
	// so is an introduction on KLF's behalf.
	for kind, v := range map[string]url.Values{
		"driftforandring": change("Raindance", itoa(klf), "2027-01-01"),
		"inforande":       withDepartment(introductionForm(h, t, "Nytt för KLF"), klf),
	} {
		resp := emp.Post("/arenden/nytt?typ="+kind, v)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "din egen förvaltning") {
			t.Errorf("%s for another department: %d", kind, resp.StatusCode)
		}
	}
	if n := cases(); n != 0 {
		t.Fatalf("%d cases saved for another department", n)
	}

	// Once she administers Raindance, she may report its changes for KLF,
	// but still not Heroma's.
	if _, err := h.Owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, person_id, valid) VALUES ($1, 'administrator', $2, '[2024-01-01,)')`, raindance, asa); err != nil {
		t.Fatal(err)
	}
	if form := emp.Get("/arenden/nytt?typ=driftforandring"); !strings.Contains(form.Body, `value="`+itoa(klf)+`"`) {
		t.Error("the administrator of KLF's system is not offered KLF")
	}
	if resp := emp.Post("/arenden/nytt?typ=driftforandring", change("Heroma", itoa(klf), "2027-01-01")); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a change of a system she has no role on: %d", resp.StatusCode)
	}
	path := fileCase(t, emp, "driftforandring", change("Raindance", itoa(klf), "2025-03-01"))

	// Dated before today: a plain acknowledgement is refused, a correction
	// needs a reason; then the history says it was corrected.
	if resp := it.Post(path+"/beslut", url.Values{"beslut": {"kvittera"}}); resp.StatusCode != http.StatusConflict || !strings.Contains(resp.Body, "rättelse") {
		t.Errorf("plain acknowledgement of a back-dated change: %d", resp.StatusCode)
	}
	page := it.Get(path)
	if !strings.Contains(page.Body, "Kvittera som rättelse") || !strings.Contains(page.Body, "2025-03-01, ett datum som har passerat") {
		t.Errorf("the case page does not tell IT-enheten it is a correction:\n%s", page.Body)
	}
	if resp := it.Post(path+"/beslut", url.Values{"beslut": {"kvittera_rattelse"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a correction without a reason: %d", resp.StatusCode)
	}
	var holders int
	_ = h.Owner.QueryRow(ctx, `SELECT count(*) FROM role_assignments WHERE system_id = $1 AND role = 'administrator' AND lower(valid) = '2025-03-01'`, raindance).Scan(&holders)
	if holders != 0 {
		t.Fatal("the history was rewritten before the correction was confirmed")
	}
	if resp := it.Post(path+"/beslut", url.Values{"beslut": {"kvittera_rattelse"}, "motivation": {"Bytet skedde i mars men anmäldes inte"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the correction: %d\n%s", resp.StatusCode, resp.Body)
	}
	if hist := it.Get("/system/" + itoa(raindance) + "/historik"); !strings.Contains(hist.Body, "Rättelse") {
		t.Errorf("the history does not show the correction:\n%s", hist.Body)
	}
}

func withDepartment(v url.Values, department int64) url.Values {
	v.Set("department", itoa(department))
	return v
}
