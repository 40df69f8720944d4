package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"itportal/internal/portal"
)

// FactProposal is a change of a system's guarded facts proposed by someone
// who may not set them (the system's administrator), and what became of
// it. IT-enheten confirms or rejects it; a newer proposal for the system
// supersedes it.
type FactProposal struct {
	ID           int64
	SystemID     int64
	SystemName   string
	ProposedBy   int64
	ProposerName string
	ProposedAt   time.Time
	Changes      []portal.FactChange // in portal.GuardedFacts' order
	State        portal.ProposalState
	DecidedBy    int64 // for a superseded proposal: who made the newer one
	DeciderName  string
	DecidedAt    *time.Time
	Note         string
	Supersedes   int64
}

const proposalSelect = `
	SELECT fp.id, fp.system_id, s.name, fp.proposed_by, COALESCE(pp.name, ''), fp.proposed_at, fp.changes, fp.state,
	       COALESCE(fp.decided_by, 0), COALESCE(dp.name, ''), fp.decided_at, fp.note, COALESCE(fp.supersedes, 0)
	FROM fact_proposals fp
	JOIN systems s ON s.id = fp.system_id
	LEFT JOIN people pp ON pp.id = fp.proposed_by
	LEFT JOIN people dp ON dp.id = fp.decided_by`

func scanProposal(row pgx.Row) (FactProposal, error) {
	var p FactProposal
	var raw []byte
	var state string
	if err := row.Scan(&p.ID, &p.SystemID, &p.SystemName, &p.ProposedBy, &p.ProposerName, &p.ProposedAt, &raw, &state,
		&p.DecidedBy, &p.DeciderName, &p.DecidedAt, &p.Note, &p.Supersedes); err != nil {
		return p, err
	}
	p.State = portal.ProposalState(state)
	var err error
	p.Changes, err = decodeFactChanges(raw)
	if err != nil {
		return p, fmt.Errorf("proposal %d: %w", p.ID, err)
	}
	return p, nil
}

func scanProposalRow(row pgx.CollectableRow) (FactProposal, error) { return scanProposal(row) }

// factChangeJSON is how a change is stored, in fact_proposals.changes and
// in the audit log: the fact's name → before and after.
type factChangeJSON struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

func encodeFactChanges(changes []portal.FactChange) map[string]any {
	out := make(map[string]any, len(changes))
	for _, c := range changes {
		out[string(c.Fact)] = factChangeJSON{Before: c.Before, After: c.After}
	}
	return out
}

// decodeFactChanges reads stored changes back, refusing a fact that is not
// guarded or a value of the wrong type (the table's CHECK knows the names,
// not the types).
func decodeFactChanges(raw []byte) ([]portal.FactChange, error) {
	var m map[string]factChangeJSON
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("decode fact changes: %w", err)
	}
	out := make([]portal.FactChange, 0, len(m))
	for name, c := range m {
		g := portal.GuardedFact(name)
		if !g.Valid() || !g.Accepts(c.Before) || !g.Accepts(c.After) {
			return nil, fmt.Errorf("decode fact changes: %q holds %T → %T", name, c.Before, c.After)
		}
		out = append(out, portal.FactChange{Fact: g, Before: c.Before, After: c.After})
	}
	sort.Slice(out, func(i, j int) bool {
		return slices.Index(portal.GuardedFacts, out[i].Fact) < slices.Index(portal.GuardedFacts, out[j].Fact)
	})
	return out, nil
}

// openProposalTx returns the system's open proposal, or nil; lock takes
// its row (the caller holds the system's).
func openProposalTx(ctx context.Context, tx pgx.Tx, systemID int64, lock bool) (*FactProposal, error) {
	var row pgx.Row
	if lock {
		row = tx.QueryRow(ctx, proposalSelect+` WHERE fp.system_id = $1 AND fp.state = 'open' FOR UPDATE OF fp`, systemID)
	} else {
		row = tx.QueryRow(ctx, proposalSelect+` WHERE fp.system_id = $1 AND fp.state = 'open'`, systemID)
	}
	p, err := scanProposal(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	return &p, nil
}

// proposeTx records the actor's proposal of changes to the system's guarded
// facts, superseding the system's open proposal; when that one proposes
// the very same, it stays and is returned (made is false). The caller
// holds the system's row lock and has checked that the actor may edit the
// system's facts.
func proposeTx(ctx context.Context, tx pgx.Tx, actor *portal.Actor, cur System, changes []portal.FactChange, correlationID string) (*FactProposal, bool, error) {
	open, err := openProposalTx(ctx, tx, cur.ID, true)
	if err != nil {
		return nil, false, err
	}
	if open != nil && portal.SameChanges(open.Changes, changes) {
		return open, false, nil
	}
	audit := map[string]any{"facts": encodeFactChanges(changes)}
	var supersedes *int64
	if open != nil {
		if _, err := tx.Exec(ctx, `
			UPDATE fact_proposals SET state = 'superseded', decided_by = $2, decided_at = now()
			WHERE id = $1 AND state = 'open'`, open.ID, actor.PersonID); err != nil {
			return nil, false, translate(err)
		}
		supersedes = &open.ID
		audit["supersedes"] = open.ID
	}
	np := FactProposal{SystemID: cur.ID, SystemName: cur.Facts.Name, ProposedBy: actor.PersonID, ProposerName: actor.Name,
		Changes: changes, State: portal.ProposalOpen}
	if supersedes != nil {
		np.Supersedes = *supersedes
	}
	if err := tx.QueryRow(ctx, `
		INSERT INTO fact_proposals (system_id, proposed_by, changes, supersedes) VALUES ($1, $2, $3, $4)
		RETURNING id, proposed_at`, cur.ID, actor.PersonID, encodeFactChanges(changes), supersedes).Scan(&np.ID, &np.ProposedAt); err != nil {
		return nil, false, translate(err)
	}
	audit["proposal"] = np.ID
	// The facts are nested under "facts": the compliance checks date a
	// breach from the last audit row naming a fact at the top, and a
	// proposal changes no fact.
	if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "system.facts_proposed", ObjectType: "system",
		ObjectID: strconv.FormatInt(cur.ID, 10), RequestID: correlationID, Changes: audit}); err != nil {
		return nil, false, err
	}
	return &np, true, nil
}

// OpenProposal returns the system's open proposal, or nil. Everyone
// signed in may read it, as they read the system.
func (s *SystemService) OpenProposal(ctx context.Context, actor *portal.Actor, systemID int64) (*FactProposal, error) {
	var p *FactProposal
	err := s.read(ctx, actor, func(tx pgx.Tx) (err error) {
		p, err = openProposalTx(ctx, tx, systemID, false)
		return err
	})
	return p, err
}

// ProposalQueue is IT-enheten's queue of open proposals: the oldest first.
type ProposalQueue struct {
	Total int
	Rows  []FactProposal
}

// OpenProposals returns the open proposals of every system, oldest first,
// at most limit of them, with how many there are. IT-enheten only: they
// are its to decide.
func (s *SystemService) OpenProposals(ctx context.Context, actor *portal.Actor, limit int) (ProposalQueue, error) {
	var q ProposalQueue
	if !portal.CanDecideProposals(actor) {
		return q, portal.Forbidden("Bara IT-enheten bekräftar förslag.")
	}
	err := readTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM fact_proposals WHERE state = 'open'`).Scan(&q.Total); err != nil {
			return translate(err)
		}
		rows, err := tx.Query(ctx, proposalSelect+` WHERE fp.state = 'open' ORDER BY fp.proposed_at, fp.id LIMIT $1`, limit)
		if err != nil {
			return translate(err)
		}
		q.Rows, err = pgx.CollectRows(rows, scanProposalRow)
		return translate(err)
	})
	return q, err
}

// ConfirmProposal applies an open proposal to the system's facts and
// records the confirmation. IT-enheten only. A proposal whose replaced
// values are no longer the system's is refused as stale.
func (s *SystemService) ConfirmProposal(ctx context.Context, actor *portal.Actor, systemID, proposalID int64, note, correlationID string) error {
	return s.decideProposal(ctx, actor, systemID, proposalID, true, note, correlationID)
}

// RejectProposal records that IT-enheten rejects an open proposal, with an
// optional note; the system's facts stay.
func (s *SystemService) RejectProposal(ctx context.Context, actor *portal.Actor, systemID, proposalID int64, note, correlationID string) error {
	return s.decideProposal(ctx, actor, systemID, proposalID, false, note, correlationID)
}

// decideProposal confirms or rejects. Two people deciding at once queue on
// the system's row lock: the first decides, the second finds the proposal
// decided and is told by whom.
func (s *SystemService) decideProposal(ctx context.Context, actor *portal.Actor, systemID, proposalID int64, confirm bool, note, correlationID string) error {
	if !portal.CanDecideProposals(actor) {
		return portal.Forbidden("Bara IT-enheten kan bekräfta eller avslå förslag.")
	}
	note, errs := portal.CleanProposalNote(note)
	if errs != nil {
		return portal.Invalid("Anteckningen behöver rättas.", errs)
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := s.get(ctx, tx, systemID, today(), true)
		if err != nil {
			return err
		}
		p, err := scanProposal(tx.QueryRow(ctx, proposalSelect+` WHERE fp.id = $1 AND fp.system_id = $2 FOR UPDATE OF fp`, proposalID, systemID))
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Förslaget finns inte.")
		}
		if err != nil {
			return translate(err)
		}
		if p.State != portal.ProposalOpen {
			return portal.Conflict(decidedMessage(p))
		}
		state, action := portal.ProposalRejected, "system.proposal_rejected"
		if confirm {
			state, action = portal.ProposalConfirmed, "system.proposal_confirmed"
			if stale := cur.Facts.StaleChanges(p.Changes); len(stale) > 0 {
				return portal.Conflict("Förslaget kan inte bekräftas: " + factLabels(stale) +
					" har ändrats sedan förslaget lämnades. Avslå förslaget; systemförvaltaren kan lämna ett nytt.")
			}
			next, ok := cur.Facts.ApplyChanges(p.Changes)
			if !ok {
				return fmt.Errorf("proposal %d: changes that do not apply", p.ID)
			}
			if errs := next.Validate(); len(errs) > 0 {
				return portal.Conflict("Förslaget kan inte bekräftas: " + joinMessages(errs) + " Avslå förslaget; systemförvaltaren kan lämna ett nytt.")
			}
			if err := updateFactsTx(ctx, tx, actor, cur, next, correlationID); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `
			UPDATE fact_proposals SET state = $2, decided_by = $3, decided_at = now(), note = $4
			WHERE id = $1 AND state = 'open'`, p.ID, string(state), actor.PersonID, note)
		if err != nil {
			return translate(err)
		}
		if tag.RowsAffected() != 1 { // the row lock above makes this unreachable
			return portal.Conflict("Förslaget är redan avgjort.")
		}
		changes := map[string]any{"proposal": p.ID, "proposed_by": p.ProposedBy, "proposer": p.ProposerName,
			"facts": encodeFactChanges(p.Changes)}
		if note != "" {
			changes["note"] = note
		}
		if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: action, ObjectType: "system",
			ObjectID: strconv.FormatInt(systemID, 10), RequestID: correlationID, Changes: changes}); err != nil {
			return err
		}
		if !confirm {
			return nil
		}
		return s.keep.refresh(ctx, tx, Scope{Systems: []int64{systemID}})
	})
}

// decidedMessage tells someone deciding a proposal that it is decided
// already: how, by whom and when.
func decidedMessage(p FactProposal) string {
	who := p.DeciderName
	if who == "" {
		who = "någon annan"
	}
	when := ""
	if p.DecidedAt != nil {
		when = " (" + p.DecidedAt.In(portal.Stockholm).Format("2006-01-02 15:04") + ")"
	}
	switch p.State {
	case portal.ProposalConfirmed:
		return "Förslaget är redan bekräftat av " + who + when + "."
	case portal.ProposalRejected:
		return "Förslaget är redan avslaget av " + who + when + "."
	case portal.ProposalSuperseded:
		return "Förslaget har ersatts av ett nyare förslag från " + who + when + "."
	}
	return "Förslaget är redan avgjort."
}

func factLabels(facts []portal.GuardedFact) string {
	labels := make([]string, 0, len(facts))
	for _, g := range facts {
		labels = append(labels, g.Label())
	}
	return strings.Join(labels, ", ")
}

// joinMessages joins field messages in a stable order.
func joinMessages(errs map[string]string) string {
	msgs := make([]string, 0, len(errs))
	for _, m := range errs {
		msgs = append(msgs, m)
	}
	sort.Strings(msgs)
	return strings.Join(msgs, " ")
}
