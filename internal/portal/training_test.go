package portal

import (
	"strings"
	"testing"
	"time"
)

func TestCourseAudience(t *testing.T) {
	klf, soc := int64(1), int64(2)
	admin := Member{DepartmentID: soc, Administers: []int64{7}}
	plain := Member{DepartmentID: klf}
	for _, c := range []struct {
		name        string
		rule        CourseRule
		admin, kept bool
	}{
		{"all staff", CourseRule{Audience: AudienceAll}, true, true},
		{"a department", CourseRule{Audience: AudienceDepartment, DepartmentID: klf}, false, true},
		{"the users of a system owned by SOC", CourseRule{Audience: AudienceSystemUsers, SystemID: 7, SystemOwnerID: soc}, true, false},
		{"a system without an owner has no users", CourseRule{Audience: AudienceSystemUsers, SystemID: 7}, false, false},
		{"the administrators of system 7", CourseRule{Audience: AudienceAdministrators, SystemID: 7}, true, false},
		{"the administrators of system 8", CourseRule{Audience: AudienceAdministrators, SystemID: 8}, false, false},
		{"every administrator", CourseRule{Audience: AudienceAdministrators}, true, false},
		{"an unknown audience", CourseRule{Audience: "<script>"}, false, false},
	} {
		if got := c.rule.Includes(admin); got != c.admin {
			t.Errorf("%s: the administrator in SOC %v, want %v", c.name, got, c.admin)
		}
		if got := c.rule.Includes(plain); got != c.kept {
			t.Errorf("%s: the employee in KLF %v, want %v", c.name, got, c.kept)
		}
	}
}

func TestCourseDueAndStatus(t *testing.T) {
	today := tday("2026-12-02")
	p := func(s string) *time.Time { d := tday(s); return &d }
	for _, c := range []struct {
		name    string
		rule    CourseRule
		last    *time.Time
		due     string
		status  string
		lacking bool
	}{
		{"mandatory, never attended", CourseRule{Mandatory: true, RepeatMonths: 24}, nil, "", TrainingMissing, true},
		{"voluntary, never attended", CourseRule{RepeatMonths: 24}, nil, "", "", false},
		{"once, attended long ago", CourseRule{Mandatory: true}, p("2010-05-01"), "", TrainingDone, false},
		{"every 24 months, within", CourseRule{Mandatory: true, RepeatMonths: 24}, p("2025-06-01"), "2027-06-01", TrainingDone, false},
		{"every 24 months, due in 30 days", CourseRule{Mandatory: true, RepeatMonths: 24}, p("2025-01-01"), "2027-01-01", TrainingSoon, false},
		{"due today is not yet overdue", CourseRule{Mandatory: true, RepeatMonths: 12}, p("2025-12-02"), "2026-12-02", TrainingSoon, false},
		{"every 12 months, overdue by a day", CourseRule{Mandatory: true, RepeatMonths: 12}, p("2025-12-01"), "2026-12-01", TrainingOverdue, true},
		{"31 January + 1 month is the end of February", CourseRule{Mandatory: true, RepeatMonths: 1}, p("2026-01-31"), "2026-02-28", TrainingOverdue, true},
		{"29 February + 12 months", CourseRule{Mandatory: true, RepeatMonths: 12}, p("2024-02-29"), "2025-02-28", TrainingOverdue, true},
		{"voluntary and past its interval is not overdue", CourseRule{RepeatMonths: 12}, p("2020-01-01"), "2021-01-01", TrainingSoon, false},
	} {
		due := c.rule.DueOn(c.last)
		if (c.due == "" && !due.IsZero()) || (c.due != "" && !due.Equal(tday(c.due))) {
			t.Errorf("%s: due %v, want %q", c.name, due, c.due)
		}
		if got := c.rule.Status(c.last, today); got != c.status {
			t.Errorf("%s: status %q, want %q", c.name, got, c.status)
		}
		if got := c.rule.Lacks(c.last, today); got != c.lacking {
			t.Errorf("%s: lacks %v, want %v", c.name, got, c.lacking)
		}
	}
}

func TestCourseInputRefusesBadValues(t *testing.T) {
	good := CourseInput{Title: "  E-post   och kalender ", Audience: AudienceAll, Mandatory: true, RepeatMonths: "24", LeaderEmail: "anna.andersson@lillaedet.se"}
	f, errs := good.Parse()
	if len(errs) != 0 || f.Title != "E-post och kalender" || f.RepeatMonths != 24 {
		t.Fatalf("a good course: %+v %v", f, errs)
	}
	once := good
	once.RepeatMonths = ""
	if f, errs := once.Parse(); len(errs) != 0 || f.RepeatMonths != 0 {
		t.Errorf("a course given once: %+v %v", f, errs)
	}
	for _, c := range []struct {
		name, field, want string
		change            func(*CourseInput)
	}{
		{"no title", "title", "Ange kursens namn", func(in *CourseInput) { in.Title = " " }},
		{"an overlong title", "title", "högst 200 tecken", func(in *CourseInput) { in.Title = strings.Repeat("a", 201) }},
		{"a control character", "title", "inte är tillåtna", func(in *CourseInput) { in.Title = "E-post\x00" }},
		{"an overlong description", "description", "högst 5000 tecken", func(in *CourseInput) { in.Description = strings.Repeat("<script>", 700) }},
		{"no audience", "audience", "Välj vilka", func(in *CourseInput) { in.Audience = "" }},
		{"a department course without its department", "department_id", "Välj förvaltningen", func(in *CourseInput) { in.Audience = AudienceDepartment }},
		{"the users of no system", "system", "Ange systemet", func(in *CourseInput) { in.Audience = AudienceSystemUsers }},
		{"an absurd interval", "repeat_months", "mellan 1 och 120", func(in *CourseInput) { in.RepeatMonths = "1200" }},
		{"a negative interval", "repeat_months", "mellan 1 och 120", func(in *CourseInput) { in.RepeatMonths = "-3" }},
		{"an interval in words", "repeat_months", "ett heltal", func(in *CourseInput) { in.RepeatMonths = "två år" }},
		{"no leader", "leader_email", "Ange kursledarens", func(in *CourseInput) { in.LeaderEmail = "" }},
		{"a leader without an address", "leader_email", "till exempel", func(in *CourseInput) { in.LeaderEmail = "<script>alert(1)</script>" }},
	} {
		in := good
		c.change(&in)
		_, errs := in.Parse()
		if !strings.Contains(errs[c.field], c.want) {
			t.Errorf("%s: %s = %q, want %q (%v)", c.name, c.field, errs[c.field], c.want, errs)
		}
	}
}

func TestSessionInputRefusesBadValues(t *testing.T) {
	today := tday("2026-12-02")
	good := SessionInput{Date: "2027-01-14", Time: "09:00", Minutes: "90", Place: "Kommunhuset, sal A", Capacity: "20"}
	f, errs := good.Parse(today)
	if len(errs) != 0 || f.Capacity != 20 || f.Minutes != 90 || f.StartsAt.UTC().Format(time.RFC3339) != "2027-01-14T08:00:00Z" {
		t.Fatalf("a good session: %+v %v", f, errs)
	}
	for _, c := range []struct {
		name, field, want string
		change            func(*SessionInput)
	}{
		{"no capacity", "capacity", "Ange hur många", func(in *SessionInput) { in.Capacity = "" }},
		{"zero seats", "capacity", "minst en plats", func(in *SessionInput) { in.Capacity = "0" }},
		{"negative seats", "capacity", "minst en plats", func(in *SessionInput) { in.Capacity = "-5" }},
		{"absurd seats", "capacity", "högst 1000", func(in *SessionInput) { in.Capacity = "100000" }},
		{"seats in words", "capacity", "heltal", func(in *SessionInput) { in.Capacity = "tjugo" }},
		{"the distant past", "date", "mer än ett år bakåt", func(in *SessionInput) { in.Date = "2020-01-14" }},
		{"the distant future", "date", "mer än två år fram", func(in *SessionInput) { in.Date = "2126-01-14" }},
		{"a date that does not exist", "date", "ÅÅÅÅ-MM-DD", func(in *SessionInput) { in.Date = "2027-02-30" }},
		{"a wrong time", "time", "TT:MM", func(in *SessionInput) { in.Time = "25:00" }},
		{"too long", "minutes", "mellan 15 och 600", func(in *SessionInput) { in.Minutes = "6000" }},
		{"neither place nor link", "place", "plats eller en länk", func(in *SessionInput) { in.Place = "" }},
		{"a link that is not https", "link", "https://", func(in *SessionInput) { in.Link = "javascript:alert(1)" }},
		{"an overlong place", "place", "högst 200", func(in *SessionInput) { in.Place = strings.Repeat("x", 201) }},
	} {
		in := good
		c.change(&in)
		_, errs := in.Parse(today)
		if !strings.Contains(errs[c.field], c.want) {
			t.Errorf("%s: %s = %q, want %q (%v)", c.name, c.field, errs[c.field], c.want, errs)
		}
	}
}

func TestTrainingRights(t *testing.T) {
	emp := &Actor{PersonID: 5}
	leader := &Actor{PersonID: 9}
	it := &Actor{PersonID: 3, Roles: []Role{RoleITUnit}}
	if CanLeadCourse(emp, 9) || !CanLeadCourse(leader, 9) || !CanLeadCourse(it, 9) || CanLeadCourse(nil, 9) || CanLeadCourse(&Actor{}, 0) {
		t.Error("only the leader and IT-enheten record a course's attendance")
	}
	if CanManageTraining(emp) || !CanManageTraining(it) {
		t.Error("only IT-enheten and administrators create courses")
	}
}

func tday(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}
