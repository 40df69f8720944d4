package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestSavedViews: a person saves the filtered register and a list of cases
// under names and finds them on their start page as links; the query
// string is re-read by the list's own parser (unknown parameters and the
// page number dropped, a bad value refused with the list's own message),
// the name is 1–60 characters and unique, at most 20 views are kept, and
// nobody else sees or deletes them.
func TestSavedViews(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	emp, other := h.SignedIn(employee), h.SignedIn(noGroups)
	stored := func() int {
		var n int
		_ = h.Owner.QueryRow(ctx, `SELECT count(*) FROM saved_views`).Scan(&n)
		return n
	}

	list := emp.Get("/system?q=Tre&livscykel=i_drift&sida=2")
	link := regexp.MustCompile(`href="(/vyer\?[^"]+)" data-testid="save-view"`).FindStringSubmatch(list.Body)
	if link == nil {
		t.Fatalf("the register offers no Spara urvalet som vy:\n%s", list.Body)
	}
	form := emp.Get(strings.ReplaceAll(link[1], "&amp;", "&"))
	if form.StatusCode != 200 || !strings.Contains(form.Body, `name="lista" value="system"`) || !strings.Contains(form.Body, `name="namn"`) {
		t.Fatalf("the save form: %d\n%s", form.StatusCode, form.Body)
	}
	resp := emp.Post("/vyer", url.Values{"lista": {"system"}, "urval": {"q=Tre&livscykel=i_drift&sida=2&okand=x"}, "namn": {"  I drift hos oss  "}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/system?livscykel=i_drift&q=Tre" {
		t.Fatalf("save: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.Body)
	}
	if resp := emp.Post("/vyer", url.Values{"lista": {"arenden"}, "urval": {"vy=alla&status=inskickat"}, "namn": {"Inskickade"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save a list of cases: %d\n%s", resp.StatusCode, resp.Body)
	}
	home := emp.Get("/")
	views := section(home.Body, "home-views")
	for _, want := range []string{`<a href="/system?livscykel=i_drift&amp;q=Tre">I drift hos oss</a>`, `<a href="/arenden?status=inskickat&amp;vy=alla">Inskickade</a>`} {
		if !strings.Contains(views, want) {
			t.Errorf("the start page lacks %s:\n%s", want, views)
		}
	}
	if section(other.Get("/").Body, "home-views") != "" {
		t.Error("another person's start page shows the views")
	}

	// Refused, with a Swedish message, nothing stored.
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"lista": {"system"}, "urval": {"livscykel=fel"}, "namn": {"Fel"}}, "Livscykel: Okänt värde"},
		{url.Values{"lista": {"arenden"}, "urval": {"sortera=hemligt"}, "namn": {"Fel"}}, "Sortering: Okänt värde"},
		{url.Values{"lista": {"system"}, "urval": {""}, "namn": {"   "}}, "Ange ett namn på vyn."},
		{url.Values{"lista": {"system"}, "urval": {""}, "namn": {strings.Repeat("å", 61)}}, "högst 60 tecken"},
		{url.Values{"lista": {"system"}, "urval": {""}, "namn": {"i DRIFT hos oss"}}, "Du har redan en vy som heter"},
		{url.Values{"lista": {"admin"}, "urval": {""}, "namn": {"Annat"}}, "Välj registret eller ärendena."},
	} {
		resp := emp.Post("/vyer", c.form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, c.want) || !strings.Contains(resp.Body, `href="#namn"`) {
			t.Errorf("%v: %d, want 422 with %q\n%s", c.form, resp.StatusCode, c.want, resp.Body)
		}
	}
	if n := stored(); n != 2 {
		t.Fatalf("%d views stored, want 2", n)
	}

	// At most 20.
	if _, err := h.Owner.Exec(ctx, `INSERT INTO saved_views (person_id, list, name, query) SELECT $1, 'system', 'Vy ' || i, '' FROM generate_series(1, 18) i`,
		personID(t, h, employee.Email)); err != nil {
		t.Fatal(err)
	}
	if resp := emp.Post("/vyer", url.Values{"lista": {"system"}, "urval": {""}, "namn": {"Den tjugoförsta"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(resp.Body, "högst 20 vyer") {
		t.Errorf("a 21st view: %d\n%s", resp.StatusCode, resp.Body)
	}

	// Delete: someone else's is not found; one's own goes.
	var id int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM saved_views WHERE name = 'Inskickade'`).Scan(&id)
	if resp := other.Post("/vyer/"+itoa(id)+"/ta-bort", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another person deleting the view: %d", resp.StatusCode)
	}
	if !strings.Contains(emp.Get("/vyer").Body, `action="/vyer/`+itoa(id)+`/ta-bort"`) {
		t.Error("/vyer does not offer Ta bort")
	}
	if resp := emp.Post("/vyer/"+itoa(id)+"/ta-bort", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	if n := stored(); n != 19 {
		t.Errorf("%d views after the delete, want 19", n)
	}
}
