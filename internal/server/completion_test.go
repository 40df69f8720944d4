package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"itportal/internal/portal"
)

// TestCompletionThroughThePages: a case sent with financing not confirmed
// cannot be granted; IT-enheten ticks Finansiering and asks; the employee
// sees the question above an answer form with only the financing's fields;
// a tampered answer changing the title is refused and changes nothing; a
// confirmed financing without its decision gets Swedish messages beside
// the fields; the answer sends the case back to IT-enheten, the timeline
// says "Nej → Ja", and IT-enheten grants it.
func TestCompletionThroughThePages(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	emp, it := h.SignedIn(employee), h.SignedIn(itUnit)
	form := introductionForm(h, t, "Kompletteringssystemet")
	form.Del("financing_confirmed")
	// The review warns before sending what will block the decision, and
	// names what is not given.
	saved := emp.Post("/arenden/nytt?typ=inforande", form)
	review := emp.Get(saved.Header.Get("Location"))
	if !strings.Contains(review.Body, "Finansieringen är inte bekräftad. Du kan skicka in ärendet") ||
		!strings.Contains(review.Body, "<dt>Vem beslutade om finansieringen?</dt><dd class=\"pre\"><span class=\"muted\">Ej angivet</span>") {
		t.Errorf("the review does not warn of the financing:\n%s", review.Body)
	}
	path := strings.TrimSuffix(saved.Header.Get("Location"), "/skicka")
	if sent := emp.Post(path+"/skicka", nil); sent.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d\n%s", sent.StatusCode, sent.Body)
	}
	if resp := it.Post(path+"/beslut", url.Values{"beslut": {"bevilja"}, "motivation": {"Bra"}}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("grant without financing: %d", resp.StatusCode)
	}

	page := it.Get(path)
	if !strings.Contains(page.Body, `name="fields" value="financing"`) || strings.Contains(page.Body, `value="department"`) {
		t.Fatalf("IT-enheten's choice of what to complete:\n%s", page.Body)
	}
	if resp := it.Post(path+"/steg", url.Values{"atgard": {"begar"}, "fields": {"department"}, "comment": {"Byt förvaltning"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(resp.Body, "Välj bland ärendets uppgifter") || !strings.Contains(resp.Body, `href="#fields"`) {
		t.Errorf("asking for the department: %d", resp.StatusCode)
	}
	if resp := it.Post(path+"/steg", url.Values{"atgard": {"begar"}, "fields": {"financing"}, "comment": {"Är finansieringen beslutad?"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("ask for completion: %d\n%s", resp.StatusCode, resp.Body)
	}

	page = emp.Get(path)
	question, answer := strings.Index(page.Body, "IT-enheten begär komplettering"), strings.Index(page.Body, `name="financing_decided_by"`)
	if question < 0 || answer < 0 || question > answer || !strings.Contains(page.Body, "Är finansieringen beslutad?") {
		t.Fatalf("the question is not above the answer (%d, %d):\n%s", question, answer, page.Body)
	}
	if strings.Contains(page.Body, `id="title"`) || strings.Contains(page.Body, `id="need"`) || !strings.Contains(page.Body, `name="financing_confirmed" value="nej" checked`) {
		t.Errorf("the answer form offers more than the financing, or not its current value:\n%s", page.Body)
	}

	title := func() string {
		var s string
		if err := h.Owner.QueryRow(context.Background(), `SELECT title || '|' || financing_confirmed || '|' || state FROM requests`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := title()
	yesterday := portal.Today().AddDate(0, 0, -1).Format(time.DateOnly)
	good := url.Values{"atgard": {"komplettera"}, "financing_source": {"Socialnämndens budget"}, "financing_confirmed": {"ja"},
		"financing_reference": {"SN 2027/14 §3"}, "financing_decided_by": {"Socialnämnden"}, "financing_decided_on": {yesterday}, "comment": {""}}
	tampered := url.Values{"title": {"Något annat"}}
	for k, v := range good {
		tampered[k] = v
	}
	if resp := emp.Post(path+"/steg", tampered); resp.StatusCode != http.StatusConflict || !strings.Contains(html.UnescapeString(resp.Body), "”Rubrik” har inte begärts") {
		t.Errorf("changing the title: %d\n%s", resp.StatusCode, resp.Body)
	}
	if got := title(); got != before {
		t.Fatalf("a refused answer changed the case: %s → %s", before, got)
	}
	half := url.Values{"atgard": {"komplettera"}, "financing_confirmed": {"ja"}, "financing_decided_on": {"i morgon"}}
	resp := emp.Post(path+"/steg", half)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("confirmed without the decision: %d", resp.StatusCode)
	}
	for _, want := range []string{"Ange vem som beslutade om finansieringen", "Ange beslutets referens", "Ange ett datum som 2027-01-15",
		`href="#financing_decided_by"`, `value="i morgon"`, `name="financing_confirmed" value="ja" checked`} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("the refused answer lacks %q", want)
		}
	}
	if got := title(); got != before {
		t.Fatalf("a refused answer changed the case: %s → %s", before, got)
	}

	if resp := emp.Post(path+"/steg", good); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer: %d\n%s", resp.StatusCode, resp.Body)
	}
	page = it.Get(path)
	body := html.UnescapeString(page.Body)
	for _, want := range []string{"Under handläggning", "Komplettering inskickad", "Finansieringen är bekräftad: Nej → Ja",
		"Vem beslutade om finansieringen?: Ej angivet → Socialnämnden", "Uppgifter att komplettera: Finansiering (4.5)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "IT-enheten begär komplettering") || strings.Contains(page.Body, `value="bevilja" disabled`) {
		t.Errorf("after the answer the question is still open, or the grant is blocked")
	}
	if q := it.Get("/arenden?vy=ko"); !strings.Contains(q.Body, "1 ärende väntar på dig") {
		t.Errorf("the answered case is not waiting for IT-enheten")
	}
	if resp := confirmThenPost(t, it, path+"/beslut", url.Values{"beslut": {"bevilja"}, "motivation": {"Finansieringen är beslutad"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant after the completion: %d\n%s", resp.StatusCode, resp.Body)
	}
}
