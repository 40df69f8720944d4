package demo_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"itportal/internal/demo"
	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestLoadTwice: the demo data loads into a fresh database and loading it
// again adds nothing; some systems are evaluated, one has a draft, some
// are overdue.
func TestLoadTwice(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	for range 2 {
		if err := demo.Load(ctx, db.Pool(t), "https://www.lillaedet.se"); err != nil {
			t.Fatal(err)
		}
	}
	var evaluated, drafts, overdue int
	if err := db.OwnerPool(t).QueryRow(ctx, `SELECT (SELECT count(*) FROM evaluations WHERE NOT legacy), (SELECT count(*) FROM evaluation_drafts),
		(SELECT count(*) FROM evaluation_due WHERE required AND due_on < current_date)`).Scan(&evaluated, &drafts, &overdue); err != nil {
		t.Fatal(err)
	}
	if evaluated != len(demo.Evaluations) || drafts != 1 || overdue == 0 {
		t.Errorf("%d evaluations, %d drafts, %d overdue", evaluated, drafts, overdue)
	}
}

// TestManagerHasStaffToFollowUp: the "chef" persona manages people, some
// of whom have acknowledged the IT security rules, so her follow-up shows
// something to do on the first start; a person who manages nobody is not
// offered it.
func TestManagerHasStaffToFollowUp(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	pool := db.Pool(t)
	if err := demo.Load(ctx, pool, "https://www.lillaedet.se"); err != nil {
		t.Fatal(err)
	}
	actor := func(employee string) *portal.Actor {
		a := &portal.Actor{}
		if err := pool.QueryRow(ctx, `SELECT id, name FROM people WHERE employee_number = $1`, employee).Scan(&a.PersonID, &a.Name); err != nil {
			t.Fatal(err)
		}
		return a
	}
	docs := postgres.NewDocumentService(pool, nil, 0, nil)
	karin := actor("D0005")
	f, err := docs.FollowUp(ctx, karin)
	if err != nil {
		t.Fatalf("the manager's follow-up: %v", err)
	}
	acknowledged, rules := 0, 0
	for _, s := range f.MyStaff {
		if s.Title == "Regler för IT-säkerhet" {
			rules++
			if s.Acknowledged != nil {
				acknowledged++
			}
		}
	}
	if rules != len(demo.Staff)+1 || acknowledged != demo.StaffAcknowledged {
		t.Errorf("the manager follows up %d people on the rules, %d acknowledged; want %d and %d", rules, acknowledged, len(demo.Staff)+1, demo.StaffAcknowledged)
	}
	for employee, want := range map[string]bool{"D0005": true, "D0004": false, "D0003": false} {
		if got, err := docs.FollowsUp(ctx, actor(employee)); err != nil || got != want {
			t.Errorf("%s follows up: %v %v, want %v", employee, got, err, want)
		}
	}
}

// TestDeputyStandsInOnFirstStart: the "ersättare" persona stands in for
// the IT head from the day the demo is loaded, so she can grant the
// open-source case waiting for the IT head, as ersättare; the IT head's
// page offers her.
func TestDeputyStandsInOnFirstStart(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	pool := db.Pool(t)
	if err := demo.Load(ctx, pool, "https://www.lillaedet.se"); err != nil {
		t.Fatal(err)
	}
	eva := &portal.Actor{Roles: []portal.Role{portal.RoleITHeadDeputy, portal.RoleITUnit}}
	ingrid := &portal.Actor{Roles: []portal.Role{portal.RoleITHead, portal.RoleITUnit}}
	var id int64
	if err := pool.QueryRow(ctx, `SELECT (SELECT id FROM people WHERE employee_number = 'D0007'), (SELECT id FROM people WHERE employee_number = 'D0001'),
		(SELECT id FROM requests WHERE kind = 'oppen_kallkod' AND state = 'inskickat')`).Scan(&eva.PersonID, &ingrid.PersonID, &id); err != nil {
		t.Fatal(err)
	}
	o, err := postgres.NewStandInService(pool).Overview(ctx, ingrid)
	if err != nil || len(o.Periods) != 1 || !o.Periods[0].Covers(portal.Today()) || len(o.Deputies) != 1 || o.Deputies[0].Label != "Eva Holm" {
		t.Fatalf("the IT head's stand-in page: %+v %v", o, err)
	}
	svc := postgres.NewRequestService(pool, nil, "https://www.lillaedet.se")
	if err := svc.Decide(ctx, eva, id, portal.ActionGrant, "Beviljas under chefens semester.", "demo"); err != nil {
		t.Fatalf("the ersättare deciding the open-source case: %v", err)
	}
	if v, err := svc.Get(ctx, eva, id); err != nil || v.DecidedAs != portal.ActingAsDeputy {
		t.Errorf("the decision: %q %v", v.DecidedAs, err)
	}
}

// TestDemoSystemsHaveContracts: on the first start every demo supplier
// has a contract covering its systems, so the board's R15 names only the
// one system left without (and a second load changes nothing); one
// contract's notice is due within 180 days, so the contract list's filter
// shows something.
func TestDemoSystemsHaveContracts(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	pool := db.Pool(t)
	for range 2 {
		if err := demo.Load(ctx, pool, "https://www.lillaedet.se"); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := pool.Query(ctx, `SELECT s.name FROM compliance_breaches b JOIN systems s ON s.id = b.system_id WHERE b.check_key = 'r15_no_contract' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != demo.Uncontracted {
		t.Errorf("R15 breaches %v, want only %s", names, demo.Uncontracted)
	}
	var suppliers, contracts int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM suppliers), (SELECT count(*) FROM contracts)`).Scan(&suppliers, &contracts); err != nil {
		t.Fatal(err)
	}
	if suppliers == 0 || suppliers != contracts {
		t.Errorf("%d suppliers and %d contracts, want one contract each", suppliers, contracts)
	}
	admin := &portal.Actor{Roles: []portal.Role{portal.RoleITUnit}}
	if err := pool.QueryRow(ctx, `SELECT id FROM people WHERE employee_number = 'D0002'`).Scan(&admin.PersonID); err != nil {
		t.Fatal(err)
	}
	soon, err := postgres.NewContractService(pool, "https://www.lillaedet.se", nil).List(ctx, admin, postgres.ContractFilter{NoticeWithin: 180})
	if err != nil {
		t.Fatal(err)
	}
	if len(soon) == 0 {
		t.Error("no demo contract has its notice due within 180 days")
	}
}
