package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"itportal/internal/portal"
)

// InTimeCount is, for one department, the systems whose evaluation is
// required (in operation or being decommissioned) and how many of them
// are not overdue today.
type InTimeCount struct {
	Department string // "" for systems without an owner today
	Systems    int
	InTime     int
}

// evaluationInTimeQuery counts per owner on $1 the systems evaluation_due
// requires and those whose due date has not passed.
const evaluationInTimeQuery = `
	SELECT COALESCE(d.name, ''), count(*), count(*) FILTER (WHERE ed.due_on >= $1::date)
	FROM evaluation_due ed
	LEFT JOIN role_assignments ro ON ro.system_id = ed.system_id AND ro.role = 'owner' AND ro.valid @> $1::date
	LEFT JOIN departments d ON d.id = ro.department_id
	WHERE ed.required
	GROUP BY d.id, d.name
	ORDER BY d.name COLLATE swedish NULLS LAST`

// InTime counts, per department owning systems today, the systems whose
// evaluation is required and how many are in time (R12, from the same
// due dates as the overview and the reminders). IT-enheten only.
func (s *EvaluationService) InTime(ctx context.Context, actor *portal.Actor) (_ []InTimeCount, err error) {
	defer wrap(&err, "evaluations in time")
	if !portal.CanManageRegister(actor) {
		return nil, portal.Forbidden("Bara IT-enheten ser alla förvaltningars utvärderingar.")
	}
	var out []InTimeCount
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, evaluationInTimeQuery, s.today())
		if err != nil {
			return translate(err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (InTimeCount, error) {
			var c InTimeCount
			err := r.Scan(&c.Department, &c.Systems, &c.InTime)
			return c, err
		})
		return translate(err)
	})
	return out, err
}
