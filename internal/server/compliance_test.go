package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"itportal/internal/portal"
	"itportal/internal/testkit"
)

// TestComplianceBoardPages: the board and a drill-down as IT-enheten and as
// an employee: every rule with its section linked into the guideline, the
// breach with its system, department and fix, the time it was computed;
// an employee sees their own department only; bad input is harmless.
func TestComplianceBoardPages(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	it := h.SignedIn(itUnit)
	emp := h.SignedIn(employee) // in SOC
	var soc, klf int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM departments WHERE short_name = 'SOC'`).Scan(&soc)
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM departments WHERE short_name = 'KLF'`).Scan(&klf)
	// The guideline is a governing document in the portal.
	if _, err := h.Owner.Exec(ctx, `
		WITH d AS (INSERT INTO documents (slug, title, kind, fixed_by) VALUES ('riktlinjer-for-it', 'Riktlinjer för IT', 'riktlinje', 'kommunstyrelsen') RETURNING id)
		INSERT INTO document_versions (document_id, number, markdown, html, sha256, effective_date, published_at, published_by, created_by)
		SELECT d.id, 1, 'Text', '<p>Text</p>', repeat('a', 64), '2024-01-01', now(), p.id, p.id FROM d, (SELECT min(id) AS id FROM people) p`); err != nil {
		t.Fatal(err)
	}
	// Two systems without an administrator or operations: one of SOC with
	// a hostile name, one of KLF.
	hostile := `<script>alert("x")</script> & "Treserva" 'o`
	for name, dept := range map[string]int64{hostile: soc, "Ledningens system": klf} {
		if _, err := h.Owner.Exec(ctx, `
			WITH s AS (INSERT INTO systems (name, lifecycle, introduced_before_portal) VALUES ($1, 'i_drift', true) RETURNING id)
			INSERT INTO role_assignments (system_id, role, department_id, valid) SELECT s.id, 'owner', $2, '[2024-01-01,)' FROM s`, name, dept); err != nil {
			t.Fatal(err)
		}
	}
	h.Recompute() // written outside the portal: the periodic recomputation sees it

	page := it.Get("/efterlevnad")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("board: %d\n%s", page.StatusCode, page.Body)
	}
	for _, want := range []string{"R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15", "R16", "R17",
		`href="/efterlevnad/r1"`, `href="/styrdokument/riktlinjer-for-it#:~:text=4.3%20Systemf%C3%B6rvaltare"`,
		"Beräknad " + h.Clock.Now().In(portal.Stockholm).Format("15:04"), "Avvikelser", ">OK<", "Socialförvaltningen", "Kommunledningsförvaltningen",
		`<th scope="col">Regel</th>`, "<caption>"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("board lacks %q", want)
		}
	}
	testkit.AssertInert(t, "board", page.Body)

	drill := it.Get("/efterlevnad/r1")
	if drill.StatusCode != http.StatusOK || !strings.Contains(drill.Body, "4 avvikelser") || !strings.Contains(drill.Body, "Ledningens system") ||
		!strings.Contains(drill.Body, "Systemet saknar driftsansvarig.") || !strings.Contains(drill.Body, "IT-enheten registrerar") {
		t.Fatalf("drill-down: %d\n%s", drill.StatusCode, drill.Body)
	}
	if strings.Contains(drill.Body, hostile) || !strings.Contains(drill.Body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;Treserva&#34;") {
		t.Errorf("the hostile name is not escaped:\n%s", drill.Body)
	}
	testkit.AssertInert(t, "drill-down", drill.Body)
	// IT-enheten filters by department.
	if f := it.Get("/efterlevnad/r1?forvaltning=" + itoa(klf)); !strings.Contains(f.Body, "2 avvikelser") || strings.Contains(f.Body, "&lt;script&gt;") {
		t.Errorf("filtered drill-down:\n%s", f.Body)
	}

	// The employee: their own department, no municipal rule, no filter.
	mine := emp.Get("/efterlevnad")
	if mine.StatusCode != http.StatusOK || !strings.Contains(mine.Body, "Socialförvaltningen") || strings.Contains(mine.Body, "Kommunledningsförvaltningen") ||
		!strings.Contains(mine.Body, "Följs upp av IT-enheten") || strings.Contains(mine.Body, `name="forvaltning"`) {
		t.Errorf("employee's board:\n%s", mine.Body)
	}
	own := emp.Get("/efterlevnad/r1?forvaltning=" + itoa(klf))
	if own.StatusCode != http.StatusOK || strings.Contains(own.Body, "Ledningens system") || !strings.Contains(own.Body, "2 avvikelser") {
		t.Errorf("employee's drill-down shows another department or misses their own:\n%s", own.Body)
	}
	if strings.Contains(own.Body, "/roller?roll=") {
		t.Error("an employee is offered IT-enheten's role form as the fix")
	}
	if r14 := emp.Get("/efterlevnad/r14"); !strings.Contains(r14.Body, "följs upp av IT-enheten") || strings.Contains(r14.Body, `data-testid="breaches"`) || strings.Contains(r14.Body, "(1)") {
		t.Errorf("employee's R14:\n%s", r14.Body)
	}

	// Bad input: ignored or a Swedish 404, never a 500.
	for path, want := range map[string]int{
		// A filter value that cannot be used is named beside the filter,
		// with the board shown without it (400).
		"/efterlevnad?forvaltning=abc":             400,
		"/efterlevnad?forvaltning=-1":              400,
		"/efterlevnad?forvaltning=99999999999999":  200, // no such department: nothing of it to show
		"/efterlevnad/r1?sida=abc":                 400,
		"/efterlevnad/r1?sida=-5&forvaltning=%2B1": 400,
		"/efterlevnad/r1?forvaltning=%00":          400, // NUL is refused everywhere
		"/efterlevnad/r1?sida=999999999999999999":  400,
		"/efterlevnad/R1":                          404,
		"/efterlevnad/r15":                         200, // the contract rules follow R14
		"/efterlevnad/r17":                         200, // the licence rule follows the contract rules
		"/efterlevnad/r1%27%3B--":                  404,
		"/efterlevnad/kvittenser":                  200,
		"/efterlevnad/" + url.PathEscape(hostile):  404,
	} {
		if got := it.Get(path); got.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, got.StatusCode, want)
		} else if want == 400 && !strings.Contains(path, "%00") && (!strings.Contains(got.Body, "Det finns ett problem") || !strings.Contains(got.Body, "R1") && !strings.Contains(got.Body, "Efterlevnad")) {
			t.Errorf("%s: no message, or no board:\n%s", path, got.Body)
		} else if want == 404 && !strings.Contains(got.Body, "finns inte") {
			t.Errorf("%s: the 404 page is not Swedish:\n%s", path, got.Body)
		}
	}
}

// TestComplianceStartPageAndFix: IT-enheten's start page is the board per
// department; a fix made in the portal shows at once; a missing role
// change notification is sent again from the drill-down.
func TestComplianceStartPageAndFix(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	it := h.SignedIn(itUnit)
	emp := h.SignedIn(employee)
	var soc int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM departments WHERE short_name = 'SOC'`).Scan(&soc)
	var sys int64
	if err := h.Owner.QueryRow(ctx, `
		WITH s AS (INSERT INTO systems (name, lifecycle, introduced_before_portal) VALUES ('Treserva', 'i_drift', true) RETURNING id),
		     o AS (INSERT INTO role_assignments (system_id, role, department_id, valid) SELECT s.id, 'owner', $1, '[2024-01-01,)' FROM s),
		     a AS (INSERT INTO role_assignments (system_id, role, operator, valid) SELECT s.id, 'operations', 'IT-enheten', '[2024-01-01,)' FROM s)
		SELECT id FROM s`, soc).Scan(&sys); err != nil {
		t.Fatal(err)
	}
	h.Recompute()

	home := it.Get("/")
	if !strings.Contains(home.Body, `data-testid="compliance-departments"`) || !strings.Contains(home.Body, "R1: 1") {
		t.Errorf("IT-enheten's start page lacks the board:\n%s", home.Body)
	}
	if strings.Contains(emp.Get("/").Body, `data-testid="compliance-departments"`) {
		t.Error("an employee's start page shows the board")
	}
	// The system page shows its own breach, from the board's checks.
	if p := emp.Get("/system/" + itoa(sys)); !strings.Contains(p.Body, "R1 (§4.3)") || !strings.Contains(p.Body, "Systemet saknar systemförvaltare.") {
		t.Errorf("system page:\n%s", p.Body)
	}

	// IT-enheten appoints an administrator: the board shows it at once.
	var person int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM people WHERE email = $1`, employee.Email).Scan(&person)
	form := it.Get("/system/" + itoa(sys) + "/roller?roll=administrator")
	version := regexp.MustCompile(`name="row_version" value="(\d+)"`).FindStringSubmatch(form.Body)
	if version == nil {
		t.Fatalf("role form:\n%s", form.Body)
	}
	if resp := it.Post("/system/"+itoa(sys)+"/roller", url.Values{"roll": {"administrator"}, "holder": {itoa(person)}, "from": {"2025-01-01"}, "row_version": {version[1]}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("role change: %d\n%s", resp.StatusCode, resp.Body)
	}
	if b := it.Get("/efterlevnad/r1"); !strings.Contains(b.Body, "Inga avvikelser") {
		t.Errorf("the board still shows the fixed breach:\n%s", b.Body)
	}

	// A role change whose notification vanished: R3, sent again.
	if _, err := h.Owner.Exec(ctx, `UPDATE role_assignments SET valid = daterange(lower(valid), '2025-06-01') WHERE system_id = $1 AND role = 'operations'`, sys); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, operator, valid, created_by, created_at)
		VALUES ($1, 'operations', 'CGI', '[2025-06-01,)', $2, now() - interval '2 hours')`, sys, person); err != nil {
		t.Fatal(err)
	}
	h.Recompute()
	r3 := it.Get("/efterlevnad/r3")
	m := regexp.MustCompile(`name="rollbyte" value="(\d+)"`).FindStringSubmatch(r3.Body)
	if m == nil || !strings.Contains(r3.Body, "ingen avisering skickades") {
		t.Fatalf("R3 drill-down:\n%s", r3.Body)
	}
	if strings.Contains(emp.Get("/efterlevnad/r3").Body, `name="rollbyte"`) {
		t.Error("an employee is offered to send the notification")
	}
	if resp := emp.Post("/efterlevnad/r3/avisera", url.Values{"rollbyte": {m[1]}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an employee renotified: %d", resp.StatusCode)
	}
	if resp := it.Post("/efterlevnad/r3/avisera", url.Values{"rollbyte": {"x"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a bad id: %d", resp.StatusCode)
	}
	resp := it.Post("/efterlevnad/r3/avisera", url.Values{"rollbyte": {m[1]}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/efterlevnad/r3" {
		t.Fatalf("renotify: %d", resp.StatusCode)
	}
	after := it.Get("/efterlevnad/r3")
	if !strings.Contains(after.Body, "Aviseringen om rollbytet skickas") || !strings.Contains(after.Body, "väntat i kön") {
		t.Errorf("after renotifying:\n%s", after.Body)
	}
	var jobs int
	_ = h.Owner.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notify_role_change' AND args @> jsonb_build_object('assignment_ids', jsonb_build_array($1::bigint))`, m[1]).Scan(&jobs)
	if jobs != 1 {
		t.Errorf("%d notify jobs for the role change", jobs)
	}
}

// BenchmarkComplianceBoardPage renders /efterlevnad in-process with 2,000
// breaches on the board (computed once, then kept for the minute): the
// portal's own cost of a board view, for CPU profiles.
func BenchmarkComplianceBoardPage(b *testing.B) {
	h := newPortal(b)
	if _, err := h.Owner.Exec(b.Context(), `
		WITH s AS (INSERT INTO systems (name, lifecycle, introduced_before_portal) SELECT 'System ' || g, 'i_drift', true FROM generate_series(1, 2000) g RETURNING id)
		INSERT INTO role_assignments (system_id, role, department_id, valid)
		SELECT s.id, 'owner', (SELECT min(id) FROM departments), '[2024-01-01,)' FROM s`); err != nil {
		b.Fatal(err)
	}
	browser := h.SignedIn(itUnit)
	handler := h.Srv.Config.Handler
	cookie := browser.Cookie("itportal_session")
	for _, path := range []string{"/efterlevnad", "/efterlevnad/r1", "/"} {
		b.Run(path, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.AddCookie(cookie)
				w := httptest.NewRecorder()
				handler.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
