package postgres

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// EquipmentService keeps IT-enheten's equipment, the price list, the
// rentals to departments and the monthly charge (Riktlinjer för IT §6).
// IT-enheten edits (portal.CanManageEquipment); what others read is
// portal.EquipmentScopeOf: a manager their department's, everyone what
// they use.
type EquipmentService struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewEquipmentService returns the service over pool; now is the clock
// (nil is time.Now).
func NewEquipmentService(pool *pgxpool.Pool, now func() time.Time) *EquipmentService {
	if now == nil {
		now = time.Now
	}
	return &EquipmentService{pool: pool, now: now}
}

func (s *EquipmentService) today() time.Time { return portal.DateOf(s.now()) }

// Equipment is a piece as stored, with its status today.
type Equipment struct {
	ID int64
	portal.EquipmentFields
	ScrappedOn *time.Time
	Status     string
	PastLife   bool
	RowVersion int
}

// Rental is a rental period with the names behind it.
type Rental struct {
	portal.RentalPeriod
	Department  string
	Person      string
	PersonEmail string
	Note        string
}

// EquipmentRow is a piece in the inventory list, with its renter today.
type EquipmentRow struct {
	ID              int64
	Type            string
	Manufacturer    string
	Model           string
	SerialNumber    string
	InventoryNumber string
	PurchasedOn     time.Time
	PriceOre        int64
	LifeMonths      int
	Location        string
	Status          string
	PastLife        bool
	DepartmentID    int64
	Department      string
	Person          string
	RentedFrom      *time.Time
}

// EquipmentView is a piece's page: its facts, rentals (oldest first) and
// audit trail.
type EquipmentView struct {
	Equipment Equipment
	Rentals   []Rental
	Audit     []AuditRow
}

// EquipmentFilter narrows the inventory. After is the paging cursor (the
// last id of the previous page); Limit 0 means 500.
type EquipmentFilter struct {
	Type         string
	Status       string
	DepartmentID int64
	PastLife     bool
	After        int64
	Limit        int
}

var errSignInForEquipment = portal.Forbidden("Logga in för att se utrustning.")

func mayManageEquipment(actor *portal.Actor) error {
	if !portal.CanManageEquipment(actor) {
		return portal.Forbidden("Bara IT-enheten ändrar utrustning, prislista och uthyrning.")
	}
	return nil
}

// scope is what the actor reads, asking the database whether they manage
// anyone.
func (s *EquipmentService) scope(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, actor *portal.Actor) (portal.EquipmentScope, error) {
	if actor == nil {
		return portal.EquipmentScope{}, errSignInForEquipment
	}
	if portal.SeesAllEquipment(actor) {
		return portal.EquipmentScopeOf(actor, false), nil
	}
	var manages bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM people WHERE manager_id = $1 AND active)`, actor.PersonID).Scan(&manages); err != nil {
		return portal.EquipmentScope{}, translate(err)
	}
	return portal.EquipmentScopeOf(actor, manages), nil
}

// Scope says what the actor reads of the inventory and the charge.
func (s *EquipmentService) Scope(ctx context.Context, actor *portal.Actor) (portal.EquipmentScope, error) {
	return s.scope(ctx, s.pool, actor)
}

// equipmentStatusSQL is a piece's status today (@today): scrapped and in
// repair are set; rented when a period runs today; else in stock.
const equipmentListSQL = `
	SELECT e.id, e.type, e.manufacturer, e.model, e.serial_number, e.inventory_number, e.purchased_on, e.price_ore,
	       e.life_months, e.location,
	       CASE WHEN e.scrapped_on IS NOT NULL THEN 'skrotad' WHEN e.in_repair THEN 'pa_reparation'
	            WHEN r.id IS NOT NULL THEN 'uthyrd' ELSE 'i_lager' END AS status,
	       (e.purchased_on + make_interval(months => e.life_months))::date <= @today AS past_life,
	       COALESCE(r.department_id, 0), COALESCE(d.name, ''), COALESCE(p.name, ''), lower(r.valid)
	FROM equipment e
	LEFT JOIN equipment_rentals r ON r.equipment_id = e.id AND r.valid @> @today::date
	LEFT JOIN departments d ON d.id = r.department_id
	LEFT JOIN people p ON p.id = r.person_id
	WHERE (@all OR r.person_id = @person OR (@dept::bigint <> 0 AND r.department_id = @dept))
	  AND (@type = '' OR e.type = @type)
	  AND (@fdept::bigint = 0 OR r.department_id = @fdept)
	  AND (NOT @past OR (e.purchased_on + make_interval(months => e.life_months))::date <= @today)
	  AND e.id > @after
	  AND (@status = '' OR @status = CASE WHEN e.scrapped_on IS NOT NULL THEN 'skrotad' WHEN e.in_repair THEN 'pa_reparation'
	            WHEN r.id IS NOT NULL THEN 'uthyrd' ELSE 'i_lager' END)
	ORDER BY e.id
	LIMIT @limit`

func scanEquipmentRow(row pgx.CollectableRow) (EquipmentRow, error) {
	var r EquipmentRow
	err := row.Scan(&r.ID, &r.Type, &r.Manufacturer, &r.Model, &r.SerialNumber, &r.InventoryNumber, &r.PurchasedOn, &r.PriceOre,
		&r.LifeMonths, &r.Location, &r.Status, &r.PastLife, &r.DepartmentID, &r.Department, &r.Person, &r.RentedFrom)
	return r, err
}

// List returns the inventory the actor reads, filtered, by id.
func (s *EquipmentService) List(ctx context.Context, actor *portal.Actor, f EquipmentFilter) (_ []EquipmentRow, err error) {
	defer wrap(&err, "list equipment")
	sc, err := s.scope(ctx, s.pool, actor)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 500
	}
	rows, err := s.pool.Query(ctx, equipmentListSQL, pgx.NamedArgs{"today": s.today(), "all": sc.All, "person": sc.PersonID, "dept": sc.DepartmentID,
		"type": f.Type, "fdept": f.DepartmentID, "past": f.PastLife, "after": f.After, "status": f.Status, "limit": f.Limit})
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, scanEquipmentRow)
	return list, translate(err)
}

// PersonEquipment lists the pieces a person uses today or from a later
// day (what they hand back when they leave), when the actor reads them.
func (s *EquipmentService) PersonEquipment(ctx context.Context, actor *portal.Actor, personID int64) (_ []Rental, _ []EquipmentRow, err error) {
	defer wrap(&err, "list equipment of person %d", personID)
	sc, err := s.scope(ctx, s.pool, actor)
	if err != nil {
		return nil, nil, err
	}
	rows, err := s.pool.Query(ctx, `
		SELECT r.id, r.equipment_id, r.department_id, COALESCE(r.person_id, 0), lower(r.valid), upper(r.valid), d.name, COALESCE(p.name, ''), COALESCE(p.email, ''), r.note,
		       e.type, e.model, e.inventory_number, e.serial_number
		FROM equipment_rentals r
		JOIN equipment e ON e.id = r.equipment_id
		JOIN departments d ON d.id = r.department_id
		LEFT JOIN people p ON p.id = r.person_id
		WHERE r.person_id = $1 AND (upper(r.valid) IS NULL OR upper(r.valid) > $2::date)
		  AND ($3 OR r.person_id = $4 OR ($5::bigint <> 0 AND r.department_id = $5))
		ORDER BY lower(r.valid), r.id`, personID, s.today(), sc.All, sc.PersonID, sc.DepartmentID)
	if err != nil {
		return nil, nil, translate(err)
	}
	defer rows.Close()
	var rentals []Rental
	var pieces []EquipmentRow
	for rows.Next() {
		var r Rental
		var e EquipmentRow
		if err := rows.Scan(&r.ID, &r.EquipmentID, &r.DepartmentID, &r.PersonID, &r.From, &r.To, &r.Department, &r.Person, &r.PersonEmail, &r.Note,
			&e.Type, &e.Model, &e.InventoryNumber, &e.SerialNumber); err != nil {
			return nil, nil, translate(err)
		}
		e.ID = r.EquipmentID
		rentals, pieces = append(rentals, r), append(pieces, e)
	}
	return rentals, pieces, translate(rows.Err())
}

const equipmentGetSQL = `
	SELECT e.id, e.type, e.manufacturer, e.model, e.serial_number, e.inventory_number, e.purchased_on, e.price_ore, e.life_months,
	       e.location, e.in_repair, e.notes, e.scrapped_on, e.row_version,
	       CASE WHEN e.scrapped_on IS NOT NULL THEN 'skrotad' WHEN e.in_repair THEN 'pa_reparation'
	            WHEN EXISTS (SELECT 1 FROM equipment_rentals r WHERE r.equipment_id = e.id AND r.valid @> $2::date) THEN 'uthyrd' ELSE 'i_lager' END
	FROM equipment e WHERE e.id = $1`

func (s *EquipmentService) get(ctx context.Context, tx pgx.Tx, id int64, lock bool) (Equipment, error) {
	var row pgx.Row
	if lock {
		row = tx.QueryRow(ctx, equipmentGetSQL+` FOR UPDATE OF e`, id, s.today())
	} else {
		row = tx.QueryRow(ctx, equipmentGetSQL, id, s.today())
	}
	var e Equipment
	err := row.Scan(&e.ID, &e.Type, &e.Manufacturer, &e.Model, &e.SerialNumber, &e.InventoryNumber,
		&e.PurchasedOn, &e.PriceOre, &e.LifeMonths, &e.Location, &e.InRepair, &e.Notes, &e.ScrappedOn, &e.RowVersion, &e.Status)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, portal.NotFound("Utrustningen finns inte.")
	}
	e.PastLife = portal.PastLife(e.PurchasedOn, e.LifeMonths, s.today())
	return e, translate(err)
}

const rentalSelectSQL = `
	SELECT r.id, r.equipment_id, r.department_id, COALESCE(r.person_id, 0), lower(r.valid), upper(r.valid),
	       d.name, COALESCE(p.name, ''), COALESCE(p.email, ''), r.note
	FROM equipment_rentals r
	JOIN departments d ON d.id = r.department_id
	LEFT JOIN people p ON p.id = r.person_id
	WHERE r.equipment_id = $1
	ORDER BY lower(r.valid), r.id`

func rentalsOf(ctx context.Context, tx pgx.Tx, id int64) ([]Rental, error) {
	rows, err := tx.Query(ctx, rentalSelectSQL, id)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Rental, error) {
		var r Rental
		return r, row.Scan(&r.ID, &r.EquipmentID, &r.DepartmentID, &r.PersonID, &r.From, &r.To, &r.Department, &r.Person, &r.PersonEmail, &r.Note)
	})
	return list, translate(err)
}

// Get returns a piece's page when the actor reads it: IT-enheten every
// piece; others a piece they use, or one their department rents when they
// are a manager. Any other piece does not exist for them.
func (s *EquipmentService) Get(ctx context.Context, actor *portal.Actor, id int64) (_ EquipmentView, err error) {
	defer wrap(&err, "get equipment %d", id)
	var v EquipmentView
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		sc, err := s.scope(ctx, tx, actor)
		if err != nil {
			return err
		}
		if v.Equipment, err = s.get(ctx, tx, id, false); err != nil {
			return err
		}
		if v.Rentals, err = rentalsOf(ctx, tx, id); err != nil {
			return err
		}
		if !sc.All {
			visible := false
			for _, r := range v.Rentals {
				runs := !r.From.After(s.today()) && (r.To == nil || r.To.After(s.today()))
				if runs && (r.PersonID == sc.PersonID || (sc.DepartmentID != 0 && r.DepartmentID == sc.DepartmentID)) {
					visible = true
				}
			}
			if !visible {
				return portal.NotFound("Utrustningen finns inte.")
			}
			return nil
		}
		v.Audit, err = auditFor(ctx, tx, "equipment", strconv.FormatInt(id, 10))
		return translate(err)
	})
	return v, err
}

// duplicateOf says, per field, which other piece has the serial number or
// the inventory number (none when id is that piece).
func duplicateOf(ctx context.Context, tx pgx.Tx, id int64, f portal.EquipmentFields) (map[string]string, error) {
	errs := map[string]string{}
	var inv string
	err := tx.QueryRow(ctx, `SELECT inventory_number FROM equipment WHERE type = $1 AND lower(manufacturer) = lower($2) AND lower(serial_number) = lower($3) AND id <> $4`,
		f.Type, f.Manufacturer, f.SerialNumber, id).Scan(&inv)
	switch {
	case err == nil:
		errs["serial_number"] = "Det finns redan utrustning av samma typ och tillverkare med det serienumret (inventarienummer " + inv + ")."
	case !errors.Is(err, pgx.ErrNoRows):
		return nil, translate(err)
	}
	var other int64
	err = tx.QueryRow(ctx, `SELECT id FROM equipment WHERE lower(inventory_number) = lower($1) AND id <> $2`, f.InventoryNumber, id).Scan(&other)
	switch {
	case err == nil:
		errs["inventory_number"] = "Inventarienumret finns redan på annan utrustning."
	case !errors.Is(err, pgx.ErrNoRows):
		return nil, translate(err)
	}
	return errs, nil
}

// uniqueViolationFields maps the equipment's unique indexes to the form's
// fields, for the case another writer won the race.
func uniqueViolationFields(err error) map[string]string {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return nil
	}
	switch pgErr.ConstraintName {
	case "equipment_serial_key":
		return map[string]string{"serial_number": "Det finns redan utrustning av samma typ och tillverkare med det serienumret."}
	case "equipment_inventory_key":
		return map[string]string{"inventory_number": "Inventarienumret finns redan på annan utrustning."}
	}
	return nil
}

func equipmentAudit(f portal.EquipmentFields) map[string]any {
	return map[string]any{"type": f.Type, "manufacturer": f.Manufacturer, "model": f.Model, "serial_number": f.SerialNumber,
		"inventory_number": f.InventoryNumber, "purchased_on": day(f.PurchasedOn), "price_ore": f.PriceOre, "life_months": f.LifeMonths,
		"location": f.Location, "in_repair": f.InRepair, "notes": f.Notes}
}

// Create adds a piece to the inventory (in stock until it is rented).
func (s *EquipmentService) Create(ctx context.Context, actor *portal.Actor, in portal.EquipmentInput, requestID string) (_ int64, err error) {
	defer wrap(&err, "create equipment")
	if err := mayManageEquipment(actor); err != nil {
		return 0, err
	}
	f, errs := in.Parse(s.today())
	if len(errs) > 0 {
		return 0, portal.Invalid("Uppgifterna behöver rättas.", errs)
	}
	var id int64
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		dup, err := duplicateOf(ctx, tx, 0, f)
		if err != nil {
			return err
		}
		if len(dup) > 0 {
			return portal.Invalid("Utrustningen finns redan.", dup)
		}
		err = tx.QueryRow(ctx, `
			INSERT INTO equipment (type, manufacturer, model, serial_number, inventory_number, purchased_on, price_ore, life_months, location, in_repair, notes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			f.Type, f.Manufacturer, f.Model, f.SerialNumber, f.InventoryNumber, f.PurchasedOn, f.PriceOre, f.LifeMonths, f.Location, f.InRepair, f.Notes).Scan(&id)
		if fe := uniqueViolationFields(err); fe != nil {
			return portal.Invalid("Utrustningen finns redan.", fe)
		}
		if err != nil {
			return translate(err)
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "equipment.created", ObjectType: "equipment",
			ObjectID: strconv.FormatInt(id, 10), RequestID: requestID, Changes: map[string]any{"after": equipmentAudit(f)}})
	})
	return id, err
}

// Update changes a piece's facts; version is the row version the form was
// loaded with (0: do not check).
func (s *EquipmentService) Update(ctx context.Context, actor *portal.Actor, id int64, version int, in portal.EquipmentInput, requestID string) (err error) {
	defer wrap(&err, "update equipment %d", id)
	if err := mayManageEquipment(actor); err != nil {
		return err
	}
	f, errs := in.Parse(s.today())
	if len(errs) > 0 {
		return portal.Invalid("Uppgifterna behöver rättas.", errs)
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := s.get(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if version != 0 && cur.RowVersion != version {
			return portal.Conflict("Någon annan har ändrat utrustningen sedan du öppnade den. Dina ändringar är inte sparade.")
		}
		if cur.ScrappedOn != nil {
			return portal.Conflict("Utrustningen är skrotad och kan inte ändras.")
		}
		dup, err := duplicateOf(ctx, tx, id, f)
		if err != nil {
			return err
		}
		if len(dup) > 0 {
			return portal.Invalid("Utrustningen finns redan.", dup)
		}
		var first *time.Time
		if err := tx.QueryRow(ctx, `SELECT min(lower(valid)) FROM equipment_rentals WHERE equipment_id = $1`, id).Scan(&first); err != nil {
			return translate(err)
		}
		if first != nil && first.Before(f.PurchasedOn) {
			return portal.Invalid("Uppgifterna behöver rättas.", map[string]string{"purchased_on": "Utrustningen hyrdes ut " + day(*first) + ": inköpsdatumet kan inte vara senare."})
		}
		_, err = tx.Exec(ctx, `
			UPDATE equipment SET type = $2, manufacturer = $3, model = $4, serial_number = $5, inventory_number = $6, purchased_on = $7,
			       price_ore = $8, life_months = $9, location = $10, in_repair = $11, notes = $12, row_version = row_version + 1, updated_at = now()
			WHERE id = $1`, id, f.Type, f.Manufacturer, f.Model, f.SerialNumber, f.InventoryNumber, f.PurchasedOn, f.PriceOre, f.LifeMonths,
			f.Location, f.InRepair, f.Notes)
		if fe := uniqueViolationFields(err); fe != nil {
			return portal.Invalid("Utrustningen finns redan.", fe)
		}
		if err != nil {
			return translate(err)
		}
		before, after := equipmentAudit(cur.EquipmentFields), equipmentAudit(f)
		for k, v := range after {
			if before[k] == v {
				delete(before, k)
				delete(after, k)
			}
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "equipment.updated", ObjectType: "equipment",
			ObjectID: strconv.FormatInt(id, 10), RequestID: requestID, Changes: map[string]any{"before": before, "after": after}})
	})
}

// RentalChange is a new renter of a piece from a day: a department, and
// optionally the person who uses it; Until (included) when it is known.
type RentalChange struct {
	DepartmentID int64
	PersonID     int64  // who uses it, by id (0: by e-mail or nobody)
	PersonEmail  string // who uses it, by e-mail address (the form's way)
	From         time.Time
	Until        *time.Time
	Note         string
	RequestID    string
}

// RentalOutcome says what a dated change did to closed months.
type RentalOutcome struct {
	// ClosedMonths are the closed months the change reaches into: their
	// charge stays as it was, and the difference is a correction in the
	// next open month (CorrectedIn).
	ClosedMonths []time.Time
	CorrectedIn  time.Time
}

// Rent records a new renter from c.From: the period running that day ends
// the day before (a change of renter), a piece in stock is rented out. The
// history is kept; a change reaching into a closed month becomes a
// correction in the next open month (RentalOutcome says so).
func (s *EquipmentService) Rent(ctx context.Context, actor *portal.Actor, id int64, c RentalChange) (_ RentalOutcome, err error) {
	defer wrap(&err, "rent out equipment %d", id)
	if err := mayManageEquipment(actor); err != nil {
		return RentalOutcome{}, err
	}
	errs := map[string]string{}
	if c.DepartmentID <= 0 {
		errs["department_id"] = "Välj den förvaltning som hyr utrustningen."
	}
	if m := portal.TextProblem(c.PersonEmail, 320, false); m != "" {
		errs["person"] = m
	}
	if m := portal.TextProblem(c.Note, 500, false); m != "" {
		errs["note"] = m
	}
	if c.From.IsZero() {
		errs["from"] = "Ange från vilket datum, till exempel 2026-12-01."
	}
	if len(errs) > 0 {
		return RentalOutcome{}, portal.Invalid("Uppgifterna behöver rättas.", errs)
	}
	var out RentalOutcome
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := s.get(ctx, tx, id, true)
		if err != nil {
			return err
		}
		rentals, err := rentalsOf(ctx, tx, id)
		if err != nil {
			return err
		}
		periods := make([]portal.RentalPeriod, len(rentals))
		for i, r := range rentals {
			periods[i] = r.RentalPeriod
		}
		plan, errs := portal.PlanRental(periods, cur.ScrappedOn, c.From, c.Until)
		if len(errs) == 0 && c.From.Before(cur.PurchasedOn) {
			errs = map[string]string{"from": "Utrustningen köptes in " + day(cur.PurchasedOn) + ": den kan inte hyras ut före inköpet."}
		}
		if len(errs) > 0 {
			return portal.Invalid("Uthyrningen behöver rättas.", errs)
		}
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM departments WHERE id = $1 AND active)`, c.DepartmentID).Scan(&ok); err != nil {
			return translate(err)
		}
		if !ok {
			return portal.Invalid("Förvaltningen finns inte.", map[string]string{"department_id": "Välj en förvaltning i listan."})
		}
		var person string
		if c.PersonID == 0 && strings.TrimSpace(c.PersonEmail) != "" {
			err := tx.QueryRow(ctx, `SELECT id FROM people WHERE lower(email) = lower($1) AND active AND merged_into IS NULL ORDER BY id LIMIT 1`,
				strings.TrimSpace(c.PersonEmail)).Scan(&c.PersonID)
			if errors.Is(err, pgx.ErrNoRows) {
				return portal.Invalid("Personen finns inte.", map[string]string{"person": "Ingen aktiv person har den e-postadressen. Kontrollera adressen, eller lämna fältet tomt."})
			}
			if err != nil {
				return translate(err)
			}
		}
		if c.PersonID != 0 {
			err := tx.QueryRow(ctx, `SELECT name FROM people WHERE id = $1 AND active`, c.PersonID).Scan(&person)
			if errors.Is(err, pgx.ErrNoRows) {
				return portal.Invalid("Personen finns inte.", map[string]string{"person": "Välj en aktiv person, eller lämna fältet tomt."})
			}
			if err != nil {
				return translate(err)
			}
		}
		before := map[string]any{}
		changedFrom := c.From
		if plan.EndID != 0 {
			for _, r := range rentals {
				if r.ID == plan.EndID {
					before = map[string]any{"department": r.Department, "person": r.Person, "from": day(r.From), "to": dayPtr(r.To)}
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE equipment_rentals SET valid = daterange(lower(valid), $2::date), ended_at = now() WHERE id = $1`, plan.EndID, plan.EndAt); err != nil {
				return translate(err)
			}
		}
		var dept string
		if err := tx.QueryRow(ctx, `
			WITH n AS (INSERT INTO equipment_rentals (equipment_id, department_id, person_id, valid, note, created_by, ended_at)
			           VALUES ($1, $2, $3, daterange($4::date, $5::date), $6, $7, CASE WHEN $5::date IS NULL THEN NULL ELSE now() END) RETURNING department_id)
			SELECT d.name FROM n JOIN departments d ON d.id = n.department_id`,
			id, c.DepartmentID, nullID(c.PersonID), c.From, plan.New.To, c.Note, nullID(actor.PersonID)).Scan(&dept); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "23P01" {
				return portal.Conflict("Utrustningen har redan en hyrestagare under den perioden.")
			}
			return translate(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE equipment SET row_version = row_version + 1, updated_at = now() WHERE id = $1`, id); err != nil {
			return translate(err)
		}
		if out, err = closedReach(ctx, tx, changedFrom); err != nil {
			return err
		}
		changes := map[string]any{"before": before, "after": map[string]any{"department": dept, "person": person, "from": day(c.From), "to": dayPtr(plan.New.To), "note": c.Note}}
		if len(out.ClosedMonths) > 0 {
			changes["correction_in"] = out.CorrectedIn.Format("2006-01")
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "equipment.rented", ObjectType: "equipment",
			ObjectID: strconv.FormatInt(id, 10), RequestID: c.RequestID, Changes: changes})
	})
	return out, err
}

// closedReach lists the closed months on or after from: a change dated
// from touches them.
func closedReach(ctx context.Context, tx pgx.Tx, from time.Time) (RentalOutcome, error) {
	var out RentalOutcome
	rows, err := tx.Query(ctx, `SELECT month FROM charge_months WHERE month >= $1::date ORDER BY month`, portal.MonthOf(from))
	if err != nil {
		return out, translate(err)
	}
	out.ClosedMonths, err = pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil || len(out.ClosedMonths) == 0 {
		return out, translate(err)
	}
	next, err := nextOpenMonth(ctx, tx)
	out.CorrectedIn = next
	return out, err
}

// nextOpenMonth is the month after the last closed one (the zero time when
// none is closed): where corrections are charged.
func nextOpenMonth(ctx context.Context, tx pgx.Tx) (time.Time, error) {
	var last *time.Time
	if err := tx.QueryRow(ctx, `SELECT max(month) FROM charge_months`).Scan(&last); err != nil {
		return time.Time{}, translate(err)
	}
	if last == nil {
		return time.Time{}, nil
	}
	return last.AddDate(0, 1, 0), nil
}

// Return ends the running period on day (the day the piece is back at
// IT-enheten, not charged).
func (s *EquipmentService) Return(ctx context.Context, actor *portal.Actor, id int64, on time.Time, requestID string) (_ RentalOutcome, err error) {
	defer wrap(&err, "return equipment %d", id)
	if err := mayManageEquipment(actor); err != nil {
		return RentalOutcome{}, err
	}
	if on.IsZero() || on.Year() < 1990 || on.Year() > 2100 {
		return RentalOutcome{}, portal.Invalid("Uppgifterna behöver rättas.", map[string]string{"returned_on": "Ange dagen utrustningen lämnades tillbaka, till exempel 2026-12-01."})
	}
	var out RentalOutcome
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := s.get(ctx, tx, id, true); err != nil {
			return err
		}
		rentals, err := rentalsOf(ctx, tx, id)
		if err != nil {
			return err
		}
		periods := make([]portal.RentalPeriod, len(rentals))
		var names = map[int64]Rental{}
		for i, r := range rentals {
			periods[i] = r.RentalPeriod
			names[r.ID] = r
		}
		p, msg := portal.PlanReturn(periods, on)
		if msg != "" {
			return portal.Invalid("Återlämningen behöver rättas.", map[string]string{"returned_on": msg})
		}
		for _, later := range periods {
			if later.From.After(p.From) {
				return portal.Invalid("Återlämningen behöver rättas.", map[string]string{"returned_on": "Det finns en senare uthyrning från " + day(later.From) + ": återlämna den i stället."})
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE equipment_rentals SET valid = daterange(lower(valid), $2::date), ended_at = now() WHERE id = $1`, p.ID, on); err != nil {
			return translate(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE equipment SET row_version = row_version + 1, updated_at = now() WHERE id = $1`, id); err != nil {
			return translate(err)
		}
		if out, err = closedReach(ctx, tx, on); err != nil {
			return err
		}
		r := names[p.ID]
		changes := map[string]any{"before": map[string]any{"department": r.Department, "person": r.Person, "from": day(r.From), "to": dayPtr(r.To)},
			"after": map[string]any{"returned_on": day(on)}}
		if len(out.ClosedMonths) > 0 {
			changes["correction_in"] = out.CorrectedIn.Format("2006-01")
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "equipment.returned", ObjectType: "equipment",
			ObjectID: strconv.FormatInt(id, 10), RequestID: requestID, Changes: changes})
	})
	return out, err
}

// Scrap records that a piece was scrapped on day. A piece rented on or
// after the day is returned first.
func (s *EquipmentService) Scrap(ctx context.Context, actor *portal.Actor, id int64, on time.Time, requestID string) (err error) {
	defer wrap(&err, "scrap equipment %d", id)
	if err := mayManageEquipment(actor); err != nil {
		return err
	}
	if on.IsZero() || on.After(s.today()) {
		return portal.Invalid("Uppgifterna behöver rättas.", map[string]string{"scrapped_on": "Ange dagen utrustningen skrotades: i dag eller tidigare."})
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := s.get(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if cur.ScrappedOn != nil {
			return portal.Conflict("Utrustningen är redan skrotad.")
		}
		if on.Before(cur.PurchasedOn) {
			return portal.Invalid("Uppgifterna behöver rättas.", map[string]string{"scrapped_on": "Utrustningen köptes in " + day(cur.PurchasedOn) + ": den kan inte ha skrotats före det."})
		}
		var renter string
		err = tx.QueryRow(ctx, `
			SELECT d.name FROM equipment_rentals r JOIN departments d ON d.id = r.department_id
			WHERE r.equipment_id = $1 AND (upper(r.valid) IS NULL OR upper(r.valid) > $2::date) LIMIT 1`, id, on).Scan(&renter)
		if err == nil {
			return portal.Invalid("Utrustningen är uthyrd.", map[string]string{"scrapped_on": "Utrustningen är uthyrd till " + renter + " den dagen: återlämna den först."})
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return translate(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE equipment SET scrapped_on = $2, in_repair = false, row_version = row_version + 1, updated_at = now() WHERE id = $1`, id, on); err != nil {
			return translate(err)
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "equipment.scrapped", ObjectType: "equipment",
			ObjectID: strconv.FormatInt(id, 10), RequestID: requestID, Changes: map[string]any{"after": map[string]any{"scrapped_on": day(on)}}})
	})
}

// PriceRow is a row of the price list.
type PriceRow struct {
	portal.PricePoint
	Current bool // the type's price today
}

func loadPrices(ctx context.Context, q pgx.Tx) ([]portal.PricePoint, error) {
	rows, err := q.Query(ctx, `SELECT type, valid_from, monthly_ore FROM equipment_prices ORDER BY type, valid_from`)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (portal.PricePoint, error) {
		var p portal.PricePoint
		return p, row.Scan(&p.Type, &p.ValidFrom, &p.MonthlyOre)
	})
	return list, translate(err)
}

// Prices returns the price list with its history, by type and date.
// Everyone signed in reads it: it is what the departments pay.
func (s *EquipmentService) Prices(ctx context.Context, actor *portal.Actor) (_ []PriceRow, err error) {
	defer wrap(&err, "list prices")
	if actor == nil {
		return nil, errSignInForEquipment
	}
	var out []PriceRow
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		list, err := loadPrices(ctx, tx)
		if err != nil {
			return err
		}
		today := s.today()
		current := map[string]int{}
		for i, p := range list {
			out = append(out, PriceRow{PricePoint: p})
			if !p.ValidFrom.After(today) {
				current[p.Type] = i
			}
		}
		for _, i := range current {
			out[i].Current = true
		}
		order := map[string]int{}
		for i, c := range portal.EquipmentTypes {
			order[c.Value] = i
		}
		sort.SliceStable(out, func(i, j int) bool { return order[out[i].Type] < order[out[j].Type] })
		return nil
	})
	return out, err
}

// AddPrice adds a monthly rent for a type from a month's first day. An
// earlier price is never changed; one for the same type and day is refused.
func (s *EquipmentService) AddPrice(ctx context.Context, actor *portal.Actor, in portal.PriceInput, requestID string) (_ RentalOutcome, err error) {
	defer wrap(&err, "add price")
	if err := mayManageEquipment(actor); err != nil {
		return RentalOutcome{}, err
	}
	p, errs := in.Parse()
	if len(errs) > 0 {
		return RentalOutcome{}, portal.Invalid("Priset behöver rättas.", errs)
	}
	var out RentalOutcome
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO equipment_prices (type, valid_from, monthly_ore, created_by) VALUES ($1, $2, $3, $4) RETURNING id`,
			p.Type, p.ValidFrom, p.MonthlyOre, nullID(actor.PersonID)).Scan(&id)
		if isUniqueViolation(err) {
			return portal.Invalid("Priset finns redan.", map[string]string{"valid_from": "Typen har redan ett pris från den dagen. Priser ändras inte: lägg till ett från en senare månad."})
		}
		if err != nil {
			return translate(err)
		}
		if out, err = closedReach(ctx, tx, p.ValidFrom); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "equipment_price.added", ObjectType: "equipment_price",
			ObjectID: strconv.FormatInt(id, 10), RequestID: requestID,
			Changes: map[string]any{"after": map[string]any{"type": p.Type, "valid_from": day(p.ValidFrom), "monthly_ore": p.MonthlyOre}}})
	})
	return out, err
}
