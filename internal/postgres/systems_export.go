package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"itportal/internal/portal"
	"itportal/internal/registerfile"
)

// Export returns every system matching the filter (no pages), in the
// filter's order, with current roles: for CSV/XLSX exports and the
// Rollfördelning report. Same actor, same checks as the list.
func (s *SystemService) Export(ctx context.Context, actor *portal.Actor, f SystemFilter) ([]registerfile.Record, error) {
	if actor == nil {
		return nil, portal.Forbidden("Logga in för att läsa registret.")
	}
	f.Normalise()
	ids, _, err := s.pageIDs(ctx, f, nil)
	if err != nil {
		return nil, fmt.Errorf("export the register: %w", err)
	}
	return s.records(ctx, ids)
}

// records reads the systems ids name as file records, in that order: their
// facts, their holders today and their last evaluation, each for all of
// them at once (an export is every system: a probe per system and role cost
// ten times as much), in one round trip.
func (s *SystemService) records(ctx context.Context, ids []int64) (out []registerfile.Record, err error) {
	// Many systems (every one, for the Rollfördelning report) are read
	// whole, the others by id: a probe for each of 10,000 ids cost more
	// than reading the tables.
	b := &pgx.Batch{}
	if len(ids) > 500 {
		b.Queue(registerFacts)
		b.Queue(registerHolders)
		b.Queue(registerEvaluated + ` GROUP BY system_id`)
	} else {
		args := pgx.NamedArgs{"ids": ids}
		b.Queue(registerFacts+` WHERE s.id = ANY(@ids)`, args)
		b.Queue(registerHolders+` AND r.system_id = ANY(@ids)`, args)
		b.Queue(registerEvaluated+` WHERE system_id = ANY(@ids) GROUP BY system_id`, args)
	}
	br := s.pool.SendBatch(ctx, b)
	defer func() {
		if cerr := br.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("register records: %w", translate(cerr))
		}
	}()
	byID := make(map[int64]*registerfile.Record, len(ids))
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("register records: %w", translate(err))
	}
	var id int64
	var rec registerfile.Record
	f := &rec.Facts
	if _, err := pgx.ForEachRow(rows, []any{&id, &f.Name, &f.Description, &f.Purpose, &f.Category, &f.Lifecycle, &f.Supplier, &f.Product,
		&f.Version, &f.Hosting, &f.PersonalData, &f.OpenSource, &f.SelfDeveloped, &f.SelfDevelopedRef, &f.RepresentsMunicipality,
		&f.WebAddress, &f.Notes, &f.IntroducedBeforePortal}, func() error {
		r := rec
		byID[id] = &r
		return nil
	}); err != nil {
		return nil, fmt.Errorf("register records: %w", translate(err))
	}
	if rows, err = br.Query(); err != nil {
		return nil, fmt.Errorf("register records: %w", translate(err))
	}
	var role, name, email string
	if _, err := pgx.ForEachRow(rows, []any{&id, &role, &name, &email}, func() error {
		r := byID[id]
		if r == nil {
			return nil
		}
		switch portal.SystemRole(role) {
		case portal.RoleOwner:
			r.Owner = name
		case portal.RoleAdministrator:
			r.Administrator, r.AdministratorEmail = name, email
		case portal.RoleOperations:
			r.Operations = name
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("register records: %w", translate(err))
	}
	if rows, err = br.Query(); err != nil {
		return nil, fmt.Errorf("register records: %w", translate(err))
	}
	var last time.Time
	if _, err := pgx.ForEachRow(rows, []any{&id, &last}, func() error {
		if r := byID[id]; r != nil {
			l := last
			r.LastEvaluated = &l
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("register records: %w", translate(err))
	}
	out = make([]registerfile.Record, 0, len(ids))
	for _, id := range ids {
		if r := byID[id]; r != nil {
			out = append(out, *r)
		}
	}
	return out, nil
}

// What a file record is read from: the facts, the holders today, the last
// evaluation (grouped by system).
const (
	registerFacts = `
		SELECT s.id, s.name, s.description, s.purpose, s.category, s.lifecycle, s.supplier, s.product, s.version, s.hosting,
		       s.personal_data, s.open_source, s.self_developed, s.self_developed_ref, s.represents_municipality,
		       s.web_address, s.notes, s.introduced_before_portal
		FROM systems s`
	registerHolders = `
		SELECT r.system_id, r.role, COALESCE(d.name, p.name, r.operator, ''), COALESCE(p.email, '')
		FROM role_assignments r
		LEFT JOIN departments d ON d.id = r.department_id
		LEFT JOIN people p ON p.id = r.person_id
		WHERE held_on(r.valid, current_date)`
	registerEvaluated = `SELECT system_id, max(evaluated_on) FROM evaluations`
)
