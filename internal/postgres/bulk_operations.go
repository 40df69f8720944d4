package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
)

// MaxBulkSystems is how many systems one bulk change may name (a page of
// the register and more).
const MaxBulkSystems = 200

// OperationsChange is one system of a bulk change of driftsansvarig: who
// runs it on the change's start date and who will.
type OperationsChange struct {
	SystemID  int64
	System    string
	Before    string // "" when the role had no holder
	After     string
	Unchanged bool // the system already has the new driftsansvarig; left as it is
}

// ChangeOperations gives every system in ids the operator c.Operator as
// driftsansvarig from c.From, in one transaction: each change goes through
// the single form's role change (one audit entry and one R3 notification
// per changed system). A system that already has that operator is left as
// it is. IT-enheten only. An unknown system, or an invalid value, changes
// nothing. Under Rehearse it returns what it would do and keeps nothing.
func (s *SystemService) ChangeOperations(ctx context.Context, actor *portal.Actor, ids []int64, c RoleChange) (_ []OperationsChange, err error) {
	defer wrap(&err, "change operations of %d systems", len(ids))
	if !portal.CanManageRegister(actor) {
		return nil, portal.Forbidden("Bara IT-enheten kan ändra roller.")
	}
	c.Role = portal.RoleOperations
	c.Operator = strings.TrimSpace(c.Operator)
	c.ExpectedRowV = 0
	errs := map[string]string{}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	switch {
	case len(ids) == 0:
		errs["system"] = "Välj minst ett system i listan."
	case len(ids) > MaxBulkSystems:
		errs["system"] = fmt.Sprintf("Välj högst %d system åt gången.", MaxBulkSystems)
	case ids[0] <= 0:
		errs["system"] = "Ett av de valda systemen finns inte. Välj systemen i listan igen."
	}
	if c.Operator == "" || len([]rune(c.Operator)) > 200 {
		errs["holder"] = "Ange IT-enheten eller leverantörens namn (högst 200 tecken)."
	}
	if c.From.IsZero() || c.From.Year() < 1990 || c.From.Year() > 2100 {
		errs["from"] = "Ange ett datum mellan 1990 och 2100."
	}
	if len([]rune(c.AppointedBy)) > 200 {
		errs["appointed_by"] = "Högst 200 tecken."
	}
	if len([]rune(c.Reason)) > 2000 {
		errs["reason"] = "Högst 2000 tecken."
	}
	if len(errs) > 0 {
		return nil, portal.Invalid("Uppgifterna behöver rättas.", errs)
	}

	var out []OperationsChange
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		out = out[:0]
		var changed []int64
		for _, id := range ids {
			// Locked in id order: two bulk changes at once do not deadlock.
			cur, err := s.get(ctx, tx, id, c.From, true)
			if portal.KindOf(err) == portal.KindNotFound {
				return portal.Invalid("Ett av de valda systemen finns inte.", map[string]string{
					"system": "Ett av de valda systemen finns inte längre. Välj systemen i listan igen."})
			}
			if err != nil {
				return err
			}
			oc := OperationsChange{SystemID: id, System: cur.Facts.Name, After: c.Operator}
			if h := cur.Roles[portal.RoleOperations]; h != nil {
				oc.Before = h.Name
			}
			if strings.EqualFold(oc.Before, c.Operator) {
				oc.Unchanged = true
				out = append(out, oc)
				continue
			}
			assignment, err := changeRoleTx(ctx, tx, actor, id, c)
			if err != nil {
				var pe *portal.Error
				if errors.As(err, &pe) && pe.Kind == portal.KindInvalid {
					// The message names the system: which of them refused.
					fields := map[string]string{}
					for k, v := range pe.Fields {
						fields[k] = cur.Facts.Name + ": " + v
					}
					return portal.Invalid(pe.Message, fields)
				}
				if portal.KindOf(err) == portal.KindConflict {
					return portal.Invalid(portal.MessageOf(err), map[string]string{"from": cur.Facts.Name + ": " + portal.MessageOf(err)})
				}
				return err
			}
			// R3: IT-enheten is told of each change, as by the single form.
			if s.enqueue != nil {
				if err := s.enqueue(ctx, tx, jobargs.RoleChangeNotice{SystemID: id, Assignments: []int64{assignment}}); err != nil {
					return fmt.Errorf("enqueue notification: %w", err)
				}
			}
			changed = append(changed, id)
			out = append(out, oc)
		}
		if len(changed) == 0 {
			return nil
		}
		return s.keep.refresh(ctx, tx, Scope{Systems: changed})
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b OperationsChange) int { return strings.Compare(a.System, b.System) })
	return out, nil
}
