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

// SupplierService reads and keeps the suppliers and their contacts.
// Everyone signed in reads; IT-enheten edits (portal.CanManageSuppliers).
type SupplierService struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewSupplierService returns the service over pool; now is the clock the
// contracts' dates are computed for (nil is time.Now).
func NewSupplierService(pool *pgxpool.Pool, now func() time.Time) *SupplierService {
	if now == nil {
		now = time.Now
	}
	return &SupplierService{pool: pool, now: now}
}

// Supplier is a supplier as stored.
type Supplier struct {
	ID        int64
	Name      string
	OrgNumber string
	Notes     string
	UpdatedAt time.Time
}

// SupplierRow is a supplier in the list.
type SupplierRow struct {
	ID        int64
	Name      string
	OrgNumber string
	Contracts int
	Systems   int
}

// Contact is one contact person at a supplier.
type Contact struct {
	ID int64
	portal.ContactFields
}

// SupplierSystem is a system the supplier delivers under one of its
// contracts, with who answers for it today: what an incident needs.
type SupplierSystem struct {
	ID                 int64
	Name               string
	Lifecycle          string
	PersonalData       string
	Owner              string // the owning department
	Administrator      string // systemförvaltare
	AdministratorEmail string
	Contracts          string // the contracts that cover it, by name
}

// SupplierView is the supplier page.
type SupplierView struct {
	Supplier  Supplier
	Contacts  []Contact
	Systems   []SupplierSystem
	Contracts []ContractRow
	Audit     []AuditRow
}

var errSignInToRead = portal.Forbidden("Logga in för att läsa leverantörer och avtal.")

func mayManageSuppliers(actor *portal.Actor) error {
	if !portal.CanManageSuppliers(actor) {
		return portal.Forbidden("Bara IT-enheten ändrar leverantörer och avtal.")
	}
	return nil
}

// List returns the suppliers whose name or organisation number matches
// query (everyone when it is empty), by name.
func (s *SupplierService) List(ctx context.Context, actor *portal.Actor, query string) (_ []SupplierRow, err error) {
	defer wrap(&err, "list suppliers")
	if actor == nil {
		return nil, errSignInToRead
	}
	query = strings.TrimSpace(query)
	rows, err := s.pool.Query(ctx, `
		SELECT s.id, s.name, s.org_number,
		       (SELECT count(*) FROM contracts c WHERE c.supplier_id = s.id),
		       (SELECT count(DISTINCT x.id) FROM (
		            SELECT cs.system_id FROM contracts c JOIN contract_systems cs ON cs.contract_id = c.id WHERE c.supplier_id = s.id
		            UNION ALL SELECT sy.id FROM systems sy WHERE sy.supplier_id = s.id) x(id))
		FROM suppliers s
		WHERE $1 = '' OR s.name ILIKE '%' || $2 || '%' OR s.normalised_name LIKE '%' || $3 || '%'
		   OR replace(s.org_number, '-', '') LIKE '%' || replace($1, '-', '') || '%'
		ORDER BY s.name COLLATE swedish, s.id
		LIMIT 500`, query, escapeLike(query), escapeLike(portal.NormaliseSupplierName(query)))
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SupplierRow, error) {
		var r SupplierRow
		return r, row.Scan(&r.ID, &r.Name, &r.OrgNumber, &r.Contracts, &r.Systems)
	})
	return list, translate(err)
}

// Options returns every supplier (id, name) for the contract form.
func (s *SupplierService) Options(ctx context.Context, actor *portal.Actor) (_ []Supplier, err error) {
	defer wrap(&err, "list supplier options")
	if actor == nil {
		return nil, errSignInToRead
	}
	rows, err := s.pool.Query(ctx, `SELECT id, name, org_number, notes, updated_at FROM suppliers ORDER BY name COLLATE swedish, id`)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, scanSupplier)
	return list, translate(err)
}

func scanSupplier(row pgx.CollectableRow) (Supplier, error) {
	var s Supplier
	return s, row.Scan(&s.ID, &s.Name, &s.OrgNumber, &s.Notes, &s.UpdatedAt)
}

const supplierSelect = `SELECT id, name, org_number, notes, updated_at FROM suppliers WHERE id = $1`

func getSupplier(ctx context.Context, tx pgx.Tx, id int64, lock bool) (Supplier, error) {
	var rows pgx.Rows
	var err error
	if lock {
		rows, err = tx.Query(ctx, supplierSelect+` FOR UPDATE`, id)
	} else {
		rows, err = tx.Query(ctx, supplierSelect, id)
	}
	if err != nil {
		return Supplier{}, translate(err)
	}
	sup, err := pgx.CollectExactlyOneRow(rows, scanSupplier)
	if errors.Is(err, pgx.ErrNoRows) {
		return sup, portal.NotFound("Leverantören finns inte.")
	}
	return sup, translate(err)
}

// Get returns a supplier's page: its contacts, the systems its contracts
// cover with who answers for each today, its contracts with their dates,
// and its history.
func (s *SupplierService) Get(ctx context.Context, actor *portal.Actor, id int64) (v SupplierView, err error) {
	defer wrap(&err, "get supplier %d", id)
	if actor == nil {
		return v, errSignInToRead
	}
	today := portal.DateOf(s.now())
	err = snapshotTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if v.Supplier, err = getSupplier(ctx, tx, id, false); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, role, name, email, phone FROM supplier_contacts WHERE supplier_id = $1 ORDER BY role COLLATE swedish, name COLLATE swedish, id`, id)
		if err != nil {
			return translate(err)
		}
		if v.Contacts, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Contact, error) {
			var c Contact
			return c, row.Scan(&c.ID, &c.Role, &c.Name, &c.Email, &c.Phone)
		}); err != nil {
			return translate(err)
		}
		rows, err = tx.Query(ctx, `
			SELECT s.id, s.name, s.lifecycle, s.personal_data, COALESCE(d.name, ''), COALESCE(p.name, ''), COALESCE(p.email, ''),
			       COALESCE(string_agg(c.name, ', ' ORDER BY c.name COLLATE swedish), '')
			FROM (SELECT cs.system_id, cs.contract_id FROM contracts c JOIN contract_systems cs ON cs.contract_id = c.id WHERE c.supplier_id = $1
			      -- and the systems linked to the supplier on "Koppla leverantörer"
			      UNION SELECT sy.id, NULL FROM systems sy WHERE sy.supplier_id = $1) cs
			JOIN systems s ON s.id = cs.system_id
			LEFT JOIN contracts c ON c.id = cs.contract_id
			LEFT JOIN role_assignments o ON o.system_id = s.id AND o.role = 'owner' AND o.valid @> $2::date
			LEFT JOIN departments d ON d.id = o.department_id
			LEFT JOIN role_assignments a ON a.system_id = s.id AND a.role = 'administrator' AND a.valid @> $2::date
			LEFT JOIN people p ON p.id = a.person_id
			GROUP BY s.id, d.name, p.name, p.email
			ORDER BY s.name COLLATE swedish, s.id`, id, today)
		if err != nil {
			return translate(err)
		}
		if v.Systems, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (SupplierSystem, error) {
			var x SupplierSystem
			return x, row.Scan(&x.ID, &x.Name, &x.Lifecycle, &x.PersonalData, &x.Owner, &x.Administrator, &x.AdministratorEmail, &x.Contracts)
		}); err != nil {
			return translate(err)
		}
		if v.Contracts, err = contractRowsOn(today)(tx.Query(ctx, contractRowSelect+`WHERE c.supplier_id = $1`, id)); err != nil {
			return err
		}
		v.Audit, err = auditFor(ctx, tx, "supplier", strconv.FormatInt(id, 10))
		return translate(err)
	})
	return v, err
}

// Save creates (id 0) or changes a supplier. A name that differs from
// another supplier's only in case, spacing or "AB", or another supplier's
// organisation number, is refused with that supplier's name.
func (s *SupplierService) Save(ctx context.Context, actor *portal.Actor, id int64, f portal.SupplierFields, correlationID string) (_ int64, err error) {
	defer wrap(&err, "save supplier %d", id)
	if err := mayManageSuppliers(actor); err != nil {
		return 0, err
	}
	if errs := f.Validate(); len(errs) > 0 {
		return 0, portal.Invalid("Uppgifterna behöver rättas.", errs)
	}
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		id, err = saveSupplier(ctx, tx, actor, id, f, correlationID)
		return err
	})
	return id, err
}

// saveSupplier is Save inside the caller's transaction, with f validated.
func saveSupplier(ctx context.Context, tx pgx.Tx, actor *portal.Actor, id int64, f portal.SupplierFields, correlationID string) (int64, error) {
	normalised := portal.NormaliseSupplierName(f.Name)
	err := func() error {
		var before Supplier
		if id != 0 {
			var err error
			if before, err = getSupplier(ctx, tx, id, true); err != nil {
				return err
			}
		}
		var other, otherOrg string
		err := tx.QueryRow(ctx, `SELECT name, org_number FROM suppliers WHERE normalised_name = $1 AND id <> $2`, normalised, id).Scan(&other, &otherOrg)
		if err == nil {
			return portal.Invalid("Leverantören finns redan.", map[string]string{"name": "Leverantören finns redan: " + other + " (" + otherOrg + "). Namn som bara skiljer sig i stora och små bokstäver, mellanslag eller AB räknas som samma leverantör."})
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return translate(err)
		}
		err = tx.QueryRow(ctx, `SELECT name FROM suppliers WHERE org_number = $1 AND id <> $2`, f.OrgNumber, id).Scan(&other)
		if err == nil {
			return portal.Invalid("Organisationsnumret finns redan.", map[string]string{"org_number": "Organisationsnumret hör redan till " + other + "."})
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return translate(err)
		}
		if id == 0 {
			err = tx.QueryRow(ctx, `INSERT INTO suppliers (name, normalised_name, org_number, notes) VALUES ($1, $2, $3, $4) RETURNING id`,
				f.Name, normalised, f.OrgNumber, f.Notes).Scan(&id)
		} else {
			_, err = tx.Exec(ctx, `UPDATE suppliers SET name = $2, normalised_name = $3, org_number = $4, notes = $5, updated_at = now() WHERE id = $1`,
				id, f.Name, normalised, f.OrgNumber, f.Notes)
		}
		if isUniqueViolation(err) {
			return portal.Conflict("En annan leverantör med samma namn eller organisationsnummer sparades nyss. Ladda om sidan.")
		}
		if err != nil {
			return translate(err)
		}
		changes := map[string]any{}
		for k, c := range map[string][2]string{"name": {before.Name, f.Name}, "org_number": {before.OrgNumber, f.OrgNumber}, "notes": {before.Notes, f.Notes}} {
			if c[0] != c[1] {
				changes[k] = map[string]any{"before": c[0], "after": c[1]}
			}
		}
		action := "supplier.created"
		if before.ID != 0 {
			action = "supplier.updated"
			if len(changes) == 0 {
				return nil
			}
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: action, ObjectType: "supplier",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: changes})
	}()
	return id, err
}

// AddContact adds a contact person to a supplier.
func (s *SupplierService) AddContact(ctx context.Context, actor *portal.Actor, supplierID int64, c portal.ContactFields, correlationID string) (err error) {
	defer wrap(&err, "add contact to supplier %d", supplierID)
	if err := mayManageSuppliers(actor); err != nil {
		return err
	}
	if errs := c.Validate(); len(errs) > 0 {
		return portal.Invalid("Kontakten behöver rättas.", errs)
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := getSupplier(ctx, tx, supplierID, true); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO supplier_contacts (supplier_id, role, name, email, phone) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			supplierID, c.Role, c.Name, c.Email, c.Phone).Scan(&id); err != nil {
			return translate(err)
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "supplier.contact_added", ObjectType: "supplier",
			ObjectID: strconv.FormatInt(supplierID, 10), RequestID: correlationID, Changes: map[string]any{
				"contact": map[string]any{"before": nil, "after": contactText(c)}}})
	})
}

// RemoveContact removes a supplier's contact; the audit log keeps who it was.
func (s *SupplierService) RemoveContact(ctx context.Context, actor *portal.Actor, supplierID, contactID int64, correlationID string) (err error) {
	defer wrap(&err, "remove contact %d of supplier %d", contactID, supplierID)
	if err := mayManageSuppliers(actor); err != nil {
		return err
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := getSupplier(ctx, tx, supplierID, true); err != nil {
			return err
		}
		var c portal.ContactFields
		err := tx.QueryRow(ctx, `DELETE FROM supplier_contacts WHERE id = $1 AND supplier_id = $2 RETURNING role, name, email, phone`,
			contactID, supplierID).Scan(&c.Role, &c.Name, &c.Email, &c.Phone)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Kontakten finns inte.")
		}
		if err != nil {
			return translate(err)
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "supplier.contact_removed", ObjectType: "supplier",
			ObjectID: strconv.FormatInt(supplierID, 10), RequestID: correlationID, Changes: map[string]any{
				"contact": map[string]any{"before": contactText(c), "after": nil}}})
	})
}

func contactText(c portal.ContactFields) string {
	parts := []string{c.Role + ": " + c.Name}
	for _, p := range []string{c.Email, c.Phone} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}
