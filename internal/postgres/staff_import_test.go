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
