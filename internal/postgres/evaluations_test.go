package postgres_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"itportal/internal/jobs"
	"itportal/internal/portal"
	"itportal/internal/postgres"
)

// testClock is a movable clock for the evaluation service.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time             { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) advanceDays(n int)          { c.offset.Add(int64(time.Duration(n) * 24 * time.Hour)) }
func (c *testClock) today() time.Time           { return portal.DateOf(c.now()) }
func (c *testClock) in(days int) time.Time      { return c.today().AddDate(0, 0, days) }
func (c *testClock) inDays(days int) string     { return c.in(days).Format("2006-01-02") }
func (c *testClock) agoDays(days int) time.Time { return c.today().AddDate(0, 0, -days) }

type evalFixture struct {
	*registerFixture
	ev    *postgres.EvaluationService
	clock *testClock
}

func newEvaluations(t *testing.T) *evalFixture {
	t.Helper()
	f := &evalFixture{registerFixture: newRegister(t), clock: &testClock{}}
	f.ev = postgres.NewEvaluationService(f.db.Pool(t), jobs.Enqueuer(f.clients), "https://www.lillaedet.se", f.clock.now)
	return f
}

// person is an actor without roles (an ordinary employee).
func (f *evalFixture) person(name string) *portal.Actor {
	return &portal.Actor{PersonID: f.people[name], Name: name}
}

// system registers a system in operation administered by admin from 2024.
func (f *evalFixture) system(t *testing.T, name, admin, dept string) int64 {
	t.Helper()
	id := f.create(t, facts(name))
	if admin != "" {
		if err := f.admin(t, id, admin, "2024-01-01"); err != nil {
			t.Fatal(err)
		}
	}
	if dept != "" {
		f.owner(t, id, dept, "2024-01-01")
	}
	return id
}

func (f *evalFixture) owner(t *testing.T, id int64, dept, from string) {
	t.Helper()
	if err := f.svc.ChangeRole(context.Background(), f.it, id, postgres.RoleChange{Role: portal.RoleOwner, DepartmentID: f.depts[dept], From: date(from)}); err != nil {
		t.Fatal(err)
	}
}

// legacy records an imported evaluation date.
func (f *evalFixture) legacy(t *testing.T, id int64, on time.Time) {
	t.Helper()
	if _, err := f.db.OwnerPool(t).Exec(context.Background(), `INSERT INTO evaluations (system_id, evaluated_on, legacy) VALUES ($1, $2, true)`, id, on); err != nil {
		t.Fatal(err)
	}
}

func (f *evalFixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.OwnerPool(t).QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func answers() portal.EvaluationFields {
	return portal.EvaluationFields{UsersCount: "340", SupportScore: "4", UsedAsIntended: "delvis", ProposedAction: "utveckla",
		SupportComment: "Stöder handläggningen väl.", Coordination: "Kan samordnas med e-arkivet.", Cooperation: "Samverkan med grannkommunerna.",
		Efficiency: "E-tjänster för ansökningar.", PlannedChanges: "Ny version 2027."}
}

func fieldsOf(err error) map[string]string {
	var pe *portal.Error
	if errors.As(err, &pe) {
		return pe.Fields
	}
	return nil
}

// TestEvaluationDraftPrefillSubmit: only the administrator and IT-enheten
// may evaluate; bad values are field errors and change nothing; a draft is
// kept and read back; submission makes an immutable evaluation with the
// owner of the day, removes the draft and is audited; the next form starts
// from its answers.
func TestEvaluationDraftPrefillSubmit(t *testing.T) {
	t.Parallel()
	f := newEvaluations(t)
	ctx := context.Background()
	id := f.system(t, "Treserva", "Anna Andersson", "SOC")
	anna, bertil := f.person("Anna Andersson"), f.person("Bertil Berg")

	// Someone else: refused, nothing stored.
	if _, err := f.ev.Form(ctx, bertil, id); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("another person's form: %v", err)
	}
	if err := f.ev.SaveDraft(ctx, bertil, id, answers(), "r"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("another person's draft: %v", err)
	}
	if _, err := f.ev.Submit(ctx, bertil, id, 0, answers(), "r"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("another person's submission: %v", err)
	}
	if _, err := f.ev.Form(ctx, anna, 999999); portal.KindOf(err) != portal.KindNotFound {
		t.Errorf("a missing system: %v", err)
	}

	// Out of range: field errors, nothing saved.
	bad := answers()
	bad.UsersCount, bad.SupportScore, bad.ProposedAction = "1000001", "0", "sälja"
	err := f.ev.SaveDraft(ctx, anna, id, bad, "r")
	if fe := fieldsOf(err); fe["users_count"] == "" || fe["support_score"] == "" || fe["proposed_action"] == "" {
		t.Fatalf("out-of-range draft: %v", err)
	}
	if _, err := f.ev.Submit(ctx, anna, id, 0, bad, "r"); fieldsOf(err)["users_count"] == "" {
		t.Fatalf("out-of-range submission: %v", err)
	}
	if n := f.count(t, `SELECT (SELECT count(*) FROM evaluation_drafts) + (SELECT count(*) FROM evaluations)`); n != 0 {
		t.Fatalf("bad input stored %d rows", n)
	}

	// A partial draft, read back; IT-enheten continues it.
	partial := portal.EvaluationFields{UsersCount: "12 000", SupportComment: "Halvvägs"}
	if err := f.ev.SaveDraft(ctx, anna, id, partial, "r"); err != nil {
		t.Fatal(err)
	}
	form, err := f.ev.Form(ctx, f.it, id)
	if err != nil {
		t.Fatal(err)
	}
	if !form.Draft || form.Fields.UsersCount != "12000" || form.Fields.SupportComment != "Halvvägs" || form.DraftBy != "Anna Andersson" || form.Basis != 0 {
		t.Fatalf("draft read back: %+v", form)
	}
	// An incomplete submission: what is missing, nothing submitted.
	if _, err := f.ev.Submit(ctx, anna, id, form.Basis, form.Fields, "r"); fieldsOf(err)["proposed_action"] == "" || fieldsOf(err)["support_score"] == "" {
		t.Fatalf("incomplete submission: %v", err)
	}

	evalID, err := f.ev.Submit(ctx, anna, id, form.Basis, answers(), "req-1")
	if err != nil {
		t.Fatal(err)
	}
	e, err := f.ev.Get(ctx, bertil, id, evalID)
	if err != nil {
		t.Fatal(err)
	}
	if !e.EvaluatedOn.Equal(f.clock.today()) || e.Department != "Socialförvaltningen" || e.ByName != "Anna Andersson" || e.Legacy ||
		e.Fields != func() portal.EvaluationFields { a := answers(); _ = a.Validate(true); return a }() {
		t.Errorf("stored evaluation: %+v", e)
	}
	if n := f.count(t, `SELECT count(*) FROM evaluation_drafts`); n != 0 {
		t.Error("the draft outlived the submission")
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'system.evaluated' AND object_id = $1 AND request_id = 'req-1'`, strconv.FormatInt(id, 10)); n != 1 {
		t.Errorf("%d audit rows for the submission", n)
	}
	if _, err := f.ev.Get(ctx, bertil, id+1, evalID); portal.KindOf(err) != portal.KindNotFound {
		t.Errorf("an evaluation under another system: %v", err)
	}

	// The next form starts from the previous answers; the due date moved.
	next, err := f.ev.Form(ctx, anna, id)
	if err != nil {
		t.Fatal(err)
	}
	if next.Draft || next.PrefilledFrom == nil || next.Fields.Coordination != "Kan samordnas med e-arkivet." || next.Basis != evalID {
		t.Errorf("prefill: %+v", next)
	}
	if want := f.clock.today().AddDate(1, 0, 0); !next.State.DueOn.Equal(want) || next.State.Status != portal.EvaluationInTime {
		t.Errorf("due %v (%s), want %v", next.State.DueOn, next.State.Status, want)
	}
	hist, err := f.ev.History(ctx, bertil, id)
	if err != nil || len(hist) != 1 || hist[0].ID != evalID {
		t.Errorf("history: %v %+v", err, hist)
	}
	// A handover later does not move the evaluation to the new owner.
	f.owner(t, id, "KLF", f.clock.inDays(1))
	f.clock.advanceDays(2)
	if e, _ := f.ev.Get(ctx, anna, id, evalID); e.Department != "Socialförvaltningen" {
		t.Errorf("after a handover the evaluation belongs to %q", e.Department)
	}
}

// TestEvaluationsAreImmutable: a submitted evaluation cannot be changed or
// removed, not even by the database owner.
func TestEvaluationsAreImmutable(t *testing.T) {
	t.Parallel()
	f := newEvaluations(t)
	ctx := context.Background()
	id := f.system(t, "Heroma", "Anna Andersson", "KLF")
	if _, err := f.ev.Submit(ctx, f.person("Anna Andersson"), id, 0, answers(), "r"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE evaluations SET support_comment = 'ändrad'`,
		`UPDATE evaluations SET evaluated_on = evaluated_on + 400`,
		`DELETE FROM evaluations`,
		`TRUNCATE evaluations CASCADE`,
	} {
		if _, err := f.db.OwnerPool(t).Exec(ctx, q); err == nil {
			t.Errorf("the owner ran %q", q)
		}
		if _, err := f.db.Pool(t).Exec(ctx, q); err == nil {
			t.Errorf("the runtime role ran %q", q)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM evaluations WHERE support_comment = 'Stöder handläggningen väl.'`); n != 1 {
		t.Errorf("the evaluation changed: %d", n)
	}
}

// TestConcurrentEvaluationSubmissions: many submissions at once from forms
// opened on the same state make one evaluation; the others are told.
func TestConcurrentEvaluationSubmissions(t *testing.T) {
	t.Parallel()
	f := newEvaluations(t)
	ctx := context.Background()
	id := f.system(t, "Procapita", "Anna Andersson", "SOC")
	actors := []*portal.Actor{f.person("Anna Andersson"), f.it}
	var wg sync.WaitGroup
	var ok, conflicts atomic.Int32
	start := make(chan struct{})
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := f.ev.Submit(ctx, actors[i%2], id, 0, answers(), "r")
			switch {
			case err == nil:
				ok.Add(1)
			case portal.KindOf(err) == portal.KindConflict && strings.Contains(portal.MessageOf(err), "utvärderades redan"):
				conflicts.Add(1)
			default:
				t.Errorf("submission: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if ok.Load() != 1 || conflicts.Load() != 19 {
		t.Errorf("%d submitted, %d told, want 1 and 19", ok.Load(), conflicts.Load())
	}
	if n := f.count(t, `SELECT count(*) FROM evaluations`); n != 1 {
		t.Errorf("%d evaluations", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'system.evaluated'`); n != 1 {
		t.Errorf("%d audit rows", n)
	}
}

// TestEvaluationDueFollowsLastAndInterval: the view and portal.EvaluationDue
// agree; the due date follows the last evaluation (imported dates count)
// and the interval, which only IT-enheten sets, 1–12 months.
func TestEvaluationDueFollowsLastAndInterval(t *testing.T) {
	t.Parallel()
	f := newEvaluations(t)
	ctx := context.Background()
	owner := f.db.OwnerPool(t)

	cases := []struct {
		last   string
		months int
	}{{"2024-01-31", 1}, {"2024-02-29", 12}, {"2025-08-31", 6}, {"2025-11-30", 3}, {"2025-03-15", 12}, {"", 12}, {"", 5}}
	for i, c := range cases {
		id := f.system(t, "System "+string(rune('A'+i)), "", "")
		var last *time.Time
		if c.last != "" {
			d := date(c.last)
			last = &d
			f.legacy(t, id, d)
		}
		if _, err := owner.Exec(ctx, `UPDATE systems SET evaluation_interval_months = $2 WHERE id = $1`, id, c.months); err != nil {
			t.Fatal(err)
		}
		var due, created time.Time
		if err := owner.QueryRow(ctx, `SELECT ed.due_on, s.created_at FROM evaluation_due ed JOIN systems s ON s.id = ed.system_id WHERE s.id = $1`, id).Scan(&due, &created); err != nil {
			t.Fatal(err)
		}
		if want := portal.EvaluationDue(last, created, c.months); !due.Equal(want) {
			t.Errorf("last %q every %d months: the view says %s, Go %s", c.last, c.months, day(due), day(want))
		}
		sys, err := f.svc.Get(ctx, f.it, id)
		if err != nil {
			t.Fatal(err)
		}
		if !sys.EvaluationDue().Equal(due) {
			t.Errorf("the system's due date %s, the view %s", day(sys.EvaluationDue()), day(due))
		}
	}
	// Never above twelve months, not even in SQL.
	if _, err := owner.Exec(ctx, `UPDATE systems SET evaluation_interval_months = 13`); err == nil {
		t.Error("an interval of 13 months was stored")
	}

	// The interval through the service.
	id := f.system(t, "Platina", "Anna Andersson", "KLF")
	f.legacy(t, id, f.clock.agoDays(80))
	anna := f.person("Anna Andersson")
	if err := f.ev.SetInterval(ctx, anna, id, 3, "r"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("the administrator set the interval: %v", err)
	}
	for _, m := range []int{0, 13, -1} {
		if err := f.ev.SetInterval(ctx, f.it, id, m, "r"); fieldsOf(err)["interval"] == "" {
			t.Errorf("interval %d: %v", m, err)
		}
	}
	st, err := f.ev.State(ctx, anna, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != portal.EvaluationInTime || st.IntervalMonths != 12 || !st.CanEvaluate || st.CanSetInterval {
		t.Errorf("state: %+v", st)
	}
	if err := f.ev.SetInterval(ctx, f.it, id, 3, "r"); err != nil {
		t.Fatal(err)
	}
	st, _ = f.ev.State(ctx, anna, id)
	if want := portal.EvaluationDue(ptr(f.clock.agoDays(80)), time.Now(), 3); st.Status != portal.EvaluationSoon || !st.DueOn.Equal(want) {
		t.Errorf("after 3 months: %s due %s, want soon %s", st.Status, day(st.DueOn), day(want))
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'system.evaluation_interval_changed' AND object_id = $1`, strconv.FormatInt(id, 10)); n != 1 {
		t.Errorf("%d interval audit rows", n)
	}
	// The register's overdue filter follows the interval.
	if err := f.ev.SetInterval(ctx, f.it, id, 1, "r"); err != nil {
		t.Fatal(err)
	}
	page, err := f.svc.List(ctx, f.it, postgres.SystemFilter{EvaluationOverdue: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range page.Rows {
		found = found || r.ID == id
	}
	if !found {
		t.Error("the overdue filter misses a system overdue by its one-month interval")
	}
	breaches, _ := f.svc.Breaches(ctx, f.it, id)
	r12 := false
	for _, b := range breaches {
		r12 = r12 || b.Rule == "R12"
	}
	if !r12 {
		t.Error("no R12 breach for a system overdue by its interval")
	}
}

func ptr[T any](v T) *T { return &v }

func day(t time.Time) string { return t.Format("2006-01-02") }

// TestEvaluationRemindersOnce: 30 days before the due date the
// administrator is told once; after it once more; nothing else.
func TestEvaluationRemindersOnce(t *testing.T) {
	t.Parallel()
	f := newEvaluations(t)
	ctx := context.Background()
	id := f.system(t, "Evolution", "Anna Andersson", "SOC")
	f.system(t, "Utan förvaltare", "", "SOC") // nobody to tell
	other := f.system(t, "ArcGIS", "Bertil Berg", "SOC")
	f.legacy(t, other, f.clock.agoDays(30)) // due in eleven months
	// Due in 40 days.
	f.legacy(t, id, f.clock.in(40).AddDate(-1, 0, 0))
	jobsFor := func(topic string) int {
		return f.count(t, `SELECT count(*) FROM river_job WHERE kind = 'notify_evaluation' AND COALESCE((args->>'overdue')::bool, false) = $1
			AND (args->>'system_id')::bigint = $2 AND (args->>'person_id')::bigint = $3`, topic == "system.evaluation_overdue", id, f.people["Anna Andersson"])
	}
	remind := func(want int) {
		t.Helper()
		n, err := f.ev.Remind(ctx)
		if err != nil || n != want {
			t.Fatalf("reminders: %d (%v), want %d", n, err, want)
		}
	}
	remind(0)
	f.clock.advanceDays(10) // due in 30 days
	remind(1)
	remind(0)
	f.clock.advanceDays(20)
	remind(0)
	if jobsFor("system.evaluation_due") != 1 || jobsFor("system.evaluation_overdue") != 0 {
		t.Fatal("the 'soon' reminder was not sent exactly once")
	}
	f.clock.advanceDays(10) // on the due day: still in time
	remind(0)
	f.clock.advanceDays(1) // overdue
	remind(1)
	f.clock.advanceDays(5)
	remind(0)
	if jobsFor("system.evaluation_due") != 1 || jobsFor("system.evaluation_overdue") != 1 {
		t.Fatal("the 'overdue' reminder was not sent exactly once")
	}
	// Evaluated: the next reminders belong to the next due date.
	if _, err := f.ev.Submit(ctx, f.person("Anna Andersson"), id, latestID(t, f, id), answers(), "r"); err != nil {
		t.Fatal(err)
	}
	remind(0)
	f.clock.advanceDays(340) // 25 days before the next due date (ArcGIS is overdue by now too)
	if _, err := f.ev.Remind(ctx); err != nil {
		t.Fatal(err)
	}
	if jobsFor("system.evaluation_due") != 2 || jobsFor("system.evaluation_overdue") != 1 {
		t.Error("no 'soon' reminder for the next due date")
	}
	if n := f.count(t, `SELECT count(*) FROM evaluation_notices WHERE system_id = $1`, id); n != 3 {
		t.Errorf("%d notices recorded, want 3", n)
	}
}

func latestID(t *testing.T, f *evalFixture, id int64) int64 {
	t.Helper()
	return int64(f.count(t, `SELECT COALESCE(max(id), 0)::int FROM evaluations WHERE system_id = $1`, id))
}

// TestEvaluationOverviewAndDue: per department and period, what is due,
// overdue and done; the administrator's own list of what is due.
func TestEvaluationOverviewAndDue(t *testing.T) {
	t.Parallel()
	f := newEvaluations(t)
	ctx := context.Background()
	anna := f.person("Anna Andersson")
	done := f.system(t, "Treserva", "Anna Andersson", "SOC")
	overdue := f.system(t, "Procapita", "Anna Andersson", "SOC")
	f.legacy(t, overdue, f.clock.agoDays(400))
	soon := f.system(t, "Heroma", "Anna Andersson", "KLF")
	f.legacy(t, soon, f.clock.in(10).AddDate(-1, 0, 0))
	later := f.system(t, "Raindance", "Bertil Berg", "KLF")
	f.legacy(t, later, f.clock.agoDays(10))
	if _, err := f.ev.Submit(ctx, anna, done, 0, answers(), "r"); err != nil {
		t.Fatal(err)
	}
	// A planned system is not required.
	planned := facts("Nytt system")
	planned.Lifecycle = "planerad"
	f.create(t, planned)

	if _, err := f.ev.Overview(ctx, anna, postgres.OverviewFilter{From: f.clock.agoDays(400), To: f.clock.in(400)}); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("an administrator's overview: %v", err)
	}
	year := f.clock.today().Year()
	to := time.Date(year+1, 12, 31, 0, 0, 0, 0, time.UTC)
	ov, err := f.ev.Overview(ctx, f.it, postgres.OverviewFilter{From: f.clock.agoDays(20), To: to})
	if err != nil {
		t.Fatal(err)
	}
	status := map[int64]string{}
	for _, r := range ov.Rows {
		status[r.SystemID] = r.Status
	}
	if status[done] != postgres.OverviewDone || status[overdue] != postgres.OverviewOverdue || status[soon] != postgres.OverviewDue {
		t.Errorf("statuses: %v", status)
	}
	// Raindance's evaluation ten days ago (imported) is within the period too.
	if status[later] != postgres.OverviewDone {
		t.Errorf("Raindance: %q", status[later])
	}
	counts := map[string]postgres.DepartmentCount{}
	for _, d := range ov.Departments {
		counts[d.Department] = d
	}
	if c := counts["Socialförvaltningen"]; c.Done != 1 || c.Overdue != 1 || c.Due != 0 {
		t.Errorf("SOC: %+v", c)
	}
	if c := counts["Kommunledningsförvaltningen"]; c.Done != 1 || c.Due != 1 || c.Overdue != 0 {
		t.Errorf("KLF: %+v", c)
	}
	if ov.Total.Done != 2 || ov.Total.Due != 1 || ov.Total.Overdue != 1 {
		t.Errorf("total: %+v", ov.Total)
	}
	// One department.
	soc, err := f.ev.Overview(ctx, f.it, postgres.OverviewFilter{DepartmentID: f.depts["SOC"], From: f.clock.agoDays(20), To: to})
	if err != nil || len(soc.Rows) != 2 || len(soc.Departments) != 1 {
		t.Errorf("SOC only: %v %+v", err, soc)
	}
	// A period that ends before the recent evaluations: only the overdue one.
	past, err := f.ev.Overview(ctx, f.it, postgres.OverviewFilter{From: f.clock.agoDays(60), To: f.clock.agoDays(30)})
	if err != nil || len(past.Rows) != 1 || past.Rows[0].SystemID != overdue {
		t.Errorf("a past period: %v %+v", err, past.Rows)
	}
	if _, err := f.ev.Overview(ctx, f.it, postgres.OverviewFilter{From: to, To: f.clock.today()}); fieldsOf(err)["till"] == "" {
		t.Errorf("a period that ends before it begins: %v", err)
	}

	// Anna's own list: the overdue and the soon one, most urgent first.
	due, err := f.ev.DueFor(ctx, anna)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].SystemID != overdue || due[0].Status != portal.EvaluationOverdue || due[1].SystemID != soon || due[1].Status != portal.EvaluationSoon {
		t.Errorf("Anna's due evaluations: %+v", due)
	}
	if due, _ := f.ev.DueFor(ctx, f.person("Bertil Berg")); len(due) != 0 {
		t.Errorf("Bertil's: %+v", due)
	}
}
