package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"itportal/internal/portal"
)

// SystemView is everything a system's page shows: the system with its
// holders today, every role period, the audit trail, the breaches, the
// cases about it, its evaluations and its open proposal.
type SystemView struct {
	System      System
	History     History
	Breaches    []ComplianceBreach // in rule order
	Cases       []RequestRow       // submitted, newest first
	Evaluation  EvaluationState
	Evaluations []Evaluation  // newest first
	Proposal    *FactProposal // the open proposal of guarded facts; nil when none
}

// Page reads a system's page in one round trip. Everyone signed in may
// read it; what they may do with it is in Evaluation's Can* and the
// portal's predicates.
func (s *SystemService) Page(ctx context.Context, actor *portal.Actor, id int64) (v SystemView, err error) {
	if actor == nil {
		return v, portal.Forbidden("Logga in för att läsa registret.")
	}
	today := portal.Today()
	b := &pgx.Batch{}
	b.Queue(`SELECT `+systemColumns+` FROM systems s WHERE s.id = $1`, id)
	b.Queue(holderSelect+` WHERE ra.system_id = $1 AND ra.valid @> $2::date`, id, today)
	b.Queue(holderSelect+` WHERE ra.system_id = $1 AND NOT isempty(ra.valid) ORDER BY ra.role, lower(ra.valid)`, id)
	b.Queue(auditSelect, "system", strconv.FormatInt(id, 10))
	b.Queue(`SELECT `+breachColumns+breachJoins+` WHERE b.system_id = $1`, id)
	b.Queue(requestListColumns+` WHERE r.system_id = @system AND r.state <> 'utkast' ORDER BY r.submitted_at DESC, r.id DESC LIMIT 200`,
		waitingArgs(actor, pgx.NamedArgs{"system": id}))
	b.Queue(`SELECT ed.last_on, ed.due_on, ed.required, (SELECT d.updated_at FROM evaluation_drafts d WHERE d.system_id = ed.system_id)
		FROM evaluation_due ed WHERE ed.system_id = $1`, id)
	b.Queue(`SELECT `+evaluationColumns+evaluationFrom+` WHERE e.system_id = $1 ORDER BY e.evaluated_on DESC, e.id DESC`, id)
	b.Queue(proposalSelect+` WHERE fp.system_id = $1 AND fp.state = 'open'`, id)
	br := s.pool.SendBatch(ctx, b)
	defer func() {
		if cerr := br.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("system %d page: %w", id, translate(cerr))
		}
	}()
	fail := func(err error) (SystemView, error) { return v, fmt.Errorf("system %d page: %w", id, translate(err)) }
	sys, err := scanSystem(br.QueryRow())
	if errors.Is(err, pgx.ErrNoRows) {
		return v, portal.NotFound("Systemet finns inte.")
	}
	if err != nil {
		return fail(err)
	}
	rows, err := br.Query()
	if err != nil {
		return fail(err)
	}
	holders, err := pgx.CollectRows(rows, scanHolder)
	if err != nil {
		return fail(err)
	}
	sys.Roles = map[portal.SystemRole]*Holder{}
	for i := range holders {
		sys.Roles[holders[i].Role] = &holders[i]
	}
	v.System = sys
	if rows, err = br.Query(); err != nil {
		return fail(err)
	}
	if v.History.Periods, err = pgx.CollectRows(rows, scanHolder); err != nil {
		return fail(err)
	}
	if rows, err = br.Query(); err != nil {
		return fail(err)
	}
	if v.History.Audit, err = pgx.CollectRows(rows, pgx.RowToStructByName[AuditRow]); err != nil {
		return fail(err)
	}
	if rows, err = br.Query(); err != nil {
		return fail(err)
	}
	if v.Breaches, err = pgx.CollectRows(rows, scanBreach); err != nil {
		return fail(err)
	}
	sortBreaches(v.Breaches)
	if rows, err = br.Query(); err != nil {
		return fail(err)
	}
	if v.Cases, err = pgx.CollectRows(rows, scanRequestRow); err != nil {
		return fail(err)
	}
	st := &v.Evaluation
	if err := br.QueryRow().Scan(&st.LastOn, &st.DueOn, &st.Required, &st.DraftSavedAt); err != nil {
		return fail(err)
	}
	st.SystemID, st.SystemName, st.IntervalMonths = sys.ID, sys.Facts.Name, sys.EvaluationInterval
	st.CanEvaluate, st.CanSetInterval = portal.CanEvaluate(actor, sys.AdministratorID()), portal.CanSetEvaluationInterval(actor)
	st.HasDraft = st.DraftSavedAt != nil
	st.Status = portal.EvaluationStatusOn(st.DueOn, today, st.Required)
	if rows, err = br.Query(); err != nil {
		return fail(err)
	}
	if v.Evaluations, err = pgx.CollectRows(rows, scanEvaluation); err != nil {
		return fail(err)
	}
	if rows, err = br.Query(); err != nil {
		return fail(err)
	}
	open, err := pgx.CollectRows(rows, scanProposalRow)
	if err != nil {
		return fail(err)
	}
	if len(open) > 0 {
		v.Proposal = &open[0]
	}
	return v, nil
}

// HeldSystem is a system where a person holds a role today, with the
// roles they hold and what the compliance checks find of it.
type HeldSystem struct {
	ID       int64
	Name     string
	Roles    []portal.SystemRole
	Breaches []ComplianceBreach // in rule order
}

// Held returns the systems where the actor holds a role today, by name,
// with their breaches: "Mina system", in one round trip.
func (s *SystemService) Held(ctx context.Context, actor *portal.Actor) (out []HeldSystem, err error) {
	if actor == nil {
		return nil, portal.Forbidden("Logga in för att läsa registret.")
	}
	b := &pgx.Batch{}
	b.Queue(`
		SELECT s.id, s.name, array_agg(ra.role ORDER BY array_position(ARRAY['owner', 'administrator', 'operations'], ra.role))
		FROM role_assignments ra JOIN systems s ON s.id = ra.system_id
		WHERE ra.person_id = $1 AND held_on(ra.valid, current_date)
		GROUP BY s.id, s.name ORDER BY s.name COLLATE swedish, s.id`, actor.PersonID)
	b.Queue(`SELECT `+breachColumns+breachJoins+`
		WHERE b.system_id IN (SELECT ra.system_id FROM role_assignments ra WHERE ra.person_id = $1 AND held_on(ra.valid, current_date))`, actor.PersonID)
	br := s.pool.SendBatch(ctx, b)
	defer func() {
		if cerr := br.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("systems held: %w", translate(cerr))
		}
	}()
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("systems held: %w", translate(err))
	}
	out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (HeldSystem, error) {
		var h HeldSystem
		var roles []string
		err := r.Scan(&h.ID, &h.Name, &roles)
		for _, role := range roles {
			h.Roles = append(h.Roles, portal.SystemRole(role))
		}
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("systems held: %w", translate(err))
	}
	if rows, err = br.Query(); err != nil {
		return nil, fmt.Errorf("systems held: %w", translate(err))
	}
	breaches, err := pgx.CollectRows(rows, scanBreach)
	if err != nil {
		return nil, fmt.Errorf("systems held: %w", translate(err))
	}
	sortBreaches(breaches)
	at := map[int64]int{}
	for i, h := range out {
		at[h.ID] = i
	}
	for _, b := range breaches {
		if i, ok := at[b.SystemID]; ok {
			out[i].Breaches = append(out[i].Breaches, b)
		}
	}
	return out, nil
}
