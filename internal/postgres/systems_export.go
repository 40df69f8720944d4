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
	rows, err := s.pool.Query(ctx, `
		SELECT s.name, s.description, s.purpose, s.category, s.lifecycle, s.supplier, s.product, s.version, s.hosting,
		       s.personal_data, s.open_source, s.self_developed, s.self_developed_ref, s.represents_municipality,
		       s.web_address, s.notes, s.introduced_before_portal,
		       COALESCE(d.name, ''), COALESCE(p.name, ''), COALESCE(p.email, ''), COALESCE(op.operator, ''),
		       (SELECT max(evaluated_on) FROM evaluations e WHERE e.system_id = s.id)
		FROM unnest($1::bigint[]) WITH ORDINALITY AS x(id, ord)
		JOIN systems s ON s.id = x.id
		LEFT JOIN role_assignments ro ON ro.system_id = s.id AND ro.role = 'owner' AND ro.valid @> current_date
		LEFT JOIN departments d ON d.id = ro.department_id
		LEFT JOIN role_assignments ra ON ra.system_id = s.id AND ra.role = 'administrator' AND ra.valid @> current_date
		LEFT JOIN people p ON p.id = ra.person_id
		LEFT JOIN role_assignments op ON op.system_id = s.id AND op.role = 'operations' AND op.valid @> current_date
		ORDER BY x.ord`, ids)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (registerfile.Record, error) {
		var rec registerfile.Record
		f := &rec.Facts
		var last *time.Time
		err := r.Scan(&f.Name, &f.Description, &f.Purpose, &f.Category, &f.Lifecycle, &f.Supplier, &f.Product, &f.Version, &f.Hosting,
			&f.PersonalData, &f.OpenSource, &f.SelfDeveloped, &f.SelfDevelopedRef, &f.RepresentsMunicipality,
			&f.WebAddress, &f.Notes, &f.IntroducedBeforePortal, &rec.Owner, &rec.Administrator, &rec.AdministratorEmail,
			&rec.Operations, &last)
		rec.LastEvaluated = last
		return rec, err
	})
	return out, translate(err)
}
