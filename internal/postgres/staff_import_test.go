package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/registerfile"
	"itportal/internal/testkit"
)

func staffDB(t *testing.T) (testkit.DB, *postgres.PersonService, *portal.Actor) {
	t.Helper()
	db := testkit.NewDB(t)
	ctx := context.Background()
	owner := db.OwnerPool(t)
	if _, err := owner.Exec(ctx, `INSERT INTO departments (name, short_name) VALUES ('Kommunledningsförvaltningen', 'KLF'),
		('Barn- och utbildningsförvaltningen', 'BUF'), ('Socialförvaltningen', 'SOC'), ('Samhällsbyggnadsförvaltningen', 'SBF'),
		('Kultur- och fritidsförvaltningen', 'KFF')`); err != nil {
		t.Fatal(err)
	}
	var adminID int64
	if err := owner.QueryRow(ctx, `INSERT INTO people (name) VALUES ('Admin') RETURNING id`).Scan(&adminID); err != nil {
		t.Fatal(err)
	}
	return db, postgres.NewPersonService(db.Pool(t), "https://www.lillaedet.se"), &portal.Actor{PersonID: adminID, Roles: []portal.Role{portal.RoleAdmin}}
}

func parseStaff(t *testing.T, data []byte) registerfile.File {
	t.Helper()
	f, err := registerfile.ParseTable(data, postgres.StaffSchema)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestStaffImportOfTheSample: the HR export imports in full; people whose
// employment ended are deactivated; managers are set; a second import
// changes nothing.
func TestStaffImportOfTheSample(t *testing.T) {
	t.Parallel()
	db, people, admin := staffDB(t)
	ctx := context.Background()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "personal.csv"))
	if err != nil {
		t.Fatal(err)
	}
	file := parseStaff(t, data)
	dry, err := people.ImportStaff(ctx, admin, file, false, "req")
	if err != nil {
		t.Fatal(err)
	}
	if dry.Rejected != 0 || dry.Created != len(file.Rows) || dry.Committed {
		var bad []string
		for _, r := range dry.Rows {
			if r.Action == "error" {
				bad = append(bad, r.Problems[0].Message)
			}
		}
		t.Fatalf("dry run: %d created of %d, %d rejected %v", dry.Created, len(file.Rows), dry.Rejected, bad[:min(5, len(bad))])
	}
	var n int
	_ = db.OwnerPool(t).QueryRow(ctx, `SELECT count(*) FROM people WHERE employee_number IS NOT NULL`).Scan(&n)
	if n != 0 {
		t.Fatalf("the dry run stored %d people", n)
	}
	res, err := people.ImportStaff(ctx, admin, file, true, "req")
	if err != nil || !res.Committed || res.Created != len(file.Rows) {
		t.Fatalf("import: %+v %v", res.Created, err)
	}
	var inactive, managed, ended int
	_ = db.OwnerPool(t).QueryRow(ctx, `SELECT count(*) FILTER (WHERE NOT active), count(*) FILTER (WHERE manager_id IS NOT NULL),
		count(*) FILTER (WHERE employed_to < current_date) FROM people WHERE employee_number IS NOT NULL`).Scan(&inactive, &managed, &ended)
	if inactive != ended || inactive != res.Ended || managed == 0 {
		t.Errorf("inactive %d, ended %d (%d reported), with a manager %d", inactive, ended, res.Ended, managed)
	}
	again, err := people.ImportStaff(ctx, admin, file, true, "req")
	if err != nil || again.Unchanged != len(file.Rows) || again.Created+again.Updated != 0 {
		t.Fatalf("re-import: %d unchanged, %d created, %d updated %v", again.Unchanged, again.Created, again.Updated, err)
	}
}

// TestStaffImportRefusesBadRows: a manager outside the file, a circular
// chain and a duplicate employee number are row errors; nothing is saved.
func TestStaffImportRefusesBadRows(t *testing.T) {
	t.Parallel()
	db, people, admin := staffDB(t)
	ctx := context.Background()
	file := parseStaff(t, []byte("Anställningsnummer;Förnamn;Efternamn;E-post;Förvaltning;Chef e-post;Anställd från;Anställd till\n"+
		"1;Anna;A;anna@x.se;SOC;bertil@x.se;2020-01-01;\n"+
		"2;Bertil;B;bertil@x.se;SOC;anna@x.se;2020-01-01;\n"+
		"3;Cecilia;C;cecilia@x.se;SOC;okand@x.se;2020-01-01;\n"+
		"3;David;D;david@x.se;Okänd förvaltning;;2020-13-01;\n"+
		"5;Eva;E;eva@x.se;SOC;;2020-01-01;2019-01-01\n"))
	res, err := people.ImportStaff(ctx, admin, file, true, "req")
	if err != nil {
		t.Fatal(err)
	}
	if res.Committed || res.Rejected != 5 {
		t.Fatalf("committed %v, %d rejected", res.Committed, res.Rejected)
	}
	joined := ""
	for _, r := range res.Rows {
		for _, p := range r.Problems {
			joined += p.Message + "\n"
		}
	}
	for _, want := range []string{"cirkel", "finns inte i filen", "finns redan på rad 4", "Okänd förvaltning", "Ange datum", "före startdatumet"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no message with %q:\n%s", want, joined)
		}
	}
	var n int
	_ = db.OwnerPool(t).QueryRow(ctx, `SELECT count(*) FROM people WHERE employee_number IS NOT NULL`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d people saved from a file with errors", n)
	}
	// An employee may not import.
	if _, err := people.ImportStaff(ctx, &portal.Actor{PersonID: admin.PersonID}, file, false, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("employee import: %v", err)
	}
}

// TestEmploymentEndsOnTheDay: an end date in the past deactivates at the
// daily job.
func TestEmploymentEndsOnTheDay(t *testing.T) {
	t.Parallel()
	db, people, _ := staffDB(t)
	ctx := context.Background()
	if _, err := db.OwnerPool(t).Exec(ctx, `INSERT INTO people (employee_number, name, employed_to) VALUES ('9', 'Slutar', current_date - 1), ('10', 'Stannar', current_date + 30)`); err != nil {
		t.Fatal(err)
	}
	n, err := people.DeactivateEnded(ctx)
	if err != nil || n != 1 {
		t.Fatalf("deactivated %d %v", n, err)
	}
	var active bool
	_ = db.OwnerPool(t).QueryRow(ctx, `SELECT active FROM people WHERE employee_number = '10'`).Scan(&active)
	if !active {
		t.Error("someone with a future end date was deactivated")
	}
}

// TestStaffImportMatchesAndChecksAddresses: someone who signed in before
// HR's file arrived is matched by e-mail and given their number; a row
// without an address imports; an address the portal's validator refuses is
// a row error with a Swedish message, as is a manager's; a second import
// of the same file changes nothing and writes no audit entries.
func TestStaffImportMatchesAndChecksAddresses(t *testing.T) {
	t.Parallel()
	db, people, admin := staffDB(t)
	ctx := context.Background()
	owner := db.OwnerPool(t)
	var signedIn int64
	if err := owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Anna A', 'Anna@x.se') RETURNING id`).Scan(&signedIn); err != nil {
		t.Fatal(err)
	}
	head := "Anställningsnummer;Förnamn;Efternamn;E-post;Förvaltning;Chef e-post;Anställd från;Anställd till\n"
	bad := parseStaff(t, []byte(head+
		"1;Anna;A;anna@x.se;SOC;;2020-01-01;\n"+
		"2;Bertil;B;bertil@x..se;SOC;;2020-01-01;\n"+
		"3;Cecilia;C;cecilia@x.se;SOC;chef@x;2020-01-01;\n"))
	res, err := people.ImportStaff(ctx, admin, bad, true, "req")
	if err != nil {
		t.Fatal(err)
	}
	if res.Committed || res.Rejected != 2 || res.Rows[1].Action != "error" || res.Rows[2].Action != "error" {
		t.Fatalf("committed %v, %d rejected: %+v", res.Committed, res.Rejected, res.Rows)
	}
	if p := res.Rows[1].Problems; len(p) != 1 || p[0].Column != "E-post" || !strings.Contains(p[0].Message, `"bertil@x..se" är inte giltig`) {
		t.Errorf("a bad address: %+v", p)
	}
	if p := res.Rows[2].Problems; len(p) != 1 || p[0].Column != "Chef e-post" || !strings.Contains(p[0].Message, "är inte giltig") {
		t.Errorf("a bad manager's address: %+v", p)
	}

	good := parseStaff(t, []byte(head+
		"1;Anna;A;anna@x.se;SOC;;2020-01-01;\n"+
		"4;David;D;;SOC;anna@x.se;2020-01-01;\n"))
	res, err = people.ImportStaff(ctx, admin, good, true, "req")
	if err != nil || !res.Committed {
		t.Fatalf("import: %v %+v", err, res.Rows)
	}
	if res.Rows[0].Action != "update" || res.Rows[1].Action != "create" {
		t.Errorf("actions %q, %q, want update (matched by e-mail) and create", res.Rows[0].Action, res.Rows[1].Action)
	}
	var number string
	var managed int
	_ = owner.QueryRow(ctx, `SELECT employee_number, (SELECT count(*) FROM people WHERE manager_id = $1) FROM people WHERE id = $1`, signedIn).Scan(&number, &managed)
	if number != "1" || managed != 1 {
		t.Errorf("the person who signed in has number %q and manages %d, want 1 and 1", number, managed)
	}
	audit := count(t, db, `SELECT count(*) FROM audit_log WHERE action = 'person.imported_from_hr'`)
	if audit != 2 {
		t.Errorf("%d audit entries, want one per change (2)", audit)
	}
	again, err := people.ImportStaff(ctx, admin, good, true, "req")
	if err != nil || again.Unchanged != 2 || again.Created+again.Updated != 0 {
		t.Fatalf("re-import: %+v %v", again, err)
	}
	if n := count(t, db, `SELECT count(*) FROM audit_log WHERE action = 'person.imported_from_hr'`); n != audit {
		t.Errorf("the re-import wrote %d audit entries", n-audit)
	}
}
