package notify

import (
	"context"
	"strconv"
	"time"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
)

// ContractReminder composes the reminder of a contract's deadline to its
// responsible person and IT-enheten, with a link to the contract. A
// contract that is gone, terminated or whose deadline has moved since the
// reminder was claimed (an option used, the terms corrected) composes
// nothing: the reminders of the new deadline follow it.
func (n *Notifier) ContractReminder(ctx context.Context, a jobargs.ContractReminderNotice) ([]Message, error) {
	deadline, err := time.Parse(time.DateOnly, a.Deadline)
	if err != nil {
		return nil, nil // not a date: nothing this version enqueued
	}
	c, ok, err := n.store.Contract(ctx, a.ContractID)
	if err != nil || !ok {
		return nil, err
	}
	d := c.Terms.On(deadline)
	if !d.NoticeBy.Equal(deadline) {
		return nil, nil
	}
	to, err := n.itUnit(ctx)
	if err != nil {
		return nil, err
	}
	if c.HasPerson {
		to = append([]Recipient{c.Responsible}, to...)
	}
	by := deadline.Format(time.DateOnly)
	what := "sista dag för uppsägning"
	var lines []string
	switch d.Deadline {
	case portal.DeadlineNotice:
		lines = append(lines, "Avtalet "+c.Name+" med "+c.SupplierName+" förlängs automatiskt med "+months(c.Terms.RenewalMonths)+
			" om ingen part säger upp det senast "+by+". Nuvarande avtalsperiod slutar "+d.TermEnd.Format(time.DateOnly)+".")
	case portal.DeadlineOption:
		what = "sista dag att utnyttja option"
		lines = append(lines, "Avtalet "+c.Name+" med "+c.SupplierName+" slutar "+d.TermEnd.Format(time.DateOnly)+
			" om ingen option utnyttjas senast "+by+" ("+strconv.Itoa(c.Terms.OptionCount-c.Terms.OptionsUsed)+" av "+strconv.Itoa(c.Terms.OptionCount)+" optioner återstår).")
	}
	lines = append(lines, "Besluta i tid om avtalet ska sägas upp eller fortsätta, och registrera beslutet på avtalets sida i IT-portalen. Du får påminnelsen som ansvarig för avtalet eller som IT-enheten.")
	subject := "Påminnelse: " + what + " för avtalet " + c.Name + " är " + by
	if a.Days == 0 {
		subject = "I dag är " + what + " för avtalet " + c.Name
	}
	return messages(to, subject, n.link("/avtal/"+strconv.FormatInt(a.ContractID, 10)), lines...), nil
}

func months(n int) string {
	if n == 1 {
		return "1 månad"
	}
	return strconv.Itoa(n) + " månader"
}
