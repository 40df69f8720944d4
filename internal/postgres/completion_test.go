package postgres_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"itportal/internal/portal"
	"itportal/internal/testkit"
	"itportal/migrations"
)

// TestCompletionChangesOnlyTheAskedFields: a case sent with financing not
// confirmed cannot be granted; IT-enheten asks for the financing; an answer
// that also changes a field not asked is refused and changes nothing (not
// even by SQL); an answer with financing confirmed but no decision recorded
// is refused with Swedish messages; the right answer changes exactly the
// financing, keeps the earlier values in the timeline, sends the case back
// to IT-enheten, and it can then be granted.
func TestCompletionChangesOnlyTheAskedFields(t *testing.T) {
	t.Parallel()
	f := newCases(t)
	ctx := context.Background()
	it := f.deciders[0]
	unfunded := f.introduction("Komplettering")
	unfunded.FinancingConfirmed, unfunded.FinancingReference = false, ""
	id, _ := f.submitted(t, portal.KindIntroduction, unfunded)
	if err := f.req.Decide(ctx, it, id, portal.ActionGrant, "Bra", "req"); portal.KindOf(err) != portal.KindConflict {
		t.Fatalf("grant without financing: %v", err)
	}

	// The question names fields the kind has; the requester may not ask.
	if err := f.req.AskCompletion(ctx, it, id, []string{"financing", "no_such_field"}, "Är finansieringen beslutad?", "req"); portal.KindOf(err) != portal.KindInvalid {
		t.Errorf("asking for a field the case lacks: %v", err)
	}
	if err := f.req.AskCompletion(ctx, f.requester, id, []string{"financing"}, "Själv", "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("the requester asking for completion: %v", err)
	}
	if err := f.req.AskCompletion(ctx, it, id, []string{"financing"}, "Är finansieringen beslutad? Ange beslutet.", "req"); err != nil {
		t.Fatal(err)
	}
	v, err := f.req.Get(ctx, f.requester, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.State != portal.StateCompletionRequested || v.Completion == nil || v.Completion.Message != "Är finansieringen beslutad? Ange beslutet." ||
		v.Completion.By != it.Name || strings.Join(v.Completion.Fields, ",") != "financing_source,financing_confirmed,financing_reference,financing_decided_by,financing_decided_on" {
		t.Fatalf("the open question: %s %+v", v.State, v.Completion)
	}

	state := func() string {
		var s string
		if err := f.db.OwnerPool(t).QueryRow(ctx, `
			SELECT concat_ws('|', state, title, financing_confirmed, financing_reference, financing_decided_by, financing_decided_on, details->>'need', row_version,
				(SELECT count(*) FROM request_events WHERE request_id = $1))
			FROM requests WHERE id = $1`, id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := state()
	yesterday := portal.Today().AddDate(0, 0, -1).Format(time.DateOnly)
	answer := url.Values{"financing_confirmed": {"ja"}, "financing_reference": {"SN 2027/14 §3"}, "financing_decided_by": {"Socialnämnden"},
		"financing_decided_on": {yesterday}}

	// A field not asked for: refused, nothing changed.
	sneaky := url.Values{"title": {"En annan rubrik"}, "need": {"Något helt annat"}}
	for k, vs := range answer {
		sneaky[k] = vs
	}
	if err := f.req.AnswerCompletion(ctx, f.requester, id, sneaky, "Finansieringen är beslutad", "req"); portal.KindOf(err) != portal.KindConflict ||
		!strings.Contains(portal.MessageOf(err), "har inte begärts") {
		t.Fatalf("changing a field not asked for: %v", err)
	}
	if got := state(); got != before {
		t.Fatalf("a refused answer changed the case:\n%s\n%s", before, got)
	}
	// The same value of a field not asked is no change, and is fine below.

	// Confirmed, but no decision recorded; a decision dated tomorrow.
	err = f.req.AnswerCompletion(ctx, f.requester, id, url.Values{"financing_confirmed": {"ja"}}, "", "req")
	for field, want := range map[string]string{"financing_decided_by": "Ange vem som beslutade", "financing_reference": "Ange beslutets referens",
		"financing_decided_on": "Ange vilket datum"} {
		if !strings.HasPrefix(fieldError(err, field), want) {
			t.Errorf("%s: %q (%v)", field, fieldError(err, field), err)
		}
	}
	future := url.Values{"financing_decided_on": {portal.Today().AddDate(0, 0, 1).Format(time.DateOnly)}}
	for k, vs := range answer {
		if k != "financing_decided_on" {
			future[k] = vs
		}
	}
	if err := f.req.AnswerCompletion(ctx, f.requester, id, future, "", "req"); fieldError(err, "financing_decided_on") != "Datumet kan inte vara i framtiden." {
		t.Errorf("a decision dated tomorrow: %v", err)
	}
	if err := f.req.AnswerCompletion(ctx, f.requester, id, url.Values{}, "", "req"); fieldError(err, "comment") == "" {
		t.Errorf("an answer that changes nothing and says nothing: %v", err)
	}
	if err := f.req.AnswerCompletion(ctx, f.deciders[1], id, answer, "", "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("someone else answering: %v", err)
	}
	if got := state(); got != before {
		t.Fatalf("refused answers changed the case:\n%s\n%s", before, got)
	}

	// Not even SQL changes a field that was not asked, in the answer's step.
	if _, err := f.db.Pool(t).Exec(ctx, `UPDATE requests SET state = 'under_handlaggning', title = 'Hackat' WHERE id = $1`, id); err == nil {
		t.Fatal("SQL changed a field that was not asked for")
	}
	if _, err := f.db.Pool(t).Exec(ctx, `UPDATE requests SET financing_confirmed = true WHERE id = $1`, id); err == nil {
		t.Fatal("SQL changed an asked field outside the answer")
	}

	// The answer: the asked fields change, a field not asked may come along unchanged.
	answer.Set("title", unfunded.Title)
	if err := f.req.AnswerCompletion(ctx, f.requester, id, answer, "Socialnämnden beslutade i går.", "req"); err != nil {
		t.Fatal(err)
	}
	v, err = f.req.Get(ctx, it, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.State != portal.StateInProgress || !v.Fields.FinancingConfirmed || v.Fields.FinancingDecidedBy != "Socialnämnden" ||
		v.Fields.FinancingReference != "SN 2027/14 §3" || v.Fields.FinancingDecidedOn == nil || v.Fields.Title != unfunded.Title ||
		len(v.CompletionFields) != 0 || v.Completion != nil || v.FinancingBlocks {
		t.Fatalf("after the answer: %s %+v %v", v.State, v.Fields, v.CompletionFields)
	}
	var changes []string
	for _, e := range v.Events {
		if e.Event == "change" {
			changes = append(changes, e.Field+": "+e.OldValue+" → "+e.NewValue)
		}
	}
	if got := strings.Join(changes, "; "); got != "financing_confirmed: Nej → Ja; financing_reference:  → SN 2027/14 §3; financing_decided_by:  → Socialnämnden; financing_decided_on:  → "+yesterday {
		t.Errorf("changes in the timeline: %s", got)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE object_id = $1 AND action = 'request.komplettera' AND changes ? 'financing_confirmed'`, strconv.FormatInt(id, 10)); n != 1 {
		t.Errorf("%d audit entries of the answer", n)
	}
	// Asked fields are open only while asked: a second answer is refused.
	if err := f.req.AnswerCompletion(ctx, f.requester, id, answer, "Igen", "req"); portal.KindOf(err) != portal.KindConflict {
		t.Errorf("answering twice: %v", err)
	}
	if err := f.req.Decide(ctx, it, id, portal.ActionGrant, "Finansieringen är beslutad av Socialnämnden", "req"); err != nil {
		t.Fatalf("grant after the completion: %v", err)
	}
}

// TestCompletionMigrationGoesDownAndUp: migration 00033 can be rolled back
// (the old trigger back, a changed field's event kept as a comment) and
// applied again.
func TestCompletionMigrationGoesDownAndUp(t *testing.T) {
	t.Parallel()
	owner := testkit.NewDB(t).OwnerPool(t)
	ctx := context.Background()
	provider, err := goose.NewProvider(goose.DialectPostgres, stdlib.OpenDBFromPool(owner), migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `
		INSERT INTO people (name, email) VALUES ('Anna', 'anna@example.lillaedet.se');
		INSERT INTO requests (kind, author_id, title) SELECT 'inforande', id, 'Fall' FROM people;
		INSERT INTO request_events (request_id, event, field, old_value, new_value) SELECT id, 'change', 'financing_confirmed', 'Nej', 'Ja' FROM requests`); err != nil {
		t.Fatal(err)
	}
	if _, err := provider.DownTo(ctx, 32); err != nil {
		t.Fatalf("down: %v", err)
	}
	var comment string
	if err := owner.QueryRow(ctx, `SELECT event || ' ' || comment FROM request_events`).Scan(&comment); err != nil || comment != "comment financing_confirmed: Nej → Ja" {
		t.Errorf("the change after rolling back: %q %v", comment, err)
	}
	if _, err := provider.UpTo(ctx, 33); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
