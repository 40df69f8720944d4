package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"itportal/internal/testkit"
)

const r4Message = "Systemet är i drift utan ett beviljat ärende om införande."

var proposalAction = regexp.MustCompile(`/system/\d+/forslag/(\d+)/bekrafta`)

// TestAdministratorsTickWaitsForITEnheten: the system's administrator
// ticking Infört före IT-portalen no longer hides the R4 breach: the tick
// is a proposal, the rest of the save is stored, and IT-enheten finds the
// proposal on its start page, confirms it (the breach goes) or rejects it
// (the facts stay). A crafted post changes nothing but the proposal;
// another employee proposes nothing; two confirmations at once give one.
func TestAdministratorsTickWaitsForITEnheten(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	it := h.SignedIn(itUnit)
	emp := h.SignedIn(employee)
	other := h.SignedIn(noGroups)
	resp := it.Post("/system/ny", sysForm("Kvarnen"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", resp.StatusCode, resp.Body)
	}
	id := idInLocation.FindStringSubmatch(resp.Header.Get("Location"))[1]
	var person int64
	if err := h.Owner.QueryRow(ctx, `SELECT id FROM people WHERE email = $1`, employee.Email).Scan(&person); err != nil {
		t.Fatal(err)
	}
	version := regexp.MustCompile(`name="row_version" value="(\d+)"`).FindStringSubmatch(it.Get("/system/" + id + "/roller?roll=administrator").Body)[1]
	roles := url.Values{"roll": {"administrator"}, "holder": {itoa(person)}, "from": {"2024-01-01"}, "row_version": {version}}
	if resp := it.Post("/system/"+id+"/roller", roles); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("administrator: %d\n%s", resp.StatusCode, resp.Body)
	}
	flags := func() (introduced, openSource bool, notes string) {
		t.Helper()
		if err := h.Owner.QueryRow(ctx, `SELECT introduced_before_portal, open_source, notes FROM systems WHERE id = $1`, id).Scan(&introduced, &openSource, &notes); err != nil {
			t.Fatal(err)
		}
		return
	}
	if page := emp.Get("/system/" + id); !strings.Contains(page.Body, r4Message) {
		t.Fatalf("no R4 breach to begin with:\n%s", page.Body)
	}

	// The administrator's form says which facts are proposals.
	path := "/system/" + id + "/redigera"
	form := emp.Get(path)
	if form.StatusCode != http.StatusOK || !strings.Contains(form.Body, "Uppgifter som IT-enheten bekräftar") || !strings.Contains(form.Body, "skickas ändringen till IT-enheten som ett förslag") {
		t.Fatalf("the administrator's form does not say that guarded facts are proposals: %d\n%s", form.StatusCode, form.Body)
	}
	if itForm := it.Get(path); strings.Contains(itForm.Body, "Uppgifter som IT-enheten bekräftar") {
		t.Error("IT-enheten's form calls its own changes proposals")
	}
	values, ok := testkit.FormValues(form.Body, path)
	if !ok {
		t.Fatal("no edit form")
	}
	values.Set("introduced_before_portal", "ja")
	values.Set("notes", "Infördes 2012 genom upphandling")
	if resp := emp.Post(path, values); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the administrator's save: %d\n%s", resp.StatusCode, resp.Body)
	}
	page := emp.Get("/system/" + id)
	for _, want := range []string{
		"Sparat: anteckningar. Skickat till IT-enheten för bekräftelse: Infört före IT-portalen: Ja.",
		"Förslag som väntar på IT-enheten", r4Message,
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("after the administrator's save the page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "Bekräfta förslaget") {
		t.Error("the administrator is offered to confirm their own proposal")
	}
	if introduced, _, notes := flags(); introduced || notes != "Infördes 2012 genom upphandling" {
		t.Fatalf("after the administrator's save: introduced %v, notes %q", introduced, notes)
	}
	// Everyone who sees the system sees what is proposed.
	if p := other.Get("/system/" + id); !strings.Contains(p.Body, "Förslag som väntar på IT-enheten") || !strings.Contains(p.Body, "Åsa Öberg-O&#39;Connor föreslog") {
		t.Error("another employee does not see the open proposal")
	}

	// The form shows what waits for IT-enheten.
	if f := emp.Get(path).Body; !regexp.MustCompile(`name="introduced_before_portal" value="ja" checked`).MatchString(f) || !strings.Contains(f, "väntar på IT-enheten: Infört före IT-portalen: Ja") {
		t.Error("the administrator's form does not show the waiting proposal")
	}

	// A crafted post of the guarded field: nothing changes but the
	// proposal, which already waits.
	crafted := sysForm("Kvarnen")
	crafted.Set("notes", "Infördes 2012 genom upphandling")
	crafted.Set("introduced_before_portal", "ja")
	crafted.Set("row_version", regexp.MustCompile(`name="row_version" value="(\d+)"`).FindStringSubmatch(emp.Get(path).Body)[1])
	if resp := emp.Post(path, crafted); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("crafted post: %d\n%s", resp.StatusCode, resp.Body)
	}
	if p := emp.Get("/system/" + id); !strings.Contains(p.Body, "Förslaget väntar redan på IT-enheten") || !strings.Contains(p.Body, r4Message) {
		t.Error("the crafted post did more than keep the proposal")
	}
	if introduced, _, _ := flags(); introduced {
		t.Fatal("the crafted post set Infört före IT-portalen")
	}
	// Another employee proposes nothing and decides nothing.
	if resp := other.Post(path, crafted); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another employee's post: %d", resp.StatusCode)
	}
	var proposals int
	_ = h.Owner.QueryRow(ctx, `SELECT count(*) FROM fact_proposals WHERE system_id = $1`, id).Scan(&proposals)
	if proposals != 1 {
		t.Errorf("%d proposals, want 1", proposals)
	}

	// IT-enheten finds it on its start page without knowing the system.
	home := it.Get("/")
	if !strings.Contains(home.Body, "1 förslag väntar på IT-enheten.") || !strings.Contains(home.Body, `href="/system/`+id+`#forslag"`) {
		t.Fatalf("IT-enheten's start page lacks the proposal:\n%s", home.Body)
	}
	if strings.Contains(emp.Get("/").Body, "Förslag att bekräfta") {
		t.Error("an employee's start page lists proposals to confirm")
	}
	itPage := it.Get("/system/" + id)
	m := proposalAction.FindStringSubmatch(itPage.Body)
	if m == nil || !strings.Contains(itPage.Body, "Avslå förslaget") {
		t.Fatalf("IT-enheten is not offered to decide:\n%s", itPage.Body)
	}
	pid := m[1]
	decide := "/system/" + id + "/forslag/" + pid
	for _, who := range []*testkitBrowser{emp, other} {
		if resp := who.Post(decide+"/bekrafta", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("someone outside IT-enheten confirming: %d", resp.StatusCode)
		}
	}
	// Bad input: a Swedish message, nothing changes, never a 500.
	if resp := it.Post(decide+"/avsla", url.Values{"note": {strings.Repeat("å", 2001)}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Anteckningen får vara högst 2000 tecken.") {
		t.Errorf("a note too long: %d", resp.StatusCode)
	}
	for _, bad := range []string{"/system/" + id + "/forslag/x/bekrafta", "/system/" + id + "/forslag/999999/bekrafta", "/system/999999/forslag/" + pid + "/bekrafta"} {
		if resp := it.Post(bad, url.Values{}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, resp.StatusCode)
		}
	}
	if introduced, _, _ := flags(); introduced {
		t.Fatal("bad input changed the facts")
	}

	// Two of IT-enheten confirm at once: one does, the other is told who.
	head := h.SignedIn(itHead)
	var wg sync.WaitGroup
	results := make([]testkit.Response, 2)
	for i, b := range []*testkitBrowser{it, head} {
		wg.Go(func() { results[i] = b.Post(decide+"/bekrafta", url.Values{}) })
	}
	wg.Wait()
	won, lost := 0, 0
	for i, r := range results {
		switch r.StatusCode {
		case http.StatusSeeOther:
			won++
		case http.StatusConflict:
			lost++
			winner := []string{"Mats Lindqvist", "Ingrid Svensson"}[1-i]
			if !strings.Contains(r.Body, "Förslaget är redan bekräftat av "+winner) {
				t.Errorf("the second confirmation is not told who decided:\n%s", r.Body)
			}
		default:
			t.Errorf("a confirmation: %d\n%s", r.StatusCode, r.Body)
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("%d confirmations succeeded and %d were refused, want one of each", won, lost)
	}
	if introduced, _, _ := flags(); !introduced {
		t.Fatal("the confirmation did not set Infört före IT-portalen")
	}
	page = emp.Get("/system/" + id)
	if strings.Contains(page.Body, r4Message) || strings.Contains(page.Body, "Förslag som väntar på IT-enheten") {
		t.Error("after the confirmation the R4 breach or the proposal is still shown")
	}
	if !strings.Contains(it.Get("/").Body, "Inga förslag väntar på IT-enheten.") {
		t.Error("the start page still counts the confirmed proposal")
	}

	// A rejection leaves the facts as they are, with IT-enheten's note.
	values, _ = testkit.FormValues(emp.Get(path).Body, path)
	values.Set("open_source", "ja")
	if resp := emp.Post(path, values); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the second proposal: %d\n%s", resp.StatusCode, resp.Body)
	}
	if p := emp.Get("/system/" + id); !strings.Contains(p.Body, "Skickat till IT-enheten för bekräftelse: Öppen källkod: Ja. Inget annat ändrades.") {
		t.Errorf("the flash of a proposal alone:\n%s", p.Body)
	}
	m = proposalAction.FindStringSubmatch(it.Get("/system/" + id).Body)
	if m == nil {
		t.Fatal("no second proposal to decide")
	}
	decide = "/system/" + id + "/forslag/" + m[1]
	if resp := it.Post(decide+"/avsla", url.Values{"note": {"Ingen prövning av öppen källkod finns."}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("rejecting: %d\n%s", resp.StatusCode, resp.Body)
	}
	if _, openSource, _ := flags(); openSource {
		t.Error("the rejected proposal changed the facts")
	}
	if resp := head.Post(decide+"/bekrafta", url.Values{}); resp.StatusCode != http.StatusConflict || !strings.Contains(resp.Body, "Förslaget är redan avslaget av Mats Lindqvist") {
		t.Errorf("confirming a rejected proposal: %d", resp.StatusCode)
	}

	// The history tells every step in Swedish.
	hist := emp.Get("/system/" + id + "/historik").Body
	for _, want := range []string{
		"Förslag till IT-enheten: infört före portalen Nej → Ja",
		"bekräftat: infört före portalen Nej → Ja",
		"Förslag till IT-enheten: öppen källkod Nej → Ja",
		"avslaget: öppen källkod Nej → Ja. Anteckning: Ingen prövning av öppen källkod finns.",
	} {
		if !strings.Contains(hist, want) {
			t.Errorf("the history lacks %q", want)
		}
	}
	testkit.AssertInert(t, "history", hist)
}
