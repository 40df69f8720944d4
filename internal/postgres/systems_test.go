package postgres_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"itportal/internal/jobs"
	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

type registerFixture struct {
	db      testkit.DB
	svc     *postgres.SystemService
	it      *portal.Actor
	people  map[string]int64
	depts   map[string]int64
	clients *jobs.Client
}

func newRegister(t *testing.T) *registerFixture {
	t.Helper()
	f := &registerFixture{db: testkit.NewDB(t), people: map[string]int64{}, depts: map[string]int64{}}
	ctx := context.Background()
	owner := f.db.OwnerPool(t)
	for _, d := range [][2]string{{"Socialförvaltningen", "SOC"}, {"Kommunledningsförvaltningen", "KLF"}} {
		var id int64
		if err := owner.QueryRow(ctx, `INSERT INTO departments (name, short_name) VALUES ($1, $2) RETURNING id`, d[0], d[1]).Scan(&id); err != nil {
			t.Fatal(err)
		}
		f.depts[d[1]] = id
	}
	for _, n := range []string{"IT Person", "Anna Andersson", "Bertil Berg", "Cecilia Ceder", "Leila Haddad"} {
		var id int64
		if err := owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ($1, $2) RETURNING id`, n, n+"@example.lillaedet.se").Scan(&id); err != nil {
			t.Fatal(err)
		}
		f.people[n] = id
	}
	pool := f.db.Pool(t)
	client, err := jobs.NewClient(pool, slog.New(slog.DiscardHandler), false)
	if err != nil {
		t.Fatal(err)
	}
	f.clients = client
	f.svc = postgres.NewSystemService(pool, jobs.Enqueuer(client), "https://www.lillaedet.se")
	f.it = &portal.Actor{PersonID: f.people["IT Person"], Name: "IT Person", Roles: []portal.Role{portal.RoleITUnit}}
	return f
}

func facts(name string) portal.SystemFacts {
	return portal.SystemFacts{Name: name, Category: "forvaltningsspecifik", Lifecycle: "i_drift", Hosting: "saas", PersonalData: "kansliga"}
}

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func (f *registerFixture) create(t *testing.T, fs portal.SystemFacts) int64 {
	t.Helper()
	id, err := f.svc.Create(context.Background(), f.it, fs, "req")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *registerFixture) admin(t *testing.T, id int64, person, from string) error {
	t.Helper()
	return f.svc.ChangeRole(context.Background(), f.it, id, postgres.RoleChange{
		Role: portal.RoleAdministrator, PersonID: f.people[person], From: date(from), AppointedBy: "Socialchefen", RequestID: "req",
	})
}

func TestRoleHistoryBackAndFutureDated(t *testing.T) {
	t.Parallel()
	f := newRegister(t)
	ctx := context.Background()
	id := f.create(t, facts("Treserva"))
	future := time.Now().AddDate(0, 2, 0).Format("2006-01-02")

	// Anna from 2024-01-01; Bertil from 2025-06-01; a correction back-dated
	// to 2025-01-01 (Cecilia between them); a planned hand-over to Leila.
	for _, c := range []struct{ who, from string }{
		{"Anna Andersson", "2024-01-01"}, {"Bertil Berg", "2025-06-01"}, {"Cecilia Ceder", "2025-01-01"}, {"Leila Haddad", future},
	} {
		if err := f.admin(t, id, c.who, c.from); err != nil {
			t.Fatalf("%s from %s: %v", c.who, c.from, err)
		}
	}
	for on, want := range map[string]string{
		"2023-12-31": "", "2024-01-01": "Anna Andersson", "2024-12-31": "Anna Andersson", "2025-01-01": "Cecilia Ceder",
		"2025-05-31": "Cecilia Ceder", "2025-06-01": "Bertil Berg", time.Now().Format("2006-01-02"): "Bertil Berg", future: "Leila Haddad",
		time.Now().AddDate(3, 0, 0).Format("2006-01-02"): "Leila Haddad",
	} {
		hist, err := f.svc.History(ctx, f.it, id)
		if err != nil {
			t.Fatal(err)
		}
		roles := hist.On(date(on))
		got := ""
		if h := roles[portal.RoleAdministrator]; h != nil {
			got = h.Name
		}
		if got != want {
			t.Errorf("administrator on %s: %q, want %q", on, got, want)
		}
	}
	// Same start day twice is refused; nothing changes.
	if err := f.admin(t, id, "Anna Andersson", "2025-06-01"); portal.KindOf(err) != portal.KindInvalid {
		t.Errorf("second change on the same day: %v, want a field error", err)
	}
	h, err := f.svc.History(ctx, f.it, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Periods) != 4 {
		t.Errorf("%d role periods, want 4 (nothing overwritten)", len(h.Periods))
	}
	changes := 0
	for _, a := range h.Audit {
		if a.Action == "system.role_changed" {
			changes++
		}
	}
	if changes != 4 {
		t.Errorf("%d role changes audited, want 4", changes)
	}
	// Each change enqueued a notification to IT-enheten in its transaction (R3).
	var n int
	if err := f.db.Pool(t).QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notify_role_change' AND (args->>'system_id')::bigint > 0`).Scan(&n); err != nil || n != 4 {
		t.Errorf("notification jobs: %d %v, want 4", n, err)
	}
}

func TestDatabaseRefusesTwoHoldersOnOneDay(t *testing.T) {
	t.Parallel()
	f := newRegister(t)
	id := f.create(t, facts("Procapita"))
	owner := f.db.OwnerPool(t)
	_, err := owner.Exec(context.Background(), `
		INSERT INTO role_assignments (system_id, role, person_id, valid) VALUES
		($1, 'administrator', $2, '[2025-01-01,2025-03-01)'), ($1, 'administrator', $3, '[2025-02-15,)')`,
		id, f.people["Anna Andersson"], f.people["Bertil Berg"])
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23P01" {
		t.Fatalf("overlapping holders: %v, want an exclusion violation", err)
	}
	// And the runtime role cannot delete history.
	if _, err := f.db.Pool(t).Exec(context.Background(), `DELETE FROM role_assignments`); err == nil {
		t.Error("the runtime role deleted role history")
	}
}

func TestGapIsABreachForExactlyItsDays(t *testing.T) {
	t.Parallel()
	f := newRegister(t)
	ctx := context.Background()
	id := f.create(t, facts("Visma Window"))
	until := date("2025-03-31")
	if err := f.svc.ChangeRole(ctx, f.it, id, postgres.RoleChange{Role: portal.RoleAdministrator, PersonID: f.people["Anna Andersson"], From: date("2025-01-01"), Until: &until}); err != nil {
		t.Fatal(err)
	}
	if err := f.admin(t, id, "Bertil Berg", "2025-05-01"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		role portal.SystemRole
		dept int64
		op   string
	}{{portal.RoleOwner, f.depts["SOC"], ""}, {portal.RoleOperations, 0, "IT-enheten"}} {
		if err := f.svc.ChangeRole(ctx, f.it, id, postgres.RoleChange{Role: c.role, DepartmentID: c.dept, Operator: c.op, From: date("2025-01-01")}); err != nil {
			t.Fatal(err)
		}
	}
	breaches, err := f.svc.Breaches(ctx, f.it, id)
	if err != nil {
		t.Fatal(err)
	}
	// A gap that has ended is a hole in the history (R2); nothing is
	// missing today (R1).
	var gaps []string
	for _, b := range breaches {
		if b.Rule == "R1" || b.Rule == "R2" {
			period := portal.DateOf(b.Since).Format("2006-01-02")
			if b.Until != nil {
				period += "–" + b.Until.Format("2006-01-02")
			}
			gaps = append(gaps, b.Check+" "+b.Detail+" "+period)
		}
	}
	want := "r2_gap administrator 2025-04-01–2025-04-30"
	if len(gaps) != 1 || gaps[0] != want {
		t.Fatalf("R1/R2 breaches %q, want exactly %q", gaps, want)
	}

	// The administrator leaves (HR ended the employment yesterday; the
	// daily job deactivates): the system lacks one today.
	if _, err := f.db.OwnerPool(t).Exec(ctx, `UPDATE people SET employed_to = current_date - 1 WHERE id = $1`, f.people["Bertil Berg"]); err != nil {
		t.Fatal(err)
	}
	if n, err := postgres.NewPersonService(f.db.Pool(t), "https://www.lillaedet.se").DeactivateEnded(ctx); err != nil || n != 1 {
		t.Fatalf("deactivate: %d %v", n, err)
	}
	page, err := f.svc.List(ctx, f.it, postgres.SystemFilter{MissingAdministrator: true})
	if err != nil || page.Total != 1 {
		t.Fatalf("'saknar systemförvaltare' after the administrator left: %d %v", page.Total, err)
	}
}

func TestSearchSwedishTyposAndFilters(t *testing.T) {
	t.Parallel()
	f := newRegister(t)
	ctx := context.Background()
	tre := facts("Treserva")
	tre.Description = "Verksamhetssystem för socialtjänsten; förvaltaren ansvarar för behörigheter"
	tre.Supplier = "CGI"
	treID := f.create(t, tre)
	web := facts("Sitevision")
	web.Lifecycle = "planerad"
	web.Hosting = "intern"
	web.Description = "Kommunens webbplats"
	f.create(t, web)
	f.create(t, facts("Procapita Vård och omsorg"))
	for i := range 120 {
		x := facts("Testsystem " + string(rune('A'+i%26)) + string(rune('a'+i/26)))
		x.Lifecycle = "avvecklad"
		f.create(t, x)
	}
	if err := f.admin(t, treID, "Leila Haddad", "2024-01-01"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ChangeRole(ctx, f.it, treID, postgres.RoleChange{Role: portal.RoleOwner, DepartmentID: f.depts["SOC"], From: date("2024-01-01")}); err != nil {
		t.Fatal(err)
	}
	// An administrator with å, ä and ö in the name.
	var orjan int64
	if err := f.db.OwnerPool(t).QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Örjan Åberg', 'orjan@example.lillaedet.se') RETURNING id`).Scan(&orjan); err != nil {
		t.Fatal(err)
	}
	var webID int64
	if err := f.db.OwnerPool(t).QueryRow(ctx, `SELECT id FROM systems WHERE name = 'Sitevision'`).Scan(&webID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ChangeRole(ctx, f.it, webID, postgres.RoleChange{Role: portal.RoleAdministrator, PersonID: orjan, From: date("2024-01-01")}); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"treserva": "Treserva", "trserva": "Treserva", "TRESERVA": "Treserva", "förvaltare": "Treserva",
		"socialtjänst": "Treserva", "Haddad": "Treserva", "CGI": "Treserva", "webbplats": "Sitevision",
		// While typing, with a typo, without å, ä and ö, by department.
		"tres": "Treserva", "trser": "Treserva", "Site": "Sitevision", "forvaltare": "Treserva", "socialtjanst": "Treserva",
		"aberg": "Sitevision", "ÖRJAN": "Sitevision", "orjan åberg": "Sitevision", "socialf": "Treserva", "SOC": "Treserva",
		// Several words of a longer name, one with a typo.
		"procapta vard": "Procapita Vård och omsorg", "vård och omsrg": "Procapita Vård och omsorg",
	} {
		page, err := f.svc.List(ctx, f.it, postgres.SystemFilter{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Rows) == 0 || page.Rows[0].Name != want {
			names := []string{}
			for _, r := range page.Rows {
				names = append(names, r.Name)
			}
			t.Errorf("search %q: %v, want %s first", q, names, want)
		}
	}
	// Filters combine; values outside the allow-lists are ignored.
	page, _ := f.svc.List(ctx, f.it, postgres.SystemFilter{Lifecycle: "i_drift", DepartmentID: f.depts["SOC"], Hosting: "saas"})
	if page.Total != 1 || page.Rows[0].Name != "Treserva" {
		t.Errorf("combined filters: %+v", page)
	}
	page, _ = f.svc.List(ctx, f.it, postgres.SystemFilter{Lifecycle: "x'; DROP TABLE systems; --", Sort: "name; DROP TABLE systems"})
	if page.Total != 123 {
		t.Errorf("hostile filter values: %d systems, want all 123 (ignored)", page.Total)
	}
	// The person picker finds people the same way.
	people := postgres.NewPersonService(f.db.Pool(t), "https://www.lillaedet.se")
	for _, q := range []string{"aberg", "Örjan", "orjan abrg", "ÅBERG"} {
		found, err := people.Search(ctx, f.it, q, "")
		if err != nil || len(found) == 0 || found[0].Name != "Örjan Åberg" {
			t.Errorf("person search %q: %v %v", q, found, err)
		}
	}
	// A word nobody has: nothing, and a count of 0.
	if page, _ := f.svc.List(ctx, f.it, postgres.SystemFilter{Query: "zqxw"}); page.Total != 0 || len(page.Rows) != 0 {
		t.Errorf("a search for nothing: %+v", page)
	}
	// Pagination is stable: pages don't overlap and cover everything.
	seen := map[int64]bool{}
	for p := 1; p <= 3; p++ {
		page, err := f.svc.List(ctx, f.it, postgres.SystemFilter{Page: p, Sort: postgres.SortByLifecycle})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Rows {
			if seen[r.ID] {
				t.Fatalf("system %d on two pages", r.ID)
			}
			seen[r.ID] = true
		}
	}
	if len(seen) != 123 {
		t.Errorf("three pages covered %d systems, want 123", len(seen))
	}
	// "My systems".
	page, _ = f.svc.List(ctx, f.it, postgres.SystemFilter{HeldBy: f.people["Leila Haddad"]})
	if page.Total != 1 {
		t.Errorf("my systems: %d", page.Total)
	}
}

func TestConcurrentRoleChangesOneWins(t *testing.T) {
	t.Parallel()
	f := newRegister(t)
	ctx := context.Background()
	id := f.create(t, facts("Lifecare"))
	sys, err := f.svc.Get(ctx, f.it, id)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, who := range []string{"Anna Andersson", "Bertil Berg"} {
			wg.Go(func() {
				errs[i] = f.svc.ChangeRole(ctx, f.it, id, postgres.RoleChange{
					Role: portal.RoleAdministrator, PersonID: f.people[who], From: date("2025-01-01").AddDate(0, 0, round),
					ExpectedRowV: sys.RowVersion,
				})
			})
		}
		wg.Wait()
		ok, conflicts := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case portal.KindOf(err) == portal.KindConflict:
				conflicts++
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 1 || conflicts != 1 {
			t.Fatalf("round %d: %d succeeded, %d conflicts; want exactly one of each", round, ok, conflicts)
		}
		if sys, err = f.svc.Get(ctx, f.it, id); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStaleEditIsRefusedAndPermissionsHold(t *testing.T) {
	t.Parallel()
	f := newRegister(t)
	ctx := context.Background()
	id := f.create(t, facts("Heroma"))
	sys, _ := f.svc.Get(ctx, f.it, id)
	first := sys.Facts
	first.Description = "Lön och personal"
	if _, err := f.svc.UpdateFacts(ctx, f.it, id, sys.RowVersion, first, "req"); err != nil {
		t.Fatal(err)
	}
	second := sys.Facts
	second.Description = "Något annat"
	_, err := f.svc.UpdateFacts(ctx, f.it, id, sys.RowVersion, second, "req")
	var stale *postgres.StaleError
	if !errors.As(err, &stale) || portal.KindOf(err) != portal.KindConflict || stale.Current.Facts.Description != "Lön och personal" {
		t.Fatalf("stale edit: %v", err)
	}

	// The administrator edits facts of their own system, not its lifecycle
	// or its roles; an employee edits nothing.
	if err := f.admin(t, id, "Anna Andersson", "2024-01-01"); err != nil {
		t.Fatal(err)
	}
	anna := &portal.Actor{PersonID: f.people["Anna Andersson"], Name: "Anna"}
	sys, _ = f.svc.Get(ctx, anna, id)
	mine := sys.Facts
	mine.Notes = "Uppdaterad av förvaltaren"
	if _, err := f.svc.UpdateFacts(ctx, anna, id, sys.RowVersion, mine, "req"); err != nil {
		t.Fatalf("administrator editing own system: %v", err)
	}
	sys, _ = f.svc.Get(ctx, anna, id)
	mine = sys.Facts
	mine.Lifecycle = "avvecklad"
	if _, err := f.svc.UpdateFacts(ctx, anna, id, sys.RowVersion, mine, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("administrator changing lifecycle: %v", err)
	}
	if err := f.svc.ChangeRole(ctx, anna, id, postgres.RoleChange{Role: portal.RoleAdministrator, PersonID: anna.PersonID, From: date("2025-01-01")}); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("administrator changing roles: %v", err)
	}
	other := f.create(t, facts("Annat system"))
	osys, _ := f.svc.Get(ctx, anna, other)
	of := osys.Facts
	of.Notes = "intrång"
	if _, err := f.svc.UpdateFacts(ctx, anna, other, osys.RowVersion, of, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("administrator editing another system: %v", err)
	}
	if _, err := f.svc.Create(ctx, anna, facts("Nytt"), "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("employee creating a system: %v", err)
	}
	// Duplicate names, case-insensitively.
	if _, err := f.svc.Create(ctx, f.it, facts("HEROMA"), "req"); portal.KindOf(err) != portal.KindInvalid {
		t.Errorf("duplicate name: %v", err)
	}
}
