package notify_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"itportal/internal/jobs"
	"itportal/internal/portal"
	"itportal/internal/postgres"
)

// testClock is a clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) add(days int) {
	c.mu.Lock()
	c.now = c.now.AddDate(0, 0, days)
	c.mu.Unlock()
}

// startFor finds a start date for which the terms' next deadline, seen on
// today, is left days away (not every day can be a deadline: month ends).
func startFor(terms portal.ContractTerms, today time.Time, left int) (time.Time, bool) {
	want := today.AddDate(0, 0, left)
	for d := -900; d < 400; d++ {
		terms.Start = today.AddDate(0, 0, d)
		if terms.On(today).NoticeBy.Equal(want) {
			return terms.Start, true
		}
	}
	return time.Time{}, false
}

// TestContractRemindersOncePerOffset: a run mails the reminders due today
// (a deadline 90 days ahead, an option deadline 30 days ahead, a deadline
// today) to the contract's responsible person and IT-enheten's shared
// address, and nothing for a deadline 200 days ahead or a terminated
// contract; a second run the same day sends nothing; 60 days on, the next
// offsets of the contracts still running are sent, once.
func TestContractRemindersOncePerOffset(t *testing.T) {
	t.Parallel()
	f := setup(t, "Treserva")
	ctx := context.Background()
	owner := f.db.OwnerPool(t)
	renewed := portal.ContractTerms{InitialMonths: 12, NoticeMonths: 3, RenewalMonths: 12}
	option := portal.ContractTerms{InitialMonths: 24, NoticeMonths: 6, OptionCount: 2, OptionMonths: 12}
	type spec struct {
		name       string
		terms      portal.ContractTerms
		left       int
		terminated bool
	}
	specs := []spec{{"Ekonomisystem", renewed, 90, false}, {"Lönesystem", renewed, 200, false}, {"Skolplattform", renewed, 0, false},
		{"E-arkiv", option, 30, false}, {"Uppsagt avtal", renewed, 30, true}}
	// Years from the real date, so the workers' own run (the real clock)
	// finds nothing due; the first day on which every deadline can fall.
	clock := &testClock{now: time.Now().AddDate(5, 0, 0)}
	var today time.Time
	starts := make([]time.Time, len(specs))
	for {
		today = portal.DateOf(clock.Now())
		ok := true
		for i, c := range specs {
			var found bool
			starts[i], found = startFor(c.terms, today, c.left)
			ok = ok && found
		}
		if ok {
			break
		}
		clock.add(1)
	}
	var dept, supplier int64
	if err := owner.QueryRow(ctx, `INSERT INTO departments (name, short_name) VALUES ('Kommunledningsförvaltningen', 'KLF') RETURNING id`).Scan(&dept); err != nil {
		t.Fatal(err)
	}
	if err := owner.QueryRow(ctx, `INSERT INTO suppliers (name, normalised_name, org_number) VALUES ('Visma AB', 'visma', '556016-0680') RETURNING id`).Scan(&supplier); err != nil {
		t.Fatal(err)
	}
	for i, c := range specs {
		var by *string
		var on, ends *time.Time
		if c.terminated {
			kommunen, e := "kommunen", today.AddDate(0, 3, 0)
			by, on, ends = &kommunen, &today, &e
		}
		if _, err := owner.Exec(ctx, `
			INSERT INTO contracts (name, supplier_id, procurement, start_on, initial_months, notice_months, option_count, option_months,
			    renewal_months, terminated_by, terminated_on, ends_on, department_id, responsible_id)
			VALUES ($1, $2, 'lou', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			c.name, supplier, starts[i], c.terms.InitialMonths, c.terms.NoticeMonths, c.terms.OptionCount, c.terms.OptionMonths, c.terms.RenewalMonths,
			by, on, ends, dept, f.admin); err != nil {
			t.Fatal(err)
		}
	}

	runWorkers(t, f, f.n, jobs.Options{})
	inserter, err := jobs.NewClient(f.db.Pool(t), slog.New(slog.DiscardHandler), false)
	if err != nil {
		t.Fatal(err)
	}
	svc := postgres.NewContractReminderService(f.db.Pool(t), jobs.Enqueuer(inserter), nil, clock.Now)
	remind := func(want int) {
		t.Helper()
		n, err := svc.Remind(ctx)
		if err != nil || n != want {
			t.Fatalf("reminders enqueued: %d (%v), want %d", n, err, want)
		}
		waitCompleted(t, f, 20*time.Second)
	}
	subjects := func() []string {
		var out []string
		for _, m := range f.sink.Mails() {
			out = append(out, strings.Join(m.To, ",")+": "+subject(t, m))
		}
		slices.Sort(out)
		return out
	}
	day := func(left int) string { return today.AddDate(0, 0, left).Format(time.DateOnly) }

	remind(3)
	want := []string{
		"it-enheten@lillaedet.se: I dag är sista dag för uppsägning för avtalet Skolplattform",
		"it-enheten@lillaedet.se: Påminnelse: sista dag att utnyttja option för avtalet E-arkiv är " + day(30),
		"it-enheten@lillaedet.se: Påminnelse: sista dag för uppsägning för avtalet Ekonomisystem är " + day(90),
		"leila@example.lillaedet.se: I dag är sista dag för uppsägning för avtalet Skolplattform",
		"leila@example.lillaedet.se: Påminnelse: sista dag att utnyttja option för avtalet E-arkiv är " + day(30),
		"leila@example.lillaedet.se: Påminnelse: sista dag för uppsägning för avtalet Ekonomisystem är " + day(90),
	}
	if got := subjects(); !slices.Equal(got, want) {
		t.Fatalf("first run's mails:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, m := range f.sink.Mails() {
		if strings.Contains(subject(t, m), "Ekonomisystem") && !strings.Contains(m.Data, "https://itportal.lillaedet.se/avtal/") {
			t.Errorf("a reminder without the contract's link:\n%s", m.Data)
		}
	}
	// The same day again: nothing.
	remind(0)
	if got := len(f.sink.Mails()); got != 6 {
		t.Fatalf("%d mails after a second run the same day, want 6", got)
	}
	// 60 days on: Ekonomisystem is 30 days from its deadline, Lönesystem 140 (its 180-day reminder).
	clock.add(60)
	remind(2)
	remind(0)
	got := subjects()
	if len(got) != 10 || !slices.Contains(got, "leila@example.lillaedet.se: Påminnelse: sista dag för uppsägning för avtalet Ekonomisystem är "+day(90)) ||
		!slices.Contains(got, "leila@example.lillaedet.se: Påminnelse: sista dag för uppsägning för avtalet Lönesystem är "+day(200)) {
		t.Errorf("mails 60 days on:\n%s", strings.Join(got, "\n"))
	}
	ekonomi := 0
	for _, s := range got {
		if strings.Contains(s, "Ekonomisystem") {
			ekonomi++
		}
	}
	if ekonomi != 4 {
		t.Errorf("Ekonomisystem: %d mails, want 4 (90 and 30 days, two recipients each)", ekonomi)
	}
}
