package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"itportal/internal/portal"
)

// TestImportPreviewShowsWhatChanges: before the import is confirmed the
// preview shows every changed value old → new, the day the role changes
// take effect, the people it creates and in which department (or that one
// is needed), and filters the rows to only changes or only errors. The
// people get that department when the import is confirmed.
func TestImportPreviewShowsWhatChanges(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	ctx := context.Background()
	if _, err := h.Owner.Exec(ctx, `INSERT INTO systems (name, supplier, lifecycle) VALUES ('Ekonomi', 'Unit4', 'i_drift'), ('Orört', '', 'i_drift')`); err != nil {
		t.Fatal(err)
	}
	it := h.SignedIn(itUnit)
	head := "Systemnamn;Systemägare;Systemförvaltare;Systemförvaltare e-post;Leverantör;Livscykel\r\n"
	rows := "Ekonomi;Socialförvaltningen;Nya Nilsson;nya.nilsson@example.lillaedet.se;Visma;Under avveckling\r\n" +
		"Utan ägare;;Olle Ovald;olle.ovald@example.lillaedet.se;;\r\n" +
		"Orört;;;;;\r\n"
	bad := "Felraden;;;;;Okänd\r\n"
	resp := it.Upload("/system/import", "file", "register.csv", []byte(head+rows+bad))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dry run: %d\n%s", resp.StatusCode, resp.Body)
	}
	for _, want := range []string{
		"Leverantör: <del>Unit4</del> → <ins>Visma</ins>",
		"Livscykel: <del>I drift</del> → <ins>Under avveckling</ins>",
		"Systemägare: <del>(tomt)</del> → <ins>Socialförvaltningen</ins>",
		"Systemförvaltare: <del>(tomt)</del> → <ins>Nya Nilsson</ins>",
		"rollbyten gäller från och med " + portal.Today().Format("2006-01-02"),
		"Personer som skapas",
	} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	people := between(resp.Body, "<caption>Personer som skapas</caption>", "</table>")
	if !regexp.MustCompile(`Nya Nilsson</td><td>nya.nilsson@example.lillaedet.se</td><td>Socialförvaltningen</td>`).MatchString(people) ||
		!regexp.MustCompile(`Olle Ovald</td><td>olle.ovald@example.lillaedet.se</td><td><strong class="missing">Behöver en förvaltning</strong>`).MatchString(people) {
		t.Errorf("the people created and their departments:\n%s", people)
	}
	upload := regexp.MustCompile(`/system/import/granska\?fil=(\d+)&amp;visa=fel`).FindStringSubmatch(resp.Body)
	if upload == nil {
		t.Fatalf("no filter links:\n%s", resp.Body)
	}
	onlyErrors := it.Get("/system/import/granska?fil=" + upload[1] + "&visa=fel")
	table := between(onlyErrors.Body, "<caption class=\"visually-hidden\">Rader i filen</caption>", "</table>")
	if onlyErrors.StatusCode != 200 || !strings.Contains(table, "Felraden") || strings.Contains(table, "Ekonomi") || strings.Contains(table, "Orört") {
		t.Errorf("only errors: %d\n%s", onlyErrors.StatusCode, table)
	}
	onlyChanges := it.Get("/system/import/granska?fil=" + upload[1] + "&visa=andringar")
	table = between(onlyChanges.Body, "<caption class=\"visually-hidden\">Rader i filen</caption>", "</table>")
	if !strings.Contains(table, "Ekonomi") || !strings.Contains(table, "Utan ägare") || strings.Contains(table, "Orört") || strings.Contains(table, "Felraden") {
		t.Errorf("only changes:\n%s", table)
	}
	if r := it.Get("/system/import/granska?fil=" + upload[1] + "&visa=allt"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown filter: %d", r.StatusCode)
	}
	if r := h.SignedIn(itHead).Get("/system/import/granska?fil=" + upload[1]); r.StatusCode != http.StatusNotFound {
		t.Errorf("another person's upload: %d, want 404", r.StatusCode)
	}

	// Without the bad row the import is confirmed: the new people get the
	// row's owner department, or none.
	resp = it.Upload("/system/import", "file", "register.csv", []byte(head+rows))
	id := regexp.MustCompile(`name="upload" value="(\d+)"`).FindStringSubmatch(resp.Body)
	if id == nil {
		t.Fatalf("cannot confirm:\n%s", resp.Body)
	}
	if resp := it.Post("/system/import/bekrafta", url.Values{"upload": {id[1]}}); !strings.Contains(resp.Body, "Importen är klar") {
		t.Fatalf("commit: %d\n%s", resp.StatusCode, resp.Body)
	}
	var nya, olle string
	_ = h.Pool.QueryRow(ctx, `SELECT COALESCE(d.name, '') FROM people p LEFT JOIN departments d ON d.id = p.department_id WHERE p.email = 'nya.nilsson@example.lillaedet.se'`).Scan(&nya)
	_ = h.Pool.QueryRow(ctx, `SELECT COALESCE(d.name, '') FROM people p LEFT JOIN departments d ON d.id = p.department_id WHERE p.email = 'olle.ovald@example.lillaedet.se'`).Scan(&olle)
	if nya != "Socialförvaltningen" || olle != "" {
		t.Errorf("departments of the people created: %q, %q", nya, olle)
	}
}
