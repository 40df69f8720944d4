package postgres

import (
	"context"
	"errors"
	"fmt"
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

// HandOver gives every administrator role the person holds on the given
// day to a successor from that day, in one transaction: one role change
// (with its audit row and notification) per system. It returns how many
// systems changed. IT-enheten only.
func (s *SystemService) HandOver(ctx context.Context, actor *portal.Actor, personID, successorID int64, from time.Time, requestID string) (_ int, err error) {
	defer wrap(&err, "hand over the roles of person %d", personID)
	if !portal.CanManageRegister(actor) {
		return 0, portal.Forbidden("Bara IT-enheten kan lämna över roller.")
	}
	errs := map[string]string{}
	if successorID <= 0 {
		errs["successor"] = "Välj vem som tar över rollerna."
	} else if successorID == personID {
		errs["successor"] = "Välj en annan person än den som lämnar."
	}
	if from.IsZero() || from.Year() < 1990 || from.Year() > 2100 {
		errs["from"] = "Ange ett datum mellan 1990 och 2100."
	}
	if len(errs) > 0 {
		return 0, portal.Invalid("Uppgifterna behöver rättas.", errs)
	}
	var changed int
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		held, err := heldRoles(ctx, tx, personID, from)
		if err != nil {
			return err
		}
		var name string
		if err := tx.QueryRow(ctx, `SELECT name FROM people WHERE id = $1`, personID).Scan(&name); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return portal.NotFound("Personen finns inte.")
			}
			return translate(err)
		}
		n := 0
		var touched []int64
		for _, h := range held {
			// Only the period running on the day: planned later periods are the
			// person's own future roles, which IT-enheten handles one by one.
			if h.Role != portal.RoleAdministrator || h.From.After(from) {
				continue
			}
			if _, err := s.get(ctx, tx, h.SystemID, from, true); err != nil { // lock the system
				return err
			}
			assignment, err := changeRoleTx(ctx, tx, actor, h.SystemID, RoleChange{
				Role: portal.RoleAdministrator, PersonID: successorID, From: from, RequestID: requestID,
				Reason: "Överlämning: " + name + " lämnar rollen",
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
			n++
			touched = append(touched, h.SystemID)
		}
		if err := s.keep.refresh(ctx, tx, Scope{Systems: touched}); err != nil {
			return err
		}
		changed = n
		return nil
	})
	return changed, err
}
