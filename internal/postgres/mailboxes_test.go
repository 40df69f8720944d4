package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
)

type mailboxFixture struct {
	*complianceFixture
	mail *postgres.MailboxService
	// A manager in SOC (Bertil Berg, who manages Leila Haddad) and one in
	// KLF (Cecilia Ceder, who manages Anna Andersson).
	socManager, klfManager *portal.Actor
}

func newMailboxes(t *testing.T) *mailboxFixture {
	t.Helper()
	f := &mailboxFixture{complianceFixture: newCompliance(t)}
	f.mail = postgres.NewMailboxService(f.db.Pool(t), "https://www.lillaedet.se", f.clock.Now)
	f.exec(t, `UPDATE people SET email = lower(replace(name, ' ', '.')) || '@example.lillaedet.se'`)
	f.exec(t, `UPDATE people SET department_id = $1 WHERE name IN ('Bertil Berg', 'Leila Haddad')`, f.depts["SOC"])
	f.exec(t, `UPDATE people SET department_id = $1 WHERE name IN ('Cecilia Ceder', 'Anna Andersson')`, f.depts["KLF"])
	f.exec(t, `UPDATE people SET manager_id = $1 WHERE name = 'Leila Haddad'`, f.people["Bertil Berg"])
	f.exec(t, `UPDATE people SET manager_id = $1 WHERE name = 'Anna Andersson'`, f.people["Cecilia Ceder"])
	f.socManager = &portal.Actor{PersonID: f.people["Bertil Berg"], Name: "Bertil Berg", DepartmentID: f.depts["SOC"]}
	f.klfManager = &portal.Actor{PersonID: f.people["Cecilia Ceder"], Name: "Cecilia Ceder", DepartmentID: f.depts["KLF"]}
	return f
}

func (f *mailboxFixture) mailbox(t *testing.T, actor *portal.Actor, address, dept string) int64 {
	t.Helper()
	id, err := f.mail.Save(context.Background(), actor, 0, portal.MailboxFields{Address: address, Kind: portal.MailboxFunctional,
		DepartmentID: f.depts[dept], Purpose: "Inkommande post till " + dept}, "req")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *mailboxFixture) watch(t *testing.T, actor *portal.Actor, mailbox int64, person, role, from, to string) error {
	t.Helper()
	in := portal.WatcherInput{Email: strings.ReplaceAll(person, " ", ".") + "@example.lillaedet.se", Role: role}
	d := date(from)
	in.From = &d
	if to != "" {
		e := date(to)
		in.To = &e
	}
	return f.mail.AddWatcher(context.Background(), actor, mailbox, in, "req")
}

// kept counts the breaches of check as compliance_breaches keeps them now,
// without recomputing: what the change's own transaction wrote.
func (f *mailboxFixture) kept(t *testing.T, check string) int {
	t.Helper()
	var n int
	if err := f.owner.QueryRow(context.Background(), `SELECT count(*) FROM compliance_breaches WHERE check_key = $1`, check).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMailboxRegisterBadInput: an invalid or duplicate address (in any
// case), reversed and overlapping periods, hostile and overly long text
// are refused with a Swedish message on the field and nothing is saved.
func TestMailboxRegisterBadInput(t *testing.T) {
	t.Parallel()
	f := newMailboxes(t)
	ctx := context.Background()
	id := f.mailbox(t, f.it, "Bygglov@LillaEdet.se", "SOC")
	audit := f.count(t, `SELECT count(*) FROM audit_log WHERE object_type = 'mailbox'`)
	for _, c := range []struct {
		name  string
		f     portal.MailboxFields
		field string
		want  string
	}{
		{"duplicate in another case", portal.MailboxFields{Address: "BYGGLOV@lillaedet.se", Kind: portal.MailboxShared, DepartmentID: f.depts["KLF"], Purpose: "x"},
			"address", "finns redan i registret (Socialförvaltningen)"},
		{"invalid", portal.MailboxFields{Address: "bygglov@", Kind: portal.MailboxShared, DepartmentID: f.depts["KLF"], Purpose: "x"}, "address", "giltig e-postadress"},
		{"hostile", portal.MailboxFields{Address: "<script>alert(1)</script>", Kind: portal.MailboxShared, DepartmentID: f.depts["KLF"], Purpose: "x"}, "address", "giltig e-postadress"},
		{"long purpose", portal.MailboxFields{Address: "ny@lillaedet.se", Kind: portal.MailboxShared, DepartmentID: f.depts["KLF"], Purpose: strings.Repeat("x", 2001)}, "purpose", "högst 2000"},
		{"unknown department", portal.MailboxFields{Address: "ny@lillaedet.se", Kind: portal.MailboxShared, DepartmentID: 999999, Purpose: "x"}, "department", "Välj en förvaltning"},
	} {
		_, err := f.mail.Save(ctx, f.it, 0, c.f, "req")
		if got := fieldError(err, c.field); !strings.Contains(got, c.want) {
			t.Errorf("%s: %v (%q), want %q", c.name, err, got, c.want)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM mailboxes`); n != 1 {
		t.Errorf("%d mailboxes saved, want 1", n)
	}
	if err := f.watch(t, f.it, id, "Anna Andersson", portal.WatcherMain, "2026-02-01", "2026-01-31"); !strings.Contains(fieldError(err, "to"), "före den första") {
		t.Errorf("reversed period: %v", err)
	}
	if err := f.watch(t, f.it, id, "Anna Andersson", portal.WatcherMain, "2026-01-01", "2026-06-30"); err != nil {
		t.Fatal(err)
	}
	if err := f.watch(t, f.it, id, "Anna Andersson", portal.WatcherDeputy, "2026-06-01", ""); !strings.Contains(fieldError(err, "from"), "har redan en period för brevlådan från 2026-01-01 till och med 2026-06-30") {
		t.Errorf("overlapping period: %v", err)
	}
	if err := f.watch(t, f.it, id, "Ingen Alls", portal.WatcherMain, "2026-01-01", ""); !strings.Contains(fieldError(err, "email"), "ingen aktiv person") {
		t.Errorf("unknown person: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM mailbox_watchers`); n != 1 {
		t.Errorf("%d periods saved, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE object_type = 'mailbox'`); n != audit+1 {
		t.Errorf("%d audit rows, want %d (the one period)", n, audit+1)
	}
}

// TestMailboxManagersEditTheirOwnDepartment: a manager registers and
// watches their own department's mailboxes; a manager of another
// department, or staff without staff of their own, cannot; IT-enheten
// edits every department's.
func TestMailboxManagersEditTheirOwnDepartment(t *testing.T) {
	t.Parallel()
	f := newMailboxes(t)
	ctx := context.Background()
	soc := f.mailbox(t, f.socManager, "socialtjanst@lillaedet.se", "SOC")
	klf := f.mailbox(t, f.it, "kommun@lillaedet.se", "KLF")
	// Bertil manages in SOC: not KLF's mailbox, nor a new one for KLF.
	if err := f.watch(t, f.socManager, klf, "Bertil Berg", portal.WatcherMain, "2026-01-01", ""); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("SOC's manager watched KLF's mailbox: %v", err)
	}
	if _, err := f.mail.Save(ctx, f.socManager, klf, portal.MailboxFields{Address: "kommun@lillaedet.se", Kind: portal.MailboxShared, DepartmentID: f.depts["KLF"], Purpose: "Ändrad"}, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("SOC's manager changed KLF's mailbox: %v", err)
	}
	if _, err := f.mail.Save(ctx, f.socManager, 0, portal.MailboxFields{Address: "ny@lillaedet.se", Kind: portal.MailboxShared, DepartmentID: f.depts["KLF"], Purpose: "x"}, "req"); !strings.Contains(fieldError(err, "department"), "din egen förvaltning") {
		t.Errorf("SOC's manager registered KLF's mailbox: %v", err)
	}
	// Leila is in SOC but manages nobody.
	leila := &portal.Actor{PersonID: f.people["Leila Haddad"], DepartmentID: f.depts["SOC"]}
	if err := f.watch(t, leila, soc, "Leila Haddad", portal.WatcherMain, "2026-01-01", ""); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("an employee watched: %v", err)
	}
	if err := f.watch(t, f.socManager, soc, "Leila Haddad", portal.WatcherMain, "2026-01-01", ""); err != nil {
		t.Errorf("SOC's manager on SOC's mailbox: %v", err)
	}
	if err := f.watch(t, f.klfManager, klf, "Anna Andersson", portal.WatcherMain, "2026-01-01", ""); err != nil {
		t.Errorf("KLF's manager on KLF's mailbox: %v", err)
	}
	if v, err := f.mail.Get(ctx, f.socManager, klf); err != nil || v.CanEdit {
		t.Errorf("SOC's manager is offered KLF's forms: %v %v", v.CanEdit, err)
	}
	if n := f.count(t, `SELECT count(*) FROM mailbox_watchers`); n != 2 {
		t.Errorf("%d periods, want 2", n)
	}
}

// TestMailboxR24KeptWithEveryChange: a mailbox registered without a
// bevakare is a breach at once (written in the same transaction), a
// deputy does not clear it, a bevakare does; a period that ends at
// midnight makes it a breach again at the periodic recomputation.
func TestMailboxR24KeptWithEveryChange(t *testing.T) {
	t.Parallel()
	f := newMailboxes(t)
	ctx := context.Background()
	today := portal.DateOf(f.clock.Now())
	id := f.mailbox(t, f.it, "bygglov@lillaedet.se", "SOC")
	if n := f.kept(t, "r24_unwatched"); n != 1 {
		t.Fatalf("registered without a watcher: %d breaches kept, want 1", n)
	}
	if err := f.watch(t, f.it, id, "Bertil Berg", portal.WatcherDeputy, "2024-01-01", ""); err != nil {
		t.Fatal(err)
	}
	if n := f.kept(t, "r24_unwatched"); n != 1 {
		t.Errorf("a deputy alone: %d breaches, want 1", n)
	}
	if err := f.watch(t, f.it, id, "Leila Haddad", portal.WatcherMain, "2024-01-01", day(today)); err != nil {
		t.Fatal(err)
	}
	if n := f.kept(t, "r24_unwatched"); n != 0 {
		t.Errorf("watched until today: %d breaches, want 0", n)
	}
	v, err := f.mail.Get(ctx, f.it, id)
	if err != nil || v.State != "Bevakas" || len(v.Periods) != 2 {
		t.Errorf("the page: %q, %d periods, %v", v.State, len(v.Periods), err)
	}
	// Midnight: the period has ended.
	f.clock.now = f.clock.now.Add(24 * time.Hour)
	f.recompute(t)
	if n := f.kept(t, "r24_unwatched"); n != 1 {
		t.Errorf("the day after the last day: %d breaches, want 1", n)
	}
	rows := f.drill(t, f.it, "r24_unwatched")
	if len(rows) != 1 || rows[0].Detail != "bygglov@lillaedet.se" || rows[0].DepartmentName != "Socialförvaltningen" {
		t.Errorf("drill-down: %+v", rows)
	}
}

func (f *mailboxFixture) count(t *testing.T, sql string) int { return int(f.id(t, sql)) }

// TestHandOverMovesMailboxes: a person's departure hands over their
// systemförvaltare roles and the mailboxes they watch in one action: the
// successor watches from the day, in the same role, and the leaver's
// period ended the day before; a planned later period stays.
func TestHandOverMovesMailboxes(t *testing.T) {
	t.Parallel()
	f := newMailboxes(t)
	ctx := context.Background()
	sys := f.compliant(t, "Ecos") // Anna administers it
	bygglov := f.mailbox(t, f.it, "bygglov@lillaedet.se", "SOC")
	kommun := f.mailbox(t, f.it, "kommun@lillaedet.se", "KLF")
	later := f.mailbox(t, f.it, "ekonomi@lillaedet.se", "KLF")
	for _, w := range []struct {
		box        int64
		role, from string
	}{{bygglov, portal.WatcherMain, "2024-01-01"}, {kommun, portal.WatcherDeputy, "2024-01-01"}, {later, portal.WatcherMain, "2099-01-01"}} {
		if err := f.watch(t, f.it, w.box, "Anna Andersson", w.role, w.from, ""); err != nil {
			t.Fatal(err)
		}
	}
	req := postgres.HandOverRequest{Successor: f.people["Bertil Berg"], From: date("2026-05-01"), AppointedBy: "Socialchefen"}
	plan, err := f.svc.PlanHandOver(ctx, f.it, f.people["Anna Andersson"], req)
	if err != nil || len(plan.Mailboxes) != 2 || len(plan.MailboxStays) != 1 || len(plan.Moves) != 1 {
		t.Fatalf("plan: %d mailboxes, %d staying, %d roles: %v", len(plan.Mailboxes), len(plan.MailboxStays), len(plan.Moves), err)
	}
	if _, err := f.svc.HandOver(ctx, f.it, f.people["Anna Andersson"], req); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		box       int64
		role      string
		leaverEnd string
	}{{bygglov, portal.WatcherMain, "2026-04-30"}, {kommun, portal.WatcherDeputy, "2026-04-30"}} {
		v, err := f.mail.Get(ctx, f.it, c.box)
		if err != nil {
			t.Fatal(err)
		}
		var successor, leaver bool
		for _, p := range v.Periods {
			switch {
			case p.Name == "Bertil Berg" && p.Role == c.role && day(p.From) == "2026-05-01" && p.To == nil:
				successor = true
			case p.Name == "Anna Andersson" && p.To != nil && day(*p.To) == c.leaverEnd:
				leaver = true
			}
		}
		if !successor || !leaver {
			t.Errorf("%s: successor from 2026-05-01 %v, leaver's period ended 2026-04-30 %v: %+v", v.Address, successor, leaver, v.Periods)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM mailbox_watchers w JOIN mailboxes m ON m.id = w.mailbox_id WHERE m.address = 'ekonomi@lillaedet.se' AND lower(w.valid) = '2099-01-01'`); n != 1 {
		t.Errorf("the planned period: %d", n)
	}
	if n := f.count(t, `SELECT count(*) FROM role_assignments WHERE system_id = `+itoa(sys)+` AND role = 'administrator' AND valid @> '2026-05-01'::date AND person_id = `+itoa(f.people["Bertil Berg"])); n != 1 {
		t.Errorf("the role: %d", n)
	}
}

// TestHandOverWithMailboxesIsAllOrNothing: when one mailbox cannot be
// handed over (the successor already has a later period on it), nothing
// is: neither the roles nor the other mailboxes.
func TestHandOverWithMailboxesIsAllOrNothing(t *testing.T) {
	t.Parallel()
	f := newMailboxes(t)
	ctx := context.Background()
	sys := f.compliant(t, "Ecos")
	a := f.mailbox(t, f.it, "bygglov@lillaedet.se", "SOC")
	b := f.mailbox(t, f.it, "kommun@lillaedet.se", "KLF")
	for _, box := range []int64{a, b} {
		if err := f.watch(t, f.it, box, "Anna Andersson", portal.WatcherMain, "2024-01-01", ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.watch(t, f.it, b, "Bertil Berg", portal.WatcherDeputy, "2026-06-01", ""); err != nil {
		t.Fatal(err)
	}
	before := f.count(t, `SELECT count(*) FROM audit_log`)
	_, err := f.svc.HandOver(ctx, f.it, f.people["Anna Andersson"], postgres.HandOverRequest{Successor: f.people["Bertil Berg"], From: date("2026-05-01"), AppointedBy: "Socialchefen"})
	if msg := fieldError(err, "from"); !strings.Contains(msg, "kommun@lillaedet.se: Bertil Berg har redan en period för brevlådan från 2026-06-01") {
		t.Fatalf("hand-over: %v (%q)", err, msg)
	}
	if n := f.count(t, `SELECT count(*) FROM mailbox_watchers WHERE person_id = `+itoa(f.people["Anna Andersson"])+` AND upper_inf(valid)`); n != 2 {
		t.Errorf("the leaver's open periods: %d, want 2", n)
	}
	if n := f.count(t, `SELECT count(*) FROM role_assignments WHERE system_id = `+itoa(sys)+` AND role = 'administrator' AND person_id = `+itoa(f.people["Anna Andersson"])+` AND upper_inf(valid)`); n != 1 {
		t.Errorf("the role moved: %d", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log`); n != before {
		t.Errorf("audit rows written: %d", n-before)
	}
}
