package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"itportal/internal/auth"
	"itportal/internal/testkit"
)

// TestHostileInputStaysInert feeds the hostile corpus through every form
// field and through the identity provider's claims (name, e-mail,
// department), which reach pages too, and checks each resulting page.
func TestHostileInputStaysInert(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	adm := h.SignedIn(admin)
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range h.Logs.Lines() {
				if strings.Contains(l, `"level":"ERROR"`) || strings.Contains(l, "sign_in_failure") {
					t.Log(l)
				}
			}
		}
	})
	for i, v := range testkit.Hostile(t) {
		key := "fientlig-" + itoa(int64(i))
		p := auth.Persona{Key: key, Name: v, Email: v, Department: v}
		h.IdP.AddPersona(p)
		b := h.Browser()
		page := b.SignIn(key, "/min-sida")
		if page.StatusCode != http.StatusOK {
			t.Fatalf("sign in with hostile claims %.40q: %d", v, page.StatusCode)
		}
		testkit.AssertInert(t, "min sida with "+short(v), page.Body)

		// Every form field: the people search and the link form.
		for _, path := range []string{"/admin/personer?q=" + url.QueryEscape(v)} {
			resp := adm.Get(path)
			want := http.StatusOK
			if utf8.RuneCountInString(strings.TrimSpace(v)) > 200 {
				want = http.StatusBadRequest // named: "Sökord: Högst 200 tecken."
			}
			if strings.ContainsRune(v, 0) {
				want = http.StatusBadRequest // with a Swedish message
				if !strings.Contains(resp.Body, "inte är tillåtna") {
					t.Error("a NUL byte in a search gets no Swedish message")
				}
			}
			if resp.StatusCode != want {
				t.Errorf("search %.40q: %d, want %d", v, resp.StatusCode, want)
			}
			testkit.AssertInert(t, "search "+short(v), resp.Body)
		}
		var id int64
		if err := h.Pool.QueryRow(ctx, `SELECT id FROM people WHERE identity_subject = $1`, "dev-"+key).Scan(&id); err != nil {
			t.Fatal(err)
		}
		page = adm.Get("/admin/personer/" + itoa(id))
		if page.StatusCode != http.StatusOK {
			t.Fatalf("person page: %d", page.StatusCode)
		}
		testkit.AssertInert(t, "person page "+short(v), page.Body)
		resp := adm.Post("/admin/personer/"+itoa(id)+"/koppla", url.Values{"target": {v}})
		if resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusRequestEntityTooLarge && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("link form with %.40q: %d, want a field error or 413", v, resp.StatusCode)
		}
		testkit.AssertInert(t, "link form "+short(v), resp.Body)
	}
	list := adm.Get("/admin/personer")
	testkit.AssertInert(t, "people list", list.Body)
	if !strings.Contains(list.Body, "Åsa Öberg-O&#39;Connor") {
		t.Error("a Swedish name with an apostrophe is not shown as text")
	}
	// Nothing was linked by the hostile posts.
	var linked int
	_ = h.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'person.identity_moved'`).Scan(&linked)
	if linked != 0 {
		t.Errorf("%d identities moved by hostile input", linked)
	}
}

func short(v string) string {
	if len(v) > 30 {
		return v[:30] + "…"
	}
	return v
}
