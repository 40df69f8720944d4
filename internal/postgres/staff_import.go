package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"itportal/internal/portal"
	"itportal/internal/registerfile"
)

// StaffColumns are the HR export's columns.
var StaffColumns = []string{"Anställningsnummer", "Förnamn", "Efternamn", "E-post", "Förvaltning", "Chef e-post", "Anställd från", "Anställd till"}

// StaffSchema reads the HR export.
var StaffSchema = registerfile.Schema{Columns: StaffColumns, Required: "Anställningsnummer", Noun: "personer",
	Example: "Anställningsnummer, Förnamn, Efternamn, E-post, Förvaltning, Chef e-post, Anställd från, Anställd till"}

// StaffRow is one row's outcome.
type StaffRow struct {
	Line     int
	Number   string
	Name     string
	Action   string // "create", "update", "unchanged", "error"
	Ends     string // "avslutad" when the employment has ended and the person is deactivated
	Problems []ImportMessage
}

// StaffImportResult is a dry run's or a commit's report.
type StaffImportResult struct {
	Rows                                         []StaffRow
	Created, Updated, Unchanged, Rejected, Ended int
	Warnings                                     []string
	Committed                                    bool
}

type staffLine struct {
	row                  *StaffRow
	number, first, last  string
	email, dept, manager string
	from, to             *time.Time
	deptID               int64
	managerLine          *staffLine // the manager's row in the file
}

// ImportStaff reads the HR export into the staff directory in one
// transaction: people are matched by employee number, created when new,
// given their department, manager and employment period; whoever's
// employment has ended is deactivated (sessions end, roles become
// breaches), never deleted. Any row error commits nothing. Admin only.
func (s *PersonService) ImportStaff(ctx context.Context, actor *portal.Actor, file registerfile.File, commit bool, correlationID string) (StaffImportResult, error) {
	res := StaffImportResult{Warnings: file.Warnings}
	if !portal.CanAdminister(actor) {
		return res, portal.Forbidden("Bara administratörer importerar personal.")
	}
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		lines, err := checkStaffRows(ctx, tx, file, &res)
		if err != nil {
			return err
		}
		if err := s.writeStaff(ctx, tx, actor, lines, &res, correlationID, commit); err != nil {
			return err
		}
		if res.Rejected > 0 || !commit {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	res.Committed = true
	return res, nil
}

// errRollback ends a transaction of runTx without committing it (a dry
// run, or an import with row errors): it is not a failure.
var errRollback = errors.New("rolled back")

// checkStaffRows checks every row on its own and against the others (the
// department, e-mail, dates, managers in the file, chains that end).
func checkStaffRows(ctx context.Context, tx pgx.Tx, file registerfile.File, res *StaffImportResult) ([]*staffLine, error) {
	depts := map[string]int64{}
	rows, err := tx.Query(ctx, `SELECT id, lower(name), lower(short_name) FROM departments`)
	if err != nil {
		return nil, translate(err)
	}
	for rows.Next() {
		var id int64
		var name, short string
		if err := rows.Scan(&id, &name, &short); err != nil {
			return nil, translate(err)
		}
		depts[name], depts[short] = id, id
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}

	lines := make([]*staffLine, 0, len(file.Rows))
	byNumber, byEmail := map[string]*staffLine{}, map[string]*staffLine{}
	res.Rows = make([]StaffRow, len(file.Rows))
	for i, l := range file.Rows {
		row := &res.Rows[i]
		row.Line = l.Number
		sl := &staffLine{row: row, number: l.Get("Anställningsnummer"), first: l.Get("Förnamn"), last: l.Get("Efternamn"),
			email: strings.ToLower(l.Get("E-post")), dept: l.Get("Förvaltning"), manager: strings.ToLower(l.Get("Chef e-post"))}
		row.Number, row.Name = sl.number, strings.TrimSpace(sl.first+" "+sl.last)
		problem := func(col, msg string) { row.Problems = append(row.Problems, ImportMessage{Column: col, Message: msg}) }
		switch {
		case sl.number == "":
			problem("Anställningsnummer", "Anställningsnummer saknas.")
		case len(sl.number) > 50:
			problem("Anställningsnummer", "Högst 50 tecken.")
		case byNumber[sl.number] != nil:
			problem("Anställningsnummer", fmt.Sprintf("Anställningsnumret finns redan på rad %d.", byNumber[sl.number].row.Line))
		default:
			byNumber[sl.number] = sl
		}
		if row.Name == "" || len([]rune(row.Name)) > 200 {
			problem("Förnamn", "Ange förnamn och efternamn (högst 200 tecken).")
		}
		if sl.email != "" {
			if !portal.ValidEmail(sl.email) {
				problem("E-post", invalidEmail(sl.email))
			} else if other := byEmail[sl.email]; other != nil {
				problem("E-post", fmt.Sprintf("E-postadressen finns redan på rad %d.", other.row.Line))
			} else {
				byEmail[sl.email] = sl
			}
		}
		if sl.manager != "" && !portal.ValidEmail(sl.manager) {
			problem("Chef e-post", invalidEmail(sl.manager))
		}
		if sl.dept != "" {
			if id, ok := depts[strings.ToLower(sl.dept)]; ok {
				sl.deptID = id
			} else {
				problem("Förvaltning", fmt.Sprintf("Förvaltningen %q finns inte i IT-portalen.", sl.dept))
			}
		}
		for _, d := range []struct {
			col string
			dst **time.Time
		}{{"Anställd från", &sl.from}, {"Anställd till", &sl.to}} {
			if v := l.Get(d.col); v != "" {
				t, ok := registerfile.ParseDate(v)
				if !ok || t.Year() < 1950 || t.Year() > 2100 {
					problem(d.col, "Ange datum som 2026-03-01.")
					continue
				}
				*d.dst = &t
			}
		}
		if sl.from != nil && sl.to != nil && sl.to.Before(*sl.from) {
			problem("Anställd till", "Slutdatumet är före startdatumet.")
		}
		lines = append(lines, sl)
	}
	// Managers must be in the file, and chains must end.
	for _, sl := range lines {
		if sl.manager == "" || !portal.ValidEmail(sl.manager) {
			continue
		}
		m := byEmail[sl.manager]
		switch {
		case m == nil:
			sl.row.Problems = append(sl.row.Problems, ImportMessage{Column: "Chef e-post", Message: fmt.Sprintf("Chefen %s finns inte i filen.", sl.manager)})
		case m == sl:
			sl.row.Problems = append(sl.row.Problems, ImportMessage{Column: "Chef e-post", Message: "En person kan inte vara sin egen chef."})
		default:
			seen := map[*staffLine]bool{sl: true}
			for cur := m; cur != nil && cur.manager != ""; cur = byEmail[cur.manager] {
				if seen[cur] {
					sl.row.Problems = append(sl.row.Problems, ImportMessage{Column: "Chef e-post", Message: "Chefskedjan går runt i en cirkel."})
					break
				}
				seen[cur] = true
			}
		}
		sl.managerLine = m
	}
	return lines, nil
}

// invalidEmail is the row message of both imports for an address that
// portal.ValidEmail refuses.
func invalidEmail(email string) string {
	return fmt.Sprintf("E-postadressen %q är inte giltig (skriv den som namn@lillaedet.se).", email)
}

// staffInSQL is the staging table of a staff import: the rows without
// errors, matched to people and written from here in a few statements.
const staffInSQL = `
	CREATE TEMP TABLE staff_in (
		idx int PRIMARY KEY, number text NOT NULL, name text NOT NULL, email text NOT NULL, dept text NOT NULL,
		dept_id bigint, emp_from date, emp_to date, ended boolean NOT NULL, manager_idx int,
		person_id bigint, action text
	) ON COMMIT DROP`

// writeStaff matches the rows without errors to people and writes them
// set-based: rows are copied into staff_in, matched by employee number
// (else an unnumbered person by e-mail), compared, then inserted and
// updated with their audit entries in one statement each.
func (s *PersonService) writeStaff(ctx context.Context, tx pgx.Tx, actor *portal.Actor, lines []*staffLine, res *StaffImportResult, correlationID string, commit bool) error {
	idx := map[*staffLine]int{}
	var good []*staffLine
	for _, sl := range lines {
		if len(sl.row.Problems) > 0 {
			sl.row.Action = "error"
			res.Rejected++
			continue
		}
		idx[sl] = len(good)
		good = append(good, sl)
	}
	if len(good) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, staffInSQL); err != nil {
		return translate(err)
	}
	today := portal.Today()
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"staff_in"},
		[]string{"idx", "number", "name", "email", "dept", "dept_id", "emp_from", "emp_to", "ended", "manager_idx"},
		pgx.CopyFromSlice(len(good), func(i int) ([]any, error) {
			sl := good[i]
			var manager *int32
			if sl.managerLine != nil {
				m := int32(idx[sl.managerLine])
				manager = &m
			}
			return []any{int32(i), sl.number, sl.row.Name, sl.email, sl.dept, nullID(sl.deptID), sl.from, sl.to,
				sl.to != nil && sl.to.Before(today), manager}, nil
		}))
	if err != nil {
		return translate(err)
	}
	// Match, compare, write and audit. By employee number; else someone
	// who signed in before HR's file arrived, by e-mail (one unnumbered
	// person only).
	if err := staffStep(tx.Exec(ctx, `UPDATE staff_in s SET person_id = p.id FROM people p WHERE p.employee_number = s.number`)); err != nil {
		return err
	}
	if err := staffStep(tx.Exec(ctx, `UPDATE staff_in s SET person_id = m.id
		 FROM (SELECT lower(email) AS email, min(id) AS id FROM people
		       WHERE employee_number IS NULL AND email <> '' AND merged_into IS NULL
		       GROUP BY lower(email) HAVING count(*) = 1) m
		 WHERE s.person_id IS NULL AND s.email <> '' AND m.email = s.email`)); err != nil {
		return err
	}
	if err := staffStep(tx.Exec(ctx, `UPDATE staff_in s SET action = CASE
		     WHEN s.person_id IS NULL THEN 'create'
		     WHEN (p.employee_number, p.name, lower(p.email), p.department_id, p.employed_from, p.employed_to, p.active)
		          IS DISTINCT FROM (s.number, s.name, s.email, COALESCE(s.dept_id, p.department_id), s.emp_from, s.emp_to, p.active AND NOT s.ended)
		     THEN 'update' ELSE 'unchanged' END
		 FROM staff_in s2 LEFT JOIN people p ON p.id = s2.person_id WHERE s2.idx = s.idx`)); err != nil {
		return err
	}
	if err := staffStep(tx.Exec(ctx, `UPDATE people p SET employee_number = s.number, name = s.name, email = s.email, department_id = COALESCE(s.dept_id, p.department_id),
		     employed_from = s.emp_from, employed_to = s.emp_to,
		     active = p.active AND NOT s.ended,
		     session_epoch = CASE WHEN s.ended AND p.active THEN p.session_epoch + 1 ELSE p.session_epoch END, updated_at = now()
		 FROM staff_in s WHERE p.id = s.person_id AND s.action = 'update'`)); err != nil {
		return err
	}
	if err := staffStep(tx.Exec(ctx, `INSERT INTO people (employee_number, name, email, department_id, employed_from, employed_to, active)
		 SELECT number, name, email, dept_id, emp_from, emp_to, NOT ended FROM staff_in WHERE action = 'create' ORDER BY idx`)); err != nil {
		return err
	}
	if err := staffStep(tx.Exec(ctx, `UPDATE staff_in s SET person_id = p.id FROM people p WHERE s.action = 'create' AND p.employee_number = s.number`)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO audit_log (actor_id, action, object_type, object_id, changes, request_id)
		SELECT $1, 'person.imported_from_hr', 'person', person_id::text,
		       jsonb_build_object('employee_number', number, 'name', name, 'email', email, 'department', dept,
		                          'employed_to', to_char(emp_to, 'YYYY-MM-DD'), 'deactivated', ended), $2
		FROM staff_in WHERE action IN ('create', 'update') ORDER BY idx`, nullID(actor.PersonID), correlationID); err != nil {
		return fmt.Errorf("append audit person.imported_from_hr: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT idx, person_id, action FROM staff_in ORDER BY idx`)
	if err != nil {
		return translate(err)
	}
	var touched []int64
	for rows.Next() {
		var i int32
		var id int64
		var action string
		if err := rows.Scan(&i, &id, &action); err != nil {
			return translate(err)
		}
		sl := good[i]
		sl.row.Action = action
		switch action {
		case "create":
			res.Created++
		case "update":
			res.Updated++
		default:
			res.Unchanged++
		}
		if sl.to != nil && sl.to.Before(today) {
			sl.row.Ends = "avslutad"
			res.Ended++
		}
		if action != "unchanged" {
			touched = append(touched, id)
		}
	}
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	if res.Rejected > 0 || !commit {
		return nil
	}
	// Managers, now that everyone exists.
	if _, err := tx.Exec(ctx, `
		UPDATE people p SET manager_id = m.person_id
		FROM staff_in s LEFT JOIN staff_in m ON m.idx = s.manager_idx
		WHERE p.id = s.person_id AND p.manager_id IS DISTINCT FROM m.person_id`); err != nil {
		return translate(err)
	}
	return s.refreshPeople(ctx, tx, touched)
}

// DeactivateEnded deactivates everyone whose employment ended before today
// (the daily job, so an end date set in advance takes effect on the day):
// their sessions end at the next request and their roles become breaches.
func (s *PersonService) DeactivateEnded(ctx context.Context) (int, error) {
	var n int
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			UPDATE people SET active = false, session_epoch = session_epoch + 1, updated_at = now()
			WHERE active AND employed_to < $1 RETURNING id`, portal.Today())
		if err != nil {
			return translate(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return translate(err)
		}
		for _, id := range ids {
			if err := appendAudit(ctx, tx, AuditEntry{Action: "person.employment_ended", ObjectType: "person",
				ObjectID: strconv.FormatInt(id, 10), Changes: map[string]any{"active": map[string]any{"before": true, "after": false}}}); err != nil {
				return err
			}
		}
		n = len(ids)
		return s.refreshPeople(ctx, tx, ids)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// staffStep turns a failed statement of the staff import into its error:
// a unique violation is a concurrent change.
func staffStep(_ pgconn.CommandTag, err error) error {
	if err == nil {
		return nil
	}
	if isUniqueViolation(err) {
		return portal.Conflict("Personalen ändrades samtidigt av någon annan. Försök igen.")
	}
	return translate(err)
}
