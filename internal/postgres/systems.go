package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
)

// SystemService is the register: systems, their three roles over time,
// their breaches, and their history.
type SystemService struct {
	pool     *pgxpool.Pool
	enqueue  Enqueuer
	official string // the municipality's official web address (R13)
	keep     breachKeeper
}

// Enqueuer inserts background jobs inside a transaction (River's InsertTx;
// many at once in one batch).
type Enqueuer func(ctx context.Context, tx pgx.Tx, args ...jobargs.Args) error

// NewSystemService returns the register over pool. enqueue may be nil in
// tools that send no notifications.
func NewSystemService(pool *pgxpool.Pool, enqueue Enqueuer, officialWebAddress string) *SystemService {
	return &SystemService{pool: pool, enqueue: enqueue, official: officialWebAddress, keep: breachKeeper{official: officialWebAddress}}
}

// System is a system with its current role holders.
type System struct {
	ID         int64
	Facts      portal.SystemFacts
	RowVersion int
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Roles      map[portal.SystemRole]*Holder // current holders; nil when none
	LastEval   *time.Time
	// EvaluationInterval is how many months may pass between evaluations (1–12).
	EvaluationInterval int
}

// EvaluationDue is when the system's next evaluation is due (R12).
func (s System) EvaluationDue() time.Time {
	return portal.EvaluationDue(s.LastEval, s.CreatedAt, s.EvaluationInterval)
}

// AdministratorID is the person who administers the system today, or 0.
func (s System) AdministratorID() int64 {
	if h := s.Roles[portal.RoleAdministrator]; h != nil {
		return h.PersonID
	}
	return 0
}

// Holder is who holds a role during a period.
type Holder struct {
	AssignmentID int64
	Role         portal.SystemRole
	DepartmentID int64
	PersonID     int64
	PersonActive bool
	Name         string // the department's or person's name, or the operator
	Email        string
	From         time.Time
	To           *time.Time // exclusive; nil when open-ended
	AppointedBy  string
	Reason       string
	CreatedBy    string
	CreatedAt    time.Time
}

// Until is the last day of the period, or nil when open-ended.
func (h Holder) Until() *time.Time {
	if h.To == nil {
		return nil
	}
	d := h.To.AddDate(0, 0, -1)
	return &d
}

const systemColumns = `s.id, s.name, s.description, s.purpose, s.category, s.lifecycle, s.supplier, s.product, s.version,
	s.hosting, s.personal_data, s.open_source, s.self_developed, s.self_developed_ref, s.represents_municipality,
	s.web_address, s.notes, s.introduced_before_portal, s.row_version, s.created_at, s.updated_at,
	(SELECT max(evaluated_on) FROM evaluations e WHERE e.system_id = s.id), s.evaluation_interval_months`

func scanSystem(row pgx.Row) (System, error) {
	var s System
	f := &s.Facts
	var lastEval *time.Time
	err := row.Scan(&s.ID, &f.Name, &f.Description, &f.Purpose, &f.Category, &f.Lifecycle, &f.Supplier, &f.Product, &f.Version,
		&f.Hosting, &f.PersonalData, &f.OpenSource, &f.SelfDeveloped, &f.SelfDevelopedRef, &f.RepresentsMunicipality,
		&f.WebAddress, &f.Notes, &f.IntroducedBeforePortal, &s.RowVersion, &s.CreatedAt, &s.UpdatedAt, &lastEval, &s.EvaluationInterval)
	s.LastEval = lastEval
	return s, err
}

// Get returns a system with its current roles. Everyone signed in may read
// the register.
func (s *SystemService) Get(ctx context.Context, actor *portal.Actor, id int64) (System, error) {
	var sys System
	err := s.read(ctx, actor, func(tx pgx.Tx) (err error) {
		sys, err = s.get(ctx, tx, id, today(), false)
		return err
	})
	return sys, err
}

// read runs fn in a read-only transaction for a signed-in actor: everyone
// signed in may read the register; nobody else.
func (s *SystemService) read(ctx context.Context, actor *portal.Actor, fn func(pgx.Tx) error) error {
	if actor == nil {
		return portal.Forbidden("Logga in för att läsa registret.")
	}
	return readTx(ctx, s.pool, fn)
}

func (s *SystemService) get(ctx context.Context, tx pgx.Tx, id int64, on time.Time, lock bool) (System, error) {
	var row pgx.Row
	if lock {
		// The row lock serialises changes of one system.
		row = tx.QueryRow(ctx, `SELECT `+systemColumns+` FROM systems s WHERE s.id = $1 FOR UPDATE`, id)
	} else {
		row = tx.QueryRow(ctx, `SELECT `+systemColumns+` FROM systems s WHERE s.id = $1`, id)
	}
	sys, err := scanSystem(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return sys, portal.NotFound("Systemet finns inte.")
	}
	if err != nil {
		return sys, translate(err)
	}
	sys.Roles, err = rolesOn(ctx, tx, id, on)
	return sys, err
}

const holderColumns = `ra.id, ra.role, COALESCE(ra.department_id, 0), COALESCE(ra.person_id, 0), COALESCE(p.active, true),
	       COALESCE(d.name, p.name, ra.operator, ''), COALESCE(p.email, ''), lower(ra.valid), upper(ra.valid),
	       ra.appointed_by, ra.reason, COALESCE(c.name, 'Systemet'), ra.created_at`

const holderSelect = `
	SELECT ` + holderColumns + `
	FROM role_assignments ra
	LEFT JOIN departments d ON d.id = ra.department_id
	LEFT JOIN people p ON p.id = ra.person_id
	LEFT JOIN people c ON c.id = ra.created_by`

func scanHolder(row pgx.CollectableRow) (Holder, error) {
	var h Holder
	var role string
	err := row.Scan(&h.AssignmentID, &role, &h.DepartmentID, &h.PersonID, &h.PersonActive, &h.Name, &h.Email,
		&h.From, &h.To, &h.AppointedBy, &h.Reason, &h.CreatedBy, &h.CreatedAt)
	h.Role = portal.SystemRole(role)
	return h, err
}

// rolesOn returns who held each role on the given day.
func rolesOn(ctx context.Context, tx pgx.Tx, systemID int64, on time.Time) (map[portal.SystemRole]*Holder, error) {
	rows, err := tx.Query(ctx, holderSelect+` WHERE ra.system_id = $1 AND ra.valid @> $2::date`, systemID, on)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, scanHolder)
	if err != nil {
		return nil, translate(err)
	}
	out := map[portal.SystemRole]*Holder{}
	for i := range list {
		out[list[i].Role] = &list[i]
	}
	return out, nil
}

// History is a system's complete record: every role period, every change.
type History struct {
	Periods []Holder
	Audit   []AuditRow
}

// On returns who held each role on a calendar day, from the periods.
func (h History) On(day time.Time) map[portal.SystemRole]*Holder {
	out := map[portal.SystemRole]*Holder{}
	for i := range h.Periods {
		p := &h.Periods[i]
		if !p.From.After(day) && (p.To == nil || p.To.After(day)) {
			out[p.Role] = p
		}
	}
	return out
}

// History returns every role period (oldest first) and the audit trail.
func (s *SystemService) History(ctx context.Context, actor *portal.Actor, id int64) (History, error) {
	var h History
	err := s.read(ctx, actor, func(tx pgx.Tx) error {
		if _, err := s.get(ctx, tx, id, today(), false); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, holderSelect+` WHERE ra.system_id = $1 AND NOT isempty(ra.valid) ORDER BY ra.role, lower(ra.valid)`, id)
		if err != nil {
			return translate(err)
		}
		if h.Periods, err = pgx.CollectRows(rows, scanHolder); err != nil {
			return translate(err)
		}
		h.Audit, err = auditFor(ctx, tx, "system", strconv.FormatInt(id, 10))
		return translate(err)
	})
	return h, err
}

// Create registers a new system with its first role holders. IT-enheten only.
func (s *SystemService) Create(ctx context.Context, actor *portal.Actor, f portal.SystemFacts, correlationID string) (int64, error) {
	if !portal.CanManageRegister(actor) {
		return 0, portal.Forbidden("Bara IT-enheten kan registrera system.")
	}
	if errs := f.Validate(); len(errs) > 0 {
		return 0, portal.Invalid("Uppgifterna behöver rättas.", errs)
	}
	var id int64
	err := inTx(ctx, s.pool, func(tx pgx.Tx) (err error) {
		if id, err = createTx(ctx, tx, actor, f, correlationID); err != nil {
			return err
		}
		return s.keep.refresh(ctx, tx, Scope{Systems: []int64{id}})
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// createTx inserts a validated system and audits it.
func createTx(ctx context.Context, tx pgx.Tx, actor *portal.Actor, f portal.SystemFacts, correlationID string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO systems (name, description, purpose, category, lifecycle, supplier, product, version, hosting,
			personal_data, open_source, self_developed, self_developed_ref, represents_municipality, web_address, notes,
			introduced_before_portal)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		RETURNING id`, factArgs(f)...).Scan(&id)
	if isUniqueViolation(err) {
		return 0, portal.Invalid("Namnet finns redan.", map[string]string{"name": "Det finns redan ett system med det namnet."})
	}
	if err != nil {
		return 0, translate(err)
	}
	if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "system.created", ObjectType: "system",
		ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: factChanges(portal.SystemFacts{}, f, true)}); err != nil {
		return 0, err
	}
	return id, nil
}

// FactsSaved is what a save of a system's facts did: the facts it stored,
// and the proposal it made of guarded facts the actor may not set.
type FactsSaved struct {
	Changed []string // the facts stored, by field name, in no order
	// Proposal is the open proposal of the guarded changes: made now
	// (NewProposal), or already waiting with the same changes. Nil when
	// there were none.
	Proposal    *FactProposal
	NewProposal bool
}

// UpdateFacts changes a system's descriptive facts. IT-enheten may change
// everything; the system's administrator may change the facts of their own
// system but not its lifecycle, and their changes of guarded facts
// (portal.GuardedFacts) become a proposal that IT-enheten confirms, while
// the rest is stored at once. expectedVersion is the version the editor
// saw: a stale edit is refused with a Conflict that names what changed.
func (s *SystemService) UpdateFacts(ctx context.Context, actor *portal.Actor, id int64, expectedVersion int, f portal.SystemFacts, correlationID string) (FactsSaved, error) {
	var saved FactsSaved
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := s.get(ctx, tx, id, today(), true)
		if err != nil {
			return err
		}
		// Under the row lock: the actor is the administrator now, when the
		// facts are stored and the proposal is made.
		if !portal.CanEditFacts(actor, cur.AdministratorID()) {
			return portal.Forbidden("Bara IT-enheten och systemets förvaltare kan ändra uppgifterna.")
		}
		// Who may act is decided before the input is judged.
		if errs := f.Validate(); len(errs) > 0 {
			return portal.Invalid("Uppgifterna behöver rättas.", errs)
		}
		if !portal.CanManageRegister(actor) && f.Lifecycle != cur.Facts.Lifecycle {
			return portal.Forbidden("Bara IT-enheten kan ändra systemets livscykel.")
		}
		if cur.RowVersion != expectedVersion {
			return &StaleError{Current: cur}
		}
		direct, proposed := f, []portal.FactChange(nil)
		if !portal.CanSetGuardedFacts(actor) {
			direct, proposed = f.WithGuardedFrom(cur.Facts), portal.GuardedChanges(cur.Facts, f)
		}
		for k := range factChanges(cur.Facts, direct, false) {
			saved.Changed = append(saved.Changed, k)
		}
		if err := updateFactsTx(ctx, tx, actor, cur, direct, correlationID); err != nil {
			return err
		}
		if len(proposed) > 0 {
			if saved.Proposal, saved.NewProposal, err = proposeTx(ctx, tx, actor, cur, proposed, correlationID); err != nil {
				return err
			}
		}
		return s.keep.refresh(ctx, tx, Scope{Systems: []int64{id}})
	})
	if err != nil {
		return FactsSaved{}, err
	}
	return saved, nil
}

// updateFactsTx writes changed facts and audits them; no change, no write.
func updateFactsTx(ctx context.Context, tx pgx.Tx, actor *portal.Actor, cur System, f portal.SystemFacts, correlationID string) error {
	id := cur.ID
	changes := factChanges(cur.Facts, f, false)
	if len(changes) == 0 {
		return nil
	}
	args := append(factArgs(f), id)
	_, err := tx.Exec(ctx, `
		UPDATE systems SET name = $1, description = $2, purpose = $3, category = $4, lifecycle = $5, supplier = $6,
			product = $7, version = $8, hosting = $9, personal_data = $10, open_source = $11, self_developed = $12,
			self_developed_ref = $13, represents_municipality = $14, web_address = $15, notes = $16,
			introduced_before_portal = $17, row_version = row_version + 1, updated_at = now()
		WHERE id = $18`, args...)
	if isUniqueViolation(err) {
		return portal.Invalid("Namnet finns redan.", map[string]string{"name": "Det finns redan ett system med det namnet."})
	}
	if err != nil {
		return translate(err)
	}
	return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "system.updated", ObjectType: "system",
		ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: changes})
}

// StaleError is a Conflict: the system changed since the editor loaded it.
// It carries the current state so the page can show what changed.
type StaleError struct {
	Current System
}

func (e *StaleError) Error() string { return "the system changed since it was loaded" }

// Unwrap makes it a portal Conflict.
func (e *StaleError) Unwrap() error {
	return portal.Conflict("Någon annan har ändrat systemet sedan du öppnade det. Dina ändringar är inte sparade.")
}

// RoleChange is a change of who holds a role from a date (back-dated to
// correct the record, or future-dated for a planned hand-over).
type RoleChange struct {
	Role          portal.SystemRole
	DepartmentID  int64  // owner
	PersonID      int64  // administrator
	Operator      string // operations
	From          time.Time
	Until         *time.Time // last day, optional: leaves a gap after it
	AppointedBy   string
	Reason        string
	ExpectedRowV  int
	RequestID     string
	CaseReference string
	// Correction: a change dated before today that IT-enheten confirmed as
	// a correction of the history (a back-dated operations change).
	Correction bool
}

// ChangeRole records a new holder of a role from a date. The period running
// on that date ends the day before; a later planned period is kept, and the
// new one ends where it begins. Two people changing roles of one system at
// once: the row lock and the version check let exactly one win.
func (s *SystemService) ChangeRole(ctx context.Context, actor *portal.Actor, systemID int64, c RoleChange) error {
	if !portal.CanManageRegister(actor) {
		return portal.Forbidden("Bara IT-enheten kan ändra roller.")
	}
	errs := map[string]string{}
	if !c.Role.Valid() {
		errs["role"] = "Välj roll."
	}
	switch c.Role {
	case portal.RoleOwner:
		if c.DepartmentID <= 0 {
			errs["holder"] = "Välj den förvaltning som äger systemet."
		}
	case portal.RoleAdministrator:
		if c.PersonID <= 0 {
			errs["holder"] = "Välj systemförvaltare."
		}
	case portal.RoleOperations:
		c.Operator = strings.TrimSpace(c.Operator)
		if c.Operator == "" || len([]rune(c.Operator)) > 200 {
			errs["holder"] = "Ange IT-enheten eller leverantörens namn (högst 200 tecken)."
		}
	}
	if c.From.IsZero() || c.From.Year() < 1990 || c.From.Year() > 2100 {
		errs["from"] = "Ange ett datum mellan 1990 och 2100."
	}
	if c.Until != nil && !c.Until.After(c.From) && !c.Until.Equal(c.From) {
		errs["until"] = "Slutdatumet kan inte vara före startdatumet."
	}
	if len([]rune(c.AppointedBy)) > 200 {
		errs["appointed_by"] = "Högst 200 tecken."
	}
	if len([]rune(c.Reason)) > 2000 {
		errs["reason"] = "Högst 2000 tecken."
	}
	if len(errs) > 0 {
		return portal.Invalid("Uppgifterna behöver rättas.", errs)
	}

	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := s.get(ctx, tx, systemID, today(), true)
		if err != nil {
			return err
		}
		if c.ExpectedRowV != 0 && cur.RowVersion != c.ExpectedRowV {
			return &StaleError{Current: cur}
		}
		assignment, err := changeRoleTx(ctx, tx, actor, systemID, c)
		if err != nil {
			return err
		}
		// R3: IT-enheten is told at once, through a job in this transaction.
		if s.enqueue != nil {
			if err := s.enqueue(ctx, tx, jobargs.RoleChangeNotice{SystemID: systemID,
				Assignments: []int64{assignment}}); err != nil {
				return fmt.Errorf("enqueue notification: %w", err)
			}
		}
		return s.keep.refresh(ctx, tx, Scope{Systems: []int64{systemID}})
	})
}

// changeRoleTx records a new holder from c.From inside tx (the system row
// is locked by the caller) and returns the new role period's id, which the
// caller's notification names (R3).
func changeRoleTx(ctx context.Context, tx pgx.Tx, actor *portal.Actor, systemID int64, c RoleChange) (int64, error) {
	if err := checkHolder(ctx, tx, c); err != nil {
		return 0, err
	}

	// The period running on the start day, and the next planned one.
	var running *Holder
	rows, err := tx.Query(ctx, holderSelect+` WHERE ra.system_id = $1 AND ra.role = $2 AND NOT isempty(ra.valid) ORDER BY lower(ra.valid)`, systemID, string(c.Role))
	if err != nil {
		return 0, translate(err)
	}
	periods, err := pgx.CollectRows(rows, scanHolder)
	if err != nil {
		return 0, translate(err)
	}
	var nextStart *time.Time
	for i := range periods {
		p := &periods[i]
		if sameDay(p.From, c.From) {
			return 0, portal.Invalid("Det finns redan en ändring från det datumet.", map[string]string{"from": "Det finns redan en ändring av rollen från det datumet. Välj ett annat datum."})
		}
		if !p.From.After(c.From) && (p.To == nil || p.To.After(c.From)) {
			running = p
		}
		if p.From.After(c.From) && nextStart == nil {
			ns := p.From
			nextStart = &ns
		}
	}
	end := nextStart
	if c.Until != nil {
		e := c.Until.AddDate(0, 0, 1)
		if end == nil || e.Before(*end) {
			end = &e
		}
	}
	before := map[string]any{}
	if running != nil {
		before = map[string]any{"holder": running.Name, "from": day(running.From), "to": dayPtr(running.To)}
		if _, err := tx.Exec(ctx, `UPDATE role_assignments SET valid = daterange(lower(valid), $2::date) WHERE id = $1`,
			running.AssignmentID, c.From); err != nil {
			return 0, translate(err)
		}
	}
	var dept, person *int64
	var operator *string
	switch c.Role {
	case portal.RoleOwner:
		dept = &c.DepartmentID
	case portal.RoleAdministrator:
		person = &c.PersonID
	default:
		operator = &c.Operator
	}
	var newID int64
	err = tx.QueryRow(ctx, `
		INSERT INTO role_assignments (system_id, role, department_id, person_id, operator, valid, appointed_by, reason, created_by)
		VALUES ($1, $2, $3, $4, $5, daterange($6::date, $7::date), $8, $9, $10) RETURNING id`,
		systemID, string(c.Role), dept, person, operator, c.From, end, strings.TrimSpace(c.AppointedBy), strings.TrimSpace(c.Reason), nullID(actor.PersonID)).Scan(&newID)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23P01" { // exclusion: two holders on one day
		return 0, portal.Conflict("Rollen har redan en innehavare under den perioden.")
	}
	if err != nil {
		return 0, translate(err)
	}
	var holderName string
	if err := tx.QueryRow(ctx, `
		SELECT COALESCE(d.name, p.name, ra.operator, '') FROM role_assignments ra
		LEFT JOIN departments d ON d.id = ra.department_id LEFT JOIN people p ON p.id = ra.person_id
		WHERE ra.id = $1`, newID).Scan(&holderName); err != nil {
		return 0, translate(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE systems SET row_version = row_version + 1, updated_at = now() WHERE id = $1`, systemID); err != nil {
		return 0, translate(err)
	}
	changes := map[string]any{
		"role":   string(c.Role),
		"before": before,
		"after":  map[string]any{"holder": holderName, "from": day(c.From), "to": dayPtr(end), "appointed_by": c.AppointedBy, "reason": c.Reason},
	}
	if c.Correction {
		changes["correction"] = true
	}
	return newID, appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "system.role_changed", ObjectType: "system",
		ObjectID: strconv.FormatInt(systemID, 10), RequestID: c.RequestID, Changes: changes})
}

func checkHolder(ctx context.Context, tx pgx.Tx, c RoleChange) error {
	var ok bool
	var err error
	switch c.Role {
	case portal.RoleOwner:
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM departments WHERE id = $1 AND active)`, c.DepartmentID).Scan(&ok)
		if err == nil && !ok {
			return portal.Invalid("Förvaltningen finns inte.", map[string]string{"holder": "Välj en förvaltning i listan."})
		}
	case portal.RoleAdministrator:
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM people WHERE id = $1 AND active)`, c.PersonID).Scan(&ok)
		if err == nil && !ok {
			return portal.Invalid("Personen finns inte.", map[string]string{"holder": "Välj en aktiv person som systemförvaltare."})
		}
	}
	return translate(err)
}

// Breaches returns the rules the system breaks today, as the compliance
// checks last found (kept with every change; compliance_checks.go decides
// what a breach is), in rule order.
func (s *SystemService) Breaches(ctx context.Context, actor *portal.Actor, id int64) ([]ComplianceBreach, error) {
	if actor == nil {
		return nil, portal.Forbidden("Logga in för att läsa registret.")
	}
	// One row per breach, or one empty row when the system keeps every
	// rule; none when there is no such system.
	rows, err := s.pool.Query(ctx, `
		SELECT COALESCE(b.check_key, ''), COALESCE(b.system_id, 0), s.name, COALESCE(b.department_id, 0), COALESCE(d.name, ''),
		       COALESCE(b.person_id, 0), COALESCE(p.name, ''), b.since, b.until, COALESCE(b.detail, ''), COALESCE(b.ref_id, 0),
		       COALESCE(b.ref_text, ''), 1
		FROM systems s
		LEFT JOIN compliance_breaches b ON b.system_id = s.id
		LEFT JOIN departments d ON d.id = b.department_id
		LEFT JOIN people p ON p.id = b.person_id
		WHERE s.id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("system %d breaches: %w", id, translate(err))
	}
	list, err := pgx.CollectRows(rows, scanBreach)
	if err != nil {
		return nil, fmt.Errorf("system %d breaches: %w", id, translate(err))
	}
	if len(list) == 0 {
		return nil, portal.NotFound("Systemet finns inte.")
	}
	list = slices.DeleteFunc(list, func(b ComplianceBreach) bool { return b.Check == "" })
	sortBreaches(list)
	return list, nil
}

func factArgs(f portal.SystemFacts) []any {
	return []any{strings.TrimSpace(f.Name), f.Description, f.Purpose, f.Category, f.Lifecycle, strings.TrimSpace(f.Supplier),
		strings.TrimSpace(f.Product), strings.TrimSpace(f.Version), f.Hosting, f.PersonalData, f.OpenSource, f.SelfDeveloped,
		strings.TrimSpace(f.SelfDevelopedRef), f.RepresentsMunicipality, f.WebAddress, f.Notes, f.IntroducedBeforePortal}
}

// factChanges lists changed fields with before and after (R14).
func factChanges(before, after portal.SystemFacts, all bool) map[string]any {
	out := map[string]any{}
	add := func(name string, b, a any) {
		if all || b != a {
			out[name] = map[string]any{"before": b, "after": a}
		}
	}
	add("name", before.Name, after.Name)
	add("description", before.Description, after.Description)
	add("purpose", before.Purpose, after.Purpose)
	add("category", before.Category, after.Category)
	add("lifecycle", before.Lifecycle, after.Lifecycle)
	add("supplier", before.Supplier, after.Supplier)
	add("product", before.Product, after.Product)
	add("version", before.Version, after.Version)
	add("hosting", before.Hosting, after.Hosting)
	add("personal_data", before.PersonalData, after.PersonalData)
	add("open_source", before.OpenSource, after.OpenSource)
	add("self_developed", before.SelfDeveloped, after.SelfDeveloped)
	add("self_developed_ref", before.SelfDevelopedRef, after.SelfDevelopedRef)
	add("represents_municipality", before.RepresentsMunicipality, after.RepresentsMunicipality)
	add("web_address", before.WebAddress, after.WebAddress)
	add("notes", before.Notes, after.Notes)
	add("introduced_before_portal", before.IntroducedBeforePortal, after.IntroducedBeforePortal)
	return out
}

// today is the calendar date in Europe/Stockholm.
func today() time.Time { return portal.Today() }

func sameDay(a, b time.Time) bool { return day(a) == day(b) }

func day(t time.Time) string { return t.Format("2006-01-02") }

func dayPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return day(*t)
}
