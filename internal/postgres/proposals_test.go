package postgres_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"itportal/internal/portal"
	"itportal/internal/postgres"
)

// hasBreach reports whether the system breaks the check now, as its page
// shows it.
func (f *registerFixture) hasBreach(t *testing.T, id int64, check string) bool {
	t.Helper()
	list, err := f.svc.Breaches(context.Background(), f.it, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range list {
		if b.Check == check {
			return true
		}
	}
	return false
}

// save saves the system's facts as changed by change, as the actor.
func (f *registerFixture) save(t *testing.T, actor *portal.Actor, id int64, change func(*portal.SystemFacts)) (postgres.FactsSaved, error) {
	t.Helper()
	sys, err := f.svc.Get(context.Background(), actor, id)
	if err != nil {
		t.Fatal(err)
	}
	fs := sys.Facts
	change(&fs)
	return f.svc.UpdateFacts(context.Background(), actor, id, sys.RowVersion, fs, "req")
}

// TestAdministratorProposesGuardedFacts: the system's administrator ticking
// Infört före IT-portalen stores their other changes at once and the tick
// as a proposal: R4's breach stays until IT-enheten confirms it. Nobody
// else proposes; a newer proposal supersedes the open one; a decided
// proposal never changes again.
func TestAdministratorProposesGuardedFacts(t *testing.T) {
	t.Parallel()
	f := newRegister(t)
	ctx := context.Background()
	id := f.create(t, facts("Kvarnen"))
	if err := f.admin(t, id, "Anna Andersson", "2024-01-01"); err != nil {
		t.Fatal(err)
	}
	anna := &portal.Actor{PersonID: f.people["Anna Andersson"], Name: "Anna Andersson"}
	bertil := &portal.Actor{PersonID: f.people["Bertil Berg"], Name: "Bertil Berg"}
	if !f.hasBreach(t, id, "r4_no_case") {
		t.Fatal("a system in operation without an introduction case has no R4 breach")
	}

	saved, err := f.save(t, anna, id, func(fs *portal.SystemFacts) {
		fs.Notes = "Infördes 2012 genom upphandling"
		fs.IntroducedBeforePortal = true
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(saved.Changed) != 1 || saved.Changed[0] != "notes" || saved.Proposal == nil || !saved.NewProposal {
		t.Fatalf("saved %+v, want notes stored and a proposal", saved)
	}
	first := saved.Proposal
	want := []portal.FactChange{{Fact: portal.FactIntroducedBeforePortal, Before: false, After: true}}
	if !portal.SameChanges(first.Changes, want) || first.ProposedBy != anna.PersonID || first.State != portal.ProposalOpen {
		t.Fatalf("proposal %+v", first)
	}
	sys, _ := f.svc.Get(ctx, f.it, id)
	if sys.Facts.IntroducedBeforePortal || sys.Facts.Notes != "Infördes 2012 genom upphandling" {
		t.Fatalf("after the administrator's save: %+v", sys.Facts)
	}
	if !f.hasBreach(t, id, "r4_no_case") {
		t.Fatal("the administrator's tick hid the R4 breach before IT-enheten confirmed it")
	}
	open, err := f.svc.OpenProposal(ctx, bertil, id)
	if err != nil || open == nil || open.ID != first.ID || open.ProposerName != "Anna Andersson" || open.SystemName != "Kvarnen" {
		t.Fatalf("the open proposal as another employee reads it: %+v %v", open, err)
	}
	// The proposal's audit row names no fact at the top: the checks date a
	// breach from the last row that does, and nothing changed.
	owner := f.db.OwnerPool(t)
	var topLevel bool
	if err := owner.QueryRow(ctx, `SELECT changes ? 'introduced_before_portal' FROM audit_log WHERE action = 'system.facts_proposed' AND object_id = $1`,
		strconv.FormatInt(id, 10)).Scan(&topLevel); err != nil || topLevel {
		t.Errorf("the proposal's audit row: top-level fact %v, %v", topLevel, err)
	}

	// Saving the same again keeps the waiting proposal; another employee
	// proposes nothing.
	if again, err := f.save(t, anna, id, func(fs *portal.SystemFacts) { fs.IntroducedBeforePortal = true }); err != nil || again.Proposal == nil || again.Proposal.ID != first.ID || again.NewProposal || len(again.Changed) != 0 {
		t.Errorf("the same proposal again: %+v %v", again, err)
	}
	if _, err := f.save(t, bertil, id, func(fs *portal.SystemFacts) { fs.OpenSource = true }); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("another employee proposing: %v", err)
	}
	// Bad input changes nothing and proposes nothing.
	if _, err := f.save(t, anna, id, func(fs *portal.SystemFacts) { fs.RepresentsMunicipality, fs.WebAddress = true, "" }); portal.KindOf(err) != portal.KindInvalid {
		t.Errorf("a website without an address: %v", err)
	}
	var proposals int
	_ = owner.QueryRow(ctx, `SELECT count(*) FROM fact_proposals WHERE system_id = $1`, id).Scan(&proposals)
	if proposals != 1 {
		t.Errorf("%d proposals, want 1", proposals)
	}

	// A different proposal supersedes the open one.
	saved, err = f.save(t, anna, id, func(fs *portal.SystemFacts) {
		fs.IntroducedBeforePortal = true
		fs.SelfDeveloped, fs.SelfDevelopedRef = true, "  KS 2011/14 "
	})
	if err != nil || saved.Proposal == nil || saved.Proposal.ID == first.ID || saved.Proposal.Supersedes != first.ID {
		t.Fatalf("a newer proposal: %+v %v", saved, err)
	}
	second := saved.Proposal
	if len(second.Changes) != 3 || second.Changes[1] != (portal.FactChange{Fact: portal.FactSelfDevelopedRef, Before: "", After: "KS 2011/14"}) {
		t.Errorf("the newer proposal's changes: %+v", second.Changes)
	}
	if err := f.svc.ConfirmProposal(ctx, f.it, id, first.ID, "", "req"); portal.KindOf(err) != portal.KindConflict || !strings.Contains(portal.MessageOf(err), "ersatts av ett nyare förslag från Anna Andersson") {
		t.Errorf("confirming the superseded proposal: %v", err)
	}

	// Only IT-enheten decides; a bad note is refused.
	if err := f.svc.ConfirmProposal(ctx, anna, id, second.ID, "", "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("the administrator confirming: %v", err)
	}
	if err := f.svc.RejectProposal(ctx, f.it, id, second.ID, strings.Repeat("x", 2001), "req"); portal.KindOf(err) != portal.KindInvalid {
		t.Errorf("a note too long: %v", err)
	}
	if err := f.svc.ConfirmProposal(ctx, f.it, id+1000, second.ID, "", "req"); portal.KindOf(err) != portal.KindNotFound {
		t.Errorf("the proposal under another system: %v", err)
	}
	if err := f.svc.ConfirmProposal(ctx, f.it, id, second.ID, "Stämmer med upphandlingen", "req"); err != nil {
		t.Fatal(err)
	}
	sys, _ = f.svc.Get(ctx, f.it, id)
	if !sys.Facts.IntroducedBeforePortal || !sys.Facts.SelfDeveloped || sys.Facts.SelfDevelopedRef != "KS 2011/14" || sys.Facts.Notes != "Infördes 2012 genom upphandling" {
		t.Fatalf("after the confirmation: %+v", sys.Facts)
	}
	if f.hasBreach(t, id, "r4_no_case") || !f.hasBreach(t, id, "r7_self_developed") {
		t.Error("the confirmation did not keep the breaches: R4 should be gone and R7 there")
	}
	if err := f.svc.RejectProposal(ctx, f.it, id, second.ID, "", "req"); portal.KindOf(err) != portal.KindConflict || !strings.Contains(portal.MessageOf(err), "redan bekräftat av IT Person") {
		t.Errorf("rejecting a confirmed proposal: %v", err)
	}
	if open, err := f.svc.OpenProposal(ctx, anna, id); err != nil || open != nil {
		t.Errorf("an open proposal after the confirmation: %+v %v", open, err)
	}

	// Every step is in the audit log, in the transaction that made it.
	for action, n := range map[string]int{"system.facts_proposed": 2, "system.proposal_confirmed": 1, "system.proposal_rejected": 0} {
		var got int
		_ = owner.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2`, action, strconv.FormatInt(id, 10)).Scan(&got)
		if got != n {
			t.Errorf("%d audit rows %s, want %d", got, action, n)
		}
	}

	// A decided proposal never changes, not even for the owner; the
	// runtime role deletes nothing.
	for _, stmt := range []string{
		`UPDATE fact_proposals SET note = 'ändrad' WHERE id = $1`,
		`UPDATE fact_proposals SET state = 'rejected' WHERE id = $1`,
		`DELETE FROM fact_proposals WHERE id = $1`,
	} {
		if _, err := owner.Exec(ctx, stmt, second.ID); err == nil {
			t.Errorf("the owner ran %q on a decided proposal", stmt)
		}
		if _, err := f.db.Pool(t).Exec(ctx, stmt, second.ID); err == nil {
			t.Errorf("the runtime role ran %q on a decided proposal", stmt)
		}
	}
	// Nor is a proposal made decided, or two open for one system.
	if _, err := owner.Exec(ctx, `INSERT INTO fact_proposals (system_id, proposed_by, changes, state, decided_by, decided_at)
		VALUES ($1, $2, '{"open_source": {"before": false, "after": true}}', 'confirmed', $2, now())`, id, anna.PersonID); err == nil {
		t.Error("a proposal made confirmed")
	}
	for range 2 {
		_, err = owner.Exec(ctx, `INSERT INTO fact_proposals (system_id, proposed_by, changes) VALUES ($1, $2, '{"open_source": {"before": false, "after": true}}')`, id, anna.PersonID)
	}
	if err == nil {
		t.Error("two open proposals for one system")
	}
}

// TestStaleProposalIsRefused: a proposal whose replaced values changed
// since is refused with a Swedish message, as is one that would leave the
// facts invalid; IT-enheten rejects it with a note and nothing changes.
// IT-enheten's own save sets guarded facts at once.
func TestStaleProposalIsRefused(t *testing.T) {
	t.Parallel()
	f := newRegister(t)
	ctx := context.Background()
	fs := facts("Webbplatsen")
	fs.WebAddress = "https://www.lillaedet.se/gammal"
	id := f.create(t, fs)
	if err := f.admin(t, id, "Anna Andersson", "2024-01-01"); err != nil {
		t.Fatal(err)
	}
	anna := &portal.Actor{PersonID: f.people["Anna Andersson"], Name: "Anna Andersson"}
	saved, err := f.save(t, anna, id, func(fs *portal.SystemFacts) { fs.WebAddress = "https://www.lillaedet.se/ny" })
	if err != nil || saved.Proposal == nil {
		t.Fatalf("%+v %v", saved, err)
	}
	// IT-enheten moves the site itself meanwhile: at once, no proposal.
	direct, err := f.save(t, f.it, id, func(fs *portal.SystemFacts) { fs.WebAddress = "https://www.lillaedet.se/annan" })
	if err != nil || direct.Proposal != nil || len(direct.Changed) != 1 {
		t.Fatalf("IT-enheten's save: %+v %v", direct, err)
	}
	err = f.svc.ConfirmProposal(ctx, f.it, id, saved.Proposal.ID, "", "req")
	if portal.KindOf(err) != portal.KindConflict || !strings.Contains(portal.MessageOf(err), "Webbadress har ändrats sedan förslaget lämnades") {
		t.Fatalf("a stale confirmation: %v", err)
	}
	if err := f.svc.RejectProposal(ctx, f.it, id, saved.Proposal.ID, "  Webbplatsen är redan flyttad.  ", "req"); err != nil {
		t.Fatal(err)
	}
	sys, _ := f.svc.Get(ctx, f.it, id)
	if sys.Facts.WebAddress != "https://www.lillaedet.se/annan" {
		t.Errorf("after the rejection: %q", sys.Facts.WebAddress)
	}
	var state, note string
	_ = f.db.OwnerPool(t).QueryRow(ctx, `SELECT state, note FROM fact_proposals WHERE id = $1`, saved.Proposal.ID).Scan(&state, &note)
	if state != "rejected" || note != "Webbplatsen är redan flyttad." {
		t.Errorf("the rejected proposal: %s %q", state, note)
	}

	// A website representing the municipality, proposed while it has an
	// address; IT-enheten then clears the address: confirming would leave
	// a website without one.
	saved, err = f.save(t, anna, id, func(fs *portal.SystemFacts) { fs.RepresentsMunicipality = true })
	if err != nil || saved.Proposal == nil {
		t.Fatalf("%+v %v", saved, err)
	}
	if _, err := f.save(t, f.it, id, func(fs *portal.SystemFacts) { fs.WebAddress = "" }); err != nil {
		t.Fatal(err)
	}
	err = f.svc.ConfirmProposal(ctx, f.it, id, saved.Proposal.ID, "", "req")
	if portal.KindOf(err) != portal.KindConflict || !strings.Contains(portal.MessageOf(err), "Ange webbadressen") {
		t.Errorf("confirming a website without an address: %v", err)
	}
	if sys, _ := f.svc.Get(ctx, f.it, id); sys.Facts.RepresentsMunicipality {
		t.Error("the refused confirmation changed the facts")
	}
}

// TestTwoConfirmationsAtOnce: two people of IT-enheten deciding one
// proposal at the same moment: exactly one decides, the other is told who
// did.
func TestTwoConfirmationsAtOnce(t *testing.T) {
	t.Parallel()
	f := newRegister(t)
	ctx := context.Background()
	id := f.create(t, facts("Samtidigt"))
	if err := f.admin(t, id, "Anna Andersson", "2024-01-01"); err != nil {
		t.Fatal(err)
	}
	anna := &portal.Actor{PersonID: f.people["Anna Andersson"], Name: "Anna Andersson"}
	other := &portal.Actor{PersonID: f.people["Cecilia Ceder"], Name: "Cecilia Ceder", Roles: []portal.Role{portal.RoleITUnit}}
	for round := range 5 {
		saved, err := f.save(t, anna, id, func(fs *portal.SystemFacts) { fs.OpenSource = !fs.OpenSource })
		if err != nil || saved.Proposal == nil {
			t.Fatalf("round %d: %+v %v", round, saved, err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, who := range []*portal.Actor{f.it, other} {
			wg.Go(func() {
				if i == 0 {
					errs[i] = f.svc.ConfirmProposal(ctx, who, id, saved.Proposal.ID, "", "req")
				} else {
					errs[i] = f.svc.RejectProposal(ctx, who, id, saved.Proposal.ID, "", "req")
				}
			})
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case portal.KindOf(err) == portal.KindConflict:
				winner := []string{"IT Person", "Cecilia Ceder"}[1-i]
				if !strings.Contains(portal.MessageOf(err), winner) {
					t.Errorf("round %d: the loser is not told who decided: %q", round, portal.MessageOf(err))
				}
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d decided, want exactly one (%v)", round, ok, errs)
		}
	}
}
