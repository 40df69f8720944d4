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
	for overdue, subject := range map[bool]string{
		false: "Dags att utvärdera Treserva (senast " + due + ")",
		true:  "Utvärderingen av Treserva är försenad",
	} {
		msgs, err := f.n.Evaluation(ctx, jobargs.EvaluationNotice{SystemID: f.systemID, PersonID: f.admin, Overdue: overdue})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 || msgs[0].To.Email != "leila@example.lillaedet.se" || msgs[0].Subject != subject || msgs[0].Link != link ||
			!strings.Contains(strings.Join(msgs[0].Lines, " "), due) {
			t.Errorf("overdue %v: %+v", overdue, msgs)
		}
	}
	if err := deliver(ctx, f.n, 99)(f.n.Evaluation(ctx, jobargs.EvaluationNotice{SystemID: f.systemID, PersonID: f.admin, Overdue: true})); err != nil {
		t.Fatal(err)
	}
	if mails := f.sink.Mails(); len(mails) != 1 || !strings.Contains(mails[0].Data, link) {
		t.Errorf("mails: %+v", mails)
	}
	if msgs, err := f.n.Evaluation(ctx, jobargs.EvaluationNotice{SystemID: 999999, PersonID: f.admin}); err != nil || len(msgs) != 0 {
		t.Errorf("a missing system: %v %+v", err, msgs)
	}
}
