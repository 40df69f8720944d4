package demo

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// Uncontracted is the demo system left without a contract, so that the
// board's R15 shows what a breach looks like.
const Uncontracted = "Evenemangskalendern"

// loadContracts gives every supplier of the demo register a supplier
// record and one contract covering its systems (all but Uncontracted),
// with invented organisation numbers. One contract's notice deadline lies
// a few weeks ahead, so the contract list and the reminders have something
// to show. Only on a portal without suppliers.
func loadContracts(ctx context.Context, pool *pgxpool.Pool) error {
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM suppliers`).Scan(&n); err != nil || n > 0 {
		return err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var order []string
	systems := map[string][]demoSystem{}
	for _, s := range Systems {
		if _, seen := systems[s.supplier]; !seen {
			order = append(order, s.supplier)
		}
		systems[s.supplier] = append(systems[s.supplier], s)
	}
	for i, name := range order {
		org := demoOrgNumber(i)
		var supplierID int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO suppliers (name, normalised_name, org_number, notes) VALUES ($1, $2, $3, 'Demo: organisationsnumret är påhittat.')
			RETURNING id`, name, portal.NormaliseSupplierName(name), org).Scan(&supplierID); err != nil {
			return fmt.Errorf("demo supplier %s: %w", name, err)
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO supplier_contacts (supplier_id, role, name, email) VALUES ($1, 'Support', 'Kundtjänst', $2)`,
			supplierID, "support@"+strconv.Itoa(i+1)+".leverantor.example"); err != nil {
			return fmt.Errorf("demo contact %s: %w", name, err)
		}
		first := systems[name][0]
		responsible := first.admin
		if responsible == "" {
			responsible = "D0002"
		}
		// Four years from a start spread over the last years; with six
		// months' notice and tacit renewal by a year. The first supplier's
		// term ends about seven months ahead, so its notice is due soon.
		var contractID int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO contracts (name, supplier_id, our_reference, procurement, start_on, initial_months, notice_months,
				renewal_months, department_id, responsible_id)
			SELECT $1, $2, $3, 'lou', (date_trunc('month', current_date) - make_interval(months => 41 - $4::int * 3))::date, 48, 6, 12,
				d.id, p.id
			FROM departments d, people p WHERE d.short_name = $5 AND p.employee_number = $6
			RETURNING id`, name+" – avtal", supplierID, "KS "+strconv.Itoa(2022+i%3)+"/"+strconv.Itoa(100+i), i, first.owner, responsible).Scan(&contractID); err != nil {
			return fmt.Errorf("demo contract %s: %w", name, err)
		}
		for _, s := range systems[name] {
			if s.name == Uncontracted {
				continue
			}
			if _, err := tx.Exec(ctx, `
				INSERT INTO contract_systems (contract_id, system_id) SELECT $1, id FROM systems WHERE name = $2
				ON CONFLICT DO NOTHING`, contractID, s.name); err != nil {
				return fmt.Errorf("demo contract system %s: %w", s.name, err)
			}
		}
	}
	return tx.Commit(ctx)
}

// demoOrgNumber is an invented organisation number with a valid check
// digit: 55nnnn-nnnX (the 55 prefix is that of Swedish limited companies).
func demoOrgNumber(i int) string {
	base := fmt.Sprintf("55%04d%03d", 9000+i, 100+i)
	for d := range 10 {
		if org, problem := portal.ParseOrgNumber(base + strconv.Itoa(d)); problem == "" {
			return org
		}
	}
	panic("no check digit for " + base)
}
