package server_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"itportal/internal/testkit"
)

// uploadFrom posts a file with the extra fields of its form (as the
// draft's form sends "tillbaka").
func uploadFrom(t *testing.T, b *testkit.Browser, path string, fields map[string]string, filename string, data []byte) testkit.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.Base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.Base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.Do(req)
}

// TestContinueToReviewShowsErrorsOnTheForm: "Fortsätt till granskning"
// with fields missing keeps the draft and shows the form again with every
// problem at its field, the summary in form order linking to the fields;
// wrong amounts stay as typed, with why.
func TestContinueToReviewShowsErrorsOnTheForm(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	emp := h.SignedIn(employee)

	form := introductionForm(h, t, "Halvfärdigt")
	for _, k := range []string{"description", "need", "financing_source"} {
		form.Del(k)
	}
	resp := emp.Post("/arenden/nytt?typ=inforande", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("continue with fields missing: %d %s, want 422 and the form", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The draft is kept: the form now saves it.
	if !regexp.MustCompile(`action="/arenden/\d+/redigera"`).MatchString(resp.Body) {
		t.Errorf("the form after continuing does not save the draft it made:\n%s", resp.Body)
	}
	last := -1
	for _, field := range []string{"description", "need", "financing_source"} {
		at := strings.Index(resp.Body, `<a href="#`+field+`"`)
		if at < 0 || !strings.Contains(resp.Body, `id="`+field+`"`) || !strings.Contains(resp.Body, `id="`+field+`-error"`) {
			t.Errorf("%s: no summary link to the field, or no error at it", field)
			continue
		}
		if at < last {
			t.Errorf("the summary is not in form order at %s", field)
		}
		last = at
	}
	for _, msg := range []string{"Beskriv ärendet.", "Beskriv behovet.", "Ange hur kostnaden ska finansieras."} {
		if strings.Count(resp.Body, msg) < 2 { // in the summary and at the field
			t.Errorf("%q is not shown in the summary and at its field", msg)
		}
	}

	// Wrong amounts are kept as typed and explained, beside what is missing.
	wrong := introductionForm(h, t, "Felbelopp")
	wrong.Set("one_off_cost", "-5000")
	wrong.Set("yearly_cost", "12 000,50")
	wrong.Del("description")
	resp = emp.Post("/arenden/nytt?typ=inforande", wrong)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong amounts: %d", resp.StatusCode)
	}
	for _, want := range []string{`value="-5000"`, `value="12 000,50"`, "Beloppet kan inte vara negativt.", "Ange beloppet i hela kronor, utan öre",
		`href="#description"`} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("the form with wrong amounts lacks %q", want)
		}
	}
	if strings.Index(resp.Body, `href="#description"`) > strings.Index(resp.Body, `href="#one_off_cost"`) {
		t.Error("the summary is not in form order: the description comes before the costs")
	}
}

// TestCaseFilesFromTheFirstFormToTheReceipt: files can be added from the
// first form (the draft is saved first) and from the draft's form; the
// review lists them and shows "Ej angivet" for what is empty; the receipt
// after sending names the case and who handles it, once.
func TestCaseFilesFromTheFirstFormToTheReceipt(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	emp := h.SignedIn(employee)

	first := emp.Get("/arenden/nytt?typ=inforande")
	if !strings.Contains(first.Body, `value="bilagor"`) || !strings.Contains(first.Body, "Spara utkast och bifoga filer") {
		t.Fatalf("the first form offers no way to attach files:\n%s", first.Body)
	}
	form := introductionForm(h, t, "Bilagesystemet")
	form.Set("atgard", "bilagor")
	form.Del("supplier")
	resp := emp.Post("/arenden/nytt?typ=inforande", form)
	m := regexp.MustCompile(`^/arenden/(\d+)/redigera#bilagor$`).FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("save to attach: %d %q, want 303 to the draft's form at Bilagor", resp.StatusCode, resp.Header.Get("Location"))
	}
	path := "/arenden/" + m[1]
	edit := emp.Get(path + "/redigera")
	if !strings.Contains(edit.Body, `form="bifoga-fil"`) || !strings.Contains(edit.Body, `action="`+path+`/bilagor"`) || !strings.Contains(edit.Body, "Högst 20 MB") {
		t.Fatalf("the draft's form takes no file:\n%s", edit.Body)
	}
	up := uploadFrom(t, emp, path+"/bilagor", map[string]string{"tillbaka": "redigera"}, "offert.pdf", []byte("%PDF-1.7\n%%EOF"))
	if up.StatusCode != http.StatusSeeOther || up.Header.Get("Location") != path+"/redigera#bilagor" {
		t.Fatalf("attach from the draft's form: %d %q, want 303 back to the form", up.StatusCode, up.Header.Get("Location"))
	}
	if edit := emp.Get(path + "/redigera"); !strings.Contains(edit.Body, "offert.pdf") {
		t.Error("the draft's form does not list the attached file")
	}
	bad := uploadFrom(t, emp, path+"/bilagor", map[string]string{"tillbaka": "redigera"}, "tom.pdf", nil)
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "Filen är tom") || !strings.Contains(bad.Body, `action="`+path+`/redigera"`) {
		t.Errorf("an empty file from the draft's form: %d, want 422 on the form itself", bad.StatusCode)
	}

	review := emp.Get(path + "/skicka")
	if !strings.Contains(review.Body, "offert.pdf") || !strings.Contains(review.Body, "<dt>Leverantör</dt><dd class=\"pre\"><span class=\"muted\">Ej angivet</span>") {
		t.Errorf("the review does not list the file, or not Ej angivet for the empty supplier:\n%s", review.Body)
	}
	if sent := emp.Post(path+"/skicka", url.Values{}); sent.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: %d", sent.StatusCode)
	}
	page := emp.Get(path)
	number := regexp.MustCompile(`IT 20\d\d/\d{4}`).FindString(page.Body)
	if !strings.Contains(page.Body, `data-testid="receipt"`) || number == "" ||
		!regexp.MustCompile(`class="case-number">IT 20\d\d/\d{4}</strong>`).MatchString(page.Body) ||
		!strings.Contains(page.Body, "IT-enheten handlägger ärendet; du får besked via e-post.") ||
		!strings.Contains(page.Body, "Vad händer nu?") {
		t.Errorf("no receipt with the case number and who handles it:\n%s", page.Body)
	}
	if again := emp.Get(path); strings.Contains(again.Body, `data-testid="receipt"`) {
		t.Error("the receipt is shown again on the next visit")
	}
}
