package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/portaltest"
	"itportal/internal/testkit"
)

var basisField = regexp.MustCompile(`name="basis" value="(\d+)"`)

func evaluationAnswers(basis string) url.Values {
	return url.Values{"users_count": {"350"}, "support_score": {"4"}, "used_as_intended": {"delvis"}, "proposed_action": {"utveckla"},
		"support_comment": {`=HYPERLINK("https://evil.example","klicka")`}, "coordination": {"<script>alert(1)</script>"},
		"cooperation": {`"><img src=x onerror=alert(1)>`}, "efficiency": {"-2+3+cmd|' /C calc'!A0"},
		"planned_changes": {"</textarea><script>alert(1)</script>"}, "basis": {basis}, "atgard": {"skicka"}}
}

// TestEvaluationsThroughThePages: the administrator of an overdue system
// sees it on the start page and Mina system, saves a draft, gets field
// errors for bad answers (nothing saved), submits; the evaluation is shown
// read only, escaped, on the system's page and the printable history; a
// second submission from a stale form is told; someone else is refused;
// IT-enheten shortens the interval and sees the overview and its CSV.
func TestEvaluationsThroughThePages(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	emp := h.SignedIn(employee)
	var asa, soc, id int64
	_ = h.Pool.QueryRow(ctx, `SELECT id FROM people WHERE identity_subject = 'dev-medarbetare'`).Scan(&asa)
	_ = h.Pool.QueryRow(ctx, `SELECT id FROM departments WHERE short_name = 'SOC'`).Scan(&soc)
	if err := h.Owner.QueryRow(ctx, `INSERT INTO systems (name, lifecycle) VALUES ('Treserva', 'i_drift') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Owner.Exec(ctx, `
		INSERT INTO role_assignments (system_id, role, department_id, person_id, valid) VALUES
		($1, 'owner', $2, NULL, '[2024-01-01,)'), ($1, 'administrator', NULL, $3, '[2024-01-01,)')`, id, soc, asa); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Owner.Exec(ctx, `INSERT INTO evaluations (system_id, evaluated_on, legacy) VALUES ($1, current_date - 400, true)`, id); err != nil {
		t.Fatal(err)
	}
	form := "/system/" + itoa(id) + "/utvardering"
	stored := func() int {
		var n int
		_ = h.Owner.QueryRow(ctx, `SELECT (SELECT count(*) FROM evaluations WHERE NOT legacy) + (SELECT count(*) FROM evaluation_drafts)`).Scan(&n)
		return n
	}

	// Overdue: on the start page and Mina system, linking to the form.
	for _, path := range []string{"/", "/mina-system"} {
		if p := emp.Get(path); !strings.Contains(p.Body, "Att utvärdera") || !strings.Contains(p.Body, `href="`+form+`"`) || !strings.Contains(p.Body, "försenad") {
			t.Errorf("%s does not show the overdue evaluation:\n%s", path, p.Body)
		}
	}

	// Someone who is neither the administrator nor IT-enheten: 403, nothing stored.
	other := h.SignedIn(noGroups)
	if resp := other.Get(form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another employee's GET: %d", resp.StatusCode)
	}
	for _, atgard := range []string{"spara", "skicka"} {
		v := evaluationAnswers("1")
		v.Set("atgard", atgard)
		if resp := other.Post(form, v); resp.StatusCode != http.StatusForbidden {
			t.Errorf("another employee's POST %s: %d", atgard, resp.StatusCode)
		}
	}
	if p := other.Get("/system/" + itoa(id)); strings.Contains(p.Body, `href="`+form+`"`) {
		t.Error("another employee is offered the form")
	}

	page := emp.Get(form)
	if page.StatusCode != 200 || !strings.Contains(page.Body, "Utvärdering: Treserva") || !strings.Contains(page.Body, "<legend>Vad föreslår du för systemet?</legend>") {
		t.Fatalf("the form: %d\n%s", page.StatusCode, page.Body)
	}
	basis := basisField.FindStringSubmatch(page.Body)[1]

	// Out of range: field errors on the page, linked from the summary; nothing saved.
	bad := evaluationAnswers(basis)
	bad.Set("users_count", "1000001")
	bad.Set("support_score", "9")
	bad.Set("proposed_action", "sälja")
	bad.Set("cooperation", strings.Repeat("x", 5001))
	for _, atgard := range []string{"spara", "skicka"} {
		bad.Set("atgard", atgard)
		resp := emp.Post(form, bad)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad answers (%s): %d", atgard, resp.StatusCode)
		}
		for _, want := range []string{`href="#users_count"`, `href="#support_score"`, `href="#proposed_action"`, `href="#cooperation"`,
			`id="users_count-error"`, `aria-describedby="users_count-hint users_count-error"`, `value="1000001"`, "heltal mellan 0 och 1 000 000", "<title>Fel: "} {
			if !strings.Contains(resp.Body, want) {
				t.Errorf("bad answers (%s): the page lacks %s", atgard, want)
			}
		}
	}
	if n := stored(); n != 0 {
		t.Fatalf("bad answers stored %d rows", n)
	}

	// A draft, read back.
	resp := emp.Post(form, url.Values{"users_count": {"12 000"}, "support_comment": {"Halvvägs"}, "atgard": {"spara"}, "basis": {basis}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != form {
		t.Fatalf("draft: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	page = emp.Get(form)
	if !strings.Contains(page.Body, `value="12000"`) || !strings.Contains(page.Body, "Halvvägs") || !strings.Contains(page.Body, "Utkast sparat") || !strings.Contains(page.Body, "Utkastet är sparat") {
		t.Errorf("the draft is not read back:\n%s", page.Body)
	}
	if p := emp.Get("/system/" + itoa(id)); !strings.Contains(p.Body, "Fortsätt med utkastet") {
		t.Error("the system page does not offer the draft")
	}

	// Submitted: the system's page, read only and escaped.
	resp = emp.Post(form, evaluationAnswers(basis))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/system/"+itoa(id)) {
		t.Fatalf("submit: %d\n%s", resp.StatusCode, resp.Body)
	}
	var evalID int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM evaluations WHERE NOT legacy`).Scan(&evalID)
	sys := emp.Get("/system/" + itoa(id))
	nextDue := portal.DateOf(time.Now()).AddDate(1, 0, 0).Format("2006-01-02")
	if !strings.Contains(sys.Body, "Utvärderingen är inskickad. Nästa utvärdering ska göras senast "+nextDue) ||
		!strings.Contains(sys.Body, `href="`+form+"/"+itoa(evalID)+`"`) || !strings.Contains(sys.Body, "Utveckla") {
		t.Errorf("the system page after submission:\n%s", sys.Body)
	}
	testkit.AssertInert(t, "system page", sys.Body)
	read := h.SignedIn(portaltest.Requester).Get(form + "/" + itoa(evalID))
	if read.StatusCode != 200 || !strings.Contains(read.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(read.Body, `name="atgard"`) {
		t.Errorf("the evaluation page: %d\n%s", read.StatusCode, read.Body)
	}
	testkit.AssertInert(t, "evaluation page", read.Body)
	hist := emp.Get("/system/" + itoa(id) + "/historik")
	if !strings.Contains(hist.Body, "Utvärdering "+portal.DateOf(time.Now()).Format("2006-01-02")) || !strings.Contains(hist.Body, "&lt;/textarea&gt;") {
		t.Errorf("the printable history lacks the evaluation:\n%s", hist.Body)
	}
	testkit.AssertInert(t, "history page", hist.Body)
	if p := emp.Get("/"); strings.Contains(p.Body, "Att utvärdera") {
		t.Error("the start page still asks for the evaluation")
	}

	// A second submission from a form opened before: told, not stored.
	again := emp.Post(form, evaluationAnswers(basis))
	if again.StatusCode != http.StatusConflict || !strings.Contains(again.Body, "utvärderades redan") || !strings.Contains(again.Body, "350") {
		t.Errorf("a stale submission: %d\n%s", again.StatusCode, again.Body)
	}
	if n := stored(); n != 1 {
		t.Errorf("%d rows after a stale submission", n)
	}
	// The next form starts from the answers just given.
	if p := emp.Get(form); !strings.Contains(p.Body, "Svaren är ifyllda från förra utvärderingen") || !strings.Contains(p.Body, `value="350"`) {
		t.Errorf("prefill:\n%s", p.Body)
	}

	// The interval: IT-enheten only, 1–12 months.
	interval := "/system/" + itoa(id) + "/utvarderingsintervall"
	if resp := emp.Post(interval, url.Values{"interval": {"6"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the administrator set the interval: %d", resp.StatusCode)
	}
	it := h.SignedIn(itUnit)
	for _, v := range []string{"13", "0", "sex", ""} {
		resp := it.Post(interval, url.Values{"interval": {v}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "mellan 1 och 12 månader") || !strings.Contains(resp.Body, `href="#interval"`) {
			t.Errorf("interval %q: %d", v, resp.StatusCode)
		}
	}
	if resp := it.Post(interval, url.Values{"interval": {"6"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("interval 6: %d", resp.StatusCode)
	}
	sixMonths := portal.EvaluationDue(ptr(portal.DateOf(time.Now())), time.Now(), 6).Format("2006-01-02")
	if p := it.Get("/system/" + itoa(id)); !strings.Contains(p.Body, "Minst var 6 månader") || !strings.Contains(p.Body, sixMonths) {
		t.Errorf("after the interval change:\n%s", p.Body)
	}

	// The overview: counts per department, the list, the CSV.
	if resp := emp.Get("/utvarderingar"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an employee's overview: %d", resp.StatusCode)
	}
	ov := it.Get("/utvarderingar")
	if ov.StatusCode != 200 || !strings.Contains(ov.Body, `<th scope="row">Socialförvaltningen</th><td>0</td><td>0</td><td>1</td>`) {
		t.Errorf("overview:\n%s", ov.Body)
	}
	if p := it.Get("/utvarderingar?ar=tjugo&fran=2026-13-01"); p.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `href="#ar"`) || !strings.Contains(p.Body, `href="#fran"`) {
		t.Errorf("a bad period: %d", p.StatusCode)
	}
	csv := it.Get("/utvarderingar.csv")
	if csv.StatusCode != 200 || !strings.Contains(csv.Body, "Förvaltning;System;Systemförvaltare;Status") || !strings.Contains(csv.Body, "Socialförvaltningen;Treserva;") {
		t.Fatalf("csv: %d\n%s", csv.StatusCode, csv.Body)
	}
	for _, want := range []string{`'=HYPERLINK(`, `'-2+3+cmd`} {
		if !strings.Contains(csv.Body, want) {
			t.Errorf("the CSV does not neutralise %s:\n%s", want, csv.Body)
		}
	}
	if x := it.Get("/utvarderingar.xlsx"); x.StatusCode != 200 || !strings.HasPrefix(x.Body, "PK") {
		t.Errorf("xlsx: %d", x.StatusCode)
	}

	// The hostile corpus in the fields of a draft: refused with a message
	// or stored, and shown inert either way.
	saved := 0
	for _, v := range testkit.Hostile(t) {
		for _, users := range []string{v, "10"} { // shown back with an error, and stored
			resp := emp.Post(form, url.Values{"support_comment": {v}, "coordination": {v}, "users_count": {users}, "atgard": {"spara"}})
			switch resp.StatusCode {
			case http.StatusSeeOther:
				saved++
			case http.StatusUnprocessableEntity, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			default:
				t.Errorf("draft with %.40q: %d", v, resp.StatusCode)
			}
			testkit.AssertInert(t, "draft response", resp.Body)
		}
		testkit.AssertInert(t, "form with a hostile draft", emp.Get(form).Body)
	}
	if saved < 30 {
		t.Errorf("only %d hostile drafts were stored", saved)
	}
}

func ptr[T any](v T) *T { return &v }

// TestEvaluationOverviewCountsPerDepartment: systems of two departments in
// every state; the counts, the department filter and the period.
func TestEvaluationOverviewCountsPerDepartment(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	if _, err := h.Owner.Exec(ctx, `
		WITH s AS (
			INSERT INTO systems (name, lifecycle) VALUES ('A-sys', 'i_drift'), ('B-sys', 'i_drift'), ('C-sys', 'i_drift'),
				('D-sys', 'under_avveckling'), ('E-sys', 'planerad') RETURNING id, name
		)
		INSERT INTO role_assignments (system_id, role, department_id, valid)
		SELECT s.id, 'owner', d.id, '[2024-01-01,)' FROM s JOIN departments d
		  ON d.short_name = CASE WHEN s.name IN ('A-sys', 'B-sys') THEN 'SOC' ELSE 'KLF' END;
		INSERT INTO evaluations (system_id, evaluated_on, legacy)
		SELECT id, CASE name WHEN 'A-sys' THEN current_date - 400 WHEN 'B-sys' THEN current_date - 5
		                     WHEN 'C-sys' THEN current_date - 360 ELSE current_date - 700 END, true
		FROM systems`); err != nil {
		t.Fatal(err)
	}
	it := h.SignedIn(itUnit)
	from := portal.DateOf(time.Now()).AddDate(0, 0, -30).Format("2006-01-02")
	to := portal.DateOf(time.Now()).AddDate(0, 0, 30).Format("2006-01-02")
	ov := it.Get("/utvarderingar?fran=" + from + "&till=" + to)
	// SOC: A overdue, B done. KLF: C due within the period, D overdue; E is planned.
	for _, want := range []string{
		`<th scope="row">Kommunledningsförvaltningen</th><td>1</td><td>1</td><td>0</td>`,
		`<th scope="row">Socialförvaltningen</th><td>0</td><td>1</td><td>1</td>`,
		`<th scope="row">Totalt</th><td>1</td><td>2</td><td>1</td>`,
	} {
		if !strings.Contains(ov.Body, want) {
			t.Errorf("overview lacks %s:\n%s", want, ov.Body)
		}
	}
	if strings.Contains(ov.Body, "E-sys") {
		t.Error("a planned system is listed")
	}
	var soc int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM departments WHERE short_name = 'SOC'`).Scan(&soc)
	one := it.Get("/utvarderingar.csv?forvaltning=" + itoa(soc) + "&fran=" + from + "&till=" + to)
	if strings.Count(one.Body, "\r\n") != 3 || !strings.Contains(one.Body, "A-sys") || strings.Contains(one.Body, "C-sys") {
		t.Errorf("SOC's CSV:\n%s", one.Body)
	}
}
