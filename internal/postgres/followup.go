package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
)

// FollowUpRow is one document version in force for one department.
type FollowUpRow struct {
	DocumentID   int64
	Slug         string
	Title        string
	Version      int
	DepartmentID int64
	Department   string
	Staff        int
	Acknowledged int
}

// Outstanding is the number who have not acknowledged.
func (r FollowUpRow) Outstanding() int { return r.Staff - r.Acknowledged }

// Percent is the share acknowledged, 0–100.
func (r FollowUpRow) Percent() int {
	if r.Staff == 0 {
		return 100
	}
	return r.Acknowledged * 100 / r.Staff
}

// StaffAck is one of a manager's staff for one document.
type StaffAck struct {
	PersonID     int64
	Name         string
	Department   string
	Title        string
	Version      int
	Acknowledged *time.Time // nil: outstanding
	Since        time.Time  // when the obligation began
}

// FollowUp is what /efterlevnad/kvittenser shows the actor.
type FollowUp struct {
	Departments []FollowUpRow // IT-enheten and administrators: all departments
	CountedAt   time.Time     // when the department counts were made
	MyStaff     []StaffAck    // managers: their own staff
	All         bool
}

func (s *DocumentService) departmentCounts(ctx context.Context, tx pgx.Tx) ([]FollowUpRow, time.Time, error) {
	now := s.now()
	rows, err := tx.Query(ctx, followUpByDepartment, pgx.NamedArgs{"today": s.today()})
	if err != nil {
		return nil, time.Time{}, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FollowUpRow, error) {
		var f FollowUpRow
		err := r.Scan(&f.DocumentID, &f.Slug, &f.Title, &f.Version, &f.DepartmentID, &f.Department, &f.Staff, &f.Acknowledged)
		return f, err
	})
	if err != nil {
		return nil, time.Time{}, translate(err)
	}
	return list, now, nil
}

// followUpDocs are the documents to acknowledge with the version in force
// (on @today), and who has acknowledged the base version or a later one.
const followUpDocs = inForce + `, docs AS (
		SELECT d.id, d.slug, d.title, d.audience_all, cur.number, base.number AS base_number, base.since
		FROM documents d JOIN cur ON cur.document_id = d.id JOIN base ON base.document_id = d.id
		WHERE d.must_acknowledge
	), done AS (
		SELECT a.person_id, v.document_id, min(a.acknowledged_at) AS at
		FROM acknowledgements a JOIN document_versions v ON v.id = a.version_id JOIN docs ON docs.id = v.document_id AND v.number >= docs.base_number
		GROUP BY a.person_id, v.document_id
	)`

// followUpByDepartment counts per document and department the staff in
// the audience and how many of them have acknowledged the base version or
// a later one: the staff less those who owe it, as the compliance checks
// R9 and R10 keep them (one definition of who owes a document, so the
// follow-up and the board agree).
const followUpByDepartment = inForce + `, docs AS (
		SELECT d.id, d.slug, d.title, d.audience_all, cur.number
		FROM documents d JOIN cur ON cur.document_id = d.id JOIN base ON base.document_id = d.id
		WHERE d.must_acknowledge
	), staff AS (
		SELECT department_id, count(*) AS n FROM people WHERE active AND merged_into IS NULL AND department_id IS NOT NULL GROUP BY department_id
	), owing AS (
		SELECT b.ref_id AS document_id, b.department_id, count(*) AS n
		FROM compliance_breaches b WHERE b.check_key IN ('r9_never', 'r10_again') GROUP BY b.ref_id, b.department_id
	)
	SELECT docs.id, docs.slug, docs.title, docs.number, dep.id, dep.name, staff.n, GREATEST(staff.n - COALESCE(owing.n, 0), 0)
	FROM docs CROSS JOIN departments dep
	JOIN staff ON staff.department_id = dep.id
	LEFT JOIN owing ON owing.document_id = docs.id AND owing.department_id = dep.id
	WHERE docs.audience_all OR EXISTS (SELECT 1 FROM document_departments dd WHERE dd.document_id = docs.id AND dd.department_id = dep.id)
	ORDER BY docs.title COLLATE swedish, dep.name COLLATE swedish`

// followUpMyStaff lists a manager's staff per document, probing each
// person's acknowledgements through the (person, version) index.
const followUpMyStaff = followUpDocs + `
	SELECT p.id, p.name, COALESCE(dep.name, ''), docs.title, docs.number,
	       (SELECT min(a.acknowledged_at) FROM acknowledgements a JOIN document_versions v ON v.id = a.version_id
	        WHERE a.person_id = p.id AND v.document_id = docs.id AND v.number >= docs.base_number) AS at,
	       docs.since
	FROM docs
	JOIN people p ON p.manager_id = @manager AND p.active AND p.merged_into IS NULL
	LEFT JOIN departments dep ON dep.id = p.department_id
	WHERE docs.audience_all OR EXISTS (SELECT 1 FROM document_departments dd WHERE dd.document_id = docs.id AND dd.department_id = p.department_id)
	ORDER BY docs.title COLLATE swedish, (SELECT min(a.acknowledged_at) FROM acknowledgements a JOIN document_versions v ON v.id = a.version_id
	          WHERE a.person_id = p.id AND v.document_id = docs.id AND v.number >= docs.base_number) IS NOT NULL, p.name COLLATE swedish`

// FollowUp returns the acknowledgement follow-up the actor may see:
// IT-enheten and administrators every department; a manager their own
// staff (from the HR import); anyone else nothing (Forbidden).
func (s *DocumentService) FollowUp(ctx context.Context, actor *portal.Actor) (_ FollowUp, err error) {
	defer wrap(&err, "acknowledgement follow-up")
	var out FollowUp
	if actor == nil {
		return out, portal.Forbidden("Logga in.")
	}
	out.All = portal.FollowsUpStaff(actor)
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		if out.All {
			var err error
			out.Departments, out.CountedAt, err = s.departmentCounts(ctx, tx)
			if err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, followUpMyStaff, pgx.NamedArgs{"today": s.today(), "manager": actor.PersonID})
		if err != nil {
			return translate(err)
		}
		out.MyStaff, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (StaffAck, error) {
			var a StaffAck
			err := r.Scan(&a.PersonID, &a.Name, &a.Department, &a.Title, &a.Version, &a.Acknowledged, &a.Since)
			return a, err
		})
		return translate(err)
	})
	if err != nil {
		return out, err
	}
	if !out.All && len(out.MyStaff) == 0 {
		var manages bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM people WHERE manager_id = $1)`, actor.PersonID).Scan(&manages); err != nil {
			return out, translate(err)
		}
		if !manages {
			return out, portal.Forbidden("Uppföljningen av kvittenser visas för chefer, IT-enheten och administratörer.")
		}
	}
	return out, nil
}

// FollowsUp reports whether the actor may open the follow-up of
// acknowledgements: IT-enheten, the IT head and administrators, and anyone
// who manages someone (their own staff). A link to it is shown only then.
func (s *DocumentService) FollowsUp(ctx context.Context, actor *portal.Actor) (_ bool, err error) {
	defer wrap(&err, "follows up (person %d)", actor.PersonID)
	if portal.FollowsUpStaff(actor) {
		return true, nil
	}
	var manages bool
	err = s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM people WHERE manager_id = $1)`, actor.PersonID).Scan(&manages)
	return manages, translate(err)
}

// Evidence returns every acknowledgement of one person (personID) or of
// one version (slug and number), for an auditor: IT-enheten,
// administrators, and the person's manager for their own staff.
func (s *DocumentService) Evidence(ctx context.Context, actor *portal.Actor, personID int64, slug string, number int) (_ []Receipt, err error) {
	defer wrap(&err, "acknowledgement evidence (person %d, document %q version %d)", personID, slug, number)
	if actor == nil {
		return nil, portal.Forbidden("Logga in.")
	}
	all := portal.FollowsUpStaff(actor)
	if personID != 0 {
		if !all && personID != actor.PersonID {
			var manages bool
			if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM people WHERE id = $1 AND manager_id = $2)`, personID, actor.PersonID).Scan(&manages); err != nil {
				return nil, translate(err)
			}
			if !manages {
				return nil, portal.Forbidden("Du kan bara se kvittenser för din egen personal.")
			}
		}
		rows, err := s.pool.Query(ctx, receiptSelect+` WHERE a.person_id = $1 ORDER BY a.acknowledged_at, a.id`, personID)
		if err != nil {
			return nil, translate(err)
		}
		rs, err := pgx.CollectRows(rows, scanReceipt)
		return rs, translate(err)
	}
	if !all {
		return nil, portal.Forbidden("Kvittenser per version visas för IT-enheten och administratörer.")
	}
	if slug == "" || number <= 0 {
		return nil, portal.Invalid("Ange en person eller ett dokument och en version.", map[string]string{"dokument": "Ange dokument och version."})
	}
	rows, err := s.pool.Query(ctx, receiptSelect+` WHERE d.slug = $1 AND v.number = $2 ORDER BY a.acknowledged_at, a.id`, slug, number)
	if err != nil {
		return nil, translate(err)
	}
	rs, err := pgx.CollectRows(rows, scanReceipt)
	if err == nil && len(rs) == 0 {
		var exists bool
		if qerr := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM document_versions v JOIN documents d ON d.id = v.document_id WHERE d.slug = $1 AND v.number = $2 AND v.published_at IS NOT NULL)`, slug, number).Scan(&exists); qerr != nil {
			return nil, translate(qerr)
		}
		if !exists {
			return nil, portal.NotFound("Versionen finns inte.")
		}
	}
	return rs, translate(err)
}

// remindQuery claims, for everyone who has owed a document for longer than
// @after and was not reminded within @after, a reminder now; it returns them.
const remindQuery = owingCTE + `
	INSERT INTO ack_reminders (person_id, last_sent_at)
	SELECT DISTINCT person_id, now() FROM owing
	ON CONFLICT (person_id) DO UPDATE SET last_sent_at = now()
	WHERE ack_reminders.last_sent_at < now() - make_interval(secs => @after::float8)
	RETURNING person_id`

// owingCTE is everyone active who has owed a document in their audience
// for longer than @after seconds, with their manager.
const owingCTE = followUpDocs + `,
	owing AS (
		SELECT p.id AS person_id, p.manager_id
		FROM docs JOIN people p ON p.active AND p.merged_into IS NULL
		LEFT JOIN done ON done.person_id = p.id AND done.document_id = docs.id
		WHERE done.person_id IS NULL AND docs.since < now() - make_interval(secs => @after::float8)
		  AND (docs.audience_all OR EXISTS (SELECT 1 FROM document_departments dd WHERE dd.document_id = docs.id AND dd.department_id = p.department_id))
	)`

// Remind enqueues one reminder per person who has owed an acknowledgement
// for longer than after, at most once per that interval (the periodic job).
func (s *DocumentService) Remind(ctx context.Context, after time.Duration) (_ int, err error) {
	defer wrap(&err, "remind of owed acknowledgements")
	return s.claimAndNotify(ctx, "reminders", func(id int64) jobargs.Args { return jobargs.AckReminderNotice{PersonIDs: []int64{id}} }, func(tx pgx.Tx) (pgx.Rows, error) {
		return tx.Query(ctx, remindQuery, pgx.NamedArgs{"today": s.today(), "after": after.Seconds()})
	})
}

// claimAndNotify runs claim, a query that claims people (reminders,
// digests) and returns their ids, and enqueues one notice (what, made by
// notice) to each, in the same transaction.
func (s *DocumentService) claimAndNotify(ctx context.Context, what string, notice func(id int64) jobargs.Args, claim func(pgx.Tx) (pgx.Rows, error)) (int, error) {
	var n int
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := claim(tx)
		if err != nil {
			return translate(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return translate(err)
		}
		if len(ids) > 0 && s.enqueue != nil {
			args := make([]jobargs.Args, len(ids))
			for i, id := range ids {
				args[i] = notice(id)
			}
			if err := s.enqueue(ctx, tx, args...); err != nil {
				return fmt.Errorf("enqueue %s: %w", what, err)
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}

// digestQuery claims, for every active manager with staff who have owed an
// acknowledgement longer than @after, a digest now, at most once a week.
const digestQuery = owingCTE + `
	INSERT INTO manager_digests (manager_id, last_sent_at)
	SELECT DISTINCT o.manager_id, now() FROM owing o JOIN people m ON m.id = o.manager_id AND m.active
	ON CONFLICT (manager_id) DO UPDATE SET last_sent_at = now()
	WHERE manager_digests.last_sent_at < now() - interval '7 days'
	RETURNING manager_id`

// DigestManagers enqueues the weekly digest to each manager whose staff
// have owed an acknowledgement longer than after (the periodic job).
func (s *DocumentService) DigestManagers(ctx context.Context, after time.Duration) (_ int, err error) {
	defer wrap(&err, "digest managers of owed acknowledgements")
	return s.claimAndNotify(ctx, "manager digests", func(id int64) jobargs.Args { return jobargs.ManagerDigestNotice{ManagerID: id} }, func(tx pgx.Tx) (pgx.Rows, error) {
		return tx.Query(ctx, digestQuery, pgx.NamedArgs{"today": s.today(), "after": after.Seconds()})
	})
}
