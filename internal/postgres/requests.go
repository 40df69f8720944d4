package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
)

// RequestService keeps the cases (ärenden): drafts, submission with a case
// number, the flow through handling to a decision, comments, attachments
// and the diarienummer. Every check of who may do what is made here, inside
// the transaction that acts.
type RequestService struct {
	pool    *pgxpool.Pool
	enqueue Enqueuer
	keep    breachKeeper
}

// NewRequestService returns the service over pool. enqueue may be nil in
// tools that send no notifications; official is the municipality's
// official web address (ITPORTAL_OFFICIAL_WEB_ADDRESS), which the
// compliance checks of a decided case's system use.
func NewRequestService(pool *pgxpool.Pool, enqueue Enqueuer, official string) *RequestService {
	return &RequestService{pool: pool, enqueue: enqueue, keep: breachKeeper{official: official}}
}

// Request is one case as stored.
type Request struct {
	ID             int64
	Kind           portal.RequestKind
	State          portal.RequestState
	AuthorID       int64
	AuthorName     string
	AuthorIsITHead bool
	DepartmentName string
	Fields         portal.RequestFields
	Number         string // empty for a draft
	Diarienummer   string
	SubmittedAt    *time.Time
	DecidedAt      *time.Time
	DecidedByName  string
	DecidedAs      string // the decider's capacity: portal.ActingAsDeputy, or ""
	Motivation     string
	// CompletionFields are the fields asked for while a komplettering is
	// open: the only ones the answer may change.
	CompletionFields []string
	// AssigneeID is the case's handläggare (0 when nobody has taken it).
	AssigneeID   int64
	AssigneeName string
	RowVersion   int
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// PlatformNeeds are the catalogue's entries for the components an
	// introduction or upgrade names, as they stand (read by Get).
	PlatformNeeds []portal.PlatformNeed
	// PlatformExceptions are the exceptions its decision granted.
	PlatformExceptions []PlatformException
}

// RequestEvent is one entry of a case's timeline.
type RequestEvent struct {
	ID        int64
	At        time.Time
	ActorName string
	Event     string // transition, comment, attachment, diarienummer
	From      portal.RequestState
	To        portal.RequestState
	Comment   string
	Fields    []string // a komplettering asked for: the fields asked
	Field     string   // a change: the field changed, with its values as shown
	OldValue  string
	NewValue  string
	ActingAs  string // a decision's capacity (portal.ActingAsLabel)
}

// AttachmentInfo describes an attachment without its content.
type AttachmentInfo struct {
	ID          int64
	FileName    string
	ContentType string
	Size        int
	UploadedBy  string
	UploadedAt  time.Time
}

// RequestView is a case as one person may see it, with what they may do.
type RequestView struct {
	Request
	Events             []RequestEvent
	Attachments        []AttachmentInfo
	AttachmentCount    int
	CanOpenFiles       bool
	CanAttach          bool
	CanEdit            bool // the author's draft
	CanComment         bool
	CanDecide          bool
	DecideRefusal      string // why the actor may not decide, for those who prepare
	Actions            []portal.RequestAction
	FinancingBlocks    bool // approval impossible: financing not confirmed (R5)
	IsAuthor           bool
	IsPreparer         bool
	CanSetDiarienummer bool
	CanAssign          bool // the actor may take the case as its handläggare (or take it over)
	CanRelease         bool // the actor is the handläggare and may release it
	// Completion is the open komplettering: IT-enheten's question.
	Completion *CompletionQuestion
}

// CompletionQuestion is what IT-enheten asked for in an open komplettering.
type CompletionQuestion struct {
	At      time.Time
	By      string
	Message string
	Fields  []string
}

const requestColumns = `r.id, r.kind, r.state, r.author_id, a.name, EXISTS (SELECT 1 FROM person_roles pr WHERE pr.person_id = r.author_id AND pr.role = 'it_head'),
	COALESCE(r.department_id, 0), COALESCE(d.name, ''), r.title, r.description, r.contact, r.desired_date,
	r.financing_source, r.financing_confirmed, r.financing_reference, r.financing_decided_by, r.financing_decided_on,
	COALESCE(r.system_id, 0), COALESCE(s.name, ''), r.details,
	COALESCE(r.number, ''), r.diarienummer, r.submitted_at, r.decided_at, COALESCE(dp.name, ''), r.decision_motivation,
	r.completion_fields, r.row_version, r.created_at, r.updated_at,
	COALESCE((SELECT de.acting_as FROM request_events de WHERE de.request_id = r.id AND de.acting_as <> '' LIMIT 1), ''),
	COALESCE(r.assignee_id, 0), COALESCE((SELECT h.name FROM people h WHERE h.id = r.assignee_id), '')`

const requestFrom = `
	FROM requests r
	JOIN people a ON a.id = r.author_id
	LEFT JOIN departments d ON d.id = r.department_id
	LEFT JOIN systems s ON s.id = r.system_id
	LEFT JOIN people dp ON dp.id = r.decided_by`

func scanRequest(row pgx.Row) (Request, error) {
	var r Request
	f := &r.Fields
	err := row.Scan(&r.ID, &r.Kind, &r.State, &r.AuthorID, &r.AuthorName, &r.AuthorIsITHead,
		&f.DepartmentID, &r.DepartmentName, &f.Title, &f.Description, &f.Contact, &f.DesiredDate,
		&f.FinancingSource, &f.FinancingConfirmed, &f.FinancingReference, &f.FinancingDecidedBy, &f.FinancingDecidedOn,
		&f.SystemID, &f.SystemName, &f.Details,
		&r.Number, &r.Diarienummer, &r.SubmittedAt, &r.DecidedAt, &r.DecidedByName, &r.Motivation,
		&r.CompletionFields, &r.RowVersion, &r.CreatedAt, &r.UpdatedAt, &r.DecidedAs, &r.AssigneeID, &r.AssigneeName)
	return r, err
}

// load reads a case, locking it for the transaction's change when lock.
func loadRequest(ctx context.Context, tx pgx.Tx, id int64, lock bool) (Request, error) {
	var row pgx.Row
	if lock {
		row = tx.QueryRow(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.id = $1 FOR UPDATE OF r`, id)
	} else {
		row = tx.QueryRow(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.id = $1`, id)
	}
	r, err := scanRequest(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, portal.NotFound("Ärendet finns inte.")
	}
	return r, translate(err)
}

// lockVisible loads a case under a row lock, for a change by actor, who
// must be able to see it.
func lockVisible(ctx context.Context, tx pgx.Tx, actor *portal.Actor, id int64) (Request, error) {
	r, err := loadRequest(ctx, tx, id, true)
	if err != nil {
		return r, err
	}
	return r, portal.CanSeeCase(actor, r.State, r.AuthorID)
}

// resolveSystem finds the system a case names, by name (case-insensitive).
func resolveSystem(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, f *portal.RequestFields, errs map[string]string) error {
	f.SystemID = 0
	if f.SystemName == "" {
		return nil
	}
	var name string
	err := q.QueryRow(ctx, `SELECT id, name FROM systems WHERE lower(name) = lower($1)`, f.SystemName).Scan(&f.SystemID, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		errs["system_name"] = "Det finns inget system med det namnet i registret."
		return nil
	}
	if err != nil {
		return translate(err)
	}
	f.SystemName = name
	return nil
}

// speaksFor adds a field error when the actor may not file a case for the
// department chosen (portal.CanSpeakFor), reading who owns and who
// administers the system the case names in the caller's transaction.
func speaksFor(ctx context.Context, tx pgx.Tx, actor *portal.Actor, f portal.RequestFields, errs map[string]string) error {
	if f.DepartmentID == 0 || errs["department"] != "" {
		return nil
	}
	var owner int64
	var administers bool
	if f.SystemID != 0 {
		if err := tx.QueryRow(ctx, `
			SELECT COALESCE((SELECT department_id FROM role_assignments WHERE system_id = $1 AND role = 'owner' AND valid @> current_date), 0),
			       EXISTS (SELECT 1 FROM role_assignments WHERE system_id = $1 AND role = 'administrator' AND person_id = $2 AND valid @> current_date)`,
			f.SystemID, actor.PersonID).Scan(&owner, &administers); err != nil {
			return translate(err)
		}
	}
	if err := portal.CanSpeakFor(actor, f.DepartmentID, owner, administers); err != nil {
		var pe *portal.Error
		if !errors.As(err, &pe) || pe.Kind != portal.KindInvalid {
			return err
		}
		for k, v := range pe.Fields {
			errs[k] = v
		}
	}
	return nil
}

// SaveDraft creates (id 0) or updates the author's draft. A draft needs a
// title; whatever else it holds is checked as it is saved.
func (s *RequestService) SaveDraft(ctx context.Context, actor *portal.Actor, id int64, kind portal.RequestKind, expectedVersion int, f portal.RequestFields, correlationID string) (_ int64, err error) {
	defer wrap(&err, "save draft (case %d)", id)
	if actor == nil {
		return 0, portal.Forbidden("Logga in.")
	}
	if !kind.Valid() {
		return 0, portal.Invalid("Välj vilken sorts ärende det är.", map[string]string{"kind": "Välj vilken sorts ärende det är."})
	}
	var saved int64
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if id != 0 {
			cur, err := lockVisible(ctx, tx, actor, id)
			if err != nil {
				return err
			}
			if cur.AuthorID != actor.PersonID {
				return portal.Forbidden("Bara den som skrev ärendet kan ändra det.")
			}
			if cur.State != portal.StateDraft {
				return portal.Conflict("Ärendet är inskickat och kan inte längre ändras. Skriv en kommentar i stället.")
			}
			if expectedVersion != cur.RowVersion {
				return portal.Conflict("Utkastet har ändrats i en annan flik sedan du öppnade det. Ladda om sidan.")
			}
			kind = cur.Kind
		}
		errs := f.Validate(kind, false)
		if err := resolveSystem(ctx, tx, &f, errs); err != nil {
			return err
		}
		if err := checkPlatformFields(ctx, tx, kind, f, errs); err != nil {
			return err
		}
		if f.DepartmentID != 0 {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM departments WHERE id = $1 AND active)`, f.DepartmentID).Scan(&ok); err != nil {
				return translate(err)
			}
			if !ok {
				errs["department"] = "Välj förvaltning."
			}
		}
		if err := speaksFor(ctx, tx, actor, f, errs); err != nil {
			return err
		}
		if len(errs) > 0 {
			return portal.Invalid("Uppgifterna behöver rättas.", errs)
		}
		args := []any{string(kind), actor.PersonID, nullID(f.DepartmentID), f.Title, f.Description, f.Contact, datePtr(f.DesiredDate),
			f.FinancingSource, f.FinancingConfirmed, f.FinancingReference, nullID(f.SystemID), f.Details,
			f.FinancingDecidedBy, datePtr(f.FinancingDecidedOn)}
		if id == 0 {
			err := tx.QueryRow(ctx, `
				INSERT INTO requests (kind, author_id, department_id, title, description, contact, desired_date,
					financing_source, financing_confirmed, financing_reference, system_id, details,
					financing_decided_by, financing_decided_on)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`, args...).Scan(&id)
			if err != nil {
				return translate(err)
			}
		} else {
			_, err := tx.Exec(ctx, `
				UPDATE requests SET department_id = $3, title = $4, description = $5, contact = $6, desired_date = $7,
					financing_source = $8, financing_confirmed = $9, financing_reference = $10, system_id = $11, details = $12,
					financing_decided_by = $13, financing_decided_on = $14, row_version = row_version + 1, updated_at = now()
				WHERE id = $15 AND kind = $1 AND author_id = $2`, append(args, id)...)
			if err != nil {
				return translate(err)
			}
		}
		saved = id
		return nil
	})
	return saved, err
}

// DeleteDraft is not offered: a draft is the author's own and harmless; it
// never becomes a record unless submitted.

// Submit sends the author's draft: every field the kind needs is checked,
// the case gets its number IT {year}/{nnnn} (gapless per year: the
// counter row is taken in this transaction), and IT-enheten (and the IT
// head for their kinds) is notified.
func (s *RequestService) Submit(ctx context.Context, actor *portal.Actor, id int64, correlationID string) (_ string, err error) {
	defer wrap(&err, "submit case %d", id)
	var caseNumber string
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := lockVisible(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if r.AuthorID != actor.PersonID {
			return portal.Forbidden("Bara den som skrev ärendet kan skicka in det.")
		}
		t, err := portal.Step(r.Kind, r.State, portal.ActionSubmit)
		if err != nil {
			return err
		}
		f := r.Fields
		errs := f.Validate(r.Kind, true)
		if err := resolveSystem(ctx, tx, &f, errs); err != nil {
			return err
		}
		if err := checkPlatformFields(ctx, tx, r.Kind, f, errs); err != nil {
			return err
		}
		if err := speaksFor(ctx, tx, actor, f, errs); err != nil {
			return err
		}
		if r.Kind == portal.KindOperationsChange && f.SystemID != 0 && errs["department"] == "" {
			var owner int64
			if err := tx.QueryRow(ctx, `SELECT COALESCE((SELECT department_id FROM role_assignments WHERE system_id = $1 AND role = 'owner' AND valid @> current_date), 0)`, f.SystemID).Scan(&owner); err != nil {
				return translate(err)
			}
			if owner != f.DepartmentID {
				errs["department"] = "En driftförändring anmäls av den förvaltning som äger systemet."
			}
		}
		if len(errs) > 0 {
			return portal.Invalid("Ärendet behöver kompletteras innan det kan skickas in.", errs)
		}
		year := portal.Today().Year()
		var seq int
		if err := tx.QueryRow(ctx, `
			INSERT INTO request_numbers (year, last) VALUES ($1, 1)
			ON CONFLICT (year) DO UPDATE SET last = request_numbers.last + 1
			RETURNING last`, year).Scan(&seq); err != nil {
			return translate(err)
		}
		var number string
		if err := tx.QueryRow(ctx, `
			UPDATE requests SET state = $2, number_year = $3, number_seq = $4, submitted_at = now(),
				row_version = row_version + 1, updated_at = now()
			WHERE id = $1 RETURNING number`, id, string(t.To), year, seq).Scan(&number); err != nil {
			return translate(err)
		}
		if err := s.event(ctx, tx, actor, id, t, ""); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "request.submitted", ObjectType: "request",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID,
			Changes: map[string]any{"number": number, "kind": string(r.Kind), "state": map[string]any{"before": string(r.State), "after": string(t.To)}}}); err != nil {
			return err
		}
		audience := []string{"it_unit"}
		if r.Kind.DecidedByITHead() {
			audience = append(audience, "it_head")
			if r.AuthorIsITHead {
				audience = append(audience, "it_head_deputy")
			}
		}
		if err := s.notify(ctx, tx, jobargs.StepSubmitted, id, audience...); err != nil {
			return err
		}
		caseNumber = number
		return nil
	})
	return caseNumber, err
}

// Act takes a step of the flow that is not a decision: take up, ask for
// completion, answer it, withdraw. comment is the message that goes with it
// (required when asking for and when answering a completion). A
// komplettering asked for here names no fields (AskCompletion does); one
// answered here changes none (AnswerCompletion does).
func (s *RequestService) Act(ctx context.Context, actor *portal.Actor, id int64, action portal.RequestAction, comment, correlationID string) (err error) {
	if action == portal.ActionAnswerCompletion {
		return s.AnswerCompletion(ctx, actor, id, nil, comment, correlationID)
	}
	defer wrap(&err, "act on case %d (%s)", id, action)
	return s.act(ctx, actor, id, action, comment, correlationID, nil, nil)
}

// AskCompletion asks the requester of a submitted case to complete it:
// items are what IT-enheten ticked (portal.CompletionItemsOf: fields of the
// case, or the financing as a whole), the fields the answer may change;
// comment says what is missing and is required.
func (s *RequestService) AskCompletion(ctx context.Context, actor *portal.Actor, id int64, items []string, comment, correlationID string) (err error) {
	defer wrap(&err, "ask for completion of case %d", id)
	return s.act(ctx, actor, id, portal.ActionRequestCompletion, comment, correlationID, items, nil)
}

// AnswerCompletion is the requester's answer to a komplettering: the asked
// fields given in values change (portal.AnswerCompletion; a field that was
// not asked is refused, and nothing changes), each change is kept in the
// timeline with its earlier value, and the case goes back to IT-enheten
// under handling. comment is required when nothing changed.
func (s *RequestService) AnswerCompletion(ctx context.Context, actor *portal.Actor, id int64, values url.Values, comment, correlationID string) (err error) {
	defer wrap(&err, "answer the completion of case %d", id)
	if values == nil {
		values = url.Values{}
	}
	return s.act(ctx, actor, id, portal.ActionAnswerCompletion, comment, correlationID, nil, values)
}

func (s *RequestService) act(ctx context.Context, actor *portal.Actor, id int64, action portal.RequestAction, comment, correlationID string, items []string, values url.Values) error {
	comment = strings.TrimSpace(comment)
	switch {
	case strings.ContainsRune(comment, 0):
		return portal.Invalid("Texten innehåller otillåtna tecken.", map[string]string{"comment": "Texten innehåller otillåtna tecken."})
	case len([]rune(comment)) > 10000:
		return portal.Invalid("Högst 10 000 tecken.", map[string]string{"comment": "Högst 10 000 tecken."})
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := lockVisible(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if r.AuthorID != actor.PersonID && !portal.IsPreparer(actor) {
			return portal.Forbidden("Bara den som skickade in ärendet och IT-enheten kan göra det.")
		}
		t, err := portal.Step(r.Kind, r.State, action)
		if err != nil {
			return err
		}
		switch t.By {
		case portal.PartyRequester:
			if r.AuthorID != actor.PersonID {
				return portal.Forbidden("Bara den som skickade in ärendet kan göra det.")
			}
		case portal.PartyPreparer:
			if !portal.IsPreparer(actor) {
				return portal.Forbidden("Bara IT-enheten handlägger ärenden.")
			}
			if r.AuthorID == actor.PersonID {
				return portal.Forbidden("Du kan inte handlägga ett ärende som du själv har skickat in.")
			}
		default:
			return portal.Forbidden("Beslut fattas med beslutsknappen.")
		}
		asked := []string{} // the fields the question asks for
		if action == portal.ActionRequestCompletion {
			if asked, err = portal.CompletionFields(r.Kind, items); err != nil {
				return err
			}
		}
		next, changes := r.Fields, []portal.FieldChange(nil)
		if action == portal.ActionAnswerCompletion {
			if next, changes, err = portal.AnswerCompletion(r.Kind, r.CompletionFields, r.Fields, values); err != nil {
				return err
			}
			if slices.Contains(r.CompletionFields, "system_name") {
				errs := map[string]string{}
				if err := resolveSystem(ctx, tx, &next, errs); err != nil {
					return err
				}
				if len(errs) > 0 {
					return portal.Invalid("Kompletteringen behöver rättas.", errs)
				}
			}
		}
		switch {
		case comment != "" || len(changes) > 0:
		case action == portal.ActionRequestCompletion:
			return portal.Invalid("Skriv vad som behöver kompletteras.", map[string]string{"comment": "Skriv vad som behöver kompletteras."})
		case action == portal.ActionAnswerCompletion && len(r.CompletionFields) > 0:
			msg := "Ändra de uppgifter som IT-enheten har begärt, eller skriv varför de inte ändras."
			return portal.Invalid(msg, map[string]string{"comment": msg})
		case action == portal.ActionAnswerCompletion:
			return portal.Invalid("Skriv din komplettering.", map[string]string{"comment": "Skriv din komplettering."})
		}
		if len(changes) > 0 {
			// The answer's changes, in the step back to handling: the only
			// update of a submitted case's content the table allows.
			f := next
			if _, err := tx.Exec(ctx, `
				UPDATE requests SET state = $2, completion_fields = '{}', title = $3, description = $4, contact = $5, desired_date = $6,
					financing_source = $7, financing_confirmed = $8, financing_reference = $9, financing_decided_by = $10,
					financing_decided_on = $11, details = $12, system_id = $13, row_version = row_version + 1, updated_at = now()
				WHERE id = $1`, id, string(t.To), f.Title, f.Description, f.Contact, datePtr(f.DesiredDate),
				f.FinancingSource, f.FinancingConfirmed, f.FinancingReference, f.FinancingDecidedBy, datePtr(f.FinancingDecidedOn),
				f.Details, nullID(f.SystemID)); err != nil {
				return translate(err)
			}
		} else if _, err := tx.Exec(ctx, `UPDATE requests SET state = $2, completion_fields = $3, row_version = row_version + 1, updated_at = now() WHERE id = $1`,
			id, string(t.To), asked); err != nil {
			return translate(err)
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO request_events (request_id, actor_id, event, from_state, to_state, comment, fields)
			VALUES ($1, $2, 'transition', $3, $4, $5, $6)`, id, actor.PersonID, string(t.From), string(t.To), comment, asked); err != nil {
			return translate(err)
		}
		audit := map[string]any{"state": map[string]any{"before": string(r.State), "after": string(t.To)}}
		if len(asked) > 0 {
			audit["fields_asked"] = asked
		}
		for _, c := range changes {
			if _, err := tx.Exec(ctx, `
				INSERT INTO request_events (request_id, actor_id, event, field, old_value, new_value)
				VALUES ($1, $2, 'change', $3, $4, $5)`, id, actor.PersonID, c.Field, c.Before, c.After); err != nil {
				return translate(err)
			}
			audit[c.Field] = map[string]any{"before": c.Before, "after": c.After}
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "request." + string(action), ObjectType: "request",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: audit}); err != nil {
			return err
		}
		// The requester hears of every change; IT-enheten of the answers.
		audience := []string{"requester"}
		if t.By == portal.PartyRequester {
			audience = []string{"it_unit"}
			if r.Kind.DecidedByITHead() {
				audience = append(audience, "it_head")
			}
		}
		if err := s.notify(ctx, tx, jobargs.StepOfAction(string(action)), id, audience...); err != nil {
			return err
		}
		return nil
	})
}

// Decide grants or rejects a case, or acknowledges an operations change,
// once (R8). The row lock makes a second decider wait and then see the
// first decision; the unique index on decision events makes two decisions
// impossible even if the pages were wrong. A granted case changes the
// register in the same transaction.
func (s *RequestService) Decide(ctx context.Context, actor *portal.Actor, id int64, action portal.RequestAction, motivation, correlationID string) (err error) {
	return s.DecideWith(ctx, actor, id, action, motivation, nil, correlationID)
}

// DecideWith is Decide with the exceptions the decider grants (reasons by
// platform component id, §4.5): a grant of an introduction or upgrade that
// needs components that are not standard is refused unless each has one,
// and they are recorded with the decision.
func (s *RequestService) DecideWith(ctx context.Context, actor *portal.Actor, id int64, action portal.RequestAction, motivation string, exceptions map[int64]string, correlationID string) (err error) {
	defer wrap(&err, "decide case %d", id)
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := lockVisible(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if r.DecidedAt != nil {
			// Read the decider anew: a row locked after waiting for another
			// transaction is current, but the rows joined to it may not be.
			if err := tx.QueryRow(ctx, `SELECT p.name, r.decided_at FROM requests r JOIN people p ON p.id = r.decided_by WHERE r.id = $1`, id).Scan(&r.DecidedByName, &r.DecidedAt); err != nil {
				return translate(err)
			}
			return portal.AlreadyDecided(r.DecidedByName, r.DecidedAt)
		}
		// The deputy's stand-in period as it stands on the decision's day.
		actor, period, err := standingIn(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := portal.CanDecide(actor, r.Kind, r.AuthorID, r.AuthorIsITHead); err != nil {
			return err
		}
		t, motivation, err := portal.CheckDecision(r.Kind, r.State, action, motivation, r.Fields)
		if err != nil {
			return err
		}
		granted, err := grantExceptions(ctx, tx, actor, r, action, exceptions)
		if err != nil {
			return err
		}
		systemID, err := s.applyDecision(ctx, tx, actor, r, action, correlationID)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `
			UPDATE requests SET state = $2, decided_at = now(), decided_by = $3, decision_motivation = $4,
				system_id = COALESCE($5, system_id), row_version = row_version + 1, updated_at = now()
			WHERE id = $1 AND decided_at IS NULL`, id, string(t.To), actor.PersonID, motivation, nullID(systemID))
		if err != nil {
			return translate(err)
		}
		if tag.RowsAffected() != 1 {
			return portal.Conflict("Ärendet beslutades redan.")
		}
		actingAs, period := decisionCapacity(actor, r, period)
		if err := s.decisionEvent(ctx, tx, actor, id, t, motivation, actingAs, period); err != nil {
			if isUniqueViolation(err) {
				return portal.Conflict("Ärendet beslutades redan.")
			}
			return err
		}
		changes := map[string]any{"state": map[string]any{"before": string(r.State), "after": string(t.To)}, "number": r.Number, "motivation": motivation}
		if systemID != 0 {
			changes["system_id"] = systemID
		}
		if actingAs != "" {
			changes["acting_as"], changes["deputy_period_id"] = actingAs, period
		}
		if len(granted) > 0 {
			changes["platform_exceptions"] = granted
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "request.decided", ObjectType: "request",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: changes}); err != nil {
			return err
		}
		audience := []string{"requester"}
		if r.Kind == portal.KindSupplierIncident {
			audience = append(audience, jobargs.AudienceAffectedSystems) // closed: those hit are told too
		}
		if err := s.notify(ctx, tx, jobargs.StepDecided, id, audience...); err != nil {
			return err
		}
		// The case's own checks, and its system's (a granted case changes what
		// R4, R6 and R7 find; its effects may change the register).
		// Its effects may also have recorded a new administrator, perhaps a
		// person new to the portal, who must then acknowledge what everyone
		// must.
		sc := Scope{Cases: []int64{id}}
		for _, sys := range []int64{systemID, r.Fields.SystemID} {
			if sys != 0 && !slices.Contains(sc.Systems, sys) {
				sc.Systems = append(sc.Systems, sys)
			}
		}
		if len(sc.Systems) > 0 {
			rows, err := tx.Query(ctx, `SELECT DISTINCT person_id FROM role_assignments WHERE system_id = ANY($1) AND person_id IS NOT NULL ORDER BY 1`, sc.Systems)
			if err != nil {
				return translate(err)
			}
			if sc.People, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
				return translate(err)
			}
		}
		if err := s.keep.refresh(ctx, tx, sc); err != nil {
			return err
		}
		return nil
	})
	return err
}

// applyDecision changes the register as a decision says: a granted
// införande creates the system (Planerad, owned by the department, with the
// proposed administrator); a granted upgrade records the new version; a
// granted open-source or self-developed case sets the system's flag; an
// acknowledged operations change hands the role over from its date. It
// returns the system created, if any.
func (s *RequestService) applyDecision(ctx context.Context, tx pgx.Tx, actor *portal.Actor, r Request, action portal.RequestAction, correlationID string) (int64, error) {
	if action == portal.ActionReject {
		return 0, nil
	}
	d := r.Fields.Details
	ref := r.Number
	switch r.Kind {
	case portal.KindIntroduction:
		facts := portal.IntroducedSystem(r.Fields, ref)
		if errs := facts.Validate(); len(errs) > 0 {
			return 0, portal.Conflict("Systemet kan inte registreras med ärendets uppgifter: " + firstMessage(errs))
		}
		id, err := createTx(ctx, tx, actor, facts, correlationID)
		if err != nil {
			if portal.KindOf(err) == portal.KindInvalid {
				return 0, portal.Conflict("Det finns redan ett system som heter " + d.NewSystemName + " i registret. Ändra namnet i registret först eller avslå ärendet.")
			}
			return 0, err
		}
		from := portal.Today()
		if r.Fields.DepartmentID != 0 {
			if _, err := changeRoleTx(ctx, tx, actor, id, RoleChange{Role: portal.RoleOwner, DepartmentID: r.Fields.DepartmentID, From: from,
				Reason: "Beslut i ärende " + ref, RequestID: correlationID, CaseReference: ref}); err != nil {
				return 0, err
			}
		}
		adminID, err := personByEmail(ctx, tx, actor, d.AdministratorName, d.AdministratorEmail, correlationID)
		if err != nil {
			return 0, err
		}
		if _, err := changeRoleTx(ctx, tx, actor, id, RoleChange{Role: portal.RoleAdministrator, PersonID: adminID, From: from,
			AppointedBy: r.DepartmentName, Reason: "Beslut i ärende " + ref, RequestID: correlationID, CaseReference: ref}); err != nil {
			return 0, err
		}
		return id, nil
	case portal.KindUpgrade:
		return 0, s.setFacts(ctx, tx, actor, r, correlationID, func(f *portal.SystemFacts) { f.Version = d.ToVersion })
	case portal.KindOpenSource:
		return 0, s.setFacts(ctx, tx, actor, r, correlationID, func(f *portal.SystemFacts) { f.OpenSource = true })
	case portal.KindSelfDeveloped:
		return 0, s.setFacts(ctx, tx, actor, r, correlationID, func(f *portal.SystemFacts) {
			f.SelfDeveloped = true
			f.SelfDevelopedRef = ref
		})
	case portal.KindPlatformDecision:
		return 0, s.applyPlatformDecision(ctx, tx, actor, r, correlationID)
	case portal.KindOperationsChange:
		if r.Fields.SystemID == 0 || d.EffectiveDate == nil {
			return 0, portal.Conflict("Ärendet saknar system eller datum.")
		}
		if _, err := getSystemTx(ctx, tx, r.Fields.SystemID, portal.Today()); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM systems WHERE id = $1 FOR UPDATE`, r.Fields.SystemID); err != nil {
			return 0, translate(err)
		}
		c := RoleChange{From: *d.EffectiveDate, Reason: "Driftförändring " + ref, RequestID: correlationID, CaseReference: ref, AppointedBy: r.DepartmentName}
		if action == portal.ActionAcknowledgeCorrection {
			// Dated before today: the history is rewritten, and says so.
			c.Correction, c.Reason = true, "Rättelse genom driftförändring "+ref
		}
		switch d.ChangeRole {
		case "operations":
			c.Role, c.Operator = portal.RoleOperations, d.NewOperator
		default:
			id, err := personByEmail(ctx, tx, actor, d.NewAdminName, d.NewAdminEmail, correlationID)
			if err != nil {
				return 0, err
			}
			c.Role, c.PersonID = portal.RoleAdministrator, id
		}
		assignment, err := changeRoleTx(ctx, tx, actor, r.Fields.SystemID, c)
		if err != nil {
			if portal.KindOf(err) == portal.KindInvalid {
				return 0, portal.Conflict("Rollbytet kan inte göras i registret: " + portal.MessageOf(err))
			}
			return 0, err
		}
		if s.enqueue != nil {
			if err := s.enqueue(ctx, tx, jobargs.RoleChangeNotice{SystemID: r.Fields.SystemID,
				Assignments: []int64{assignment}}); err != nil {
				return 0, fmt.Errorf("enqueue notification: %w", err)
			}
		}
	}
	return 0, nil
}

// setFacts changes the facts of the system a case concerns, if it names one.
func (s *RequestService) setFacts(ctx context.Context, tx pgx.Tx, actor *portal.Actor, r Request, correlationID string, change func(*portal.SystemFacts)) error {
	if r.Fields.SystemID == 0 {
		return nil // a review of software not yet in the register
	}
	var cur System
	var err error
	if _, err = tx.Exec(ctx, `SELECT 1 FROM systems WHERE id = $1 FOR UPDATE`, r.Fields.SystemID); err != nil {
		return translate(err)
	}
	if cur, err = getSystemTx(ctx, tx, r.Fields.SystemID, portal.Today()); err != nil {
		return err
	}
	f := cur.Facts
	change(&f)
	return updateFactsTx(ctx, tx, actor, cur, f, correlationID)
}

// personByEmail finds the person with the address, or records them as not
// yet signed in.
func personByEmail(ctx context.Context, tx pgx.Tx, actor *portal.Actor, name, email, correlationID string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM people WHERE lower(email) = lower($1) AND merged_into IS NULL ORDER BY active DESC, id LIMIT 1`, email).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, translate(err)
	}
	if err := tx.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ($1, $2) RETURNING id`, clip(name, 200), clip(email, 320)).Scan(&id); err != nil {
		return 0, translate(err)
	}
	return id, appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "person.created_by_request", ObjectType: "person",
		ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: map[string]any{"name": name, "email": email}})
}

func firstMessage(errs map[string]string) string {
	for _, m := range errs {
		return m
	}
	return ""
}

// Comment adds a comment to an open case: by the requester, or by
// IT-enheten's side.
func (s *RequestService) Comment(ctx context.Context, actor *portal.Actor, id int64, text, correlationID string) (err error) {
	defer wrap(&err, "comment on case %d", id)
	text = strings.TrimSpace(text)
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := lockVisible(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if r.AuthorID != actor.PersonID && !portal.IsPreparer(actor) {
			return portal.Forbidden("Den som skickade in ärendet och IT-enheten kan kommentera.")
		}
		if !r.State.Open() {
			return portal.Conflict("Ärendet är inte öppet för kommentarer.")
		}
		switch {
		case text == "":
			return portal.Invalid("Skriv en kommentar.", map[string]string{"comment": "Skriv en kommentar."})
		case strings.ContainsRune(text, 0):
			return portal.Invalid("Texten innehåller otillåtna tecken.", map[string]string{"comment": "Texten innehåller otillåtna tecken."})
		case len([]rune(text)) > 10000:
			return portal.Invalid("Högst 10 000 tecken.", map[string]string{"comment": "Högst 10 000 tecken."})
		}
		if _, err := tx.Exec(ctx, `INSERT INTO request_events (request_id, actor_id, event, comment) VALUES ($1, $2, 'comment', $3)`, id, actor.PersonID, text); err != nil {
			return translate(err)
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "request.commented", ObjectType: "request",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID}); err != nil {
			return err
		}
		audience := "requester"
		if r.AuthorID == actor.PersonID {
			audience = "it_unit"
		}
		if err := s.notify(ctx, tx, jobargs.StepCommented, id, audience); err != nil {
			return err
		}
		return nil
	})
	return err
}

// SetDiarienummer records the municipality's registration number when the
// registrator enters the case in the diarium. IT-enheten's side only.
func (s *RequestService) SetDiarienummer(ctx context.Context, actor *portal.Actor, id int64, dnr, correlationID string) (err error) {
	defer wrap(&err, "set the diarienummer of case %d", id)
	dnr = strings.TrimSpace(dnr)
	switch {
	case !portal.IsPreparer(actor):
		return portal.Forbidden("Bara IT-enheten för in diarienummer.")
	case strings.ContainsRune(dnr, 0) || len([]rune(dnr)) > 100:
		return portal.Invalid("Högst 100 tecken.", map[string]string{"diarienummer": "Ange diarienumret, högst 100 tecken."})
	}
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := lockVisible(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if r.State == portal.StateDraft {
			return portal.Conflict("Ett utkast diarieförs inte.")
		}
		if r.Diarienummer == dnr {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE requests SET diarienummer = $2, row_version = row_version + 1, updated_at = now() WHERE id = $1`, id, dnr); err != nil {
			return translate(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO request_events (request_id, actor_id, event, comment) VALUES ($1, $2, 'diarienummer', $3)`, id, actor.PersonID, dnr); err != nil {
			return translate(err)
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "request.diarienummer_set", ObjectType: "request",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: map[string]any{"diarienummer": map[string]any{"before": r.Diarienummer, "after": dnr}}}); err != nil {
			return err
		}
		return nil
	})
	return err
}

// AddAttachment stores a file with a draft or an open case: by its author,
// or IT-enheten's side. The content decides the type (portal.CheckAttachment).
func (s *RequestService) AddAttachment(ctx context.Context, actor *portal.Actor, id int64, name string, data []byte, correlationID string) (_ int64, err error) {
	defer wrap(&err, "attach a file to case %d", id)
	name = portal.SafeFileName(name)
	var attachmentID int64
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := lockVisible(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if r.AuthorID != actor.PersonID && !portal.IsPreparer(actor) {
			return portal.Forbidden("Den som skrev ärendet och IT-enheten kan bifoga filer.")
		}
		if r.State != portal.StateDraft && !r.State.Open() {
			return portal.Conflict("Ärendet är avslutat; filer kan inte längre bifogas.")
		}
		contentType, err := portal.CheckAttachment(name, data)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		var aid int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO request_attachments (request_id, file_name, content_type, size_bytes, sha256, data, uploaded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			id, name, contentType, len(data), hex.EncodeToString(sum[:]), data, actor.PersonID).Scan(&aid); err != nil {
			return translate(err)
		}
		if r.State != portal.StateDraft {
			if _, err := tx.Exec(ctx, `INSERT INTO request_events (request_id, actor_id, event, comment) VALUES ($1, $2, 'attachment', $3)`, id, actor.PersonID, name); err != nil {
				return translate(err)
			}
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "request.attachment_added", ObjectType: "request",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID,
			Changes: map[string]any{"file_name": name, "content_type": contentType, "size": len(data), "sha256": hex.EncodeToString(sum[:])}}); err != nil {
			return err
		}
		attachmentID = aid
		return nil
	})
	return attachmentID, err
}

// Attachment returns a file of a case for those who may open it.
func (s *RequestService) Attachment(ctx context.Context, actor *portal.Actor, id, attachmentID int64) (_ AttachmentInfo, _ []byte, err error) {
	defer wrap(&err, "attachment %d of case %d", attachmentID, id)
	var info AttachmentInfo
	var data []byte
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := loadRequest(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if err := portal.CanSeeCase(actor, r.State, r.AuthorID); err != nil {
			return err
		}
		if !portal.CanOpenCaseFiles(actor, r.AuthorID, r.Fields.DepartmentID) {
			return portal.Forbidden("Bilagor öppnas av den sökande förvaltningen, IT-enheten och chefen för IT-enheten.")
		}
		err = tx.QueryRow(ctx, `
			SELECT a.id, a.file_name, a.content_type, a.size_bytes, p.name, a.uploaded_at, a.data
			FROM request_attachments a JOIN people p ON p.id = a.uploaded_by
			WHERE a.id = $1 AND a.request_id = $2`, attachmentID, id).Scan(
			&info.ID, &info.FileName, &info.ContentType, &info.Size, &info.UploadedBy, &info.UploadedAt, &data)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Bilagan finns inte.")
		}
		return translate(err)
	})
	return info, data, err
}

// Get returns a case as the actor may see it, with its timeline and what
// the actor may do next.
func (s *RequestService) Get(ctx context.Context, actor *portal.Actor, id int64) (_ RequestView, err error) {
	defer wrap(&err, "get case %d", id)
	var v RequestView
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := loadRequest(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if err := portal.CanSeeCase(actor, r.State, r.AuthorID); err != nil {
			return err
		}
		v.Request = r
		rows, err := tx.Query(ctx, `
			SELECT e.id, e.at, COALESCE(p.name, 'Systemet'), e.event, COALESCE(e.from_state, ''), COALESCE(e.to_state, ''), e.comment,
				e.fields, COALESCE(e.field, ''), COALESCE(e.old_value, ''), COALESCE(e.new_value, ''), e.acting_as
			FROM request_events e LEFT JOIN people p ON p.id = e.actor_id
			WHERE e.request_id = $1 ORDER BY e.at, e.id`, id)
		if err != nil {
			return translate(err)
		}
		v.Events, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (RequestEvent, error) {
			var e RequestEvent
			err := row.Scan(&e.ID, &e.At, &e.ActorName, &e.Event, &e.From, &e.To, &e.Comment, &e.Fields, &e.Field, &e.OldValue, &e.NewValue, &e.ActingAs)
			return e, err
		})
		if err != nil {
			return translate(err)
		}
		rows, err = tx.Query(ctx, `
			SELECT a.id, a.file_name, a.content_type, a.size_bytes, p.name, a.uploaded_at
			FROM request_attachments a JOIN people p ON p.id = a.uploaded_by
			WHERE a.request_id = $1 ORDER BY a.uploaded_at, a.id`, id)
		if err != nil {
			return translate(err)
		}
		v.Attachments, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (AttachmentInfo, error) {
			var a AttachmentInfo
			err := row.Scan(&a.ID, &a.FileName, &a.ContentType, &a.Size, &a.UploadedBy, &a.UploadedAt)
			return a, err
		})
		return translate(err)
	})
	if err != nil {
		return v, err
	}
	if v.Kind == portal.KindIntroduction || v.Kind == portal.KindUpgrade {
		err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
			var err error
			if v.PlatformNeeds, err = platformNeeds(ctx, tx, v.Fields.Details.PlatformComponents); err != nil {
				return err
			}
			v.PlatformExceptions, err = caseExceptions(ctx, tx, id)
			return err
		})
		if err != nil {
			return v, err
		}
	}
	v.AttachmentCount = len(v.Attachments)
	v.IsAuthor = v.AuthorID == actor.PersonID
	v.IsPreparer = portal.IsPreparer(actor)
	v.CanOpenFiles = portal.CanOpenCaseFiles(actor, v.AuthorID, v.Fields.DepartmentID)
	if !v.CanOpenFiles {
		// The count is public; the names, like the files, are not, also
		// where the timeline tells that a file was added.
		v.Attachments = nil
		for i := range v.Events {
			if v.Events[i].Event == "attachment" {
				v.Events[i].Comment = ""
			}
		}
	}
	v.CanEdit = v.IsAuthor && v.State == portal.StateDraft
	if portal.CanAssign(actor, v.State, v.AuthorID) == nil {
		v.CanAssign, v.CanRelease = v.AssigneeID != actor.PersonID, v.AssigneeID == actor.PersonID
	}
	v.CanAttach = (v.IsAuthor || v.IsPreparer) && (v.State == portal.StateDraft || v.State.Open())
	v.CanComment = (v.IsAuthor || v.IsPreparer) && v.State.Open()
	v.CanSetDiarienummer = v.IsPreparer && v.State != portal.StateDraft
	if v.State == portal.StateCompletionRequested {
		for _, e := range slices.Backward(v.Events) {
			if e.Event == "transition" && e.To == portal.StateCompletionRequested {
				v.Completion = &CompletionQuestion{At: e.At, By: e.ActorName, Message: e.Comment, Fields: v.CompletionFields}
				break
			}
		}
	}
	if v.State.Open() {
		if err := portal.CanDecide(actor, v.Kind, v.AuthorID, v.AuthorIsITHead); err == nil {
			v.CanDecide = true
		} else if v.IsPreparer {
			v.DecideRefusal = portal.MessageOf(err)
		}
		v.FinancingBlocks = v.Kind.NeedsFinancing() && !v.Fields.FinancingConfirmed
	}
	for _, a := range []portal.RequestAction{portal.ActionSubmit, portal.ActionTakeUp, portal.ActionRequestCompletion,
		portal.ActionAnswerCompletion, portal.ActionWithdraw} {
		t, err := portal.Step(v.Kind, v.State, a)
		if err != nil {
			continue
		}
		if (t.By == portal.PartyRequester && v.IsAuthor) || (t.By == portal.PartyPreparer && v.IsPreparer && !v.IsAuthor) {
			v.Actions = append(v.Actions, a)
		}
	}
	return v, nil
}

// event appends a transition to the timeline.
func (s *RequestService) event(ctx context.Context, tx pgx.Tx, actor *portal.Actor, id int64, t portal.Transition, comment string) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO request_events (request_id, actor_id, event, from_state, to_state, comment)
		VALUES ($1, $2, 'transition', $3, $4, $5)`, id, actor.PersonID, string(t.From), string(t.To), comment)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			return err // the caller tells a second decision from other errors
		}
		return translate(err)
	}
	return nil
}

// notify enqueues a notification of the step (jobargs.Step*) in the
// transaction.
func (s *RequestService) notify(ctx context.Context, tx pgx.Tx, step string, id int64, audience ...string) error {
	if s.enqueue == nil {
		return nil
	}
	if err := s.enqueue(ctx, tx, jobargs.CaseStepNotice{RequestID: id, Step: step, Audience: audience}); err != nil {
		return fmt.Errorf("enqueue notification: %w", err)
	}
	return nil
}

func datePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.DateOnly)
}
