package postgres

import (
	"context"
	"strconv"

	"github.com/jackc/pgx/v5"

	"itportal/internal/portal"
)

// The steps of Assign.
const (
	AssignToMe    = "tilldela" // "Tilldela mig": the actor becomes the handläggare (taking the case over from another)
	AssignRelease = "slapp"    // "Släpp ärendet": the handläggare lets it go back to nobody
)

// Assign makes the actor the case's handläggare (step AssignToMe), or lets
// the actor's own case go back to nobody (AssignRelease). seen is the
// handler the actor's page showed (0 for none): when another has taken or
// released the case since, nothing changes and the conflict says who has
// it now, so two handlers never take the same case unknowingly. The check
// (portal.CanAssign) is made on the locked row, and the change is audited
// as request.assigned or request.released with the handler before and
// after.
func (s *RequestService) Assign(ctx context.Context, actor *portal.Actor, id, seen int64, step, correlationID string) (err error) {
	defer wrap(&err, "assign case %d", id)
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := lockVisible(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if err := portal.CanAssign(actor, r.State, r.AuthorID); err != nil {
			return err
		}
		if step != AssignToMe && step != AssignRelease {
			return portal.Invalid("Välj Tilldela mig eller Släpp ärendet.", map[string]string{"handlaggare": "Välj Tilldela mig eller Släpp ärendet."})
		}
		release := step == AssignRelease
		if r.AssigneeID != seen {
			if r.AssigneeID == 0 {
				return portal.Conflict("Ärendet har just släppts och har ingen handläggare. Se efter på ärendet och försök igen.")
			}
			return portal.Conflict("Ärendet har just tilldelats " + r.AssigneeName + ". Se efter på ärendet och försök igen.")
		}
		next, action := actor.PersonID, "request.assigned"
		if release {
			if r.AssigneeID != actor.PersonID {
				return portal.Forbidden("Bara ärendets handläggare kan släppa det.")
			}
			next, action = 0, "request.released"
		} else if r.AssigneeID == actor.PersonID {
			return nil // already the actor's
		}
		if _, err := tx.Exec(ctx, `UPDATE requests SET assignee_id = $2, row_version = row_version + 1, updated_at = now() WHERE id = $1`,
			id, nullID(next)); err != nil {
			return translate(err)
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: action, ObjectType: "request",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID,
			Changes: map[string]any{"assignee": map[string]any{"before": nullID(r.AssigneeID), "after": nullID(next)}, "number": r.Number}})
	})
}
