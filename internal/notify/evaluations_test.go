package notify_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"itportal/internal/jobs/jobargs"
)

// TestEvaluationReminderMails: the two evaluation reminders go to the
// administrator named in the job, in Swedish, with the due date and a link
// to the form; a system that is gone composes nothing.
func TestEvaluationReminderMails(t *testing.T) {
	t.Parallel()
	f := setup(t, "Treserva")
	ctx := context.Background()
	if _, err := f.db.OwnerPool(t).Exec(ctx, `UPDATE systems SET lifecycle = 'i_drift' WHERE id = $1`, f.systemID); err != nil {
		t.Fatal(err)
	}
	var due string
	if err := f.db.OwnerPool(t).QueryRow(ctx, `SELECT due_on::text FROM evaluation_due WHERE system_id = $1`, f.systemID).Scan(&due); err != nil {
		t.Fatal(err)
	}
	link := "https://itportal.lillaedet.se/system/" + fmt.Sprint(f.systemID) + "/utvardering"
	for topic, subject := range map[string]string{
		"system.evaluation_due":     "Dags att utvärdera Treserva (senast " + due + ")",
		"system.evaluation_overdue": "Utvärderingen av Treserva är försenad",
	} {
		msgs, err := f.n.Compose(ctx, jobargs.Notify{Topic: topic, ObjectType: "system", ObjectID: fmt.Sprint(f.systemID), PersonID: f.admin})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 || msgs[0].To.Email != "leila@example.lillaedet.se" || msgs[0].Subject != subject || msgs[0].Link != link ||
			!strings.Contains(strings.Join(msgs[0].Lines, " "), due) {
			t.Errorf("%s: %+v", topic, msgs)
		}
	}
	if err := f.n.Handle(ctx, 99, jobargs.Notify{Topic: "system.evaluation_overdue", ObjectType: "system", ObjectID: fmt.Sprint(f.systemID), PersonID: f.admin}); err != nil {
		t.Fatal(err)
	}
	if mails := f.sink.Mails(); len(mails) != 1 || !strings.Contains(mails[0].Data, link) {
		t.Errorf("mails: %+v", mails)
	}
	if msgs, err := f.n.Compose(ctx, jobargs.Notify{Topic: "system.evaluation_due", ObjectType: "system", ObjectID: "999999", PersonID: f.admin}); err != nil || len(msgs) != 0 {
		t.Errorf("a missing system: %v %+v", err, msgs)
	}
}
