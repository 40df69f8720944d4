package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// DepartmentService reads and changes departments (förvaltningar).
type DepartmentService struct {
	pool *pgxpool.Pool
}

// NewDepartmentService returns the service over pool.
func NewDepartmentService(pool *pgxpool.Pool) *DepartmentService {
	return &DepartmentService{pool: pool}
}

// ListActive returns the active departments, sorted by name.
func (s *DepartmentService) ListActive(ctx context.Context) ([]portal.Department, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, name, short_name, active
		FROM departments
		WHERE active
		ORDER BY name COLLATE swedish`)
	if err != nil {
		return nil, fmt.Errorf("list departments: %w", translate(err))
	}
	deps, err := pgx.CollectRows(rows, pgx.RowToStructByName[portal.Department])
	if err != nil {
		return nil, fmt.Errorf("list departments: %w", translate(err))
	}
	return deps, nil
}

// SpeakableFor returns the active departments the actor may file a case
// for (portal.CanSpeakFor): every one for IT-enheten and its head; for
// others their own and those owning a system they administer today.
func (s *DepartmentService) SpeakableFor(ctx context.Context, actor *portal.Actor) ([]portal.Department, error) {
	if portal.IsPreparer(actor) {
		return s.ListActive(ctx)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT id, name, short_name, active
		FROM departments
		WHERE active AND (id = $1 OR id IN (
			SELECT o.department_id FROM role_assignments a
			JOIN role_assignments o ON o.system_id = a.system_id AND o.role = 'owner' AND o.valid @> current_date
			WHERE a.role = 'administrator' AND a.person_id = $2 AND a.valid @> current_date))
		ORDER BY name COLLATE swedish`, actor.DepartmentID, actor.PersonID)
	if err != nil {
		return nil, fmt.Errorf("list departments for person %d: %w", actor.PersonID, translate(err))
	}
	deps, err := pgx.CollectRows(rows, pgx.RowToStructByName[portal.Department])
	if err != nil {
		return nil, fmt.Errorf("list departments for person %d: %w", actor.PersonID, translate(err))
	}
	return deps, nil
}

// ListAll returns every department, active or not (admin pages).
func (s *DepartmentService) ListAll(ctx context.Context, actor *portal.Actor) (_ []portal.Department, err error) {
	defer wrap(&err, "list all departments")
	if !portal.CanAdminister(actor) {
		return nil, portal.Forbidden("Bara administratörer hanterar förvaltningar.")
	}
	rows, err := s.pool.Query(ctx, `SELECT id, name, short_name, active FROM departments ORDER BY active DESC, name COLLATE swedish`)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[portal.Department])
	return list, translate(err)
}

// Get returns one department (admin pages).
func (s *DepartmentService) Get(ctx context.Context, actor *portal.Actor, id int64) (_ portal.Department, err error) {
	defer wrap(&err, "get department %d", id)
	if !portal.CanAdminister(actor) {
		return portal.Department{}, portal.Forbidden("Bara administratörer hanterar förvaltningar.")
	}
	rows, err := s.pool.Query(ctx, `SELECT id, name, short_name, active FROM departments WHERE id = $1`, id)
	if err != nil {
		return portal.Department{}, translate(err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[portal.Department])
	if errors.Is(err, pgx.ErrNoRows) {
		return d, portal.NotFound("Förvaltningen finns inte.")
	}
	return d, translate(err)
}

// Save creates (id 0) or changes a department. A department is never
// deleted: deactivated, it stays the owner in the register's history.
func (s *DepartmentService) Save(ctx context.Context, actor *portal.Actor, d portal.Department, correlationID string) (_ int64, err error) {
	defer wrap(&err, "save department %q", d.Name)
	if !portal.CanAdminister(actor) {
		return 0, portal.Forbidden("Bara administratörer hanterar förvaltningar.")
	}
	if errs := d.Validate(); len(errs) > 0 {
		return 0, portal.Invalid("Uppgifterna behöver rättas.", errs)
	}
	var id int64
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var before portal.Department
		if d.ID != 0 {
			rows, err := tx.Query(ctx, `SELECT id, name, short_name, active FROM departments WHERE id = $1 FOR UPDATE`, d.ID)
			if err != nil {
				return translate(err)
			}
			before, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[portal.Department])
			if errors.Is(err, pgx.ErrNoRows) {
				return portal.NotFound("Förvaltningen finns inte.")
			}
			if err != nil {
				return translate(err)
			}
			_, err = tx.Exec(ctx, `UPDATE departments SET name = $2, short_name = $3, active = $4, updated_at = now() WHERE id = $1`,
				d.ID, d.Name, d.ShortName, d.Active)
			if isUniqueViolation(err) {
				return portal.Invalid("Namnet finns redan.", map[string]string{"name": "Det finns redan en förvaltning med det namnet eller den förkortningen."})
			}
			if err != nil {
				return translate(err)
			}
		} else {
			err := tx.QueryRow(ctx, `INSERT INTO departments (name, short_name) VALUES ($1, $2) RETURNING id`, d.Name, d.ShortName).Scan(&d.ID)
			if isUniqueViolation(err) {
				return portal.Invalid("Namnet finns redan.", map[string]string{"name": "Det finns redan en förvaltning med det namnet eller den förkortningen."})
			}
			if err != nil {
				return translate(err)
			}
		}
		action := "department.created"
		if before.ID != 0 {
			action = "department.updated"
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: action, ObjectType: "department",
			ObjectID: strconv.FormatInt(d.ID, 10), RequestID: correlationID, Changes: map[string]any{
				"name": map[string]any{"before": before.Name, "after": d.Name}, "short_name": map[string]any{"before": before.ShortName, "after": d.ShortName},
				"active": map[string]any{"before": before.Active, "after": d.Active}}}); err != nil {
			return err
		}
		id = d.ID
		return nil
	})
	return id, err
}
