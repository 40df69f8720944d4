package notify_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/auditchain"
	"itportal/internal/config"
	"itportal/internal/jobs"
	"itportal/internal/jobs/jobargs"
	"itportal/internal/notify"
	"itportal/internal/portal"
	"itportal/internal/postgres"
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
	job := jobargs.RoleChangeNotice{SystemID: f.systemID}
	for range 2 {
		if err := deliver(ctx, f.n, 4711)(f.n.RoleChange(ctx, job)); err != nil {
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
	ctx := context.Background()
	if err := deliver(ctx, f.n, 1)(f.n.RoleChange(ctx, jobargs.RoleChangeNotice{SystemID: f.systemID})); err != nil {
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
	job := jobargs.RoleChangeNotice{SystemID: f.systemID}
	f.sink.SetFailing(true)
	if err := deliver(ctx, f.n, 9)(f.n.RoleChange(ctx, job)); err == nil {
		t.Fatal("a refused mail was reported as delivered")
	}
	f.sink.SetFailing(false)
	for range 3 {
		if err := deliver(ctx, f.n, 9)(f.n.RoleChange(ctx, job)); err != nil {
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
		if err := enqueue(ctx, tx, jobargs.CaseStepNotice{RequestID: int64(i), Step: jobargs.StepDecided}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			_ = tx.Rollback(ctx)
		} else if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var n, odd int
	_ = db.OwnerPool(t).QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE (args->>'request_id')::int % 2 = 1) FROM river_job WHERE kind = 'notify_case_step'`).Scan(&n, &odd)
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
		batch = append(batch, jobargs.RoleChangeNotice{Imported: i})
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
		_ = f.db.OwnerPool(t).QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'notify_role_change' AND state = 'completed'`).Scan(&done)
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

// BenchmarkTenThousandMails: 10,000 notifications (a new version for 10,000
// staff, packed in 200 jobs) delivered to a local SMTP sink by one worker
// process with the rate limit lifted (docs/performance.md).
func BenchmarkTenThousandMails(b *testing.B) {
	for b.Loop() {
		db := testkit.NewDB(b)
		sink := testkit.StartSMTPSink(b)
		ctx := context.Background()
		staff, version := publishFor(b, db.OwnerPool(b), 10000)
		pool := db.Pool(b)
		smtpURL, _ := url.Parse(sink.URL())
		n := notify.New(pool, nil, config.Mail{SMTPURL: smtpURL, From: "it-portalen@lillaedet.se", PerMinute: 100_000_000})
		log := slog.New(slog.DiscardHandler)
		client, err := jobs.NewClient(pool, log, true, jobs.Options{Notifier: n})
		if err != nil {
			b.Fatal(err)
		}
		tx, _ := pool.Begin(ctx)
		var batch []jobargs.Args
		for _, id := range staff {
			batch = append(batch, jobargs.AcknowledgeNotice{VersionID: version, PersonIDs: []int64{id}})
		}
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
	job := jobargs.AuditAnchorNotice{AnchorID: id}
	// Without an anchor address nothing is sent.
	if err := deliver(ctx, f.n, 90)(f.n.AuditAnchor(ctx, job)); err != nil || len(f.sink.Mails()) != 0 {
		t.Fatalf("without an address: %v, %d mails", err, len(f.sink.Mails()))
	}
	smtpURL, _ := url.Parse(f.sink.URL())
	n := notify.New(pool, nil, config.Mail{SMTPURL: smtpURL, From: "it-portalen@lillaedet.se", PerMinute: 100000, AnchorMail: "revision@lillaedet.se"})
	if err := deliver(ctx, n, 91)(n.AuditAnchor(ctx, job)); err != nil {
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
	job := jobargs.RoleChangeNotice{SystemID: f.systemID}
	for i := range 5 {
		if err := deliver(ctx, f.n, int64(100+i))(f.n.RoleChange(ctx, job)); err != nil {
			t.Fatal(err)
		}
	}
	if got, conns := len(f.sink.Mails()), f.sink.Connections(); got != 10 || conns != 1 {
		t.Fatalf("%d mails over %d connections, want 10 over 1", got, conns)
	}
	f.sink.DropConnections()
	if err := deliver(ctx, f.n, 200)(f.n.RoleChange(ctx, job)); err != nil {
		t.Fatalf("after the server closed the connection: %v", err)
	}
	if got, conns := len(f.sink.Mails()), f.sink.Connections(); got != 12 || conns != 2 {
		t.Fatalf("%d mails over %d connections, want 12 over 2", got, conns)
	}
}

// deliver delivers what a composition returned as job jobID would.
func deliver(ctx context.Context, n *notify.Notifier, jobID int64) func([]notify.Message, error) error {
	return func(msgs []notify.Message, err error) error {
		if err != nil {
			return err
		}
		return n.Deliver(ctx, jobID, msgs)
	}
}

// publishFor adds n staff with addresses and a published version of a
// document they must acknowledge (owner: the owner's pool); it returns the
// people and the version.
func publishFor(t testing.TB, owner *pgxpool.Pool, n int) ([]int64, int64) {
	t.Helper()
	ctx := context.Background()
	rows, err := owner.Query(ctx, `INSERT INTO people (name, email) SELECT 'Anställd ' || g, 'anstalld' || g || '@example.lillaedet.se' FROM generate_series(1, $1::int) g RETURNING id`, n)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	var version int64
	if err := owner.QueryRow(ctx, `
		WITH d AS (INSERT INTO documents (slug, title, kind, fixed_by, must_acknowledge) VALUES ('regler', 'Regler för IT-säkerhet', 'regler', 'it_chef', true) RETURNING id)
		INSERT INTO document_versions (document_id, number, markdown, html, sha256, effective_date, published_at)
		SELECT d.id, 2, 'x', '<p>x</p>', repeat('a', 64), current_date, now() FROM d RETURNING id`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	return ids, version
}

// enqueue inserts the jobs as the services do, in one committed transaction.
func enqueue(t *testing.T, f *fixture, args []jobargs.Args) {
	t.Helper()
	ctx := context.Background()
	pool := f.db.Pool(t)
	inserter, err := jobs.NewClient(pool, slog.New(slog.DiscardHandler), false)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Enqueuer(inserter)(ctx, tx, args...); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// runWorkers starts a worker client until the test ends.
func runWorkers(t *testing.T, f *fixture, n *notify.Notifier, opts jobs.Options) {
	t.Helper()
	opts.Notifier = n
	c, err := jobs.NewClient(f.db.Pool(t), slog.New(slog.DiscardHandler), true, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
}

// waitCompleted waits until every notification job has completed.
func waitCompleted(t *testing.T, f *fixture, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var open int
		if err := f.db.OwnerPool(t).QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE queue = 'notify' AND state <> 'completed'`).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notification jobs not completed after %s (%d mails)", open, within, len(f.sink.Mails()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mailsPerRecipient counts the mails each address received.
func mailsPerRecipient(f *fixture) map[string]int {
	got := map[string]int{}
	for _, m := range f.sink.Mails() {
		for _, to := range m.To {
			got[to]++
		}
	}
	return got
}

// TestLargeAudienceSentInBatches: a new version for 120 staff is three jobs
// (50, 50, 20), not 120; everyone gets their own mail with the version's
// link exactly once and a Händelser row; people who left are skipped.
func TestLargeAudienceSentInBatches(t *testing.T) {
	t.Parallel()
	f := setup(t, "Treserva")
	ctx := context.Background()
	staff, version := publishFor(t, f.db.OwnerPool(t), 120)
	if _, err := f.db.OwnerPool(t).Exec(ctx, `UPDATE people SET active = false WHERE id = $1`, staff[7]); err != nil {
		t.Fatal(err)
	}
	var args []jobargs.Args
	for _, id := range staff {
		args = append(args, jobargs.AcknowledgeNotice{VersionID: version, PersonIDs: []int64{id}})
	}
	// A job that is not one person's (a role change) is kept as it is.
	args = append(args, jobargs.RoleChangeNotice{SystemID: f.systemID})
	enqueue(t, f, args)
	rows, err := f.db.OwnerPool(t).Query(ctx, `SELECT COALESCE(jsonb_array_length(args->'person_ids'), 0) FROM river_job WHERE queue = 'notify' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	sizes, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []int{50, 50, 20, 0}) {
		t.Fatalf("jobs by people told: %v, want [50 50 20 0]", sizes)
	}
	runWorkers(t, f, f.n, jobs.Options{})
	waitCompleted(t, f, time.Minute)
	got := mailsPerRecipient(f)
	for i := range 120 {
		addr := fmt.Sprintf("anstalld%d@example.lillaedet.se", i+1)
		want := 1
		if i == 7 {
			want = 0 // no longer employed
		}
		if got[addr] != want {
			t.Errorf("%s got %d mails, want %d", addr, got[addr], want)
		}
	}
	for _, m := range f.sink.Mails() {
		if strings.Contains(m.To[0], "anstalld") && !strings.Contains(m.Data, "/styrdokument/regler/kvittera") {
			t.Fatalf("mail without the link to acknowledge:\n%s", m.Data)
		}
	}
	var told int
	if err := f.db.OwnerPool(t).QueryRow(ctx, `SELECT count(*) FROM notifications WHERE subject = 'Att kvittera: Regler för IT-säkerhet, version 2'`).Scan(&told); err != nil {
		t.Fatal(err)
	}
	if told != 119 {
		t.Errorf("%d Händelser rows, want 119", told)
	}
}

// TestBatchDrainsAtTheMailRate: a batch larger than the mail rate allows in
// one run of its job sends what fits, is put back (a snooze, not a failed
// attempt) and goes on from where it stopped: every mail once, no error
// recorded, and /admin/jobb's count of what is left goes down meanwhile.
func TestBatchDrainsAtTheMailRate(t *testing.T) {
	t.Parallel()
	f := setup(t, "Treserva")
	ctx := context.Background()
	staff, version := publishFor(t, f.db.OwnerPool(t), 12)
	var args []jobargs.Args
	for _, id := range staff {
		args = append(args, jobargs.AcknowledgeNotice{VersionID: version, PersonIDs: []int64{id}})
	}
	enqueue(t, f, args)
	smtpURL, _ := url.Parse(f.sink.URL())
	// Four mails a second, and two seconds per run of a job (half the
	// rescue time): each run sends what fits in one second.
	slow := notify.New(f.db.Pool(t), nil, config.Mail{SMTPURL: smtpURL, From: "it-portalen@lillaedet.se", PerMinute: 240})
	runWorkers(t, f, slow, jobs.Options{RescueAfter: 4 * time.Second})
	adminActor := &portal.Actor{PersonID: f.it, Roles: []portal.Role{portal.RoleAdmin}}
	var backlogs []int
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := postgres.JobStatusOf(ctx, f.db.Pool(t), adminActor)
		if err != nil {
			t.Fatal(err)
		}
		if st.Backlog == 0 {
			break
		}
		if len(backlogs) == 0 || backlogs[len(backlogs)-1] != st.Backlog {
			backlogs = append(backlogs, st.Backlog)
		}
		if time.Now().After(deadline) {
			t.Fatalf("backlog %v after a minute", backlogs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitCompleted(t, f, 10*time.Second)
	got := mailsPerRecipient(f)
	for i := range 12 {
		if addr := fmt.Sprintf("anstalld%d@example.lillaedet.se", i+1); got[addr] != 1 {
			t.Errorf("%s got %d mails, want 1", addr, got[addr])
		}
	}
	var snoozes, attempt, errs int
	if err := f.db.OwnerPool(t).QueryRow(ctx, `SELECT COALESCE((metadata->>'snoozes')::int, 0), attempt, COALESCE(cardinality(errors), 0) FROM river_job WHERE kind = 'notify_acknowledge'`).Scan(&snoozes, &attempt, &errs); err != nil {
		t.Fatal(err)
	}
	if snoozes == 0 || errs != 0 {
		t.Errorf("the batch was put back %d times with %d errors (attempt %d); want at least once and none", snoozes, errs, attempt)
	}
	if len(backlogs) < 3 || backlogs[0] > 12 || !slices.IsSortedFunc(backlogs, func(a, b int) int { return b - a }) {
		t.Errorf("backlog seen on /admin/jobb: %v, want it to go down from at most 12", backlogs)
	}
	t.Logf("backlog %v, put back %d times", backlogs, snoozes)
}
