package postgres

import (
	"context"
	"fmt"
	"slices"
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
	HeldBy               int64 // "my systems": a person holding a role
	Sort                 SystemSort
	Page                 int // 1-based
	PerPage              int
}

// SystemSort orders the register list. The values are the list's URL
// values (?sortering=agare).
type SystemSort string

// The orders of the register list. Relevance is a search's default.
const (
	SortByName      SystemSort = "namn"
	SortByOwner     SystemSort = "agare"
	SortByLifecycle SystemSort = "livscykel"
	SortByChanged   SystemSort = "andrad"
	SortByRelevance SystemSort = "relevans"
)

// SystemSorts are the orders a visitor may choose.
var SystemSorts = []SystemSort{SortByName, SortByOwner, SortByLifecycle, SortByChanged}

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

// systemPageSize is how many systems a page of the register shows.
const systemPageSize = 50

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
	if !slices.Contains(SystemSorts, f.Sort) {
		f.Sort = SortByName
		if f.Query != "" {
			f.Sort = SortByRelevance
		}
	}
	f.PerPage = systemPageSize
	if f.Page < 1 || f.Page > 100000 {
		f.Page = 1
	}
}

// args are the filter's named arguments; limit nil means every row.
func (f SystemFilter) args(limit any) pgx.NamedArgs {
	return pgx.NamedArgs{
		"query": f.Query, "query_like": escapeLike(f.Query), "department": f.DepartmentID, "lifecycle": f.Lifecycle,
		"hosting": f.Hosting, "personal_data": f.PersonalData, "missing_administrator": f.MissingAdministrator,
		"held_by": f.HeldBy, "evaluation_overdue": f.EvaluationOverdue,
		"limit": limit, "offset": (f.Page - 1) * f.PerPage,
	}
}

// The register's list is read in two statements: the ids of the page in
// their order (with the count in the same round trip), then those systems
// with their current roles (systemRowsByID, shared by every list, search,
// export and the API). Each filter below is a cheap test on the systems
// table or a probe by system id; the role joins are made for the page's
// rows only. "Lacks an administrator" and "evaluation overdue" are the
// compliance checks' own findings (R1, R12), kept with every change.

// systemWhere is the filter on systems s.
const systemWhere = `
	WHERE (@lifecycle = '' OR s.lifecycle = @lifecycle)
	  AND (@hosting = '' OR s.hosting = @hosting)
	  AND (@personal_data = '' OR s.personal_data = @personal_data)
	  AND (@department = 0 OR EXISTS (
	        SELECT 1 FROM role_assignments o
	        WHERE o.system_id = s.id AND o.role = 'owner' AND o.department_id = @department AND held_on(o.valid, current_date)))
	  AND (NOT @missing_administrator OR s.id IN (
	        SELECT b.system_id FROM compliance_breaches b
	        WHERE b.check_key = 'r1_inactive' OR (b.check_key = 'r1_missing' AND b.detail = 'administrator')))
	  AND (@held_by = 0 OR EXISTS (
	        SELECT 1 FROM role_assignments m WHERE m.system_id = s.id AND m.person_id = @held_by AND held_on(m.valid, current_date)))
	  AND (NOT @evaluation_overdue OR s.id IN (SELECT b.system_id FROM compliance_breaches b WHERE b.check_key = 'r12_overdue'))`

// systemMatches finds what a search (@query) matches, each system once with
// its best rank: a word of its name with typos (word similarity: a whole
// name with a typo too) or as a prefix while typing, in any
// case and without å, ä and ö (trigrams on the folded name); Swedish words
// in its name, description, purpose, supplier and product (stemmed full
// text, folded); its administrator's name; and its owning department's
// name or short name. Every branch is backed by an index.
const systemMatches = `
	WITH q AS (SELECT fold(@query) AS t, fold(@query_like) AS esc, websearch_to_tsquery('swedish_folded', @query) AS ts),
	hits AS (
	    SELECT s.id, GREATEST(similarity(s.name_key, q.t), word_similarity(q.t, s.name_key))
	                 + CASE WHEN s.name_key LIKE q.esc || '%' THEN 1 ELSE 0 END AS rank
	    FROM systems s, q WHERE q.t <% s.name_key OR s.name_key LIKE '%' || q.esc || '%'
	    UNION ALL
	    SELECT s.id, ts_rank(s.search_doc, q.ts) FROM systems s, q WHERE s.search_doc @@ q.ts
	    UNION ALL
	    SELECT a.system_id, 0.5 FROM q, people p JOIN role_assignments a ON a.person_id = p.id AND a.role = 'administrator'
	    WHERE p.name_key LIKE '%' || q.esc || '%' AND held_on(a.valid, current_date)
	    UNION ALL
	    SELECT o.system_id, 0.2 FROM q, departments d JOIN role_assignments o ON o.department_id = d.id AND o.role = 'owner'
	    WHERE (fold(d.name) LIKE q.esc || '%' OR fold(d.short_name) = q.t) AND held_on(o.valid, current_date)
	), matches AS MATERIALIZED (SELECT id, max(rank) AS rank FROM hits GROUP BY id)`

// matched joins the systems a search matched, probing them by id: without
// the probe the planner, which cannot tell how few matches there are, reads
// every system to hash-join the dozen it needs.
const matched = ` FROM matches m JOIN systems s ON s.id = m.id AND s.id = ANY (ARRAY(SELECT id FROM matches))`

// ownerToday joins the owning department's name, for the order by owner.
const ownerToday = `
	LEFT JOIN role_assignments ro ON ro.system_id = s.id AND ro.role = 'owner' AND held_on(ro.valid, current_date)
	LEFT JOIN departments d ON d.id = ro.department_id`

// The orders (sorting never comes from input text); ties by id.
const (
	byName      = ` ORDER BY s.name COLLATE swedish, s.id`
	byOwner     = ` ORDER BY d.name COLLATE swedish NULLS LAST, s.name COLLATE swedish, s.id`
	byLifecycle = ` ORDER BY array_position(ARRAY['planerad', 'under_inforande', 'i_drift', 'under_avveckling', 'avvecklad']::text[], s.lifecycle), s.name COLLATE swedish, s.id`
	byChanged   = ` ORDER BY s.updated_at DESC, s.id DESC`
	byRelevance = ` ORDER BY m.rank DESC, s.name COLLATE swedish, s.id`
	page        = ` LIMIT @limit OFFSET @offset`
)

// The ids of a page of the register, without a search.
const (
	listByName      = `SELECT s.id FROM systems s` + systemWhere + byName + page
	listByOwner     = `SELECT s.id FROM systems s` + ownerToday + systemWhere + byOwner + page
	listByLifecycle = `SELECT s.id FROM systems s` + systemWhere + byLifecycle + page
	listByChanged   = `SELECT s.id FROM systems s` + systemWhere + byChanged + page
	listCount       = `SELECT count(*) FROM systems s` + systemWhere
)

// The ids of a page of a search, with the number of matches.
const (
	searchSelect      = systemMatches + ` SELECT s.id, count(*) OVER ()` + matched
	searchByRelevance = searchSelect + systemWhere + byRelevance + page
	searchByName      = searchSelect + systemWhere + byName + page
	searchByOwner     = searchSelect + ownerToday + systemWhere + byOwner + page
	searchByLifecycle = searchSelect + systemWhere + byLifecycle + page
	searchByChanged   = searchSelect + systemWhere + byChanged + page
	searchCount       = systemMatches + ` SELECT count(*)` + matched + systemWhere
)

// The next systems in name order after a cursor (@after_name, @after_id),
// for the API.
const (
	cursorAfter = ` AND (s.name COLLATE swedish, s.id) > (@after_name::text COLLATE swedish, @after_id::bigint)`
	listAfter   = `SELECT s.id FROM systems s` + systemWhere + cursorAfter + byName + ` LIMIT @limit`
	searchAfter = systemMatches + ` SELECT s.id` + matched + systemWhere + cursorAfter + byName + ` LIMIT @limit`
)

// systemRowsByID reads the listed systems with their holders today, in
// the order of @ids.
const systemRowsByID = `
	SELECT s.id, s.name, s.lifecycle, s.supplier, COALESCE(own.name, ''), COALESCE(adm.name, ''), COALESCE(adm.active, true),
	       COALESCE(op.operator, '')
	FROM unnest(@ids::bigint[]) WITH ORDINALITY AS listed(id, n)
	JOIN systems s ON s.id = listed.id
	LEFT JOIN LATERAL (SELECT d.name FROM role_assignments r JOIN departments d ON d.id = r.department_id
	                   WHERE r.system_id = s.id AND r.role = 'owner' AND held_on(r.valid, current_date)) own ON true
	LEFT JOIN LATERAL (SELECT p.name, p.active FROM role_assignments r JOIN people p ON p.id = r.person_id
	                   WHERE r.system_id = s.id AND r.role = 'administrator' AND held_on(r.valid, current_date)) adm ON true
	LEFT JOIN LATERAL (SELECT r.operator FROM role_assignments r
	                   WHERE r.system_id = s.id AND r.role = 'operations' AND held_on(r.valid, current_date)) op ON true
	ORDER BY listed.n`

func scanSystemRow(r pgx.CollectableRow) (SystemRow, error) {
	var row SystemRow
	err := r.Scan(&row.ID, &row.Name, &row.Lifecycle, &row.Supplier, &row.Owner, &row.Administrator, &row.AdminActive, &row.Operations)
	return row, err
}

// List returns a page of the register. Everyone signed in may read it.
func (s *SystemService) List(ctx context.Context, actor *portal.Actor, f SystemFilter) (SystemPage, error) {
	if actor == nil {
		return SystemPage{}, portal.Forbidden("Logga in för att läsa registret.")
	}
	f.Normalise()
	page := SystemPage{Page: f.Page, PerPage: f.PerPage}
	ids, total, err := s.pageIDs(ctx, f, f.PerPage)
	if err != nil {
		return page, fmt.Errorf("register page: %w", err)
	}
	page.Total = total
	if page.Rows, err = s.rowsByID(ctx, ids); err != nil {
		return page, fmt.Errorf("register page: %w", err)
	}
	return page, nil
}

// pageIDs returns the ids of the filter's page in order (limit nil: every
// match) and the number of matches, in one round trip.
func (s *SystemService) pageIDs(ctx context.Context, f SystemFilter, limit any) (ids []int64, total int, err error) {
	args := f.args(limit)
	if f.Query != "" {
		return s.searchIDs(ctx, f, args)
	}
	b := &pgx.Batch{}
	switch f.Sort {
	case SortByOwner:
		b.Queue(listByOwner, args)
	case SortByLifecycle:
		b.Queue(listByLifecycle, args)
	case SortByChanged:
		b.Queue(listByChanged, args)
	default:
		b.Queue(listByName, args)
	}
	b.Queue(listCount, args)
	br := s.pool.SendBatch(ctx, b)
	defer func() {
		if cerr := br.Close(); err == nil && cerr != nil {
			err = translate(cerr)
		}
	}()
	rows, err := br.Query()
	if err != nil {
		return nil, 0, translate(err)
	}
	if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return nil, 0, translate(err)
	}
	if err := br.QueryRow().Scan(&total); err != nil {
		return nil, 0, translate(err)
	}
	return ids, total, nil
}

// searchIDs runs a search once: the page's ids with the number of matches
// beside each.
func (s *SystemService) searchIDs(ctx context.Context, f SystemFilter, args pgx.NamedArgs) ([]int64, int, error) {
	var rows pgx.Rows
	var err error
	switch f.Sort {
	case SortByName:
		rows, err = s.pool.Query(ctx, searchByName, args)
	case SortByOwner:
		rows, err = s.pool.Query(ctx, searchByOwner, args)
	case SortByLifecycle:
		rows, err = s.pool.Query(ctx, searchByLifecycle, args)
	case SortByChanged:
		rows, err = s.pool.Query(ctx, searchByChanged, args)
	default:
		rows, err = s.pool.Query(ctx, searchByRelevance, args)
	}
	if err != nil {
		return nil, 0, translate(err)
	}
	total := 0
	ids, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (int64, error) {
		var id int64
		err := r.Scan(&id, &total)
		return id, err
	})
	if err != nil {
		return nil, 0, translate(err)
	}
	if len(ids) == 0 && f.Page > 1 {
		// Past the last page: the count comes from a query of its own.
		if err := s.pool.QueryRow(ctx, searchCount, args).Scan(&total); err != nil {
			return nil, 0, translate(err)
		}
	}
	return ids, total, nil
}

// rowsByID reads the systems listed, in that order.
func (s *SystemService) rowsByID(ctx context.Context, ids []int64) ([]SystemRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, systemRowsByID, pgx.NamedArgs{"ids": ids})
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, scanSystemRow)
	return list, translate(err)
}

// ListAfter returns up to f.PerPage systems in name order after the
// cursor (afterName, afterID); empty values start from the beginning.
func (s *SystemService) ListAfter(ctx context.Context, actor *portal.Actor, f SystemFilter, afterName string, afterID int64) ([]SystemRow, error) {
	if actor == nil {
		return nil, portal.Forbidden("Logga in för att läsa registret.")
	}
	f.Normalise()
	args := f.args(f.PerPage)
	args["after_name"], args["after_id"] = afterName, afterID
	var rows pgx.Rows
	var err error
	if f.Query == "" {
		rows, err = s.pool.Query(ctx, listAfter, args)
	} else {
		rows, err = s.pool.Query(ctx, searchAfter, args)
	}
	if err != nil {
		return nil, fmt.Errorf("register after a cursor: %w", translate(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("register after a cursor: %w", translate(err))
	}
	return s.rowsByID(ctx, ids)
}
