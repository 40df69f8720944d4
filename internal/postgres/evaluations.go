package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
)

// EvaluationService keeps the systems' evaluations (§3, R12): the one
// draft per system, the submitted evaluations (immutable), the interval,
// who is due, and the reminders. When an evaluation is due is defined once
// in SQL, by the view evaluation_due (portal.EvaluationDue is the same rule
// in Go).
type EvaluationService struct {
	pool    *pgxpool.Pool
	enqueue Enqueuer
	now     func() time.Time
	keep    breachKeeper
}

// NewEvaluationService returns the service. enqueue may be nil in tools
// that send no notifications; now is the clock (nil: time.Now).
func NewEvaluationService(pool *pgxpool.Pool, enqueue Enqueuer, official string, now func() time.Time) *EvaluationService {
	if now == nil {
		now = time.Now
	}
	return &EvaluationService{pool: pool, enqueue: enqueue, now: now, keep: breachKeeper{official: official, now: now}}
}

func (s *EvaluationService) today() time.Time { return portal.DateOf(s.now()) }

// Today is the service's calendar date in Stockholm (its clock's).
func (s *EvaluationService) Today() time.Time { return s.today() }

// Evaluation is one submitted (or imported) evaluation.
type Evaluation struct {
	ID          int64
	SystemID    int64
	EvaluatedOn time.Time
	Legacy      bool // a date from the register import, without answers
	Fields      portal.EvaluationFields
	Department  string // the owning department when it was evaluated
	ByName      string
	CreatedAt   time.Time
}

// EvaluationState is where a system stands with its evaluations today.
type EvaluationState struct {
	SystemID       int64
	SystemName     string
	LastOn         *time.Time
	DueOn          time.Time
	Required       bool
	IntervalMonths int
	Status         portal.EvaluationStatus
	HasDraft       bool
	DraftSavedAt   *time.Time
	CanEvaluate    bool // the actor may fill in and submit the evaluation
	CanSetInterval bool
}

// EvaluationForm is the form as it opens: the draft when there is one,
// otherwise the answers of the previous evaluation to start from.
type EvaluationForm struct {
	State         EvaluationState
	Fields        portal.EvaluationFields
	Basis         int64 // the latest evaluation when the form was read (0: none)
	Draft         bool
	DraftBy       string
	DraftSavedAt  *time.Time
	PrefilledFrom *time.Time // the previous evaluation's date, when prefilled from it
}

// evalSystem is what the service decides on: the system and, on a day,
// its administrator and owner.
type evalSystem struct {
	ID          int64
	Name        string
	Lifecycle   string
	Interval    int
	AdminID     int64
	OwnerDeptID *int64
}

const evalSystemSelect = `
	SELECT s.id, s.name, s.lifecycle, s.evaluation_interval_months,
	       COALESCE((SELECT ra.person_id FROM role_assignments ra
	                 WHERE ra.system_id = s.id AND ra.role = 'administrator' AND ra.valid @> $2::date), 0),
	       (SELECT ro.department_id FROM role_assignments ro
	         WHERE ro.system_id = s.id AND ro.role = 'owner' AND ro.valid @> $2::date)
	FROM systems s WHERE s.id = $1`

// loadEvalSystem reads the system; lock takes its row lock, which
// serialises the evaluations (and interval changes) of one system.
func loadEvalSystem(ctx context.Context, tx pgx.Tx, id int64, on time.Time, lock bool) (evalSystem, error) {
	var row pgx.Row
	if lock {
		row = tx.QueryRow(ctx, evalSystemSelect+` FOR UPDATE OF s`, id, on)
	} else {
		row = tx.QueryRow(ctx, evalSystemSelect, id, on)
	}
	var sys evalSystem
	err := row.Scan(&sys.ID, &sys.Name, &sys.Lifecycle, &sys.Interval, &sys.AdminID, &sys.OwnerDeptID)
	if errors.Is(err, pgx.ErrNoRows) {
		return sys, portal.NotFound("Systemet finns inte.")
	}
	return sys, translate(err)
}

func forbidEvaluation() error {
	return portal.Forbidden("Bara systemets förvaltare och IT-enheten kan utvärdera systemet.")
}

// state reads where a system stands today.
func (s *EvaluationService) state(ctx context.Context, tx pgx.Tx, actor *portal.Actor, sys evalSystem) (EvaluationState, error) {
	st := EvaluationState{SystemID: sys.ID, SystemName: sys.Name, IntervalMonths: sys.Interval,
		CanEvaluate: portal.CanEvaluate(actor, sys.AdminID), CanSetInterval: portal.CanSetEvaluationInterval(actor)}
	err := tx.QueryRow(ctx, `
		SELECT ed.last_on, ed.due_on, ed.required, (SELECT d.updated_at FROM evaluation_drafts d WHERE d.system_id = ed.system_id)
		FROM evaluation_due ed WHERE ed.system_id = $1`, sys.ID).Scan(&st.LastOn, &st.DueOn, &st.Required, &st.DraftSavedAt)
	if err != nil {
		return st, translate(err)
	}
	st.HasDraft = st.DraftSavedAt != nil
	st.Status = portal.EvaluationStatusOn(st.DueOn, s.today(), st.Required)
	return st, nil
}

// State returns where a system stands with its evaluations, and what the
// actor may do. Everyone signed in may read it.
func (s *EvaluationService) State(ctx context.Context, actor *portal.Actor, systemID int64) (_ EvaluationState, err error) {
	defer wrap(&err, "evaluation state of system %d", systemID)
	if actor == nil {
		return EvaluationState{}, portal.Forbidden("Logga in.")
	}
	var st EvaluationState
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		sys, err := loadEvalSystem(ctx, tx, systemID, s.today(), false)
		if err != nil {
			return err
		}
		st, err = s.state(ctx, tx, actor, sys)
		return err
	})
	return st, err
}

const evaluationColumns = `e.id, e.system_id, e.evaluated_on, e.legacy, e.users_count, e.support_score, e.support_comment,
	COALESCE(e.used_as_intended, ''), e.coordination, e.cooperation, e.efficiency, e.planned_changes, COALESCE(e.proposed_action, ''),
	COALESCE(d.name, ''), COALESCE(p.name, ''), e.created_at`

const evaluationFrom = `
	FROM evaluations e
	LEFT JOIN departments d ON d.id = e.owner_department_id
	LEFT JOIN people p ON p.id = e.created_by`

func scanEvaluation(row pgx.CollectableRow) (Evaluation, error) {
	var e Evaluation
	var users, score *int
	f := &e.Fields
	err := row.Scan(&e.ID, &e.SystemID, &e.EvaluatedOn, &e.Legacy, &users, &score, &f.SupportComment, &f.UsedAsIntended,
		&f.Coordination, &f.Cooperation, &f.Efficiency, &f.PlannedChanges, &f.ProposedAction, &e.Department, &e.ByName, &e.CreatedAt)
	e.Fields = portal.FieldsFromValues(users, score, *f)
	return e, err
}

// Form returns the form for the system's administrator or IT-enheten: the
// draft if there is one, otherwise the answers of the previous submitted
// evaluation to start from. Anyone else is refused.
func (s *EvaluationService) Form(ctx context.Context, actor *portal.Actor, systemID int64) (_ EvaluationForm, err error) {
	defer wrap(&err, "evaluation form of system %d", systemID)
	var form EvaluationForm
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		sys, err := loadEvalSystem(ctx, tx, systemID, s.today(), false)
		if err != nil {
			return err
		}
		if !portal.CanEvaluate(actor, sys.AdminID) {
			return forbidEvaluation()
		}
		if form.State, err = s.state(ctx, tx, actor, sys); err != nil {
			return err
		}
		if form.Basis, err = latestEvaluation(ctx, tx, systemID); err != nil {
			return err
		}
		var users, score *int
		f := &form.Fields
		var savedAt time.Time
		err = tx.QueryRow(ctx, `
			SELECT d.users_count, d.support_score, d.support_comment, COALESCE(d.used_as_intended, ''), d.coordination, d.cooperation,
			       d.efficiency, d.planned_changes, COALESCE(d.proposed_action, ''), p.name, d.updated_at
			FROM evaluation_drafts d JOIN people p ON p.id = d.updated_by WHERE d.system_id = $1`, systemID).
			Scan(&users, &score, &f.SupportComment, &f.UsedAsIntended, &f.Coordination, &f.Cooperation, &f.Efficiency,
				&f.PlannedChanges, &f.ProposedAction, &form.DraftBy, &savedAt)
		if err == nil {
			form.Fields = portal.FieldsFromValues(users, score, *f)
			form.Draft, form.DraftSavedAt = true, &savedAt
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return translate(err)
		}
		rows, err := tx.Query(ctx, `SELECT `+evaluationColumns+evaluationFrom+`
			WHERE e.system_id = $1 AND NOT e.legacy ORDER BY e.evaluated_on DESC, e.id DESC LIMIT 1`, systemID)
		if err != nil {
			return translate(err)
		}
		prev, err := pgx.CollectRows(rows, scanEvaluation)
		if err != nil {
			return translate(err)
		}
		if len(prev) == 1 {
			form.Fields = prev[0].Fields
			on := prev[0].EvaluatedOn
			form.PrefilledFrom = &on
		}
		return nil
	})
	return form, err
}

// latestEvaluation is the id of the system's latest evaluation, 0 for none.
func latestEvaluation(ctx context.Context, tx pgx.Tx, systemID int64) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT COALESCE(max(id), 0) FROM evaluations WHERE system_id = $1`, systemID).Scan(&id)
	return id, translate(err)
}

// SaveDraft keeps the answers as the system's one draft, for its
// administrator or IT-enheten. What the draft holds must be valid; it may
// leave answers out.
func (s *EvaluationService) SaveDraft(ctx context.Context, actor *portal.Actor, systemID int64, f portal.EvaluationFields, correlationID string) (err error) {
	defer wrap(&err, "save evaluation draft of system %d", systemID)
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		sys, err := loadEvalSystem(ctx, tx, systemID, s.today(), true)
		if err != nil {
			return err
		}
		if !portal.CanEvaluate(actor, sys.AdminID) {
			return forbidEvaluation()
		}
		// Who may act is decided before the input is judged.
		if errs := f.Validate(false); len(errs) > 0 {
			return portal.Invalid("Utvärderingen behöver rättas.", errs)
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO evaluation_drafts (system_id, users_count, support_score, support_comment, used_as_intended, coordination,
				cooperation, efficiency, planned_changes, proposed_action, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, $8, $9, NULLIF($10, ''), $11, now())
			ON CONFLICT (system_id) DO UPDATE SET users_count = EXCLUDED.users_count, support_score = EXCLUDED.support_score,
				support_comment = EXCLUDED.support_comment, used_as_intended = EXCLUDED.used_as_intended,
				coordination = EXCLUDED.coordination, cooperation = EXCLUDED.cooperation, efficiency = EXCLUDED.efficiency,
				planned_changes = EXCLUDED.planned_changes, proposed_action = EXCLUDED.proposed_action,
				updated_by = EXCLUDED.updated_by, updated_at = now()`,
			systemID, f.Users(), f.Score(), f.SupportComment, f.UsedAsIntended, f.Coordination, f.Cooperation, f.Efficiency,
			f.PlannedChanges, f.ProposedAction, actor.PersonID)
		if err != nil {
			return translate(err)
		}
		return nil
	})
}

// AlreadyEvaluatedError is a Conflict: someone submitted an evaluation of
// the system after the form was opened (of two submitting at once, one
// wins). It carries the latest evaluation, so the form can start anew.
type AlreadyEvaluatedError struct {
	Latest int64
	msg    string
}

func (e *AlreadyEvaluatedError) Error() string {
	return "the system was evaluated since the form was opened"
}

// Unwrap makes it a portal Conflict with a Swedish message.
func (e *AlreadyEvaluatedError) Unwrap() error { return portal.Conflict(e.msg) }

// Submit inserts the evaluation, immutable from then on: dated today
// (Stockholm), with the department that owns the system today, audited in
// the same transaction; the draft is removed. basis is the latest
// evaluation the form was opened on: if another was submitted since (two
// people submitting at once), nothing is saved and the second is told.
func (s *EvaluationService) Submit(ctx context.Context, actor *portal.Actor, systemID, basis int64, f portal.EvaluationFields, correlationID string) (_ int64, err error) {
	defer wrap(&err, "submit evaluation of system %d", systemID)
	var submitted int64
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		today := s.today()
		sys, err := loadEvalSystem(ctx, tx, systemID, today, true)
		if err != nil {
			return err
		}
		if !portal.CanEvaluate(actor, sys.AdminID) {
			return forbidEvaluation()
		}
		latest, err := latestEvaluation(ctx, tx, systemID)
		if err != nil {
			return err
		}
		if latest != basis {
			var on time.Time
			var by string
			if err := tx.QueryRow(ctx, `SELECT e.evaluated_on, COALESCE(p.name, 'registerimporten') FROM evaluations e
				LEFT JOIN people p ON p.id = e.created_by WHERE e.id = $1`, latest).Scan(&on, &by); err != nil {
				return translate(err)
			}
			return &AlreadyEvaluatedError{Latest: latest, msg: "Systemet utvärderades redan " + day(on) + " av " + by +
				" medan du fyllde i formuläret. Din utvärdering är inte inskickad; dina svar finns kvar nedan."}
		}
		if errs := f.Validate(true); len(errs) > 0 {
			return portal.Invalid("Utvärderingen behöver kompletteras innan den kan skickas in.", errs)
		}
		var id int64
		err = tx.QueryRow(ctx, `
			INSERT INTO evaluations (system_id, evaluated_on, legacy, created_by, users_count, support_score, support_comment,
				used_as_intended, coordination, cooperation, efficiency, planned_changes, proposed_action, owner_department_id)
			VALUES ($1, $2, false, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			systemID, today, actor.PersonID, f.Users(), f.Score(), f.SupportComment, f.UsedAsIntended, f.Coordination,
			f.Cooperation, f.Efficiency, f.PlannedChanges, f.ProposedAction, sys.OwnerDeptID).Scan(&id)
		if err != nil {
			return translate(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM evaluation_drafts WHERE system_id = $1`, systemID); err != nil {
			return translate(err)
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "system.evaluated", ObjectType: "system",
			ObjectID: strconv.FormatInt(systemID, 10), RequestID: correlationID, Changes: map[string]any{
				"evaluation_id": id, "evaluated_on": day(today), "users_count": f.Users(), "support_score": f.Score(),
				"used_as_intended": f.UsedAsIntended, "proposed_action": f.ProposedAction,
			}}); err != nil {
			return err
		}
		if err := s.keep.refresh(ctx, tx, Scope{Systems: []int64{systemID}}); err != nil {
			return err
		}
		submitted = id
		return nil
	})
	return submitted, err
}

// History returns a system's evaluations, newest first. Everyone signed in
// may read them (the register is open to every employee).
func (s *EvaluationService) History(ctx context.Context, actor *portal.Actor, systemID int64) (_ []Evaluation, err error) {
	defer wrap(&err, "evaluations of system %d", systemID)
	if actor == nil {
		return nil, portal.Forbidden("Logga in.")
	}
	var out []Evaluation
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := loadEvalSystem(ctx, tx, systemID, s.today(), false); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+evaluationColumns+evaluationFrom+`
			WHERE e.system_id = $1 ORDER BY e.evaluated_on DESC, e.id DESC`, systemID)
		if err != nil {
			return translate(err)
		}
		out, err = pgx.CollectRows(rows, scanEvaluation)
		return translate(err)
	})
	return out, err
}

// Get returns one evaluation of a system.
func (s *EvaluationService) Get(ctx context.Context, actor *portal.Actor, systemID, evaluationID int64) (_ Evaluation, err error) {
	defer wrap(&err, "get evaluation %d of system %d", evaluationID, systemID)
	if actor == nil {
		return Evaluation{}, portal.Forbidden("Logga in.")
	}
	var e Evaluation
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+evaluationColumns+evaluationFrom+` WHERE e.system_id = $1 AND e.id = $2`, systemID, evaluationID)
		if err != nil {
			return translate(err)
		}
		list, err := pgx.CollectRows(rows, scanEvaluation)
		if err != nil {
			return translate(err)
		}
		if len(list) == 0 {
			return portal.NotFound("Utvärderingen finns inte.")
		}
		e = list[0]
		return nil
	})
	return e, err
}

// SetInterval sets how many months (1–12) may pass between a system's
// evaluations. IT-enheten only; audited.
func (s *EvaluationService) SetInterval(ctx context.Context, actor *portal.Actor, systemID int64, months int, correlationID string) (err error) {
	defer wrap(&err, "set evaluation interval of system %d", systemID)
	if !portal.CanSetEvaluationInterval(actor) {
		return portal.Forbidden("Bara IT-enheten kan ändra hur ofta ett system utvärderas.")
	}
	if !portal.ValidInterval(months) {
		return portal.Invalid("Intervallet behöver rättas.", map[string]string{"interval": "Välj ett intervall mellan 1 och 12 månader."})
	}
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		sys, err := loadEvalSystem(ctx, tx, systemID, s.today(), true)
		if err != nil {
			return err
		}
		if sys.Interval == months {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE systems SET evaluation_interval_months = $2 WHERE id = $1`, systemID, months); err != nil {
			return translate(err)
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "system.evaluation_interval_changed", ObjectType: "system",
			ObjectID: strconv.FormatInt(systemID, 10), RequestID: correlationID,
			Changes: map[string]any{"evaluation_interval_months": map[string]any{"before": sys.Interval, "after": months}}}); err != nil {
			return err
		}
		if err := s.keep.refresh(ctx, tx, Scope{Systems: []int64{systemID}}); err != nil {
			return err
		}
		return nil
	})
	return err
}

// DueItem is a system whose evaluation is due soon or overdue.
type DueItem struct {
	SystemID   int64
	SystemName string
	LastOn     *time.Time
	DueOn      time.Time
	Status     portal.EvaluationStatus
	HasDraft   bool
}

// DueFor lists the systems the actor administers today whose evaluation is
// due within 30 days or overdue, the most urgent first.
func (s *EvaluationService) DueFor(ctx context.Context, actor *portal.Actor) (_ []DueItem, err error) {
	defer wrap(&err, "evaluations due")
	if actor == nil {
		return nil, portal.Forbidden("Logga in.")
	}
	today := s.today()
	if actor.PersonID == 0 {
		return nil, nil
	}
	// One statement, no transaction: the start page reads it every time.
	rows, err := s.pool.Query(ctx, `
		SELECT s.id, s.name, ed.last_on, ed.due_on, EXISTS (SELECT 1 FROM evaluation_drafts d WHERE d.system_id = s.id)
		FROM role_assignments ra
		JOIN systems s ON s.id = ra.system_id
		JOIN evaluation_due ed ON ed.system_id = s.id
		WHERE ra.role = 'administrator' AND ra.person_id = $1 AND ra.valid @> $2::date
		  AND ed.required AND ed.due_on <= $2::date + 30
		ORDER BY ed.due_on, s.name COLLATE swedish, s.id`, actor.PersonID, today)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DueItem, error) {
		var d DueItem
		err := r.Scan(&d.SystemID, &d.SystemName, &d.LastOn, &d.DueOn, &d.HasDraft)
		d.Status = portal.EvaluationStatusOn(d.DueOn, today, true)
		return d, err
	})
	return out, translate(err)
}

// OverviewFilter narrows /utvarderingar: a department (0: all) and a
// period of evaluation dates, both days included.
type OverviewFilter struct {
	DepartmentID int64
	From, To     time.Time
}

// The statuses of the overview, for a period.
const (
	OverviewDone    = "done"    // evaluated within the period
	OverviewDue     = "due"     // due within the period, not yet
	OverviewOverdue = "overdue" // the due date has passed
)

// OverviewRow is one system in the overview.
type OverviewRow struct {
	SystemID      int64
	SystemName    string
	DepartmentID  int64
	Department    string // the owner when evaluated, else today's owner
	Administrator string
	LastOn        *time.Time
	DueOn         time.Time
	Status        string
	Evaluation    *Evaluation // the period's latest evaluation, when done
}

// DepartmentCount is the overview's counts for one department.
type DepartmentCount struct {
	Department string
	Due        int
	Overdue    int
	Done       int
}

// Overview is /utvarderingar: per department, what is due, overdue and
// done in the period, and the systems.
type Overview struct {
	Rows        []OverviewRow
	Departments []DepartmentCount
	Total       DepartmentCount
}

// overviewQuery lists, for the period [$1, $2] and the day $3, the systems
// evaluated in the period (with their latest evaluation there) and the
// systems in operation whose evaluation falls due in the period or is
// overdue. Statuses come from evaluation_due as it stands today.
const overviewQuery = `
	WITH done AS (
		SELECT DISTINCT ON (e.system_id) e.system_id, e.id
		FROM evaluations e WHERE e.evaluated_on BETWEEN $1::date AND $2::date
		ORDER BY e.system_id, e.evaluated_on DESC, e.id DESC
	)
	SELECT s.id, s.name, COALESCE(e.owner_department_id, ro.department_id, 0), COALESCE(dd.name, ''), COALESCE(ap.name, ''),
	       ed.last_on, ed.due_on, done.id IS NOT NULL,
	       COALESCE(e.id, 0), COALESCE(e.evaluated_on, $3::date), COALESCE(e.legacy, false), e.users_count, e.support_score,
	       COALESCE(e.support_comment, ''), COALESCE(e.used_as_intended, ''), COALESCE(e.coordination, ''), COALESCE(e.cooperation, ''),
	       COALESCE(e.efficiency, ''), COALESCE(e.planned_changes, ''), COALESCE(e.proposed_action, ''), COALESCE(ep.name, '')
	FROM systems s
	JOIN evaluation_due ed ON ed.system_id = s.id
	LEFT JOIN done ON done.system_id = s.id
	LEFT JOIN evaluations e ON e.id = done.id
	LEFT JOIN people ep ON ep.id = e.created_by
	LEFT JOIN role_assignments ro ON ro.system_id = s.id AND ro.role = 'owner' AND ro.valid @> $3::date
	LEFT JOIN departments dd ON dd.id = COALESCE(e.owner_department_id, ro.department_id)
	LEFT JOIN role_assignments ra ON ra.system_id = s.id AND ra.role = 'administrator' AND ra.valid @> $3::date
	LEFT JOIN people ap ON ap.id = ra.person_id
	WHERE (done.id IS NOT NULL OR (ed.required AND ed.due_on <= $2::date AND (ed.due_on >= $1::date OR ed.due_on < $3::date)))
	  AND ($4::bigint = 0 OR COALESCE(e.owner_department_id, ro.department_id) = $4::bigint)
	ORDER BY dd.name COLLATE swedish NULLS LAST, s.name COLLATE swedish, s.id`

// Overview counts, per department, the evaluations due, overdue and done
// in the period, with the systems. IT-enheten only.
func (s *EvaluationService) Overview(ctx context.Context, actor *portal.Actor, f OverviewFilter) (_ Overview, err error) {
	defer wrap(&err, "evaluation overview")
	var ov Overview
	if !portal.CanManageRegister(actor) {
		return ov, portal.Forbidden("Bara IT-enheten ser alla förvaltningars utvärderingar.")
	}
	if f.To.Before(f.From) {
		return ov, portal.Invalid("Perioden behöver rättas.", map[string]string{"till": "Slutdatumet kan inte vara före startdatumet."})
	}
	today := s.today()
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, overviewQuery, f.From, f.To, today, f.DepartmentID)
		if err != nil {
			return translate(err)
		}
		ov.Rows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (OverviewRow, error) {
			var o OverviewRow
			var done bool
			var e Evaluation
			var users, score *int
			ef := &e.Fields
			err := r.Scan(&o.SystemID, &o.SystemName, &o.DepartmentID, &o.Department, &o.Administrator, &o.LastOn, &o.DueOn, &done,
				&e.ID, &e.EvaluatedOn, &e.Legacy, &users, &score, &ef.SupportComment, &ef.UsedAsIntended, &ef.Coordination,
				&ef.Cooperation, &ef.Efficiency, &ef.PlannedChanges, &ef.ProposedAction, &e.ByName)
			switch {
			case done:
				o.Status = OverviewDone
				e.SystemID, e.Department = o.SystemID, o.Department
				e.Fields = portal.FieldsFromValues(users, score, *ef)
				o.Evaluation = &e
			case o.DueOn.Before(today):
				o.Status = OverviewOverdue
			default:
				o.Status = OverviewDue
			}
			return o, err
		})
		return translate(err)
	})
	if err != nil {
		return ov, err
	}
	for _, o := range ov.Rows {
		if len(ov.Departments) == 0 || ov.Departments[len(ov.Departments)-1].Department != o.Department {
			ov.Departments = append(ov.Departments, DepartmentCount{Department: o.Department})
		}
		for _, c := range []*DepartmentCount{&ov.Departments[len(ov.Departments)-1], &ov.Total} {
			switch o.Status {
			case OverviewDone:
				c.Done++
			case OverviewOverdue:
				c.Overdue++
			default:
				c.Due++
			}
		}
	}
	return ov, nil
}

// remindQuery claims, on the day $1, a reminder for each system in
// operation whose evaluation is due within 30 days ('soon') or overdue
// ('overdue'), to its administrator, once per (system, due date, kind):
// evaluation_notices remembers what was sent.
const evaluationRemindQuery = `
	WITH candidates AS (
		SELECT ed.system_id, ed.due_on, CASE WHEN ed.due_on < $1::date THEN 'overdue' ELSE 'soon' END AS kind, ra.person_id
		FROM evaluation_due ed
		JOIN role_assignments ra ON ra.system_id = ed.system_id AND ra.role = 'administrator' AND ra.valid @> $1::date
		JOIN people p ON p.id = ra.person_id AND p.active
		WHERE ed.required AND ed.due_on <= $1::date + 30
	), claimed AS (
		INSERT INTO evaluation_notices (system_id, due_on, kind)
		SELECT system_id, due_on, kind FROM candidates
		ON CONFLICT DO NOTHING
		RETURNING system_id, due_on, kind
	)
	SELECT c.system_id, c.kind, candidates.person_id
	FROM claimed c JOIN candidates USING (system_id, due_on, kind)
	ORDER BY c.system_id`

// Remind enqueues, in one transaction with the record of what was sent, a
// notification to the administrator of each system whose evaluation is due
// within 30 days ("system.evaluation_due") or overdue
// ("system.evaluation_overdue"): once per system, due date and kind. A
// system without an active administrator is reminded when it gets one.
func (s *EvaluationService) Remind(ctx context.Context) (_ int, err error) {
	defer wrap(&err, "remind of due evaluations")
	if s.enqueue == nil {
		return 0, nil // nothing could be sent, so nothing is claimed
	}
	var n int
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, evaluationRemindQuery, s.today())
		if err != nil {
			return translate(err)
		}
		type claim struct {
			system int64
			kind   string
			person int64
		}
		claims, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claim, error) {
			var c claim
			err := r.Scan(&c.system, &c.kind, &c.person)
			return c, err
		})
		if err != nil {
			return translate(err)
		}
		if len(claims) > 0 {
			args := make([]jobargs.Args, len(claims))
			for i, c := range claims {
				args[i] = jobargs.EvaluationNotice{SystemID: c.system, PersonID: c.person, Overdue: c.kind == "overdue"}
			}
			if err := s.enqueue(ctx, tx, args...); err != nil {
				return fmt.Errorf("enqueue evaluation reminders: %w", err)
			}
		}
		n = len(claims)
		return nil
	})
	return n, err
}
