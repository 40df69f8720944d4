package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestRoleFormSearchKeepsWhatWasTyped: the person search is a submit of
// the role form; the date, who appointed and the reason stay, a single
// match is chosen, and the confirmation names the new holder.
func TestRoleFormSearchKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	var sys, anna int64
	if err := h.Owner.QueryRow(ctx, `INSERT INTO systems (name) VALUES ('Ekonomisystemet') RETURNING id`).Scan(&sys); err != nil {
		t.Fatal(err)
	}
	if err := h.Owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Anna Bergqvist', 'anna.bergqvist@example.lillaedet.se') RETURNING id`).Scan(&anna); err != nil {
		t.Fatal(err)
	}
	it := h.SignedIn(itUnit)
	form := it.Get("/system/" + itoa(sys) + "/roller?roll=administrator")
	version := regexp.MustCompile(`name="row_version" value="(\d+)"`).FindStringSubmatch(form.Body)[1]
	typed := url.Values{"roll": {"administrator"}, "row_version": {version}, "sok": {"Bergqvist"}, "steg": {"sok"},
		"from": {"2030-03-01"}, "until": {"2030-06-30"}, "appointed_by": {"Kommunstyrelsens ordförande"}, "reason": {"Ny upphandling"}}
	page := it.Post("/system/"+itoa(sys)+"/roller", typed)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("search: %d\n%s", page.StatusCode, page.Body)
	}
	for _, want := range []string{`value="2030-03-01"`, `value="2030-06-30"`, `value="Kommunstyrelsens ordförande"`, `>Ny upphandling</textarea>`, `value="Bergqvist"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("after the search the form lost %s", want)
		}
	}
	if !regexp.MustCompile(`<input type="radio" id="holder" name="holder" value="` + itoa(anna) + `" checked`).MatchString(page.Body) {
		t.Errorf("the single match is not chosen:\n%s", page.Body)
	}
	if !strings.Contains(page.Body, "En person matchar sökningen och är vald.") {
		t.Error("the page does not say the single match is chosen")
	}
	// Saving with the preselected person names them in the confirmation.
	typed.Del("steg")
	typed.Set("holder", itoa(anna))
	resp := it.Post("/system/"+itoa(sys)+"/roller", typed)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", resp.StatusCode, resp.Body)
	}
	if p := it.Get(resp.Header.Get("Location")); !strings.Contains(p.Body, "Anna Bergqvist blir systemförvaltare för Ekonomisystemet från 2030-03-01 till och med 2030-06-30.") {
		t.Errorf("the confirmation does not name the person:\n%s", p.Body)
	}
	// Nobody matching: a message at the search field, the typed values kept.
	typed.Set("sok", "Zzyzxq")
	typed.Set("steg", "sok")
	typed.Del("holder")
	page = it.Post("/system/"+itoa(sys)+"/roller", typed)
	if !strings.Contains(page.Body, "Ingen aktiv person matchar sökningen.") || !strings.Contains(page.Body, `value="Kommunstyrelsens ordförande"`) {
		t.Errorf("a search without matches:\n%s", page.Body)
	}
}

// TestPersonSuggestions: the picker's suggestions as you type, for
// IT-enheten only, without the person who hands over.
func TestPersonSuggestions(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	var a, b int64
	_ = h.Owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Sigrid Lundmark', 'sigrid@example.lillaedet.se') RETURNING id`).Scan(&a)
	_ = h.Owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Sigvard Lundmark', 'sigvard@example.lillaedet.se') RETURNING id`).Scan(&b)
	it := h.SignedIn(itUnit)
	resp := it.Get("/personer/forslag?q=Lundmark&utom=" + itoa(b))
	var got struct {
		People []struct{ ID, Label string }
	}
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v\n%s", resp.StatusCode, err, resp.Body)
	}
	if len(got.People) != 1 || got.People[0].ID != itoa(a) || !strings.Contains(got.People[0].Label, "Sigrid Lundmark") {
		t.Errorf("suggestions: %+v", got.People)
	}
	if resp := h.SignedIn(employee).Get("/personer/forslag?q=Lundmark"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an employee gets suggestions: %d", resp.StatusCode)
	}
}

// TestHandOverPreview: before anything moves IT-enheten sees every role
// the person holds, what moves and what does not; who appointed the
// successor is required; the result says what was handed over.
func TestHandOverPreview(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	var leaving, successor int64
	_ = h.Owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Lämnar Persson', 'lamnar@example.lillaedet.se') RETURNING id`).Scan(&leaving)
	_ = h.Owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Tar Över', 'tar@example.lillaedet.se') RETURNING id`).Scan(&successor)
	if _, err := h.Owner.Exec(ctx, `INSERT INTO person_roles (person_id, role) VALUES ($1, 'it_unit')`, leaving); err != nil {
		t.Fatal(err)
	}
	for name, valid := range map[string]string{"Alfa": "[2024-01-01,)", "Beta": "[2024-01-01,)", "Planerat": "[2030-01-01,)"} {
		var id int64
		if err := h.Owner.QueryRow(ctx, `INSERT INTO systems (name) VALUES ($1) RETURNING id`, name).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, person_id, valid) VALUES ($1, 'administrator', $2, $3)`, id, leaving, valid); err != nil {
			t.Fatal(err)
		}
	}
	it := h.SignedIn(itUnit)
	path := "/personer/" + itoa(leaving) + "/overlamna"
	// The search keeps the date and who appointed; the single match is chosen.
	v := url.Values{"sok": {"Tar Över"}, "steg": {"sok"}, "from": {"2026-12-02"}, "appointed_by": {"Socialchefen"}}
	page := it.Post(path, v)
	if !strings.Contains(page.Body, `value="2026-12-02"`) || !strings.Contains(page.Body, `value="Socialchefen"`) ||
		!regexp.MustCompile(`name="successor" value="`+itoa(successor)+`" checked`).MatchString(page.Body) {
		t.Fatalf("the hand-over search lost what was typed or did not choose the single match:\n%s", page.Body)
	}
	// Who appointed the successor is required.
	v.Set("successor", itoa(successor))
	v.Set("steg", "granska")
	v.Set("appointed_by", " ")
	if resp := it.Post(path, v); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `href="#appointed_by"`) {
		t.Errorf("no appointed by: %d", resp.StatusCode)
	}
	v.Set("appointed_by", "Socialchefen")
	// A day a role began on cannot be handed over that day: said before
	// anything is confirmed.
	v.Set("from", "2024-01-01")
	if resp := it.Post(path, v); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Välj en senare dag för överlämningen") {
		t.Errorf("hand-over on the day a role began: %d", resp.StatusCode)
	}
	v.Set("from", "2026-12-02")
	preview := it.Post(path, v)
	if preview.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d\n%s", preview.StatusCode, preview.Body)
	}
	moves := between(preview.Body, "Det här lämnas över", "Det här lämnas inte över")
	stays := between(preview.Body, "Det här lämnas inte över", "Bekräfta överlämningen")
	if !strings.Contains(moves, "Alfa") || !strings.Contains(moves, "Beta") || strings.Contains(moves, "Planerat") {
		t.Errorf("what moves:\n%s", moves)
	}
	if !strings.Contains(stays, "Planerat") || !strings.Contains(stays, "IT-enheten") {
		t.Errorf("what stays (the planned role, the portal role):\n%s", stays)
	}
	if !strings.Contains(preview.Body, "Lämnar Persson lämnar över till Tar Över från och med 2026-12-02") {
		t.Error("the preview does not say who to whom")
	}
	var changed int
	_ = h.Pool.QueryRow(ctx, `SELECT count(*) FROM role_assignments WHERE person_id = $1`, successor).Scan(&changed)
	if changed != 0 {
		t.Fatalf("the preview changed %d roles", changed)
	}
	v.Set("steg", "bekrafta")
	resp := it.Post(path, v)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", resp.StatusCode, resp.Body)
	}
	if p := it.Get(resp.Header.Get("Location")); !strings.Contains(p.Body, "2 systemförvaltarroller är överlämnade till Tar Över från 2026-12-02: Alfa och Beta.") {
		t.Errorf("the result does not say what was handed over:\n%s", p.Body)
	}
	var appointed string
	_ = h.Pool.QueryRow(ctx, `SELECT string_agg(DISTINCT appointed_by, ',') FROM role_assignments WHERE person_id = $1`, successor).Scan(&appointed)
	if appointed != "Socialchefen" {
		t.Errorf("appointed by recorded as %q", appointed)
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
