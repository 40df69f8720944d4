package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"itportal/internal/testkit"
)

// TestEvaluationsInTimeChart: IT-enheten's /utvarderingar shows, per
// department owning systems today, the share of systems in operation
// whose evaluation is not overdue: an SVG chart with a title and a
// description saying every number, and the same numbers in a table
// beside it. Planned systems do not count; systems without an owner are
// their own row.
func TestEvaluationsInTimeChart(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	if _, err := h.Owner.Exec(ctx, `
		WITH s AS (
			INSERT INTO systems (name, lifecycle) VALUES ('A-sys', 'i_drift'), ('B-sys', 'i_drift'), ('C-sys', 'i_drift'),
				('D-sys', 'under_avveckling'), ('E-sys', 'planerad'), ('G-sys', 'i_drift') RETURNING id, name
		)
		INSERT INTO role_assignments (system_id, role, department_id, valid)
		SELECT s.id, 'owner', d.id, '[2024-01-01,)' FROM s JOIN departments d
		  ON d.short_name = CASE WHEN s.name IN ('A-sys', 'B-sys') THEN 'SOC' ELSE 'KLF' END;
		INSERT INTO systems (name, lifecycle) VALUES ('H-sys', 'i_drift');
		INSERT INTO evaluations (system_id, evaluated_on, legacy)
		SELECT id, CASE name WHEN 'A-sys' THEN current_date - 400 WHEN 'B-sys' THEN current_date - 5
		                     WHEN 'C-sys' THEN current_date - 360 WHEN 'D-sys' THEN current_date - 700 ELSE current_date - 10 END, true
		FROM systems`); err != nil {
		t.Fatal(err)
	}
	page := h.SignedIn(itUnit).Get("/utvarderingar")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("/utvarderingar: %d", page.StatusCode)
	}
	// SOC: A overdue, B in time. KLF: C and G in time, D overdue; E is
	// planned. H has no owner and is in time.
	table := section(page.Body, "evaluations-in-time")
	for _, want := range []string{
		`<th scope="row">Kommunledningsförvaltningen</th><td class="count">3</td><td class="count">2</td><td class="count">66 %</td>`,
		`<th scope="row">Socialförvaltningen</th><td class="count">2</td><td class="count">1</td><td class="count">50 %</td>`,
		`<th scope="row">Saknar systemägare</th><td class="count">1</td><td class="count">1</td><td class="count">100 %</td>`,
		`data-testid="evaluation-chart"`, `role="img"`, `<title id="evaluation-chart-titel">Utvärderingar i tid per förvaltning</title>`,
		"Kommunledningsförvaltningen 66 procent, 2 av 3 system i tid; Socialförvaltningen 50 procent, 1 av 2 system i tid; Saknar systemägare 100 procent, 1 av 1 system i tid.",
		">66 % (2 av 3)</text>",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the evaluations in time lack %s:\n%s", want, table)
		}
	}
	testkit.AssertInert(t, "/utvarderingar", page.Body)
}

// TestAcknowledgementRateChart: /efterlevnad/kvittenser shows IT-enheten
// the share who have acknowledged, per document and department, as an SVG
// chart grouped by document (a description saying every number) beside
// the table of the same numbers. A manager, who sees only their staff,
// gets no chart.
func TestAcknowledgementRateChart(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	emp := h.SignedIn(employee)
	adm := h.SignedIn(admin)
	file := "Anställningsnummer;Förnamn;Efternamn;E-post;Förvaltning;Chef e-post;Anställd från;Anställd till\n" +
		"E1;Åsa;Öberg;" + employee.Email + ";SOC;;2015-01-01;\n" +
		"S1;Sven;Svensson;sven@example.lillaedet.se;SOC;" + employee.Email + ";2020-01-01;\n" +
		"S2;Stina;Nilsson;stina@example.lillaedet.se;SOC;" + employee.Email + ";2021-01-01;\n" +
		"S3;Olle;Annan;olle@example.lillaedet.se;KLF;;2022-01-01;\n"
	dry := adm.Upload("/admin/personal/import", "file", "personal.csv", []byte(file))
	upload := strings.Split(strings.Split(dry.Body, `name="upload" value="`)[1], `"`)[0]
	if resp := adm.Post("/admin/personal/import/bekrafta", url.Values{"upload": {upload}}); resp.StatusCode != 200 {
		t.Fatalf("import: %d\n%s", resp.StatusCode, resp.Body)
	}
	for _, d := range []struct{ title, slug string }{{"Regler för IT-säkerhet", "regler-for-it-sakerhet"}, {"Informationssäkerhetspolicy", "informationssakerhetspolicy"}} {
		adm.Post("/admin/styrdokument", url.Values{"title": {d.title}, "kind": {"regler"}, "fixed_by": {"kommunchefen"},
			"audience_all": {"ja"}, "must_acknowledge": {"ja"}})
		publish(t, adm, d.slug, "# Regler\n", true)
	}
	// Sven acknowledges both, Stina and Olle the policy.
	if _, err := h.Owner.Exec(ctx, `INSERT INTO acknowledgements (person_id, version_id, sha256)
		SELECT p.id, v.id, v.sha256 FROM people p, document_versions v JOIN documents d ON d.id = v.document_id
		WHERE p.employee_number = 'S1' OR (p.employee_number IN ('S2', 'S3') AND d.slug = 'informationssakerhetspolicy')`); err != nil {
		t.Fatal(err)
	}
	h.Recompute() // the receipts were written outside the portal
	page := h.SignedIn(itUnit).Get("/efterlevnad/kvittenser")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("follow-up: %d", page.StatusCode)
	}
	for _, want := range []string{
		"<td>Informationssäkerhetspolicy, version 1</td><td>Socialförvaltningen</td><td>3</td><td>2</td><td>1</td><td>66 %</td>",
		"<td>Regler för IT-säkerhet, version 1</td><td>Socialförvaltningen</td><td>3</td><td>1</td><td>2</td><td>33 %</td>",
		`data-testid="ack-chart"`, `<title id="ack-chart-titel">Kvittensgrad per förvaltning och dokument</title>`,
		"Informationssäkerhetspolicy, version 1: ", "Socialförvaltningen 66 procent, 2 av 3 har kvitterat",
		"Regler för IT-säkerhet, version 1: ", "Socialförvaltningen 33 procent, 1 av 3 har kvitterat",
		`class="chart-label chart-group">Regler för IT-säkerhet, version 1</text>`, ">33 % (1 av 3)</text>",
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the follow-up lacks %s", want)
		}
	}
	testkit.AssertInert(t, "/efterlevnad/kvittenser", page.Body)
	if mine := emp.Get("/efterlevnad/kvittenser"); mine.StatusCode != http.StatusOK || strings.Contains(mine.Body, `data-testid="ack-chart"`) {
		t.Errorf("the manager's view: %d, chart shown: %v", mine.StatusCode, strings.Contains(mine.Body, `data-testid="ack-chart"`))
	}
}
