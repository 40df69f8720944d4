package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCaseFormShowsItsStep: filing a case shows where the applicant is,
// "Steg 1 av 3: Fyll i ansökan" on the form (a draft's too, and when it
// comes back with errors), "Steg 2 av 3: Kontrollera" on the check page
// and "Steg 3 av 3: Skickat" with the receipt, the current step marked
// aria-current="step" and the earlier ones as done; the case page itself
// has no steps once the receipt is gone.
func TestCaseFormShowsItsStep(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	emp := h.SignedIn(employee)
	current := func(t *testing.T, body, want string, done ...string) {
		t.Helper()
		steps := between(body, `data-testid="steps"`, "</ol>")
		if !strings.Contains(steps, `aria-current="step"><strong>`+want+`</strong>`) || strings.Count(steps, `aria-current="step"`) != 1 {
			t.Errorf("the current step is not %q:\n%s", want, steps)
		}
		if n := strings.Count(steps, "(klart)"); n != len(done) {
			t.Errorf("%d steps done, want %d:\n%s", n, len(done), steps)
		}
		for _, d := range done {
			if !strings.Contains(steps, d) {
				t.Errorf("the step %q is not listed:\n%s", d, steps)
			}
		}
		if strings.Index(body, `data-testid="steps"`) > strings.Index(body, "<h1") {
			t.Error("the steps come after the heading")
		}
	}
	current(t, emp.Get("/arenden/nytt?typ=inforande").Body, "Steg 1 av 3: Fyll i ansökan")

	form := introductionForm(h, t, "Stegsystemet")
	form.Set("one_off_cost", "-5000")
	if bad := emp.Post("/arenden/nytt?typ=inforande", form); bad.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a bad cost: %d", bad.StatusCode)
	} else {
		current(t, bad.Body, "Steg 1 av 3: Fyll i ansökan")
	}
	form.Set("one_off_cost", "5000")
	resp := emp.Post("/arenden/nytt?typ=inforande", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", resp.StatusCode, resp.Body)
	}
	path := "/arenden/" + caseInLocation.FindStringSubmatch(resp.Header.Get("Location"))[1]
	current(t, emp.Get(path+"/redigera").Body, "Steg 1 av 3: Fyll i ansökan")
	current(t, emp.Get(path+"/skicka").Body, "Steg 2 av 3: Kontrollera", "Fyll i ansökan")
	if sent := emp.Post(path+"/skicka", url.Values{}); sent.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: %d", sent.StatusCode)
	}
	current(t, emp.Get(path).Body, "Steg 3 av 3: Skickat", "Fyll i ansökan", "Kontrollera")
	if again := emp.Get(path); strings.Contains(again.Body, `data-testid="steps"`) {
		t.Error("the case page shows the steps after the receipt")
	}
}
