package postgres

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// ContractService reads and keeps contracts and the systems they cover.
// Everyone signed in reads; IT-enheten edits (portal.CanManageSuppliers).
// The dates shown (current term, notice deadline, active) are computed by
// portal.ContractTerms.On for the service's today.
type ContractService struct {
	pool *pgxpool.Pool
	now  func() time.Time
	keep breachKeeper // R15 (the systems covered) and R16 (the contracts)
}

// NewContractService returns the service over pool; official is
// ITPORTAL_OFFICIAL_WEB_ADDRESS (the systems' checks it recomputes), now
// its clock (nil is time.Now).
func NewContractService(pool *pgxpool.Pool, official string, now func() time.Time) *ContractService {
	if now == nil {
		now = time.Now
	}
	return &ContractService{pool: pool, now: now, keep: breachKeeper{official: official, now: now}}
}

// refreshContract recomputes, in a change's transaction, the breaches a
// contract's change may alter: R15 of the systems it covers (and extra,
// one just removed) and R16.
func (s *ContractService) refreshContract(ctx context.Context, tx pgx.Tx, id int64, extra ...int64) error {
	rows, err := tx.Query(ctx, `SELECT system_id FROM contract_systems WHERE contract_id = $1`, id)
	if err != nil {
		return translate(err)
	}
	systems, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return translate(err)
	}
	return s.keep.refresh(ctx, tx, Scope{Systems: append(systems, extra...), Municipal: true})
}

// ContractRow is a contract in a list, with its dates today.
type ContractRow struct {
	ID           int64
	Name         string
	SupplierID   int64
	SupplierName string
	Department   string
	Procurement  string
	Terms        portal.ContractTerms
	Dates        portal.ContractDates
}

// Contract is a contract as stored, with the names it refers to.
type Contract struct {
	ID int64
	portal.ContractFields
	SupplierName     string
	ParentName       string
	DepartmentName   string
	ResponsibleID    int64
	ResponsibleName  string
	ResponsibleEmail string
	UpdatedAt        time.Time
}

// ContractSystem is a system a contract covers.
type ContractSystem struct {
	ID        int64
	Name      string
	Lifecycle string
	Owner     string
}

// ContractView is a contract's page.
type ContractView struct {
	Contract Contract
	Dates    portal.ContractDates
	Systems  []ContractSystem
	CallOffs []ContractRow
	Audit    []AuditRow
}

// ContractFilter narrows the contract list.
type ContractFilter struct {
	Query        string // name, reference or supplier
	NoticeWithin int    // only those whose next notice deadline is within this many days; 0 for all
}

const contractRowSelect = `
	SELECT c.id, c.name, c.supplier_id, s.name, d.name, c.procurement, c.start_on, c.initial_months, c.notice_months,
	       c.option_count, c.option_months, c.options_used, c.renewal_months, c.ends_on
	FROM contracts c JOIN suppliers s ON s.id = c.supplier_id JOIN departments d ON d.id = c.department_id `

// contractRowsOn collects rows of contractRowSelect (the caller adds its
// WHERE, so that the SQL stays constant text at the call) with their dates
// on today.
func contractRowsOn(today time.Time) func(pgx.Rows, error) ([]ContractRow, error) {
	return func(rows pgx.Rows, qerr error) ([]ContractRow, error) { return contractRows(rows, qerr, today) }
}

func contractRows(rows pgx.Rows, qerr error, today time.Time) ([]ContractRow, error) {
	list, err := contractRowsInOrder(rows, qerr, today)
	sortByDeadline(list)
	return list, err
}

// contractRowsInOrder is contractRows in the query's order.
func contractRowsInOrder(rows pgx.Rows, qerr error, today time.Time) ([]ContractRow, error) {
	if qerr != nil {
		return nil, translate(qerr)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ContractRow, error) {
		var r ContractRow
		var ends *time.Time
		err := row.Scan(&r.ID, &r.Name, &r.SupplierID, &r.SupplierName, &r.Department, &r.Procurement, &r.Terms.Start, &r.Terms.InitialMonths,
			&r.Terms.NoticeMonths, &r.Terms.OptionCount, &r.Terms.OptionMonths, &r.Terms.OptionsUsed, &r.Terms.RenewalMonths, &ends)
		if ends != nil {
			r.Terms.EndsOn = *ends
		}
		r.Dates = r.Terms.On(today)
		return r, err
	})
	if err != nil {
		return nil, translate(err)
	}
	return list, nil
}

// sortByDeadline orders contracts by their next notice deadline (those
// without one last, ended contracts after them), then by name.
func sortByDeadline(list []ContractRow) {
	rank := func(r ContractRow) int {
		switch {
		case !r.Dates.NoticeBy.IsZero():
			return 0
		case r.Dates.Ended:
			return 2
		}
		return 1
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		if !a.Dates.NoticeBy.Equal(b.Dates.NoticeBy) {
			return a.Dates.NoticeBy.Before(b.Dates.NoticeBy)
		}
		if la, lb := strings.ToLower(a.Name), strings.ToLower(b.Name); la != lb {
			return la < lb
		}
		return a.ID < b.ID
	})
}

// List returns the contracts that match f, by next notice deadline.
func (s *ContractService) List(ctx context.Context, actor *portal.Actor, f ContractFilter) (list []ContractRow, err error) {
	defer wrap(&err, "list contracts")
	if actor == nil {
		return nil, errSignInToRead
	}
	today := portal.DateOf(s.now())
	q := strings.TrimSpace(f.Query)
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		list, err = contractRowsOn(today)(tx.Query(ctx, contractRowSelect+`
			WHERE $1 = '' OR c.name ILIKE '%' || $2 || '%' OR s.name ILIKE '%' || $2 || '%'
			   OR c.our_reference ILIKE '%' || $2 || '%' OR c.supplier_reference ILIKE '%' || $2 || '%'`, q, escapeLike(q)))
		return err
	})
	if err != nil || f.NoticeWithin <= 0 {
		return list, err
	}
	limit := today.AddDate(0, 0, f.NoticeWithin)
	out := list[:0]
	for _, r := range list {
		if !r.Dates.NoticeBy.IsZero() && !r.Dates.NoticeBy.After(limit) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Frameworks returns the contracts a call-off may name as its framework.
func (s *ContractService) Frameworks(ctx context.Context, actor *portal.Actor) (list []ContractRow, err error) {
	defer wrap(&err, "list framework contracts")
	if actor == nil {
		return nil, errSignInToRead
	}
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		list, err = contractRowsOn(portal.DateOf(s.now()))(tx.Query(ctx, contractRowSelect+`WHERE c.procurement <> 'avrop'`))
		return err
	})
	return list, err
}

const contractSelect = `
	SELECT c.id, c.name, c.supplier_id, s.name, c.our_reference, c.supplier_reference, c.procurement, c.direct_award_reason,
	       COALESCE(c.parent_id, 0), COALESCE(pc.name, ''), c.start_on, c.initial_months, c.notice_months, c.option_count, c.option_months,
	       c.options_used, c.renewal_months, COALESCE(c.terminated_by, ''), c.terminated_on, c.ends_on,
	       c.department_id, d.name, c.responsible_id, p.name, p.email, c.notes, c.updated_at
	FROM contracts c
	JOIN suppliers s ON s.id = c.supplier_id
	JOIN departments d ON d.id = c.department_id
	JOIN people p ON p.id = c.responsible_id
	LEFT JOIN contracts pc ON pc.id = c.parent_id
	WHERE c.id = $1`

func getContract(ctx context.Context, tx pgx.Tx, id int64, lock bool) (Contract, error) {
	var row pgx.Row
	if lock {
		row = tx.QueryRow(ctx, contractSelect+` FOR UPDATE OF c`, id)
	} else {
		row = tx.QueryRow(ctx, contractSelect, id)
	}
	var c Contract
	var terminatedOn, endsOn *time.Time
	err := row.Scan(&c.ID, &c.Name, &c.SupplierID, &c.SupplierName, &c.OurReference, &c.SupplierReference,
		&c.Procurement, &c.DirectAwardReason, &c.ParentID, &c.ParentName, &c.Terms.Start, &c.Terms.InitialMonths, &c.Terms.NoticeMonths,
		&c.Terms.OptionCount, &c.Terms.OptionMonths, &c.Terms.OptionsUsed, &c.Terms.RenewalMonths, &c.TerminatedBy, &terminatedOn, &endsOn,
		&c.DepartmentID, &c.DepartmentName, &c.ResponsibleID, &c.ResponsibleName, &c.ResponsibleEmail, &c.Notes, &c.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, portal.NotFound("Avtalet finns inte.")
	}
	if terminatedOn != nil {
		c.TerminatedOn = *terminatedOn
	}
	if endsOn != nil {
		c.Terms.EndsOn = *endsOn
	}
	return c, translate(err)
}

// Get returns a contract's page: the contract, its dates today, the
// systems it covers, its call-offs and its history.
func (s *ContractService) Get(ctx context.Context, actor *portal.Actor, id int64) (v ContractView, err error) {
	defer wrap(&err, "get contract %d", id)
	if actor == nil {
		return v, errSignInToRead
	}
	today := portal.DateOf(s.now())
	err = snapshotTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if v.Contract, err = getContract(ctx, tx, id, false); err != nil {
			return err
		}
		v.Dates = v.Contract.Terms.On(today)
		rows, err := tx.Query(ctx, `
			SELECT s.id, s.name, s.lifecycle, COALESCE(d.name, '')
			FROM contract_systems cs JOIN systems s ON s.id = cs.system_id
			LEFT JOIN role_assignments o ON o.system_id = s.id AND o.role = 'owner' AND o.valid @> $2::date
			LEFT JOIN departments d ON d.id = o.department_id
			WHERE cs.contract_id = $1
			ORDER BY s.name COLLATE swedish, s.id`, id, today)
		if err != nil {
			return translate(err)
		}
		if v.Systems, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (ContractSystem, error) {
			var x ContractSystem
			return x, row.Scan(&x.ID, &x.Name, &x.Lifecycle, &x.Owner)
		}); err != nil {
			return translate(err)
		}
		if v.CallOffs, err = contractRowsOn(today)(tx.Query(ctx, contractRowSelect+`WHERE c.parent_id = $1`, id)); err != nil {
			return err
		}
		v.Audit, err = auditFor(ctx, tx, "contract", strconv.FormatInt(id, 10))
		return translate(err)
	})
	return v, err
}

// GetForEdit returns the contract for its form (IT-enheten).
func (s *ContractService) GetForEdit(ctx context.Context, actor *portal.Actor, id int64) (c Contract, err error) {
	defer wrap(&err, "get contract %d for edit", id)
	if err := mayManageSuppliers(actor); err != nil {
		return c, err
	}
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		c, err = getContract(ctx, tx, id, false)
		return err
	})
	return c, err
}

// Save creates (id 0) or changes a contract. The supplier, the department,
// the responsible person (by e-mail) and a call-off's framework are checked
// in the transaction that saves it; a call-off must start while its
// framework applies.
func (s *ContractService) Save(ctx context.Context, actor *portal.Actor, id int64, f portal.ContractFields, correlationID string) (_ int64, err error) {
	defer wrap(&err, "save contract %d", id)
	if err := mayManageSuppliers(actor); err != nil {
		return 0, err
	}
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var before Contract
		if id != 0 {
			var err error
			if before, err = getContract(ctx, tx, id, true); err != nil {
				return err
			}
		}
		errs := map[string]string{}
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT true FROM suppliers WHERE id = $1`, f.SupplierID).Scan(&ok); errors.Is(err, pgx.ErrNoRows) {
			errs["supplier_id"] = "Leverantören finns inte. Välj en leverantör i listan."
		} else if err != nil {
			return translate(err)
		}
		if err := tx.QueryRow(ctx, `SELECT active FROM departments WHERE id = $1`, f.DepartmentID).Scan(&ok); errors.Is(err, pgx.ErrNoRows) || (err == nil && !ok) {
			errs["department_id"] = "Välj en aktiv förvaltning."
		} else if err != nil {
			return translate(err)
		}
		var responsible int64
		if err := tx.QueryRow(ctx, `SELECT id FROM people WHERE lower(email) = lower($1) AND active ORDER BY id LIMIT 1`, f.ResponsibleEmail).Scan(&responsible); errors.Is(err, pgx.ErrNoRows) {
			errs["responsible_email"] = "Ingen aktiv person i portalen har den e-postadressen."
		} else if err != nil {
			return translate(err)
		}
		if f.ParentID != 0 {
			if f.ParentID == id {
				errs["parent_id"] = "Ett avtal kan inte vara sitt eget ramavtal."
			} else if parent, err := getContract(ctx, tx, f.ParentID, false); portal.KindOf(err) == portal.KindNotFound {
				errs["parent_id"] = "Ramavtalet finns inte."
			} else if err != nil {
				return err
			} else if parent.Procurement == portal.ProcurementCallOff {
				errs["parent_id"] = "Ramavtalet är självt ett avrop. Välj det ramavtal som avropet görs från."
			} else if !parent.Terms.On(f.Terms.Start).Active {
				errs["parent_id"] = "Ramavtalet " + parent.Name + " gäller inte på avropets startdatum (" + f.Terms.Start.Format("2006-01-02") + ")."
			}
		}
		if len(errs) > 0 {
			return portal.Invalid("Uppgifterna behöver rättas.", errs)
		}
		args := []any{f.Name, f.SupplierID, f.OurReference, f.SupplierReference, f.Procurement, f.DirectAwardReason, nullID(f.ParentID),
			f.Terms.Start, f.Terms.InitialMonths, f.Terms.NoticeMonths, f.Terms.OptionCount, f.Terms.OptionMonths, f.Terms.OptionsUsed,
			f.Terms.RenewalMonths, nullText(f.TerminatedBy), nullDate(f.TerminatedOn), nullDate(f.Terms.EndsOn), f.DepartmentID, responsible, f.Notes}
		if id == 0 {
			err := tx.QueryRow(ctx, `
				INSERT INTO contracts (name, supplier_id, our_reference, supplier_reference, procurement, direct_award_reason, parent_id,
				    start_on, initial_months, notice_months, option_count, option_months, options_used, renewal_months,
				    terminated_by, terminated_on, ends_on, department_id, responsible_id, notes)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
				RETURNING id`, args...).Scan(&id)
			if err != nil {
				return translate(err)
			}
		} else {
			_, err := tx.Exec(ctx, `
				UPDATE contracts SET name = $1, supplier_id = $2, our_reference = $3, supplier_reference = $4, procurement = $5,
				    direct_award_reason = $6, parent_id = $7, start_on = $8, initial_months = $9, notice_months = $10, option_count = $11,
				    option_months = $12, options_used = $13, renewal_months = $14, terminated_by = $15, terminated_on = $16, ends_on = $17,
				    department_id = $18, responsible_id = $19, notes = $20, updated_at = now()
				WHERE id = $21`, append(args, id)...)
			if err != nil {
				return translate(err)
			}
		}
		after, err := getContract(ctx, tx, id, false)
		if err != nil {
			return err
		}
		changes := contractChanges(before, after)
		action := "contract.created"
		if before.ID != 0 {
			action = "contract.updated"
			if len(changes) == 0 {
				return nil
			}
		}
		if err := s.refreshContract(ctx, tx, id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: action, ObjectType: "contract",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: changes})
	})
	return id, err
}

// contractChanges lists the fields that differ, as the audit log keeps
// them ({"field": {"before": …, "after": …}}), in readable values.
func contractChanges(before, after Contract) map[string]any {
	text := func(c Contract) map[string]string {
		date := func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format("2006-01-02")
		}
		if c.ID == 0 {
			return map[string]string{}
		}
		return map[string]string{
			"name": c.Name, "supplier": c.SupplierName, "our_reference": c.OurReference, "supplier_reference": c.SupplierReference,
			"procurement": portal.LabelOf(portal.Procurements, c.Procurement), "direct_award_reason": c.DirectAwardReason,
			"parent": c.ParentName, "start": date(c.Terms.Start), "initial_months": strconv.Itoa(c.Terms.InitialMonths),
			"notice_months": strconv.Itoa(c.Terms.NoticeMonths), "option_count": strconv.Itoa(c.Terms.OptionCount),
			"option_months": strconv.Itoa(c.Terms.OptionMonths), "options_used": strconv.Itoa(c.Terms.OptionsUsed),
			"renewal_months": strconv.Itoa(c.Terms.RenewalMonths), "terminated_by": portal.LabelOf(portal.Terminators, c.TerminatedBy),
			"terminated_on": date(c.TerminatedOn), "ends_on": date(c.Terms.EndsOn), "department": c.DepartmentName,
			"responsible": c.ResponsibleName, "notes": c.Notes,
		}
	}
	b, a := text(before), text(after)
	out := map[string]any{}
	for k, v := range a {
		if b[k] != v {
			out[k] = map[string]any{"before": b[k], "after": v}
		}
	}
	return out
}

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullDate(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// AddSystem records that a contract covers the system of that name (as
// the register spells it, in any case).
func (s *ContractService) AddSystem(ctx context.Context, actor *portal.Actor, contractID int64, systemName, correlationID string) (err error) {
	defer wrap(&err, "add system to contract %d", contractID)
	if err := mayManageSuppliers(actor); err != nil {
		return err
	}
	systemName = strings.TrimSpace(systemName)
	if systemName == "" {
		return portal.Invalid("Systemet behöver rättas.", map[string]string{"system": "Skriv systemets namn som det står i registret."})
	}
	if m := portal.TextProblem(systemName, 200, false); m != "" {
		return portal.Invalid("Systemet behöver rättas.", map[string]string{"system": m})
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := getContract(ctx, tx, contractID, true); err != nil {
			return err
		}
		var id int64
		var name string
		err := tx.QueryRow(ctx, `SELECT id, name FROM systems WHERE lower(name) = lower($1)`, systemName).Scan(&id, &name)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.Invalid("Systemet finns inte.", map[string]string{"system": "Det finns inget system som heter så i registret. Skriv namnet som det står i registret."})
		}
		if err != nil {
			return translate(err)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO contract_systems (contract_id, system_id, added_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			contractID, id, nullID(actor.PersonID))
		if err != nil {
			return translate(err)
		}
		if tag.RowsAffected() == 0 {
			return portal.Invalid("Systemet finns redan.", map[string]string{"system": name + " omfattas redan av avtalet."})
		}
		if err := s.refreshContract(ctx, tx, contractID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "contract.system_added", ObjectType: "contract",
			ObjectID: strconv.FormatInt(contractID, 10), RequestID: correlationID, Changes: map[string]any{
				"system": map[string]any{"before": nil, "after": name}, "system_id": map[string]any{"before": nil, "after": id}}})
	})
}

// RemoveSystem records that a contract no longer covers a system.
func (s *ContractService) RemoveSystem(ctx context.Context, actor *portal.Actor, contractID, systemID int64, correlationID string) (err error) {
	defer wrap(&err, "remove system %d from contract %d", systemID, contractID)
	if err := mayManageSuppliers(actor); err != nil {
		return err
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := getContract(ctx, tx, contractID, true); err != nil {
			return err
		}
		var name string
		err := tx.QueryRow(ctx, `
			WITH gone AS (DELETE FROM contract_systems WHERE contract_id = $1 AND system_id = $2 RETURNING system_id)
			SELECT s.name FROM gone JOIN systems s ON s.id = gone.system_id`, contractID, systemID).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Avtalet omfattar inte det systemet.")
		}
		if err != nil {
			return translate(err)
		}
		if err := s.refreshContract(ctx, tx, contractID, systemID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "contract.system_removed", ObjectType: "contract",
			ObjectID: strconv.FormatInt(contractID, 10), RequestID: correlationID, Changes: map[string]any{
				"system": map[string]any{"before": name, "after": nil}, "system_id": map[string]any{"before": systemID, "after": nil}}})
	})
}
