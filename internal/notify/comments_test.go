package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"mime"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"itportal/internal/config"
	"itportal/internal/jobs"
	"itportal/internal/notify"
	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

// cases files cases through the portal's own service (jobs enqueued in
// each change's transaction, as in production).
type cases struct {
	f   *fixture
	svc *postgres.RequestService
	it  *portal.Actor // IT-enheten's member (Mats), who may also decide
}

func newCases(t *testing.T, f *fixture) *cases {
	t.Helper()
	inserter, err := jobs.NewClient(f.db.Pool(t), slog.New(slog.DiscardHandler), false)
	if err != nil {
		t.Fatal(err)
	}
	return &cases{f: f, svc: postgres.NewRequestService(f.db.Pool(t), jobs.Enqueuer(inserter), "https://www.lillaedet.se"),
		it: &portal.Actor{PersonID: f.it, Name: "Mats Lindqvist", Roles: []portal.Role{portal.RoleITUnit, portal.RoleITHead}}}
}

// requester adds an employee with an address in a department.
func (c *cases) requester(t *testing.T, name, email string) *portal.Actor {
	t.Helper()
	ctx := context.Background()
	owner := c.f.db.OwnerPool(t)
	var dept, id int64
	if err := owner.QueryRow(ctx, `INSERT INTO departments (name, short_name) VALUES ($1, $2) RETURNING id`, "Förvaltning "+name, name).Scan(&dept); err != nil {
		t.Fatal(err)
	}
	if err := owner.QueryRow(ctx, `INSERT INTO people (name, email, department_id) VALUES ($1, $2, $3) RETURNING id`, name, email, dept).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return &portal.Actor{PersonID: id, Name: name, DepartmentID: dept}
}

// open files a network access case by who and takes it up.
func (c *cases) open(t *testing.T, who *portal.Actor, title string) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := c.svc.SaveDraft(ctx, who, 0, portal.KindNetworkAccess, 0, portal.RequestFields{
		DepartmentID: who.DepartmentID, Title: title, Description: "Gästnät för bolagets konsulter", Contact: who.Name + ", 0520-65 90 00",
		FinancingSource: "Ingen kostnad", FinancingConfirmed: true,
		Details: portal.RequestDetails{Organisation: "Lilla Edets Bostäder AB", AccessTo: "Gästnätet", AccessPeriod: "Till 2027-12-31"},
	}, "req")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.svc.Submit(ctx, who, id, "req"); err != nil {
		t.Fatal(err)
	}
	if err := c.svc.Act(ctx, c.it, id, portal.ActionTakeUp, "", "req"); err != nil {
		t.Fatal(err)
	}
	return id
}

var listed = regexp.MustCompile(`Kommentar (\d+) fr=C3=A5n (\w+)|Kommentar (\d+) från (\w+)`)

// commentsIn returns the comments a mail lists ("Kommentar N från X").
func commentsIn(m testkit.Mail) []string {
	text, _, _ := strings.Cut(m.Data, "text/html")
	var out []string
	for _, g := range listed.FindAllStringSubmatch(text, -1) {
		out = append(out, g[1]+g[3]+" "+g[2]+g[4])
	}
	return out
}

// subject is a mail's decoded subject.
func subject(t *testing.T, m testkit.Mail) string {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	s, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCommentFloodIsCoalesced: the requester and IT-enheten post 50
// comments on one case within a few seconds, with the workers running:
// each side hears of the other's comments in a handful of mails that list
// them (in order, each once), not 25 mails each; what the per-person rate
// holds back waits in its job, not lost. A decision right after them
// reaches the requester at once.
func TestCommentFloodIsCoalesced(t *testing.T) {
	t.Parallel()
	f := setup(t, "Treserva")
	ctx := context.Background()
	c := newCases(t, f)
	anna := c.requester(t, "Anna", "anna@example.lillaedet.se")
	id := c.open(t, anna, "Gästnät för bostadsbolaget")
	runWorkers(t, f, f.n, jobs.Options{CommentWindow: time.Second})
	for i := range 25 {
		if err := c.svc.Comment(ctx, anna, id, fmt.Sprintf("Kommentar %d från Anna", i+1), "req"); err != nil {
			t.Fatal(err)
		}
		if err := c.svc.Comment(ctx, c.it, id, fmt.Sprintf("Kommentar %d från Mats", i+1), "req"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	decided := time.Now()
	if err := c.svc.Decide(ctx, c.it, id, portal.ActionGrant, "Beviljas för konsulternas uppdrag.", "req"); err != nil {
		t.Fatal(err)
	}
	var decision *testkit.Mail
	for deadline := time.Now().Add(20 * time.Second); decision == nil; {
		for _, m := range f.sink.Mails() {
			if slices.Contains(m.To, "anna@example.lillaedet.se") && strings.Contains(subject(t, m), "beslutat") {
				decision = &m
			}
		}
		if time.Now().After(deadline) {
			rows, _ := f.db.OwnerPool(t).Query(ctx, `SELECT id, kind, state::text, args::text, COALESCE(errors::text, '') FROM river_job ORDER BY id`)
			for rows.Next() {
				var id int64
				var k, s, a, e string
				_ = rows.Scan(&id, &k, &s, &a, &e)
				t.Logf("job %d %s %s %s %s", id, k, s, a, e)
			}
			for _, m := range f.sink.Mails() {
				t.Logf("mail to %v: %s", m.To, subject(t, m))
			}
			t.Fatal("no decision mail within 20 seconds")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if took := decision.At.Sub(decided); took > 5*time.Second {
		t.Errorf("the decision took %s to reach the requester", took)
	}
	// Let the comment jobs that may send do so.
	time.Sleep(3 * time.Second)
	for to, from := range map[string]string{"anna@example.lillaedet.se": "Mats", "it-enheten@lillaedet.se": "Anna"} {
		var told []string
		mails := 0
		for _, m := range f.sink.Mails() {
			if !slices.Contains(m.To, to) || !strings.Contains(subject(t, m), "kommentar") {
				continue
			}
			mails++
			got := commentsIn(m)
			if len(got) == 0 {
				t.Errorf("a comment mail to %s lists no comment:\n%s", to, m.Data)
			}
			told = append(told, got...)
		}
		if mails == 0 || mails > 5 {
			t.Errorf("%s got %d comment mails for 25 comments, want 1 to 5", to, mails)
		}
		for i, c := range told {
			if want := fmt.Sprintf("%d %s", i+1, from); c != want {
				t.Errorf("%s: comment %d told is %q, want %q (all: %v)", to, i, c, want, told)
				break
			}
		}
		if len(told) < 25 {
			// Held back by the per-person rate: a job waits to tell them.
			var waiting int
			if err := f.db.OwnerPool(t).QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notify_case_step' AND args->>'step' = 'commented'
				AND state IN ('scheduled', 'available', 'retryable')`).Scan(&waiting); err != nil {
				t.Fatal(err)
			}
			if waiting == 0 {
				t.Errorf("%s was told %d of 25 comments and no job waits to tell the rest", to, len(told))
			}
		}
		t.Logf("%s: %d mails telling %d comments", to, mails, len(told))
	}
}

// TestDecisionAheadOfComments: eight requesters' comments wait in the
// queue (one job each) when a decision is made; when the workers start,
// at a mail rate that makes them queue, the decision is among the first
// mails sent (it is fetched first; only the jobs fetched with it can
// race it), not behind the comments as it would be in order of arrival.
func TestDecisionAheadOfComments(t *testing.T) {
	t.Parallel()
	f := setup(t, "Treserva")
	ctx := context.Background()
	c := newCases(t, f)
	var first int64
	var firstBy *portal.Actor
	for i := range 8 {
		who := c.requester(t, fmt.Sprintf("Person%d", i), fmt.Sprintf("person%d@example.lillaedet.se", i))
		id := c.open(t, who, fmt.Sprintf("Ärende %d", i))
		if i == 0 {
			first, firstBy = id, who
		}
	}
	// The filing's own notices are sent and out of the way.
	smtpURL, _ := url.Parse(f.sink.URL())
	fast := notify.New(f.db.Pool(t), nil, config.Mail{SMTPURL: smtpURL, From: "it-portalen@lillaedet.se", PerMinute: 100000, ITUnitMail: "it-enheten@lillaedet.se"})
	drain, err := jobs.NewClient(f.db.Pool(t), slog.New(slog.DiscardHandler), true, jobs.Options{Notifier: fast})
	if err != nil {
		t.Fatal(err)
	}
	if err := drain.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitCompleted(t, f, time.Minute)
	if err := drain.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	before := len(f.sink.Mails())
	rows, err := f.db.OwnerPool(t).Query(ctx, `SELECT id, author_id FROM requests ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type kase struct{ id, author int64 }
	var all []kase
	for rows.Next() {
		var k kase
		if err := rows.Scan(&k.id, &k.author); err != nil {
			t.Fatal(err)
		}
		all = append(all, k)
	}
	for _, k := range all {
		if err := c.svc.Comment(ctx, &portal.Actor{PersonID: k.author}, k.id, fmt.Sprintf("Kommentar 1 från ärende%d", k.id), "req"); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.svc.Decide(ctx, c.it, first, portal.ActionGrant, "Beviljas.", "req"); err != nil {
		t.Fatal(err)
	}
	smtpURL, _ = url.Parse(f.sink.URL())
	slow := notify.New(f.db.Pool(t), nil, config.Mail{SMTPURL: smtpURL, From: "it-portalen@lillaedet.se", PerMinute: 240, ITUnitMail: "it-enheten@lillaedet.se"})
	runWorkers(t, f, slow, jobs.Options{CommentWindow: time.Millisecond})
	waitCompleted(t, f, time.Minute)
	mails := f.sink.Mails()[before:]
	if len(mails) != 9 {
		t.Fatalf("%d mails, want 8 comment mails to IT-enheten and the decision", len(mails))
	}
	at := slices.IndexFunc(mails, func(m testkit.Mail) bool {
		return slices.Contains(m.To, "person0@example.lillaedet.se") && strings.Contains(subject(t, m), "beslutat")
	})
	if at < 0 || at >= 4 {
		var order []string
		for _, m := range mails {
			order = append(order, subject(t, m))
		}
		t.Fatalf("the decision to %s was mail %d of 9 (order: %q), want among the first 4", firstBy.Name, at+1, order)
	}
	t.Logf("the decision was mail %d of 9", at+1)
}
