package notify_test

import (
	"bytes"
	"itportal/internal/auditchain"
	"itportal/internal/postgres"

	"context"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"itportal/internal/config"
	"itportal/internal/jobs"
	"itportal/internal/jobs/jobargs"
	"itportal/internal/notify"
	"itportal/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

type fixture struct {
	db       testkit.DB
	sink     *testkit.SMTPSink
	n        *notify.Notifier
	systemID int64
	admin    int64
	it       int64
}

func setup(t *testing.T, systemName string) *fixture {
	t.Helper()
	f := &fixture{db: testkit.NewDB(t), sink: testkit.StartSMTPSink(t)}
	ctx := context.Background()
	owner := f.db.OwnerPool(t)
	if err := owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Mats Lindqvist', 'mats@example.lillaedet.se') RETURNING id`).Scan(&f.it); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `INSERT INTO person_roles (person_id, role) VALUES ($1, 'it_unit')`, f.it); err != nil {
		t.Fatal(err)
	}
	if err := owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Leila Haddad', 'leila@example.lillaedet.se') RETURNING id`).Scan(&f.admin); err != nil {
		t.Fatal(err)
	}
	if err := owner.QueryRow(ctx, `INSERT INTO systems (name) VALUES ($1) RETURNING id`, systemName).Scan(&f.systemID); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `INSERT INTO role_assignments (system_id, role, person_id, valid) VALUES ($1, 'administrator', $2, '[2024-01-01,)')`, f.systemID, f.admin); err != nil {
		t.Fatal(err)
	}
	smtpURL, _ := url.Parse(f.sink.URL())
	base, _ := url.Parse("https://itportal.lillaedet.se")
	f.n = notify.New(f.db.Pool(t), base, config.Mail{SMTPURL: smtpURL, From: "IT-portalen <it-portalen@lillaedet.se>", PerMinute: 100000, ITUnitMail: "it-enheten@lillaedet.se"})
	return f
}

// TestRoleChangeMailOnceToTheRightPeople: a role change reaches IT-enheten's
// shared address and the administrator, with the system's name and a link;
// running the job again (a retry) sends nothing more; Händelser has one row
// per person.
func TestRoleChangeMailOnceToTheRightPeople(t *testing.T) {
	t.Parallel()
	f := setup(t, "Treserva")
	ctx := context.Background()
	job := jobargs.Notify{Topic: "system.role_changed", ObjectType: "system", ObjectID: fmt.Sprint(f.systemID)}
	for range 2 {
		if err := f.n.Handle(ctx, 4711, job); err != nil {
			t.Fatal(err)
		}
	}
	mails := f.sink.Mails()
	var to []string
	for _, m := range mails {
		to = append(to, m.To...)
		if !strings.Contains(m.Header("Subject"), "Treserva") || !strings.Contains(m.Data, "https://itportal.lillaedet.se/system/"+fmt.Sprint(f.systemID)) {
			t.Errorf("mail without the system or its link:\n%s", m.Data)
		}
	}
	slices.Sort(to)
	if strings.Join(to, ",") != "it-enheten@lillaedet.se,leila@example.lillaedet.se" {
		t.Fatalf("recipients %v (%d mails)", to, len(mails))
	}
	var n int
	_ = f.db.OwnerPool(t).QueryRow(ctx, `SELECT count(*) FROM notifications`).Scan(&n)
	if n != 2 { // Mats (IT-enheten, by the shared mailbox) and Leila
		t.Errorf("%d notifications", n)
	}
}

// TestHeaderInjectionIsInert: a system name with CR/LF adds no header and
// no recipient.
func TestHeaderInjectionIsInert(t *testing.T) {
	t.Parallel()
	f := setup(t, "Ondskan\r\nBcc: attacker@example.com\r\nX-Evil: 1")
	if err := f.n.Handle(context.Background(), 1, jobargs.Notify{Topic: "system.role_changed", ObjectID: fmt.Sprint(f.systemID)}); err != nil {
		t.Fatal(err)
	}
	for _, m := range f.sink.Mails() {
		if m.Header("X-Evil") != "" || m.Header("Bcc") != "" || slices.Contains(m.To, "attacker@example.com") {
			t.Fatalf("header injection:\n%s", m.Data)
		}
	}
}

// TestMailServerDownThenBack: while the server refuses, the job fails (and
// River retries); nothing is recorded as sent; when it is back, every mail
// is delivered exactly once.
func TestMailServerDownThenBack(t *testing.T) {
	t.Parallel()
	f := setup(t, "Procapita")
	ctx := context.Background()
	job := jobargs.Notify{Topic: "system.role_changed", ObjectID: fmt.Sprint(f.systemID)}
	f.sink.SetFailing(true)
	if err := f.n.Handle(ctx, 9, job); err == nil {
		t.Fatal("a refused mail was reported as delivered")
	}
	f.sink.SetFailing(false)
	for range 3 {
		if err := f.n.Handle(ctx, 9, job); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(f.sink.Mails()); got != 2 {
		t.Fatalf("%d mails after the server came back, want 2", got)
	}
}

// TestJobsOnlyForCommittedChanges: 1,000 transactions enqueue a job each;
// the odd ones roll back: exactly the committed half have jobs.
func TestJobsOnlyForCommittedChanges(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	pool := db.Pool(t)
	client, err := jobs.NewClient(pool, slog.New(slog.DiscardHandler), false)
	if err != nil {
		t.Fatal(err)
	}
	enqueue := jobs.Enqueuer(client)
	for i := range 1000 {
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := enqueue(ctx, tx, jobargs.Notify{Topic: "test", ObjectID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			_ = tx.Rollback(ctx)
		} else if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var n, odd int
	_ = db.OwnerPool(t).QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE (args->>'object_id')::int % 2 = 1) FROM river_job WHERE kind = 'notify'`).Scan(&n, &odd)
	if n != 500 || odd != 0 {
		t.Fatalf("%d jobs, %d of rolled-back changes", n, odd)
	}
}

// TestTwoWorkerProcessesSendEachMailOnce: two River clients with workers
// (as two replicas) work one queue: every job runs once, every mail is sent
// once.
func TestTwoWorkerProcessesSendEachMailOnce(t *testing.T) {
	t.Parallel()
	f := setup(t, "Heroma")
	ctx := context.Background()
	pool := f.db.Pool(t)
	log := slog.New(slog.DiscardHandler)
	inserter, err := jobs.NewClient(pool, log, false)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var batch []jobargs.Args
	for i := range 100 {
		batch = append(batch, jobargs.Notify{Topic: "register.imported", ObjectType: "register", ObjectID: fmt.Sprint(i)})
	}
	if err := jobs.Enqueuer(inserter)(ctx, tx, batch...); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var clients []*jobs.Client
	for range 2 {
		c, err := jobs.NewClient(pool, log, true, jobs.Options{Notifier: f.n})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	defer func() {
		for _, c := range clients {
			_ = c.Stop(context.Background())
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var done int
		_ = f.db.OwnerPool(t).QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notify' AND state = 'completed'`).Scan(&done)
		if done == 100 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of 100 jobs completed", done)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := len(f.sink.Mails()); got != 100 {
		t.Fatalf("%d mails for 100 jobs", got)
	}
}

// BenchmarkTenThousandMails: 10,000 notification jobs (a new version for
// 10,000 staff) delivered to a local SMTP sink by one worker process with
// the rate limit lifted (docs/performance.md).
func BenchmarkTenThousandMails(b *testing.B) {
	for b.Loop() {
		db := testkit.NewDB(b)
		sink := testkit.StartSMTPSink(b)
		ctx := context.Background()
		owner := db.OwnerPool(b)
		if _, err := owner.Exec(ctx, `INSERT INTO people (name, email) SELECT 'Anställd ' || g, 'a' || g || '@example.lillaedet.se' FROM generate_series(1, 10000) g`); err != nil {
			b.Fatal(err)
		}
		var version int64
		if err := owner.QueryRow(ctx, `
			WITH d AS (INSERT INTO documents (slug, title, kind, fixed_by, must_acknowledge) VALUES ('regler', 'Regler', 'regler', 'it_chef', true) RETURNING id)
			INSERT INTO document_versions (document_id, number, markdown, html, sha256, effective_date, published_at)
			SELECT d.id, 1, 'x', '<p>x</p>', repeat('a', 64), current_date, now() FROM d RETURNING id`).Scan(&version); err != nil {
			b.Fatal(err)
		}
		pool := db.Pool(b)
		smtpURL, _ := url.Parse(sink.URL())
		n := notify.New(pool, nil, config.Mail{SMTPURL: smtpURL, From: "it-portalen@lillaedet.se", PerMinute: 100_000_000})
		log := slog.New(slog.DiscardHandler)
		client, err := jobs.NewClient(pool, log, true, jobs.Options{Notifier: n})
		if err != nil {
			b.Fatal(err)
		}
		tx, _ := pool.Begin(ctx)
		rows, _ := tx.Query(ctx, `SELECT id FROM people ORDER BY id`)
		var batch []jobargs.Args
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			batch = append(batch, jobargs.Notify{Topic: "document.acknowledge", ObjectID: fmt.Sprint(version), PersonID: id})
		}
		rows.Close()
		if err := jobs.Enqueuer(client)(ctx, tx, batch...); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := client.Start(ctx); err != nil {
			b.Fatal(err)
		}
		for len(sink.Mails()) < 10000 {
			if time.Since(start) > 5*time.Minute {
				b.Fatalf("only %d mails after 5 minutes", len(sink.Mails()))
			}
			time.Sleep(100 * time.Millisecond)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/10000mails")
		_ = client.Stop(ctx)
	}
}

// TestAuditAnchorMail: the nightly anchor reaches the configured address
// with the line `itportal audit verify --anchors` reads back.
func TestAuditAnchorMail(t *testing.T) {
	t.Parallel()
	f := setup(t, "Lifecare")
	ctx := context.Background()
	pool := f.db.Pool(t)
	if _, err := pool.Exec(ctx, `INSERT INTO audit_log (action, object_type, object_id) VALUES ('system.updated', 'system', '1')`); err != nil {
		t.Fatal(err)
	}
	a, err := postgres.NewAuditChain(pool, nil).Anchor(ctx, "revision@lillaedet.se", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := pool.QueryRow(ctx, `SELECT max(id) FROM audit_anchors`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	job := jobargs.Notify{Topic: "audit.anchor", ObjectType: "audit_anchor", ObjectID: fmt.Sprint(id)}
	// Without an anchor address nothing is sent.
	if err := f.n.Handle(ctx, 90, job); err != nil || len(f.sink.Mails()) != 0 {
		t.Fatalf("without an address: %v, %d mails", err, len(f.sink.Mails()))
	}
	smtpURL, _ := url.Parse(f.sink.URL())
	n := notify.New(pool, nil, config.Mail{SMTPURL: smtpURL, From: "it-portalen@lillaedet.se", PerMinute: 100000, AnchorMail: "revision@lillaedet.se"})
	if err := n.Handle(ctx, 91, job); err != nil {
		t.Fatal(err)
	}
	mails := f.sink.Mails()
	if len(mails) != 1 || !slices.Equal(mails[0].To, []string{"revision@lillaedet.se"}) {
		t.Fatalf("mails %+v", mails)
	}
	anchors, err := auditchain.ParseAnchors(strings.NewReader(mails[0].Data), "mail")
	if err != nil || len(anchors) == 0 || anchors[0].Seq != a.Seq || !bytes.Equal(anchors[0].Hash, a.Hash) {
		t.Fatalf("anchor in the mail %v (%v), want %v:\n%s", anchors, err, a, mails[0].Data)
	}
}

// TestMailConnectionsAreReused: mails go over kept connections; one the
// server has closed meanwhile is replaced without losing the mail.
func TestMailConnectionsAreReused(t *testing.T) {
	t.Parallel()
	f := setup(t, "Heroma")
	ctx := context.Background()
	job := jobargs.Notify{Topic: "system.role_changed", ObjectType: "system", ObjectID: fmt.Sprint(f.systemID)}
	for i := range 5 {
		if err := f.n.Handle(ctx, int64(100+i), job); err != nil {
			t.Fatal(err)
		}
	}
	if got, conns := len(f.sink.Mails()), f.sink.Connections(); got != 10 || conns != 1 {
		t.Fatalf("%d mails over %d connections, want 10 over 1", got, conns)
	}
	f.sink.DropConnections()
	if err := f.n.Handle(ctx, 200, job); err != nil {
		t.Fatalf("after the server closed the connection: %v", err)
	}
	if got, conns := len(f.sink.Mails()), f.sink.Connections(); got != 12 || conns != 2 {
		t.Fatalf("%d mails over %d connections, want 12 over 2", got, conns)
	}
}
