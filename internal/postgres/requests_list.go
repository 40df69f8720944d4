package postgres

import (
	"context"
	"slices"
	"strings"
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
	OlderThan    int    // days since submission: 0, 7, 30 or 90
	Query        string // free text over the case number, title and system name
	Sort         string // one of RequestSorts, with SortDescending for the reverse; "" is the view's own order
	Page         int
	// Handling is the handling time per kind, for the due dates (nil: the
	// defaults).
	Handling portal.HandlingDays
}

// The columns a list of cases sorts by (sortera=), each ascending, or
// descending with the suffix SortDescending. Ålder ascending is the newest
// first.
var RequestSorts = []string{"nummer", "rubrik", "typ", "status", "vantar", "handlaggare", "forvaltning", "alder", "forfaller"}

// SortDescending turns a sort key around: "alder-fallande" is the oldest first.
const SortDescending = "-fallande"

// SortValues are the allowed values of sortera=.
func SortValues() []string {
	var out []string
	for _, k := range RequestSorts {
		out = append(out, k, k+SortDescending)
	}
	return out
}

// DefaultSort is the order a view lists its cases in without sortera=:
// the work queue oldest first, the others newest first.
func DefaultSort(view string) string {
	if view == ViewQueue {
		return "alder" + SortDescending
	}
	return "alder"
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
	Assignee    string // the handläggare's name, or ""
	// WaitsOnActor marks the case as the actor's: assigned to them, or
	// unassigned and waiting on their role (requestWaitsOnActor).
	WaitsOnActor bool
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
	if !slices.Contains(SortValues(), f.Sort) {
		f.Sort = ""
	}
	if len([]rune(f.Query)) > 200 {
		f.Query = ""
	}
	if f.Page < 1 || f.Page > 100000 {
		f.Page = 1
	}
}

// requestWaitsOnActor is whether an open case waits on the actor (@actor)
// as the work queue marks it: a komplettering on its requester; otherwise
// on its handläggare when it has one, and when it has none on the role it
// waits on (portal.WaitingOn): the IT head (@it_head: the IT head or a
// deputy standing in; @deputy: the deputy, for the IT head's own cases) for
// a case of the IT head's kinds (@head_kinds) under handling, IT-enheten
// (@it_unit) for the rest, never on its own requester. The start page's
// count and the queue's marks are this one expression.
const requestWaitsOnActor = `(r.state IN ('inskickat', 'under_handlaggning', 'komplettering_begard') AND CASE
	WHEN r.state = 'komplettering_begard' THEN r.author_id = @actor
	WHEN r.assignee_id IS NOT NULL THEN r.assignee_id = @actor
	WHEN r.author_id = @actor THEN false
	WHEN r.state = 'under_handlaggning' AND r.kind = ANY(@head_kinds) THEN @it_head::boolean
	     OR (@deputy::boolean AND EXISTS (SELECT 1 FROM person_roles hp WHERE hp.person_id = r.author_id AND hp.role = 'it_head'))
	ELSE @it_unit::boolean END)`

const requestListColumns = `
	SELECT r.id, COALESCE(r.number, ''), r.kind, r.state, r.title, COALESCE(d.name, ''), a.name, r.submitted_at, r.updated_at,
		COALESCE(h.name, ''), ` + requestWaitsOnActor + `
	FROM requests r
	JOIN people a ON a.id = r.author_id
	LEFT JOIN people h ON h.id = r.assignee_id
	LEFT JOIN departments d ON d.id = r.department_id`

// requestFilters narrow the cases: @state, @kind, @department, @older_than
// (days since submission), @q (free text: @like is its ILIKE pattern) over
// the case number, the title and the system's name (in the register, or
// the one an introduction proposes).
const requestFilters = `
	  AND (@state = '' OR r.state = @state)
	  AND (@kind = '' OR r.kind = @kind)
	  AND (@department = 0 OR r.department_id = @department)
	  AND (@older_than = 0 OR r.submitted_at < now() - make_interval(days => @older_than))
	  AND (@q = '' OR r.title ILIKE @like OR r.number ILIKE @like OR r.details ->> 'new_system_name' ILIKE @like
	       OR EXISTS (SELECT 1 FROM systems sq WHERE sq.id = r.system_id AND sq.name ILIKE @like))`

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

	// A chosen order (sortera=) lists any view through one statement:
	// @sort names the key, @desc turns it. The keys are of three types
	// (text, time, number), each sorted in its own pair of terms.
	requestSortedList = `WITH listed AS MATERIALIZED (SELECT r.id, row_number() OVER (ORDER BY
		CASE WHEN NOT @desc THEN ` + requestSortText + ` END ASC NULLS LAST, CASE WHEN @desc THEN ` + requestSortText + ` END DESC NULLS LAST,
		CASE WHEN NOT @desc THEN ` + requestSortTime + ` END ASC NULLS LAST, CASE WHEN @desc THEN ` + requestSortTime + ` END DESC NULLS LAST,
		CASE WHEN NOT @desc THEN ` + requestSortNumber + ` END ASC NULLS LAST, CASE WHEN @desc THEN ` + requestSortNumber + ` END DESC NULLS LAST,
		r.submitted_at, r.id) AS n
		FROM requests r LEFT JOIN people h ON h.id = r.assignee_id LEFT JOIN departments d ON d.id = r.department_id
		WHERE ((@view = 'mina' AND r.author_id = @actor) OR (@view = 'alla' AND r.state <> 'utkast')
		    OR (@view = 'ko' AND r.state IN ('inskickat', 'under_handlaggning', 'komplettering_begard')))` + requestFilters +
		` ORDER BY n LIMIT 50 OFFSET @offset)` + requestListColumns + ` JOIN listed ON listed.id = r.id ORDER BY listed.n`

	requestMineCount  = `SELECT count(*) FROM requests r` + requestMineWhere
	requestAllCount   = `SELECT count(*) FROM requests r` + requestAllWhere
	requestQueueCount = `SELECT count(*) FROM requests r` + requestQueueWhere
)

// The sort keys of requestSortedList, by @sort.
const (
	requestSortText = `CASE @sort WHEN 'rubrik' THEN lower(r.title) WHEN 'typ' THEN r.kind WHEN 'status' THEN r.state
		WHEN 'handlaggare' THEN h.name WHEN 'forvaltning' THEN d.name END`
	requestSortTime = `CASE @sort WHEN 'inskickat' THEN COALESCE(r.submitted_at, r.created_at)
		WHEN 'forfaller' THEN r.submitted_at + make_interval(days => COALESCE((@handling::jsonb ->> r.kind)::integer, 0)) END`
	// Väntar på in the order of its Swedish labels: the IT head, the
	// requester, IT-enheten, then closed cases.
	requestSortNumber = `CASE @sort WHEN 'nummer' THEN r.number_year * 100000 + r.number_seq
		WHEN 'vantar' THEN CASE WHEN r.state IN ('utkast', 'komplettering_begard') THEN 2 WHEN r.state = 'inskickat' THEN 3
			WHEN r.state = 'under_handlaggning' AND r.kind = ANY(@head_kinds) THEN 1 WHEN r.state = 'under_handlaggning' THEN 3 ELSE 4 END END`
)

// requestWaiting counts the cases that wait on the actor: exactly those
// a list marks as theirs.
const requestWaiting = `SELECT count(*) FROM requests r WHERE ` + requestWaitsOnActor

// waitingArgs are requestWaitsOnActor's parameters for actor.
func waitingArgs(actor *portal.Actor, args pgx.NamedArgs) pgx.NamedArgs {
	var head []string
	for _, k := range portal.RequestKinds {
		if k.DecidedByITHead() {
			head = append(head, string(k))
		}
	}
	args["actor"], args["head_kinds"] = actor.PersonID, head
	args["it_head"] = actor.Has(portal.RoleITHead) || portal.StandsInForITHead(actor)
	args["deputy"] = actor.Has(portal.RoleITHeadDeputy)
	args["it_unit"] = actor.Has(portal.RoleITUnit)
	return args
}

// likePattern is free text as an ILIKE pattern matching it anywhere.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

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
	handling := map[string]int{}
	for _, k := range portal.RequestKinds {
		handling[string(k)] = f.Handling.Of(k)
	}
	sortKey, desc := strings.CutSuffix(f.Sort, SortDescending)
	if sortKey == "alder" { // the age is the time since submission, turned around
		sortKey, desc = "inskickat", !desc
	}
	args := waitingArgs(actor, pgx.NamedArgs{"state": f.State, "kind": f.Kind, "department": f.DepartmentID, "older_than": f.OlderThan,
		"q": f.Query, "like": likePattern(f.Query), "view": f.View, "sort": sortKey, "desc": desc, "handling": handling,
		"offset": (f.Page - 1) * 50})
	b := &pgx.Batch{}
	switch {
	case f.Sort != "":
		b.Queue(requestSortedList, args)
		switch f.View {
		case ViewAll:
			b.Queue(requestAllCount, args)
		case ViewQueue:
			b.Queue(requestQueueCount, args)
		default:
			b.Queue(requestMineCount, args)
		}
	case f.View == ViewAll:
		b.Queue(requestAllList, args)
		b.Queue(requestAllCount, args)
	case f.View == ViewQueue:
		b.Queue(requestQueueList, args)
		b.Queue(requestQueueCount, args)
	default:
		b.Queue(requestMineList, args)
		b.Queue(requestMineCount, args)
	}
	b.Queue(requestWaiting, args)
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
	rows, err := s.pool.Query(ctx, requestListColumns+` WHERE r.system_id = @system AND r.state <> 'utkast' ORDER BY r.submitted_at DESC, r.id DESC LIMIT 200`,
		waitingArgs(actor, pgx.NamedArgs{"system": systemID}))
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, scanRequestRow)
	return list, translate(err)
}

// scanRequestRow reads a row of requestListColumns.
func scanRequestRow(row pgx.CollectableRow) (RequestRow, error) {
	var r RequestRow
	err := row.Scan(&r.ID, &r.Number, &r.Kind, &r.State, &r.Title, &r.Department, &r.AuthorName, &r.SubmittedAt, &r.UpdatedAt, &r.Assignee, &r.WaitsOnActor)
	return r, err
}
