package portal

import (
	"strconv"
	"strings"
	"time"
)

// Training (§5, and §3's "rätt utbildning"): courses for the shared systems
// (e-post, diarium: kommungemensamma system, run by
// Kommunledningsförvaltningen) and for any system, their sessions, the
// staff's sign-ups and attendance. Who must take a course, when a person
// is due again and whether a person lacks a mandatory course are computed
// here (CourseRule); the follow-up's SQL (internal/postgres/training.go,
// trainingDueSQL) is the same rule for many people at once and
// TestTrainingDueInSQL holds the two to the same answers.

// The audiences of a course.
const (
	AudienceAll            = "alla"             // all staff
	AudienceDepartment     = "forvaltning"      // the staff of one department
	AudienceSystemUsers    = "systemanvandare"  // the users of a system: the staff of its owning department
	AudienceAdministrators = "systemforvaltare" // the systemförvaltare (of the course's system, or of every system)
)

// Audiences in order, with Swedish labels.
var Audiences = []Choice{
	{AudienceAll, "All personal"}, {AudienceDepartment, "Personalen på en förvaltning"},
	{AudienceSystemUsers, "Användarna av ett system"}, {AudienceAdministrators, "Systemförvaltarna"},
}

// The states of a course.
const (
	CourseDraft     = "utkast"     // created from a granted case, not yet published by its leader
	CoursePublished = "publicerad" // in the list; mandatory courses count
	CourseEnded     = "avslutad"   // given no more; kept for the records
)

// CourseStates in order, with Swedish labels.
var CourseStates = []Choice{{CourseDraft, "Utkast"}, {CoursePublished, "Publicerad"}, {CourseEnded, "Avslutad"}}

// Limits of a course's and a session's values.
const (
	MaxRepeatMonths   = 120  // a course repeated less often than every ten years is a typing error
	MaxCapacity       = 1000 // more seats than a municipality's largest hall (a webinar may have many)
	MaxSessionMinutes = 600
	sessionPastDays   = 366 // a session may be registered afterwards, up to a year back
	sessionFutureDays = 731 // and planned up to two years ahead
)

// CourseInput is a course's form as typed.
type CourseInput struct {
	Title, Description, SystemName, Audience, DepartmentID string
	Mandatory                                              bool
	RepeatMonths, LeaderEmail                              string
}

// CourseFields are a course's checked values.
type CourseFields struct {
	Title        string
	Description  string
	SystemName   string // resolved to a system by the service; "" for none
	Audience     string
	DepartmentID int64 // for AudienceDepartment
	Mandatory    bool
	RepeatMonths int // 0: once
	LeaderEmail  string
}

// Parse checks the form and returns the course's values with Swedish
// messages per field.
func (in CourseInput) Parse() (CourseFields, map[string]string) {
	errs := map[string]string{}
	f := CourseFields{
		Title: strings.Join(strings.Fields(in.Title), " "), Description: strings.TrimSpace(in.Description),
		SystemName: strings.TrimSpace(in.SystemName), Audience: in.Audience, Mandatory: in.Mandatory,
		LeaderEmail: strings.TrimSpace(in.LeaderEmail),
	}
	for field, t := range map[string]struct {
		v         string
		max       int
		multiline bool
	}{"title": {f.Title, 200, false}, "description": {f.Description, 5000, true}, "system": {f.SystemName, 200, false}, "leader_email": {f.LeaderEmail, 254, false}} {
		if m := checkText(t.v, t.max, t.multiline); m != "" {
			errs[field] = m
		}
	}
	if f.Title == "" && errs["title"] == "" {
		errs["title"] = "Ange kursens namn, till exempel E-post och kalender för nyanställda."
	}
	if !validChoice(Audiences, f.Audience) {
		errs["audience"] = "Välj vilka kursen är till för."
	}
	if f.Audience == AudienceDepartment {
		f.DepartmentID = parseID(in.DepartmentID, "department_id", "Välj förvaltningen kursen är till för.", errs)
	}
	if f.Audience == AudienceSystemUsers && f.SystemName == "" && errs["system"] == "" {
		errs["system"] = "Ange systemet vars användare kursen är till för."
	}
	if s := strings.TrimSpace(in.RepeatMonths); s != "" && s != "0" {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil || len(s) > 4:
			errs["repeat_months"] = "Ange hur många månader som får gå mellan två tillfällen, ett heltal, till exempel 24. Lämna tomt om kursen går en gång."
		case n < 1 || n > MaxRepeatMonths:
			errs["repeat_months"] = "Ange ett intervall mellan 1 och " + strconv.Itoa(MaxRepeatMonths) + " månader, eller lämna tomt om kursen går en gång."
		default:
			f.RepeatMonths = n
		}
	}
	if f.LeaderEmail == "" {
		errs["leader_email"] = "Ange kursledarens e-postadress."
	} else if errs["leader_email"] == "" && !ValidEmail(f.LeaderEmail) {
		errs["leader_email"] = "Ange kursledarens e-postadress, till exempel anna.andersson@lillaedet.se."
	}
	return f, errs
}

// SessionInput is a session's form as typed.
type SessionInput struct {
	Date, Time, Minutes, Place, Link, Capacity string
}

// SessionFields are a session's checked values.
type SessionFields struct {
	StartsAt time.Time // in Stockholm
	Minutes  int
	Place    string
	Link     string
	Capacity int
}

// Parse checks a session's form: today is Stockholm's date.
func (in SessionInput) Parse(today time.Time) (SessionFields, map[string]string) {
	errs := map[string]string{}
	f := SessionFields{Place: strings.Join(strings.Fields(in.Place), " "), Link: strings.TrimSpace(in.Link), Minutes: 60}
	if m := checkText(f.Place, 200, false); m != "" {
		errs["place"] = m
	}
	if m := checkText(f.Link, 500, false); m != "" {
		errs["link"] = m
	} else if f.Link != "" && (!strings.HasPrefix(f.Link, "https://") || len(f.Link) < 12 || strings.ContainsAny(f.Link, " <>\"'")) {
		errs["link"] = "Ange länken till mötet med https://, till exempel https://teams.microsoft.com/…"
	}
	if f.Place == "" && f.Link == "" && errs["place"] == "" && errs["link"] == "" {
		errs["place"] = "Ange en plats eller en länk till mötet."
	}
	day := parseDate(in.Date, "date", true, errs)
	if !day.IsZero() {
		switch {
		case day.Before(today.AddDate(0, 0, -sessionPastDays)):
			errs["date"] = "Datumet ligger mer än ett år bakåt i tiden. Kontrollera året."
		case day.After(today.AddDate(0, 0, sessionFutureDays)):
			errs["date"] = "Datumet ligger mer än två år fram i tiden. Kontrollera året."
		}
	}
	clock, err := time.Parse("15:04", strings.TrimSpace(in.Time))
	if err != nil {
		errs["time"] = "Skriv klockslaget som TT:MM, till exempel 09:00."
	}
	if s := strings.TrimSpace(in.Minutes); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 15 || n > MaxSessionMinutes {
			errs["minutes"] = "Ange längden i minuter, mellan 15 och " + strconv.Itoa(MaxSessionMinutes) + "."
		} else {
			f.Minutes = n
		}
	}
	s := strings.TrimSpace(in.Capacity)
	n, cerr := strconv.Atoi(s)
	switch {
	case s == "":
		errs["capacity"] = "Ange hur många platser tillfället har."
	case cerr != nil || len(s) > 6:
		errs["capacity"] = "Ange antalet platser som ett heltal, till exempel 20."
	case n < 1:
		errs["capacity"] = "Ett tillfälle behöver minst en plats."
	case n > MaxCapacity:
		errs["capacity"] = "Ange högst " + strconv.Itoa(MaxCapacity) + " platser. Behövs fler, lägg till ett tillfälle till."
	default:
		f.Capacity = n
	}
	if len(errs) == 0 {
		f.StartsAt = time.Date(day.Year(), day.Month(), day.Day(), clock.Hour(), clock.Minute(), 0, 0, Stockholm)
	}
	return f, errs
}

// CourseRule is what the follow-up needs of a course: who it is for and
// how often it must be repeated.
type CourseRule struct {
	Audience     string
	DepartmentID int64 // AudienceDepartment
	SystemID     int64 // the course's system; 0 for none
	// SystemOwnerID is the department owning the system today
	// (AudienceSystemUsers: its staff are the system's users).
	SystemOwnerID int64
	Mandatory     bool
	RepeatMonths  int // 0: once
}

// Member is what the follow-up needs of a person.
type Member struct {
	DepartmentID int64
	Administers  []int64 // the systems the person is systemförvaltare of today
}

// Includes reports whether the person is in the course's audience.
func (c CourseRule) Includes(m Member) bool {
	switch c.Audience {
	case AudienceAll:
		return true
	case AudienceDepartment:
		return c.DepartmentID != 0 && m.DepartmentID == c.DepartmentID
	case AudienceSystemUsers:
		return c.SystemOwnerID != 0 && m.DepartmentID == c.SystemOwnerID
	case AudienceAdministrators:
		for _, id := range m.Administers {
			if c.SystemID == 0 || id == c.SystemID {
				return true
			}
		}
	}
	return false
}

// DueOn is when a person who last attended on last must take the course
// again: the same day RepeatMonths later (a day past the end of the month
// becomes its last day), or zero when it need not be repeated. A person
// who never attended is due at once (last nil: zero, and Status says so).
func (c CourseRule) DueOn(last *time.Time) time.Time {
	if last == nil || c.RepeatMonths <= 0 {
		return time.Time{}
	}
	return addMonths(dateOnly(*last), c.RepeatMonths)
}

// The training statuses of a person and a course.
const (
	TrainingMissing = "saknas"    // in the audience of a mandatory course, never attended
	TrainingOverdue = "forfallen" // attended, but the interval has run out
	TrainingSoon    = "snart"     // due within SoonDays
	TrainingDone    = "klar"      // attended within the interval (or once, for a course given once)
)

// SoonDays is how early a course coming due is shown, and the person reminded.
const SoonDays = 30

// Status is a person's status for the course on today, given their last
// attendance. A course that is not mandatory is never missing or overdue.
func (c CourseRule) Status(last *time.Time, today time.Time) string {
	if last == nil {
		if c.Mandatory {
			return TrainingMissing
		}
		return ""
	}
	due := c.DueOn(last)
	switch {
	case due.IsZero():
		return TrainingDone
	case due.Before(today) && c.Mandatory:
		return TrainingOverdue
	case !due.After(today.AddDate(0, 0, SoonDays)):
		return TrainingSoon
	}
	return TrainingDone
}

// Lacks reports whether a person in the audience lacks the mandatory
// course on today (R20): never attended, or overdue.
func (c CourseRule) Lacks(last *time.Time, today time.Time) bool {
	s := c.Status(last, today)
	return s == TrainingMissing || s == TrainingOverdue
}

// TrainingStatusLabel is a status in Swedish.
func TrainingStatusLabel(s string) string {
	switch s {
	case TrainingMissing:
		return "Saknas"
	case TrainingOverdue:
		return "Ska gås om"
	case TrainingSoon:
		return "Ska snart gås om"
	case TrainingDone:
		return "Genomförd"
	}
	return "Frivillig"
}

// RepeatLabel says how often a course must be taken.
func RepeatLabel(months int) string {
	switch {
	case months <= 0:
		return "En gång"
	case months == 12:
		return "Varje år"
	case months%12 == 0:
		return "Vart " + strconv.Itoa(months/12) + ":e år"
	}
	return "Var " + strconv.Itoa(months) + ":e månad"
}

// CanManageTraining reports whether the actor may create courses and
// sessions and record anyone's attendance: IT-enheten (for
// Kommunledningsförvaltningen's shared systems) and administrators. A
// course's leader manages their own course (CanLeadCourse).
func CanManageTraining(a *Actor) bool { return a.HasAny(RoleITUnit, RoleAdmin) }

// CanLeadCourse reports whether the actor may add sessions to a course
// and record its attendance: its leader, or whoever manages training.
func CanLeadCourse(a *Actor, leaderID int64) bool {
	return a != nil && (CanManageTraining(a) || (a.PersonID != 0 && a.PersonID == leaderID))
}
