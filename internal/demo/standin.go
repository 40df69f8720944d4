package demo

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// StandInDays is how long the demo's stand-in period lasts from the day
// the demo is loaded.
const StandInDays = 14

// loadStandIn makes Eva Holm (the "ersättare" persona) the IT head's
// ersättare and lets her stand in for Ingrid Svensson from the day the
// demo is loaded, so that on the first start she can decide the
// open-source case waiting for the IT head. Only on a portal without
// periods. Her role is recorded now so the IT head's page offers her
// before her first sign-in (which sets her roles from her groups anyway).
func loadStandIn(ctx context.Context, pool *pgxpool.Pool) error {
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM deputy_periods`).Scan(&n); err != nil || n > 0 {
		return err
	}
	if _, err := pool.Exec(ctx, `
		INSERT INTO person_roles (person_id, role) SELECT id, 'it_head_deputy' FROM people WHERE employee_number = 'D0007'
		ON CONFLICT DO NOTHING`); err != nil {
		return fmt.Errorf("demo deputy role: %w", err)
	}
	if _, err := pool.Exec(ctx, `
		INSERT INTO deputy_periods (deputy_id, starts_on, ends_on, note, set_by)
		SELECT e.id, current_date, current_date + $1::int - 1, 'Ingrid Svenssons semester', i.id
		FROM people e, people i WHERE e.employee_number = 'D0007' AND i.employee_number = 'D0001'`, StandInDays); err != nil {
		return fmt.Errorf("demo stand-in period: %w", err)
	}
	return nil
}
