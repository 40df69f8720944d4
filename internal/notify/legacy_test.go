package notify_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"itportal/internal/jobs"
)

// TestOldNotifyJobsAreWorkedAfterUpgrade: jobs of the old single kind
// "notify", as the previous version wrote them and still queued at the
// upgrade, are worked by the new workers under their own ids: a role
// change reaches IT-enheten and the administrator and its outcome is
// recorded for R3; a batch half sent before the upgrade sends only the
// rest; a step of a case with its old Swedish topic is told; an old
// comment job tells its comment; an unknown topic completes quietly.
func TestOldNotifyJobsAreWorkedAfterUpgrade(t *testing.T) {
	t.Parallel()
	f := setup(t, "Treserva")
	ctx := context.Background()
	owner := f.db.OwnerPool(t)
	staff, version := publishFor(t, owner, 3)
	var assignment int64
	if err := owner.QueryRow(ctx, `SELECT id FROM role_assignments WHERE system_id = $1`, f.systemID).Scan(&assignment); err != nil {
		t.Fatal(err)
	}
	c := newCases(t, f)
	anna := c.requester(t, "Anna", "anna@example.lillaedet.se")
	kase := c.open(t, anna, "Gästnät")
	var comment int64
	if err := owner.QueryRow(ctx, `INSERT INTO request_events (request_id, actor_id, event, comment) VALUES ($1, $2, 'comment', 'Kommentar 1 från Anna') RETURNING id`,
		kase, anna.PersonID).Scan(&comment); err != nil {
		t.Fatal(err)
	}
	// The filing's own notices are out of the way.
	runWorkers(t, f, f.n, jobs.Options{CommentWindow: time.Millisecond})
	waitCompleted(t, f, time.Minute)
	before := len(f.sink.Mails())
	insert := func(args string) int64 {
		t.Helper()
		var id int64
		if err := owner.QueryRow(ctx, `INSERT INTO river_job (args, kind, max_attempts, state, queue, priority) VALUES ($1::jsonb, 'notify', 25, 'available', 'notify', 1) RETURNING id`,
			args).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	insert(fmt.Sprintf(`{"topic":"system.role_changed","object_type":"system","object_id":"%d","assignment_ids":[%d]}`, f.systemID, assignment))
	batch := insert(fmt.Sprintf(`{"topic":"document.acknowledge","object_type":"document_version","object_id":"%d","person_ids":[%d,%d,%d]}`,
		version, staff[0], staff[1], staff[2]))
	if _, err := owner.Exec(ctx, `INSERT INTO mail_log (idempotency_key, job_id, recipient, subject) VALUES ($1 || ':anstalld1@example.lillaedet.se', $2, 'anstalld1@example.lillaedet.se', 'Att kvittera')`,
		fmt.Sprint(batch), batch); err != nil {
		t.Fatal(err)
	}
	insert(fmt.Sprintf(`{"topic":"request.begar","object_type":"request","object_id":"%d","audience":["requester"]}`, kase))
	insert(fmt.Sprintf(`{"topic":"request.commented","object_type":"request","object_id":"%d","audience":["it_unit"]}`, kase))
	insert(`{"topic":"test","object_type":"x","object_id":"1"}`)
	deadline := time.Now().Add(time.Minute)
	for {
		var open int
		if err := owner.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notify' AND state <> 'completed'`).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d old jobs not completed after a minute", open)
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := map[string][]string{}
	for _, m := range f.sink.Mails()[before:] {
		for _, to := range m.To {
			got[to] = append(got[to], subject(t, m))
		}
	}
	want := map[string][]string{
		"it-enheten@lillaedet.se":        {"Rollerna för Treserva har ändrats", "Ärende IT " + fmt.Sprint(time.Now().Year()) + "/0001 har en ny kommentar: Gästnät"},
		"leila@example.lillaedet.se":     {"Rollerna för Treserva har ändrats"},
		"anstalld2@example.lillaedet.se": {"Att kvittera: Regler för IT-säkerhet, version 2"},
		"anstalld3@example.lillaedet.se": {"Att kvittera: Regler för IT-säkerhet, version 2"},
		"anna@example.lillaedet.se":      {"Ärende IT " + fmt.Sprint(time.Now().Year()) + "/0001 behöver kompletteras: Gästnät"},
	}
	for to, subjects := range want {
		slices.Sort(subjects)
		slices.Sort(got[to])
		if !slices.Equal(got[to], subjects) {
			t.Errorf("%s got %q, want %q", to, got[to], subjects)
		}
	}
	if len(got) != len(want) {
		t.Errorf("mails to %d addresses, want %d: %v", len(got), len(want), got)
	}
	for _, m := range f.sink.Mails()[before:] {
		if slices.Contains(m.To, "it-enheten@lillaedet.se") && strings.Contains(subject(t, m), "kommentar") && !slices.Equal(commentsIn(m), []string{"1 Anna"}) {
			t.Errorf("the old comment job's mail lists %v", commentsIn(m))
		}
	}
	var outcome string
	if err := owner.QueryRow(ctx, `SELECT outcome FROM role_change_notices WHERE assignment_id = $1`, assignment).Scan(&outcome); err != nil || outcome != "delivered" {
		t.Errorf("R3's record of the old role change job: %q (%v)", outcome, err)
	}
}
