package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// ProcessingService keeps the systems' processing records (the data
// processor, its PUB agreement, sub-processors and oversight). Everyone
// signed in reads them, except the details of a record marked
// confidential (portal.SeesConfidentialProcessing); IT-enheten edits
// (portal.CanEditProcessing); the system's administrator proposes a change,
// which IT-enheten confirms or rejects. Every change writes an audit entry
// and recomputes the system's breaches (R18, R19) in its transaction.
type ProcessingService struct {
	pool *pgxpool.Pool
	now  func() time.Time
	keep breachKeeper
}

// NewProcessingService returns the service; official is
// ITPORTAL_OFFICIAL_WEB_ADDRESS (the system checks it recomputes), now
// the clock (nil: time.Now).
func NewProcessingService(pool *pgxpool.Pool, official string, now func() time.Time) *ProcessingService {
	if now == nil {
		now = time.Now
	}
	return &ProcessingService{pool: pool, now: now, keep: breachKeeper{official: official, now: now}}
}

// ProcessingRecord is a stored record with the names it refers to.
type ProcessingRecord struct {
	ID            int64
	SystemID      int64
	Fields        portal.ProcessingFields
	ProcessorName string
	ContractName  string
	UpdatedAt     time.Time
	// Redacted: the record is confidential and the reader may not see its
	// details, which are left empty.
	Redacted bool
}

// Facts are the record's lines, with the details hidden when redacted.
func (r ProcessingRecord) Facts() []portal.ProcessingFact {
	return r.Fields.Facts(r.ProcessorName, r.ContractName, r.Redacted)
}

// ProcessingProposal is an administrator's proposed record, open.
type ProcessingProposal struct {
	ID         int64
	ByName     string
	At         time.Time
	Fields     portal.ProcessingFields
	Changes    []portal.ProcessingChange
	Processor  string
	Contract   string
	ProposedBy int64
}

// ProcessingSystem is what the page says about the system itself.
type ProcessingSystem struct {
	ID            int64
	Name          string
	Lifecycle     string
	Hosting       string
	PersonalData  string
	AdminID       int64
	OwnerID       int64
	OwnerName     string
	AdminName     string
	OwnerManagers bool // the reader manages staff in the owning department
}

// ProcessingOption is a supplier or a contract to choose in the form.
type ProcessingOption struct {
	ID         int64
	Name       string
	SupplierID int64
}

// ProcessingView is a system's processing page.
type ProcessingView struct {
	System     ProcessingSystem
	Record     *ProcessingRecord // nil when none is registered
	Proposal   *ProcessingProposal
	Audit      []AuditRow
	CanEdit    bool // IT-enheten: sets the record, decides proposals
	CanPropose bool // the administrator: proposes
	SeesAll    bool // sees the confidential details
	Suppliers  []ProcessingOption
	Contracts  []ProcessingOption
}

const processingSystemSelect = `
	SELECT s.id, s.name, s.lifecycle, s.hosting, s.personal_data,
	       COALESCE(a.person_id, 0), COALESCE(o.department_id, 0), COALESCE(d.name, ''), COALESCE(p.name, ''),
	       (o.department_id IS NOT NULL AND o.department_id = $3::bigint
	        AND EXISTS (SELECT 1 FROM people m WHERE m.manager_id = $4::bigint AND m.active))
	FROM systems s
	LEFT JOIN role_assignments a ON a.system_id = s.id AND a.role = 'administrator' AND a.valid @> $2::date
	LEFT JOIN people p ON p.id = a.person_id
	LEFT JOIN role_assignments o ON o.system_id = s.id AND o.role = 'owner' AND o.valid @> $2::date
	LEFT JOIN departments d ON d.id = o.department_id
	WHERE s.id = $1`

func (s *ProcessingService) loadSystem(ctx context.Context, tx pgx.Tx, actor *portal.Actor, id int64, lock bool) (ProcessingSystem, error) {
	var sys ProcessingSystem
	today := portal.DateOf(s.now())
	var row pgx.Row
	if lock {
		row = tx.QueryRow(ctx, processingSystemSelect+` FOR NO KEY UPDATE OF s`, id, today, actor.DepartmentID, actor.PersonID)
	} else {
		row = tx.QueryRow(ctx, processingSystemSelect, id, today, actor.DepartmentID, actor.PersonID)
	}
	err := row.Scan(&sys.ID, &sys.Name, &sys.Lifecycle, &sys.Hosting,
		&sys.PersonalData, &sys.AdminID, &sys.OwnerID, &sys.OwnerName, &sys.AdminName, &sys.OwnerManagers)
	if errors.Is(err, pgx.ErrNoRows) {
		return sys, portal.NotFound("Systemet finns inte.")
	}
	return sys, translate(err)
}

const processingRecordSelect = `
	SELECT r.id, r.system_id, r.processor_id, su.name, r.signed, r.signed_on, COALESCE(r.contract_id, 0), COALESCE(c.name, ''),
	       r.data_categories, r.data_other, r.subject_categories, r.subject_other, r.sensitive, r.sensitive_kinds,
	       r.purpose, r.legal_basis, r.legal_basis_note, r.oversight_method, r.oversight_months, r.oversight_last_on,
	       r.secrecy, r.osl_assessed_by, r.osl_assessed_on, r.osl_assessment, r.confidential, r.updated_at,
	       COALESCE((SELECT jsonb_agg(jsonb_build_object('Name', sp.name, 'Country', sp.country, 'Basis', sp.basis, 'Service', sp.service)
	                 ORDER BY sp.position) FROM processing_subprocessors sp WHERE sp.record_id = r.id), '[]'::jsonb)
	FROM processing_records r
	JOIN suppliers su ON su.id = r.processor_id
	LEFT JOIN contracts c ON c.id = r.contract_id `

func scanProcessingRecord(row pgx.CollectableRow) (ProcessingRecord, error) {
	var r ProcessingRecord
	f := &r.Fields
	var signedOn, lastOn, oslOn *time.Time
	var subs []byte
	err := row.Scan(&r.ID, &r.SystemID, &f.ProcessorID, &r.ProcessorName, &f.Signed, &signedOn, &f.ContractID, &r.ContractName,
		&f.DataCategories, &f.DataOther, &f.SubjectCategories, &f.SubjectOther, &f.Sensitive, &f.SensitiveKinds,
		&f.Purpose, &f.LegalBasis, &f.LegalBasisNote, &f.OversightMethod, &f.OversightMonths, &lastOn,
		&f.Secrecy, &f.OSLAssessedBy, &oslOn, &f.OSLAssessment, &f.Confidential, &r.UpdatedAt, &subs)
	if err != nil {
		return r, err
	}
	for _, d := range []struct {
		from *time.Time
		to   *time.Time
	}{{signedOn, &f.SignedOn}, {lastOn, &f.OversightLast}, {oslOn, &f.OSLAssessedOn}} {
		if d.from != nil {
			*d.to = *d.from
		}
	}
	if err := json.Unmarshal(subs, &f.SubProcessors); err != nil {
		return r, err
	}
	return r, nil
}

// redact empties a confidential record's details for a reader who may not
// see them.
func (r *ProcessingRecord) redact(sees bool) {
	if sees || !r.Fields.Confidential {
		return
	}
	r.Redacted = true
	f := &r.Fields
	f.SensitiveKinds, f.OSLAssessedBy, f.OSLAssessedOn, f.OSLAssessment = nil, "", time.Time{}, ""
}

func recordOf(ctx context.Context, tx pgx.Tx, systemID int64) (*ProcessingRecord, error) {
	rows, err := tx.Query(ctx, processingRecordSelect+`WHERE r.system_id = $1`, systemID)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, scanProcessingRecord)
	if err != nil || len(list) == 0 {
		return nil, translate(err)
	}
	return &list[0], nil
}

const processingProposalSelect = `
	SELECT pp.id, pp.proposed_by, p.name, pp.proposed_at, pp.fields FROM processing_proposals pp JOIN people p ON p.id = pp.proposed_by
	WHERE pp.system_id = $1 AND pp.state = 'open'`

func openProcessingProposal(ctx context.Context, tx pgx.Tx, systemID int64, lock bool) (*ProcessingProposal, error) {
	var row pgx.Row
	if lock {
		row = tx.QueryRow(ctx, processingProposalSelect+` FOR UPDATE OF pp`, systemID)
	} else {
		row = tx.QueryRow(ctx, processingProposalSelect, systemID)
	}
	var p ProcessingProposal
	var raw []byte
	err := row.Scan(&p.ID, &p.ProposedBy, &p.ByName, &p.At, &raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	if err := json.Unmarshal(raw, &p.Fields); err != nil {
		return nil, err
	}
	return &p, nil
}

// names looks up the processor's and the contract's names.
func processingNames(ctx context.Context, tx pgx.Tx, f portal.ProcessingFields) (processor, contract string, err error) {
	err = tx.QueryRow(ctx, `SELECT COALESCE((SELECT name FROM suppliers WHERE id = $1), ''), COALESCE((SELECT name FROM contracts WHERE id = $2), '')`,
		f.ProcessorID, f.ContractID).Scan(&processor, &contract)
	return processor, contract, translate(err)
}

// Page reads a system's processing page for actor.
func (s *ProcessingService) Page(ctx context.Context, actor *portal.Actor, systemID int64) (v ProcessingView, err error) {
	defer wrap(&err, "processing page of system %d", systemID)
	if actor == nil {
		return v, errSignInToRead
	}
	err = snapshotTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if v.System, err = s.loadSystem(ctx, tx, actor, systemID, false); err != nil {
			return err
		}
		v.CanEdit = portal.CanEditProcessing(actor)
		v.CanPropose = !v.CanEdit && portal.CanProposeProcessing(actor, v.System.AdminID)
		v.SeesAll = portal.SeesConfidentialProcessing(actor, v.System.AdminID, v.System.OwnerManagers)
		if v.Record, err = recordOf(ctx, tx, systemID); err != nil {
			return err
		}
		if v.Record != nil {
			v.Record.redact(v.SeesAll)
		}
		if v.CanEdit || v.CanPropose {
			if v.Proposal, err = openProcessingProposal(ctx, tx, systemID, false); err != nil {
				return err
			}
			if v.Proposal != nil {
				if v.Proposal.Processor, v.Proposal.Contract, err = processingNames(ctx, tx, v.Proposal.Fields); err != nil {
					return err
				}
				var before []portal.ProcessingFact
				if v.Record != nil {
					before = v.Record.Facts()
				}
				v.Proposal.Changes = portal.ProcessingChanges(before, v.Proposal.Fields.Facts(v.Proposal.Processor, v.Proposal.Contract, false))
			}
			rows, err := tx.Query(ctx, `SELECT id, name, id FROM suppliers ORDER BY name COLLATE swedish, id`)
			if err != nil {
				return translate(err)
			}
			if v.Suppliers, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ProcessingOption]); err != nil {
				return translate(err)
			}
			rows, err = tx.Query(ctx, `SELECT id, name, supplier_id FROM contracts ORDER BY name COLLATE swedish, id`)
			if err != nil {
				return translate(err)
			}
			if v.Contracts, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ProcessingOption]); err != nil {
				return translate(err)
			}
		}
		v.Audit, err = auditFor(ctx, tx, "processing", strconv.FormatInt(systemID, 10))
		return translate(err)
	})
	return v, err
}

// Save parses the form and, for IT-enheten, sets the system's record; for
// the system's administrator it becomes a proposal (proposed is then
// true). Everyone else is refused. Bad input is refused with Swedish
// messages per field and nothing is saved.
func (s *ProcessingService) Save(ctx context.Context, actor *portal.Actor, systemID int64, in portal.ProcessingInput, correlationID string) (proposed bool, err error) {
	defer wrap(&err, "save processing record of system %d", systemID)
	if actor == nil || actor.PersonID == 0 {
		return false, portal.Forbidden("Logga in för att ändra personuppgiftsbehandlingen.")
	}
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		sys, err := s.loadSystem(ctx, tx, actor, systemID, true)
		if err != nil {
			return err
		}
		switch {
		case portal.CanEditProcessing(actor):
		case portal.CanProposeProcessing(actor, sys.AdminID):
			proposed = true
		default:
			return portal.Forbidden("Bara IT-enheten ändrar personuppgiftsbehandlingen. Systemförvaltaren kan föreslå en ändring.")
		}
		f, errs := in.Parse(portal.DateOf(s.now()))
		if len(errs) > 0 {
			return portal.Invalid("Uppgifterna behöver rättas.", errs)
		}
		if err := checkProcessingRefs(ctx, tx, sys, f); err != nil {
			return err
		}
		if proposed {
			return s.proposeTx(ctx, tx, actor, systemID, f, correlationID)
		}
		return s.applyTx(ctx, tx, actor.PersonID, systemID, f, "processing.saved", nil, correlationID)
	})
	return proposed, err
}

// checkProcessingRefs checks, in the change's transaction, what the form
// names: a system with personal data, the processor, and a contract with
// that processor.
func checkProcessingRefs(ctx context.Context, tx pgx.Tx, sys ProcessingSystem, f portal.ProcessingFields) error {
	if sys.PersonalData == portal.PersonalDataNone {
		return portal.Invalid("Systemet har inga personuppgifter.", map[string]string{
			"processor_id": "Systemet är registrerat utan personuppgifter. Ändra först systemets uppgift om personuppgifter."})
	}
	var found bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM suppliers WHERE id = $1)`, f.ProcessorID).Scan(&found); err != nil {
		return translate(err)
	}
	if !found {
		return portal.Invalid("Leverantören finns inte.", map[string]string{"processor_id": "Välj leverantören som är personuppgiftsbiträde i listan."})
	}
	if f.ContractID != 0 {
		var supplier int64
		err := tx.QueryRow(ctx, `SELECT supplier_id FROM contracts WHERE id = $1`, f.ContractID).Scan(&supplier)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.Invalid("Avtalet finns inte.", map[string]string{"contract_id": "Välj avtalet i listan."})
		}
		if err != nil {
			return translate(err)
		}
		if supplier != f.ProcessorID {
			return portal.Invalid("Avtalet är med en annan leverantör.", map[string]string{"contract_id": "Avtalet är med en annan leverantör än personuppgiftsbiträdet. Välj biträdets avtal eller inget."})
		}
	}
	return nil
}

// auditValues are a record's values as the audit log keeps them.
func auditValues(f portal.ProcessingFields) map[string]any {
	b, _ := json.Marshal(f)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// applyTx writes f as the system's record, with its sub-processors, the
// audit entry (before and after, per changed value) and the breaches.
func (s *ProcessingService) applyTx(ctx context.Context, tx pgx.Tx, by, systemID int64, f portal.ProcessingFields, action string, extra map[string]any, correlationID string) error {
	before, err := recordOf(ctx, tx, systemID)
	if err != nil {
		return err
	}
	date := func(d time.Time) *time.Time {
		if d.IsZero() {
			return nil
		}
		return &d
	}
	var contract *int64
	if f.ContractID != 0 {
		contract = &f.ContractID
	}
	orEmpty := func(v []string) []string {
		if v == nil {
			return []string{}
		}
		return v
	}
	var id int64
	err = tx.QueryRow(ctx, `
		INSERT INTO processing_records (system_id, processor_id, signed, signed_on, contract_id, data_categories, data_other,
			subject_categories, subject_other, sensitive, sensitive_kinds, purpose, legal_basis, legal_basis_note,
			oversight_method, oversight_months, oversight_last_on, oversight_next_on, secrecy, osl_assessed_by, osl_assessed_on,
			osl_assessment, confidential, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
		ON CONFLICT (system_id) DO UPDATE SET processor_id = EXCLUDED.processor_id, signed = EXCLUDED.signed, signed_on = EXCLUDED.signed_on,
			contract_id = EXCLUDED.contract_id, data_categories = EXCLUDED.data_categories, data_other = EXCLUDED.data_other,
			subject_categories = EXCLUDED.subject_categories, subject_other = EXCLUDED.subject_other, sensitive = EXCLUDED.sensitive,
			sensitive_kinds = EXCLUDED.sensitive_kinds, purpose = EXCLUDED.purpose, legal_basis = EXCLUDED.legal_basis,
			legal_basis_note = EXCLUDED.legal_basis_note, oversight_method = EXCLUDED.oversight_method,
			oversight_months = EXCLUDED.oversight_months, oversight_last_on = EXCLUDED.oversight_last_on,
			oversight_next_on = EXCLUDED.oversight_next_on, secrecy = EXCLUDED.secrecy, osl_assessed_by = EXCLUDED.osl_assessed_by,
			osl_assessed_on = EXCLUDED.osl_assessed_on, osl_assessment = EXCLUDED.osl_assessment, confidential = EXCLUDED.confidential,
			updated_by = EXCLUDED.updated_by, updated_at = now()
		RETURNING id`,
		systemID, f.ProcessorID, f.Signed, date(f.SignedOn), contract, orEmpty(f.DataCategories), f.DataOther,
		orEmpty(f.SubjectCategories), f.SubjectOther, f.Sensitive, orEmpty(f.SensitiveKinds), f.Purpose, f.LegalBasis, f.LegalBasisNote,
		f.OversightMethod, f.OversightMonths, date(f.OversightLast), date(f.NextOversight()), f.Secrecy, f.OSLAssessedBy, date(f.OSLAssessedOn),
		f.OSLAssessment, f.Confidential, by).Scan(&id)
	if err != nil {
		return translate(err)
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM processing_subprocessors WHERE record_id = $1`, id)
	for i, p := range f.SubProcessors {
		b.Queue(`INSERT INTO processing_subprocessors (record_id, position, name, country, basis, service) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, i+1, p.Name, p.Country, p.Basis, p.Service)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return translate(err)
	}
	after := auditValues(f)
	changes := map[string]any{}
	var was map[string]any
	if before != nil {
		was = auditValues(before.Fields)
	}
	for k, v := range after {
		old, _ := json.Marshal(was[k])
		now, _ := json.Marshal(v)
		if before == nil || string(old) != string(now) {
			changes[k] = map[string]any{"before": was[k], "after": v}
		}
	}
	for k, v := range extra {
		changes[k] = v
	}
	if err := appendAudit(ctx, tx, AuditEntry{ActorID: by, Action: action, ObjectType: "processing",
		ObjectID: strconv.FormatInt(systemID, 10), Changes: changes, RequestID: correlationID}); err != nil {
		return err
	}
	return s.keep.refresh(ctx, tx, Scope{Systems: []int64{systemID}})
}

// proposeTx records the administrator's proposal, superseding the open one.
func (s *ProcessingService) proposeTx(ctx context.Context, tx pgx.Tx, actor *portal.Actor, systemID int64, f portal.ProcessingFields, correlationID string) error {
	open, err := openProcessingProposal(ctx, tx, systemID, true)
	if err != nil {
		return err
	}
	changes := map[string]any{"proposal": auditValues(f)}
	if open != nil {
		if _, err := tx.Exec(ctx, `UPDATE processing_proposals SET state = 'superseded', decided_by = $2, decided_at = now() WHERE id = $1`,
			open.ID, actor.PersonID); err != nil {
			return translate(err)
		}
		changes["supersedes"] = open.ID
	}
	raw, err := json.Marshal(f)
	if err != nil {
		return err
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO processing_proposals (system_id, proposed_by, fields) VALUES ($1, $2, $3) RETURNING id`,
		systemID, actor.PersonID, raw).Scan(&id); err != nil {
		return translate(err)
	}
	changes["proposal_id"] = id
	return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "processing.proposed", ObjectType: "processing",
		ObjectID: strconv.FormatInt(systemID, 10), Changes: changes, RequestID: correlationID})
}

// Decide confirms (applies) or rejects the system's open proposal; only
// IT-enheten may. A proposal decided already, or replaced by a newer one,
// is a conflict.
func (s *ProcessingService) Decide(ctx context.Context, actor *portal.Actor, systemID, proposalID int64, confirm bool, note, correlationID string) (err error) {
	defer wrap(&err, "decide processing proposal %d", proposalID)
	if !portal.CanEditProcessing(actor) {
		return portal.Forbidden("Bara IT-enheten bekräftar eller avslår förslag om personuppgiftsbehandling.")
	}
	if m := portal.TextProblem(note, 2000, true); m != "" {
		return portal.Invalid("Uppgifterna behöver rättas.", map[string]string{"note": m})
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		sys, err := s.loadSystem(ctx, tx, actor, systemID, true)
		if err != nil {
			return err
		}
		p, err := openProcessingProposal(ctx, tx, systemID, true)
		if err != nil {
			return err
		}
		if p == nil || p.ID != proposalID {
			return portal.Conflict("Förslaget är redan avgjort eller har ersatts av ett nyare. Ladda om sidan.")
		}
		state := "rejected"
		if confirm {
			state = "confirmed"
		}
		if _, err := tx.Exec(ctx, `UPDATE processing_proposals SET state = $2, decided_by = $3, decided_at = now(), note = $4 WHERE id = $1`,
			p.ID, state, actor.PersonID, note); err != nil {
			return translate(err)
		}
		if !confirm {
			return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "processing.proposal_rejected", ObjectType: "processing",
				ObjectID: strconv.FormatInt(systemID, 10), Changes: map[string]any{"proposal_id": p.ID, "note": note}, RequestID: correlationID})
		}
		// What was proposed is checked again as it is applied.
		f, errs := p.Fields.Input().Parse(portal.DateOf(s.now()))
		if len(errs) > 0 {
			return portal.Conflict("Förslaget kan inte bekräftas som det är: " + joinMessages(errs) + " Avslå det och ändra uppgifterna själv.")
		}
		if err := checkProcessingRefs(ctx, tx, sys, f); err != nil {
			return portal.Conflict("Förslaget kan inte bekräftas som det är: " + portal.MessageOf(err) + " Avslå det och ändra uppgifterna själv.")
		}
		return s.applyTx(ctx, tx, actor.PersonID, systemID, f, "processing.proposal_confirmed",
			map[string]any{"proposal_id": p.ID, "proposed_by": p.ProposedBy, "note": note}, correlationID)
	})
}

// RegisterRow is one processing activity of the article 30 register.
type RegisterRow struct {
	Record     ProcessingRecord
	SystemName string
	Lifecycle  string
	Department string // the controller's department: the system's owner
}

// Register is the register of processing activities (GDPR article 30):
// every record, by owning department and system, with the details of a
// confidential record hidden from a reader who may not see them.
func (s *ProcessingService) Register(ctx context.Context, actor *portal.Actor) (list []RegisterRow, err error) {
	defer wrap(&err, "processing register")
	if actor == nil {
		return nil, errSignInToRead
	}
	today := portal.DateOf(s.now())
	err = snapshotTx(ctx, s.pool, func(tx pgx.Tx) error {
		var manages bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM people WHERE manager_id = $1 AND active)`, actor.PersonID).Scan(&manages); err != nil {
			return translate(err)
		}
		rows, err := tx.Query(ctx, processingRecordSelect+`ORDER BY r.id`)
		if err != nil {
			return translate(err)
		}
		records, err := pgx.CollectRows(rows, scanProcessingRecord)
		if err != nil {
			return translate(err)
		}
		bySystem := map[int64]ProcessingRecord{}
		for _, r := range records {
			bySystem[r.SystemID] = r
		}
		// The systems in the register's order: by owning department, then name.
		rows, err = tx.Query(ctx, `
			SELECT s.id, s.name, s.lifecycle, COALESCE(d.name, ''), COALESCE(o.department_id, 0), COALESCE(a.person_id, 0)
			FROM processing_records r JOIN systems s ON s.id = r.system_id
			LEFT JOIN role_assignments o ON o.system_id = s.id AND o.role = 'owner' AND o.valid @> $1::date
			LEFT JOIN departments d ON d.id = o.department_id
			LEFT JOIN role_assignments a ON a.system_id = s.id AND a.role = 'administrator' AND a.valid @> $1::date
			ORDER BY d.name COLLATE swedish NULLS LAST, s.name COLLATE swedish, s.id`, today)
		if err != nil {
			return translate(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, owner, admin int64
			var row RegisterRow
			if err := rows.Scan(&id, &row.SystemName, &row.Lifecycle, &row.Department, &owner, &admin); err != nil {
				return translate(err)
			}
			row.Record = bySystem[id]
			row.Record.redact(portal.SeesConfidentialProcessing(actor, admin, manages && owner != 0 && owner == actor.DepartmentID))
			list = append(list, row)
		}
		return translate(rows.Err())
	})
	return list, err
}

// ForSupplier returns the register's rows whose processor is the supplier
// (the supplier's page and its incident spreadsheet).
func (s *ProcessingService) ForSupplier(ctx context.Context, actor *portal.Actor, supplierID int64) ([]RegisterRow, error) {
	all, err := s.Register(ctx, actor)
	if err != nil {
		return nil, err
	}
	var out []RegisterRow
	for _, r := range all {
		if r.Record.Fields.ProcessorID == supplierID {
			out = append(out, r)
		}
	}
	return out, nil
}
