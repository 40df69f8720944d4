package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
)

// The compliance board (efterlevnad) reads the breaches kept in
// compliance_breaches (compliance_checks.go decides what a breach is and
// keeps the rows current): one query per view, the same on every replica,
// right after each change.

// ComplianceBreach is one breach as the pages show it: what the check
// found, with the names of what it is about. The server describes it in
// Swedish.
type ComplianceBreach struct {
	Rule           string // "R1"
	Check          string // "r1_missing"
	SystemID       int64
	SystemName     string
	DepartmentID   int64 // the department it belongs to (a system's owner, a person's department), or 0
	DepartmentName string
	PersonID       int64
	PersonName     string
	Since          time.Time  // when it began; zero when unknown
	Until          *time.Time // the last day of a period (R2), or a due date (R12)
	Detail         string     // what the check says of it (a role, a title, an address, what is missing)
	RefID          int64      // a case (R4, R5, R8), a role period (R1, R2, R3), a document (R9, R10), a receipt (R11), a row of the audit log (R14)
	RefText        string     // a case number, a date, a version
	Count          int        // how many people it stands for (R9, R10); else 1
}

// countedChecks keep one row per person and are shown as a count per
// document and department.
var countedChecks = []string{"r9_never", "r10_again"}

// breachColumns are what a ComplianceBreach is read from, in order.
const breachColumns = `b.check_key, b.system_id, COALESCE(s.name, ''), b.department_id, COALESCE(d.name, ''), b.person_id, COALESCE(p.name, ''),
	       b.since, b.until, b.detail, b.ref_id, b.ref_text, 1`

const breachJoins = `
	FROM compliance_breaches b
	LEFT JOIN systems s ON s.id = b.system_id
	LEFT JOIN departments d ON d.id = b.department_id
	LEFT JOIN people p ON p.id = b.person_id`

// breachCounted is the counted checks' rows summed per document and
// department.
const breachCounted = `
	SELECT b.check_key, 0::bigint, '', b.department_id, COALESCE(d.name, ''), 0::bigint, '',
	       min(b.since), NULL::date, b.detail, b.ref_id, b.ref_text, count(*)::int
	FROM compliance_breaches b LEFT JOIN departments d ON d.id = b.department_id`

func scanBreach(row pgx.CollectableRow) (ComplianceBreach, error) {
	var b ComplianceBreach
	var since *time.Time
	err := row.Scan(&b.Check, &b.SystemID, &b.SystemName, &b.DepartmentID, &b.DepartmentName, &b.PersonID, &b.PersonName,
		&since, &b.Until, &b.Detail, &b.RefID, &b.RefText, &b.Count)
	if since != nil {
		b.Since = *since
	}
	if r, ok := portal.RuleOfCheck(b.Check); ok {
		b.Rule = r.ID
	}
	return b, err
}

// sortBreaches orders breaches by rule, then oldest first, then system.
func sortBreaches(list []ComplianceBreach) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Rule != b.Rule {
			return portal.RuleIndex(a.Rule) < portal.RuleIndex(b.Rule)
		}
		if !a.Since.Equal(b.Since) {
			return a.Since.Before(b.Since)
		}
		return a.SystemName < b.SystemName
	})
}

// ComplianceService is the compliance board over pool.
type ComplianceService struct {
	pool     *pgxpool.Pool
	enqueue  Enqueuer
	official string
	now      func() time.Time
}

// NewComplianceService returns the board. now is the clock (time.Now in
// production); official is ITPORTAL_OFFICIAL_WEB_ADDRESS.
func NewComplianceService(pool *pgxpool.Pool, enqueue Enqueuer, officialWebAddress string, now func() time.Time) *ComplianceService {
	if now == nil {
		now = time.Now
	}
	return &ComplianceService{pool: pool, enqueue: enqueue, official: officialWebAddress, now: now}
}

func (s *ComplianceService) params() checkParams {
	now := s.now()
	return checkParams{today: portal.DateOf(now), now: now, official: s.official}
}

// Board is what /efterlevnad shows one viewer.
type Board struct {
	ComputedAt time.Time // when it was read (it is current: kept with every change)
	// All: the viewer sees every department (and may filter by one);
	// others see their own department only.
	All          bool
	DepartmentID int64 // the department shown; 0 for all
	Department   string
	Guideline    string // slug of the governing document with the rules, "" when none
	Rules        []RuleState
	Departments  []DepartmentState   // per department (the viewer's own only, for others)
	Choices      []portal.Department // departments to filter by (IT-enheten's side)
}

// RuleState is a rule with its number of breaches for the viewer.
type RuleState struct {
	portal.Rule
	Count  int
	Hidden bool // a municipal rule the viewer does not see
	Checks []CheckState
}

// Guard reports whether a breach of the rule means a safeguard failed.
func (r RuleState) Guard() bool {
	for _, c := range r.Checks {
		if c.Guard && c.Count > 0 {
			return true
		}
	}
	return false
}

// CheckState is one check with its number of breaches.
type CheckState struct {
	portal.Check
	Count int
}

// DepartmentState is one department's breaches per rule.
type DepartmentState struct {
	ID      int64 // 0: breaches that belong to no department
	Name    string
	Total   int
	PerRule []RuleCount // the rules it breaks, in order
}

// RuleCount is a number of breaches of one rule.
type RuleCount struct {
	Rule  portal.Rule
	Count int
}

// boardCounts is the number of breaches per check and department, with
// the department's name.
type boardCounts struct {
	check string
	dept  int64
	name  string
	n     int
}

// Board returns the board for actor, for one department (0: every
// department the viewer may see). Everyone signed in sees the board of
// their own department; IT-enheten's side sees every department.
func (s *ComplianceService) Board(ctx context.Context, actor *portal.Actor, department int64) (Board, error) {
	var out Board
	if actor == nil {
		return out, portal.Forbidden("Logga in.")
	}
	var counts []boardCounts
	var departments []portal.Department
	err := readTx(ctx, s.pool, func(tx pgx.Tx) (err error) {
		counts, departments, out.Guideline, err = s.counts(ctx, tx)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("compliance board: %w", err)
	}
	out.ComputedAt = s.now()
	s.view(&out, actor, counts, departments, department)
	return out, nil
}

// counts reads the board's counts, the active departments and the
// guideline in one round trip.
func (s *ComplianceService) counts(ctx context.Context, tx pgx.Tx) (counts []boardCounts, departments []portal.Department, guideline string, err error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT b.check_key, b.department_id, COALESCE(d.name, ''), count(*)::int
		FROM compliance_breaches b LEFT JOIN departments d ON d.id = b.department_id
		GROUP BY b.check_key, b.department_id, d.name`)
	b.Queue(`SELECT id, name, short_name, active FROM departments WHERE active ORDER BY name COLLATE swedish, id`)
	b.Queue(guidelineQuery)
	br := tx.SendBatch(ctx, b)
	defer func() {
		if cerr := br.Close(); err == nil && cerr != nil {
			err = translate(cerr)
		}
	}()
	rows, err := br.Query()
	if err != nil {
		return nil, nil, "", translate(err)
	}
	if counts, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (boardCounts, error) {
		var c boardCounts
		return c, r.Scan(&c.check, &c.dept, &c.name, &c.n)
	}); err != nil {
		return nil, nil, "", translate(err)
	}
	if rows, err = br.Query(); err != nil {
		return nil, nil, "", translate(err)
	}
	if departments, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.Department, error) {
		var d portal.Department
		return d, r.Scan(&d.ID, &d.Name, &d.ShortName, &d.Active)
	}); err != nil {
		return nil, nil, "", translate(err)
	}
	if err := br.QueryRow().Scan(&guideline); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, "", translate(err)
	}
	return counts, departments, guideline, nil
}

// guidelineQuery finds the governing document that holds the rules' text.
const guidelineQuery = `
	SELECT d.slug FROM documents d
	WHERE d.kind = 'riktlinje' AND EXISTS (SELECT 1 FROM document_versions v WHERE v.document_id = d.id AND v.published_at IS NOT NULL)
	ORDER BY d.slug = 'riktlinjer-for-it' DESC, d.id LIMIT 1`

// view fills out for actor from the counts, for a department filter
// (IT-enheten's side; others always see their own department).
func (s *ComplianceService) view(out *Board, actor *portal.Actor, counts []boardCounts, departments []portal.Department, filter int64) {
	out.All = portal.SeesEveryDepartment(actor)
	department := filter
	if out.All {
		out.Choices = departments
	} else {
		department = actor.DepartmentID
	}
	known := false
	for _, d := range departments {
		if d.ID == department && department != 0 {
			out.DepartmentID, out.Department, known = d.ID, d.Name, true
		}
	}
	switch {
	case out.All && !known:
		department = 0 // an unknown filter is ignored: every department
	case !out.All:
		out.DepartmentID = department // their own, even when no longer active
	}
	// Others than IT-enheten's side see their own department only: never
	// the municipal rules (whose breaches belong to no department), and
	// nothing when they have no department.
	everything := out.All && department == 0
	shown := map[string]int{}
	perDept := map[int64]map[string]int{}
	names := map[int64]string{}
	for _, c := range counts {
		if perDept[c.dept] == nil {
			perDept[c.dept] = map[string]int{}
		}
		perDept[c.dept][c.check] += c.n
		names[c.dept] = c.name
		if everything || (department != 0 && c.dept == department) {
			shown[c.check] += c.n
		}
	}
	for _, r := range portal.Rules {
		rs := RuleState{Rule: r, Hidden: r.Municipal && !out.All}
		for _, c := range r.Checks {
			rs.Checks = append(rs.Checks, CheckState{Check: c, Count: shown[c.Key]})
			rs.Count += shown[c.Key]
		}
		out.Rules = append(out.Rules, rs)
	}
	state := func(id int64, name string) DepartmentState {
		d := DepartmentState{ID: id, Name: name}
		for _, r := range portal.Rules {
			n := 0
			for _, c := range r.Checks {
				n += perDept[id][c.Key]
			}
			if n > 0 {
				d.PerRule = append(d.PerRule, RuleCount{Rule: r, Count: n})
				d.Total += n
			}
		}
		return d
	}
	listed := map[int64]bool{}
	for _, d := range departments {
		if everything || d.ID == department {
			out.Departments = append(out.Departments, state(d.ID, d.Name))
			listed[d.ID] = true
		}
	}
	// Breaches of departments no longer active, and of none.
	var rest []int64
	for id := range perDept {
		if !listed[id] && (everything || id == department) {
			rest = append(rest, id)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i] > rest[j] })
	for _, id := range rest {
		name := names[id]
		if id == 0 || name == "" {
			name = "Ingen förvaltning"
		}
		out.Departments = append(out.Departments, state(id, name))
	}
}

// RulePage is one rule's drill-down for one viewer.
type RulePage struct {
	Board
	Rule     RuleState
	Breaches []ComplianceBreach // this page of them
	// Total is the number of breaches, the same number the board shows for
	// the rule; Rows the rows listing them in all pages (R9 and R10 list
	// one row per document and department for many people).
	Total int
	Rows  int
	Page  int
	Pages int
}

// RulePageSize is how many rows one page of a drill-down lists.
const RulePageSize = 50

// A drill-down's rows: one department (@dept) or, for IT-enheten's side
// without a filter (@all), every one; counted checks one row per document
// and department.
const (
	ruleWhere        = ` WHERE b.check_key = ANY(@keys) AND (@all OR b.department_id = @dept)`
	ruleCountedGroup = ` GROUP BY b.check_key, b.department_id, d.name, b.detail, b.ref_id, b.ref_text`
	ruleTotal        = `SELECT count(*) FROM compliance_breaches b` + ruleWhere
	ruleList         = `SELECT ` + breachColumns + breachJoins + ruleWhere +
		` ORDER BY b.since NULLS FIRST, s.name COLLATE swedish NULLS FIRST, d.name COLLATE swedish NULLS FIRST, b.id LIMIT @limit OFFSET @offset`
	ruleCountedTotal = `SELECT count(*) FROM (SELECT 1 FROM compliance_breaches b` + ruleWhere +
		` GROUP BY b.check_key, b.department_id, b.detail, b.ref_id, b.ref_text) g`
	ruleCountedList = breachCounted + ruleWhere + ruleCountedGroup +
		` ORDER BY min(b.since), d.name COLLATE swedish NULLS FIRST, b.detail LIMIT @limit OFFSET @offset`
)

// Rule returns the drill-down of one rule ("r1"): its breaches the viewer
// may see, for a department filter (IT-enheten's side; others always see
// their own department), page by page (from 1; out of range is clamped).
func (s *ComplianceService) Rule(ctx context.Context, actor *portal.Actor, slug string, department int64, page int) (RulePage, error) {
	return s.rule(ctx, actor, slug, department, page, RulePageSize)
}

// RuleExport is the whole drill-down of one rule in one page, for the
// download: the same rows, checks and visibility as the pages.
func (s *ComplianceService) RuleExport(ctx context.Context, actor *portal.Actor, slug string, department int64) (RulePage, error) {
	return s.rule(ctx, actor, slug, department, 1, 0)
}

// rule reads one page of size rows (0: every row).
func (s *ComplianceService) rule(ctx context.Context, actor *portal.Actor, slug string, department int64, page, size int) (RulePage, error) {
	var out RulePage
	rule, ok := portal.RuleBySlug(slug)
	if !ok {
		return out, portal.NotFound("Regeln finns inte.")
	}
	if actor == nil {
		return out, portal.Forbidden("Logga in.")
	}
	var keys []string
	for _, c := range rule.Checks {
		keys = append(keys, c.Key)
	}
	counted := slices.Contains(countedChecks, keys[0])
	err := readTx(ctx, s.pool, func(tx pgx.Tx) error {
		counts, departments, guideline, err := s.counts(ctx, tx)
		if err != nil {
			return err
		}
		out.Guideline, out.ComputedAt = guideline, s.now()
		s.view(&out.Board, actor, counts, departments, department)
		for _, r := range out.Rules {
			if r.ID == rule.ID {
				out.Rule = r
			}
		}
		if out.Rule.Hidden || (!out.All && out.DepartmentID == 0) {
			return nil // the municipality's own rule, or a viewer without a department
		}
		// The rows the viewer sees: one department, or (IT-enheten's side
		// without a filter) all. Counted checks are one row per document
		// and department.
		args := pgx.NamedArgs{"keys": keys, "dept": out.DepartmentID, "all": out.All && out.DepartmentID == 0}
		if err := tx.QueryRow(ctx, ruleTotal, args).Scan(&out.Total); err != nil {
			return translate(err)
		}
		out.Rows = out.Total
		if counted {
			if err := tx.QueryRow(ctx, ruleCountedTotal, args).Scan(&out.Rows); err != nil {
				return translate(err)
			}
		}
		out.Pages, out.Page = 1, 1
		args["limit"], args["offset"] = nil, 0 // LIMIT NULL: every row
		if size > 0 {
			out.Pages = max(1, (out.Rows+size-1)/size)
			out.Page = min(max(page, 1), out.Pages)
			args["limit"], args["offset"] = size, (out.Page-1)*size
		}
		var rows pgx.Rows
		if counted {
			rows, err = tx.Query(ctx, ruleCountedList, args)
		} else {
			rows, err = tx.Query(ctx, ruleList, args)
		}
		if err != nil {
			return translate(err)
		}
		out.Breaches, err = pgx.CollectRows(rows, scanBreach)
		return translate(err)
	})
	if err != nil {
		return out, fmt.Errorf("compliance rule %s: %w", rule.ID, err)
	}
	return out, nil
}

// ForSystem returns the breaches of one system, in rule order: everyone
// who may read the register sees them.
func (s *ComplianceService) ForSystem(ctx context.Context, actor *portal.Actor, systemID int64) ([]ComplianceBreach, error) {
	if actor == nil {
		return nil, portal.Forbidden("Logga in för att läsa registret.")
	}
	return systemBreaches(ctx, s.pool, []int64{systemID})
}

// systemBreaches reads the kept breaches of some systems, in rule order.
func systemBreaches(ctx context.Context, q querier, ids []int64) ([]ComplianceBreach, error) {
	rows, err := q.Query(ctx, `SELECT `+breachColumns+breachJoins+` WHERE b.system_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("system breaches: %w", translate(err))
	}
	list, err := pgx.CollectRows(rows, scanBreach)
	if err != nil {
		return nil, fmt.Errorf("system breaches: %w", translate(err))
	}
	sortBreaches(list)
	return list, nil
}

// RuleCounts is the number of breaches per rule on the whole board (for
// the metrics; R9 and R10 count people). Every rule is present, with 0
// when it holds.
func (s *ComplianceService) RuleCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT check_key, count(*)::int FROM compliance_breaches GROUP BY check_key`)
	if err != nil {
		return nil, translate(err)
	}
	out := map[string]int{}
	for _, r := range portal.Rules {
		out[r.ID] = 0
	}
	var key string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&key, &n}, func() error {
		if r, ok := portal.RuleOfCheck(key); ok {
			out[r.ID] += n
		}
		return nil
	})
	return out, translate(err)
}

// Recomputation is what one recomputation of the board did.
type Recomputation struct {
	Added, Removed int // rows that were out of step with the checks (drift)
	Took           time.Duration
}

// Recompute runs the checks for everything (clockOnly: only those the clock
// alone changes within a day) and brings the kept breaches in line, as the
// periodic job does at midnight and every few minutes. What it had to add
// or remove is drift (or time passing), recorded with the run.
func (s *ComplianceService) Recompute(ctx context.Context, clockOnly bool) (Recomputation, error) {
	start := time.Now()
	var out Recomputation
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		d, err := refreshBreaches(ctx, tx, Scope{All: true}, s.params(), clockOnly)
		if err != nil {
			return err
		}
		out.Added, out.Removed, out.Took = d.added, d.removed, time.Since(start)
		scope := "all"
		if clockOnly {
			scope = "time"
		}
		_, err = tx.Exec(ctx, `INSERT INTO compliance_recomputations (scope, added, removed, took_ms) VALUES ($1, $2, $3, $4)`,
			scope, d.added, d.removed, out.Took.Milliseconds())
		return translate(err)
	})
	return out, err
}

// EnsureComputed recomputes the whole board if it never was (the first
// start after an install or an upgrade that brought the kept breaches),
// so the board is right from the first page; later starts leave it to the
// periodic job.
func (s *ComplianceService) EnsureComputed(ctx context.Context) error {
	var done bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM compliance_recomputations WHERE scope = 'all')`).Scan(&done); err != nil {
		return translate(err)
	}
	if done {
		return nil
	}
	_, err := s.Recompute(ctx, false)
	return err
}

// RecordHistory keeps today's counts per check and department, for the
// history chart: once a day, and a later run the same day replaces them
// (a count that has since gone to 0 becomes 0), so recording a day twice
// leaves what recording it once would. The day itself is recorded too, so
// a day without breaches reads as 0, not as unknown.
func (s *ComplianceService) RecordHistory(ctx context.Context) error {
	_, err := s.recordHistory(ctx, false)
	return err
}

// RecordHistoryOnce records today's counts unless today is recorded
// already: the periodic job's every-few-minutes run, for a day whose
// midnight run did not happen (the portal was down). It reports whether
// it recorded.
func (s *ComplianceService) RecordHistoryOnce(ctx context.Context) (bool, error) {
	return s.recordHistory(ctx, true)
}

func (s *ComplianceService) recordHistory(ctx context.Context, onlyIfMissing bool) (bool, error) {
	day := portal.DateOf(s.now())
	recorded := false
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		// The day's row is taken first: two runs of one day record one
		// after the other.
		tag, err := tx.Exec(ctx, `INSERT INTO compliance_history_days (day) VALUES ($1) ON CONFLICT (day) DO NOTHING`, day)
		if err != nil {
			return translate(err)
		}
		if tag.RowsAffected() == 0 {
			if onlyIfMissing {
				return nil
			}
			if _, err := tx.Exec(ctx, `UPDATE compliance_history_days SET recorded_at = now() WHERE day = $1`, day); err != nil {
				return translate(err)
			}
		}
		recorded = true
		_, err = tx.Exec(ctx, `
			WITH now_counts AS (
				SELECT check_key, department_id, count(*)::int AS n FROM compliance_breaches GROUP BY check_key, department_id
			), keys AS (
				SELECT check_key, department_id FROM now_counts
				UNION SELECT check_key, department_id FROM compliance_history WHERE day = $1
			)
			INSERT INTO compliance_history (day, check_key, department_id, n)
			SELECT $1::date, k.check_key, k.department_id, COALESCE(c.n, 0)
			FROM keys k LEFT JOIN now_counts c ON c.check_key = k.check_key AND c.department_id = k.department_id
			ON CONFLICT (day, check_key, department_id) DO UPDATE SET n = EXCLUDED.n`, day)
		return translate(err)
	})
	return recorded, err
}

// HistoryMonths is how many months the history chart shows.
const HistoryMonths = 12

// BoardHistory is the board's breaches per rule over the last months, for one
// viewer: the count recorded on the last recorded day of each month (the
// latest for this month).
type BoardHistory struct {
	Months []time.Time // the first day of each month, oldest first
	Rules  []RuleHistory
}

// RuleHistory is one rule's counts, one per month of BoardHistory.Months; -1
// where no day of the month was recorded. Hidden: a municipal rule the
// viewer does not see (no counts).
type RuleHistory struct {
	portal.Rule
	Hidden bool
	Counts []int
}

// History returns the last HistoryMonths months of the board's counts for
// actor, with the board's visibility: IT-enheten's side every department
// (or the one filtered by), others their own department and no municipal
// rule.
func (s *ComplianceService) History(ctx context.Context, actor *portal.Actor, department int64) (BoardHistory, error) {
	var out BoardHistory
	if actor == nil {
		return out, portal.Forbidden("Logga in.")
	}
	all := portal.SeesEveryDepartment(actor)
	if !all {
		department = actor.DepartmentID
	}
	today := portal.DateOf(s.now())
	first := time.Date(today.Year(), today.Month()-HistoryMonths+1, 1, 0, 0, 0, 0, time.UTC)
	for i := range HistoryMonths {
		out.Months = append(out.Months, first.AddDate(0, i, 0))
	}
	// Per month, the last day recorded; its counts for the viewer.
	rows, err := s.pool.Query(ctx, `
		WITH last AS (
			SELECT date_trunc('month', day)::date AS month, max(day) AS day FROM compliance_history_days
			WHERE day >= $1 AND day <= $2 GROUP BY 1
		)
		SELECT last.month, h.check_key, COALESCE(sum(h.n), 0)::int
		FROM last LEFT JOIN compliance_history h ON h.day = last.day AND ($3 OR h.department_id = $4)
		GROUP BY last.month, h.check_key`, first, today, all && department == 0, department)
	if err != nil {
		return out, fmt.Errorf("compliance history: %w", translate(err))
	}
	type key struct {
		month time.Time
		rule  string
	}
	counts := map[key]int{}
	recorded := map[time.Time]bool{}
	var month time.Time
	var check *string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&month, &check, &n}, func() error {
		recorded[month] = true
		if check != nil {
			if r, ok := portal.RuleOfCheck(*check); ok {
				counts[key{month, r.ID}] += n
			}
		}
		return nil
	}); err != nil {
		return out, fmt.Errorf("compliance history: %w", translate(err))
	}
	for _, r := range portal.Rules {
		rh := RuleHistory{Rule: r, Hidden: r.Municipal && !all}
		if !rh.Hidden && (all || department != 0) {
			for _, m := range out.Months {
				c := -1
				if recorded[m] {
					c = counts[key{m, r.ID}]
				}
				rh.Counts = append(rh.Counts, c)
			}
		}
		out.Rules = append(out.Rules, rh)
	}
	return out, nil
}

// Renotify sends the notification about one role change again (R3's fix):
// IT-enheten. The outcome is recorded by the worker as for any role change.
func (s *ComplianceService) Renotify(ctx context.Context, actor *portal.Actor, assignmentID int64, correlationID string) error {
	if !portal.CanManageRegister(actor) {
		return portal.Forbidden("Bara IT-enheten kan skicka aviseringen på nytt.")
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var systemID int64
		if err := tx.QueryRow(ctx, `SELECT system_id FROM role_assignments WHERE id = $1`, assignmentID).Scan(&systemID); errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Rollbytet finns inte.")
		} else if err != nil {
			return translate(err)
		}
		if s.enqueue == nil {
			return portal.Unavailable(errors.New("no job queue to notify through"))
		}
		sys := strconv.FormatInt(systemID, 10)
		if err := s.enqueue(ctx, tx, jobargs.RoleChangeNotice{SystemID: systemID, Assignments: []int64{assignmentID}}); err != nil {
			return fmt.Errorf("enqueue notification: %w", err)
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "system.role_change_renotified", ObjectType: "system",
			ObjectID: sys, RequestID: correlationID, Changes: map[string]any{"assignment_id": assignmentID}}); err != nil {
			return err
		}
		_, err := refreshBreaches(ctx, tx, Scope{Systems: []int64{systemID}}, s.params(), false)
		return err
	})
}
