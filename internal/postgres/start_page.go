package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"itportal/internal/portal"
)

// OpenAge is the number of open cases in one state, by their age since
// submission: 0–7 days, 8–30 days and more than 30 days.
type OpenAge struct {
	State              portal.RequestState
	Week, Month, Older int
}

// Total is every open case of the state.
func (o OpenAge) Total() int { return o.Week + o.Month + o.Older }

// openByAgeQuery counts the open cases per state and age, in one scan of
// the open cases (the age in days since submission, in Stockholm).
const openByAgeQuery = `
	WITH open AS (
		SELECT r.state, current_date - (COALESCE(r.submitted_at, r.created_at))::date AS age
		FROM requests r WHERE r.state IN ('inskickat', 'under_handlaggning', 'komplettering_begard')
	)
	SELECT state, count(*) FILTER (WHERE age <= 7)::int, count(*) FILTER (WHERE age BETWEEN 8 AND 30)::int, count(*) FILTER (WHERE age > 30)::int
	FROM open GROUP BY state`

// OpenByAge returns IT-enheten's picture of the open cases: per open
// state (in the order of a case's life, every open state listed), how
// many are 0–7, 8–30 and more than 30 days old. Those who handle cases
// only.
func (s *RequestService) OpenByAge(ctx context.Context, actor *portal.Actor) (_ []OpenAge, err error) {
	defer wrap(&err, "open cases by age")
	if !portal.IsPreparer(actor) {
		return nil, portal.Forbidden("Bara IT-enheten ser arbetskön.")
	}
	rows, err := s.pool.Query(ctx, openByAgeQuery)
	if err != nil {
		return nil, translate(err)
	}
	counted, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OpenAge, error) {
		var o OpenAge
		err := r.Scan(&o.State, &o.Week, &o.Month, &o.Older)
		return o, err
	})
	if err != nil {
		return nil, translate(err)
	}
	var out []OpenAge
	for _, st := range portal.RequestStates {
		if !st.Open() {
			continue
		}
		o := OpenAge{State: st}
		for _, c := range counted {
			if c.State == st {
				o = c
			}
		}
		out = append(out, o)
	}
	return out, nil
}
