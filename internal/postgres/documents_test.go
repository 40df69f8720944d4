package postgres_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"itportal/internal/jobs"
	"itportal/internal/markdown"
	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

type docFixture struct {
	db    testkit.DB
	svc   *postgres.DocumentService
	admin *portal.Actor
	staff []*portal.Actor
	soc   int64
	klf   int64
}

// newDocs makes n staff in two departments and an administrator.
func newDocs(t testing.TB, n int) *docFixture {
	t.Helper()
	f := &docFixture{db: testkit.NewDB(t)}
	ctx := context.Background()
	owner := f.db.OwnerPool(t)
	if err := owner.QueryRow(ctx, `INSERT INTO departments (name, short_name) VALUES ('Socialförvaltningen', 'SOC') RETURNING id`).Scan(&f.soc); err != nil {
		t.Fatal(err)
	}
	if err := owner.QueryRow(ctx, `INSERT INTO departments (name, short_name) VALUES ('Kommunledningsförvaltningen', 'KLF') RETURNING id`).Scan(&f.klf); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `
		INSERT INTO people (name, email, department_id)
		SELECT 'Anställd ' || g, 'a' || g || '@example.lillaedet.se', CASE WHEN g % 2 = 0 THEN $2::bigint ELSE $3::bigint END
		FROM generate_series(1, $1::int) g`, n, f.soc, f.klf); err != nil {
		t.Fatal(err)
	}
	rows, err := owner.Query(ctx, `SELECT id, name, department_id FROM people ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		a := &portal.Actor{}
		if err := rows.Scan(&a.PersonID, &a.Name, &a.DepartmentID); err != nil {
			t.Fatal(err)
		}
		f.staff = append(f.staff, a)
	}
	rows.Close()
	f.admin = &portal.Actor{PersonID: f.staff[0].PersonID, Name: "Admin", DepartmentID: f.staff[0].DepartmentID, Roles: []portal.Role{portal.RoleAdmin}}
	pool := f.db.Pool(t)
	client, err := jobs.NewClient(pool, slog.New(slog.DiscardHandler), false)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = postgres.NewDocumentService(pool, jobs.Enqueuer(client), 30*24*time.Hour, nil)
	return f
}

func (f *docFixture) document(t testing.TB, fields portal.DocumentFields, text string) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.svc.SaveDocument(ctx, f.admin, 0, fields, "req"); err != nil {
		t.Fatal(err)
	}
	f.version(t, fields.Slug, text, true)
}

func (f *docFixture) version(t testing.TB, slug, text string, reack bool) int {
	t.Helper()
	ctx := context.Background()
	if err := f.svc.SaveDraft(ctx, f.admin, slug, portal.VersionFields{Markdown: text, EffectiveDate: portal.Today(), RequiresReack: reack}, "req"); err != nil {
		t.Fatal(err)
	}
	n, _, err := f.svc.Publish(ctx, f.admin, slug, "req")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func rules() portal.DocumentFields {
	return portal.DocumentFields{Title: "Regler för IT-säkerhet", Slug: "regler", Kind: "regler", FixedBy: "kommunchefen",
		AudienceAll: true, MustAcknowledge: true, BlocksUse: true}
}

// TestAcknowledgementsAreExactAndAppendOnly: 50 concurrent POSTs of one
// person make one row; wrong version, draft, audience and hash are refused;
// the portal's role cannot change or delete acknowledgements or published
// versions; every receipt verifies against the stored text.
func TestAcknowledgementsAreExactAndAppendOnly(t *testing.T) {
	t.Parallel()
	f := newDocs(t, 10)
	ctx := context.Background()
	f.document(t, rules(), "# Regler\r\n\r\n1. Lås datorn.\r\n")
	v, err := f.svc.Get(ctx, f.staff[3], "regler")
	if err != nil || v.Current == nil || v.Current.SHA256 != markdown.Hash("# Regler\n\n1. Lås datorn.\n") {
		t.Fatalf("version 1: %+v %v", v.Current, err)
	}
	sha := v.Current.SHA256
	var wg sync.WaitGroup
	receipts := make([]postgres.Receipt, 50)
	for i := range receipts {
		wg.Go(func() {
			r, err := f.svc.Acknowledge(ctx, f.staff[3], "regler", 1, sha, fmt.Sprint("r", i))
			if err != nil {
				t.Error(err)
			}
			receipts[i] = r
		})
	}
	wg.Wait()
	for _, r := range receipts {
		if r.ID != receipts[0].ID || !r.Valid {
			t.Fatalf("receipts differ: %+v vs %+v", r, receipts[0])
		}
	}
	count := func(sql string, args ...any) int {
		var n int
		if err := f.db.OwnerPool(t).QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM acknowledgements`); n != 1 {
		t.Fatalf("%d rows from 50 concurrent acknowledgements", n)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'document.acknowledged'`); n != 1 {
		t.Fatalf("%d audit rows", n)
	}
	// Refusals.
	if _, err := f.svc.Acknowledge(ctx, f.staff[4], "regler", 1, "0000000000000000000000000000000000000000000000000000000000000000", "r"); portal.KindOf(err) != portal.KindConflict {
		t.Errorf("wrong hash: %v", err)
	}
	if err := f.svc.SaveDraft(ctx, f.admin, "regler", portal.VersionFields{Markdown: "# Utkast", EffectiveDate: portal.Today(), RequiresReack: true}, "r"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Acknowledge(ctx, f.staff[4], "regler", 2, markdown.Hash("# Utkast\n"), "r"); portal.KindOf(err) != portal.KindConflict {
		t.Errorf("acknowledging a draft: %v", err)
	}
	soc := portal.DocumentFields{Title: "Rutin för journaler", Slug: "journalrutin", Kind: "rutin", FixedBy: "it_chef",
		DepartmentIDs: []int64{f.soc}, MustAcknowledge: true}
	f.document(t, soc, "# Rutin")
	var klfPerson *portal.Actor
	for _, p := range f.staff {
		if p.DepartmentID == f.klf {
			klfPerson = p
		}
	}
	if _, err := f.svc.Acknowledge(ctx, klfPerson, "journalrutin", 1, markdown.Hash("# Rutin\n"), "r"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("outside the audience: %v", err)
	}
	if owed, _ := f.svc.Obligations(ctx, klfPerson); len(owed) != 1 || owed[0].Slug != "regler" {
		t.Errorf("a KLF person's obligations: %+v", owed)
	}
	// Append-only and immutable, whatever the application does.
	pool := f.db.Pool(t)
	for _, sql := range []string{
		`UPDATE acknowledgements SET acknowledged_at = now() - interval '1 year'`,
		`DELETE FROM acknowledgements`,
		`UPDATE document_versions SET markdown = 'Ändrad' WHERE number = 1`,
		`DELETE FROM document_versions`,
	} {
		if _, err := pool.Exec(ctx, sql); err == nil {
			t.Errorf("the portal's role could run %q", sql)
		}
	}
	// Evidence: every stored version's text still has its hash, and every
	// receipt matches its version.
	versions, checked, problems, err := f.svc.VerifyAll(ctx)
	if err != nil || len(problems) > 0 || versions != 3 || checked != 1 {
		t.Fatalf("verify: %d versions, %d receipts, %v %v", versions, checked, problems, err)
	}
}

// TestPublishNotifiesTheAudienceInOneBatch: publishing a version that must
// be acknowledged enqueues a notification for each active person in the
// audience, in the publishing transaction, packed in jobs of 50; an
// editorial version enqueues none.
func TestPublishNotifiesTheAudienceInOneBatch(t *testing.T) {
	t.Parallel()
	f := newDocs(t, 1000)
	ctx := context.Background()
	if _, err := f.db.OwnerPool(t).Exec(ctx, `UPDATE people SET active = false WHERE id = $1`, f.staff[5].PersonID); err != nil {
		t.Fatal(err)
	}
	f.document(t, rules(), "# Regler")
	told := func() (jobs, people, distinct int, left bool) {
		if err := f.db.OwnerPool(t).QueryRow(ctx, `
			SELECT count(DISTINCT j.id), count(*), count(DISTINCT p.id), COALESCE(bool_or(p.id = $1), false)
			FROM river_job j, jsonb_array_elements_text(j.args->'person_ids') AS p(id)
			WHERE j.kind = 'notify_acknowledge'`, strconv.FormatInt(f.staff[5].PersonID, 10)).Scan(&jobs, &people, &distinct, &left); err != nil {
			t.Fatal(err)
		}
		return
	}
	if jobs, people, distinct, left := told(); jobs != 20 || people != 999 || distinct != 999 || left {
		t.Fatalf("%d jobs telling %d people (%d distinct, the inactive one among them: %v); want 20 jobs for 999 active staff", jobs, people, distinct, left)
	}
	f.version(t, "regler", "# Regler\n\nRättat stavfel.", false)
	if jobs, people, _, _ := told(); jobs != 20 || people != 999 {
		t.Fatalf("an editorial version notified: %d jobs telling %d people", jobs, people)
	}
}

// BenchmarkPublishTo10000Staff: the request that publishes a version for
// 10,000 staff, including every notification job (docs/performance.md).
func BenchmarkPublishTo10000Staff(b *testing.B) {
	f := newDocs(b, 10000)
	ctx := context.Background()
	if _, err := f.svc.SaveDocument(ctx, f.admin, 0, rules(), "req"); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		if err := f.svc.SaveDraft(ctx, f.admin, "regler", portal.VersionFields{Markdown: fmt.Sprint("# Regler ", i), EffectiveDate: portal.Today(), RequiresReack: true}, "req"); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, n, err := f.svc.Publish(ctx, f.admin, "regler", "req"); err != nil || n != 10000 {
			b.Fatalf("publish: %d %v", n, err)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/publish")
	}
}

// TestRemindersAreNotFloods: people who owe an acknowledgement for longer
// than the interval get one reminder; running again within the interval
// sends none; whoever acknowledged gets none.
func TestRemindersAreNotFloods(t *testing.T) {
	t.Parallel()
	f := newDocs(t, 20)
	ctx := context.Background()
	f.document(t, rules(), "# Regler")
	v, _ := f.svc.Get(ctx, f.staff[1], "regler")
	if _, err := f.svc.Acknowledge(ctx, f.staff[1], "regler", 1, v.Current.SHA256, "r"); err != nil {
		t.Fatal(err)
	}
	// Not yet owed long enough.
	if n, err := f.svc.Remind(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("reminders before the interval: %d %v", n, err)
	}
	// Pretend the version was published eight days ago.
	if _, err := f.db.SuperuserPool(t).Exec(ctx, `ALTER TABLE document_versions DISABLE TRIGGER document_versions_frozen;
		UPDATE document_versions SET published_at = now() - interval '8 days', effective_date = current_date - 8;
		ALTER TABLE document_versions ENABLE TRIGGER document_versions_frozen`); err != nil {
		t.Fatal(err)
	}
	n, err := f.svc.Remind(ctx, 7*24*time.Hour)
	if err != nil || n != 19 {
		t.Fatalf("reminders: %d for 19 who owe (%v)", n, err)
	}
	if n, _ := f.svc.Remind(ctx, 7*24*time.Hour); n != 0 {
		t.Fatalf("a second run within the interval sent %d", n)
	}
}

// BenchmarkFollowUp10000Staff: the follow-up for IT-enheten with 10,000
// staff, ten documents and 100,000 acknowledgements.
func BenchmarkFollowUp10000Staff(b *testing.B) {
	f := newDocs(b, 10000)
	ctx := context.Background()
	for i := range 10 {
		fields := rules()
		fields.Slug, fields.Title = fmt.Sprintf("regler-%d", i), fmt.Sprintf("Regler %d", i)
		f.document(b, fields, fmt.Sprintf("# Regler %d", i))
	}
	if _, err := f.db.OwnerPool(b).Exec(ctx, `
		INSERT INTO acknowledgements (person_id, version_id, sha256)
		SELECT p.id, v.id, v.sha256 FROM people p CROSS JOIN document_versions v WHERE p.id % 10 <> 0`); err != nil {
		b.Fatal(err)
	}
	// The receipts were written directly: the checks see them as the
	// periodic recomputation would.
	if _, err := postgres.NewComplianceService(f.db.Pool(b), nil, "", nil).Recompute(ctx, false); err != nil {
		b.Fatal(err)
	}
	if _, err := f.db.OwnerPool(b).Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	it := &portal.Actor{PersonID: f.staff[0].PersonID, Roles: []portal.Role{portal.RoleITUnit}}
	for b.Loop() {
		out, err := f.svc.FollowUp(ctx, it)
		if err != nil || len(out.Departments) != 20 {
			b.Fatalf("follow-up: %d rows %v", len(out.Departments), err)
		}
	}
}

// BenchmarkAcknowledgeThroughput: distinct people acknowledging the new
// version at once (the morning after a publication), 32 at a time.
func BenchmarkAcknowledgeThroughput(b *testing.B) {
	f := newDocs(b, 10000)
	ctx := context.Background()
	f.document(b, rules(), "# Regler")
	v, err := f.svc.Get(ctx, f.admin, "regler")
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	start := time.Now()
	b.SetParallelism(16) // 32 goroutines on two cores
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) % int64(len(f.staff))
			if _, err := f.svc.Acknowledge(ctx, f.staff[i], "regler", 1, v.Current.SHA256, "bench"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "acks/s")
}

// TestManagerDigestWeekly: a manager with staff who have owed a document
// for longer than the interval gets one digest; a second run in the same
// week sends none; a manager whose staff are done gets none.
func TestManagerDigestWeekly(t *testing.T) {
	t.Parallel()
	f := newDocs(t, 6)
	ctx := context.Background()
	owner := f.db.OwnerPool(t)
	// staff[1] manages staff[2] and staff[3]; staff[4] manages staff[5].
	if _, err := owner.Exec(ctx, `UPDATE people SET manager_id = $1 WHERE id IN ($2, $3)`, f.staff[1].PersonID, f.staff[2].PersonID, f.staff[3].PersonID); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, `UPDATE people SET manager_id = $1 WHERE id = $2`, f.staff[4].PersonID, f.staff[5].PersonID); err != nil {
		t.Fatal(err)
	}
	f.document(t, rules(), "# Regler")
	v, _ := f.svc.Get(ctx, f.staff[5], "regler")
	if _, err := f.svc.Acknowledge(ctx, f.staff[5], "regler", 1, v.Current.SHA256, "r"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SuperuserPool(t).Exec(ctx, `ALTER TABLE document_versions DISABLE TRIGGER document_versions_frozen;
		UPDATE document_versions SET published_at = now() - interval '8 days', effective_date = current_date - 8;
		ALTER TABLE document_versions ENABLE TRIGGER document_versions_frozen`); err != nil {
		t.Fatal(err)
	}
	n, err := f.svc.DigestManagers(ctx, 7*24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("digests: %d (%v), want 1 (only the manager with outstanding staff)", n, err)
	}
	if n, _ := f.svc.DigestManagers(ctx, 7*24*time.Hour); n != 0 {
		t.Fatalf("a second digest in the same week: %d", n)
	}
	var to int64
	if err := owner.QueryRow(ctx, `SELECT (args->>'manager_id')::bigint FROM river_job WHERE kind = 'notify_manager_digest'`).Scan(&to); err != nil || to != f.staff[1].PersonID {
		t.Fatalf("digest to %d (%v), want %d", to, err, f.staff[1].PersonID)
	}
}
