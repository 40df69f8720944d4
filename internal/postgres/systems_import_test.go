package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/registerfile"
	"itportal/internal/sheet"
	"itportal/internal/testkit"
)

func parse(t *testing.T, data []byte) registerfile.File {
	t.Helper()
	f, err := registerfile.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../testdata/register/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func count(t *testing.T, db testkit.DB, q string) int {
	t.Helper()
	var n int
	if err := db.Pool(t).QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportSamplesIntoAnEmptyInstallation: the municipality starts from its
// Excel file alone: the dry run lists the departments to create and changes
// nothing; the import accounts for every row; re-importing changes nothing.
func TestImportSamplesIntoAnEmptyInstallation(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"systemregister.xlsx", "systemregister.csv"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newRegisterEmpty(t)
			ctx := context.Background()
			file := parse(t, sample(t, name))

			dry, err := f.svc.Import(ctx, f.it, file, postgres.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !dry.CanCreateDepartments || len(dry.NewDepartments) != 5 {
				t.Fatalf("dry run offers departments %v (can create %v), want the five", dry.NewDepartments, dry.CanCreateDepartments)
			}
			if dry.Committed || count(t, f.db, `SELECT count(*) FROM systems`) != 0 || count(t, f.db, `SELECT count(*) FROM departments`) != 0 {
				t.Fatal("the dry run changed something")
			}
			res, err := f.svc.Import(ctx, f.it, file, postgres.ImportOptions{Commit: true, CreateDepartments: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Rows {
				if len(r.Errors) > 0 {
					t.Errorf("row %d (%s): %v", r.Line, r.Name, r.Errors)
				}
			}
			if !res.Committed || res.Created != 150 || len(res.Rows) != 150 {
				t.Fatalf("import: committed %v, created %d of %d rows", res.Committed, res.Created, len(res.Rows))
			}
			if n := count(t, f.db, `SELECT count(*) FROM systems`); n != 150 {
				t.Errorf("%d systems stored", n)
			}
			// Every administrator became a person; every dated row an evaluation.
			if n := count(t, f.db, `SELECT count(*) FROM role_assignments WHERE role = 'administrator'`); n == 0 {
				t.Error("no administrators imported")
			}
			if n := count(t, f.db, `SELECT count(*) FROM evaluations WHERE legacy`); n == 0 {
				t.Error("no 'Senast utvärderad' dates imported")
			}
			// Re-import: nothing changes.
			audit := count(t, f.db, `SELECT count(*) FROM audit_log`)
			again, err := f.svc.Import(ctx, f.it, parse(t, sample(t, name)), postgres.ImportOptions{Commit: true})
			if err != nil {
				t.Fatal(err)
			}
			if again.Unchanged != 150 || again.Created+again.Updated+again.Rejected != 0 {
				for _, r := range again.Rows {
					if r.Action != "oförändrad" {
						t.Logf("row %d %s: %s %v %v", r.Line, r.Name, r.Action, r.Changes, r.Errors)
					}
				}
				t.Fatalf("re-import: %d unchanged, %d created, %d updated, %d rejected", again.Unchanged, again.Created, again.Updated, again.Rejected)
			}
			if n := count(t, f.db, `SELECT count(*) FROM audit_log`); n != audit {
				t.Errorf("re-import wrote %d audit rows", n-audit)
			}
		})
	}
}

func newRegisterEmpty(t *testing.T) *registerFixture {
	t.Helper()
	f := newRegister(t)
	// An installation before its first import: no departments, no people
	// besides the IT unit member importing.
	if _, err := f.db.SuperuserPool(t).Exec(context.Background(), `
		DELETE FROM departments; DELETE FROM people WHERE name <> 'IT Person'`); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestImportReportsBadRowsAndCommitsNothing(t *testing.T) {
	t.Parallel()
	f := newRegister(t)
	ctx := context.Background()
	csv := "Systemnamn;Systemägare;Systemförvaltare;Systemförvaltare e-post;Livscykel;Senast utvärderad;Personuppgifter\r\n" +
		"Bra system;SOC;Anna Andersson;anna@example.lillaedet.se;I drift;20240312;J\r\n" +
		"Dubblett;SOC;;;I drift;;N\r\n" +
		"dubblett;SOC;;;I drift;;N\r\n" +
		"Okänd ägare;Tekniska förvaltningen;;;I drift;;N\r\n" +
		"Två namn;SOC;Anna Andersson, Bertil Berg;;I drift;;N\r\n" +
		"Fel datum;SOC;;;I drift;12/3/2024;N\r\n" +
		"Fel livscykel;SOC;;;Pausad;;X\r\n" +
		"Fel adress;SOC;Cecilia;inte-en-adress;I drift;;N\r\n"
	res, err := f.svc.Import(ctx, f.it, parse(t, []byte(csv)), postgres.ImportOptions{Commit: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Committed || res.Rejected != 7 {
		t.Fatalf("committed %v with %d rejected rows, want nothing committed and 7 rejected", res.Committed, res.Rejected)
	}
	want := map[int]string{3: "Systemnamn", 4: "Systemnamn", 5: "Systemägare", 6: "Systemförvaltare", 7: "Senast utvärderad", 8: "Livscykel", 9: "Systemförvaltare e-post"}
	for _, r := range res.Rows {
		col, bad := want[r.Line]
		if !bad {
			if len(r.Errors) > 0 || r.Action != "ny" {
				t.Errorf("row %d: %s %v", r.Line, r.Action, r.Errors)
			}
			continue
		}
		found := false
		for _, e := range r.Errors {
			found = found || e.Column == col
			if e.Message == "" {
				t.Errorf("row %d: empty message", r.Line)
			}
		}
		if !found {
			t.Errorf("row %d: errors %v, want one on %s", r.Line, r.Errors, col)
		}
	}
	if n := count(t, f.db, `SELECT count(*) FROM systems`); n != 0 {
		t.Errorf("%d systems stored from a file with errors", n)
	}
	// An employee cannot import.
	emp := &portal.Actor{PersonID: f.people["Anna Andersson"]}
	if _, err := f.svc.Import(ctx, emp, parse(t, []byte(csv)), postgres.ImportOptions{Commit: true}); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("employee import: %v", err)
	}
}

func TestImportWindows1252KeepsSwedishLetters(t *testing.T) {
	t.Parallel()
	f := newRegister(t)
	text := "Systemnamn;Beskrivning;Systemägare;Systemförvaltare;Systemförvaltare e-post;Driftsansvarig;Livscykel\r\n" +
		"Ärendehantering Öst;Dokument för äldreomsorgen;Socialförvaltningen;Åsa Öberg;asa.oberg@example.lillaedet.se;IT-enheten;I drift\r\n"
	latin1, err := charmap.Windows1252.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Import(context.Background(), f.it, parse(t, []byte(latin1)), postgres.ImportOptions{Commit: true})
	if err != nil || !res.Committed {
		t.Fatalf("import: %v %+v", err, res.Rows)
	}
	page, _ := f.svc.List(context.Background(), f.it, postgres.SystemFilter{Query: "Ärendehantering"})
	if len(page.Rows) != 1 || page.Rows[0].Name != "Ärendehantering Öst" || page.Rows[0].Administrator != "Åsa Öberg" || page.Rows[0].Owner != "Socialförvaltningen" {
		t.Fatalf("å/ä/ö: %+v", page.Rows)
	}
}

// TestExportImportRoundTrip: exporting the register and importing the file
// into a fresh installation gives the same register; hostile values survive
// and no cell starts a formula.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	src := newRegister(t)
	ctx := context.Background()
	if _, err := src.svc.Import(ctx, src.it, parse(t, sample(t, "systemregister.xlsx")), postgres.ImportOptions{Commit: true, CreateDepartments: true}); err != nil {
		t.Fatal(err)
	}
	hostile := facts("=HYPERLINK(\"https://evil.example\")")
	hostile.Description = "@SUM(1); -2+3; \"citat\"; Åsa Öberg-O'Connor"
	hostile.Notes = "rad ett\nrad två"
	src.create(t, hostile)
	before, err := src.svc.Export(ctx, src.it, postgres.SystemFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"csv", "xlsx"} {
		var buf bytes.Buffer
		write := sheet.WriteCSV
		if format == "xlsx" {
			write = sheet.WriteXLSX
		}
		if err := write(&buf, registerfile.Table(before)); err != nil {
			t.Fatal(err)
		}
		if format == "csv" {
			for _, line := range strings.Split(buf.String(), "\n")[1:] {
				for _, cell := range strings.Split(line, ";") {
					if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
						t.Errorf("%s: a cell starts a formula: %q", format, cell)
					}
				}
			}
		}
		dst := newRegister(t)
		res, err := dst.svc.Import(ctx, dst.it, parse(t, buf.Bytes()), postgres.ImportOptions{Commit: true})
		if err != nil || !res.Committed {
			for _, r := range res.Rows {
				if len(r.Errors) > 0 {
					t.Logf("row %d: %v", r.Line, r.Errors)
				}
			}
			t.Fatalf("%s: re-import %v committed=%v", format, err, res.Committed)
		}
		after, err := dst.svc.Export(ctx, dst.it, postgres.SystemFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Fatalf("%s: %d systems after the round trip, want %d", format, len(after), len(before))
		}
		for i := range before {
			b, a := before[i], after[i]
			if b.Facts != a.Facts || b.Owner != a.Owner || b.Administrator != a.Administrator || b.AdministratorEmail != a.AdministratorEmail ||
				b.Operations != a.Operations || (b.LastEvaluated == nil) != (a.LastEvaluated == nil) {
				t.Errorf("%s: %q changed in the round trip:\nbefore %+v\nafter  %+v", format, b.Facts.Name, b, a)
			}
		}
	}
}

// TestReimportOfTheOwnExportIsUnchanged: the register's own export, CSV or
// workbook, imported back into the same register reports every row as
// unchanged and writes nothing, also for text with line breaks (LF or CRLF
// as stored), leading spaces and quotes.
func TestReimportOfTheOwnExportIsUnchanged(t *testing.T) {
	t.Parallel()
	f := newRegisterEmpty(t)
	ctx := context.Background()
	if _, err := f.svc.Import(ctx, f.it, parse(t, sample(t, "systemregister.xlsx")), postgres.ImportOptions{Commit: true, CreateDepartments: true}); err != nil {
		t.Fatal(err)
	}
	for i, notes := range []string{"rad ett\nrad två", "rad ett\r\nrad två\r\n", "  indraget; \"citat\"\n\nslut"} {
		fs := facts(fmt.Sprintf("Radbrytningar %d", i))
		fs.Notes, fs.Description, fs.Purpose = notes, notes, "Syfte\r\nmed CRLF"
		f.create(t, fs)
	}
	if n := count(t, f.db, `SELECT count(*) FROM systems`); n != 153 {
		t.Fatalf("%d systems before the round trip, want 153", n)
	}
	records, err := f.svc.Export(ctx, f.it, postgres.SystemFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"csv", "xlsx"} {
		var buf bytes.Buffer
		write := sheet.WriteCSV
		if format == "xlsx" {
			write = sheet.WriteXLSX
		}
		if err := write(&buf, registerfile.Table(records)); err != nil {
			t.Fatal(err)
		}
		audit := count(t, f.db, `SELECT count(*) FROM audit_log`)
		res, err := f.svc.Import(ctx, f.it, parse(t, buf.Bytes()), postgres.ImportOptions{Commit: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Unchanged != len(records) || res.Created+res.Updated+res.Rejected != 0 {
			for _, r := range res.Rows {
				if r.Action != "oförändrad" {
					t.Logf("%s row %d %q: %s %v %v", format, r.Line, r.Name, r.Action, r.Changes, r.Errors)
				}
			}
			t.Errorf("%s: %d of %d unchanged, %d created, %d updated, %d rejected", format, res.Unchanged, len(records), res.Created, res.Updated, res.Rejected)
		}
		if n := count(t, f.db, `SELECT count(*) FROM audit_log`); n != audit {
			t.Errorf("%s: the re-import wrote %d audit entries", format, n-audit)
		}
	}
}

// TestSameDayCorrectionByImport: an import of a corrected export on the day
// of an earlier import replaces the role period that began today instead
// of being refused ("Välj ett annat datum"): the new holder holds the role
// from today, the earlier period keeps its row (replaced, covering no day)
// and both changes stay in the audit log.
func TestSameDayCorrectionByImport(t *testing.T) {
	t.Parallel()
	f := newRegister(t)
	ctx := context.Background()
	id := f.create(t, facts("Lönesystem"))
	if err := f.admin(t, id, "Anna Andersson", "2024-01-01"); err != nil {
		t.Fatal(err)
	}
	imp := func(admin string) postgres.ImportResult {
		t.Helper()
		res, err := f.svc.Import(ctx, f.it, parse(t, []byte("Systemnamn;Systemförvaltare\r\nLönesystem;"+admin+"\r\n")), postgres.ImportOptions{Commit: true})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := imp("Bertil Berg"); !res.Committed || res.Rows[0].Action != "ändras" {
		t.Fatalf("first import: %+v", res.Rows)
	}
	res := imp("Cecilia Ceder")
	if !res.Committed || res.Rows[0].Action != "ändras" {
		t.Fatalf("the same-day correction: committed %v, %+v", res.Committed, res.Rows)
	}
	hist, err := f.svc.History(ctx, f.it, id)
	if err != nil {
		t.Fatal(err)
	}
	today := portal.Today()
	if h := hist.On(today)[portal.RoleAdministrator]; h == nil || h.Name != "Cecilia Ceder" {
		t.Fatalf("administrator today: %+v, want Cecilia Ceder", h)
	}
	if h := hist.On(today.AddDate(0, 0, -1))[portal.RoleAdministrator]; h == nil || h.Name != "Anna Andersson" {
		t.Errorf("administrator yesterday: %+v, want Anna Andersson", h)
	}
	if len(hist.Periods) != 2 {
		t.Errorf("%d periods shown, want Anna's and Cecilia's", len(hist.Periods))
	}
	var replaced int
	var from string
	if err := f.db.OwnerPool(t).QueryRow(ctx, `SELECT count(*), max(lower(replaced))::text FROM role_assignments ra JOIN people p ON p.id = ra.person_id
		WHERE ra.system_id = $1 AND p.name = 'Bertil Berg' AND isempty(ra.valid) AND replaced_at IS NOT NULL`, id).Scan(&replaced, &from); err != nil {
		t.Fatal(err)
	}
	if replaced != 1 || from != today.Format("2006-01-02") {
		t.Errorf("Bertil's period: %d replaced from %s, want one kept as replaced from today", replaced, from)
	}
	var corrections int
	for _, a := range hist.Audit {
		if a.Action == "system.role_changed" && a.Changes["replaces"] != nil {
			corrections++
			if before, _ := a.Changes["before"].(map[string]any); before["holder"] != "Bertil Berg" {
				t.Errorf("the correction's before: %v", before)
			}
		}
	}
	if corrections != 1 {
		t.Errorf("%d same-day corrections audited, want 1", corrections)
	}
	if again := imp("Cecilia Ceder"); again.Rows[0].Action != "oförändrad" {
		t.Errorf("re-import after the correction: %+v", again.Rows)
	}
}
