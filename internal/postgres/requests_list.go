package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"itportal/internal/portal"
)

// The lists of cases.
const (
	ViewMine  = "mina" // my cases, drafts included
	ViewAll   = "alla" // every submitted case: public records
	ViewQueue = "ko"   // IT-enheten's work queue: open cases, oldest first
)

// RequestFilter narrows a list of cases. Values outside the allow-lists
// are ignored.
type RequestFilter struct {
	View         string
	State        string
	Kind         string
	DepartmentID int64
	OlderThan    int // days since submission: 0, 7, 30 or 90
	Page         int
}

// AgeChoices are the allowed ages of the queue filter.
var AgeChoices = []portal.Choice{{Value: "7", Label: "Äldre än 7 dagar"}, {Value: "30", Label: "Äldre än 30 dagar"}, {Value: "90", Label: "Äldre än 90 dagar"}}

// RequestRow is one line of a list of cases.
type RequestRow struct {
	ID          int64
	Number      string
	Kind        portal.RequestKind
	State       portal.RequestState
	Title       string
	Department  string
	AuthorName  string
	SubmittedAt *time.Time
	UpdatedAt   time.Time
}

// RequestPage is a page of cases with the counts the list shows.
type RequestPage struct {
	Rows         []RequestRow
	Total        int
	Page         int
	PerPage      int
	WaitingForMe int // cases waiting for the actor: a decision, handling, or their completion
}

// Normalise applies the allow-lists.
func (f *RequestFilter) Normalise(actor *portal.Actor) {
	switch f.View {
	case ViewMine, ViewAll:
	case ViewQueue:
		if !portal.IsPreparer(actor) {
			f.View = ViewMine
		}
	default:
		f.View = ViewMine
		if portal.IsPreparer(actor) {
			f.View = ViewQueue
		}
	}
	if !portal.RequestState(f.State).Valid() || (f.View != ViewMine && f.State == string(portal.StateDraft)) {
		f.State = ""
	}
	if !portal.RequestKind(f.Kind).Valid() {
		f.Kind = ""
	}
	if f.DepartmentID < 0 {
		f.DepartmentID = 0
	}
	switch f.OlderThan {
	case 0, 7, 30, 90:
	default:
		f.OlderThan = 0
	}
	if f.Page < 1 || f.Page > 100000 {
		f.Page = 1
	}
}

const requestListColumns = `
	SELECT r.id, COALESCE(r.number, ''), r.kind, r.state, r.title, COALESCE(d.name, ''), a.name, r.submitted_at, r.updated_at
	FROM requests r
	JOIN people a ON a.id = r.author_id
	LEFT JOIN departments d ON d.id = r.department_id`

// requestFilters narrow the cases: @state, @kind, @department, @older_than
// (days since submission).
const requestFilters = `
	  AND (@state = '' OR r.state = @state)
	  AND (@kind = '' OR r.kind = @kind)
	  AND (@department = 0 OR r.department_id = @department)
	  AND (@older_than = 0 OR r.submitted_at < now() - make_interval(days => @older_than))`

const (
	requestMineWhere  = ` WHERE r.author_id = @actor` + requestFilters
	requestAllWhere   = ` WHERE r.state <> 'utkast'` + requestFilters
	requestQueueWhere = ` WHERE r.state IN ('inskickat', 'under_handlaggning', 'komplettering_begard')` + requestFilters
)

// A list's page is chosen from the cases table alone (materialised, so
// the plan's estimate of the filters never drags the joins along), then
// its 50 rows are joined with their author and department.
const (
	requestMineList = `WITH listed AS MATERIALIZED (SELECT r.id, COALESCE(r.submitted_at, r.created_at) AS at FROM requests r` + requestMineWhere +
		` ORDER BY at DESC, r.id DESC LIMIT 50 OFFSET @offset)` + requestListColumns + ` JOIN listed ON listed.id = r.id ORDER BY listed.at DESC, r.id DESC`
	requestAllList = `WITH listed AS MATERIALIZED (SELECT r.id FROM requests r` + requestAllWhere +
		` ORDER BY r.submitted_at DESC, r.id DESC LIMIT 50 OFFSET @offset)` + requestListColumns + ` JOIN listed ON listed.id = r.id ORDER BY r.submitted_at DESC, r.id DESC`
	requestQueueList = `WITH listed AS MATERIALIZED (SELECT r.id FROM requests r` + requestQueueWhere +
		` ORDER BY r.submitted_at, r.id LIMIT 50 OFFSET @offset)` + requestListColumns + ` JOIN listed ON listed.id = r.id ORDER BY r.submitted_at, r.id`

	requestMineCount  = `SELECT count(*) FROM requests r` + requestMineWhere
	requestAllCount   = `SELECT count(*) FROM requests r` + requestAllWhere
	requestQueueCount = `SELECT count(*) FROM requests r` + requestQueueWhere
)

// requestWaiting counts what waits for the actor: as a requester, their
// completions; as a decider, open cases of the kinds they decide
// (portal.KindsDecidedBy) that they did not submit.
const requestWaiting = `
	SELECT count(*) FROM requests r
	WHERE (r.author_id = @actor AND r.state = 'komplettering_begard')
	   OR (r.author_id <> @actor AND r.state IN ('inskickat', 'under_handlaggning') AND (
	        r.kind = ANY(@decides)
	     OR (r.kind = ANY(@decides_of_it_head)
	         AND EXISTS (SELECT 1 FROM person_roles h WHERE h.person_id = r.author_id AND h.role = 'it_head'))))`

// List returns a page of cases, with the number waiting for the actor.
// Everyone signed in reads submitted cases; drafts only in "mine".
func (s *RequestService) List(ctx context.Context, actor *portal.Actor, f RequestFilter) (RequestPage, error) {
	if actor == nil {
		return RequestPage{}, portal.Forbidden("Logga in.")
	}
	f.Normalise(actor)
	return s.list(ctx, actor, f)
}

func (s *RequestService) list(ctx context.Context, actor *portal.Actor, f RequestFilter) (page RequestPage, err error) {
	page = RequestPage{Page: f.Page, PerPage: 50}
	args := pgx.NamedArgs{"state": f.State, "kind": f.Kind, "department": f.DepartmentID, "older_than": f.OlderThan,
		"actor": actor.PersonID, "offset": (f.Page - 1) * 50}
	b := &pgx.Batch{}
	switch f.View {
	case ViewAll:
		b.Queue(requestAllList, args)
		b.Queue(requestAllCount, args)
	case ViewQueue:
		b.Queue(requestQueueList, args)
		b.Queue(requestQueueCount, args)
	default:
		b.Queue(requestMineList, args)
		b.Queue(requestMineCount, args)
	}
	decides, ofITHead := portal.KindsDecidedBy(actor)
	b.Queue(requestWaiting, pgx.NamedArgs{"actor": actor.PersonID, "decides": decides, "decides_of_it_head": ofITHead})
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
	page.Rows, err = pgx.CollectRows(rows, scanRequestRow)
	if err != nil {
		return page, translate(err)
	}
	if err := br.QueryRow().Scan(&page.Total); err != nil {
		return page, translate(err)
	}
	if err := br.QueryRow().Scan(&page.WaitingForMe); err != nil {
		return page, translate(err)
	}
	return page, nil
}

// ForSystem lists the submitted cases that concern a system, newest first.
func (s *RequestService) ForSystem(ctx context.Context, actor *portal.Actor, systemID int64) ([]RequestRow, error) {
	if actor == nil {
		return nil, portal.Forbidden("Logga in.")
	}
	rows, err := s.pool.Query(ctx, requestListColumns+` WHERE r.system_id = $1 AND r.state <> 'utkast' ORDER BY r.submitted_at DESC, r.id DESC LIMIT 200`, systemID)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, scanRequestRow)
	return list, translate(err)
}

// scanRequestRow reads a row of requestListColumns.
func scanRequestRow(row pgx.CollectableRow) (RequestRow, error) {
	var r RequestRow
	err := row.Scan(&r.ID, &r.Number, &r.Kind, &r.State, &r.Title, &r.Department, &r.AuthorName, &r.SubmittedAt, &r.UpdatedAt)
	return r, err
}
