package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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
}

// ImportStaff reads the HR export into the staff directory in one
// transaction: people are matched by employee number, created when new,
// given their department, manager and employment period; whoever's
// employment has ended is deactivated (sessions end, roles become
// breaches), never deleted. Any row error commits nothing. Admin only.
func (s *PersonService) ImportStaff(ctx context.Context, actor *portal.Actor, file registerfile.File, commit bool, requestID string) (StaffImportResult, error) {
	res := StaffImportResult{Warnings: file.Warnings}
	if !portal.CanAdminister(actor) {
		return res, portal.Forbidden("Bara administratörer importerar personal.")
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return res, translate(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	depts := map[string]int64{}
	rows, err := tx.Query(ctx, `SELECT id, lower(name), lower(short_name) FROM departments`)
	if err != nil {
		return res, translate(err)
	}
	for rows.Next() {
		var id int64
		var name, short string
		if err := rows.Scan(&id, &name, &short); err != nil {
			return res, translate(err)
		}
		depts[name], depts[short] = id, id
	}
	rows.Close()

	today := portal.Today()
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
			if at := strings.LastIndexByte(sl.email, '@'); at < 1 || strings.ContainsAny(sl.email, " <>\"(),;:") || len(sl.email) > 320 {
				problem("E-post", "E-postadressen ser inte ut som en adress.")
			} else if other := byEmail[sl.email]; other != nil {
				problem("E-post", fmt.Sprintf("E-postadressen finns redan på rad %d.", other.row.Line))
			} else {
				byEmail[sl.email] = sl
			}
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
		if sl.manager == "" {
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
	}
	ids := map[*staffLine]int64{}
	var touched []int64
	for _, sl := range lines {
		if len(sl.row.Problems) > 0 {
			sl.row.Action = "error"
			res.Rejected++
			continue
		}
		ended := sl.to != nil && sl.to.Before(today)
		var id int64
		var changed, created bool
		err := tx.QueryRow(ctx, `
			WITH cur AS (
				-- By employee number; else someone who signed in before HR's
				-- file arrived, by e-mail (one unnumbered person only).
				SELECT id, name, email, department_id, employed_from, employed_to, active FROM people WHERE employee_number = $1
				UNION ALL
				SELECT id, name, email, department_id, employed_from, employed_to, active FROM people
				WHERE employee_number IS NULL AND $3 <> '' AND lower(email) = $3 AND merged_into IS NULL
				  AND NOT EXISTS (SELECT 1 FROM people WHERE employee_number = $1)
				  AND (SELECT count(*) FROM people WHERE employee_number IS NULL AND lower(email) = $3 AND merged_into IS NULL) = 1),
			ins AS (
				INSERT INTO people (employee_number, name, email, department_id, employed_from, employed_to, active)
				SELECT $1, $2, NULLIF($3, ''), $4, $5, $6, NOT $7 WHERE NOT EXISTS (SELECT 1 FROM cur)
				RETURNING id),
			upd AS (
				UPDATE people p SET employee_number = $1, name = $2, email = NULLIF($3, ''), department_id = COALESCE($4, p.department_id), employed_from = $5, employed_to = $6,
					active = CASE WHEN $7 THEN false ELSE p.active END,
					session_epoch = CASE WHEN $7 AND p.active THEN p.session_epoch + 1 ELSE p.session_epoch END, updated_at = now()
				FROM cur WHERE p.id = cur.id AND (p.employee_number, cur.name, lower(COALESCE(cur.email, '')), cur.department_id, cur.employed_from, cur.employed_to, cur.active)
					IS DISTINCT FROM ($1, $2, $3, COALESCE($4, cur.department_id), $5::date, $6::date, CASE WHEN $7 THEN false ELSE cur.active END)
				RETURNING p.id)
			SELECT COALESCE((SELECT id FROM ins), (SELECT id FROM upd), (SELECT id FROM cur)),
			       EXISTS (SELECT 1 FROM upd), EXISTS (SELECT 1 FROM ins)`,
			sl.number, strings.TrimSpace(sl.first+" "+sl.last), sl.email, nullID(sl.deptID), datePtr(sl.from), datePtr(sl.to), ended).
			Scan(&id, &changed, &created)
		if isUnique(err) {
			sl.row.Problems = append(sl.row.Problems, ImportMessage{Column: "E-post", Message: "E-postadressen hör till en annan person i IT-portalen."})
			sl.row.Action = "error"
			res.Rejected++
			continue
		}
		if err != nil {
			return res, translate(err)
		}
		ids[sl] = id
		switch {
		case created:
			sl.row.Action = "create"
			res.Created++
		case changed:
			sl.row.Action = "update"
			res.Updated++
		default:
			sl.row.Action = "unchanged"
			res.Unchanged++
		}
		if ended {
			sl.row.Ends = "avslutad"
			res.Ended++
		}
		if created || changed {
			touched = append(touched, id)
			if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "person.imported_from_hr", ObjectType: "person",
				ObjectID: strconv.FormatInt(id, 10), RequestID: requestID, Changes: map[string]any{
					"employee_number": sl.number, "name": sl.row.Name, "email": sl.email, "department": sl.dept,
					"employed_to": datePtr(sl.to), "deactivated": ended}}); err != nil {
				return res, err
			}
		}
	}
	if res.Rejected > 0 || !commit {
		return res, nil
	}
	// Managers, now that everyone exists.
	for _, sl := range lines {
		var manager *int64
		if m := byEmail[sl.manager]; m != nil {
			mid := ids[m]
			manager = &mid
		}
		if _, err := tx.Exec(ctx, `UPDATE people SET manager_id = $2 WHERE id = $1 AND manager_id IS DISTINCT FROM $2`, ids[sl], manager); err != nil {
			return res, translate(err)
		}
	}
	if err := s.refreshPeople(ctx, tx, touched); err != nil {
		return res, err
	}
	if err := tx.Commit(ctx); err != nil {
		return res, translate(err)
	}
	res.Committed = true
	return res, nil
}

// DeactivateEnded deactivates everyone whose employment ended before today
// (the daily job, so an end date set in advance takes effect on the day):
// their sessions end at the next request and their roles become breaches.
func (s *PersonService) DeactivateEnded(ctx context.Context) (int, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, translate(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	rows, err := tx.Query(ctx, `
		UPDATE people SET active = false, session_epoch = session_epoch + 1, updated_at = now()
		WHERE active AND employed_to < $1 RETURNING id`, portal.Today())
	if err != nil {
		return 0, translate(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, translate(err)
	}
	for _, id := range ids {
		if err := appendAudit(ctx, tx, AuditEntry{Action: "person.employment_ended", ObjectType: "person",
			ObjectID: strconv.FormatInt(id, 10), Changes: map[string]any{"active": map[string]any{"before": true, "after": false}}}); err != nil {
			return 0, err
		}
	}
	if err := s.refreshPeople(ctx, tx, ids); err != nil {
		return 0, err
	}
	return len(ids), translate(tx.Commit(ctx))
}
