package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
)

// Reminded is what a bulk reminder did: how many were reminded, and how
// many it could not remind (a system without an active systemförvaltare).
type Reminded struct {
	People  int
	Systems int
	Skipped int
}

// overdueAdministrators are the systems whose evaluation is overdue as the
// compliance board keeps it (R12), with their active administrator (0:
// none).
const overdueAdministrators = `
	SELECT b.system_id, COALESCE(p.id, 0)
	FROM compliance_breaches b LEFT JOIN people p ON p.id = b.person_id AND p.active
	WHERE b.check_key = 'r12_overdue'
	ORDER BY b.system_id`

// RemindOverdue enqueues, in one transaction with one audit entry, an
// evaluation reminder (jobargs.EvaluationNotice, overdue) to the
// systemförvaltare of every system whose evaluation is overdue.
// IT-enheten and its head only. Under Rehearse it counts and keeps nothing.
func (s *EvaluationService) RemindOverdue(ctx context.Context, actor *portal.Actor, correlationID string) (out Reminded, err error) {
	defer wrap(&err, "remind overdue evaluations")
	if !portal.CanManageRegister(actor) {
		return out, portal.Forbidden("Bara IT-enheten påminner systemförvaltarna.")
	}
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, overdueAdministrators)
		if err != nil {
			return translate(err)
		}
		type pair struct{ system, person int64 }
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pair, error) {
			var p pair
			err := r.Scan(&p.system, &p.person)
			return p, err
		})
		if err != nil {
			return translate(err)
		}
		var args []jobargs.Args
		people := map[int64]bool{}
		for _, p := range list {
			if p.person == 0 {
				out.Skipped++
				continue
			}
			out.Systems++
			people[p.person] = true
			args = append(args, jobargs.EvaluationNotice{SystemID: p.system, PersonID: p.person, Overdue: true})
		}
		out.People = len(people)
		if len(args) == 0 {
			return nil
		}
		if s.enqueue != nil {
			if err := s.enqueue(ctx, tx, args...); err != nil {
				return fmt.Errorf("enqueue evaluation reminders: %w", err)
			}
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "evaluation.overdue_reminded", ObjectType: "evaluation",
			ObjectID: "overdue", Changes: map[string]any{"systems": out.Systems, "people": out.People}, RequestID: correlationID})
	})
	return out, err
}

// myOwingStaff are the actor's (@manager's) active staff who owe a
// document now, as the follow-up counts them (owingCTE with no grace).
const myOwingStaff = owingCTE + `
	SELECT DISTINCT person_id FROM owing WHERE manager_id = @manager ORDER BY person_id`

// RemindMyStaff enqueues, in one transaction with one audit entry, a
// reminder (jobargs.AckReminderNotice) to each of the actor's staff who
// has not acknowledged a document in force. Only someone who manages
// someone (Forbidden otherwise). Under Rehearse it counts and keeps nothing.
func (s *DocumentService) RemindMyStaff(ctx context.Context, actor *portal.Actor, correlationID string) (out Reminded, err error) {
	defer wrap(&err, "remind my staff")
	if actor == nil {
		return out, portal.Forbidden("Logga in.")
	}
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var manages bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM people WHERE manager_id = $1 AND active)`, actor.PersonID).Scan(&manages); err != nil {
			return translate(err)
		}
		if !manages {
			return portal.Forbidden("Bara chefer påminner sin personal.")
		}
		rows, err := tx.Query(ctx, myOwingStaff, pgx.NamedArgs{"today": s.today(), "after": 0.0, "manager": actor.PersonID})
		if err != nil {
			return translate(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return translate(err)
		}
		out.People = len(ids)
		if len(ids) == 0 {
			return nil
		}
		if s.enqueue != nil {
			args := make([]jobargs.Args, len(ids))
			for i, id := range ids {
				args[i] = jobargs.AckReminderNotice{PersonIDs: []int64{id}}
			}
			if err := s.enqueue(ctx, tx, args...); err != nil {
				return fmt.Errorf("enqueue reminders: %w", err)
			}
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "acknowledgement.staff_reminded", ObjectType: "person",
			ObjectID: strconv.FormatInt(actor.PersonID, 10), Changes: map[string]any{"people": out.People}, RequestID: correlationID})
	})
	return out, err
}
