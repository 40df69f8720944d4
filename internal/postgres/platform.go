package postgres

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// PlatformService reads and keeps the catalogue of the fixed IT
// infrastructure (§4.5) and which components the systems run on. Everyone
// signed in reads; the IT head fixes components (a granted case of
// portal.KindPlatformDecision, or a decision made before the portal,
// Record); IT-enheten links systems to components.
type PlatformService struct {
	pool *pgxpool.Pool
	keep breachKeeper // R22 of the systems a change touches
}

// NewPlatformService returns the service over pool; official is
// ITPORTAL_OFFICIAL_WEB_ADDRESS (the systems' checks it recomputes), now
// its clock (nil is time.Now).
func NewPlatformService(pool *pgxpool.Pool, official string, now func() time.Time) *PlatformService {
	return &PlatformService{pool: pool, keep: breachKeeper{official: official, now: now}}
}

// PlatformComponent is one component of the catalogue.
type PlatformComponent struct {
	ID int64
	portal.PlatformComponentFields
	Decision    portal.PlatformDecision
	RequestID   int64  // the platform decision case that fixed it, or 0
	RequestRef  string // its number
	DecidedBy   string
	Systems     int // systems that run on it
	InOperation int // of which in operation
	UpdatedAt   time.Time
}

// PlatformHistoryEntry is one status a component has had.
type PlatformHistoryEntry struct {
	At         time.Time
	Change     string // added, status
	Status     portal.PlatformStatus
	EndsOn     *time.Time
	Decision   portal.PlatformDecision
	RequestID  int64
	RequestRef string
	DecidedBy  string
}

// PlatformSystem is a system that runs on a component.
type PlatformSystem struct {
	ID        int64
	Name      string
	Lifecycle string
	Owner     string
}

// PlatformComponentView is the component's page.
type PlatformComponentView struct {
	Component PlatformComponent
	History   []PlatformHistoryEntry
	Systems   []PlatformSystem
}

var errSignInToReadPlatform = portal.Forbidden("Logga in för att läsa kommunens IT-infrastruktur.")

const componentColumns = `c.id, c.category, c.name, c.version, c.status, c.ends_on, c.notes,
	c.decided_on, c.decision_reference, c.financing_reference, COALESCE(c.request_id, 0), COALESCE(r.number, ''), COALESCE(p.name, ''),
	(SELECT count(*) FROM system_platform_components sp WHERE sp.component_id = c.id),
	(SELECT count(*) FROM system_platform_components sp JOIN systems s ON s.id = sp.system_id WHERE sp.component_id = c.id AND s.lifecycle = 'i_drift'),
	c.updated_at
	FROM platform_components c LEFT JOIN requests r ON r.id = c.request_id LEFT JOIN people p ON p.id = c.decided_by`

const componentList = `SELECT ` + componentColumns + `
	ORDER BY array_position(ARRAY['operativsystem', 'databas', 'driftform', 'identitet', 'integration', 'klientplattform', 'natverk'], c.category),
	         c.name COLLATE swedish, c.version COLLATE swedish, c.id`

const componentByID = `SELECT ` + componentColumns + ` WHERE c.id = $1`

func scanComponent(row pgx.CollectableRow) (PlatformComponent, error) {
	var c PlatformComponent
	err := row.Scan(&c.ID, &c.Category, &c.Name, &c.Version, &c.Status, &c.EndsOn, &c.Notes,
		&c.Decision.DecidedOn, &c.Decision.Reference, &c.Decision.FinancingReference, &c.RequestID, &c.RequestRef, &c.DecidedBy,
		&c.Systems, &c.InOperation, &c.UpdatedAt)
	return c, err
}

// List returns the whole catalogue, by category in the catalogue's order
// and by name.
func (s *PlatformService) List(ctx context.Context, actor *portal.Actor) (_ []PlatformComponent, err error) {
	defer wrap(&err, "list platform components")
	if actor == nil {
		return nil, errSignInToReadPlatform
	}
	rows, err := s.pool.Query(ctx, componentList)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, scanComponent)
	return list, translate(err)
}

// Get returns a component with its history and the systems that run on it.
func (s *PlatformService) Get(ctx context.Context, actor *portal.Actor, id int64) (_ PlatformComponentView, err error) {
	defer wrap(&err, "get platform component %d", id)
	var v PlatformComponentView
	if actor == nil {
		return v, errSignInToReadPlatform
	}
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, componentByID, id)
		if err != nil {
			return translate(err)
		}
		c, err := pgx.CollectExactlyOneRow(rows, scanComponent)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Komponenten finns inte i katalogen.")
		}
		if err != nil {
			return translate(err)
		}
		v.Component = c
		rows, err = tx.Query(ctx, `
			SELECT h.at, h.change, h.status, h.ends_on, h.decided_on, h.decision_reference, h.financing_reference,
			       COALESCE(h.request_id, 0), COALESCE(r.number, ''), COALESCE(p.name, '')
			FROM platform_component_history h LEFT JOIN requests r ON r.id = h.request_id LEFT JOIN people p ON p.id = h.decided_by
			WHERE h.component_id = $1 ORDER BY h.at DESC, h.id DESC`, id)
		if err != nil {
			return translate(err)
		}
		v.History, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (PlatformHistoryEntry, error) {
			var e PlatformHistoryEntry
			return e, row.Scan(&e.At, &e.Change, &e.Status, &e.EndsOn, &e.Decision.DecidedOn, &e.Decision.Reference, &e.Decision.FinancingReference,
				&e.RequestID, &e.RequestRef, &e.DecidedBy)
		})
		if err != nil {
			return translate(err)
		}
		rows, err = tx.Query(ctx, `
			SELECT s.id, s.name, s.lifecycle, COALESCE(d.name, '')
			FROM system_platform_components sp JOIN systems s ON s.id = sp.system_id
			LEFT JOIN role_assignments o ON o.system_id = s.id AND o.role = 'owner' AND o.valid @> current_date
			LEFT JOIN departments d ON d.id = o.department_id
			WHERE sp.component_id = $1 ORDER BY s.name COLLATE swedish, s.id`, id)
		if err != nil {
			return translate(err)
		}
		v.Systems, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (PlatformSystem, error) {
			var ps PlatformSystem
			return ps, row.Scan(&ps.ID, &ps.Name, &ps.Lifecycle, &ps.Owner)
		})
		return translate(err)
	})
	return v, err
}

// Record enters a component the IT head fixed by a decision made outside
// the portal (before it, or in a meeting's minutes), with the decision's
// date, reference and financing. New decisions are cases.
func (s *PlatformService) Record(ctx context.Context, actor *portal.Actor, f portal.PlatformComponentFields, d portal.PlatformDecision, correlationID string) (_ int64, err error) {
	defer wrap(&err, "record platform component")
	if !portal.CanFixPlatform(actor) {
		return 0, portal.Forbidden("Bara chefen för IT-enheten fastställer kommunens IT-infrastruktur (4.5).")
	}
	errs := f.Validate()
	for k, v := range d.Validate() {
		errs[k] = v
	}
	if len(errs) > 0 {
		return 0, portal.Invalid("Komponenten kan inte sparas.", errs)
	}
	var id int64
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		id, err = addComponentTx(ctx, tx, actor, f, d, 0, correlationID)
		return err
	})
	return id, err
}

// findComponent finds a component by name and version, case-insensitive
// (0 when there is none).
func findComponent(ctx context.Context, tx pgx.Tx, name, version string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM platform_components WHERE lower(name) = lower($1) AND lower(version) = lower($2)`, name, version).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, translate(err)
}

func duplicateComponent(f portal.PlatformComponentFields) error {
	msg := "Komponenten finns redan i katalogen: " + f.Display() + ". Ändra dess status i stället."
	return portal.Invalid(msg, map[string]string{"name": msg})
}

// addComponentTx adds a component fixed by decision d (of case request, or
// 0) in the caller's transaction, with its first history entry and an
// audit entry.
func addComponentTx(ctx context.Context, tx pgx.Tx, actor *portal.Actor, f portal.PlatformComponentFields, d portal.PlatformDecision, request int64, correlationID string) (int64, error) {
	if existing, err := findComponent(ctx, tx, f.Name, f.Version); err != nil {
		return 0, err
	} else if existing != 0 {
		return 0, duplicateComponent(f)
	}
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO platform_components (category, name, version, status, ends_on, decided_on, decision_reference, financing_reference, request_id, decided_by, notes)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		string(f.Category), f.Name, f.Version, string(f.Status), datePtr(f.EndsOn), d.DecidedOn.Format(time.DateOnly), d.Reference, d.FinancingReference,
		nullID(request), nullID(actor.PersonID), f.Notes).Scan(&id)
	if isUniqueViolation(err) {
		return 0, duplicateComponent(f)
	}
	if err != nil {
		return 0, translate(err)
	}
	if err := componentHistoryTx(ctx, tx, actor, id, "added", f.Status, f.EndsOn, d, request); err != nil {
		return 0, err
	}
	return id, appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "platform_component.added", ObjectType: "platform_component",
		ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: map[string]any{
			"category": string(f.Category), "name": f.Name, "version": f.Version, "status": string(f.Status), "ends_on": datePtr(f.EndsOn),
			"decided_on": d.DecidedOn.Format(time.DateOnly), "decision_reference": d.Reference, "financing_reference": d.FinancingReference,
			"request_id": nullID(request)}})
}

// setComponentStatusTx changes a component's status as decision d says,
// keeping the old one in the history, and recomputes R22 of the systems
// that run on it.
func setComponentStatusTx(ctx context.Context, tx pgx.Tx, keep breachKeeper, actor *portal.Actor, id int64, status portal.PlatformStatus, endsOn *time.Time, d portal.PlatformDecision, request int64, correlationID string) error {
	var before portal.PlatformStatus
	var beforeEnds *time.Time
	err := tx.QueryRow(ctx, `SELECT status, ends_on FROM platform_components WHERE id = $1 FOR UPDATE`, id).Scan(&before, &beforeEnds)
	if errors.Is(err, pgx.ErrNoRows) {
		return portal.NotFound("Komponenten finns inte i katalogen.")
	}
	if err != nil {
		return translate(err)
	}
	if _, err := tx.Exec(ctx, `
		UPDATE platform_components SET status = $2, ends_on = $3, decided_on = $4, decision_reference = $5, financing_reference = $6,
			request_id = $7, decided_by = $8, updated_at = now()
		WHERE id = $1`, id, string(status), datePtr(endsOn), d.DecidedOn.Format(time.DateOnly), d.Reference, d.FinancingReference,
		nullID(request), nullID(actor.PersonID)); err != nil {
		return translate(err)
	}
	if err := componentHistoryTx(ctx, tx, actor, id, "status", status, endsOn, d, request); err != nil {
		return err
	}
	if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "platform_component.status_changed", ObjectType: "platform_component",
		ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: map[string]any{
			"status":     map[string]any{"before": string(before), "after": string(status)},
			"ends_on":    map[string]any{"before": datePtr(beforeEnds), "after": datePtr(endsOn)},
			"decided_on": d.DecidedOn.Format(time.DateOnly), "decision_reference": d.Reference, "financing_reference": d.FinancingReference,
			"request_id": nullID(request)}}); err != nil {
		return err
	}
	systems, err := componentSystems(ctx, tx, id)
	if err != nil {
		return err
	}
	if len(systems) == 0 {
		return nil
	}
	return keep.refresh(ctx, tx, Scope{Systems: systems})
}

func componentSystems(ctx context.Context, tx pgx.Tx, id int64) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT system_id FROM system_platform_components WHERE component_id = $1 ORDER BY 1`, id)
	if err != nil {
		return nil, translate(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, translate(err)
}

func componentHistoryTx(ctx context.Context, tx pgx.Tx, actor *portal.Actor, id int64, change string, status portal.PlatformStatus, endsOn *time.Time, d portal.PlatformDecision, request int64) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO platform_component_history (component_id, change, status, ends_on, decided_on, decision_reference, financing_reference, request_id, decided_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, id, change, string(status), datePtr(endsOn), d.DecidedOn.Format(time.DateOnly),
		d.Reference, d.FinancingReference, nullID(request), nullID(actor.PersonID))
	return translate(err)
}

// SystemComponents returns the components a system runs on.
func (s *PlatformService) SystemComponents(ctx context.Context, actor *portal.Actor, systemID int64) (_ []PlatformComponent, err error) {
	defer wrap(&err, "platform of system %d", systemID)
	if actor == nil {
		return nil, errSignInToReadPlatform
	}
	rows, err := s.pool.Query(ctx, `SELECT `+componentColumns+`
		JOIN system_platform_components sp ON sp.component_id = c.id WHERE sp.system_id = $1
		ORDER BY array_position(ARRAY['operativsystem', 'databas', 'driftform', 'identitet', 'integration', 'klientplattform', 'natverk'], c.category),
		         c.name COLLATE swedish, c.id`, systemID)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, scanComponent)
	return list, translate(err)
}

// SetSystemComponents records that the system runs on exactly the
// components ids (portal.CanLinkPlatform), with an audit entry of what
// was added and removed, and recomputes the system's R22 in the same
// transaction.
func (s *PlatformService) SetSystemComponents(ctx context.Context, actor *portal.Actor, systemID int64, ids []int64, correlationID string) (err error) {
	defer wrap(&err, "set platform of system %d", systemID)
	if !portal.CanLinkPlatform(actor) {
		return portal.Forbidden("Bara IT-enheten anger vilka plattformskomponenter ett system kör på.")
	}
	if len(ids) > portal.MaxPlatformNeeds {
		return portal.Invalid("Välj högst 50 komponenter.", map[string]string{"komponent": "Välj högst 50 komponenter."})
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var name string
		err := tx.QueryRow(ctx, `SELECT name FROM systems WHERE id = $1 FOR UPDATE`, systemID).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Systemet finns inte.")
		}
		if err != nil {
			return translate(err)
		}
		var known int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM platform_components WHERE id = ANY($1)`, ids).Scan(&known); err != nil {
			return translate(err)
		}
		if known != len(ids) {
			return portal.Invalid("Välj komponenterna i listan.", map[string]string{"komponent": "Välj komponenterna i listan."})
		}
		rows, err := tx.Query(ctx, `SELECT component_id FROM system_platform_components WHERE system_id = $1`, systemID)
		if err != nil {
			return translate(err)
		}
		before, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return translate(err)
		}
		var added, removed []int64
		for _, id := range ids {
			if !slices.Contains(before, id) {
				added = append(added, id)
			}
		}
		for _, id := range before {
			if !slices.Contains(ids, id) {
				removed = append(removed, id)
			}
		}
		if len(added) == 0 && len(removed) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM system_platform_components WHERE system_id = $1 AND component_id = ANY($2)`, systemID, removed); err != nil {
			return translate(err)
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO system_platform_components (system_id, component_id, added_by)
			SELECT $1, unnest($2::bigint[]), $3`, systemID, added, nullID(actor.PersonID)); err != nil {
			return translate(err)
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "system.platform_changed", ObjectType: "system",
			ObjectID: strconv.FormatInt(systemID, 10), RequestID: correlationID,
			Changes: map[string]any{"platform_components": map[string]any{"added": added, "removed": removed}}}); err != nil {
			return err
		}
		return s.keep.refresh(ctx, tx, Scope{Systems: []int64{systemID}})
	})
}

// PhasedOutSystem is a system that runs on a component being phased out
// or not allowed.
type PhasedOutSystem struct {
	SystemID    int64
	SystemName  string
	Lifecycle   string
	Owner       string
	ComponentID int64
	Component   string
	Status      portal.PlatformStatus
	EndsOn      *time.Time
}

// PhasedOut lists every system on a component under phase-out or not
// allowed, those whose end date is nearest (or passed) first.
func (s *PlatformService) PhasedOut(ctx context.Context, actor *portal.Actor) (_ []PhasedOutSystem, err error) {
	defer wrap(&err, "systems on components phased out")
	if actor == nil {
		return nil, errSignInToReadPlatform
	}
	rows, err := s.pool.Query(ctx, `
		SELECT s.id, s.name, s.lifecycle, COALESCE(d.name, ''), c.id, btrim(c.name || ' ' || c.version), c.status, c.ends_on
		FROM system_platform_components sp
		JOIN platform_components c ON c.id = sp.component_id
		JOIN systems s ON s.id = sp.system_id
		LEFT JOIN role_assignments o ON o.system_id = s.id AND o.role = 'owner' AND o.valid @> current_date
		LEFT JOIN departments d ON d.id = o.department_id
		WHERE c.status IN ('avveckling', 'ej_tillaten') AND s.lifecycle <> 'avvecklad'
		ORDER BY c.ends_on NULLS FIRST, c.name COLLATE swedish, s.name COLLATE swedish, s.id`)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (PhasedOutSystem, error) {
		var p PhasedOutSystem
		return p, row.Scan(&p.SystemID, &p.SystemName, &p.Lifecycle, &p.Owner, &p.ComponentID, &p.Component, &p.Status, &p.EndsOn)
	})
	return list, translate(err)
}

// platformNeeds reads the catalogue entries of the components a case
// names (ids, comma-separated), in catalogue order; ids not in the
// catalogue are left out.
func platformNeeds(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, list string) ([]portal.PlatformNeed, error) {
	ids, msg := portal.ParseComponentIDs(list)
	if msg != "" || len(ids) == 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, `
		SELECT c.id, btrim(c.name || ' ' || c.version), c.status, c.ends_on FROM platform_components c WHERE c.id = ANY($1)
		ORDER BY array_position(ARRAY['operativsystem', 'databas', 'driftform', 'identitet', 'integration', 'klientplattform', 'natverk'], c.category),
		         c.name COLLATE swedish, c.id`, ids)
	if err != nil {
		return nil, translate(err)
	}
	needs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (portal.PlatformNeed, error) {
		var n portal.PlatformNeed
		return n, row.Scan(&n.ComponentID, &n.Display, &n.Status, &n.EndsOn)
	})
	return needs, translate(err)
}

// PlatformException is an exception granted in a case's decision.
type PlatformException struct {
	ComponentID int64
	Component   string
	Status      portal.PlatformStatus
	Reason      string
}

func caseExceptions(ctx context.Context, tx pgx.Tx, request int64) ([]PlatformException, error) {
	rows, err := tx.Query(ctx, `
		SELECT e.component_id, btrim(c.name || ' ' || c.version), e.status, e.reason
		FROM request_platform_exceptions e JOIN platform_components c ON c.id = e.component_id
		WHERE e.request_id = $1 ORDER BY c.name COLLATE swedish, c.id`, request)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (PlatformException, error) {
		var e PlatformException
		return e, row.Scan(&e.ComponentID, &e.Component, &e.Status, &e.Reason)
	})
	return list, translate(err)
}

// resolvePlatformDecision checks, in a draft's or a grant's transaction,
// the catalogue change a platform decision case proposes: a new component
// must not be in the catalogue, a change of status must name one that is.
// It returns the component to change (0 for a new one); problems are
// field errors.
func resolvePlatformDecision(ctx context.Context, tx pgx.Tx, d portal.RequestDetails, errs map[string]string) (int64, error) {
	if d.PlatformName == "" || d.PlatformChange == "" {
		return 0, nil
	}
	id, err := findComponent(ctx, tx, d.PlatformName, d.PlatformVersion)
	if err != nil {
		return 0, err
	}
	shown := portal.ProposedComponent(d).Display()
	switch {
	case d.PlatformChange == portal.PlatformChangeAdd && id != 0:
		errs["platform_name"] = "Komponenten finns redan i katalogen: " + shown + ". Välj att ändra dess status i stället."
	case d.PlatformChange == portal.PlatformChangeStatus && id == 0:
		errs["platform_name"] = "Det finns ingen komponent " + shown + " i katalogen. Skriv namn och version som i katalogen, eller välj att föra in en ny."
	}
	return id, nil
}

// checkPlatformFields adds field errors for a case's platform fields: the
// components an introduction or upgrade names must be in the catalogue; a
// platform decision's change must fit it (resolvePlatformDecision).
func checkPlatformFields(ctx context.Context, tx pgx.Tx, kind portal.RequestKind, f portal.RequestFields, errs map[string]string) error {
	switch kind {
	case portal.KindIntroduction, portal.KindUpgrade:
		if errs["platform_components"] != "" {
			return nil
		}
		ids, _ := portal.ParseComponentIDs(f.Details.PlatformComponents)
		if len(ids) == 0 {
			return nil
		}
		var known int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM platform_components WHERE id = ANY($1)`, ids).Scan(&known); err != nil {
			return translate(err)
		}
		if known != len(ids) {
			errs["platform_components"] = "Välj komponenterna i listan."
		}
	case portal.KindPlatformDecision:
		_, err := resolvePlatformDecision(ctx, tx, f.Details, errs)
		return err
	}
	return nil
}

// grantExceptions checks and records, in a decision's transaction, the
// exceptions a grant of an introduction or upgrade needs: one with a
// reason for each component it names that is not standard in the
// catalogue as it stands now (portal.CheckExceptions). It returns what it
// recorded, for the audit entry.
func grantExceptions(ctx context.Context, tx pgx.Tx, actor *portal.Actor, r Request, action portal.RequestAction, reasons map[int64]string) ([]map[string]any, error) {
	if action != portal.ActionGrant || (r.Kind != portal.KindIntroduction && r.Kind != portal.KindUpgrade) {
		return nil, nil
	}
	needs, err := platformNeeds(ctx, tx, r.Fields.Details.PlatformComponents)
	if err != nil {
		return nil, err
	}
	kept, err := portal.CheckExceptions(needs, reasons)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, n := range needs {
		reason, ok := kept[n.ComponentID]
		if !ok {
			continue
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO request_platform_exceptions (request_id, component_id, status, reason, decided_by)
			VALUES ($1, $2, $3, $4, $5)`, r.ID, n.ComponentID, string(n.Status), reason, actor.PersonID); err != nil {
			return nil, translate(err)
		}
		out = append(out, map[string]any{"component_id": n.ComponentID, "component": n.Display, "status": string(n.Status), "reason": reason})
	}
	return out, nil
}

// applyPlatformDecision changes the catalogue as a granted platform
// decision says, in the decision's transaction: the decision is the
// case's (its number, today, its financing).
func (s *RequestService) applyPlatformDecision(ctx context.Context, tx pgx.Tx, actor *portal.Actor, r Request, correlationID string) error {
	d := r.Fields.Details
	f := portal.ProposedComponent(d)
	if f.Category == "" {
		f.Category = portal.CategoryOS // a change of status keeps the component's own category
	}
	if errs := f.Validate(); len(errs) > 0 {
		return portal.Conflict("Katalogen kan inte ändras med ärendets uppgifter: " + firstMessage(errs))
	}
	financing := r.Fields.FinancingReference
	if financing == "" {
		financing = r.Fields.FinancingSource
	}
	decision := portal.PlatformDecision{DecidedOn: portal.Today(), Reference: r.Number, FinancingReference: financing}
	if errs := decision.Validate(); len(errs) > 0 {
		return portal.Conflict(firstMessage(errs))
	}
	errs := map[string]string{}
	id, err := resolvePlatformDecision(ctx, tx, d, errs)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return portal.Conflict(firstMessage(errs))
	}
	if d.PlatformChange == portal.PlatformChangeAdd {
		_, err := addComponentTx(ctx, tx, actor, f, decision, r.ID, correlationID)
		if portal.KindOf(err) == portal.KindInvalid {
			return portal.Conflict(portal.MessageOf(err))
		}
		return err
	}
	return setComponentStatusTx(ctx, tx, s.keep, actor, id, f.Status, f.EndsOn, decision, r.ID, correlationID)
}
