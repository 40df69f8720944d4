package notify

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"itportal/internal/jobs/jobargs"
)

// evaluationReminder composes the reminder to a system's administrator that
// its evaluation is due within 30 days ("system.evaluation_due") or overdue
// ("system.evaluation_overdue"), with a link to the form. A system or
// person that no longer exists composes nothing.
func (n *Notifier) evaluationReminder(ctx context.Context, a jobargs.Notify, id int64) (Recipient, string, string, []string, bool, error) {
	var name string
	var due time.Time
	err := n.pool.QueryRow(ctx, `SELECT s.name, ed.due_on FROM systems s JOIN evaluation_due ed ON ed.system_id = s.id WHERE s.id = $1`, id).Scan(&name, &due)
	if errors.Is(err, pgx.ErrNoRows) {
		return Recipient{}, "", "", nil, false, nil
	}
	if err != nil {
		return Recipient{}, "", "", nil, false, err
	}
	r, err := n.person(ctx, a.PersonID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Recipient{}, "", "", nil, false, nil
	}
	if err != nil {
		return Recipient{}, "", "", nil, false, err
	}
	dueText := due.Format("2006-01-02")
	link := n.link("/system/" + a.ObjectID + "/utvardering")
	if a.Topic == "system.evaluation_overdue" {
		return r, "Utvärderingen av " + name + " är försenad", link, []string{
			"Utvärderingen av " + name + " skulle ha gjorts senast " + dueText + ".",
			"Som systemförvaltare utvärderar du systemet enligt Riktlinjer för IT (§3): hur det används, möjligheterna att samordna och samverka och att effektivisera verksamheten. Fyll i utvärderingen i IT-portalen; du kan spara ett utkast och fortsätta senare.",
		}, true, nil
	}
	return r, "Dags att utvärdera " + name + " (senast " + dueText + ")", link, []string{
		"Utvärderingen av " + name + " ska göras senast " + dueText + ".",
		"Som systemförvaltare utvärderar du systemet enligt Riktlinjer för IT (§3): hur det används, möjligheterna att samordna och samverka och att effektivisera verksamheten. Fyll i utvärderingen i IT-portalen; du kan spara ett utkast och fortsätta senare.",
	}, true, nil
}
