package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/markdown"
	"itportal/internal/portal"
)

// DocumentService keeps the governing documents, their versions and the
// acknowledgements (R9–R11).
type DocumentService struct {
	pool    *pgxpool.Pool
	enqueue Enqueuer
	grace   time.Duration
	now     func() time.Time
	keep    breachKeeper
}

// NewDocumentService returns the service. grace is how long a person who
// acknowledged an earlier version may keep working before a new version
// gates them (ITPORTAL_ACK_GRACE); now is the clock (time.Now in
// production).
func NewDocumentService(pool *pgxpool.Pool, enqueue Enqueuer, grace time.Duration, now func() time.Time) *DocumentService {
	if now == nil {
		now = time.Now
	}
	// The documents' checks (R9–R11) are about people, never systems: no
	// official web address is needed.
	return &DocumentService{pool: pool, enqueue: enqueue, grace: grace, now: now, keep: breachKeeper{now: now}}
}

// Document is a governing document with its audience.
type Document struct {
	ID     int64
	Fields portal.DocumentFields
}

// Version is one version of a document.
type Version struct {
	ID              int64
	Number          int
	Markdown        string
	HTML            markdown.HTML
	SHA256          string
	EffectiveDate   time.Time
	DecisionRef     string
	Summary         string
	RequiresReack   bool
	PublishedAt     *time.Time
	PublishedByName string
}

// Published reports whether the version is published.
func (v Version) Published() bool { return v.PublishedAt != nil }

// DocumentView is a document as a page shows it.
type DocumentView struct {
	Document
	Current  *Version  // the version in force today, if any
	Versions []Version // newest first; drafts only for administrators
	Draft    *Version  // the draft, for administrators
	Mine     *Receipt  // the actor's acknowledgement of the current version
	Owed     bool      // the actor must acknowledge the current version
	InScope  bool      // the actor is in the audience
}

// Receipt is the evidence of one acknowledgement.
type Receipt struct {
	ID            int64
	PersonName    string
	DocumentTitle string
	Slug          string
	VersionNumber int
	SHA256        string
	At            time.Time
	RequestID     string
	Valid         bool // the hash matches the stored version's text
}

// Obligation is a document the person must acknowledge.
type Obligation struct {
	Slug      string
	Title     string
	VersionID int64
	Version   int
	Since     time.Time // when the obligation began
	Blocking  bool      // the portal is closed until acknowledged
	Deadline  time.Time // when a reminder turns into the gate
	Renewal   bool      // the person acknowledged an earlier version: the grace period applies
	DaysLeft  int       // calendar days (Stockholm) from today to Deadline's day; 0 on that day and after
	Lapsed    bool      // Deadline has passed
}

const documentColumns = `d.id, d.slug, d.title, d.kind, d.fixed_by, d.audience_all, d.must_acknowledge, d.blocks_use,
	COALESCE((SELECT array_agg(department_id ORDER BY department_id) FROM document_departments dd WHERE dd.document_id = d.id), '{}')`

func scanDocument(row pgx.Row) (Document, error) {
	var d Document
	f := &d.Fields
	err := row.Scan(&d.ID, &f.Slug, &f.Title, &f.Kind, &f.FixedBy, &f.AudienceAll, &f.MustAcknowledge, &f.BlocksUse, &f.DepartmentIDs)
	return d, err
}

const versionColumns = `v.id, v.number, v.markdown, v.html, v.sha256, v.effective_date, v.decision_ref, v.summary, v.requires_reack,
	v.published_at, CASE WHEN v.published_at IS NULL THEN '' ELSE COALESCE(p.name, 'IT-portalens kommandorad') END`

func scanVersion(row pgx.CollectableRow) (Version, error) {
	var v Version
	var html string
	err := row.Scan(&v.ID, &v.Number, &v.Markdown, &html, &v.SHA256, &v.EffectiveDate, &v.DecisionRef, &v.Summary, &v.RequiresReack, &v.PublishedAt, &v.PublishedByName)
	v.HTML = markdown.Stored(html)
	return v, err
}

func (s *DocumentService) today() time.Time { return portal.DateOf(s.now()) }

func inAudience(actor *portal.Actor, d Document) bool {
	if d.Fields.AudienceAll {
		return true
	}
	for _, id := range d.Fields.DepartmentIDs {
		if id == actor.DepartmentID && id != 0 {
			return true
		}
	}
	return false
}

// List returns every document with its version in force.
func (s *DocumentService) List(ctx context.Context, actor *portal.Actor) (_ []DocumentView, err error) {
	defer wrap(&err, "list documents")
	if actor == nil {
		return nil, portal.Forbidden("Logga in.")
	}
	var out []DocumentView
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+documentColumns+` FROM documents d ORDER BY d.title COLLATE swedish`)
		if err != nil {
			return translate(err)
		}
		docs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Document, error) { return scanDocument(r) })
		if err != nil {
			return translate(err)
		}
		owed, err := s.obligations(ctx, tx, actor)
		if err != nil {
			return err
		}
		for _, d := range docs {
			v := DocumentView{Document: d, InScope: inAudience(actor, d)}
			if v.Current, err = currentVersion(ctx, tx, d.ID, s.today()); err != nil {
				return err
			}
			for _, o := range owed {
				if o.Slug == d.Fields.Slug {
					v.Owed = true
				}
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

func currentVersion(ctx context.Context, tx pgx.Tx, docID int64, today time.Time) (*Version, error) {
	rows, err := tx.Query(ctx, `SELECT `+versionColumns+` FROM document_versions v LEFT JOIN people p ON p.id = v.published_by
		WHERE v.document_id = $1 AND v.published_at IS NOT NULL AND v.effective_date <= $2 ORDER BY v.number DESC LIMIT 1`, docID, today)
	if err != nil {
		return nil, translate(err)
	}
	vs, err := pgx.CollectRows(rows, scanVersion)
	if err != nil || len(vs) == 0 {
		return nil, translate(err)
	}
	return &vs[0], nil
}

// Get returns a document with its versions as the actor may see them.
func (s *DocumentService) Get(ctx context.Context, actor *portal.Actor, slug string) (_ DocumentView, err error) {
	defer wrap(&err, "get document %q", slug)
	var v DocumentView
	if actor == nil {
		return v, portal.Forbidden("Logga in.")
	}
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		d, err := scanDocument(tx.QueryRow(ctx, `SELECT `+documentColumns+` FROM documents d WHERE d.slug = $1`, slug))
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Dokumentet finns inte.")
		}
		if err != nil {
			return translate(err)
		}
		v.Document, v.InScope = d, inAudience(actor, d)
		rows, err := tx.Query(ctx, `SELECT `+versionColumns+` FROM document_versions v LEFT JOIN people p ON p.id = v.published_by
			WHERE v.document_id = $1 ORDER BY v.number DESC`, d.ID)
		if err != nil {
			return translate(err)
		}
		all, err := pgx.CollectRows(rows, scanVersion)
		if err != nil {
			return translate(err)
		}
		for i := range all {
			switch {
			case all[i].Published():
				v.Versions = append(v.Versions, all[i])
			case portal.CanAdminister(actor):
				v.Draft = &all[i]
			}
		}
		if v.Current, err = currentVersion(ctx, tx, d.ID, s.today()); err != nil {
			return err
		}
		if v.Current != nil {
			r, err := s.receipt(ctx, tx, `a.person_id = $1 AND a.version_id = $2`, actor.PersonID, v.Current.ID)
			if err != nil {
				return err
			}
			v.Mine = r
		}
		owed, err := s.obligations(ctx, tx, actor)
		if err != nil {
			return err
		}
		for _, o := range owed {
			v.Owed = v.Owed || o.Slug == slug
		}
		return nil
	})
	return v, err
}

const receiptSelect = `
	SELECT a.id, p.name, d.title, d.slug, v.number, a.sha256, a.acknowledged_at, a.request_id, a.sha256 = v.sha256
	FROM acknowledgements a
	JOIN people p ON p.id = a.person_id
	JOIN document_versions v ON v.id = a.version_id
	JOIN documents d ON d.id = v.document_id`

func scanReceipt(row pgx.CollectableRow) (Receipt, error) {
	var r Receipt
	err := row.Scan(&r.ID, &r.PersonName, &r.DocumentTitle, &r.Slug, &r.VersionNumber, &r.SHA256, &r.At, &r.RequestID, &r.Valid)
	return r, err
}

func (s *DocumentService) receipt(ctx context.Context, tx pgx.Tx, where string, args ...any) (*Receipt, error) {
	var rows pgx.Rows
	var err error
	switch where {
	case `a.person_id = $1 AND a.version_id = $2`:
		rows, err = tx.Query(ctx, receiptSelect+` WHERE a.person_id = $1 AND a.version_id = $2`, args...)
	default:
		return nil, fmt.Errorf("receipt: unknown condition")
	}
	if err != nil {
		return nil, translate(err)
	}
	rs, err := pgx.CollectRows(rows, scanReceipt)
	if err != nil || len(rs) == 0 {
		return nil, translate(err)
	}
	return &rs[0], nil
}

// Receipts returns a person's acknowledgements, newest first. Everyone
// sees their own; IT-enheten and administrators anyone's.
func (s *DocumentService) Receipts(ctx context.Context, actor *portal.Actor, personID int64) (_ []Receipt, err error) {
	defer wrap(&err, "receipts of person %d", personID)
	if actor == nil || (actor.PersonID != personID && !portal.FollowsUpStaff(actor)) {
		return nil, portal.Forbidden("Du kan bara se dina egna kvittenser.")
	}
	rows, err := s.pool.Query(ctx, receiptSelect+` WHERE a.person_id = $1 ORDER BY a.acknowledged_at DESC, a.id DESC`, personID)
	if err != nil {
		return nil, translate(err)
	}
	rs, err := pgx.CollectRows(rows, scanReceipt)
	return rs, translate(err)
}

// inForceCTEs name, for the day @today, each document's version in force
// ("cur") and the last version that required everyone to acknowledge
// again, or the first ("base"), with when that obligation began. The
// obligations, the follow-up, the reminders, the digest and the compliance
// checks R9 and R10 all start from them.
const inForceCTEs = `
	cur AS (
		SELECT DISTINCT ON (v.document_id) v.document_id, v.id, v.number
		FROM document_versions v
		WHERE v.published_at IS NOT NULL AND v.effective_date <= @today
		ORDER BY v.document_id, v.number DESC
	), base AS (
		SELECT DISTINCT ON (v.document_id) v.document_id, v.number, GREATEST(v.published_at, v.effective_date::timestamptz) AS since
		FROM document_versions v JOIN cur ON cur.document_id = v.document_id
		WHERE v.published_at IS NOT NULL AND v.number <= cur.number
		  AND (v.requires_reack OR v.number = (SELECT min(f.number) FROM document_versions f WHERE f.document_id = v.document_id AND f.published_at IS NOT NULL))
		ORDER BY v.document_id, v.number DESC
	)`

// inForce is inForceCTEs as the start of a statement.
const inForce = `WITH ` + inForceCTEs

// obligationsQuery: for person @person (in their department) on day
// @today, every
// document they must acknowledge, whether they acknowledged the base
// version or a later one, and whether they ever acknowledged any version.
const obligationsQuery = inForce + `
	SELECT d.slug, d.title, d.blocks_use, cur.id, cur.number, base.since,
	       EXISTS (SELECT 1 FROM acknowledgements a JOIN document_versions av ON av.id = a.version_id
	               WHERE a.person_id = @person AND av.document_id = d.id AND av.number >= base.number),
	       EXISTS (SELECT 1 FROM acknowledgements a JOIN document_versions av ON av.id = a.version_id
	               WHERE a.person_id = @person AND av.document_id = d.id)
	FROM documents d JOIN cur ON cur.document_id = d.id JOIN base ON base.document_id = d.id
	WHERE d.must_acknowledge
	  AND (d.audience_all OR EXISTS (SELECT 1 FROM document_departments dd JOIN people p ON p.department_id = dd.department_id
	                                 WHERE dd.document_id = d.id AND p.id = @person))
	ORDER BY d.blocks_use DESC, d.title COLLATE swedish`

type querier interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}

func (s *DocumentService) obligations(ctx context.Context, q querier, actor *portal.Actor) ([]Obligation, error) {
	rows, err := q.Query(ctx, obligationsQuery, pgx.NamedArgs{"today": s.today(), "person": actor.PersonID})
	if err != nil {
		return nil, translate(err)
	}
	return s.scanObligations(rows)
}

// scanObligations reads obligationsQuery's rows: what is still owed, and
// whether it closes the portal (R9; R10 after the grace period).
func (s *DocumentService) scanObligations(rows pgx.Rows) ([]Obligation, error) {
	defer rows.Close()
	now := s.now()
	var out []Obligation
	for rows.Next() {
		var o Obligation
		var blocksUse, compliant, ever bool
		if err := rows.Scan(&o.Slug, &o.Title, &blocksUse, &o.VersionID, &o.Version, &o.Since, &compliant, &ever); err != nil {
			return nil, translate(err)
		}
		if compliant {
			continue
		}
		o.Deadline = o.Since.Add(s.grace)
		o.Blocking = blocksUse && (!ever || now.After(o.Deadline))
		o.Renewal, o.Lapsed = ever, now.After(o.Deadline)
		if !o.Lapsed {
			o.DaysLeft = int(portal.DateOf(o.Deadline).Sub(portal.DateOf(now)).Hours() / 24)
		}
		out = append(out, o)
	}
	return out, translate(rows.Err())
}

// Visit is what every signed-in request needs first: the person behind
// the session, and what they must acknowledge.
type Visit struct {
	SessionCheck
	Owed []Obligation
}

// Gate is the first owed document that closes the portal until
// acknowledged, or nil.
func (v Visit) Gate() *Obligation {
	for i := range v.Owed {
		if v.Owed[i].Blocking {
			return &v.Owed[i]
		}
	}
	return nil
}

// Visit reads the person behind a session and their obligations in one
// round trip. NotFound when there is no such person.
func (s *DocumentService) Visit(ctx context.Context, personID int64) (v Visit, err error) {
	b := &pgx.Batch{}
	b.Queue(actorQuery, personID)
	b.Queue(obligationsQuery, pgx.NamedArgs{"today": s.today(), "person": personID})
	br := s.pool.SendBatch(ctx, b)
	defer func() {
		if cerr := br.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("visit: %w", translate(cerr))
		}
	}()
	if v.SessionCheck, err = scanSessionCheck(br.QueryRow()); err != nil {
		return v, err
	}
	rows, err := br.Query()
	if err != nil {
		return v, fmt.Errorf("visit: %w", translate(err))
	}
	v.Owed, err = s.scanObligations(rows)
	return v, err
}

// Obligations lists what the actor must acknowledge.
func (s *DocumentService) Obligations(ctx context.Context, actor *portal.Actor) (_ []Obligation, err error) {
	if actor == nil {
		return nil, nil
	}
	defer wrap(&err, "obligations of person %d", actor.PersonID)
	return s.obligations(ctx, s.pool, actor)
}

// Acknowledge records that the actor read the version in force of a
// document, whose text had the hash shown. Acknowledging again returns the
// first receipt and stores nothing.
func (s *DocumentService) Acknowledge(ctx context.Context, actor *portal.Actor, slug string, number int, shownHash, correlationID string) (_ Receipt, err error) {
	defer wrap(&err, "acknowledge version %d of document %q", number, slug)
	if actor == nil {
		return Receipt{}, portal.Forbidden("Logga in.")
	}
	var receipt Receipt
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		d, err := scanDocument(tx.QueryRow(ctx, `SELECT `+documentColumns+` FROM documents d WHERE d.slug = $1`, slug))
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Dokumentet finns inte.")
		}
		if err != nil {
			return translate(err)
		}
		if !d.Fields.MustAcknowledge {
			return portal.Conflict("Dokumentet behöver inte kvitteras.")
		}
		if !inAudience(actor, d) {
			return portal.Forbidden("Dokumentet gäller inte din förvaltning och ska inte kvitteras av dig.")
		}
		cur, err := currentVersion(ctx, tx, d.ID, s.today())
		if err != nil {
			return err
		}
		switch {
		case cur == nil:
			return portal.Conflict("Dokumentet har ingen gällande version ännu.")
		case number != cur.Number:
			var published bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM document_versions WHERE document_id = $1 AND number = $2 AND published_at IS NOT NULL)`, d.ID, number).Scan(&published); err != nil {
				return translate(err)
			}
			if !published {
				return portal.Conflict("Den versionen är inte publicerad och kan inte kvitteras.")
			}
			return portal.Conflict(fmt.Sprintf("Version %d har ersatts av version %d. Läs den gällande versionen och kvittera den.", number, cur.Number))
		case shownHash != cur.SHA256:
			return portal.Conflict("Texten har ändrats sedan du öppnade sidan. Läs den igen och kvittera.")
		}
		var id int64
		err = tx.QueryRow(ctx, `
			INSERT INTO acknowledgements (person_id, version_id, sha256, request_id) VALUES ($1, $2, $3, $4)
			ON CONFLICT (person_id, version_id) DO NOTHING RETURNING id`, actor.PersonID, cur.ID, cur.SHA256, correlationID).Scan(&id)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			// Acknowledged before (or by a concurrent request): the first receipt.
		case err != nil:
			return translate(err)
		default:
			if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "document.acknowledged", ObjectType: "document_version",
				ObjectID: strconv.FormatInt(cur.ID, 10), RequestID: correlationID,
				Changes: map[string]any{"document": slug, "version": cur.Number, "sha256": cur.SHA256, "acknowledgement_id": id}}); err != nil {
				return err
			}
		}
		r, err := s.receipt(ctx, tx, `a.person_id = $1 AND a.version_id = $2`, actor.PersonID, cur.ID)
		if err != nil {
			return err
		}
		if r == nil {
			return portal.Conflict("Kvittensen kunde inte läsas. Försök igen.")
		}
		if err := s.keep.refresh(ctx, tx, Scope{People: []int64{actor.PersonID}}); err != nil {
			return err
		}
		receipt = *r
		return nil
	})
	return receipt, err
}

// SaveDocument creates (id 0) or changes a document's own fields. Admin only.
func (s *DocumentService) SaveDocument(ctx context.Context, actor *portal.Actor, id int64, f portal.DocumentFields, correlationID string) (_ string, err error) {
	defer wrap(&err, "save document %q", f.Slug)
	if !portal.CanAdminister(actor) {
		return "", portal.Forbidden("Bara administratörer ändrar styrdokument.")
	}
	if errs := f.Validate(); len(errs) > 0 {
		return "", portal.Invalid("Uppgifterna behöver rättas.", errs)
	}
	var slug string
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if id == 0 {
			err = tx.QueryRow(ctx, `
				INSERT INTO documents (slug, title, kind, fixed_by, audience_all, must_acknowledge, blocks_use)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
				f.Slug, f.Title, f.Kind, f.FixedBy, f.AudienceAll, f.MustAcknowledge, f.BlocksUse).Scan(&id)
		} else {
			_, err = tx.Exec(ctx, `
				UPDATE documents SET slug = $2, title = $3, kind = $4, fixed_by = $5, audience_all = $6, must_acknowledge = $7,
					blocks_use = $8, updated_at = now() WHERE id = $1`,
				id, f.Slug, f.Title, f.Kind, f.FixedBy, f.AudienceAll, f.MustAcknowledge, f.BlocksUse)
		}
		if isUniqueViolation(err) {
			return portal.Invalid("Adressnamnet finns redan.", map[string]string{"slug": "Ett annat dokument har redan det adressnamnet."})
		}
		if err != nil {
			return translate(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM document_departments WHERE document_id = $1`, id); err != nil {
			return translate(err)
		}
		if !f.AudienceAll {
			if _, err := tx.Exec(ctx, `
				INSERT INTO document_departments (document_id, department_id)
				SELECT $1, d.id FROM departments d WHERE d.id = ANY($2)`, id, f.DepartmentIDs); err != nil {
				return translate(err)
			}
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "document.saved", ObjectType: "document",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: map[string]any{
				"slug": f.Slug, "title": f.Title, "kind": f.Kind, "fixed_by": f.FixedBy, "audience_all": f.AudienceAll,
				"departments": f.DepartmentIDs, "must_acknowledge": f.MustAcknowledge, "blocks_use": f.BlocksUse}}); err != nil {
			return err
		}
		// Its audience, title or duty to acknowledge may have changed.
		if err := s.keep.refresh(ctx, tx, Scope{AllPeople: true}); err != nil {
			return err
		}
		slug = f.Slug
		return nil
	})
	return slug, err
}

// SaveDraft writes the document's draft version (there is at most one);
// the text is stored in canonical form with its hash and rendered HTML.
// Admin only.
func (s *DocumentService) SaveDraft(ctx context.Context, actor *portal.Actor, slug string, f portal.VersionFields, correlationID string) (err error) {
	defer wrap(&err, "save draft of document %q", slug)
	if !portal.CanAdminister(actor) {
		return portal.Forbidden("Bara administratörer ändrar styrdokument.")
	}
	errs := map[string]string{}
	canonical, err := markdown.Canonical(f.Markdown)
	switch {
	case err != nil:
		errs["markdown"] = "Texten innehåller otillåtna tecken."
	case strings.TrimSpace(canonical) == "":
		errs["markdown"] = "Skriv dokumentets text."
	case len(canonical) > 500000:
		errs["markdown"] = "Texten är för lång (högst 500 000 tecken)."
	default:
		// What is acknowledged must be exactly what is shown: HTML in the
		// source would be hashed but never shown.
		if line, snippet, found := markdown.RawHTML(canonical); found {
			errs["markdown"] = fmt.Sprintf("Texten innehåller HTML-kod på rad %d (%s). HTML visas inte för läsarna, så den kan inte ingå i ett styrdokument: "+
				"ta bort den, eller skriv den mellan bakåtapostrofer (`) om den ska synas som text.", line, snippet)
		}
	}
	if f.EffectiveDate.IsZero() || f.EffectiveDate.Year() < 2000 || f.EffectiveDate.Year() > 2100 {
		errs["effective_date"] = "Ange från vilket datum versionen gäller, till exempel 2027-01-01."
	}
	if len([]rune(f.DecisionRef)) > 100 || strings.ContainsRune(f.DecisionRef, 0) {
		errs["decision_ref"] = "Högst 100 tecken."
	}
	if len([]rune(f.Summary)) > 5000 || strings.ContainsRune(f.Summary, 0) {
		errs["summary"] = "Högst 5 000 tecken."
	}
	if len(errs) > 0 {
		return portal.Invalid("Uppgifterna behöver rättas.", errs)
	}
	html, err := markdown.Render(canonical)
	if err != nil {
		return fmt.Errorf("render markdown: %w", err)
	}
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var docID int64
		if err := tx.QueryRow(ctx, `SELECT id FROM documents WHERE slug = $1 FOR UPDATE`, slug).Scan(&docID); errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Dokumentet finns inte.")
		} else if err != nil {
			return translate(err)
		}
		tag, err := tx.Exec(ctx, `
			UPDATE document_versions SET markdown = $2, html = $3, sha256 = $4, effective_date = $5, decision_ref = $6, summary = $7,
				requires_reack = $8, updated_at = now()
			WHERE document_id = $1 AND published_at IS NULL`,
			docID, canonical, html.String(), markdown.Hash(canonical), f.EffectiveDate, strings.TrimSpace(f.DecisionRef), strings.TrimSpace(f.Summary), f.RequiresReack)
		if err != nil {
			return translate(err)
		}
		if tag.RowsAffected() == 0 {
			if _, err := tx.Exec(ctx, `
				INSERT INTO document_versions (document_id, number, markdown, html, sha256, effective_date, decision_ref, summary, requires_reack, created_by)
				VALUES ($1, (SELECT COALESCE(max(number), 0) + 1 FROM document_versions WHERE document_id = $1), $2, $3, $4, $5, $6, $7, $8, $9)`,
				docID, canonical, html.String(), markdown.Hash(canonical), f.EffectiveDate, strings.TrimSpace(f.DecisionRef), strings.TrimSpace(f.Summary), f.RequiresReack, nullID(actor.PersonID)); err != nil {
				return translate(err)
			}
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "document.draft_saved", ObjectType: "document",
			ObjectID: strconv.FormatInt(docID, 10), RequestID: correlationID, Changes: map[string]any{"sha256": markdown.Hash(canonical)}}); err != nil {
			return err
		}
		return nil
	})
	return err
}

// Publish publishes the document's draft. When the document must be
// acknowledged and the version asks everyone to acknowledge again (or it is
// the first), one notification job per person in the audience is inserted
// in the same transaction, in one batch. Admin only.
func (s *DocumentService) Publish(ctx context.Context, actor *portal.Actor, slug, correlationID string) (_, _ int, err error) {
	defer wrap(&err, "publish draft of document %q", slug)
	if !portal.CanAdminister(actor) {
		return 0, 0, portal.Forbidden("Bara administratörer publicerar styrdokument.")
	}
	var published, told int
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		d, err := scanDocument(tx.QueryRow(ctx, `SELECT `+documentColumns+` FROM documents d WHERE d.slug = $1 FOR UPDATE`, slug))
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Dokumentet finns inte.")
		}
		if err != nil {
			return translate(err)
		}
		var versionID int64
		var number int
		var requires, first bool
		err = tx.QueryRow(ctx, `
			UPDATE document_versions v SET published_at = now(), published_by = $2, updated_at = now()
			WHERE v.document_id = $1 AND v.published_at IS NULL
			RETURNING v.id, v.number, v.requires_reack,
				NOT EXISTS (SELECT 1 FROM document_versions o WHERE o.document_id = $1 AND o.published_at IS NOT NULL)`, d.ID, nullID(actor.PersonID)).
			Scan(&versionID, &number, &requires, &first)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.Conflict("Det finns inget utkast att publicera.")
		}
		if err != nil {
			return translate(err)
		}
		notified := 0
		if d.Fields.MustAcknowledge && (requires || first) && s.enqueue != nil {
			rows, err := tx.Query(ctx, `
				SELECT p.id FROM people p
				WHERE p.active AND p.merged_into IS NULL
				  AND ($1 OR p.department_id IN (SELECT department_id FROM document_departments WHERE document_id = $2))`,
				d.Fields.AudienceAll, d.ID)
			if err != nil {
				return translate(err)
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				return translate(err)
			}
			args := make([]jobargs.Args, 0, len(ids))
			for _, id := range ids {
				args = append(args, jobargs.AcknowledgeNotice{VersionID: versionID, PersonIDs: []int64{id}})
			}
			if len(args) > 0 {
				if err := s.enqueue(ctx, tx, args...); err != nil {
					return fmt.Errorf("enqueue notifications: %w", err)
				}
			}
			notified = len(args)
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "document.published", ObjectType: "document_version",
			ObjectID: strconv.FormatInt(versionID, 10), RequestID: correlationID,
			Changes: map[string]any{"document": slug, "version": number, "requires_reack": requires || first, "notified": notified}}); err != nil {
			return err
		}
		if err := s.keep.refresh(ctx, tx, Scope{AllPeople: true}); err != nil {
			return err
		}
		published, told = number, notified
		return nil
	})
	return published, told, err
}

// VersionByNumber returns one published version (or, for administrators,
// the draft).
func (s *DocumentService) VersionByNumber(ctx context.Context, actor *portal.Actor, slug string, number int) (_ Version, err error) {
	defer wrap(&err, "get version %d of document %q", number, slug)
	var v Version
	if actor == nil {
		return v, portal.Forbidden("Logga in.")
	}
	rows, err := s.pool.Query(ctx, `SELECT `+versionColumns+` FROM document_versions v LEFT JOIN people p ON p.id = v.published_by
		JOIN documents d ON d.id = v.document_id WHERE d.slug = $1 AND v.number = $2`, slug, number)
	if err != nil {
		return v, translate(err)
	}
	vs, err := pgx.CollectRows(rows, scanVersion)
	if err != nil {
		return v, translate(err)
	}
	if len(vs) == 0 || (!vs[0].Published() && !portal.CanAdminister(actor)) {
		return v, portal.NotFound("Versionen finns inte.")
	}
	return vs[0], nil
}

// VerifyAll recomputes the hash of every stored version and compares it
// with the version's recorded hash and with every acknowledgement of it.
// It returns the number of versions and receipts checked and the problems.
func (s *DocumentService) VerifyAll(ctx context.Context) (_, _ int, _ []string, err error) {
	defer wrap(&err, "verify document hashes")
	var problems []string
	versions, receipts := 0, 0
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT v.id, v.markdown, v.sha256, COALESCE(array_agg(a.sha256) FILTER (WHERE a.id IS NOT NULL), '{}')
			FROM document_versions v LEFT JOIN acknowledgements a ON a.version_id = v.id GROUP BY v.id ORDER BY v.id`)
		if err != nil {
			return translate(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var text, stored string
			var acks []string
			if err := rows.Scan(&id, &text, &stored, &acks); err != nil {
				return translate(err)
			}
			versions++
			if h := markdown.Hash(text); h != stored {
				problems = append(problems, fmt.Sprintf("version %d: text hash %s, recorded %s", id, h, stored))
			}
			for _, a := range acks {
				receipts++
				if a != stored {
					problems = append(problems, fmt.Sprintf("version %d: a receipt holds hash %s", id, a))
				}
			}
		}
		return translate(rows.Err())
	})
	return versions, receipts, problems, err
}
