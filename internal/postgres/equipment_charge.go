package postgres

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"itportal/internal/portal"
)

// ChargeReportLine is one line of a department's monthly charge: a piece
// at one monthly price, or a correction of a closed month.
type ChargeReportLine struct {
	DepartmentID    int64
	Department      string
	EquipmentID     int64
	InventoryNumber string
	Type            string
	Model           string
	First, Last     *time.Time
	Days            int
	MonthlyOre      int64
	AmountOre       int64
	NoPrice         bool
	CorrectsMonth   *time.Time // set on a correction: the closed month it corrects
}

// DepartmentCharge is what one department pays for a month.
type DepartmentCharge struct {
	ID       int64
	Name     string
	Lines    []ChargeReportLine
	TotalOre int64
}

// ChargeReport is the monthly charge: per department, every piece it
// rented with its days, price and amount. A closed month is read as it was
// stored when it was closed; an open one is computed now
// (portal.MonthlyCharge), and the first open month after the last closed
// one also carries the corrections of closed months changed since.
type ChargeReport struct {
	Month        time.Time
	Closed       bool
	ClosedAt     time.Time
	ClosedBy     string
	Departments  []DepartmentCharge
	TotalOre     int64
	Corrects     []time.Time // the closed months this report corrects
	CanClose     bool        // the actor may close the month now
	CloseProblem string      // why the month cannot be closed yet (for IT-enheten)
}

type pieceInfo struct {
	inventory, typ, model, department string
}

// chargeRentalsSQL are the rental periods that share a day with [$1, $2),
// of one department ($3) or all (0), with their piece.
const chargeRentalsSQL = `
	SELECT r.id, r.equipment_id, r.department_id, COALESCE(r.person_id, 0), lower(r.valid), upper(r.valid),
	       e.type, e.inventory_number, e.model, d.name
	FROM equipment_rentals r
	JOIN equipment e ON e.id = r.equipment_id
	JOIN departments d ON d.id = r.department_id
	WHERE r.valid && daterange($1::date, $2::date) AND ($3::bigint = 0 OR r.department_id = $3)`

// computeCharge is a month's charge from the rentals and prices as they
// are now, with what the lines need of their pieces.
func computeCharge(ctx context.Context, tx pgx.Tx, month time.Time, dept int64, prices []portal.PricePoint) ([]portal.ChargeLine, map[portal.ChargeKey]pieceInfo, error) {
	rows, err := tx.Query(ctx, chargeRentalsSQL, month, month.AddDate(0, 1, 0), dept)
	if err != nil {
		return nil, nil, translate(err)
	}
	defer rows.Close()
	var rentals []portal.ChargeRental
	info := map[portal.ChargeKey]pieceInfo{}
	for rows.Next() {
		var r portal.ChargeRental
		var p pieceInfo
		if err := rows.Scan(&r.ID, &r.EquipmentID, &r.DepartmentID, &r.PersonID, &r.From, &r.To, &r.Type, &p.inventory, &p.model, &p.department); err != nil {
			return nil, nil, translate(err)
		}
		p.typ = r.Type
		rentals = append(rentals, r)
		info[portal.ChargeKey{DepartmentID: r.DepartmentID, EquipmentID: r.EquipmentID}] = p
	}
	if err := rows.Err(); err != nil {
		return nil, nil, translate(err)
	}
	return portal.MonthlyCharge(month, rentals, prices), info, nil
}

// pendingCorrections are what the closed months changed since they were
// closed owe now (for one department, or all when dept is 0): correction
// lines for the next open month.
func pendingCorrections(ctx context.Context, tx pgx.Tx, dept int64, prices []portal.PricePoint) ([]ChargeReportLine, []time.Time, error) {
	rows, err := tx.Query(ctx, `
		SELECT cm.month FROM charge_months cm
		WHERE EXISTS (SELECT 1 FROM equipment_rentals r
		              WHERE lower(r.valid) < (cm.month + interval '1 month')::date
		                AND (r.created_at > cm.closed_at OR r.ended_at > cm.closed_at))
		   OR EXISTS (SELECT 1 FROM equipment_prices p WHERE p.created_at > cm.closed_at AND p.valid_from < (cm.month + interval '1 month')::date)
		   OR EXISTS (SELECT 1 FROM equipment e JOIN equipment_rentals r ON r.equipment_id = e.id
		              WHERE e.updated_at > cm.closed_at AND r.valid && daterange(cm.month, (cm.month + interval '1 month')::date))
		ORDER BY cm.month`)
	if err != nil {
		return nil, nil, translate(err)
	}
	months, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return nil, nil, translate(err)
	}
	var out []ChargeReportLine
	var corrected []time.Time
	for _, m := range months {
		now, info, err := computeCharge(ctx, tx, m, dept, prices)
		if err != nil {
			return nil, nil, err
		}
		rows, err := tx.Query(ctx, `
			SELECT department_id, equipment_id, sum(days)::int, sum(amount_ore)::bigint,
			       max(department_name), max(inventory_number), max(type), max(model)
			FROM charge_lines
			WHERE ((month = $1 AND corrects_month IS NULL) OR corrects_month = $1) AND ($2::bigint = 0 OR department_id = $2)
			GROUP BY department_id, equipment_id`, m, dept)
		if err != nil {
			return nil, nil, translate(err)
		}
		charged := map[portal.ChargeKey]portal.ChargeSum{}
		for rows.Next() {
			var k portal.ChargeKey
			var s portal.ChargeSum
			var p pieceInfo
			if err := rows.Scan(&k.DepartmentID, &k.EquipmentID, &s.Days, &s.AmountOre, &p.department, &p.inventory, &p.typ, &p.model); err != nil {
				rows.Close()
				return nil, nil, translate(err)
			}
			charged[k] = s
			if _, ok := info[k]; !ok {
				info[k] = p
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, translate(err)
		}
		deltas := portal.Corrections(now, charged)
		if len(deltas) == 0 {
			continue
		}
		corrected = append(corrected, m)
		for k, d := range deltas {
			p := info[k]
			cm := m
			out = append(out, ChargeReportLine{DepartmentID: k.DepartmentID, Department: p.department, EquipmentID: k.EquipmentID,
				InventoryNumber: p.inventory, Type: p.typ, Model: p.model, Days: d.Days, AmountOre: d.AmountOre, CorrectsMonth: &cm})
		}
	}
	return out, corrected, nil
}

// groupCharge puts lines under their departments, by name, and totals.
func groupCharge(r *ChargeReport, lines []ChargeReportLine) {
	by := map[int64]*DepartmentCharge{}
	for _, l := range lines {
		d, ok := by[l.DepartmentID]
		if !ok {
			d = &DepartmentCharge{ID: l.DepartmentID, Name: l.Department}
			by[l.DepartmentID] = d
		}
		d.Lines = append(d.Lines, l)
		d.TotalOre += l.AmountOre
		r.TotalOre += l.AmountOre
	}
	for _, d := range by {
		sort.SliceStable(d.Lines, func(i, j int) bool {
			a, b := d.Lines[i], d.Lines[j]
			if (a.CorrectsMonth == nil) != (b.CorrectsMonth == nil) {
				return a.CorrectsMonth == nil
			}
			if a.InventoryNumber != b.InventoryNumber {
				return a.InventoryNumber < b.InventoryNumber
			}
			return a.First != nil && b.First != nil && a.First.Before(*b.First)
		})
		r.Departments = append(r.Departments, *d)
	}
	sort.Slice(r.Departments, func(i, j int) bool {
		return strings.ToLower(r.Departments[i].Name) < strings.ToLower(r.Departments[j].Name)
	})
}

// openCharge computes an open month's report lines (with the pending
// corrections when month is the next open one).
func (s *EquipmentService) openCharge(ctx context.Context, tx pgx.Tx, month time.Time, dept int64) ([]ChargeReportLine, []time.Time, error) {
	prices, err := loadPrices(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	lines, info, err := computeCharge(ctx, tx, month, dept, prices)
	if err != nil {
		return nil, nil, err
	}
	out := make([]ChargeReportLine, 0, len(lines))
	for _, l := range lines {
		p := info[portal.ChargeKey{DepartmentID: l.DepartmentID, EquipmentID: l.EquipmentID}]
		first, last := l.First, l.Last
		out = append(out, ChargeReportLine{DepartmentID: l.DepartmentID, Department: p.department, EquipmentID: l.EquipmentID,
			InventoryNumber: p.inventory, Type: p.typ, Model: p.model, First: &first, Last: &last, Days: l.Days,
			MonthlyOre: l.MonthlyOre, AmountOre: l.AmountOre, NoPrice: l.NoPrice})
	}
	next, err := nextOpenMonth(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	if next.IsZero() || !next.Equal(month) {
		return out, nil, nil
	}
	corr, months, err := pendingCorrections(ctx, tx, dept, prices)
	if err != nil {
		return nil, nil, err
	}
	return append(out, corr...), months, nil
}

// Charge returns the monthly charge of month for one department (dept),
// or for all when dept is 0 and the actor reads every department's. A
// manager reads their own department's only.
func (s *EquipmentService) Charge(ctx context.Context, actor *portal.Actor, month time.Time, dept int64) (_ ChargeReport, err error) {
	defer wrap(&err, "charge of %s", month.Format("2006-01"))
	month = portal.MonthOf(month)
	r := ChargeReport{Month: month}
	err = snapshotTx(ctx, s.pool, func(tx pgx.Tx) error {
		sc, err := s.scope(ctx, tx, actor)
		if err != nil {
			return err
		}
		if dept == 0 && !sc.All {
			dept = sc.DepartmentID
		}
		if dept == 0 && !sc.All || !sc.ReadsCharge(dept) && dept != 0 {
			return portal.Forbidden("Du kan bara se debiteringen för din egen förvaltning, som chef.")
		}
		var closedBy *string
		err = tx.QueryRow(ctx, `SELECT cm.closed_at, p.name FROM charge_months cm LEFT JOIN people p ON p.id = cm.closed_by WHERE cm.month = $1`, month).Scan(&r.ClosedAt, &closedBy)
		switch {
		case err == nil:
			r.Closed = true
			if closedBy != nil {
				r.ClosedBy = *closedBy
			}
			lines, err := storedCharge(ctx, tx, month, dept)
			if err != nil {
				return err
			}
			groupCharge(&r, lines)
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return translate(err)
		}
		lines, corrects, err := s.openCharge(ctx, tx, month, dept)
		if err != nil {
			return err
		}
		r.Corrects = corrects
		groupCharge(&r, lines)
		if portal.CanManageEquipment(actor) {
			r.CloseProblem, err = s.closeProblem(ctx, tx, month)
			r.CanClose = r.CloseProblem == "" && err == nil
		}
		return err
	})
	return r, err
}

// closeProblem says why month cannot be closed now, or "".
func (s *EquipmentService) closeProblem(ctx context.Context, tx pgx.Tx, month time.Time) (string, error) {
	if !month.Before(portal.MonthOf(s.today())) {
		return "Månaden kan stängas när den är slut.", nil
	}
	next, err := nextOpenMonth(ctx, tx)
	if err != nil {
		return "", err
	}
	switch {
	case next.IsZero():
		return "", nil
	case month.Before(next):
		return "Månaden är redan stängd.", nil
	case month.After(next):
		return "Stäng " + next.Format("2006-01") + " först: månaderna stängs i tur och ordning.", nil
	}
	return "", nil
}

// storedCharge reads a closed month's lines as they were stored.
func storedCharge(ctx context.Context, tx pgx.Tx, month time.Time, dept int64) ([]ChargeReportLine, error) {
	rows, err := tx.Query(ctx, `
		SELECT department_id, department_name, equipment_id, inventory_number, type, model, first_day, last_day, days, monthly_ore, amount_ore, no_price, corrects_month
		FROM charge_lines WHERE month = $1 AND ($2::bigint = 0 OR department_id = $2)
		ORDER BY id`, month, dept)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ChargeReportLine, error) {
		var l ChargeReportLine
		return l, row.Scan(&l.DepartmentID, &l.Department, &l.EquipmentID, &l.InventoryNumber, &l.Type, &l.Model, &l.First, &l.Last,
			&l.Days, &l.MonthlyOre, &l.AmountOre, &l.NoPrice, &l.CorrectsMonth)
	})
	return list, translate(err)
}

// CloseMonth closes month: its charge, with the corrections it carries, is
// stored as it is now and never changes again. Months close in order, once
// each is over.
func (s *EquipmentService) CloseMonth(ctx context.Context, actor *portal.Actor, month time.Time, requestID string) (err error) {
	defer wrap(&err, "close month %s", month.Format("2006-01"))
	if err := mayManageEquipment(actor); err != nil {
		return err
	}
	month = portal.MonthOf(month)
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		// One closing at a time: the order of months is checked under it.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('charge_months'))`); err != nil {
			return translate(err)
		}
		problem, err := s.closeProblem(ctx, tx, month)
		if err != nil {
			return err
		}
		if problem != "" {
			return portal.Conflict(problem)
		}
		lines, corrects, err := s.openCharge(ctx, tx, month, 0)
		if err != nil {
			return err
		}
		var total int64
		n := len(lines)
		depts, names, pieces, invs, types, models := make([]int64, n), make([]string, n), make([]int64, n), make([]string, n), make([]string, n), make([]string, n)
		firsts, lasts, days, monthly, amounts := make([]*time.Time, n), make([]*time.Time, n), make([]int32, n), make([]int64, n), make([]int64, n)
		noPrice, corr := make([]bool, n), make([]*time.Time, n)
		r := ChargeReport{}
		groupCharge(&r, lines)
		i := 0
		for _, d := range r.Departments {
			for _, l := range d.Lines {
				depts[i], names[i], pieces[i], invs[i], types[i], models[i] = l.DepartmentID, l.Department, l.EquipmentID, l.InventoryNumber, l.Type, l.Model
				firsts[i], lasts[i], days[i], monthly[i], amounts[i] = l.First, l.Last, int32(l.Days), l.MonthlyOre, l.AmountOre
				noPrice[i], corr[i] = l.NoPrice, l.CorrectsMonth
				total += l.AmountOre
				i++
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO charge_months (month, closed_by, total_ore) VALUES ($1, $2, $3)`, month, nullID(actor.PersonID), total); err != nil {
			if isUniqueViolation(err) {
				return portal.Conflict("Månaden är redan stängd.")
			}
			return translate(err)
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO charge_lines (month, department_id, department_name, equipment_id, inventory_number, type, model,
			                          first_day, last_day, days, monthly_ore, amount_ore, no_price, corrects_month)
			SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[],
			                         $8::date[], $9::date[], $10::int[], $11::bigint[], $12::bigint[], $13::bool[], $14::date[])`,
			month, depts, names, pieces, invs, types, models, firsts, lasts, days, monthly, amounts, noPrice, corr); err != nil {
			return translate(err)
		}
		var corrected []string
		for _, m := range corrects {
			corrected = append(corrected, m.Format("2006-01"))
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "charge_month.closed", ObjectType: "charge_month",
			ObjectID: month.Format("2006-01"), RequestID: requestID,
			Changes: map[string]any{"after": map[string]any{"total_ore": total, "lines": n, "corrects": corrected}}})
	})
}

// ClosedMonths lists the closed months, the latest first.
func (s *EquipmentService) ClosedMonths(ctx context.Context, actor *portal.Actor) (_ []time.Time, err error) {
	defer wrap(&err, "list closed months")
	if actor == nil {
		return nil, errSignInForEquipment
	}
	rows, err := s.pool.Query(ctx, `SELECT month FROM charge_months ORDER BY month DESC LIMIT 120`)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	return list, translate(err)
}
