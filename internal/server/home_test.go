package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"itportal/internal/portaltest"
	"itportal/internal/testkit"
)

// section is the start page's section with the data-testid, "" when the
// page has none.
func section(body, testid string) string {
	i := strings.Index(body, `data-testid="`+testid+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		return rest[:j]
	}
	return rest
}

// startPageData gives the employee (Åsa) a system with an overdue
// evaluation, a submitted case and two staff (one of whom acknowledged the
// one document to acknowledge), and makes one case 40 days old.
func startPageData(t *testing.T, h *portaltest.Portal) (system int64) {
	t.Helper()
	ctx := context.Background()
	emp, adm := h.SignedIn(employee), h.SignedIn(admin)
	h.SignedIn(portaltest.Requester)
	h.SignedIn(noGroups)
	asa := personID(t, h, employee.Email)
	var soc int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM departments WHERE short_name = 'SOC'`).Scan(&soc)
	if err := h.Owner.QueryRow(ctx, `INSERT INTO systems (name, lifecycle) VALUES ('Treserva', 'i_drift') RETURNING id`).Scan(&system); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Owner.Exec(ctx, `
		INSERT INTO role_assignments (system_id, role, department_id, person_id, valid) VALUES
		($1, 'owner', $2, NULL, '[2024-01-01,)'), ($1, 'administrator', NULL, $3, '[2024-01-01,)')`, system, soc, asa); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Owner.Exec(ctx, `INSERT INTO evaluations (system_id, evaluated_on, legacy) VALUES ($1, current_date - 400, true)`, system); err != nil {
		t.Fatal(err)
	}
	path := fileCase(t, emp, "inforande", introductionForm(h, t, "Bokningssystemet"))
	if _, err := h.Owner.Exec(ctx, `UPDATE requests SET submitted_at = now() - interval '40 days' WHERE id = $1`, strings.TrimPrefix(path, "/arenden/")); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Owner.Exec(ctx, `UPDATE people SET manager_id = $1 WHERE email IN ($2, $3)`, asa, portaltest.Requester.Email, noGroups.Email); err != nil {
		t.Fatal(err)
	}
	adm.Post("/admin/styrdokument", url.Values{"title": {"Regler för IT-säkerhet"}, "kind": {"regler"}, "fixed_by": {"kommunchefen"},
		"audience_all": {"ja"}, "must_acknowledge": {"ja"}})
	publish(t, adm, "regler-for-it-sakerhet", "# Regler\n", true)
	if _, err := h.Owner.Exec(ctx, `INSERT INTO acknowledgements (person_id, version_id, sha256)
		SELECT p.id, v.id, v.sha256 FROM people p, document_versions v WHERE p.email = $1`, portaltest.Requester.Email); err != nil {
		t.Fatal(err)
	}
	h.Recompute() // evaluations, receipts and ages were written outside the portal
	return system
}

// TestStartPagePerRole: every persona's start page answers what needs
// them today. The employee gets the register search, Nytt ärende, their
// system with the evaluation to do and their case; as a manager, their
// staff's acknowledgements as "1 av 2"; IT-enheten the open cases by state
// and age, the breaches by rule and the overdue evaluations; an
// administrator the jobs waiting and failed. IT-enheten's queue is also a
// chart: an SVG with a title and a description that says its numbers,
// beside the table. Nobody sees another role's
// sections.
func TestStartPagePerRole(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	system := startPageData(t, h)

	emp := h.SignedIn(employee).Get("/")
	for _, want := range []string{`action="/system"`, `name="q"`, `href="/arenden/nytt"`, "Att kvittera", "Regler för IT-säkerhet"} {
		if !strings.Contains(emp.Body, want) {
			t.Errorf("employee's start page lacks %s", want)
		}
	}
	if s := section(emp.Body, "home-systems"); !strings.Contains(s, `href="/system/`+itoa(system)+`"`) || !strings.Contains(s, "Treserva") ||
		!strings.Contains(s, `data-testid="home-todo"`) {
		t.Errorf("employee's systems:\n%s", s)
	}
	if s := section(emp.Body, "home-cases"); !strings.Contains(s, "Införa") && !strings.Contains(s, "Bokningssystemet") {
		t.Errorf("employee's cases:\n%s", s)
	}
	if s := section(emp.Body, "home-staff"); !strings.Contains(s, "Regler för IT-säkerhet, version 1") || !strings.Contains(s, `data-testid="staff-done">1 av 2<`) {
		t.Errorf("manager's staff acknowledgements:\n%s", s)
	}
	for _, other := range []string{"home-queue", "home-rules", "home-jobs"} {
		if section(emp.Body, other) != "" {
			t.Errorf("the employee sees %s", other)
		}
	}

	it := h.SignedIn(itUnit).Get("/")
	q := section(it.Body, "home-queue")
	if !strings.Contains(q, "1 ärende är öppet.") {
		t.Errorf("queue summary:\n%s", q)
	}
	if !strings.Contains(q, `<th scope="row">Inskickat</th><td class="count">0</td><td class="count">0</td><td class="count">1</td><td class="count">1</td>`) {
		t.Errorf("queue by state and age: the 40-day-old case is not over 30 days:\n%s", q)
	}
	// The chart: an accessible SVG beside the table, its text saying the numbers.
	for _, want := range []string{`<svg role="img" aria-labelledby="ko-titel ko-beskrivning"`, `data-testid="queue-chart"`,
		`<title id="ko-titel">Öppna ärenden per status och ålder</title>`,
		"Inskickat: 1 (0 på 0–7 dagar, 0 på 8–30 dagar, 1 över 30 dagar)", `class="chart-older"`} {
		if !strings.Contains(q, want) {
			t.Errorf("queue chart lacks %s:\n%s", want, q)
		}
	}
	testkit.AssertInert(t, "IT-enheten's start page", it.Body)
	if strings.Contains(emp.Body, "<svg") {
		t.Error("the employee's start page has a chart of the queue")
	}
	if r := section(it.Body, "home-rules"); !strings.Contains(r, `href="/efterlevnad/r12"`) || !strings.Contains(r, "1 system har en försenad utvärdering") {
		t.Errorf("IT-enheten's rules:\n%s", r)
	}
	for _, other := range []string{"home-staff", "home-jobs"} {
		if section(it.Body, other) != "" {
			t.Errorf("IT-enheten sees %s", other)
		}
	}

	adm := h.SignedIn(admin).Get("/")
	if j := section(adm.Body, "home-jobs"); !strings.Contains(j, "väntar") || !strings.Contains(j, "gav upp") || !strings.Contains(j, `href="/admin/jobb"`) {
		t.Errorf("administrator's jobs:\n%s", j)
	}
	if section(adm.Body, "home-queue") != "" {
		t.Error("the administrator sees the work queue")
	}
	if section(h.SignedIn(portaltest.Requester).Get("/").Body, "home-staff") != "" {
		t.Error("someone who manages nobody sees a staff section")
	}
}
