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
	// Pages are 50 rows: the limit is a constant in the queries, so their
	// generic plans know how few rows are wanted.
	f.PerPage = 50
	if f.Page < 1 || f.Page > 100000 {
		f.Page = 1
	}
}

// The register's filter, shared by the page query and the count. Search:
// Swedish full text (stemming: "förvaltare" finds "förvaltaren") over name,
// description, purpose, supplier and product, trigram similarity on the
// name ("trserva" finds Treserva), and the current administrator's name;
// each branch of the union is backed by an index. (The owning department
// is a filter, not a search: searching department names matched thousands
// of systems per department and made PostgreSQL scan the whole table.)
// Role filters are EXISTS probes, so rows that are not shown are not joined.
const systemFilters = `
	WHERE $1::text = $1::text AND $9::text = $9::text AND $10::bigint = $10::bigint
	  AND ($2::bigint = 0 OR EXISTS (SELECT 1 FROM role_assignments f
	        WHERE f.system_id = s.id AND f.role = 'owner' AND f.valid @> current_date AND f.department_id = $2))
	  AND ($3 = '' OR s.lifecycle = $3)
	  AND ($4 = '' OR s.hosting = $4)
	  AND ($5 = '' OR s.personal_data = $5)
	  AND (NOT $6 OR (s.lifecycle <> 'avvecklad' AND NOT EXISTS (SELECT 1 FROM role_assignments f JOIN people fp ON fp.id = f.person_id
	        WHERE f.system_id = s.id AND f.role = 'administrator' AND f.valid @> current_date AND fp.active)))
	  AND ($7::bigint = 0 OR EXISTS (SELECT 1 FROM role_assignments m WHERE m.system_id = s.id AND m.person_id = $7 AND m.valid @> current_date))
	  AND (NOT $8 OR EXISTS (SELECT 1 FROM evaluation_due ed WHERE ed.system_id = s.id AND ed.required AND ed.due_on < current_date))`

// systemSearch adds the search to the filters. The queries without a
// search leave it out entirely: planning it on every page view cost more
// than running the page.
const systemSearch = systemFilters + `
	  AND s.id IN (
	        SELECT s2.id FROM systems s2 WHERE s2.search_doc @@ websearch_to_tsquery('swedish', $1::text)
	        UNION SELECT s2.id FROM systems s2 WHERE s2.name % $1::text
	        UNION SELECT h.system_id FROM role_assignments h JOIN people hp ON hp.id = h.person_id
	              WHERE h.role = 'administrator' AND h.valid @> current_date AND hp.name ILIKE '%' || $9 || '%')`

// Counts of what the filter (and search) match.
const (
	systemCount       = `SELECT count(*) FROM systems s` + systemFilters
	systemSearchCount = `SELECT count(*) FROM systems s` + systemSearch
)

// systemSelect selects the rows shown, with their current roles.
const systemSelect = `
	SELECT ` + listColumns + `
	FROM systems s` + systemRoleJoins

const listColumns = `s.id, s.name, s.lifecycle, s.supplier, COALESCE(d.name, ''), COALESCE(p.name, ''), COALESCE(p.active, true),
	       COALESCE(op.operator, '')`

const systemRoleJoins = `
	LEFT JOIN role_assignments ro ON ro.system_id = s.id AND ro.role = 'owner' AND ro.valid @> current_date
	LEFT JOIN departments d ON d.id = ro.department_id
	LEFT JOIN role_assignments ra ON ra.system_id = s.id AND ra.role = 'administrator' AND ra.valid @> current_date
	LEFT JOIN people p ON p.id = ra.person_id
	LEFT JOIN role_assignments op ON op.system_id = s.id AND op.role = 'operations' AND op.valid @> current_date`

// systemSearchPage is the search in relevance order (the default) in one
// statement that runs the search once: the matches are collected with their
// rank, counted, and only the 50 shown are joined with their roles.
const systemSearchPage = `
	WITH m AS MATERIALIZED (
	    SELECT s.id, s.name, GREATEST(similarity(s.name, $1::text), word_similarity($1::text, s.name),
	           ts_rank(s.search_doc, websearch_to_tsquery('swedish', $1::text))) AS rank
	    FROM systems s` + systemSearch + `
	), shown AS (
	    SELECT id, rank FROM m ORDER BY rank DESC, name COLLATE swedish, id LIMIT 50 OFFSET $11
	)
	SELECT ` + listColumns + `, (SELECT count(*) FROM m)
	FROM shown JOIN systems s ON s.id = shown.id` + systemRoleJoins + `
	ORDER BY shown.rank DESC, s.name COLLATE swedish, s.id`

// The orders, each a constant (sorting never comes from input text).
const (
	orderByName      = ` ORDER BY s.name COLLATE swedish, s.id LIMIT 50 OFFSET $11`
	orderByOwner     = ` ORDER BY d.name COLLATE swedish NULLS LAST, s.name COLLATE swedish, s.id LIMIT 50 OFFSET $11`
	orderByLifecycle = ` ORDER BY array_position(ARRAY['planerad','under_inforande','i_drift','under_avveckling','avvecklad'], s.lifecycle), s.name COLLATE swedish, s.id LIMIT 50 OFFSET $11`
	orderByChanged   = ` ORDER BY s.updated_at DESC, s.id LIMIT 50 OFFSET $11`
)

const (
	systemListByName        = systemSelect + systemFilters + orderByName
	systemListFirstPage     = systemSelect + systemFilters + ` ORDER BY s.name COLLATE swedish, s.id LIMIT 50`
	systemListByOwner       = systemSelect + systemFilters + orderByOwner
	systemListByLifecycle   = systemSelect + systemFilters + orderByLifecycle
	systemListByChanged     = systemSelect + systemFilters + orderByChanged
	systemSearchByName      = systemSelect + systemSearch + orderByName
	systemSearchByOwner     = systemSelect + systemSearch + orderByOwner
	systemSearchByLifecycle = systemSelect + systemSearch + orderByLifecycle
	systemSearchByChanged   = systemSelect + systemSearch + orderByChanged
	systemListAfterCursor   = systemSelect + systemFilters + cursorAfter
	systemSearchAfterCursor = systemSelect + systemSearch + cursorAfter
	cursorAfter             = `
	  AND (s.name COLLATE swedish, s.id) > ($12::text COLLATE swedish, $13::bigint)
	ORDER BY s.name COLLATE swedish, s.id LIMIT 50 OFFSET $11`
)

// The export's variants: every matching row, no limit.
const (
	systemAllByName      = systemSelect + systemFilters + ` ORDER BY s.name COLLATE swedish, s.id`
	systemAllByOwner     = systemSelect + systemFilters + ` ORDER BY d.name COLLATE swedish NULLS LAST, s.name COLLATE swedish, s.id`
	systemSearchAllByRel = systemSelect + systemSearch + ` ORDER BY GREATEST(similarity(s.name, $1::text), word_similarity($1::text, s.name),
	         ts_rank(s.search_doc, websearch_to_tsquery('swedish', $1::text))) DESC, s.name COLLATE swedish, s.id`
	systemSearchAllByName = systemSelect + systemSearch + ` ORDER BY s.name COLLATE swedish, s.id`
)

// querySystems runs the unsearched list query for the filter's sort.
func (s *SystemService) querySystems(ctx context.Context, f SystemFilter, args []any) (pgx.Rows, error) {
	switch f.Sort {
	case "agare":
		return s.pool.Query(ctx, systemListByOwner, args...)
	case "livscykel":
		return s.pool.Query(ctx, systemListByLifecycle, args...)
	case "andrad":
		return s.pool.Query(ctx, systemListByChanged, args...)
	}
	if f.Page == 1 {
		// The most requested page: without an OFFSET parameter its
		// generic plan walks the name index and stops after 50 rows.
		return s.pool.Query(ctx, systemListFirstPage, args[:10]...)
	}
	return s.pool.Query(ctx, systemListByName, args...)
}

func scanSystemRow(r pgx.CollectableRow) (SystemRow, error) {
	var row SystemRow
	err := r.Scan(&row.ID, &row.Name, &row.Lifecycle, &row.Supplier, &row.Owner, &row.Administrator, &row.AdminActive, &row.Operations)
	return row, err
}

// ListAfter returns up to f.PerPage systems in name order after the
// cursor (afterName, afterID); empty values start from the beginning.
func (s *SystemService) ListAfter(ctx context.Context, actor *portal.Actor, f SystemFilter, afterName string, afterID int64) ([]SystemRow, error) {
	if actor == nil {
		return nil, portal.Forbidden("Logga in för att läsa registret.")
	}
	f.Normalise()
	args := []any{f.Query, f.DepartmentID, f.Lifecycle, f.Hosting, f.PersonalData,
		f.MissingAdministrator, f.HeldBy, f.EvaluationOverdue, escapeLike(f.Query), f.PerPage, 0, afterName, afterID}
	var rows pgx.Rows
	var err error
	if f.Query == "" {
		rows, err = s.pool.Query(ctx, systemListAfterCursor, args...)
	} else {
		rows, err = s.pool.Query(ctx, systemSearchAfterCursor, args...)
	}
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
	return s.list(ctx, f)
}

func (s *SystemService) list(ctx context.Context, f SystemFilter) (SystemPage, error) {
	args := []any{f.Query, f.DepartmentID, f.Lifecycle, f.Hosting, f.PersonalData, f.MissingAdministrator, f.HeldBy,
		f.EvaluationOverdue, escapeLike(f.Query), f.PerPage, (f.Page - 1) * f.PerPage}
	if f.Query != "" {
		return s.search(ctx, f, args)
	}
	rows, err := s.querySystems(ctx, f, args)
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
		err = s.pool.QueryRow(ctx, systemCount, args[:10]...).Scan(&page.Total)
	}
	if err != nil {
		return page, translate(err)
	}
	return page, nil
}

// search runs the default (relevance) order as one statement; the other
// orders send the page's query and the count in one round trip.
func (s *SystemService) search(ctx context.Context, f SystemFilter, args []any) (page SystemPage, err error) {
	page = SystemPage{Page: f.Page, PerPage: f.PerPage}
	if f.Sort == "relevans" {
		rows, err := s.pool.Query(ctx, systemSearchPage, args...)
		if err != nil {
			return page, translate(err)
		}
		page.Rows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (SystemRow, error) {
			var row SystemRow
			err := r.Scan(&row.ID, &row.Name, &row.Lifecycle, &row.Supplier, &row.Owner, &row.Administrator, &row.AdminActive, &row.Operations, &page.Total)
			return row, err
		})
		if err != nil {
			return page, translate(err)
		}
		if len(page.Rows) == 0 && f.Page > 1 {
			// Past the last page: the count comes from the query that shows rows.
			err = s.pool.QueryRow(ctx, systemSearchCount, args[:10]...).Scan(&page.Total)
		}
		return page, translate(err)
	}
	b := &pgx.Batch{}
	switch f.Sort {
	case "agare":
		b.Queue(systemSearchByOwner, args...)
	case "livscykel":
		b.Queue(systemSearchByLifecycle, args...)
	case "andrad":
		b.Queue(systemSearchByChanged, args...)
	default:
		b.Queue(systemSearchByName, args...)
	}
	b.Queue(systemSearchCount, args[:10]...)
	br := s.pool.SendBatch(ctx, b)
	defer func() {
		if cerr := br.Close(); err == nil && cerr != nil {
			err = translate(cerr)
		}
	}()
	rows, err := br.Query()
	if err != nil {
		return page, translate(err)
	}
	if page.Rows, err = pgx.CollectRows(rows, scanSystemRow); err != nil {
		return page, translate(err)
	}
	if err := br.QueryRow().Scan(&page.Total); err != nil {
		return page, translate(err)
	}
	return page, nil
}
