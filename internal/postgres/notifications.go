package postgres

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// NotificationService reads what notifications tell and whom (one method
// per kind of notice), records what was told and mailed, and keeps the
// mail rates. internal/notify composes and sends; the SQL is here.
type NotificationService struct{ pool *pgxpool.Pool }

// NewNotificationService returns the service over pool.
func NewNotificationService(pool *pgxpool.Pool) *NotificationService {
	return &NotificationService{pool: pool}
}

// Tx is a transaction a caller completes work in (river.JobCompleteTx).
type Tx = pgx.Tx

// Recipient is who a message goes to: a person (told under Händelser and
// by mail when they have an address) or only an address (a shared mailbox).
type Recipient struct {
	PersonID int64
	Name     string
	Email    string
}

func scanRecipient(r pgx.CollectableRow) (Recipient, error) {
	var x Recipient
	err := r.Scan(&x.PersonID, &x.Name, &x.Email)
	return x, err
}

// PeopleWithRoles returns the active people with one of the roles, in id
// order. The IT head's are joined by the ersättare who stands in today.
func (s *NotificationService) PeopleWithRoles(ctx context.Context, roles ...string) ([]Recipient, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT DISTINCT p.id, p.name, COALESCE(p.email, '') FROM people p JOIN person_roles r ON r.person_id = p.id
		WHERE p.active AND p.merged_into IS NULL AND (r.role = ANY($1)
		   OR ('it_head' = ANY($1) AND r.role = 'it_head_deputy' AND EXISTS (SELECT 1 FROM deputy_periods_in_force f
		       WHERE f.deputy_id = p.id AND current_date BETWEEN f.starts_on AND f.ends_on)))
		ORDER BY p.id`, roles)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, scanRecipient)
	return out, translate(err)
}

// Person returns the person when they are active.
func (s *NotificationService) Person(ctx context.Context, id int64) (Recipient, bool, error) {
	var x Recipient
	err := s.pool.QueryRow(ctx, `SELECT id, name, COALESCE(email, '') FROM people WHERE id = $1 AND active`, id).Scan(&x.PersonID, &x.Name, &x.Email)
	if errors.Is(err, pgx.ErrNoRows) {
		return x, false, nil
	}
	return x, err == nil, translate(err)
}

// Persons returns those of the people who are still active, in id order.
func (s *NotificationService) Persons(ctx context.Context, ids []int64) ([]Recipient, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, COALESCE(email, '') FROM people WHERE id = ANY($1) AND active ORDER BY id`, ids)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, scanRecipient)
	return out, translate(err)
}

// RoleChangeFacts is what a role change notice tells: the system and its
// new and previous administrator (the two latest periods).
type RoleChangeFacts struct {
	SystemName string
	Holders    []Recipient
}

// RoleChange reads the facts of a role change of the system; false when
// the system is gone.
func (s *NotificationService) RoleChange(ctx context.Context, systemID int64) (RoleChangeFacts, bool, error) {
	var f RoleChangeFacts
	if err := s.pool.QueryRow(ctx, `SELECT name FROM systems WHERE id = $1`, systemID).Scan(&f.SystemName); errors.Is(err, pgx.ErrNoRows) {
		return f, false, nil
	} else if err != nil {
		return f, false, translate(err)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT p.id, p.name, COALESCE(p.email, '') FROM role_assignments ra JOIN people p ON p.id = ra.person_id
		WHERE ra.system_id = $1 AND ra.role = 'administrator' AND p.active AND NOT isempty(ra.valid) ORDER BY lower(ra.valid) DESC LIMIT 2`, systemID)
	if err != nil {
		return f, false, translate(err)
	}
	f.Holders, err = pgx.CollectRows(rows, scanRecipient)
	return f, err == nil, translate(err)
}

// CaseFacts is what a notice about a case tells.
type CaseFacts struct {
	Number, Title, Kind, State string
	AuthorID                   int64
}

// Case reads a case; false when it is gone.
func (s *NotificationService) Case(ctx context.Context, id int64) (CaseFacts, bool, error) {
	var c CaseFacts
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(number, ''), title, kind, state, author_id FROM requests WHERE id = $1`, id).
		Scan(&c.Number, &c.Title, &c.Kind, &c.State, &c.AuthorID)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, false, nil
	}
	return c, err == nil, translate(err)
}

// VersionFacts is what a notice about a document version tells.
type VersionFacts struct {
	Title, Slug string
	Number      int
}

// DocumentVersion reads a version of a governing document; false when it
// is gone.
func (s *NotificationService) DocumentVersion(ctx context.Context, id int64) (VersionFacts, bool, error) {
	var v VersionFacts
	err := s.pool.QueryRow(ctx, `SELECT d.title, d.slug, v.number FROM document_versions v JOIN documents d ON d.id = v.document_id WHERE v.id = $1`, id).
		Scan(&v.Title, &v.Slug, &v.Number)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, false, nil
	}
	return v, err == nil, translate(err)
}

// StaffCount is how many active people have the manager.
func (s *NotificationService) StaffCount(ctx context.Context, managerID int64) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM people WHERE manager_id = $1 AND active`, managerID).Scan(&n)
	return n, translate(err)
}

// AnchorFacts is an anchor of the audit chain (R14).
type AnchorFacts struct {
	Seq  int64
	Hash []byte
	At   time.Time
}

// AuditAnchor reads an anchor; false when it is gone.
func (s *NotificationService) AuditAnchor(ctx context.Context, id int64) (AnchorFacts, bool, error) {
	var a AnchorFacts
	err := s.pool.QueryRow(ctx, `SELECT seq, hash, at FROM audit_anchors WHERE id = $1`, id).Scan(&a.Seq, &a.Hash, &a.At)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, false, nil
	}
	return a, err == nil, translate(err)
}

// EvaluationFacts is what an evaluation reminder tells.
type EvaluationFacts struct {
	SystemName string
	Due        time.Time
}

// EvaluationDue reads a system's name and evaluation due date; false when
// the system is gone or has none.
func (s *NotificationService) EvaluationDue(ctx context.Context, systemID int64) (EvaluationFacts, bool, error) {
	var e EvaluationFacts
	err := s.pool.QueryRow(ctx, `SELECT s.name, ed.due_on FROM systems s JOIN evaluation_due ed ON ed.system_id = s.id WHERE s.id = $1`, systemID).
		Scan(&e.SystemName, &e.Due)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, false, nil
	}
	return e, err == nil, translate(err)
}

// Told is a person's row under Händelser.
type Told struct {
	PersonID      int64
	Subject, Link string
}

// recordTold writes everyone's Händelser row (once per job and person) and
// returns which of the mail keys were already handed to the server.
const recordTold = `
	WITH told AS (
		INSERT INTO notifications (person_id, job_id, subject, link)
		SELECT t.id, $2, t.subject, t.link FROM unnest($1::bigint[], $3::text[], $4::text[]) AS t(id, subject, link)
		ON CONFLICT (job_id, person_id) DO NOTHING)
	SELECT idempotency_key FROM mail_log WHERE idempotency_key = ANY($5)`

// RecordTold writes the job's Händelser rows and reports which of keys
// mail_log already holds, in one round trip for the whole job.
func (s *NotificationService) RecordTold(ctx context.Context, jobID int64, told []Told, keys []string) (map[string]bool, error) {
	ids := make([]int64, len(told))
	subjects := make([]string, len(told))
	links := make([]string, len(told))
	for i, t := range told {
		ids[i], subjects[i], links[i] = t.PersonID, t.Subject, t.Link
	}
	rows, err := s.pool.Query(ctx, recordTold, ids, jobID, subjects, links, keys)
	if err != nil {
		return nil, translate(err)
	}
	done, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, translate(err)
	}
	sent := make(map[string]bool, len(done))
	for _, k := range done {
		sent[k] = true
	}
	return sent, nil
}

// RecordMail notes that the mail under key was handed to the server.
func (s *NotificationService) RecordMail(ctx context.Context, key string, jobID int64, recipient, subject string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO mail_log (idempotency_key, job_id, recipient, subject) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, key, jobID, recipient, subject)
	return translate(err)
}

// Outbox keeps a mail in the database (no mail server configured).
func (s *NotificationService) Outbox(ctx context.Context, recipient, subject, text, html string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO mail_outbox (recipient, subject, text_body, html_body) VALUES ($1, $2, $3, $4)`,
		recipient, subject, text, html)
	return translate(err)
}

// Rate is a token bucket: Burst tokens at most, refilled at PerSecond.
type Rate struct {
	PerSecond float64
	Burst     float64
}

// takeToken takes one token from the bucket under the row's lock, after
// refilling it for the time since it was last touched. The bucket may go
// into debt by what is refilled within $4 seconds: a taker then holds the
// token that comes next (it returns the bucket's level below zero, the
// wait before it may use it), so those who wait are served in the order
// they came and a newcomer cannot take a refilled token ahead of them. No
// row comes back when the token would come later than that (nothing is
// taken). clock_timestamp(), not now(): a statement that waited for the
// lock counts from when it got it.
const takeToken = `
	INSERT INTO mail_rate_buckets AS b (key, tokens, updated_at) VALUES ($1, $3::float8 - 1, clock_timestamp())
	ON CONFLICT (key) DO UPDATE
		SET tokens = LEAST($3::float8, b.tokens + GREATEST(EXTRACT(epoch FROM clock_timestamp() - b.updated_at)::float8, 0) * $2::float8) - 1,
		    updated_at = clock_timestamp()
		WHERE LEAST($3::float8, b.tokens + GREATEST(EXTRACT(epoch FROM clock_timestamp() - b.updated_at)::float8, 0) * $2::float8) >= 1 - $4::float8 * $2::float8
	RETURNING tokens`

// tokenWait is how long until a token could be held (the bucket's debt
// allowed for $4 seconds ahead).
const tokenWait = `
	SELECT GREATEST(1 - $4::float8 * $2::float8 - LEAST($3::float8, tokens + GREATEST(EXTRACT(epoch FROM clock_timestamp() - updated_at)::float8, 0) * $2::float8), 0) / $2::float8
	FROM mail_rate_buckets WHERE key = $1`

// TakeToken takes a token from the bucket key (a row shared by every
// process). It returns held=true and how long to wait before using the
// token when the token comes within ahead (0: only a token there now);
// otherwise held=false and how long until one could be held (nothing is
// taken then).
func (s *NotificationService) TakeToken(ctx context.Context, key string, r Rate, ahead time.Duration) (held bool, wait time.Duration, err error) {
	return takeTokenOn(ctx, s.pool, key, r, ahead)
}

type rowQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func takeTokenOn(ctx context.Context, q rowQuerier, key string, r Rate, ahead time.Duration) (bool, time.Duration, error) {
	if r.PerSecond <= 0 {
		return false, 0, errors.New("rate: no tokens per second")
	}
	burst := math.Max(r.Burst, 1)
	aheadSecs := max(ahead.Seconds(), 0)
	var left float64
	err := q.QueryRow(ctx, takeToken, key, r.PerSecond, burst, aheadSecs).Scan(&left)
	if err == nil {
		if left >= 0 {
			return true, 0, nil
		}
		return true, time.Duration(-left / r.PerSecond * float64(time.Second)), nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return false, 0, translate(err)
	}
	var secs float64
	if err := q.QueryRow(ctx, tokenWait, key, r.PerSecond, burst, aheadSecs).Scan(&secs); err != nil {
		return false, 0, translate(err)
	}
	// At least a millisecond: a caller that waits comes back to a token.
	return false, max(time.Duration(secs*float64(time.Second)), time.Millisecond), nil
}

// Comment is a comment on a case, as a notice lists it.
type Comment struct {
	ID     int64
	Author string
	At     time.Time
	Text   string
}

// CommentClaim is the comments one run of a job tells: those after From
// up to To. With Wait set it tells nothing yet: the job comes back then
// (the first comment is younger than the window, the person's rate has no
// token, or another job is telling this case's comments).
type CommentClaim struct {
	Comments []Comment
	From, To int64
	Wait     time.Duration
}

// commentSide selects the comments told to audience $3 of case $1 after
// request_events id $2: the requester's own comments go to IT-enheten,
// everyone else's to the requester.
const commentSide = `
	FROM request_events e JOIN requests r ON r.id = e.request_id
	WHERE e.request_id = $1 AND e.event = 'comment' AND e.id > $2
	  AND (($3::text = 'it_unit') = (e.actor_id IS NOT DISTINCT FROM r.author_id))`

const lockCommentNotice = `
	SELECT n.told_up_to, n.claim_job, COALESCE(n.claim_from, 0), COALESCE(n.claim_to, 0),
	       n.claim_job IS NOT NULL AND n.claim_job <> $3 AND EXISTS (
	           SELECT 1 FROM river_job j WHERE j.id = n.claim_job AND j.state IN ('available', 'running', 'retryable', 'scheduled', 'pending'))
	FROM case_comment_notices n WHERE n.request_id = $1 AND n.audience = $2 FOR UPDATE`

// moreComments reports whether comments for audience $2 of case $1 wait
// to be told.
const moreComments = `SELECT EXISTS (SELECT 1 FROM request_events e JOIN requests r ON r.id = e.request_id
	WHERE e.request_id = $1 AND e.event = 'comment'
	  AND e.id > COALESCE((SELECT told_up_to FROM case_comment_notices WHERE request_id = $1 AND audience = $2), 0)
	  AND (($2::text = 'it_unit') = (e.actor_id IS NOT DISTINCT FROM r.author_id)))`

const listComments = `SELECT e.id, COALESCE((SELECT p.name FROM people p WHERE p.id = e.actor_id), ''), e.at, e.comment` + commentSide + ` AND e.id <= $4 ORDER BY e.id`

// ClaimComments claims, for job jobID, the comments on the case not yet
// told to audience: all of them once the first is window old and rate
// (keyed rateKey, the person whose case it is) has a token. A job retried
// after a failed run gets the comments it claimed before, and no others.
func (s *NotificationService) ClaimComments(ctx context.Context, jobID, caseID int64, audience string, window time.Duration, rateKey string, rate Rate) (CommentClaim, error) {
	var c CommentClaim
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO case_comment_notices (request_id, audience) VALUES ($1, $2) ON CONFLICT DO NOTHING`, caseID, audience); err != nil {
			return translate(err)
		}
		var told int64
		var claimJob *int64
		var held bool
		if err := tx.QueryRow(ctx, lockCommentNotice, caseID, audience, jobID).Scan(&told, &claimJob, &c.From, &c.To, &held); err != nil {
			return translate(err)
		}
		switch {
		case held:
			// Another job is telling them (a duplicate from an upgrade).
			c.Wait = max(window, time.Second)
			return nil
		case claimJob == nil:
			var ageSecs float64
			var last *int64
			if err := tx.QueryRow(ctx, `SELECT COALESCE(EXTRACT(epoch FROM now() - min(e.at))::float8, 0), max(e.id)`+commentSide, caseID, told, audience).Scan(&ageSecs, &last); err != nil {
				return translate(err)
			}
			if last == nil {
				return nil
			}
			age := time.Duration(ageSecs * float64(time.Second))
			if age < window {
				c.Wait = window - age
				return nil
			}
			got, wait, err := takeTokenOn(ctx, tx, rateKey, rate, 0)
			if err != nil {
				return err
			}
			if !got {
				c.Wait = wait
				return nil
			}
			c.From, c.To = told, *last
		}
		// A claim of this job's (a retry), of one that is gone, or new.
		if _, err := tx.Exec(ctx, `UPDATE case_comment_notices SET claim_job = $3, claim_from = $4, claim_to = $5 WHERE request_id = $1 AND audience = $2`,
			caseID, audience, jobID, c.From, c.To); err != nil {
			return translate(err)
		}
		rows, err := tx.Query(ctx, listComments, caseID, c.From, audience, c.To)
		if err != nil {
			return translate(err)
		}
		c.Comments, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Comment, error) {
			var x Comment
			err := r.Scan(&x.ID, &x.Author, &x.At, &x.Text)
			return x, err
		})
		return translate(err)
	})
	return c, err
}

// FinishComments records that job jobID told audience the comments up to
// upTo (0: it told none) and, when no comment came in since, completes the
// job through complete in the same transaction (river.JobCompleteTx). A
// comment whose own job was skipped as a duplicate of this one (it was
// still running) is then either seen here or, when it commits later,
// finds this job completed and gets a job of its own. more reports that
// comments are waiting and the job was not completed: it should come back.
func (s *NotificationService) FinishComments(ctx context.Context, jobID, caseID int64, audience string, upTo int64, complete func(pgx.Tx) error) (more bool, err error) {
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if upTo > 0 {
			if _, err := tx.Exec(ctx, `
				UPDATE case_comment_notices SET told_up_to = GREATEST(told_up_to, $4), claim_job = NULL, claim_from = NULL, claim_to = NULL
				WHERE request_id = $1 AND audience = $2 AND claim_job = $3`, caseID, audience, jobID, upTo); err != nil {
				return translate(err)
			}
		}
		sp, err := tx.Begin(ctx)
		if err != nil {
			return translate(err)
		}
		// The job's row is locked first: a comment that is inserting its
		// duplicate job has it, and is waited for (then seen below).
		if err := complete(sp); err != nil {
			_ = sp.Rollback(ctx)
			return err
		}
		if err := sp.QueryRow(ctx, moreComments, caseID, audience).Scan(&more); err != nil {
			_ = sp.Rollback(ctx)
			return translate(err)
		}
		if more {
			return translate(sp.Rollback(ctx))
		}
		return translate(sp.Commit(ctx))
	})
	return more, err
}
