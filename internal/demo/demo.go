// Package demo loads the demo data `itportal dev` shows: departments and a
// few invented people. Loading is idempotent; later issues add their own.
package demo

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Departments of Lilla Edets kommun, as in the domain description.
var Departments = []struct{ Name, Short string }{
	{"Kommunledningsförvaltningen", "KLF"},
	{"Barn- och utbildningsförvaltningen", "BUF"},
	{"Socialförvaltningen", "SOC"},
	{"Samhällsbyggnadsförvaltningen", "SBF"},
	{"Kultur- och fritidsförvaltningen", "KFF"},
}

// People are invented demo personas (the dev sign-in offers them).
var People = []struct{ Employee, Name, Email, Dept string }{
	{"D0001", "Ingrid Svensson", "ingrid.svensson@example.lillaedet.se", "KLF"},
	{"D0002", "Mats Lindqvist", "mats.lindqvist@example.lillaedet.se", "KLF"},
	{"D0003", "Leila Haddad", "leila.haddad@example.lillaedet.se", "SOC"},
	{"D0004", "Johan Berg", "johan.berg@example.lillaedet.se", "BUF"},
	{"D0005", "Karin Åberg", "karin.aberg@example.lillaedet.se", "SOC"},
	{"D0006", "Anders Nyström", "anders.nystrom@example.lillaedet.se", "KLF"},
	{"D0007", "Eva Holm", "eva.holm@example.lillaedet.se", "KLF"},
}

// Load inserts what is missing of the demo data.
func Load(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	for _, d := range Departments {
		if _, err := tx.Exec(ctx, `
			INSERT INTO departments (name, short_name) VALUES ($1, $2)
			ON CONFLICT DO NOTHING`, d.Name, d.Short); err != nil {
			return fmt.Errorf("demo department %s: %w", d.Short, err)
		}
	}
	for _, p := range People {
		if _, err := tx.Exec(ctx, `
			INSERT INTO people (employee_number, name, email, department_id)
			SELECT $1, $2, $3, id FROM departments WHERE short_name = $4
			ON CONFLICT DO NOTHING`, p.Employee, p.Name, p.Email, p.Dept); err != nil {
			return fmt.Errorf("demo person %s: %w", p.Employee, err)
		}
	}
	return tx.Commit(ctx)
}
