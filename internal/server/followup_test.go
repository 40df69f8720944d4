package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"itportal/internal/portaltest"
)

// TestStaffImportAndFollowUp: the HR export imported through the page makes
// the employee (who signed in before) a manager of two; after a document is
// published and one of them acknowledges, the manager sees their own staff
// with the status, IT-enheten sees the departments, others are refused;
// evidence is per person, for the person's manager only.
func TestStaffImportAndFollowUp(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	emp := h.SignedIn(employee)
	adm := h.SignedIn(admin)
	file := "Anställningsnummer;Förnamn;Efternamn;E-post;Förvaltning;Chef e-post;Anställd från;Anställd till\n" +
		"E1;Åsa;Öberg-O'Connor;" + employee.Email + ";SOC;;2015-01-01;\n" +
		"S1;Sven;Svensson;sven@example.lillaedet.se;SOC;" + employee.Email + ";2020-01-01;\n" +
		"S2;=cmd|' /C calc'!A0;Nilsson;stina@example.lillaedet.se;SOC;" + employee.Email + ";2021-01-01;\n" +
		"M2;Maja;Chef;maja@example.lillaedet.se;KLF;;2010-01-01;\n" +
		"S3;Olle;Annan;olle@example.lillaedet.se;KLF;maja@example.lillaedet.se;2022-01-01;\n" +
		"S4;Gustav;Slutat;gustav@example.lillaedet.se;KLF;maja@example.lillaedet.se;2010-01-01;2020-12-31\n"
	if resp := emp.Upload("/admin/personal/import", "file", "personal.csv", []byte(file)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an employee importing staff: %d", resp.StatusCode)
	}
	dry := adm.Upload("/admin/personal/import", "file", "personal.csv", []byte(file))
	if dry.StatusCode != 200 || !strings.Contains(dry.Body, "Förhandsgranskning (personer): nya 5, ändras 1") || !strings.Contains(dry.Body, "Anställningen har upphört") {
		t.Fatalf("dry run: %d\n%s", dry.StatusCode, dry.Body)
	}
	upload := strings.Split(strings.Split(dry.Body, `name="upload" value="`)[1], `"`)[0]
	if resp := adm.Post("/admin/personal/import/bekrafta", url.Values{"upload": {upload}}); resp.StatusCode != 200 || !strings.Contains(resp.Body, "Importen är klar") {
		t.Fatalf("import: %d\n%s", resp.StatusCode, resp.Body)
	}
	var ended bool
	_ = h.Owner.QueryRow(ctx, `SELECT NOT active FROM people WHERE employee_number = 'S4'`).Scan(&ended)
	if !ended {
		t.Error("an ended employment left the person active")
	}

	// A document everyone must acknowledge; Sven acknowledges.
	adm.Post("/admin/styrdokument", url.Values{"title": {"Regler för IT-säkerhet"}, "kind": {"regler"}, "fixed_by": {"kommunchefen"},
		"audience_all": {"ja"}, "must_acknowledge": {"ja"}})
	publish(t, adm, "regler-for-it-sakerhet", "# Regler\n", true)
	if _, err := h.Owner.Exec(ctx, `INSERT INTO acknowledgements (person_id, version_id, sha256)
		SELECT p.id, v.id, v.sha256 FROM people p, document_versions v WHERE p.employee_number = 'S1'`); err != nil {
		t.Fatal(err)
	}
	h.Recompute() // the receipt was written outside the portal
	mine := emp.Get("/efterlevnad/kvittenser")
	if mine.StatusCode != 200 || !strings.Contains(mine.Body, "Sven Svensson") || !strings.Contains(mine.Body, "Kvitterat ") ||
		!strings.Contains(mine.Body, "Inte kvitterat") || strings.Contains(mine.Body, "Olle Annan") || strings.Contains(mine.Body, "Per förvaltning") {
		t.Fatalf("the manager's view: %d\n%s", mine.StatusCode, mine.Body)
	}
	csv := emp.Get("/efterlevnad/kvittenser.csv")
	if !strings.Contains(csv.Body, "'=cmd") {
		t.Errorf("a formula in the export is not neutralised:\n%s", csv.Body)
	}
	var sven, olle int64
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM people WHERE employee_number = 'S1'`).Scan(&sven)
	_ = h.Owner.QueryRow(ctx, `SELECT id FROM people WHERE employee_number = 'S3'`).Scan(&olle)
	if ev := emp.Get("/efterlevnad/bevis.csv?person=" + itoa(sven)); ev.StatusCode != 200 || !strings.Contains(ev.Body, "Regler för IT-säkerhet") {
		t.Errorf("evidence for my staff: %d\n%s", ev.StatusCode, ev.Body)
	}
	if ev := emp.Get("/efterlevnad/bevis.csv?person=" + itoa(olle)); ev.StatusCode != http.StatusForbidden {
		t.Errorf("evidence for another manager's staff: %d", ev.StatusCode)
	}
	requester := h.SignedIn(portaltest.Requester)
	if resp := requester.Get("/efterlevnad/kvittenser"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a non-manager's follow-up: %d", resp.StatusCode)
	}
	// The link to it is shown to those it is for, and no one else.
	if page := requester.Get("/min-sida"); strings.Contains(page.Body, `href="/efterlevnad/kvittenser"`) {
		t.Error("Min sida links someone who manages nobody to a page they may not open")
	}
	if page := emp.Get("/min-sida"); !strings.Contains(page.Body, `href="/efterlevnad/kvittenser"`) {
		t.Error("Min sida does not link the manager to the follow-up")
	}
	// IT-enheten: every department, with the counts.
	it := h.SignedIn(itUnit)
	all := it.Get("/efterlevnad/kvittenser")
	if all.StatusCode != 200 || !strings.Contains(all.Body, "Socialförvaltningen</td><td>3</td><td>1</td><td>2</td><td>33 %") {
		t.Errorf("departments:\n%s", all.Body)
	}
	if ev := it.Get("/efterlevnad/bevis.csv?dokument=regler-for-it-sakerhet&version=1"); ev.StatusCode != 200 || strings.Count(ev.Body, "\n") != 2 {
		t.Errorf("evidence for the version: %d\n%s", ev.StatusCode, ev.Body)
	}
}
