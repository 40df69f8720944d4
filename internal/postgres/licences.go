package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// LicenceService reads and keeps the systems' licences. Everyone signed in
// reads; IT-enheten edits (portal.CanManageLicences). Every change
// recomputes R17 of the licence's system in its own transaction and
// writes an audit entry (object type "licence"), a removal too.
type LicenceService struct {
	pool *pgxpool.Pool
	now  func() time.Time
	keep breachKeeper // R17 of the licence's system
}

// NewLicenceService returns the service over pool; official is
// ITPORTAL_OFFICIAL_WEB_ADDRESS (the systems' checks it recomputes), now
// its clock (nil is time.Now).
func NewLicenceService(pool *pgxpool.Pool, official string, now func() time.Time) *LicenceService {
	if now == nil {
		now = time.Now
	}
	return &LicenceService{pool: pool, now: now, keep: breachKeeper{official: official, now: now}}
}

// Licence is a licence as stored, with the names it refers to.
type Licence struct {
	ID         int64
	SystemID   int64
	SystemName string
	portal.LicenceFields
	ContractName string
	UpdatedAt    time.Time
}

// Status is what the licence's numbers say (portal.LicenceStatus).
func (l Licence) Status() string { return portal.LicenceStatus(l.Model, l.Bought, l.InUse, l.Counted) }

// LicenceFilter narrows the licence list.
type LicenceFilter struct {
	Query         string // the system's name
	OverUsed      bool   // only those in use beyond what was bought (R17)
	RenewalWithin int    // only those renewed within this many days from today; 0 for all
	SystemID      int64
	ContractID    int64
	AfterID       int64 // the API's cursor: only ids above it, in id order
	Limit         int   // 0 for all
}

var errSignInToReadLicences = portal.Forbidden("Logga in för att läsa licenser.")

func mayManageLicences(actor *portal.Actor) error {
	if !portal.CanManageLicences(actor) {
		return portal.Forbidden("Bara IT-enheten ändrar licenser.")
	}
	return nil
}

const licenceSelect = `
	SELECT l.id, l.system_id, s.name, COALESCE(l.contract_id, 0), COALESCE(c.name, ''), l.model, l.bought,
	       COALESCE(l.in_use, 0), l.in_use IS NOT NULL, l.counted_on, l.renewal_on, l.note, l.updated_at
	FROM licences l JOIN systems s ON s.id = l.system_id LEFT JOIN contracts c ON c.id = l.contract_id `

// licenceWhere is the list's filter: $1 system, $2 contract, $3 over-used
// only, $4 the last renewal day or NULL, $5 today, $6 the query, $7 it
// escaped for LIKE, $8 the cursor, $9 the limit (NULL for all).
const licenceWhere = `
	WHERE ($1::bigint = 0 OR l.system_id = $1) AND ($2::bigint = 0 OR l.contract_id = $2)
	  AND (NOT $3::bool OR (l.model <> 'plats' AND l.in_use > l.bought))
	  AND ($4::date IS NULL OR l.renewal_on BETWEEN $5::date AND $4::date)
	  AND ($6::text = '' OR s.name ILIKE '%' || $7 || '%')
	  AND l.id > $8 `

func scanLicences(rows pgx.Rows, qerr error) ([]Licence, error) {
	if qerr != nil {
		return nil, translate(qerr)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Licence, error) {
		var l Licence
		var counted, renewal *time.Time
		err := row.Scan(&l.ID, &l.SystemID, &l.SystemName, &l.ContractID, &l.ContractName, &l.Model, &l.Bought,
			&l.InUse, &l.Counted, &counted, &renewal, &l.Note, &l.UpdatedAt)
		if counted != nil {
			l.CountedOn = *counted
		}
		if renewal != nil {
			l.RenewalOn = *renewal
		}
		return l, err
	})
	return list, translate(err)
}

// List returns the licences that match f: by system name and model, or in
// id order when f pages by a cursor (AfterID, Limit).
func (s *LicenceService) List(ctx context.Context, actor *portal.Actor, f LicenceFilter) (list []Licence, err error) {
	defer wrap(&err, "list licences")
	if actor == nil {
		return nil, errSignInToReadLicences
	}
	today := portal.DateOf(s.now())
	var until *time.Time
	if f.RenewalWithin > 0 {
		u := today.AddDate(0, 0, f.RenewalWithin)
		until = &u
	}
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit
	}
	q := strings.TrimSpace(f.Query)
	args := []any{f.SystemID, f.ContractID, f.OverUsed, until, today, q, escapeLike(q), f.AfterID, limit}
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if f.Limit > 0 {
			list, err = scanLicences(tx.Query(ctx, licenceSelect+licenceWhere+`ORDER BY l.id LIMIT $9`, args...))
		} else {
			list, err = scanLicences(tx.Query(ctx, licenceSelect+licenceWhere+`AND $9::int IS NULL ORDER BY s.name COLLATE swedish, l.model, l.id`, args...))
		}
		return err
	})
	return list, err
}

func getLicence(ctx context.Context, tx pgx.Tx, id int64, lock bool) (Licence, error) {
	var list []Licence
	var err error
	if lock {
		list, err = scanLicences(tx.Query(ctx, licenceSelect+`WHERE l.id = $1 FOR UPDATE OF l`, id))
	} else {
		list, err = scanLicences(tx.Query(ctx, licenceSelect+`WHERE l.id = $1`, id))
	}
	if err != nil {
		return Licence{}, err
	}
	if len(list) == 0 {
		return Licence{}, portal.NotFound("Licensen finns inte.")
	}
	return list[0], nil
}

// Get returns a licence with its history.
func (s *LicenceService) Get(ctx context.Context, actor *portal.Actor, id int64) (l Licence, audit []AuditRow, err error) {
	defer wrap(&err, "get licence %d", id)
	if actor == nil {
		return l, nil, errSignInToReadLicences
	}
	err = snapshotTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if l, err = getLicence(ctx, tx, id, false); err != nil {
			return err
		}
		audit, err = auditFor(ctx, tx, "licence", strconv.FormatInt(id, 10))
		return translate(err)
	})
	return l, audit, err
}

// SystemName returns the name of a system, for the new licence form
// reached from the system's page; "" when there is none.
func (s *LicenceService) SystemName(ctx context.Context, id int64) (string, error) {
	var name string
	err := s.pool.QueryRow(ctx, `SELECT name FROM systems WHERE id = $1`, id).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return name, translate(err)
}

// Save creates (id 0) the licence of the system named systemName (as the
// register spells it, in any case) or changes licence id (whose system
// stays). The system, the contract and the one licence per system and
// model are checked in the transaction that saves it, which also
// recomputes R17 of the system and writes the audit entry.
func (s *LicenceService) Save(ctx context.Context, actor *portal.Actor, id int64, systemName string, f portal.LicenceFields, correlationID string) (_ int64, err error) {
	defer wrap(&err, "save licence %d", id)
	if err := mayManageLicences(actor); err != nil {
		return 0, err
	}
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		saved, systemID, err := saveLicence(ctx, tx, actor, id, systemName, f, correlationID, "")
		if err != nil || systemID == 0 {
			return err
		}
		id = saved
		return s.keep.refresh(ctx, tx, Scope{Systems: []int64{systemID}})
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// saveLicence is Save inside tx, but for the recomputation of R17, which
// the caller does for the system it returns (0 when nothing changed); via
// names what made the change in the audit entry ("import" for the import
// of counts).
func saveLicence(ctx context.Context, tx pgx.Tx, actor *portal.Actor, id int64, systemName string, f portal.LicenceFields, correlationID, via string) (int64, int64, error) {
	errs := map[string]string{}
	var before Licence
	var systemID int64
	if id != 0 {
		var err error
		if before, err = getLicence(ctx, tx, id, true); err != nil {
			return 0, 0, err
		}
		systemID = before.SystemID
	} else {
		systemName = strings.TrimSpace(systemName)
		if m := portal.TextProblem(systemName, 200, false); m != "" {
			errs["system"] = m
		} else if systemName == "" {
			errs["system"] = "Skriv systemets namn som det står i registret."
		} else {
			err := tx.QueryRow(ctx, `SELECT id FROM systems WHERE lower(name) = lower($1) ORDER BY id LIMIT 1`, systemName).Scan(&systemID)
			if errors.Is(err, pgx.ErrNoRows) {
				errs["system"] = "Det finns inget system som heter så i registret. Skriv namnet som det står i registret."
			} else if err != nil {
				return 0, 0, translate(err)
			}
		}
	}
	if f.ContractID != 0 {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT true FROM contracts WHERE id = $1`, f.ContractID).Scan(&ok); errors.Is(err, pgx.ErrNoRows) {
			errs["contract_id"] = "Avtalet finns inte. Välj ett avtal i listan."
		} else if err != nil {
			return 0, 0, translate(err)
		}
	}
	if systemID != 0 && errs["model"] == "" {
		var other int64
		err := tx.QueryRow(ctx, `SELECT id FROM licences WHERE system_id = $1 AND model = $2 AND id <> $3`, systemID, f.Model, id).Scan(&other)
		if err == nil {
			errs["model"] = "Systemet har redan en licens med modellen " + strings.ToLower(portal.LabelOf(portal.LicenceModels, f.Model)) + ". Ändra den i stället."
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return 0, 0, translate(err)
		}
	}
	if len(errs) > 0 {
		return 0, 0, portal.Invalid("Uppgifterna behöver rättas.", errs)
	}
	var inUse *int
	if f.Counted {
		inUse = &f.InUse
	}
	args := []any{nullID(f.ContractID), f.Model, f.Bought, inUse, nullDate(f.CountedOn), nullDate(f.RenewalOn), f.Note}
	if id == 0 {
		err := tx.QueryRow(ctx, `
			INSERT INTO licences (contract_id, model, bought, in_use, counted_on, renewal_on, note, system_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, append(args, systemID)...).Scan(&id)
		if err != nil {
			return 0, 0, translate(err)
		}
	} else {
		_, err := tx.Exec(ctx, `
			UPDATE licences SET contract_id = $1, model = $2, bought = $3, in_use = $4, counted_on = $5, renewal_on = $6, note = $7,
			    updated_at = now()
			WHERE id = $8`, append(args, id)...)
		if err != nil {
			return 0, 0, translate(err)
		}
	}
	after, err := getLicence(ctx, tx, id, false)
	if err != nil {
		return 0, 0, err
	}
	changes := licenceChanges(before, after)
	action := "licence.created"
	if before.ID != 0 {
		action = "licence.updated"
		if len(changes) == 0 {
			return id, 0, nil
		}
	}
	changes["system_id"] = after.SystemID
	if via != "" {
		changes["via"] = via
	}
	return id, after.SystemID, appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: action, ObjectType: "licence",
		ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: changes})
}

// Remove deletes a licence; the audit entry keeps what it said.
func (s *LicenceService) Remove(ctx context.Context, actor *portal.Actor, id int64, correlationID string) (systemID int64, err error) {
	defer wrap(&err, "remove licence %d", id)
	if err := mayManageLicences(actor); err != nil {
		return 0, err
	}
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		before, err := getLicence(ctx, tx, id, true)
		if err != nil {
			return err
		}
		systemID = before.SystemID
		if _, err := tx.Exec(ctx, `DELETE FROM licences WHERE id = $1`, id); err != nil {
			return translate(err)
		}
		if err := s.keep.refresh(ctx, tx, Scope{Systems: []int64{before.SystemID}}); err != nil {
			return err
		}
		changes := licenceChanges(before, Licence{})
		changes["system_id"] = before.SystemID
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "licence.removed", ObjectType: "licence",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: changes})
	})
	return systemID, err
}

// licenceChanges lists the fields that differ, as the audit log keeps
// them ({"field": {"before": …, "after": …}}), in readable values.
func licenceChanges(before, after Licence) map[string]any {
	text := func(l Licence) map[string]string {
		if l.ID == 0 {
			return map[string]string{}
		}
		date := func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format("2006-01-02")
		}
		inUse, bought := "", strconv.Itoa(l.Bought)
		if l.Counted {
			inUse = strconv.Itoa(l.InUse)
		}
		if !portal.LicenceCounted(l.Model) {
			bought = ""
		}
		return map[string]string{"system": l.SystemName, "contract": l.ContractName, "model": portal.LabelOf(portal.LicenceModels, l.Model),
			"bought": bought, "in_use": inUse, "counted_on": date(l.CountedOn), "renewal_on": date(l.RenewalOn), "note": l.Note}
	}
	b, a := text(before), text(after)
	out := map[string]any{}
	for _, k := range []string{"system", "contract", "model", "bought", "in_use", "counted_on", "renewal_on", "note"} {
		if b[k] != a[k] {
			out[k] = map[string]any{"before": b[k], "after": a[k]}
		}
	}
	return out
}
