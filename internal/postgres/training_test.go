package postgres_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

// trainingToday is the training fixture's clock: 2 December 2026, 09.00 in Stockholm.
var trainingToday = time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)

type trainingFixture struct {
	db       testkit.DB
	svc      *postgres.TrainingService
	board    *postgres.ComplianceService
	it       *portal.Actor
	leader   *portal.Actor
	employee *portal.Actor
	klf, soc int64
	people   map[string]int64
}

func newTraining(t *testing.T) *trainingFixture {
	t.Helper()
	f := &trainingFixture{db: testkit.NewDB(t), people: map[string]int64{}}
	ctx := context.Background()
	owner := f.db.OwnerPool(t)
	for _, d := range []struct {
		name, short string
		id          *int64
	}{{"Kommunledningsförvaltningen", "KLF", &f.klf}, {"Socialförvaltningen", "SOC", &f.soc}} {
		if err := owner.QueryRow(ctx, `INSERT INTO departments (name, short_name) VALUES ($1, $2) RETURNING id`, d.name, d.short).Scan(d.id); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []struct {
		name string
		dept int64
	}{{"IT Person", f.klf}, {"Karin Kursledare", f.klf}, {"Anna Andersson", f.soc}, {"Bertil Berg", f.soc}, {"Cecilia Chef", f.soc}} {
		var id int64
		if err := owner.QueryRow(ctx, `INSERT INTO people (name, email, department_id, employee_number, created_at) VALUES ($1, lower(replace($1, ' ', '.')) || '@lillaedet.se', $2, $3, '2020-01-01')
			RETURNING id`, p.name, p.dept, strconv.Itoa(1000+len(f.people))).Scan(&id); err != nil {
			t.Fatal(err)
		}
		f.people[p.name] = id
	}
	f.exec(t, `UPDATE people SET manager_id = $1 WHERE id IN ($2, $3)`, f.people["Cecilia Chef"], f.people["Anna Andersson"], f.people["Bertil Berg"])
	pool := f.db.Pool(t)
	now := func() time.Time { return trainingToday }
	f.svc = postgres.NewTrainingService(pool, "https://www.lillaedet.se", now)
	f.board = postgres.NewComplianceService(pool, nil, "https://www.lillaedet.se", now)
	f.it = &portal.Actor{PersonID: f.people["IT Person"], Roles: []portal.Role{portal.RoleITUnit}}
	f.leader = &portal.Actor{PersonID: f.people["Karin Kursledare"]}
	f.employee = &portal.Actor{PersonID: f.people["Anna Andersson"]}
	return f
}

func (f *trainingFixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.db.OwnerPool(t).Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

func (f *trainingFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.OwnerPool(t).QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *trainingFixture) course(t *testing.T, in portal.CourseInput) int64 {
	t.Helper()
	if in.LeaderEmail == "" {
		in.LeaderEmail = "karin.kursledare@lillaedet.se"
	}
	if in.Audience == "" {
		in.Audience = portal.AudienceAll
	}
	id, err := f.svc.CreateCourse(context.Background(), f.it, in, "req")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *trainingFixture) session(t *testing.T, course int64, date, clock, capacity string) int64 {
	t.Helper()
	id, err := f.svc.AddSession(context.Background(), f.leader, course, portal.SessionInput{Date: date, Time: clock, Place: "Kommunhuset, sal A", Capacity: capacity}, "req")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestTrainingLastSeatAtOnce: eight people taking the last two seats of a
// session at the same moment get two seats between them; the other six
// are told the session is full, and the audit log has two sign-ups.
func TestTrainingLastSeatAtOnce(t *testing.T) {
	t.Parallel()
	f := newTraining(t)
	ctx := context.Background()
	c := f.course(t, portal.CourseInput{Title: "E-post och kalender", Mandatory: true, RepeatMonths: "24"})
	s := f.session(t, c, "2026-12-10", "09:00", "2")
	var actors []*portal.Actor
	for i := range 8 {
		var id int64
		if err := f.db.OwnerPool(t).QueryRow(ctx, `INSERT INTO people (name, email, department_id) VALUES ($1, $2, $3) RETURNING id`,
			"Person "+strconv.Itoa(i), "person"+strconv.Itoa(i)+"@lillaedet.se", f.soc).Scan(&id); err != nil {
			t.Fatal(err)
		}
		actors = append(actors, &portal.Actor{PersonID: id})
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, len(actors))
	for i, a := range actors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f.svc.SignUp(ctx, a, s, "req")
		}()
	}
	close(start)
	wg.Wait()
	ok, full := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case portal.KindOf(err) == portal.KindConflict && portal.MessageOf(err) == "Tillfället är fullt. Välj ett annat tillfälle, eller fråga kursledaren om fler platser.":
			full++
		default:
			t.Errorf("sign-up: %v", err)
		}
	}
	if ok != 2 || full != 6 {
		t.Errorf("%d seats taken, %d told it is full; want 2 and 6", ok, full)
	}
	if n := f.count(t, `SELECT count(*) FROM session_signups WHERE session_id = $1`, s); n != 2 {
		t.Errorf("%d seats in the database, want 2", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'course.signed_up'`); n != 2 {
		t.Errorf("%d sign-ups in the audit log, want 2", n)
	}
	// A seat given up is free again.
	for i, err := range errs {
		if err == nil {
			if err := f.svc.Cancel(ctx, actors[i], s, "req"); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	for i, err := range errs {
		if err != nil {
			if err := f.svc.SignUp(ctx, actors[i], s, "req"); err != nil {
				t.Errorf("after a cancellation the seat is free: %v", err)
			}
			break
		}
	}
}

// TestTrainingAttendanceOnlyByTheLeader: a plain employee cannot record
// attendance nor add a session nor create a course; the leader records the
// session's participants, which ends the employee's R20 breach; nothing is
// recorded before the session has taken place.
func TestTrainingAttendanceOnlyByTheLeader(t *testing.T) {
	t.Parallel()
	f := newTraining(t)
	ctx := context.Background()
	if _, err := f.board.Recompute(ctx, false); err != nil {
		t.Fatal(err)
	}
	c := f.course(t, portal.CourseInput{Title: "Diariet grundkurs", Mandatory: true, Audience: portal.AudienceDepartment, DepartmentID: strconv.FormatInt(f.soc, 10)})
	past := f.session(t, c, "2026-11-20", "13:00", "10")
	f.exec(t, `INSERT INTO session_signups (session_id, person_id) VALUES ($1, $2), ($1, $3)`, past, f.people["Anna Andersson"], f.people["Bertil Berg"])
	if _, err := f.svc.RecordAttendance(ctx, f.employee, past, []int64{f.people["Anna Andersson"]}, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("an employee recorded attendance: %v", err)
	}
	if _, err := f.svc.AddSession(ctx, f.employee, c, portal.SessionInput{Date: "2027-01-10", Time: "09:00", Place: "Sal B", Capacity: "5"}, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("an employee added a session: %v", err)
	}
	if _, err := f.svc.CreateCourse(ctx, f.employee, portal.CourseInput{Title: "Egen kurs", Audience: portal.AudienceAll, LeaderEmail: "anna.andersson@lillaedet.se"}, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("an employee created a course: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM course_attendance`); n != 0 {
		t.Fatalf("%d attendances after refusals", n)
	}
	counts, _ := f.board.RuleCounts(ctx)
	if counts["R20"] != 3 { // Anna, Bertil and Cecilia of SOC
		t.Errorf("R20 %d before attendance, want 3", counts["R20"])
	}
	future := f.session(t, c, "2027-01-10", "09:00", "10")
	if _, err := f.svc.RecordAttendance(ctx, f.leader, future, nil, "req"); portal.KindOf(err) != portal.KindConflict {
		t.Errorf("attendance of a future session: %v", err)
	}
	if _, err := f.svc.RecordAttendance(ctx, f.leader, past, []int64{f.people["Cecilia Chef"]}, "req"); portal.KindOf(err) != portal.KindInvalid {
		t.Errorf("attendance of someone not signed up: %v", err)
	}
	n, err := f.svc.RecordAttendance(ctx, f.leader, past, []int64{f.people["Anna Andersson"]}, "req")
	if err != nil || n != 1 {
		t.Fatalf("the leader recorded %d: %v", n, err)
	}
	counts, _ = f.board.RuleCounts(ctx)
	if counts["R20"] != 2 {
		t.Errorf("R20 %d after Anna attended, want 2", counts["R20"])
	}
	if r, err := f.board.Recompute(ctx, false); err != nil || r.Added != 0 || r.Removed != 0 {
		t.Errorf("the attendance left the board out of step: %+v %v", r, err)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'course.attendance_recorded' AND actor_id = $1`, f.leader.PersonID); n != 1 {
		t.Errorf("%d attendance audit entries", n)
	}
	recs, _, err := f.svc.MyTraining(ctx, f.employee)
	if err != nil || len(recs) != 1 || recs[0].Status != portal.TrainingDone || recs[0].LastOn == nil || recs[0].LastOn.Format(time.DateOnly) != "2026-11-20" {
		t.Errorf("Anna's record: %+v %v", recs, err)
	}
	// Her manager sees who lacks it.
	staff, all, err := f.svc.StaffTraining(ctx, &portal.Actor{PersonID: f.people["Cecilia Chef"]}, true)
	if err != nil || all || len(staff) != 1 || staff[0].Name != "Bertil Berg" || staff[0].Status != portal.TrainingMissing {
		t.Errorf("the manager's staff lacking: %+v %v %v", staff, all, err)
	}
}

// TestTrainingBadInput: refused values keep nothing and say what is wrong:
// a duplicate title, an unknown system, an unknown leader, a session at a
// time the course already has one.
func TestTrainingBadInput(t *testing.T) {
	t.Parallel()
	f := newTraining(t)
	ctx := context.Background()
	c := f.course(t, portal.CourseInput{Title: "E-post och kalender"})
	for name, c := range map[string]struct {
		in    portal.CourseInput
		field string
	}{
		"a duplicate title":  {portal.CourseInput{Title: "e-post OCH kalender", Audience: portal.AudienceAll, LeaderEmail: "karin.kursledare@lillaedet.se"}, "title"},
		"an unknown system":  {portal.CourseInput{Title: "Ny", SystemName: "<script>alert(1)</script>", Audience: portal.AudienceAll, LeaderEmail: "karin.kursledare@lillaedet.se"}, "system"},
		"an unknown leader":  {portal.CourseInput{Title: "Ny", Audience: portal.AudienceAll, LeaderEmail: "ingen@lillaedet.se"}, "leader_email"},
		"an absurd interval": {portal.CourseInput{Title: "Ny", Audience: portal.AudienceAll, LeaderEmail: "karin.kursledare@lillaedet.se", RepeatMonths: "9999"}, "repeat_months"},
	} {
		_, err := f.svc.CreateCourse(ctx, f.it, c.in, "req")
		var pe *portal.Error
		if portal.KindOf(err) != portal.KindInvalid || !errors.As(err, &pe) || pe.Fields[c.field] == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
	f.session(t, c, "2027-01-10", "09:00", "5")
	if _, err := f.svc.AddSession(ctx, f.leader, c, portal.SessionInput{Date: "2027-01-10", Time: "09:00", Place: "Sal B", Capacity: "5"}, "req"); portal.KindOf(err) != portal.KindInvalid {
		t.Errorf("two sessions at once: %v", err)
	}
	if _, err := f.svc.AddSession(ctx, f.leader, c, portal.SessionInput{Date: "2027-01-11", Time: "09:00", Place: "Sal B", Capacity: "0"}, "req"); portal.KindOf(err) != portal.KindInvalid {
		t.Errorf("no seats: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM courses`); n != 1 {
		t.Errorf("%d courses", n)
	}
	if n := f.count(t, `SELECT count(*) FROM course_sessions`); n != 1 {
		t.Errorf("%d sessions", n)
	}
}

// TestTrainingImport: a spreadsheet's rows are checked all at once; one
// bad row saves nothing and each problem names its row; a clean file
// records every row, and the same file again records nothing new.
func TestTrainingImport(t *testing.T) {
	t.Parallel()
	f := newTraining(t)
	ctx := context.Background()
	f.course(t, portal.CourseInput{Title: "Diariet grundkurs", Mandatory: true, RepeatMonths: "24"})
	rows := []postgres.AttendanceRow{
		{Line: 2, Who: "anna.andersson@lillaedet.se", Course: "Diariet grundkurs", Date: "2026-05-04"},
		{Line: 3, Who: "1003", Course: "diariet  grundkurs", Date: "2026-05-04"}, // Bertil by employee number
		{Line: 4, Who: "okand@lillaedet.se", Course: "Diariet grundkurs", Date: "2026-05-04"},
		{Line: 5, Who: "anna.andersson@lillaedet.se", Course: "Ingen sådan kurs", Date: "2026-13-01"},
		{Line: 6, Who: "anna.andersson@lillaedet.se", Course: "Diariet grundkurs", Date: "2027-05-04"},
		{Line: 7, Who: "ANNA.ANDERSSON@lillaedet.se", Course: "Diariet grundkurs", Date: "2026-05-04"},
	}
	r, err := f.svc.ImportAttendance(ctx, f.it, rows, true, "req")
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{
		3: "", 4: "Ingen medarbetare har den e-postadressen eller det anställningsnumret.",
		5: "Skriv datumet som ÅÅÅÅ-MM-DD.", 6: "Datumet ligger i framtiden.",
		7: "Samma person, kurs och datum står på flera rader.",
	}
	got := map[int]string{}
	for _, p := range r.Problems {
		got[p.Line] = p.Message
	}
	for line, msg := range want {
		if msg != "" && got[line] != msg {
			t.Errorf("row %d: %q, want %q", line, got[line], msg)
		}
	}
	if got[2] != "Samma person, kurs och datum står på flera rader." || got[3] != "" || r.Done || r.Added != 0 {
		t.Errorf("import with problems: %+v", r)
	}
	if n := f.count(t, `SELECT count(*) FROM course_attendance`); n != 0 {
		t.Fatalf("a refused import saved %d rows", n)
	}
	good := rows[:2]
	if r, err := f.svc.ImportAttendance(ctx, f.it, good, false, "req"); err != nil || len(r.Problems) != 0 || r.Added != 2 || r.Done {
		t.Errorf("dry run: %+v %v", r, err)
	}
	if n := f.count(t, `SELECT count(*) FROM course_attendance`); n != 0 {
		t.Fatalf("a dry run saved %d rows", n)
	}
	if r, err := f.svc.ImportAttendance(ctx, f.it, good, true, "req"); err != nil || r.Added != 2 || !r.Done {
		t.Errorf("import: %+v %v", r, err)
	}
	if r, err := f.svc.ImportAttendance(ctx, f.it, good, true, "req"); err != nil || r.Added != 0 || r.Known != 2 {
		t.Errorf("the same file again: %+v %v", r, err)
	}
	if _, err := f.svc.ImportAttendance(ctx, f.employee, good, true, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("an employee imported: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'course.attendance_imported'`); n != 2 {
		t.Errorf("%d import audit entries, want 2", n)
	}
}

// TestTrainingRulesOnTheBoard: R20 counts the people of a mandatory
// course's audience who never took it or are overdue, per department; R21
// counts a system in operation whose mandatory course has had no session
// in 12 months; both follow each change at once and agree with a whole
// recomputation.
func TestTrainingRulesOnTheBoard(t *testing.T) {
	t.Parallel()
	f := newTraining(t)
	ctx := context.Background()
	var sys int64
	if err := f.db.OwnerPool(t).QueryRow(ctx, `INSERT INTO systems (name, lifecycle, introduced_before_portal) VALUES ('Public 360', 'i_drift', true) RETURNING id`).Scan(&sys); err != nil {
		t.Fatal(err)
	}
	f.exec(t, `INSERT INTO role_assignments (system_id, role, department_id, valid) VALUES ($1, 'owner', $2, daterange('2020-01-01', NULL))`, sys, f.klf)
	f.exec(t, `INSERT INTO role_assignments (system_id, role, person_id, valid) VALUES ($1, 'administrator', $2, daterange('2020-01-01', NULL))`, sys, f.people["Bertil Berg"])
	if _, err := f.board.Recompute(ctx, false); err != nil {
		t.Fatal(err)
	}
	step := func(name string, r20, r21 int, change func()) {
		t.Helper()
		change()
		got, err := f.board.RuleCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got["R20"] != r20 || got["R21"] != r21 {
			t.Errorf("%s: R20 %d, R21 %d; want %d, %d", name, got["R20"], got["R21"], r20, r21)
		}
		if r, err := f.board.Recompute(ctx, false); err != nil || r.Added != 0 || r.Removed != 0 {
			t.Errorf("%s left the board out of step: %+v %v", name, r, err)
		}
	}
	var c int64
	step("a voluntary course counts for nothing", 0, 0, func() { f.course(t, portal.CourseInput{Title: "Excel fördjupning", SystemName: "Public 360"}) })
	step("a mandatory course for the administrators of Public 360", 1, 0, func() {
		c = f.course(t, portal.CourseInput{Title: "Diariet för systemförvaltare", SystemName: "Public 360", Audience: portal.AudienceAdministrators, Mandatory: true, RepeatMonths: "12"})
	})
	step("a mandatory course for the users of Public 360 (KLF's staff)", 3, 0, func() {
		f.course(t, portal.CourseInput{Title: "Diariet grundkurs", SystemName: "Public 360", Audience: portal.AudienceSystemUsers, Mandatory: true})
	})
	step("the administrators' course registered 13 months ago has had no session", 3, 1, func() {
		f.exec(t, `UPDATE courses SET created_at = '2025-11-01' WHERE id = $1`, c)
		if _, err := f.board.Recompute(ctx, false); err != nil {
			t.Fatal(err)
		}
	})
	step("a session 11 months ago", 3, 0, func() {
		f.exec(t, `INSERT INTO course_sessions (course_id, starts_at, minutes, place, capacity) VALUES ($1, '2026-01-15 09:00+01', 60, 'Sal A', 10)`, c)
		if _, err := f.board.Recompute(ctx, false); err != nil {
			t.Fatal(err)
		}
	})
	step("Bertil took it 13 months ago: overdue", 3, 0, func() {
		if _, err := f.svc.ImportAttendance(ctx, f.it, []postgres.AttendanceRow{{Line: 2, Who: "bertil.berg@lillaedet.se", Course: "Diariet för systemförvaltare", Date: "2025-11-01"}}, true, "req"); err != nil {
			t.Fatal(err)
		}
	})
	step("and again last month", 2, 0, func() {
		if _, err := f.svc.ImportAttendance(ctx, f.it, []postgres.AttendanceRow{{Line: 2, Who: "bertil.berg@lillaedet.se", Course: "Diariet för systemförvaltare", Date: "2026-11-01"}}, true, "req"); err != nil {
			t.Fatal(err)
		}
	})
	step("the system is decommissioned: R21 does not apply, R20 still does", 2, 0, func() {
		f.exec(t, `UPDATE systems SET lifecycle = 'avvecklad' WHERE id = $1`, sys)
		if _, err := f.board.Recompute(ctx, false); err != nil {
			t.Fatal(err)
		}
	})
	list, err := f.board.RuleCounts(ctx)
	if err != nil || list["R20"] != 2 {
		t.Fatalf("%v %v", list, err)
	}
	if n := f.count(t, `SELECT count(*) FROM compliance_breaches WHERE check_key = 'r20_missing' AND department_id = $1`, f.klf); n != 2 {
		t.Errorf("KLF's missing: %d, want 2 (IT Person, Karin)", n)
	}
	if n := f.count(t, `SELECT count(*) FROM compliance_breaches WHERE check_key = 'r20_overdue'`); n != 0 {
		t.Errorf("overdue after the new attendance: %d", n)
	}
}

// TestTrainingDueInSQL: the follow-up's due dates in SQL are
// portal.CourseRule.DueOn's for month ends, leap days and ordinary days.
func TestTrainingDueInSQL(t *testing.T) {
	t.Parallel()
	f := newTraining(t)
	ctx := context.Background()
	for _, months := range []int{1, 6, 12, 24} {
		for _, last := range []string{"2024-02-29", "2026-01-31", "2025-08-31", "2026-03-15", "2023-12-31"} {
			var got time.Time
			if err := f.db.Pool(t).QueryRow(ctx, `SELECT ($1::date + make_interval(months => $2::int))::date`, last, months).Scan(&got); err != nil {
				t.Fatal(err)
			}
			d, _ := time.Parse(time.DateOnly, last)
			if want := (portal.CourseRule{RepeatMonths: months}).DueOn(&d); !got.Equal(want) {
				t.Errorf("%s + %d months: SQL %s, Go %s", last, months, got.Format(time.DateOnly), want.Format(time.DateOnly))
			}
		}
	}
}
