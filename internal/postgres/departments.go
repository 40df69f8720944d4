package postgres

import (
	"context"
	"fmt"

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
