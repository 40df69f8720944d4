package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// MailboxService reads and keeps the register of mailboxes someone
// watches (§8, §9) and their watcher periods. Everyone signed in reads;
// IT-enheten edits every department's mailboxes and a manager their own
// department's (portal.CanEditMailbox, checked in the change's
// transaction). Every change writes an audit row and recomputes R24.
type MailboxService struct {
	pool *pgxpool.Pool
	now  func() time.Time
	keep breachKeeper
}

// NewMailboxService returns the service over pool; official is
// ITPORTAL_OFFICIAL_WEB_ADDRESS (for the breach keeper), now its clock
// (nil is time.Now).
func NewMailboxService(pool *pgxpool.Pool, official string, now func() time.Time) *MailboxService {
	if now == nil {
		now = time.Now
	}
	return &MailboxService{pool: pool, now: now, keep: breachKeeper{official: official, now: now}}
}

// Mailbox is a mailbox as stored.
type Mailbox struct {
	ID           int64
	Address      string
	Kind         string
	DepartmentID int64
	Department   string
	Purpose      string
	ClosedOn     *time.Time
}

// MailboxRow is a mailbox in the list, with who watches it today.
type MailboxRow struct {
	Mailbox
	Watchers []string // the bevakare today, by name
	Deputies []string // the ersättare today
	State    string   // portal.MailboxState
	Breach   bool
}

// WatcherPeriod is one period of a person's watch over a mailbox.
type WatcherPeriod struct {
	ID        int64
	MailboxID int64
	Address   string
	PersonID  int64
	Name      string
	Email     string
	Active    bool // the person is active
	Role      string
	From      time.Time
	To        *time.Time // the last day, nil: until further notice
	Reason    string
	CreatedBy string
	CreatedAt time.Time
}

// Covers reports whether the period covers day.
func (w WatcherPeriod) Covers(day time.Time) bool {
	return !w.From.After(day) && (w.To == nil || !w.To.Before(day))
}

// MailboxView is a mailbox's page: its periods, newest first, and history.
type MailboxView struct {
	MailboxRow
	Periods []WatcherPeriod
	Audit   []AuditRow
	CanEdit bool
}

var errSignInToReadMailboxes = portal.Forbidden("Logga in för att läsa brevlådorna.")

const mailboxColumns = `m.id, m.address, m.kind, m.department_id, d.name, m.purpose, m.closed_on`

func scanMailbox(row pgx.Row, m *Mailbox) error {
	return row.Scan(&m.ID, &m.Address, &m.Kind, &m.DepartmentID, &m.Department, &m.Purpose, &m.ClosedOn)
}

// mailboxList selects the mailboxes (all, or a department's: $1, 0 for
// all) with their bevakare and ersättare today ($2), by address.
const mailboxList = mailboxListHead + `
	WHERE $1::bigint = 0 OR m.department_id = $1::bigint
	ORDER BY m.address, m.id`

// mailboxOne is mailboxList for one mailbox ($1 its id).
const mailboxOne = mailboxListHead + `
	WHERE m.id = $1::bigint`

const mailboxListHead = `
	SELECT ` + mailboxColumns + `,
	       COALESCE((SELECT array_agg(p.name ORDER BY p.name COLLATE swedish) FROM mailbox_watchers w JOIN people p ON p.id = w.person_id
	                 WHERE w.mailbox_id = m.id AND w.role = 'bevakare' AND w.valid @> $2::date AND p.active AND p.merged_into IS NULL), '{}'),
	       COALESCE((SELECT array_agg(p.name ORDER BY p.name COLLATE swedish) FROM mailbox_watchers w JOIN people p ON p.id = w.person_id
	                 WHERE w.mailbox_id = m.id AND w.role = 'ersattare' AND w.valid @> $2::date AND p.active AND p.merged_into IS NULL), '{}')
	FROM mailboxes m JOIN departments d ON d.id = m.department_id`

func collectMailboxRows(rows pgx.Rows, today time.Time) ([]MailboxRow, error) {
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (MailboxRow, error) {
		var r MailboxRow
		err := row.Scan(&r.ID, &r.Address, &r.Kind, &r.DepartmentID, &r.Department, &r.Purpose, &r.ClosedOn, &r.Watchers, &r.Deputies)
		r.State, r.Breach = portal.MailboxState(r.ClosedOn != nil && !r.ClosedOn.After(today), len(r.Watchers), len(r.Deputies))
		return r, err
	})
	return list, translate(err)
}

// List returns the mailboxes, a department's when department is not 0,
// with who watches each today.
func (s *MailboxService) List(ctx context.Context, actor *portal.Actor, department int64) (_ []MailboxRow, err error) {
	defer wrap(&err, "list mailboxes")
	if actor == nil {
		return nil, errSignInToReadMailboxes
	}
	today := portal.DateOf(s.now())
	rows, err := s.pool.Query(ctx, mailboxList, department, today)
	if err != nil {
		return nil, translate(err)
	}
	return collectMailboxRows(rows, today)
}

// periodSelect reads watcher periods with the person and who set them.
const periodSelect = `
	SELECT w.id, w.mailbox_id, m.address, w.person_id, p.name, p.email, p.active AND p.merged_into IS NULL, w.role,
	       lower(w.valid), upper(w.valid) - 1, w.reason, COALESCE(c.name, ''), w.created_at
	FROM mailbox_watchers w JOIN mailboxes m ON m.id = w.mailbox_id JOIN people p ON p.id = w.person_id
	LEFT JOIN people c ON c.id = w.created_by `

func collectPeriods(rows pgx.Rows, err error) ([]WatcherPeriod, error) {
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (WatcherPeriod, error) {
		var w WatcherPeriod
		return w, row.Scan(&w.ID, &w.MailboxID, &w.Address, &w.PersonID, &w.Name, &w.Email, &w.Active, &w.Role,
			&w.From, &w.To, &w.Reason, &w.CreatedBy, &w.CreatedAt)
	})
	return list, translate(err)
}

// Get returns a mailbox's page: who watches it today, every period ever
// (newest first), its history and whether the actor may edit it.
func (s *MailboxService) Get(ctx context.Context, actor *portal.Actor, id int64) (v MailboxView, err error) {
	defer wrap(&err, "get mailbox %d", id)
	if actor == nil {
		return v, errSignInToReadMailboxes
	}
	today := portal.DateOf(s.now())
	err = snapshotTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, mailboxOne, id, today)
		if err != nil {
			return translate(err)
		}
		list, err := collectMailboxRows(rows, today)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return portal.NotFound("Brevlådan finns inte.")
		}
		v.MailboxRow = list[0]
		if v.Periods, err = collectPeriods(tx.Query(ctx, periodSelect+`WHERE w.mailbox_id = $1 ORDER BY lower(w.valid) DESC, w.id DESC`, id)); err != nil {
			return err
		}
		v.CanEdit = mayEditMailbox(ctx, tx, actor, v.DepartmentID) == nil
		v.Audit, err = auditFor(ctx, tx, "mailbox", strconv.FormatInt(id, 10))
		return translate(err)
	})
	return v, err
}

// mayEditMailbox checks, in tx, that the actor may change a mailbox of
// department (0: any department, for the new-mailbox form): whether they
// manage anyone and which department they are in are read anew.
func mayEditMailbox(ctx context.Context, tx pgx.Tx, actor *portal.Actor, department int64) error {
	if actor == nil || actor.PersonID == 0 {
		return portal.Forbidden("Logga in.")
	}
	if portal.CanManageMailboxes(actor) {
		return nil
	}
	var own int64
	var manages bool
	err := tx.QueryRow(ctx, `
		SELECT COALESCE(p.department_id, 0), EXISTS (SELECT 1 FROM people s WHERE s.manager_id = p.id AND s.active AND s.merged_into IS NULL)
		FROM people p WHERE p.id = $1 AND p.active`, actor.PersonID).Scan(&own, &manages)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return translate(err)
	}
	if department == 0 {
		department = own
	}
	return portal.CanEditMailbox(actor, department, manages, own)
}

// MayEdit says whether the actor may register or change mailboxes of
// department (0: of their own), and returns the department a manager is
// in (0 for IT-enheten): the forms offer it.
func (s *MailboxService) MayEdit(ctx context.Context, actor *portal.Actor, department int64) (own int64, err error) {
	defer wrap(&err, "may edit mailboxes")
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := mayEditMailbox(ctx, tx, actor, department); err != nil {
			return err
		}
		if !portal.CanManageMailboxes(actor) {
			return tx.QueryRow(ctx, `SELECT COALESCE(department_id, 0) FROM people WHERE id = $1`, actor.PersonID).Scan(&own)
		}
		return nil
	})
	return own, err
}

func lockMailbox(ctx context.Context, tx pgx.Tx, id int64) (Mailbox, error) {
	var m Mailbox
	err := scanMailbox(tx.QueryRow(ctx, `SELECT `+mailboxColumns+` FROM mailboxes m JOIN departments d ON d.id = m.department_id WHERE m.id = $1 FOR UPDATE OF m`, id), &m)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, portal.NotFound("Brevlådan finns inte.")
	}
	return m, translate(err)
}

// Save registers (id 0) or changes a mailbox. An address another mailbox
// has, in any case, is refused with that mailbox's department.
func (s *MailboxService) Save(ctx context.Context, actor *portal.Actor, id int64, f portal.MailboxFields, requestID string) (_ int64, err error) {
	defer wrap(&err, "save mailbox %d", id)
	if actor == nil || actor.PersonID == 0 {
		return 0, portal.Forbidden("Logga in.")
	}
	errs := f.Validate()
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var before Mailbox
		if id != 0 {
			var err error
			if before, err = lockMailbox(ctx, tx, id); err != nil {
				return err
			}
			if err := mayEditMailbox(ctx, tx, actor, before.DepartmentID); err != nil {
				return err
			}
		} else if err := mayEditMailbox(ctx, tx, actor, 0); err != nil {
			return err
		}
		if errs["department"] == "" {
			var exists bool
			err := tx.QueryRow(ctx, `SELECT true FROM departments WHERE id = $1`, f.DepartmentID).Scan(&exists)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				errs["department"] = "Välj en förvaltning i listan."
			case err != nil:
				return translate(err)
			default:
				if err := mayEditMailbox(ctx, tx, actor, f.DepartmentID); err != nil {
					if portal.KindOf(err) != portal.KindForbidden {
						return err
					}
					errs["department"] = "Du kan bara registrera brevlådor för din egen förvaltning."
				}
			}
		}
		if errs["address"] == "" {
			var other string
			err := tx.QueryRow(ctx, `SELECT d.name FROM mailboxes m JOIN departments d ON d.id = m.department_id WHERE lower(m.address) = lower($1) AND m.id <> $2`,
				f.Address, id).Scan(&other)
			if err == nil {
				errs["address"] = "Adressen " + f.Address + " finns redan i registret (" + other + "). Varje brevlåda registreras en gång."
			} else if !errors.Is(err, pgx.ErrNoRows) {
				return translate(err)
			}
		}
		if len(errs) > 0 {
			return portal.Invalid("Uppgifterna behöver rättas.", errs)
		}
		if id == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO mailboxes (address, kind, department_id, purpose, closed_on) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
				f.Address, f.Kind, f.DepartmentID, f.Purpose, f.ClosedOn).Scan(&id)
		} else {
			_, err = tx.Exec(ctx, `UPDATE mailboxes SET address = $2, kind = $3, department_id = $4, purpose = $5, closed_on = $6, updated_at = now() WHERE id = $1`,
				id, f.Address, f.Kind, f.DepartmentID, f.Purpose, f.ClosedOn)
		}
		if isUniqueViolation(err) {
			return portal.Invalid("Adressen finns redan.", map[string]string{"address": "Adressen " + f.Address + " registrerades nyss av någon annan."})
		}
		if err != nil {
			return translate(err)
		}
		changes := map[string]any{}
		for k, c := range map[string][2]any{
			"address": {before.Address, f.Address}, "kind": {before.Kind, f.Kind}, "department_id": {before.DepartmentID, f.DepartmentID},
			"purpose": {before.Purpose, f.Purpose}, "closed_on": {dayPtr(before.ClosedOn), dayPtr(f.ClosedOn)},
		} {
			if c[0] != c[1] {
				changes[k] = map[string]any{"before": c[0], "after": c[1]}
			}
		}
		action := "mailbox.created"
		if before.ID != 0 {
			action = "mailbox.updated"
			if len(changes) == 0 {
				return nil
			}
		}
		if err := s.keep.refresh(ctx, tx, Scope{Municipal: true}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: action, ObjectType: "mailbox",
			ObjectID: strconv.FormatInt(id, 10), RequestID: requestID, Changes: changes})
	})
	return id, err
}

// isExclusionViolation reports whether err is PostgreSQL's
// exclusion_violation (two periods of a person on one mailbox overlap).
func isExclusionViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23P01"
}

// dayAfter is the exclusive upper bound of a period ending on to (nil:
// open, and so is the range).
func dayAfter(to *time.Time) *time.Time {
	if to == nil {
		return nil
	}
	t := to.AddDate(0, 0, 1)
	return &t
}

// overlapping returns a period of person on the mailbox that overlaps
// from–to, if one does.
func overlapping(ctx context.Context, tx pgx.Tx, mailboxID, personID int64, from time.Time, to *time.Time) (*WatcherPeriod, error) {
	list, err := collectPeriods(tx.Query(ctx, periodSelect+`WHERE w.mailbox_id = $1 AND w.person_id = $2 AND w.valid && daterange($3::date, $4::date) ORDER BY lower(w.valid) LIMIT 1`,
		mailboxID, personID, from, dayAfter(to)))
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// addWatcherTx inserts a period in tx, with its audit row.
func addWatcherTx(ctx context.Context, tx pgx.Tx, actor *portal.Actor, m Mailbox, personID int64, person, role string, from time.Time, to *time.Time, reason, requestID string) error {
	if o, err := overlapping(ctx, tx, m.ID, personID, from, to); err != nil {
		return err
	} else if o != nil {
		return portal.Invalid("Perioden överlappar en annan.", map[string]string{"from": m.Address + ": " + portal.WatcherOverlap(person, o.From, o.To)})
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO mailbox_watchers (mailbox_id, person_id, role, valid, reason, created_by) VALUES ($1, $2, $3, daterange($4::date, $5::date), $6, $7) RETURNING id`,
		m.ID, personID, role, from, dayAfter(to), reason, nullID(actor.PersonID)).Scan(&id)
	if isExclusionViolation(err) {
		return portal.Conflict("Perioden överlappar en period som sparades nyss. Ladda om sidan.")
	}
	if err != nil {
		return translate(err)
	}
	return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "mailbox.watcher_added", ObjectType: "mailbox",
		ObjectID: strconv.FormatInt(m.ID, 10), RequestID: requestID, Changes: map[string]any{
			"watcher": map[string]any{"before": nil, "after": periodText(person, role, from, to)},
			"period":  map[string]any{"before": nil, "after": id}, "reason": map[string]any{"before": nil, "after": reason}}})
}

func periodText(person, role string, from time.Time, to *time.Time) string {
	s := person + ", " + strings.ToLower(portal.LabelOf(portal.WatcherRoles, role)) + " från " + day(from)
	if to != nil {
		return s + " till och med " + day(*to)
	}
	return s + " tills vidare"
}

// AddWatcher gives a person (by e-mail address, active) a period as
// bevakare or ersättare of a mailbox.
func (s *MailboxService) AddWatcher(ctx context.Context, actor *portal.Actor, mailboxID int64, in portal.WatcherInput, requestID string) (err error) {
	defer wrap(&err, "add watcher to mailbox %d", mailboxID)
	if actor == nil || actor.PersonID == 0 {
		return portal.Forbidden("Logga in.")
	}
	errs := in.Check()
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		m, err := lockMailbox(ctx, tx, mailboxID)
		if err != nil {
			return err
		}
		if err := mayEditMailbox(ctx, tx, actor, m.DepartmentID); err != nil {
			return err
		}
		var personID int64
		var name string
		if errs["email"] == "" {
			err := tx.QueryRow(ctx, `SELECT id, name FROM people WHERE lower(email) = $1 AND active AND merged_into IS NULL`, in.Email).Scan(&personID, &name)
			if errors.Is(err, pgx.ErrNoRows) {
				errs["email"] = "Det finns ingen aktiv person med e-postadressen " + in.Email + " i IT-portalen."
			} else if err != nil {
				return translate(err)
			}
		}
		if len(errs) > 0 {
			return portal.Invalid("Perioden behöver rättas.", errs)
		}
		if o, err := overlapping(ctx, tx, m.ID, personID, *in.From, in.To); err != nil {
			return err
		} else if o != nil {
			return portal.Invalid("Perioden överlappar en annan.", map[string]string{"from": portal.WatcherOverlap(name, o.From, o.To)})
		}
		if err := addWatcherTx(ctx, tx, actor, m, personID, name, in.Role, *in.From, in.To, in.Reason, requestID); err != nil {
			return err
		}
		return s.keep.refresh(ctx, tx, Scope{Municipal: true})
	})
}

// endWatcherTx gives a period a new last day in tx, with its audit row.
func endWatcherTx(ctx context.Context, tx pgx.Tx, actor *portal.Actor, w WatcherPeriod, last time.Time, requestID, reason string) error {
	if msg := portal.CheckWatchEnd(w.From, w.To, &last); msg != "" {
		return portal.Invalid("Perioden kan inte avslutas så.", map[string]string{"last": w.Address + ": " + msg})
	}
	if _, err := tx.Exec(ctx, `UPDATE mailbox_watchers SET valid = daterange(lower(valid), $2::date + 1) WHERE id = $1`, w.ID, last); err != nil {
		return translate(err)
	}
	changes := map[string]any{"watcher": map[string]any{"before": periodText(w.Name, w.Role, w.From, w.To), "after": periodText(w.Name, w.Role, w.From, &last)},
		"period": map[string]any{"before": w.ID, "after": w.ID}}
	if reason != "" {
		changes["reason"] = map[string]any{"before": nil, "after": reason}
	}
	return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "mailbox.watcher_ended", ObjectType: "mailbox",
		ObjectID: strconv.FormatInt(w.MailboxID, 10), RequestID: requestID, Changes: changes})
}

// EndWatcher ends a period on its last day (the day given, included).
func (s *MailboxService) EndWatcher(ctx context.Context, actor *portal.Actor, mailboxID, periodID int64, last *time.Time, requestID string) (err error) {
	defer wrap(&err, "end watcher period %d of mailbox %d", periodID, mailboxID)
	if actor == nil || actor.PersonID == 0 {
		return portal.Forbidden("Logga in.")
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		m, err := lockMailbox(ctx, tx, mailboxID)
		if err != nil {
			return err
		}
		if err := mayEditMailbox(ctx, tx, actor, m.DepartmentID); err != nil {
			return err
		}
		list, err := collectPeriods(tx.Query(ctx, periodSelect+`WHERE w.id = $1 AND w.mailbox_id = $2`, periodID, mailboxID))
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return portal.NotFound("Perioden finns inte.")
		}
		if last == nil {
			return portal.Invalid("Ange sista dagen.", map[string]string{"last": "Ange sista dagen, som ÅÅÅÅ-MM-DD."})
		}
		if err := endWatcherTx(ctx, tx, actor, list[0], *last, requestID, ""); err != nil {
			return err
		}
		return s.keep.refresh(ctx, tx, Scope{Municipal: true})
	})
}

// heldMailboxes returns the periods a person watches a mailbox in on from
// or later, by address.
func heldMailboxes(ctx context.Context, tx pgx.Tx, personID int64, from time.Time) ([]WatcherPeriod, error) {
	return collectPeriods(tx.Query(ctx, periodSelect+`
		WHERE w.person_id = $1 AND (upper(w.valid) IS NULL OR upper(w.valid) > $2::date)
		ORDER BY m.address, lower(w.valid)`, personID, from))
}

// PersonMailboxes returns the mailboxes a person watches today or later.
func (s *MailboxService) PersonMailboxes(ctx context.Context, actor *portal.Actor, personID int64) (_ []WatcherPeriod, err error) {
	defer wrap(&err, "mailboxes of person %d", personID)
	if actor == nil {
		return nil, errSignInToReadMailboxes
	}
	var list []WatcherPeriod
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		list, err = heldMailboxes(ctx, tx, personID, portal.DateOf(s.now()))
		return err
	})
	return list, err
}

// handOverMailboxes, inside a hand-over's transaction, ends every period
// of the person's that runs on from on the day before and gives the
// successor the same role from from to the period's end. A successor who
// already watches the mailbox on from keeps their own period. It returns
// the periods handed over.
func handOverMailboxes(ctx context.Context, tx pgx.Tx, actor *portal.Actor, moves []WatcherPeriod, successor int64, successorName string, from time.Time, reason, requestID string) error {
	for _, w := range moves {
		m, err := lockMailbox(ctx, tx, w.MailboxID)
		if err != nil {
			return err
		}
		if err := endWatcherTx(ctx, tx, actor, w, from.AddDate(0, 0, -1), requestID, reason); err != nil {
			return err
		}
		if o, err := overlapping(ctx, tx, w.MailboxID, successor, from, w.To); err != nil {
			return err
		} else if o != nil && o.Covers(from) {
			continue // already watches it
		}
		if err := addWatcherTx(ctx, tx, actor, m, successor, successorName, w.Role, from, w.To, reason, requestID); err != nil {
			return err
		}
	}
	return nil
}
