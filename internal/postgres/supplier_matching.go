package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"itportal/internal/portal"
)

// Free-text suppliers (issue 20): the register has held each system's
// supplier as text. IT-enheten links every distinct text to a supplier of
// the supplier register, one confirmation per text ("Koppla
// leverantörer"). Nothing is linked or merged without that confirmation.

// SupplierCandidate is a supplier proposed for a free text.
type SupplierCandidate struct {
	ID        int64
	Name      string
	OrgNumber string
	Same      bool    // the normalised names are equal (portal.NormaliseSupplierName)
	Score     float64 // trigram similarity of the normalised names, 0–1
}

// SupplierText is one distinct free-text supplier on systems not linked to
// a supplier, with the suppliers proposed for it, best first.
type SupplierText struct {
	Text       string
	Systems    int
	Examples   []string // the first systems' names
	Candidates []SupplierCandidate
}

// Proposal is the best candidate, or nil: create a new supplier.
func (t SupplierText) Proposal() *SupplierCandidate {
	if len(t.Candidates) == 0 {
		return nil
	}
	return &t.Candidates[0]
}

const unlinkedTextsSQL = `
	SELECT supplier, count(*), (array_agg(name ORDER BY name COLLATE swedish, id))[1:3]
	FROM systems
	WHERE supplier_id IS NULL AND supplier <> '' AND ($1 = '' OR supplier = $1)
	GROUP BY supplier
	ORDER BY supplier COLLATE swedish
	LIMIT 2000` // bounds the matching page; a register has far fewer texts

// supplierCandidatesSQL proposes, per normalised text, the suppliers with
// the same normalised name first, then the most similar by trigrams (the
// whole name, or the text as a word of a longer name: "Visma" and "Visma
// Enterprise"), at most three.
const supplierCandidatesSQL = `
	SELECT u.i, c.id, c.name, c.org_number, c.same, c.score
	FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)
	CROSS JOIN LATERAL (
		SELECT s.id, s.name, s.org_number, s.normalised_name = u.n AS same,
		       GREATEST(similarity(s.normalised_name, u.n), word_similarity(u.n, s.normalised_name))::float8 AS score
		FROM suppliers s
		WHERE s.normalised_name = u.n OR s.normalised_name % u.n OR u.n <% s.normalised_name
		ORDER BY s.normalised_name = u.n DESC, score DESC, s.name COLLATE swedish, s.id
		LIMIT 3) c
	ORDER BY u.i, c.same DESC, c.score DESC`

// UnlinkedSupplierTexts lists the distinct free-text suppliers of systems
// not linked to a supplier, each with its proposals. IT-enheten only.
func (s *SupplierService) UnlinkedSupplierTexts(ctx context.Context, actor *portal.Actor) (_ []SupplierText, err error) {
	defer wrap(&err, "list unlinked supplier texts")
	if err := mayManageSuppliers(actor); err != nil {
		return nil, err
	}
	var list []SupplierText
	err = snapshotTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		list, err = unlinkedTexts(ctx, tx, "")
		return err
	})
	return list, err
}

// UnlinkedSupplierText is one text of UnlinkedSupplierTexts with every
// system that has it, or NotFound when no unlinked system has it (any
// more).
func (s *SupplierService) UnlinkedSupplierText(ctx context.Context, actor *portal.Actor, text string) (_ SupplierText, _ []SystemRef, err error) {
	defer wrap(&err, "get unlinked supplier text")
	if err := mayManageSuppliers(actor); err != nil {
		return SupplierText{}, nil, err
	}
	var t SupplierText
	var systems []SystemRef
	err = snapshotTx(ctx, s.pool, func(tx pgx.Tx) error {
		list, err := unlinkedTexts(ctx, tx, text)
		if err != nil {
			return err
		}
		if text == "" || len(list) == 0 {
			return portal.NotFound("Inget system utan kopplad leverantör har leverantörstexten. Någon kan just ha kopplat den.")
		}
		t = list[0]
		rows, err := tx.Query(ctx, `SELECT id, name FROM systems WHERE supplier_id IS NULL AND supplier = $1 ORDER BY name COLLATE swedish, id`, text)
		if err != nil {
			return translate(err)
		}
		systems, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (SystemRef, error) {
			var r SystemRef
			return r, row.Scan(&r.ID, &r.Name)
		})
		return translate(err)
	})
	return t, systems, err
}

// SystemRef names a system.
type SystemRef struct {
	ID   int64
	Name string
}

func unlinkedTexts(ctx context.Context, tx pgx.Tx, only string) ([]SupplierText, error) {
	rows, err := tx.Query(ctx, unlinkedTextsSQL, only)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SupplierText, error) {
		var t SupplierText
		return t, row.Scan(&t.Text, &t.Systems, &t.Examples)
	})
	if err != nil || len(list) == 0 {
		return list, translate(err)
	}
	normalised := make([]string, len(list))
	for i, t := range list {
		normalised[i] = portal.NormaliseSupplierName(t.Text)
	}
	rows, err = tx.Query(ctx, supplierCandidatesSQL, normalised)
	if err != nil {
		return nil, translate(err)
	}
	for rows.Next() {
		var i int
		var c SupplierCandidate
		if err := rows.Scan(&i, &c.ID, &c.Name, &c.OrgNumber, &c.Same, &c.Score); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		list[i-1].Candidates = append(list[i-1].Candidates, c)
	}
	return list, translate(rows.Err())
}

// SupplierLink is IT-enheten's confirmation for one free text: link every
// unlinked system with the text to an existing supplier (SupplierID), or
// to a new supplier created from New in the same transaction.
type SupplierLink struct {
	Text       string
	SupplierID int64
	New        *portal.SupplierFields
}

// LinkSupplierText links every system whose free-text supplier is l.Text
// and that is not linked yet to the chosen supplier, in one statement,
// and writes an audit entry per system and one for the supplier. It
// returns the supplier and how many systems were linked. IT-enheten only.
func (s *SupplierService) LinkSupplierText(ctx context.Context, actor *portal.Actor, l SupplierLink, correlationID string) (supplierID int64, linked int, err error) {
	defer wrap(&err, "link supplier text")
	if err := mayManageSuppliers(actor); err != nil {
		return 0, 0, err
	}
	if m := portal.TextProblem(l.Text, 200, false); m != "" || strings.TrimSpace(l.Text) == "" {
		return 0, 0, portal.NotFound("Leverantörstexten finns inte.")
	}
	if l.New != nil {
		if errs := l.New.Validate(); len(errs) > 0 {
			return 0, 0, portal.Invalid("Uppgifterna om den nya leverantören behöver rättas.", errs)
		}
	} else if l.SupplierID == 0 {
		return 0, 0, portal.Invalid("Välj leverantör.", map[string]string{"choice": "Välj vilken leverantör texten avser, eller skapa en ny."})
	}
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var sup Supplier
		var err error
		if l.New != nil {
			if supplierID, err = saveSupplier(ctx, tx, actor, 0, *l.New, correlationID); err != nil {
				return err
			}
			sup = Supplier{ID: supplierID, Name: l.New.Name}
		} else if sup, err = getSupplier(ctx, tx, l.SupplierID, true); err != nil {
			if portal.KindOf(err) == portal.KindNotFound {
				return portal.Invalid("Leverantören finns inte.", map[string]string{"choice": "Leverantören finns inte längre. Välj en annan."})
			}
			return err
		}
		supplierID = sup.ID
		rows, err := tx.Query(ctx, `
			UPDATE systems SET supplier_id = $1 WHERE supplier_id IS NULL AND supplier = $2 RETURNING id`, supplierID, l.Text)
		if err != nil {
			return translate(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return translate(err)
		}
		if linked = len(ids); linked == 0 {
			return portal.Conflict("Inget system utan kopplad leverantör har längre texten " + l.Text + ". Någon kan just ha kopplat den.")
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO audit_log (actor_id, action, object_type, object_id, changes, request_id)
			SELECT $1, 'system.supplier_linked', 'system', id::text,
			       jsonb_build_object('supplier_id', jsonb_build_object('before', NULL, 'after', $2::bigint),
			                          'supplier_link', jsonb_build_object('before', $3::text, 'after', $4::text)), $5
			FROM unnest($6::bigint[]) AS id`, actor.PersonID, supplierID, l.Text, sup.Name, correlationID, ids); err != nil {
			return translate(err)
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "supplier.systems_linked", ObjectType: "supplier",
			ObjectID: strconv.FormatInt(supplierID, 10), RequestID: correlationID, Changes: map[string]any{
				"linked_text": map[string]any{"before": nil, "after": l.Text + " (" + strconv.Itoa(linked) + " system)"}}})
	})
	if err != nil {
		return 0, 0, err
	}
	return supplierID, linked, nil
}

// UnmatchedSupplierTexts returns the texts (as given, in order, once
// each) whose normalised name is no supplier's: what an import's preview
// tells will wait on "Koppla leverantörer".
func unmatchedSupplierTexts(ctx context.Context, tx pgx.Tx, texts []string) ([]string, error) {
	seen := map[string]bool{}
	var given, normalised []string
	for _, t := range texts {
		t = strings.TrimSpace(t)
		n := portal.NormaliseSupplierName(t)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		given, normalised = append(given, t), append(normalised, n)
	}
	if len(given) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT u.i FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)
		WHERE NOT EXISTS (SELECT 1 FROM suppliers s WHERE s.normalised_name = u.n) ORDER BY u.i`, normalised)
	if err != nil {
		return nil, translate(err)
	}
	idx, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, translate(err)
	}
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = given[j-1]
	}
	return out, nil
}

// The read API's pages: suppliers and contracts in name order after a
// cursor (the last row's name and id), as the register's.

// SuppliersAfter returns up to limit suppliers after (afterName, afterID)
// in name order, with their numbers of contracts and systems.
func (s *SupplierService) SuppliersAfter(ctx context.Context, actor *portal.Actor, afterName string, afterID int64, limit int) (_ []SupplierRow, err error) {
	defer wrap(&err, "list suppliers after a cursor")
	if actor == nil {
		return nil, errSignInToRead
	}
	rows, err := s.pool.Query(ctx, `
		SELECT s.id, s.name, s.org_number,
		       (SELECT count(*) FROM contracts c WHERE c.supplier_id = s.id),
		       (SELECT count(DISTINCT x.id) FROM (
		            SELECT cs.system_id FROM contracts c JOIN contract_systems cs ON cs.contract_id = c.id WHERE c.supplier_id = s.id
		            UNION ALL SELECT sy.id FROM systems sy WHERE sy.supplier_id = s.id) x(id))
		FROM suppliers s
		WHERE $2 = 0 OR (s.name COLLATE swedish, s.id) > ($1::text COLLATE swedish, $2::bigint)
		ORDER BY s.name COLLATE swedish, s.id
		LIMIT $3`, afterName, afterID, limit)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SupplierRow, error) {
		var r SupplierRow
		return r, row.Scan(&r.ID, &r.Name, &r.OrgNumber, &r.Contracts, &r.Systems)
	})
	return list, translate(err)
}

// ContractsAfter returns up to limit contracts after (afterName, afterID)
// in name order, with their dates today.
func (s *ContractService) ContractsAfter(ctx context.Context, actor *portal.Actor, afterName string, afterID int64, limit int) (list []ContractRow, err error) {
	defer wrap(&err, "list contracts after a cursor")
	if actor == nil {
		return nil, errSignInToRead
	}
	today := portal.DateOf(s.now())
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, qerr := tx.Query(ctx, contractRowSelect+`
			WHERE $2 = 0 OR (c.name COLLATE swedish, c.id) > ($1::text COLLATE swedish, $2::bigint)
			ORDER BY c.name COLLATE swedish, c.id
			LIMIT $3`, afterName, afterID, limit)
		var err error
		list, err = contractRowsInOrder(rows, qerr, today)
		return err
	})
	return list, err
}
