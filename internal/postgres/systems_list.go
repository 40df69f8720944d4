package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"itportal/internal/portal"
)

// SystemFilter narrows the register list. Values outside the allow-lists
// are ignored, never passed to SQL text.
type SystemFilter struct {
	Query                string
	DepartmentID         int64
	Lifecycle            string
	Hosting              string
	PersonalData         string
	MissingAdministrator bool
	EvaluationOverdue    bool
	HeldBy               int64  // "my systems": a person holding a role
	Sort                 string // namn, agare, livscykel, andrad, relevans
	Page                 int    // 1-based
	PerPage              int
}

// SystemSorts are the allowed sort keys with Swedish labels.
var SystemSorts = []portal.Choice{
	{Value: "namn", Label: "Namn"}, {Value: "agare", Label: "Systemägare"},
	{Value: "livscykel", Label: "Livscykel"}, {Value: "andrad", Label: "Senast ändrad"},
}

// SystemRow is one line of the register list.
type SystemRow struct {
	ID            int64
	Name          string
	Lifecycle     string
	Supplier      string
	Owner         string
	Administrator string
	AdminActive   bool
	Operations    string
}

// SystemPage is a page of the register list.
type SystemPage struct {
	Rows    []SystemRow
	Total   int
	Page    int
	PerPage int
}

// Normalise applies the allow-lists and bounds.
func (f *SystemFilter) Normalise() {
	f.Query = strings.TrimSpace(f.Query)
	if len([]rune(f.Query)) > 200 {
		f.Query = string([]rune(f.Query)[:200])
	}
	okChoice := func(choices []portal.Choice, v string) string {
		for _, c := range choices {
			if c.Value == v {
				return v
			}
		}
		return ""
	}
	f.Lifecycle = okChoice(portal.Lifecycles, f.Lifecycle)
	f.Hosting = okChoice(portal.Hostings, f.Hosting)
	f.PersonalData = okChoice(portal.PersonalData, f.PersonalData)
	sort := okChoice(SystemSorts, f.Sort)
	if sort == "" {
		sort = "namn"
		if f.Query != "" {
			sort = "relevans"
		}
	}
	f.Sort = sort
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 || f.Page > 100000 {
		f.Page = 1
	}
}

// The register's filter, shared by the page query and the count. Search:
// Swedish full text (stemming: "förvaltare" finds "förvaltaren") over name,
// description, purpose, supplier and product, trigram similarity on the
// name ("trserva" finds Treserva), and the current owner's and
// administrator's names; each branch of the union is backed by an index.
// Role filters are EXISTS probes, so rows that are not shown are not joined.
const systemWhere = `
	WHERE ($1::text = '' OR s.id IN (
	        SELECT s2.id FROM systems s2 WHERE s2.search_doc @@ websearch_to_tsquery('swedish', $1::text)
	        UNION SELECT s2.id FROM systems s2 WHERE s2.name % $1::text
	        UNION SELECT h.system_id FROM role_assignments h JOIN people hp ON hp.id = h.person_id
	              WHERE h.role = 'administrator' AND h.valid @> current_date AND hp.name ILIKE '%' || $9 || '%'
	        UNION SELECT h.system_id FROM role_assignments h JOIN departments hd ON hd.id = h.department_id
	              WHERE h.role = 'owner' AND h.valid @> current_date AND hd.name ILIKE '%' || $9 || '%'))
	  AND ($2::bigint = 0 OR EXISTS (SELECT 1 FROM role_assignments f
	        WHERE f.system_id = s.id AND f.role = 'owner' AND f.valid @> current_date AND f.department_id = $2))
	  AND ($3 = '' OR s.lifecycle = $3)
	  AND ($4 = '' OR s.hosting = $4)
	  AND ($5 = '' OR s.personal_data = $5)
	  AND (NOT $6 OR (s.lifecycle <> 'avvecklad' AND NOT EXISTS (SELECT 1 FROM role_assignments f JOIN people fp ON fp.id = f.person_id
	        WHERE f.system_id = s.id AND f.role = 'administrator' AND f.valid @> current_date AND fp.active)))
	  AND ($7::bigint = 0 OR EXISTS (SELECT 1 FROM role_assignments m WHERE m.system_id = s.id AND m.person_id = $7 AND m.valid @> current_date))
	  AND (NOT $8 OR (s.lifecycle IN ('i_drift', 'under_avveckling') AND
	       COALESCE((SELECT max(evaluated_on) FROM evaluations e WHERE e.system_id = s.id), (s.created_at AT TIME ZONE 'Europe/Stockholm')::date)
	         + interval '12 months' < current_date))`

// systemCount counts the systems the filter matches.
const systemCount = `SELECT count(*) FROM systems s` + systemWhere

// systemListBase selects the rows shown, with their current roles.
const systemListBase = `
	SELECT s.id, s.name, s.lifecycle, s.supplier, COALESCE(d.name, ''), COALESCE(p.name, ''), COALESCE(p.active, true),
	       COALESCE(op.operator, '')
	FROM systems s
	LEFT JOIN role_assignments ro ON ro.system_id = s.id AND ro.role = 'owner' AND ro.valid @> current_date
	LEFT JOIN departments d ON d.id = ro.department_id
	LEFT JOIN role_assignments ra ON ra.system_id = s.id AND ra.role = 'administrator' AND ra.valid @> current_date
	LEFT JOIN people p ON p.id = ra.person_id
	LEFT JOIN role_assignments op ON op.system_id = s.id AND op.role = 'operations' AND op.valid @> current_date` + systemWhere

const (
	systemListByName = systemListBase + `
	ORDER BY s.name COLLATE swedish, s.id LIMIT $10 OFFSET $11`
	systemListByOwner = systemListBase + `
	ORDER BY d.name COLLATE swedish NULLS LAST, s.name COLLATE swedish, s.id LIMIT $10 OFFSET $11`
	systemListByLifecycle = systemListBase + `
	ORDER BY array_position(ARRAY['planerad','under_inforande','i_drift','under_avveckling','avvecklad'], s.lifecycle), s.name COLLATE swedish, s.id LIMIT $10 OFFSET $11`
	systemListByChanged = systemListBase + `
	ORDER BY s.updated_at DESC, s.id LIMIT $10 OFFSET $11`
	systemListByRelevance = systemListBase + `
	ORDER BY GREATEST(similarity(s.name, $1::text), word_similarity($1::text, s.name),
	         ts_rank(s.search_doc, websearch_to_tsquery('swedish', $1::text))) DESC,
	         s.name COLLATE swedish, s.id LIMIT $10 OFFSET $11`
)

func scanSystemRow(r pgx.CollectableRow) (SystemRow, error) {
	var row SystemRow
	err := r.Scan(&row.ID, &row.Name, &row.Lifecycle, &row.Supplier, &row.Owner, &row.Administrator, &row.AdminActive, &row.Operations)
	return row, err
}

// systemListAfter is the API's keyset page: in name order, after a cursor
// (name, id), so pages stay stable while systems are added.
const systemListAfter = systemListBase + `
	  AND (s.name COLLATE swedish, s.id) > ($12::text COLLATE swedish, $13::bigint)
	ORDER BY s.name COLLATE swedish, s.id LIMIT $10 OFFSET $11`

// ListAfter returns up to f.PerPage systems in name order after the
// cursor (afterName, afterID); empty values start from the beginning.
func (s *SystemService) ListAfter(ctx context.Context, actor *portal.Actor, f SystemFilter, afterName string, afterID int64) ([]SystemRow, error) {
	if actor == nil {
		return nil, portal.Forbidden("Logga in för att läsa registret.")
	}
	f.Normalise()
	rows, err := s.pool.Query(ctx, systemListAfter, f.Query, f.DepartmentID, f.Lifecycle, f.Hosting, f.PersonalData,
		f.MissingAdministrator, f.HeldBy, f.EvaluationOverdue, escapeLike(f.Query), f.PerPage, 0, afterName, afterID)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, scanSystemRow)
	return list, translate(err)
}

// List returns a page of the register. Everyone signed in may read it.
func (s *SystemService) List(ctx context.Context, actor *portal.Actor, f SystemFilter) (SystemPage, error) {
	if actor == nil {
		return SystemPage{}, portal.Forbidden("Logga in för att läsa registret.")
	}
	f.Normalise()
	args := []any{f.Query, f.DepartmentID, f.Lifecycle, f.Hosting, f.PersonalData, f.MissingAdministrator, f.HeldBy,
		f.EvaluationOverdue, escapeLike(f.Query), f.PerPage, (f.Page - 1) * f.PerPage}
	var rows pgx.Rows
	var err error
	switch f.Sort {
	case "agare":
		rows, err = s.pool.Query(ctx, systemListByOwner, args...)
	case "livscykel":
		rows, err = s.pool.Query(ctx, systemListByLifecycle, args...)
	case "andrad":
		rows, err = s.pool.Query(ctx, systemListByChanged, args...)
	case "relevans":
		rows, err = s.pool.Query(ctx, systemListByRelevance, args...)
	default:
		rows, err = s.pool.Query(ctx, systemListByName, args...)
	}
	if err != nil {
		return SystemPage{}, translate(err)
	}
	page := SystemPage{Page: f.Page, PerPage: f.PerPage}
	if page.Rows, err = pgx.CollectRows(rows, scanSystemRow); err != nil {
		return page, translate(err)
	}
	switch {
	case f.Page == 1 && len(page.Rows) < f.PerPage:
		page.Total = len(page.Rows) // everything fits on the first page
	case f == (SystemFilter{Sort: f.Sort, Page: f.Page, PerPage: f.PerPage}):
		// Nothing filtered: count the table, not the filter.
		err = s.pool.QueryRow(ctx, `SELECT count(*) FROM systems`).Scan(&page.Total)
	default:
		err = s.pool.QueryRow(ctx, systemCount, args[:9]...).Scan(&page.Total)
	}
	if err != nil {
		return page, translate(err)
	}
	return page, nil
}
