package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// catalogue is what the seed put in the database, read back once after
// seeding: the varied mix draws its URLs from it and checks every answer
// against it.
type catalogue struct {
	systems     []catSystem
	systemByID  map[int64]*catSystem
	departments []catDepartment
	cases       []catCase
	caseByID    map[int64]*catCase
	staff       []catPerson // the seeded staff, not the bench's own personas
	personByID  map[int64]*catPerson
	// peopleIDs are every person's id in order, for the reference's pages.
	peopleIDs   []int64
	peopleNames map[int64]string
}

type catSystem struct {
	id                           int64
	name                         string
	lifecycle, hosting, persData string
	ownerID                      int64
	owner, admin, operations     string
	adminFolded                  string
}

type catDepartment struct {
	id          int64
	name, short string
}

type catCase struct {
	id            int64
	number, title string
	state, kind   string
	departmentID  int64
}

type catPerson struct {
	id                  int64
	number, name, email string
	folded              string // fold(name) as PostgreSQL folds it
}

// loadCatalogue reads the seeded register, cases and staff.
func loadCatalogue(ctx context.Context, ownerURL string) (*catalogue, error) {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	c := &catalogue{systemByID: map[int64]*catSystem{}, caseByID: map[int64]*catCase{}, personByID: map[int64]*catPerson{}, peopleNames: map[int64]string{}}
	rows, _ := conn.Query(ctx, `
		SELECT s.id, s.name, s.lifecycle, s.hosting, s.personal_data, COALESCE(o.department_id, 0), COALESCE(d.name, ''),
		       COALESCE(p.name, ''), COALESCE(fold(p.name), ''), COALESCE(op.operator, '')
		FROM systems s
		LEFT JOIN role_assignments o ON o.system_id = s.id AND o.role = 'owner' AND held_on(o.valid, current_date)
		LEFT JOIN departments d ON d.id = o.department_id
		LEFT JOIN role_assignments a ON a.system_id = s.id AND a.role = 'administrator' AND held_on(a.valid, current_date)
		LEFT JOIN people p ON p.id = a.person_id
		LEFT JOIN role_assignments op ON op.system_id = s.id AND op.role = 'operations' AND held_on(op.valid, current_date)
		ORDER BY s.id`)
	for rows.Next() {
		var s catSystem
		if err := rows.Scan(&s.id, &s.name, &s.lifecycle, &s.hosting, &s.persData, &s.ownerID, &s.owner, &s.admin, &s.adminFolded, &s.operations); err != nil {
			return nil, err
		}
		c.systems = append(c.systems, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("systems: %w", err)
	}
	for i := range c.systems {
		c.systemByID[c.systems[i].id] = &c.systems[i]
	}
	rows, _ = conn.Query(ctx, `SELECT id, name, short_name FROM departments WHERE active ORDER BY id`)
	c.departments, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (catDepartment, error) {
		var d catDepartment
		return d, r.Scan(&d.id, &d.name, &d.short)
	})
	if err != nil {
		return nil, fmt.Errorf("departments: %w", err)
	}
	rows, _ = conn.Query(ctx, `SELECT id, number, title, state, kind, COALESCE(department_id, 0) FROM requests WHERE state <> 'utkast' ORDER BY id`)
	c.cases, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (catCase, error) {
		var k catCase
		return k, r.Scan(&k.id, &k.number, &k.title, &k.state, &k.kind, &k.departmentID)
	})
	if err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	for i := range c.cases {
		c.caseByID[c.cases[i].id] = &c.cases[i]
	}
	rows, _ = conn.Query(ctx, `SELECT id, COALESCE(employee_number, ''), name, lower(COALESCE(email, '')), fold(name) FROM people ORDER BY id`)
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (catPerson, error) {
		var p catPerson
		return p, r.Scan(&p.id, &p.number, &p.name, &p.email, &p.folded)
	})
	if err != nil {
		return nil, fmt.Errorf("people: %w", err)
	}
	for _, p := range all {
		c.peopleIDs = append(c.peopleIDs, p.id)
		c.peopleNames[p.id] = p.name
		if !strings.HasPrefix(p.number, "B") {
			c.staff = append(c.staff, p)
		}
	}
	for i := range c.staff {
		c.personByID[c.staff[i].id] = &c.staff[i]
	}
	if len(c.systems) < 100 || len(c.staff) < 100 || len(c.cases) == 0 || len(c.peopleIDs) < 51 {
		return nil, fmt.Errorf("too little seeded for the mix: %d systems, %d staff, %d cases", len(c.systems), len(c.staff), len(c.cases))
	}
	return c, nil
}

// fold is PostgreSQL's fold() for the letters the seed uses: lower case,
// å, ä and ö without their marks.
func fold(s string) string {
	return strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "é", "e").Replace(strings.ToLower(s))
}
