// Package demo loads the demo data `itportal dev` shows: departments and a
// few invented people. Loading is idempotent; later issues add their own.
package demo

import (
	"context"
	"errors"
	"fmt"
	"itportal/internal/postgres"

	"github.com/jackc/pgx/v5"
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

// Staff are invented employees of Socialförvaltningen who report to Karin
// Åberg (the "chef" persona), with Leila Haddad, so that a manager's
// follow-up of acknowledgements has people in it; the first Acknowledged
// of them have acknowledged the IT security rules.
var Staff = []struct{ Employee, Name, Email string }{
	{"D0101", "Sara Lind", "sara.lind@example.lillaedet.se"},
	{"D0102", "Omar Hassan", "omar.hassan@example.lillaedet.se"},
	{"D0103", "Petra Nilsson", "petra.nilsson@example.lillaedet.se"},
	{"D0104", "Jonas Ek", "jonas.ek@example.lillaedet.se"},
	{"D0105", "Maria Olsson", "maria.olsson@example.lillaedet.se"},
}

// StaffAcknowledged is how many of Staff have acknowledged.
const StaffAcknowledged = 3

// Load inserts what is missing of the demo data and recomputes the
// compliance board over it; official is the municipality's official web
// address (R13).
func Load(ctx context.Context, pool *pgxpool.Pool, official string) error {
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
	for _, p := range Staff {
		if _, err := tx.Exec(ctx, `
			INSERT INTO people (employee_number, name, email, department_id)
			SELECT $1, $2, $3, id FROM departments WHERE short_name = 'SOC'
			ON CONFLICT DO NOTHING`, p.Employee, p.Name, p.Email); err != nil {
			return fmt.Errorf("demo staff %s: %w", p.Employee, err)
		}
	}
	if _, err := tx.Exec(ctx, `
		UPDATE people SET manager_id = (SELECT id FROM people WHERE employee_number = 'D0005')
		WHERE (employee_number LIKE 'D01%' OR employee_number = 'D0003') AND manager_id IS NULL`); err != nil {
		return fmt.Errorf("demo managers: %w", err)
	}
	if err := loadSystems(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	if err := loadCases(ctx, pool, official); err != nil {
		return err
	}
	if err := loadStandIn(ctx, pool); err != nil {
		return err
	}
	if err := loadEvaluations(ctx, pool, official); err != nil {
		return err
	}
	if err := loadDocuments(ctx, pool); err != nil {
		return err
	}
	if err := loadAcknowledgements(ctx, pool); err != nil {
		return err
	}
	if err := loadContracts(ctx, pool); err != nil {
		return err
	}
	// Much of the above is written directly: the board is computed anew.
	if _, err := postgres.NewComplianceService(pool, nil, official, nil).Recompute(ctx, false); err != nil {
		return fmt.Errorf("demo compliance board: %w", err)
	}
	return nil
}

// demoSystem is a system of the demo register with its current roles.
type demoSystem struct {
	name, description, owner, admin, operator, supplier, lifecycle, hosting, personal, web string
	represents                                                                             bool
}

// Systems are typical systems of a Swedish municipality (real products;
// the roles are invented). One website is off the official address and
// one system lacks an administrator, so the breaches show.
var Systems = []demoSystem{
	{"Treserva", "Verksamhetssystem för individ- och familjeomsorg", "SOC", "D0003", "CGI", "CGI", "i_drift", "saas", "kansliga", "", false},
	{"Procapita", "Äldre verksamhetssystem för socialtjänsten, under avveckling", "SOC", "D0003", "IT-enheten", "CGI", "under_avveckling", "intern", "kansliga", "", false},
	{"Public 360", "Diarium och ärendehantering", "KLF", "D0002", "Tietoevry", "Tietoevry", "under_inforande", "saas", "personuppgifter", "", false},
	{"Platina", "Dokument- och ärendehantering för nämnderna", "KLF", "D0002", "IT-enheten", "Formpipe", "i_drift", "intern", "personuppgifter", "", false},
	{"Microsoft 365", "E-post, kontorsprogram och samarbete", "KLF", "D0006", "IT-enheten", "Microsoft", "i_drift", "saas", "personuppgifter", "", false},
	{"Heroma", "Lön och personaladministration", "KLF", "D0001", "IT-enheten", "CGI", "i_drift", "intern", "kansliga", "", false},
	{"Raindance", "Ekonomisystem", "KLF", "D0001", "IT-enheten", "CGI", "i_drift", "intern", "personuppgifter", "", false},
	{"Skola24", "Schemaläggning och frånvaro i skolan", "BUF", "D0004", "Skola24", "Skola24", "i_drift", "saas", "personuppgifter", "", false},
	{"Unikum", "Lärplattform och dokumentation i förskola och skola", "BUF", "", "Unikum", "Unikum", "i_drift", "saas", "kansliga", "", false},
	{"Sitevision", "Kommunens webbplats och intranät", "KLF", "D0006", "IT-enheten", "Sitevision", "i_drift", "intern", "inga", "https://www.lillaedet.se/", true},
	{"Evolution", "Ärendehantering för bygglov", "SBF", "D0005", "IT-enheten", "Sokigo", "i_drift", "intern", "personuppgifter", "", false},
	{"ArcGIS", "Kartor och geografisk information", "SBF", "D0005", "IT-enheten", "Esri", "i_drift", "intern", "inga", "", false},
	{"Libra", "Bibliotekssystem", "KFF", "D0007", "Axiell", "Axiell", "i_drift", "saas", "personuppgifter", "", false},
	{"Evenemangskalendern", "Evenemang i Lilla Edet", "KFF", "D0007", "Leverantör AB", "Leverantör AB", "i_drift", "saas", "inga", "https://evenemang-lillaedet.example/", true},
}

func loadSystems(ctx context.Context, tx pgx.Tx) error {
	for _, s := range Systems {
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO systems (name, description, lifecycle, supplier, hosting, personal_data, web_address, represents_municipality,
				introduced_before_portal, category)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, 'forvaltningsspecifik')
			ON CONFLICT DO NOTHING RETURNING id`,
			s.name, s.description, s.lifecycle, s.supplier, s.hosting, s.personal, s.web, s.represents).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // loaded before
		}
		if err != nil {
			return fmt.Errorf("demo system %s: %w", s.name, err)
		}
		from := "2023-01-01"
		if _, err := tx.Exec(ctx, `
			INSERT INTO role_assignments (system_id, role, department_id, valid, reason)
			SELECT $1, 'owner', id, daterange($2::date, NULL), 'Demodata' FROM departments WHERE short_name = $3`, id, from, s.owner); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO role_assignments (system_id, role, operator, valid, reason) VALUES ($1, 'operations', $2, daterange($3::date, NULL), 'Demodata')`,
			id, s.operator, from); err != nil {
			return err
		}
		if s.admin != "" {
			if _, err := tx.Exec(ctx, `
				INSERT INTO role_assignments (system_id, role, person_id, valid, appointed_by, reason)
				SELECT $1, 'administrator', id, daterange($2::date, NULL), 'Förvaltningschefen', 'Demodata' FROM people WHERE employee_number = $3`,
				id, from, s.admin); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO evaluations (system_id, evaluated_on, legacy) VALUES ($1, $2, true)`, id, "2025-09-15"); err != nil {
			return err
		}
	}
	return nil
}
