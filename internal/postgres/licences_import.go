package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"itportal/internal/portal"
	"itportal/internal/registerfile"
)

// LicenceColumns are the columns of a file of licence counts.
var LicenceColumns = []string{"System", "Licensmodell", "Köpta", "I användning", "Räknat den"}

// LicenceSchema reads a file of licence counts.
var LicenceSchema = registerfile.Schema{Columns: LicenceColumns, Required: "System", Noun: "licenser",
	Example: "System, Licensmodell, Köpta, I användning, Räknat den"}

// LicenceImportRow is one row's outcome: what it creates or changes, or
// why it is refused.
type LicenceImportRow struct {
	Line     int
	System   string
	Model    string // the model's label
	Action   string // "create", "update", "unchanged", "error"
	Changes  []ImportChangeText
	Problems []ImportMessage
	OverUsed bool // in use beyond bought after the import (R17)
}

// ImportChangeText is one changed value: its Swedish label, before, after.
type ImportChangeText struct{ Label, Before, After string }

// LicenceImportResult is a dry run's or a commit's report.
type LicenceImportResult struct {
	Rows                                  []LicenceImportRow
	Created, Updated, Unchanged, Rejected int
	OverUsed                              int
	Warnings                              []string
	Committed                             bool
}

var licenceFieldLabels = map[string]string{"model": "Licensmodell", "bought": "Köpta", "in_use": "I användning", "counted_on": "Räknat den"}

// ImportCounts reads a file of licence counts in one transaction: each
// row names a system (by its name as the register spells it, or its
// number) and a model; the licence of that system and model gets the
// numbers bought and in use (counted on the row's day, or today), or is
// created. Its contract, renewal date and note are kept. Any row with an
// error commits nothing, and a dry run (commit false) nothing either:
// both run every check and write, then roll back. R17 is recomputed for
// the systems touched in the same transaction. IT-enheten only.
func (s *LicenceService) ImportCounts(ctx context.Context, actor *portal.Actor, file registerfile.File, commit bool, correlationID string) (LicenceImportResult, error) {
	res := LicenceImportResult{Warnings: file.Warnings}
	if err := mayManageLicences(actor); err != nil {
		return res, err
	}
	today := portal.DateOf(s.now())
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		seen := map[string]int{} // system id and model → the line that named them
		var systems []int64
		for _, line := range file.Rows {
			row := LicenceImportRow{Line: line.Number, System: line.Get("System")}
			problem := func(column, msg string) {
				row.Problems = append(row.Problems, ImportMessage{Column: column, Message: msg})
			}
			for _, c := range LicenceColumns {
				if m := portal.TextProblem(line.Get(c), 200, false); m != "" {
					problem(c, m)
				}
			}
			var systemID int64
			var systemName string
			if len(row.Problems) == 0 {
				var err error
				systemID, systemName, err = findImportSystem(ctx, tx, row.System)
				if err != nil {
					return err
				}
				if systemID == 0 {
					problem("System", "Det finns inget system med det namnet eller numret i registret.")
				} else {
					row.System = systemName
				}
			}
			in := portal.LicenceInput{Model: line.Get("Licensmodell"), Bought: line.Get("Köpta"), InUse: line.Get("I användning"),
				CountedOn: line.Get("Räknat den")}
			if in.InUse != "" && in.CountedOn == "" {
				in.CountedOn = today.Format(time.DateOnly)
			}
			// A row for a licence already kept may leave out the number bought.
			if model, ok := portal.ParseLicenceModel(in.Model); ok && systemID != 0 && in.Bought == "" && portal.LicenceCounted(model) {
				var bought int
				err := tx.QueryRow(ctx, `SELECT bought FROM licences WHERE system_id = $1 AND model = $2`, systemID, model).Scan(&bought)
				if err == nil {
					in.Bought = strconv.Itoa(bought)
				} else if !errors.Is(err, pgx.ErrNoRows) {
					return translate(err)
				}
			}
			fields, errs := in.Parse(today)
			for _, k := range []string{"model", "bought", "in_use", "counted_on"} {
				if errs[k] != "" {
					problem(licenceFieldLabels[k], errs[k])
				}
			}
			row.Model = portal.LabelOf(portal.LicenceModels, fields.Model)
			if row.Model == "" {
				row.Model = in.Model
			}
			var existing Licence
			if len(row.Problems) == 0 {
				key := strconv.FormatInt(systemID, 10) + "/" + fields.Model
				if first, ok := seen[key]; ok {
					problem("Licensmodell", "Samma system och licensmodell står redan på rad "+strconv.Itoa(first)+".")
				}
				seen[key] = line.Number
				err := tx.QueryRow(ctx, `SELECT id FROM licences WHERE system_id = $1 AND model = $2`, systemID, fields.Model).Scan(&existing.ID)
				if err != nil && !errors.Is(err, pgx.ErrNoRows) {
					return translate(err)
				}
				if existing.ID != 0 {
					if existing, err = getLicence(ctx, tx, existing.ID, true); err != nil {
						return err
					}
					fields.ContractID, fields.RenewalOn, fields.Note = existing.ContractID, existing.RenewalOn, existing.Note
					if !fields.Counted {
						fields.InUse, fields.Counted, fields.CountedOn = existing.InUse, existing.Counted, existing.CountedOn
					}
				}
			}
			if len(row.Problems) > 0 {
				row.Action = "error"
				res.Rejected++
				res.Rows = append(res.Rows, row)
				continue
			}
			id, changedSystem, err := saveLicence(ctx, tx, actor, existing.ID, systemName, fields, correlationID, "import")
			if fe := portal.KindOf(err); fe == portal.KindInvalid {
				var pe *portal.Error
				errors.As(err, &pe)
				for _, m := range pe.Fields {
					problem("Licensmodell", m)
				}
				row.Action = "error"
				res.Rejected++
				res.Rows = append(res.Rows, row)
				continue
			} else if err != nil {
				return err
			}
			after, err := getLicence(ctx, tx, id, false)
			if err != nil {
				return err
			}
			switch {
			case existing.ID == 0:
				row.Action = "create"
				res.Created++
			case changedSystem == 0:
				row.Action = "unchanged"
				res.Unchanged++
			default:
				row.Action = "update"
				res.Updated++
				changes := licenceChanges(existing, after)
				for _, k := range []string{"bought", "in_use", "counted_on"} {
					if ch, ok := changes[k].(map[string]any); ok {
						row.Changes = append(row.Changes, ImportChangeText{Label: licenceFieldLabels[k], Before: orNone(ch["before"]), After: orNone(ch["after"])})
					}
				}
			}
			if changedSystem != 0 {
				systems = append(systems, changedSystem)
			}
			if after.OverUsed() {
				row.OverUsed = true
				res.OverUsed++
			}
			res.Rows = append(res.Rows, row)
		}
		if res.Rejected > 0 || !commit {
			return errRollback
		}
		if err := s.keep.refresh(ctx, tx, Scope{Systems: systems}); err != nil {
			return err
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	res.Committed = commit
	return res, nil
}

func orNone(v any) string {
	if s, _ := v.(string); s != "" {
		return s
	}
	return "(tomt)"
}

// findImportSystem finds a system by its number or its name as the
// register spells it (in any case); 0 when there is none.
func findImportSystem(ctx context.Context, tx pgx.Tx, s string) (int64, string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, "", nil
	}
	var id int64
	var name string
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		err := tx.QueryRow(ctx, `SELECT id, name FROM systems WHERE id = $1`, n).Scan(&id, &name)
		if err == nil {
			return id, name, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, "", translate(err)
		}
	}
	err := tx.QueryRow(ctx, `SELECT id, name FROM systems WHERE lower(name) = lower($1) ORDER BY id LIMIT 1`, s).Scan(&id, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", nil
	}
	return id, name, translate(err)
}
