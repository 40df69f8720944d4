package notify

import (
	"context"
	"strconv"

	"itportal/internal/jobs/jobargs"
)

// Evaluation composes the reminder to a system's administrator that its
// evaluation is due within 30 days or, with Overdue, late (R12), with a
// link to the form. A system or person that no longer exists composes
// nothing.
func (n *Notifier) Evaluation(ctx context.Context, a jobargs.EvaluationNotice) ([]Message, error) {
	e, ok, err := n.store.EvaluationDue(ctx, a.SystemID)
	if err != nil || !ok {
		return nil, err
	}
	r, ok, err := n.store.Person(ctx, a.PersonID)
	if err != nil || !ok {
		return nil, err
	}
	due := e.Due.Format("2006-01-02")
	link := n.link("/system/" + strconv.FormatInt(a.SystemID, 10) + "/utvardering")
	const how = "Som systemförvaltare utvärderar du systemet enligt Riktlinjer för IT (§3): hur det används, möjligheterna att samordna och samverka och att effektivisera verksamheten. Fyll i utvärderingen i IT-portalen; du kan spara ett utkast och fortsätta senare."
	if a.Overdue {
		return messages([]Recipient{r}, "Utvärderingen av "+e.SystemName+" är försenad", link,
			"Utvärderingen av "+e.SystemName+" skulle ha gjorts senast "+due+".", how), nil
	}
	return messages([]Recipient{r}, "Dags att utvärdera "+e.SystemName+" (senast "+due+")", link,
		"Utvärderingen av "+e.SystemName+" ska göras senast "+due+".", how), nil
}
