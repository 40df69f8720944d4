package postgres

import (
	"context"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
)

// Supplier incidents (issue 20): IT-enheten records a supplier's incident
// as a case (portal.KindSupplierIncident) from the supplier's page, with
// the systems it hits. The case is submitted at once, gets its number,
// keeps its timeline like every case, and tells the affected systems'
// administrators and owners.

// IncidentSystem is a system an incident case records.
type IncidentSystem struct {
	ID            int64
	Name          string
	Owner         string
	Administrator string
	PersonalData  string
}

// StartSupplierIncident records a supplier incident hitting the given
// systems, each of which must be one the supplier delivers (checked in the
// transaction). It returns the case and its number. IT-enheten only.
func (s *RequestService) StartSupplierIncident(ctx context.Context, actor *portal.Actor, supplierID int64, f portal.SupplierIncidentFields, correlationID string) (id int64, number string, err error) {
	defer wrap(&err, "start supplier incident for supplier %d", supplierID)
	if !portal.CanStartSupplierIncident(actor) {
		return 0, "", portal.Forbidden("Bara IT-enheten startar en leverantörsincident.")
	}
	errs := f.Validate()
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		sup, err := getSupplier(ctx, tx, supplierID, true)
		if err != nil {
			return err
		}
		delivered, err := deliveredSystems(ctx, tx, supplierID)
		if err != nil {
			return err
		}
		ids := make([]int64, 0, len(delivered))
		for _, d := range delivered {
			ids = append(ids, d.ID)
		}
		for _, id := range f.SystemIDs {
			if !slices.Contains(ids, id) {
				errs["systems"] = "Ett av de valda systemen levereras inte av " + sup.Name + ". Välj bland systemen i listan."
			}
		}
		if len(f.SystemIDs) == 0 && len(delivered) > 0 {
			errs["systems"] = "Välj minst ett system som berörs."
		}
		if len(errs) > 0 {
			return portal.Invalid("Leverantörsincidenten behöver rättas.", errs)
		}
		year := portal.Today().Year()
		var seq int
		if err := tx.QueryRow(ctx, `
			INSERT INTO request_numbers (year, last) VALUES ($1, 1)
			ON CONFLICT (year) DO UPDATE SET last = request_numbers.last + 1
			RETURNING last`, year).Scan(&seq); err != nil {
			return translate(err)
		}
		details := portal.RequestDetails{IncidentSupplierID: sup.ID, IncidentSupplier: sup.Name + " (" + sup.OrgNumber + ")"}
		if err := tx.QueryRow(ctx, `
			INSERT INTO requests (kind, state, author_id, title, description, contact, details, number_year, number_seq, submitted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now()) RETURNING id, number`,
			string(portal.KindSupplierIncident), string(portal.StateSubmitted), actor.PersonID, f.Title, f.Description, "IT-enheten",
			details, year, seq).Scan(&id, &number); err != nil {
			return translate(err)
		}
		t := portal.Transition{Action: portal.ActionSubmit, From: portal.StateDraft, To: portal.StateSubmitted, By: portal.PartyRequester}
		if err := s.event(ctx, tx, actor, id, t, ""); err != nil {
			return err
		}
		// The systems as they stand today, in one statement.
		if _, err := tx.Exec(ctx, `
			INSERT INTO request_systems (request_id, system_id, system_name, owner, administrator, personal_data)
			SELECT $1, s.id, s.name, COALESCE(d.name, ''), COALESCE(p.name, ''), s.personal_data
			FROM systems s
			LEFT JOIN role_assignments o ON o.system_id = s.id AND o.role = 'owner' AND o.valid @> current_date
			LEFT JOIN departments d ON d.id = o.department_id
			LEFT JOIN role_assignments a ON a.system_id = s.id AND a.role = 'administrator' AND a.valid @> current_date
			LEFT JOIN people p ON p.id = a.person_id
			WHERE s.id = ANY($2)`, id, f.SystemIDs); err != nil {
			return translate(err)
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "request.submitted", ObjectType: "request",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID,
			Changes: map[string]any{"number": number, "kind": string(portal.KindSupplierIncident), "supplier_id": sup.ID,
				"systems": f.SystemIDs, "state": map[string]any{"before": nil, "after": string(portal.StateSubmitted)}}}); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "supplier.incident_started", ObjectType: "supplier",
			ObjectID: strconv.FormatInt(sup.ID, 10), RequestID: correlationID,
			Changes: map[string]any{"incident": map[string]any{"before": nil, "after": number + " " + f.Title}}}); err != nil {
			return err
		}
		return s.notify(ctx, tx, jobargs.StepSubmitted, id, "it_unit", jobargs.AudienceAffectedSystems)
	})
	if err != nil {
		return 0, "", err
	}
	return id, number, nil
}

// deliveredSystems are the systems a supplier delivers: those its
// contracts cover and those linked to it, with who answers for them today.
func deliveredSystems(ctx context.Context, tx pgx.Tx, supplierID int64) ([]IncidentSystem, error) {
	rows, err := tx.Query(ctx, `
		SELECT s.id, s.name, COALESCE(d.name, ''), COALESCE(p.name, ''), s.personal_data
		FROM systems s
		LEFT JOIN role_assignments o ON o.system_id = s.id AND o.role = 'owner' AND o.valid @> current_date
		LEFT JOIN departments d ON d.id = o.department_id
		LEFT JOIN role_assignments a ON a.system_id = s.id AND a.role = 'administrator' AND a.valid @> current_date
		LEFT JOIN people p ON p.id = a.person_id
		WHERE s.supplier_id = $1
		   OR s.id IN (SELECT cs.system_id FROM contracts c JOIN contract_systems cs ON cs.contract_id = c.id WHERE c.supplier_id = $1)
		ORDER BY s.name COLLATE swedish, s.id`, supplierID)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (IncidentSystem, error) {
		var x IncidentSystem
		return x, row.Scan(&x.ID, &x.Name, &x.Owner, &x.Administrator, &x.PersonalData)
	})
	return list, translate(err)
}

// IncidentSystems returns the systems an incident case recorded, for
// everyone who may read the case (a submitted case is a public record).
func (s *RequestService) IncidentSystems(ctx context.Context, actor *portal.Actor, requestID int64) (_ []IncidentSystem, err error) {
	defer wrap(&err, "incident systems of case %d", requestID)
	if actor == nil {
		return nil, portal.Forbidden("Logga in.")
	}
	rows, err := s.pool.Query(ctx, `
		SELECT system_id, system_name, owner, administrator, personal_data FROM request_systems
		WHERE request_id = $1 ORDER BY system_name COLLATE swedish, system_id`, requestID)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (IncidentSystem, error) {
		var x IncidentSystem
		return x, row.Scan(&x.ID, &x.Name, &x.Owner, &x.Administrator, &x.PersonalData)
	})
	return list, translate(err)
}

// IncidentRecipient is someone an incident case tells, with the affected
// systems they answer for.
type IncidentRecipient struct {
	Recipient
	Systems string
}

// IncidentRecipients are the people an incident case tells: each affected
// system's systemförvaltare, and for its systemägare (a department) the
// department's heads: its active managers whose own manager is not in
// the department.
func (s *NotificationService) IncidentRecipients(ctx context.Context, requestID int64) ([]IncidentRecipient, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT p.id, p.name, p.email, string_agg(DISTINCT rs.system_name, ', ')
		FROM request_systems rs
		CROSS JOIN LATERAL (
			SELECT a.person_id FROM role_assignments a
			WHERE a.system_id = rs.system_id AND a.role = 'administrator' AND a.valid @> current_date
			UNION
			SELECT m.id FROM role_assignments o JOIN people m ON m.department_id = o.department_id
			WHERE o.system_id = rs.system_id AND o.role = 'owner' AND o.valid @> current_date
			  AND EXISTS (SELECT 1 FROM people e WHERE e.manager_id = m.id AND e.active)
			  AND NOT EXISTS (SELECT 1 FROM people b WHERE b.id = m.manager_id AND b.department_id = o.department_id)
		) x(person_id)
		JOIN people p ON p.id = x.person_id AND p.active AND p.email <> ''
		WHERE rs.request_id = $1
		GROUP BY p.id, p.name, p.email
		ORDER BY p.id`, requestID)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (IncidentRecipient, error) {
		var r IncidentRecipient
		return r, row.Scan(&r.PersonID, &r.Name, &r.Email, &r.Systems)
	})
	return list, translate(err)
}
