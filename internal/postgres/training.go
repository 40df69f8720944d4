package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// TrainingService keeps courses, sessions, sign-ups and attendance (§5).
// Everyone signed in reads the courses and signs themselves up; IT-enheten
// and administrators create courses; a course's leader adds its sessions
// and records its attendance. Every change is in the audit log, and the
// board's R20 (the people concerned) and R21 (the course's system) are
// recomputed in the change's transaction.
type TrainingService struct {
	pool *pgxpool.Pool
	now  func() time.Time
	keep breachKeeper
}

// NewTrainingService returns the service over pool; official is
// ITPORTAL_OFFICIAL_WEB_ADDRESS (the systems' checks it recomputes), now
// its clock (nil is time.Now).
func NewTrainingService(pool *pgxpool.Pool, official string, now func() time.Time) *TrainingService {
	if now == nil {
		now = time.Now
	}
	return &TrainingService{pool: pool, now: now, keep: breachKeeper{official: official, now: now}}
}

// trainingDueCTEs is the follow-up in SQL, the same rule as
// portal.CourseRule (Includes, DueOn, Status): for every published
// mandatory course and every active person of tpeople (a named query the
// statement defines first) in its audience, the last attendance, when it
// is due again and the status. @today is Stockholm's date.
const trainingDueCTEs = `
	tc AS (
		SELECT c.id, c.title, c.audience, c.department_id, c.system_id, c.repeat_months, c.created_at,
		       (SELECT o.department_id FROM role_assignments o
		        WHERE o.system_id = c.system_id AND o.role = 'owner' AND o.valid @> @today::date LIMIT 1) AS owner_id
		FROM courses c WHERE c.state = 'publicerad' AND c.mandatory
	), tp AS (
		SELECT tc.id AS course_id, tc.title, tc.repeat_months, tc.created_at AS course_created,
		       p.id AS person_id, p.department_id, p.manager_id, p.created_at AS person_created
		FROM tc JOIN tpeople p ON p.active AND p.merged_into IS NULL
		WHERE tc.audience = 'alla'
		   OR (tc.audience = 'forvaltning' AND p.department_id = tc.department_id)
		   OR (tc.audience = 'systemanvandare' AND p.department_id = tc.owner_id)
		   OR (tc.audience = 'systemforvaltare' AND EXISTS (
		        SELECT 1 FROM role_assignments a WHERE a.role = 'administrator' AND a.person_id = p.id
		        AND a.valid @> @today::date AND (tc.system_id IS NULL OR a.system_id = tc.system_id)))
	), td AS (
		SELECT tp.*, la.last_on,
		       CASE WHEN la.last_on IS NOT NULL AND tp.repeat_months > 0
		            THEN (la.last_on + make_interval(months => tp.repeat_months))::date END AS due_on
		FROM tp LEFT JOIN LATERAL (
			SELECT max(a.attended_on) AS last_on FROM course_attendance a
			WHERE a.course_id = tp.course_id AND a.person_id = tp.person_id) la ON true
	), tstat AS (
		SELECT td.*, CASE WHEN td.last_on IS NULL THEN 'saknas'
		                  WHEN td.due_on < @today::date THEN 'forfallen'
		                  WHEN td.due_on <= @today::date + 30 THEN 'snart'
		                  ELSE 'klar' END AS status
		FROM td
	)`

// Course is a course as its page shows it.
type Course struct {
	ID            int64
	Title         string
	Description   string
	SystemID      int64
	SystemName    string
	Audience      string
	DepartmentID  int64
	Department    string
	Mandatory     bool
	RepeatMonths  int
	LeaderID      int64
	Leader        string
	LeaderEmail   string
	State         string
	SourceRequest int64
	NextSession   *time.Time
	Sessions      int
}

// Session is a session of a course, with its seats taken.
type Session struct {
	ID       int64
	CourseID int64
	Course   string
	StartsAt time.Time
	Minutes  int
	Place    string
	Link     string
	Capacity int
	Taken    int
	Mine     bool // the actor has a seat
}

// Participant is a person with a seat on a session, and whether their
// attendance is recorded.
type Participant struct {
	PersonID int64
	Name     string
	Email    string
	Attended bool
}

// CourseView is a course's page: the course, its sessions and, for its
// leader, the participants of each.
type CourseView struct {
	Course       Course
	Sessions     []Session
	Participants map[int64][]Participant // by session, for the leader
	Attended     int                     // how many attendances are recorded
	Audit        []AuditRow
}

const courseColumns = `c.id, c.title, c.description, COALESCE(c.system_id, 0), COALESCE(s.name, ''), c.audience,
	COALESCE(c.department_id, 0), COALESCE(d.name, ''), c.mandatory, c.repeat_months, c.leader_id, l.name, l.email, c.state,
	COALESCE(c.source_request_id, 0),
	(SELECT min(cs.starts_at) FROM course_sessions cs WHERE cs.course_id = c.id AND cs.starts_at >= @now::timestamptz),
	(SELECT count(*) FROM course_sessions cs WHERE cs.course_id = c.id)::int`

const courseFrom = ` FROM courses c JOIN people l ON l.id = c.leader_id
	LEFT JOIN systems s ON s.id = c.system_id LEFT JOIN departments d ON d.id = c.department_id`

func scanCourse(row pgx.Row) (Course, error) {
	var c Course
	err := row.Scan(&c.ID, &c.Title, &c.Description, &c.SystemID, &c.SystemName, &c.Audience, &c.DepartmentID, &c.Department,
		&c.Mandatory, &c.RepeatMonths, &c.LeaderID, &c.Leader, &c.LeaderEmail, &c.State, &c.SourceRequest, &c.NextSession, &c.Sessions)
	return c, err
}

// Courses lists the courses: published and ended ones for everyone,
// drafts for those who may lead them.
func (s *TrainingService) Courses(ctx context.Context, actor *portal.Actor) (_ []Course, err error) {
	defer wrap(&err, "list courses")
	rows, err := s.pool.Query(ctx, `SELECT `+courseColumns+courseFrom+`
		WHERE c.state <> 'utkast' OR @all OR c.leader_id = @me
		ORDER BY c.state = 'avslutad', c.mandatory DESC, c.title COLLATE swedish, c.id`,
		pgx.NamedArgs{"now": s.now(), "all": portal.CanManageTraining(actor), "me": actor.PersonID})
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []Course
	for rows.Next() {
		c, err := scanCourse(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// UpcomingSessions lists the sessions from now on of published courses,
// with the actor's own seats marked.
func (s *TrainingService) UpcomingSessions(ctx context.Context, actor *portal.Actor, limit int) (_ []Session, err error) {
	defer wrap(&err, "list upcoming sessions")
	return collectSessions(s.pool.Query(ctx, `SELECT cs.id, cs.course_id, c.title, cs.starts_at, cs.minutes, cs.place, cs.link, cs.capacity,
		(SELECT count(*) FROM session_signups su WHERE su.session_id = cs.id)::int,
		EXISTS (SELECT 1 FROM session_signups su WHERE su.session_id = cs.id AND su.person_id = @me)
		FROM course_sessions cs JOIN courses c ON c.id = cs.course_id
		WHERE c.state = 'publicerad' AND cs.starts_at >= @now::timestamptz
		ORDER BY cs.starts_at, cs.id LIMIT @limit`, pgx.NamedArgs{"me": actor.PersonID, "now": s.now(), "limit": limit}))
}

func collectSessions(rows pgx.Rows, err error) ([]Session, error) {
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Session])
	return list, translate(err)
}

// Course returns a course's page; a draft only to those who may lead it.
func (s *TrainingService) Course(ctx context.Context, actor *portal.Actor, id int64) (_ CourseView, err error) {
	defer wrap(&err, "get course %d", id)
	var v CourseView
	err = snapshotTx(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := scanCourse(tx.QueryRow(ctx, `SELECT `+courseColumns+courseFrom+` WHERE c.id = @id`, pgx.NamedArgs{"id": id, "now": s.now()}))
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && c.State == portal.CourseDraft && !portal.CanLeadCourse(actor, c.LeaderID)) {
			return portal.NotFound("Kursen finns inte.")
		}
		if err != nil {
			return translate(err)
		}
		v.Course = c
		rows, err := tx.Query(ctx, `SELECT cs.id, cs.course_id, '', cs.starts_at, cs.minutes, cs.place, cs.link, cs.capacity,
			(SELECT count(*) FROM session_signups su WHERE su.session_id = cs.id)::int,
			EXISTS (SELECT 1 FROM session_signups su WHERE su.session_id = cs.id AND su.person_id = $2)
			FROM course_sessions cs WHERE cs.course_id = $1 ORDER BY cs.starts_at, cs.id`, id, actor.PersonID)
		if err != nil {
			return translate(err)
		}
		if v.Sessions, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Session]); err != nil {
			return translate(err)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM course_attendance WHERE course_id = $1`, id).Scan(&v.Attended); err != nil {
			return translate(err)
		}
		if !portal.CanLeadCourse(actor, c.LeaderID) {
			return nil
		}
		v.Participants = map[int64][]Participant{}
		prow, err := tx.Query(ctx, `SELECT su.session_id, p.id, p.name, p.email,
			EXISTS (SELECT 1 FROM course_attendance a WHERE a.session_id = su.session_id AND a.person_id = p.id)
			FROM session_signups su JOIN course_sessions cs ON cs.id = su.session_id JOIN people p ON p.id = su.person_id
			WHERE cs.course_id = $1 ORDER BY p.name COLLATE swedish, p.id`, id)
		if err != nil {
			return translate(err)
		}
		defer prow.Close()
		for prow.Next() {
			var sid int64
			var p Participant
			if err := prow.Scan(&sid, &p.PersonID, &p.Name, &p.Email, &p.Attended); err != nil {
				return translate(err)
			}
			v.Participants[sid] = append(v.Participants[sid], p)
		}
		if err := prow.Err(); err != nil {
			return translate(err)
		}
		v.Audit, err = auditFor(ctx, tx, "course", strconv.FormatInt(id, 10))
		return translate(err)
	})
	return v, err
}

// lockCourse takes a course's row for a change and returns it.
func lockCourse(ctx context.Context, tx pgx.Tx, id int64) (Course, error) {
	var c Course
	err := tx.QueryRow(ctx, `SELECT id, title, COALESCE(system_id, 0), leader_id, state, mandatory FROM courses WHERE id = $1 FOR UPDATE`, id).
		Scan(&c.ID, &c.Title, &c.SystemID, &c.LeaderID, &c.State, &c.Mandatory)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, portal.NotFound("Kursen finns inte.")
	}
	return c, translate(err)
}

// resolveCourseRefs finds a course's system (by name) and leader (by
// e-mail) for its form, with the form's messages.
func resolveCourseRefs(ctx context.Context, tx pgx.Tx, f portal.CourseFields) (system, leader int64, errs map[string]string, err error) {
	errs = map[string]string{}
	if f.SystemName != "" {
		err = tx.QueryRow(ctx, `SELECT id FROM systems WHERE lower(name) = lower($1)`, f.SystemName).Scan(&system)
		if errors.Is(err, pgx.ErrNoRows) {
			errs["system"] = "Det finns inget system som heter så i registret. Skriv namnet som i registret, eller lämna tomt för en kurs utan system."
			err = nil
		} else if err != nil {
			return 0, 0, nil, translate(err)
		}
	}
	err = tx.QueryRow(ctx, `SELECT id FROM people WHERE lower(email) = lower($1) AND active AND merged_into IS NULL ORDER BY id LIMIT 1`, f.LeaderEmail).Scan(&leader)
	if errors.Is(err, pgx.ErrNoRows) {
		errs["leader_email"] = "Ingen aktiv medarbetare har den e-postadressen."
		err = nil
	} else if err != nil {
		return 0, 0, nil, translate(err)
	}
	if f.DepartmentID != 0 {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM departments WHERE id = $1)`, f.DepartmentID).Scan(&ok); err != nil {
			return 0, 0, nil, translate(err)
		}
		if !ok {
			errs["department_id"] = "Välj förvaltningen i listan."
		}
	}
	return system, leader, errs, nil
}

// CreateCourse creates a published course (IT-enheten, administrators).
func (s *TrainingService) CreateCourse(ctx context.Context, actor *portal.Actor, in portal.CourseInput, correlationID string) (_ int64, err error) {
	defer wrap(&err, "create course")
	if !portal.CanManageTraining(actor) {
		return 0, portal.Forbidden("Bara IT-enheten och administratörer lägger upp kurser.")
	}
	f, errs := in.Parse()
	if len(errs) > 0 {
		return 0, portal.Invalid("Uppgifterna behöver rättas.", errs)
	}
	var id int64
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		system, leader, errs, err := resolveCourseRefs(ctx, tx, f)
		if err != nil {
			return err
		}
		var other string
		switch err := tx.QueryRow(ctx, `SELECT title FROM courses WHERE lower(title) = lower($1)`, f.Title).Scan(&other); {
		case err == nil:
			errs["title"] = "Det finns redan en kurs som heter " + other + "."
		case !errors.Is(err, pgx.ErrNoRows):
			return translate(err)
		}
		if len(errs) > 0 {
			return portal.Invalid("Uppgifterna behöver rättas.", errs)
		}
		var sys, dept *int64
		if system != 0 {
			sys = &system
		}
		if f.DepartmentID != 0 {
			dept = &f.DepartmentID
		}
		err = tx.QueryRow(ctx, `INSERT INTO courses (title, description, system_id, audience, department_id, mandatory, repeat_months, leader_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			f.Title, f.Description, sys, f.Audience, dept, f.Mandatory, f.RepeatMonths, leader).Scan(&id)
		if isUniqueViolation(err) {
			return portal.Invalid("Uppgifterna behöver rättas.", map[string]string{"title": "Det finns redan en kurs med det namnet."})
		}
		if err != nil {
			return translate(err)
		}
		if err := s.refreshCourse(ctx, tx, system, f.Mandatory); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "course.created", ObjectType: "course",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: map[string]any{
				"title": map[string]any{"before": nil, "after": f.Title}, "audience": map[string]any{"before": nil, "after": f.Audience},
				"mandatory": map[string]any{"before": nil, "after": f.Mandatory}, "repeat_months": map[string]any{"before": nil, "after": f.RepeatMonths},
				"system_id": map[string]any{"before": nil, "after": system}, "leader_id": map[string]any{"before": nil, "after": leader}}})
	})
	return id, err
}

// refreshCourse recomputes what a course's change may alter: R21 of its
// system and, for a mandatory course, R20 of everyone.
func (s *TrainingService) refreshCourse(ctx context.Context, tx pgx.Tx, system int64, mandatory bool) error {
	sc := Scope{AllPeople: mandatory}
	if system != 0 {
		sc.Systems = []int64{system}
	}
	return s.keep.refresh(ctx, tx, sc)
}

// SetCourseState publishes a draft or ends a course (its leader, or
// IT-enheten).
func (s *TrainingService) SetCourseState(ctx context.Context, actor *portal.Actor, id int64, state, correlationID string) (err error) {
	defer wrap(&err, "set course %d state", id)
	if state != portal.CoursePublished && state != portal.CourseEnded {
		return portal.Invalid("Välj publicera eller avsluta.", nil)
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := lockCourse(ctx, tx, id)
		if err != nil {
			return err
		}
		if !portal.CanLeadCourse(actor, c.LeaderID) {
			return portal.Forbidden("Bara kursledaren och IT-enheten ändrar kursen.")
		}
		if c.State == state {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE courses SET state = $2, updated_at = now() WHERE id = $1`, id, state); err != nil {
			return translate(err)
		}
		if err := s.refreshCourse(ctx, tx, c.SystemID, c.Mandatory); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "course.state_changed", ObjectType: "course",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: map[string]any{"state": map[string]any{"before": c.State, "after": state}}})
	})
}

// AddSession adds a session to a course (its leader, or IT-enheten).
func (s *TrainingService) AddSession(ctx context.Context, actor *portal.Actor, courseID int64, in portal.SessionInput, correlationID string) (_ int64, err error) {
	defer wrap(&err, "add session to course %d", courseID)
	var id int64
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := lockCourse(ctx, tx, courseID)
		if err != nil {
			return err
		}
		if !portal.CanLeadCourse(actor, c.LeaderID) {
			return portal.Forbidden("Bara kursledaren och IT-enheten lägger till tillfällen.")
		}
		f, errs := in.Parse(portal.DateOf(s.now()))
		if len(errs) > 0 {
			return portal.Invalid("Uppgifterna behöver rättas.", errs)
		}
		err = tx.QueryRow(ctx, `INSERT INTO course_sessions (course_id, starts_at, minutes, place, link, capacity)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (course_id, starts_at) DO NOTHING RETURNING id`,
			courseID, f.StartsAt, f.Minutes, f.Place, f.Link, f.Capacity).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.Invalid("Uppgifterna behöver rättas.", map[string]string{"time": "Kursen har redan ett tillfälle som börjar då."})
		}
		if err != nil {
			return translate(err)
		}
		if c.SystemID != 0 {
			if err := s.keep.refresh(ctx, tx, Scope{Systems: []int64{c.SystemID}}); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "course.session_added", ObjectType: "course",
			ObjectID: strconv.FormatInt(courseID, 10), RequestID: correlationID, Changes: map[string]any{
				"session_id": map[string]any{"before": nil, "after": id}, "starts_at": map[string]any{"before": nil, "after": f.StartsAt},
				"place": map[string]any{"before": nil, "after": f.Place}, "link": map[string]any{"before": nil, "after": f.Link},
				"capacity": map[string]any{"before": nil, "after": f.Capacity}}})
	})
	return id, err
}

// lockSession takes a session's row (so seats are counted one sign-up at
// a time) with its course.
func lockSession(ctx context.Context, tx pgx.Tx, id int64) (Session, Course, error) {
	var ss Session
	var c Course
	err := tx.QueryRow(ctx, `SELECT cs.id, cs.course_id, c.title, cs.starts_at, cs.capacity, c.leader_id, c.state, COALESCE(c.system_id, 0)
		FROM course_sessions cs JOIN courses c ON c.id = cs.course_id WHERE cs.id = $1 FOR UPDATE OF cs`, id).
		Scan(&ss.ID, &ss.CourseID, &ss.Course, &ss.StartsAt, &ss.Capacity, &c.LeaderID, &c.State, &c.SystemID)
	if errors.Is(err, pgx.ErrNoRows) {
		return ss, c, portal.NotFound("Tillfället finns inte.")
	}
	c.ID, c.Title = ss.CourseID, ss.Course
	return ss, c, translate(err)
}

// ErrSessionFull is the conflict of a sign-up to a session without a free seat.
const sessionFull = "Tillfället är fullt. Välj ett annat tillfälle, eller fråga kursledaren om fler platser."

// SignUp gives the actor a seat on a session: refused when the session is
// full, has begun, or its course is not published. Two people taking the
// last seat at once: the session's row is locked while the seats are
// counted, so one gets it and the other is told it is full.
func (s *TrainingService) SignUp(ctx context.Context, actor *portal.Actor, sessionID int64, correlationID string) (err error) {
	defer wrap(&err, "sign up for session %d", sessionID)
	if actor == nil || actor.PersonID == 0 {
		return portal.Forbidden("Logga in för att anmäla dig.")
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		ss, c, err := lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if c.State != portal.CoursePublished {
			return portal.Conflict("Kursen tar inte emot anmälningar.")
		}
		if !ss.StartsAt.After(s.now()) {
			return portal.Conflict("Tillfället har redan börjat; det går inte att anmäla sig.")
		}
		var taken int
		var mine bool
		if err := tx.QueryRow(ctx, `SELECT count(*), COALESCE(bool_or(person_id = $2), false) FROM session_signups WHERE session_id = $1`,
			sessionID, actor.PersonID).Scan(&taken, &mine); err != nil {
			return translate(err)
		}
		if mine {
			return portal.Conflict("Du är redan anmäld till tillfället.")
		}
		if taken >= ss.Capacity {
			return portal.Conflict(sessionFull)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO session_signups (session_id, person_id) VALUES ($1, $2)`, sessionID, actor.PersonID); err != nil {
			return translate(err)
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "course.signed_up", ObjectType: "course",
			ObjectID: strconv.FormatInt(c.ID, 10), RequestID: correlationID, Changes: map[string]any{
				"session_id": sessionID, "person_id": map[string]any{"before": nil, "after": actor.PersonID}}})
	})
}

// Cancel gives up the actor's seat on a session that has not begun.
func (s *TrainingService) Cancel(ctx context.Context, actor *portal.Actor, sessionID int64, correlationID string) (err error) {
	defer wrap(&err, "cancel session %d", sessionID)
	if actor == nil || actor.PersonID == 0 {
		return portal.Forbidden("Logga in för att avanmäla dig.")
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		ss, c, err := lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if !ss.StartsAt.After(s.now()) {
			return portal.Conflict("Tillfället har redan börjat; det går inte att avanmäla sig.")
		}
		tag, err := tx.Exec(ctx, `DELETE FROM session_signups WHERE session_id = $1 AND person_id = $2`, sessionID, actor.PersonID)
		if err != nil {
			return translate(err)
		}
		if tag.RowsAffected() == 0 {
			return portal.Conflict("Du är inte anmäld till tillfället.")
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "course.cancelled", ObjectType: "course",
			ObjectID: strconv.FormatInt(c.ID, 10), RequestID: correlationID, Changes: map[string]any{
				"session_id": sessionID, "person_id": map[string]any{"before": actor.PersonID, "after": nil}}})
	})
}

// RecordAttendance records who of a session's participants attended (the
// course's leader, or IT-enheten), on the session's day; people not ticked
// keep no attendance from it. A session that has not begun has none.
func (s *TrainingService) RecordAttendance(ctx context.Context, actor *portal.Actor, sessionID int64, people []int64, correlationID string) (added int, err error) {
	defer wrap(&err, "record attendance of session %d", sessionID)
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		ss, c, err := lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if !portal.CanLeadCourse(actor, c.LeaderID) {
			return portal.Forbidden("Bara kursledaren och IT-enheten registrerar närvaro.")
		}
		if ss.StartsAt.After(s.now()) {
			return portal.Conflict("Tillfället har inte ägt rum än; närvaron registreras efteråt.")
		}
		var strangers int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM unnest($2::bigint[]) AS u(id)
			WHERE NOT EXISTS (SELECT 1 FROM session_signups su WHERE su.session_id = $1 AND su.person_id = u.id)`, sessionID, people).Scan(&strangers); err != nil {
			return translate(err)
		}
		if strangers > 0 {
			return portal.Invalid("Närvaron kunde inte sparas.", map[string]string{"deltagare": "Välj bland de anmälda deltagarna."})
		}
		tag, err := tx.Exec(ctx, `INSERT INTO course_attendance (course_id, person_id, attended_on, session_id, source, recorded_by)
			SELECT $1, u.id, ($3::timestamptz AT TIME ZONE 'Europe/Stockholm')::date, $2, 'narvaro', $5
			FROM unnest($4::bigint[]) AS u(id) ON CONFLICT DO NOTHING`, c.ID, sessionID, ss.StartsAt, people, actor.PersonID)
		if err != nil {
			return translate(err)
		}
		added = int(tag.RowsAffected())
		if err := s.keep.refresh(ctx, tx, Scope{People: people}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "course.attendance_recorded", ObjectType: "course",
			ObjectID: strconv.FormatInt(c.ID, 10), RequestID: correlationID, Changes: map[string]any{
				"session_id": sessionID, "attended": map[string]any{"before": nil, "after": people}, "added": added}})
	})
	return added, err
}

// AttendanceRow is a row of an attendance spreadsheet: who (e-mail or
// employee number), which course (its title) and the day.
type AttendanceRow struct {
	Line   int
	Who    string
	Course string
	Date   string
}

// RowProblem is what is wrong with one row of an import.
type RowProblem struct {
	Line    int
	Message string
}

// AttendanceImport is what an import did or would do.
type AttendanceImport struct {
	Rows     int
	Problems []RowProblem
	Added    int // new attendances (or, in a dry run, that would be)
	Known    int // already recorded
	Done     bool
}

// maxImportRows bounds an attendance import: HR's yearly export of a
// municipality of this size is well within it.
const maxImportRows = 20000

// ImportAttendance checks every row of an attendance spreadsheet against
// the register in one statement and, when commit is set and no row has a
// problem, records them all in one more; otherwise nothing is saved (all
// or nothing). IT-enheten and administrators import.
func (s *TrainingService) ImportAttendance(ctx context.Context, actor *portal.Actor, rows []AttendanceRow, commit bool, correlationID string) (_ AttendanceImport, err error) {
	defer wrap(&err, "import attendance")
	out := AttendanceImport{Rows: len(rows)}
	if !portal.CanManageTraining(actor) {
		return out, portal.Forbidden("Bara IT-enheten och administratörer importerar närvaro.")
	}
	if len(rows) == 0 {
		return out, portal.Invalid("Filen har inga rader att importera.", map[string]string{"fil": "Filen har inga rader under rubrikraden."})
	}
	if len(rows) > maxImportRows {
		return out, portal.Invalid("Filen är för stor.", map[string]string{"fil": "Dela upp filen: högst " + strconv.Itoa(maxImportRows) + " rader åt gången."})
	}
	today := portal.DateOf(s.now())
	who, course, days, lines := make([]string, 0, len(rows)), make([]string, 0, len(rows)), make([]time.Time, 0, len(rows)), make([]int32, 0, len(rows))
	for _, r := range rows {
		var msgs []string
		w, c := strings.TrimSpace(r.Who), strings.Join(strings.Fields(r.Course), " ")
		if m := portal.TextProblem(w, 320, false); m != "" || w == "" {
			msgs = append(msgs, "ange personens e-postadress eller anställningsnummer")
		}
		if m := portal.TextProblem(c, 200, false); m != "" || c == "" {
			msgs = append(msgs, "ange kursens namn")
		}
		d, derr := time.Parse(time.DateOnly, strings.TrimSpace(r.Date))
		switch {
		case derr != nil:
			msgs = append(msgs, "skriv datumet som ÅÅÅÅ-MM-DD")
		case d.After(today):
			msgs = append(msgs, "datumet ligger i framtiden")
		case d.Before(today.AddDate(-20, 0, 0)):
			msgs = append(msgs, "datumet ligger mer än 20 år bakåt")
		}
		if len(msgs) > 0 {
			out.Problems = append(out.Problems, RowProblem{Line: r.Line, Message: upperFirst(strings.Join(msgs, "; ")) + "."})
			continue
		}
		who, course, days, lines = append(who, w), append(course, c), append(days, d), append(lines, int32(r.Line))
	}
	type resolved struct {
		Line     int32
		PersonID *int64
		People   int
		CourseID *int64
		Known    bool
		Dup      bool
	}
	var list []resolved
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		rs, err := tx.Query(ctx, `WITH u AS (
				SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::int[]) AS u(who, course, day, line)
			), m AS (
				SELECT u.line, u.day,
				       (SELECT min(p.id) FROM people p WHERE p.merged_into IS NULL AND (lower(p.email) = lower(u.who) OR p.employee_number = u.who)) AS person_id,
				       (SELECT count(*) FROM people p WHERE p.merged_into IS NULL AND (lower(p.email) = lower(u.who) OR p.employee_number = u.who))::int AS people,
				       (SELECT c.id FROM courses c WHERE lower(c.title) = lower(u.course)) AS course_id
				FROM u
			)
			SELECT m.line, m.person_id, m.people, m.course_id,
			       EXISTS (SELECT 1 FROM course_attendance a WHERE a.course_id = m.course_id AND a.person_id = m.person_id AND a.attended_on = m.day),
			       count(*) OVER (PARTITION BY m.person_id, m.course_id, m.day) > 1 AND m.person_id IS NOT NULL AND m.course_id IS NOT NULL
			FROM m ORDER BY m.line`, who, course, days, lines)
		if err != nil {
			return translate(err)
		}
		if list, err = pgx.CollectRows(rs, pgx.RowToStructByPos[resolved]); err != nil {
			return translate(err)
		}
		var persons []int64
		for _, r := range list {
			var msgs []string
			switch {
			case r.People == 0:
				msgs = append(msgs, "ingen medarbetare har den e-postadressen eller det anställningsnumret")
			case r.People > 1:
				msgs = append(msgs, "flera medarbetare har den e-postadressen eller det anställningsnumret")
			}
			if r.CourseID == nil {
				msgs = append(msgs, "det finns ingen kurs med det namnet")
			}
			if r.Dup {
				msgs = append(msgs, "samma person, kurs och datum står på flera rader")
			}
			if len(msgs) > 0 {
				out.Problems = append(out.Problems, RowProblem{Line: int(r.Line), Message: upperFirst(strings.Join(msgs, "; ")) + "."})
				continue
			}
			if r.Known {
				out.Known++
			} else {
				out.Added++
				persons = append(persons, *r.PersonID)
			}
		}
		if len(out.Problems) > 0 || !commit {
			out.Added, out.Known = addedIfNoProblems(out)
			return nil
		}
		tag, err := tx.Exec(ctx, `INSERT INTO course_attendance (course_id, person_id, attended_on, source, recorded_by)
			SELECT (SELECT c.id FROM courses c WHERE lower(c.title) = lower(u.course)),
			       (SELECT min(p.id) FROM people p WHERE p.merged_into IS NULL AND (lower(p.email) = lower(u.who) OR p.employee_number = u.who)),
			       u.day, 'import', $4
			FROM unnest($1::text[], $2::text[], $3::date[]) AS u(who, course, day)
			ON CONFLICT DO NOTHING`, who, course, days, actor.PersonID)
		if err != nil {
			return translate(err)
		}
		out.Added, out.Done = int(tag.RowsAffected()), true
		if err := s.keep.refresh(ctx, tx, Scope{People: persons}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "course.attendance_imported", ObjectType: "course",
			ObjectID: "import", RequestID: correlationID, Changes: map[string]any{"rows": len(rows), "added": out.Added, "known": out.Known}})
	})
	if err != nil {
		return out, err
	}
	return out, nil
}

// addedIfNoProblems keeps a dry run's counts only when the import could go ahead.
func addedIfNoProblems(r AttendanceImport) (int, int) {
	if len(r.Problems) > 0 {
		return 0, 0
	}
	return r.Added, r.Known
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// TrainingRecord is one person's standing for one course.
type TrainingRecord struct {
	PersonID   int64
	Name       string
	Email      string
	Department string
	CourseID   int64
	Course     string
	Mandatory  bool
	LastOn     *time.Time
	DueOn      *time.Time
	Status     string // portal.TrainingMissing …; "" for a voluntary course
}

// MyTraining is the actor's record: every mandatory course they must take
// (with its status) and every other course they attended.
func (s *TrainingService) MyTraining(ctx context.Context, actor *portal.Actor) (_ []TrainingRecord, _ []Session, err error) {
	defer wrap(&err, "my training")
	today := portal.DateOf(s.now())
	rows, err := s.pool.Query(ctx, `WITH tpeople AS (SELECT * FROM people WHERE id = @me), `+trainingDueCTEs+`
		SELECT tstat.person_id, '', '', '', tstat.course_id, tstat.title, true, tstat.last_on, tstat.due_on, tstat.status FROM tstat
		UNION ALL
		SELECT a.person_id, '', '', '', c.id, c.title, false, max(a.attended_on), NULL::date, ''
		FROM course_attendance a JOIN courses c ON c.id = a.course_id
		WHERE a.person_id = @me AND NOT EXISTS (SELECT 1 FROM tstat WHERE tstat.course_id = c.id)
		GROUP BY a.person_id, c.id, c.title
		ORDER BY 7 DESC, 6`, pgx.NamedArgs{"me": actor.PersonID, "today": today})
	if err != nil {
		return nil, nil, translate(err)
	}
	recs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[TrainingRecord])
	if err != nil {
		return nil, nil, translate(err)
	}
	mine, err := collectSessions(s.pool.Query(ctx, `SELECT cs.id, cs.course_id, c.title, cs.starts_at, cs.minutes, cs.place, cs.link, cs.capacity,
		(SELECT count(*) FROM session_signups x WHERE x.session_id = cs.id)::int, true
		FROM session_signups su JOIN course_sessions cs ON cs.id = su.session_id JOIN courses c ON c.id = cs.course_id
		WHERE su.person_id = @me AND cs.starts_at >= @now::timestamptz ORDER BY cs.starts_at`, pgx.NamedArgs{"me": actor.PersonID, "now": s.now()}))
	return recs, mine, err
}

// StaffTraining is the follow-up of mandatory courses for the actor's
// staff (the people they manage) or, for IT-enheten, the IT head and
// administrators, everyone: the people who lack a course or are due
// within portal.SoonDays (only those when lacking is set), per person
// and course, people by name.
func (s *TrainingService) StaffTraining(ctx context.Context, actor *portal.Actor, lacking bool) (_ []TrainingRecord, all bool, err error) {
	defer wrap(&err, "staff training")
	all = portal.FollowsUpStaff(actor)
	rows, err := s.pool.Query(ctx, `WITH tpeople AS (SELECT * FROM people WHERE @all OR manager_id = @me), `+trainingDueCTEs+`
		SELECT t.person_id, p.name, p.email, COALESCE(d.name, ''), t.course_id, t.title, true, t.last_on, t.due_on, t.status
		FROM tstat t JOIN people p ON p.id = t.person_id LEFT JOIN departments d ON d.id = p.department_id
		WHERE t.status IN ('saknas', 'forfallen') OR (NOT @lacking AND t.status = 'snart')
		ORDER BY p.name COLLATE swedish, p.id, t.title`, pgx.NamedArgs{"all": all, "me": actor.PersonID, "today": portal.DateOf(s.now()), "lacking": lacking})
	if err != nil {
		return nil, all, translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[TrainingRecord])
	return list, all, translate(err)
}

// ManagesStaff reports whether the actor follows anyone's training.
func (s *TrainingService) ManagesStaff(ctx context.Context, actor *portal.Actor) (bool, error) {
	if portal.FollowsUpStaff(actor) {
		return true, nil
	}
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM people WHERE manager_id = $1 AND active)`, actor.PersonID).Scan(&ok)
	return ok, translate(err)
}
