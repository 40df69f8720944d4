package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
)

// openSource is a complete open-source case, which only the IT head decides.
func (f *caseFixture) openSource(title string) portal.RequestFields {
	return portal.RequestFields{DepartmentID: f.depts["SOC"], Title: title, Description: "Kontorsprogram", Contact: "Anna",
		FinancingSource: "Ingen kostnad", FinancingConfirmed: true,
		Details: portal.RequestDetails{Software: "LibreOffice", Licence: "MPL-2.0", ProjectURL: "https://www.libreoffice.org",
			Stability: "God", Security: "Aktivt projekt", Compatibility: "ODF och OOXML", FutureProof: "Stor gemenskap"}}
}

// TestDeputyStandsIn: the IT head sets a stand-in period; inside it the
// deputy decides an open-source case (which only the IT head decides) and
// the decision records "som ersättare för chefen för IT-enheten" with the
// period; outside it (before, after, once ended early) the deputy is
// refused, and never decides their own case. The period is read in the
// decision's transaction: the actor passed in says nothing of it. Bad
// periods get Swedish messages and change nothing; periods are history.
func TestDeputyStandsIn(t *testing.T) {
	t.Parallel()
	f := newCases(t)
	ctx := context.Background()
	owner := f.db.OwnerPool(t)
	standIns := postgres.NewStandInService(f.db.Pool(t))
	deputyID := f.people["Cecilia Ceder"]
	if _, err := owner.Exec(ctx, `INSERT INTO person_roles (person_id, role) VALUES ($1, 'it_head_deputy'), ($2, 'it_head')`, deputyID, f.head.PersonID); err != nil {
		t.Fatal(err)
	}
	deputy := &portal.Actor{PersonID: deputyID, Name: "Cecilia Ceder", DepartmentID: f.depts["KLF"], Roles: []portal.Role{portal.RoleITHeadDeputy}}
	admin := &portal.Actor{PersonID: f.people["Leila Haddad"], Name: "Leila Haddad", Roles: []portal.Role{portal.RoleAdmin}}
	today := portal.Today()
	day := func(offset int) *time.Time { d := today.AddDate(0, 0, offset); return &d }

	before, _ := f.submitted(t, portal.KindOpenSource, f.openSource("Före perioden"))
	if err := f.req.Decide(ctx, deputy, before, portal.ActionGrant, "Som ersättare", "req"); portal.KindOf(err) != portal.KindForbidden ||
		!strings.Contains(portal.MessageOf(err), "bara under en ersättarperiod") {
		t.Errorf("the deputy deciding without a period: %v", err)
	}

	// Who sets a period, and what a period may be.
	if _, err := standIns.Set(ctx, f.deciders[0], deputyID, day(0), day(7), "", "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("IT-enheten setting a period: %v", err)
	}
	if _, err := standIns.Set(ctx, deputy, deputyID, day(0), day(7), "", "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("the deputy setting their own period: %v", err)
	}
	for name, c := range map[string]struct {
		deputy   int64
		from, to int
		field    string
	}{
		"yesterday":     {deputyID, -1, 3, "from"},
		"backwards":     {deputyID, 5, 4, "to"},
		"not a deputy":  {f.requester.PersonID, 0, 3, "deputy"},
		"nobody chosen": {0, 0, 3, "deputy"},
	} {
		_, err := standIns.Set(ctx, f.head, c.deputy, day(c.from), day(c.to), "", "req")
		if portal.KindOf(err) != portal.KindInvalid || fieldsOf(err)[c.field] == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM deputy_periods`); n != 0 {
		t.Fatalf("refused periods were stored: %d", n)
	}
	period, err := standIns.Set(ctx, f.head, deputyID, day(0), day(7), " Semester ", "req")
	if err != nil {
		t.Fatal(err)
	}
	_, err = standIns.Set(ctx, admin, deputyID, day(3), day(10), "", "req")
	if want := "Perioden överlappar en ersättarperiod som redan är satt: Cecilia Ceder " + day(0).Format("2006-01-02") + "–" + day(7).Format("2006-01-02") +
		". Avsluta den först, eller välj andra datum."; fieldsOf(err)["from"] != want {
		t.Errorf("an overlapping period: %v", fieldsOf(err))
	}

	// Inside the period: the deputy decides, as ersättare.
	if err := f.req.Decide(ctx, deputy, before, portal.ActionGrant, "Beviljas under chefens semester.", "req"); err != nil {
		t.Fatalf("the deputy deciding inside the period: %v", err)
	}
	v, err := f.req.Get(ctx, f.requester, before)
	if err != nil {
		t.Fatal(err)
	}
	if v.State != portal.StateGranted || v.DecidedByName != "Cecilia Ceder" || v.DecidedAs != portal.ActingAsDeputy {
		t.Errorf("the decision: %s by %s as %q", v.State, v.DecidedByName, v.DecidedAs)
	}
	if last := v.Events[len(v.Events)-1]; last.To != portal.StateGranted || portal.ActingAsLabel(last.ActingAs) != "som ersättare för chefen för IT-enheten" {
		t.Errorf("the timeline's decision: %+v", last)
	}
	if n := f.count(t, `SELECT count(*) FROM request_events WHERE request_id = $1 AND deputy_period_id = $2 AND acting_as = 'it_head_deputy'`, before, period); n != 1 {
		t.Errorf("the decision event names the period %d times", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'request.decided' AND object_id = ($1::bigint)::text AND changes ->> 'acting_as' = 'it_head_deputy'`, before); n != 1 {
		t.Errorf("the audit log records the capacity %d times", n)
	}
	// The IT head deciding records no capacity.
	byHead, _ := f.submitted(t, portal.KindOpenSource, f.openSource("Chefen beslutar"))
	if err := f.req.Decide(ctx, f.head, byHead, portal.ActionReject, "Avslås.", "req"); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.req.Get(ctx, f.requester, byHead); v.DecidedAs != "" {
		t.Errorf("the IT head decided as %q", v.DecidedAs)
	}
	// Never the deputy's own case, period or not.
	own, err := f.req.SaveDraft(ctx, deputy, 0, portal.KindOpenSource, 0, f.openSource("Ersättarens eget"), "req")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.req.Submit(ctx, deputy, own, "req"); err != nil {
		t.Fatal(err)
	}
	if err := f.req.Decide(ctx, deputy, own, portal.ActionGrant, "Eget", "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("the deputy deciding their own case in the period: %v", err)
	}

	// Ended early by an administrator: the stand-in stops today.
	after, _ := f.submitted(t, portal.KindOpenSource, f.openSource("Efter perioden"))
	if err := standIns.End(ctx, admin, period, "req"); err != nil {
		t.Fatal(err)
	}
	if err := standIns.End(ctx, f.head, period, "req"); portal.KindOf(err) != portal.KindConflict {
		t.Errorf("ending twice: %v", err)
	}
	if err := f.req.Decide(ctx, deputy, after, portal.ActionGrant, "Som ersättare", "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("the deputy deciding after the period ended: %v", err)
	}
	// A coming period does not count today; a period that ended yesterday neither.
	if _, err := standIns.Set(ctx, f.head, deputyID, day(30), day(40), "", "req"); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `INSERT INTO deputy_periods (deputy_id, starts_on, ends_on, set_by) VALUES ($1, $2, $3, $4)`,
		deputyID, *day(-10), *day(-1), f.head.PersonID); err != nil {
		t.Fatal(err)
	}
	if err := f.req.Decide(ctx, deputy, after, portal.ActionGrant, "Som ersättare", "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("the deputy deciding outside the periods: %v", err)
	}

	// History: every period stays, the ended one says who ended it.
	o, err := standIns.Overview(ctx, f.head)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Periods) != 3 || len(o.Deputies) != 1 || o.Deputies[0].Label != "Cecilia Ceder" {
		t.Fatalf("overview: %d periods, deputies %v", len(o.Periods), o.Deputies)
	}
	for _, p := range o.Periods {
		if p.ID == period && (!p.Ended() || p.EndedBy != "Leila Haddad" || p.SetBy != "Bertil Berg" || p.Note != "Semester" || p.Covers(today)) {
			t.Errorf("the ended period: %+v", p)
		}
	}
	if _, err := standIns.Overview(ctx, deputy); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("the deputy reading the overview: %v", err)
	}
	if _, err := f.db.Pool(t).Exec(ctx, `DELETE FROM deputy_periods`); err == nil {
		t.Error("the portal's role deleted a period")
	}
	if _, err := f.db.Pool(t).Exec(ctx, `UPDATE deputy_periods SET ends_on = ends_on + 1`); err == nil {
		t.Error("the portal's role changed a period")
	}
}
