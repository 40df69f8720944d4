package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
)

// HeldRole is a role period a person holds (now or planned).
type HeldRole struct {
	SystemID   int64
	SystemName string
	Holder
}

// Profile is what any employee may see about a person in the register.
type Profile struct {
	ID         int64
	Name       string
	Email      string
	Department string
	Active     bool
}

// PersonRoles returns a person's profile and the role periods they hold
// today or later (the register is readable by everyone signed in).
func (s *SystemService) PersonRoles(ctx context.Context, actor *portal.Actor, personID int64) (_ Profile, _ []HeldRole, err error) {
	defer wrap(&err, "roles of person %d", personID)
	var p Profile
	var held []HeldRole
	err = s.read(ctx, actor, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			SELECT p.id, p.name, p.email, COALESCE(d.name, ''), p.active
			FROM people p LEFT JOIN departments d ON d.id = p.department_id WHERE p.id = $1`, personID).
			Scan(&p.ID, &p.Name, &p.Email, &p.Department, &p.Active)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Personen finns inte.")
		}
		if err != nil {
			return translate(err)
		}
		held, err = heldRoles(ctx, tx, personID, today())
		return err
	})
	return p, held, err
}

func heldRoles(ctx context.Context, tx pgx.Tx, personID int64, from time.Time) ([]HeldRole, error) {
	rows, err := tx.Query(ctx, `
		SELECT s.id, s.name, `+holderColumns+`
		FROM role_assignments ra
		JOIN systems s ON s.id = ra.system_id
		LEFT JOIN departments d ON d.id = ra.department_id
		LEFT JOIN people p ON p.id = ra.person_id
		LEFT JOIN people c ON c.id = ra.created_by
		WHERE ra.person_id = $1 AND NOT isempty(ra.valid) AND (upper(ra.valid) IS NULL OR upper(ra.valid) > $2::date)
		ORDER BY s.name COLLATE swedish, lower(ra.valid)`, personID, from)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (HeldRole, error) {
		var h HeldRole
		var role string
		err := r.Scan(&h.SystemID, &h.SystemName, &h.AssignmentID, &role, &h.DepartmentID, &h.PersonID, &h.PersonActive, &h.Name, &h.Email,
			&h.From, &h.To, &h.AppointedBy, &h.Reason, &h.CreatedBy, &h.CreatedAt)
		h.Role = portal.SystemRole(role)
		return h, err
	})
	return list, translate(err)
}

// HandOverRequest is a hand-over of every role a person holds to a
// successor from a date, and who appointed the successor.
type HandOverRequest struct {
	Successor   int64
	From        time.Time
	AppointedBy string
	Reason      string
	RequestID   string
}

// HandOverPlan is what a hand-over moves and what it leaves: the preview
// IT-enheten confirms, and, after the hand-over, what was handed over.
type HandOverPlan struct {
	Person    string
	Successor string
	From      time.Time
	Moves     []HeldRole // the administrator periods running on the day
	Stays     []HeldRole // periods beginning later: the person's planned roles
	// Access are the person's roles in the portal (IT-enheten,
	// administratör, …): they are not handed over with the register.
	Access []portal.Role
	// Manages is how many active employees have the person as manager
	// (from the HR import): they are not handed over either.
	Manages int
	// Mailboxes are the person's watcher periods running on the day
	// (bevakare and ersättare, §8): handed over with the roles, in the
	// same transaction, the successor taking the same role to the same end.
	// MailboxStays are the periods beginning later, left as they are.
	Mailboxes    []WatcherPeriod
	MailboxStays []WatcherPeriod
}

// moves says whether a hand-over from the day moves the period: only the
// period running on the day; planned later periods are the person's own
// future roles, which IT-enheten handles one by one.
func moves(h HeldRole, from time.Time) bool {
	return h.Role == portal.RoleAdministrator && !h.From.After(from)
}

func checkHandOver(actor *portal.Actor, personID int64, req HandOverRequest) error {
	if !portal.CanManageRegister(actor) {
		return portal.Forbidden("Bara IT-enheten kan lämna över roller.")
	}
	errs := map[string]string{}
	if req.Successor <= 0 {
		errs["successor"] = "Välj vem som tar över rollerna."
	} else if req.Successor == personID {
		errs["successor"] = "Välj en annan person än den som lämnar."
	}
	if req.From.IsZero() || req.From.Year() < 1990 || req.From.Year() > 2100 {
		errs["from"] = "Ange ett datum mellan 1990 och 2100."
	}
	if strings.TrimSpace(req.AppointedBy) == "" {
		errs["appointed_by"] = "Ange vem som utsåg efterträdaren, till exempel systemägarens namn."
	} else if len([]rune(req.AppointedBy)) > 200 {
		errs["appointed_by"] = "Högst 200 tecken."
	}
	if len([]rune(req.Reason)) > 2000 {
		errs["reason"] = "Högst 2000 tecken."
	}
	if len(errs) > 0 {
		return portal.Invalid("Uppgifterna behöver rättas.", errs)
	}
	return nil
}

// planHandOver reads, inside tx, what a hand-over moves and leaves.
func planHandOver(ctx context.Context, tx pgx.Tx, personID int64, req HandOverRequest) (HandOverPlan, error) {
	plan := HandOverPlan{From: req.From}
	var access []string
	err := tx.QueryRow(ctx, `
		SELECT name, COALESCE((SELECT array_agg(role ORDER BY role) FROM person_roles WHERE person_id = $1), '{}'),
		       (SELECT count(*) FROM people m WHERE m.manager_id = $1 AND m.active)
		FROM people WHERE id = $1`, personID).Scan(&plan.Person, &access, &plan.Manages)
	if errors.Is(err, pgx.ErrNoRows) {
		return plan, portal.NotFound("Personen finns inte.")
	}
	if err != nil {
		return plan, translate(err)
	}
	for _, r := range access {
		plan.Access = append(plan.Access, portal.Role(r))
	}
	err = tx.QueryRow(ctx, `SELECT name FROM people WHERE id = $1 AND active`, req.Successor).Scan(&plan.Successor)
	if errors.Is(err, pgx.ErrNoRows) {
		return plan, portal.Invalid("Efterträdaren finns inte.", map[string]string{"successor": "Välj en aktiv person som efterträdare."})
	}
	if err != nil {
		return plan, translate(err)
	}
	held, err := heldRoles(ctx, tx, personID, req.From)
	if err != nil {
		return plan, err
	}
	for _, h := range held {
		if moves(h, req.From) && sameDay(h.From, req.From) {
			// One period per role and day: the role changed on that day.
			return plan, portal.Invalid("Rollen ändrades redan den dagen.", map[string]string{"from": h.SystemName +
				": personen blev systemförvaltare från " + day(h.From) + ". Välj en senare dag för överlämningen."})
		}
		if moves(h, req.From) {
			plan.Moves = append(plan.Moves, h)
		} else {
			plan.Stays = append(plan.Stays, h)
		}
	}
	watched, err := heldMailboxes(ctx, tx, personID, req.From)
	if err != nil {
		return plan, err
	}
	for _, w := range watched {
		switch {
		case sameDay(w.From, req.From):
			return plan, portal.Invalid("Bevakningen började den dagen.", map[string]string{"from": w.Address +
				": personen bevakar brevlådan från " + day(w.From) + ". Välj en senare dag för överlämningen."})
		case w.From.Before(req.From):
			plan.Mailboxes = append(plan.Mailboxes, w)
		default:
			plan.MailboxStays = append(plan.MailboxStays, w)
		}
	}
	return plan, nil
}

// PlanHandOver checks a hand-over and returns what it would move and
// leave, changing nothing: the preview before HandOver. IT-enheten only.
func (s *SystemService) PlanHandOver(ctx context.Context, actor *portal.Actor, personID int64, req HandOverRequest) (_ HandOverPlan, err error) {
	defer wrap(&err, "plan the hand-over of person %d", personID)
	if err := checkHandOver(actor, personID, req); err != nil {
		return HandOverPlan{}, err
	}
	var plan HandOverPlan
	err = s.read(ctx, actor, func(tx pgx.Tx) error {
		plan, err = planHandOver(ctx, tx, personID, req)
		return err
	})
	return plan, err
}

// HandOver gives every administrator role the person holds on the given
// day to a successor from that day, in one transaction: one role change
// (with its audit row and notification) per system, and the mailboxes the
// person watches on the day (the same role, ending their period the day
// before); all or nothing. It returns what was
// handed over (Moves) and what was left. IT-enheten only.
func (s *SystemService) HandOver(ctx context.Context, actor *portal.Actor, personID int64, req HandOverRequest) (_ HandOverPlan, err error) {
	defer wrap(&err, "hand over the roles of person %d", personID)
	if err := checkHandOver(actor, personID, req); err != nil {
		return HandOverPlan{}, err
	}
	var done HandOverPlan
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		plan, err := planHandOver(ctx, tx, personID, req)
		if err != nil {
			return err
		}
		reason := "Överlämning: " + plan.Person + " lämnar rollen"
		if r := strings.TrimSpace(req.Reason); r != "" {
			reason += ". " + r
		}
		var touched []int64
		for _, h := range plan.Moves {
			if _, err := s.get(ctx, tx, h.SystemID, req.From, true); err != nil { // lock the system
				return err
			}
			assignment, err := changeRoleTx(ctx, tx, actor, h.SystemID, RoleChange{
				Role: portal.RoleAdministrator, PersonID: req.Successor, From: req.From, RequestID: req.RequestID,
				AppointedBy: strings.TrimSpace(req.AppointedBy), Reason: reason,
			})
			if err != nil {
				if fe := fieldMessage(err); fe != "" {
					return portal.Invalid(fe, map[string]string{"from": h.SystemName + ": " + fe})
				}
				return err
			}
			if s.enqueue != nil {
				if err := s.enqueue(ctx, tx, jobargs.RoleChangeNotice{SystemID: h.SystemID,
					Assignments: []int64{assignment}}); err != nil {
					return fmt.Errorf("enqueue notification: %w", err)
				}
			}
			touched = append(touched, h.SystemID)
		}
		if err := handOverMailboxes(ctx, tx, actor, plan.Mailboxes, req.Successor, plan.Successor, req.From, reason, req.RequestID); err != nil {
			return err
		}
		if err := s.keep.refresh(ctx, tx, Scope{Systems: touched, Municipal: len(plan.Mailboxes) > 0}); err != nil {
			return err
		}
		done = plan
		return nil
	})
	return done, err
}
