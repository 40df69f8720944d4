package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"itportal/internal/jobs"
	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/testkit"
)

// boardClock is the compliance board's clock in tests.
type boardClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *boardClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

type complianceFixture struct {
	*registerFixture
	board *postgres.ComplianceService
	clock *boardClock
	owner *pgxpool.Pool
	super *pgxpool.Pool
	seq   int
	// The supplier and the contract covering the compliant systems (R15).
	supplier, running int64
}

func newCompliance(t *testing.T) *complianceFixture {
	t.Helper()
	f := &complianceFixture{registerFixture: newRegister(t), clock: &boardClock{now: time.Now()}}
	f.owner = f.db.OwnerPool(t)
	f.super = f.db.SuperuserPool(t)
	f.board = postgres.NewComplianceService(f.db.Pool(t), jobs.Enqueuer(f.clients), "https://www.lillaedet.se", f.clock.Now)
	// The audit log was verified a moment ago (R14 holds).
	f.exec(t, `INSERT INTO audit_verifications (ok, rows_checked, anchors_checked, duration_ms) VALUES (true, 10, 1, 5)`)
	f.exec(t, `UPDATE people SET department_id = $1 WHERE name = 'Anna Andersson'`, f.depts["SOC"])
	return f
}

func (f *complianceFixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.owner.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func (f *complianceFixture) id(t *testing.T, sql string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := f.owner.QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return id
}

// compliant registers a system that keeps every rule: introduced before
// the portal, owned by SOC, administered by Anna, run by IT-enheten.
func (f *complianceFixture) compliant(t *testing.T, name string) int64 {
	t.Helper()
	fs := facts(name)
	fs.IntroducedBeforePortal = true
	id := f.create(t, fs)
	ctx := context.Background()
	for _, c := range []postgres.RoleChange{
		{Role: portal.RoleOwner, DepartmentID: f.depts["SOC"], From: date("2024-01-01")},
		{Role: portal.RoleAdministrator, PersonID: f.people["Anna Andersson"], From: date("2024-01-01"), AppointedBy: "Socialchefen"},
		{Role: portal.RoleOperations, Operator: "IT-enheten", From: date("2024-01-01")},
	} {
		if err := f.svc.ChangeRole(ctx, f.it, id, c); err != nil {
			t.Fatal(err)
		}
	}
	f.covered(t, id)
	return id
}

// covered puts a system under a contract that applies (R15): one of SOC's,
// renewed every year.
func (f *complianceFixture) covered(t *testing.T, id int64) {
	t.Helper()
	if f.running == 0 {
		f.running = f.contract(t, "Ramavtal verksamhetssystem", "2024-01-01", 12, 12)
	}
	f.exec(t, `INSERT INTO contract_systems (contract_id, system_id) VALUES ($1, $2)`, f.running, id)
	f.processed(t, id)
}

// processed gives a system a processing record with the contract's
// supplier as processor and a signed agreement (R18), overseen this month
// every 12 months (R19); it returns the record.
func (f *complianceFixture) processed(t *testing.T, id int64) int64 {
	t.Helper()
	last := portal.DateOf(f.clock.Now())
	return f.id(t, `INSERT INTO processing_records (system_id, processor_id, signed, signed_on, data_categories, subject_categories, sensitive,
			purpose, legal_basis, oversight_method, oversight_months, oversight_last_on, oversight_next_on)
		VALUES ($1, $2, true, '2024-01-01', '{personnummer}', '{brukare}', false, 'Handläggning', 'allmant_intresse', 'enkat', 12, $3, $4)
		RETURNING id`, id, f.supplier, last, portal.NextOversight(last, time.Time{}, 12))
}

// contract registers a contract of SOC's with Anna Andersson responsible
// (the supplier is made the first time): start, term and tacit renewal in
// months (0: none).
func (f *complianceFixture) contract(t *testing.T, name, start string, months, renewal int) int64 {
	t.Helper()
	if f.supplier == 0 {
		f.supplier = f.id(t, `INSERT INTO suppliers (name, normalised_name, org_number) VALUES ('Visma AB', 'visma', '556016-0680') RETURNING id`)
	}
	return f.id(t, `INSERT INTO contracts (name, supplier_id, procurement, start_on, initial_months, renewal_months, department_id, responsible_id)
		VALUES ($1, $2, 'lou', $3, $4, $5, $6, $7) RETURNING id`, name, f.supplier, date(start), months, renewal, f.depts["SOC"], f.people["Anna Andersson"])
}

// counts returns the breaches per check on the board, once the periodic
// recomputation has seen what the tests change directly in the database
// (as data the portal would refuse may be).
func (f *complianceFixture) counts(t *testing.T, actor *portal.Actor) map[string]int {
	t.Helper()
	f.recompute(t)
	b, err := f.board.Board(context.Background(), actor, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range b.Rules {
		n := 0
		for _, c := range r.Checks {
			if c.Count > 0 {
				out[c.Key] = c.Count
			}
			n += c.Count
		}
		if n != r.Count {
			t.Errorf("%s counts %d, its checks %d", r.ID, r.Count, n)
		}
	}
	return out
}

// recompute runs the periodic recomputation of the whole board.
func (f *complianceFixture) recompute(t *testing.T) postgres.Recomputation {
	t.Helper()
	r, err := f.board.Recompute(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// onlyBreach asserts that the board has exactly want breaches of check and
// none of anything else.
func (f *complianceFixture) onlyBreach(t *testing.T, check string, want int) {
	t.Helper()
	got := f.counts(t, f.it)
	for k, n := range got {
		if k != check {
			t.Errorf("unexpected breaches of %s: %d", k, n)
		}
	}
	if got[check] != want {
		t.Errorf("%s: %d breaches, want %d", check, got[check], want)
	}
}

// drill returns the drill-down rows of one check.
func (f *complianceFixture) drill(t *testing.T, actor *portal.Actor, check string) []postgres.ComplianceBreach {
	t.Helper()
	slug := strings.ToLower(strings.SplitN(check, "_", 2)[0])
	page, err := f.board.Rule(context.Background(), actor, slug, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []postgres.ComplianceBreach
	for _, b := range page.Breaches {
		if b.Check == check {
			out = append(out, b)
		}
	}
	return out
}

// decided files a decided case directly (as data the portal would refuse
// may be); returns its id.
func (f *complianceFixture) decided(t *testing.T, kind, state string, system int64, details string, financing bool, motivation string, by int64) int64 {
	t.Helper()
	f.seq++
	var sys any
	if system != 0 {
		sys = system
	}
	return f.id(t, `
		INSERT INTO requests (kind, state, author_id, department_id, title, number_year, number_seq, submitted_at, decided_at, decided_by,
			decision_motivation, details, financing_source, financing_confirmed, system_id)
		VALUES ($1, $2, $3, $4, 'Ärende', 2026, $5, now() - interval '2 days', now() - interval '1 day', $6, $7, $8::jsonb, 'Budget', $9, $10)
		RETURNING id`, kind, state, f.people["Leila Haddad"], f.depts["SOC"], f.seq, by, motivation, details, financing, sys)
}

const goodDetails = `{"goal_alignment": "Stödjer målen", "platform_compatibility": "Kör i vår miljö", "years": 4, "one_off_cost": 1000}`

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// document publishes a document that SOC must acknowledge, version 1.
func (f *complianceFixture) document(t *testing.T) (doc, v1 int64) {
	t.Helper()
	doc = f.id(t, `INSERT INTO documents (slug, title, kind, fixed_by, audience_all, must_acknowledge, blocks_use)
		VALUES ('regler-for-it-sakerhet', 'Regler för IT-säkerhet', 'regler', 'kommunchefen', false, true, true) RETURNING id`)
	f.exec(t, `INSERT INTO document_departments (document_id, department_id) VALUES ($1, $2)`, doc, f.depts["SOC"])
	v1 = f.version(t, doc, 1, "# Regler\n\nVersion ett.\n")
	return doc, v1
}

func (f *complianceFixture) version(t *testing.T, doc int64, n int, text string) int64 {
	t.Helper()
	return f.id(t, `INSERT INTO document_versions (document_id, number, markdown, html, sha256, effective_date, published_at, published_by, created_by)
		VALUES ($1, $2, $3, '<p>x</p>', $4, CURRENT_DATE - 1, now() - interval '1 day', $5, $5) RETURNING id`,
		doc, n, text, sum(text), f.people["IT Person"])
}

func (f *complianceFixture) ack(t *testing.T, person string, version int64, hash string) int64 {
	t.Helper()
	return f.id(t, `INSERT INTO acknowledgements (person_id, version_id, sha256) VALUES ($1, $2, $3) RETURNING id`, f.people[person], version, hash)
}

// TestComplianceEveryRule: for every check, data that breaks it shows up
// with the right count and drill-down row, and fixing the data clears it.
// A board that answered a constant OK fails every case.
func TestComplianceEveryRule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		check  string
		want   int
		system string // the drill-down row's system, when the breach has one
		dept   string // and its department ("" for none)
		detail string // a piece of what it is about (detail, reference or person)
		breach func(t *testing.T, f *complianceFixture) func(t *testing.T)
	}{
		{check: "r1_missing", want: 1, system: "Utan drift", dept: "Socialförvaltningen", detail: "operations",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				fs := facts("Utan drift")
				fs.IntroducedBeforePortal = true
				id := f.create(t, fs)
				f.covered(t, id)
				if err := f.svc.ChangeRole(ctx, f.it, id, postgres.RoleChange{Role: portal.RoleOwner, DepartmentID: f.depts["SOC"], From: date("2024-01-01")}); err != nil {
					t.Fatal(err)
				}
				if err := f.admin(t, id, "Anna Andersson", "2024-01-01"); err != nil {
					t.Fatal(err)
				}
				return func(t *testing.T) {
					if err := f.svc.ChangeRole(ctx, f.it, id, postgres.RoleChange{Role: portal.RoleOperations, Operator: "CGI", From: date("2024-01-01")}); err != nil {
						t.Fatal(err)
					}
				}
			}},
		{check: "r1_inactive", want: 1, system: "Baslinje", dept: "Socialförvaltningen", detail: "Anna Andersson",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				f.exec(t, `UPDATE people SET active = false WHERE name = 'Anna Andersson'`)
				return func(t *testing.T) {
					id := f.id(t, `SELECT id FROM systems WHERE name = 'Baslinje'`)
					if err := f.admin(t, id, "Cecilia Ceder", portal.Today().Format("2006-01-02")); err != nil {
						t.Fatal(err)
					}
				}
			}},
		{check: "r2_overlap", want: 1, system: "Baslinje", dept: "Socialförvaltningen", detail: "operations",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				f.exec(t, `ALTER TABLE role_assignments DROP CONSTRAINT one_holder_per_day`)
				id := f.id(t, `INSERT INTO role_assignments (system_id, role, operator, valid, created_by)
					SELECT id, 'operations', 'Leverantör AB', '[2024-06-01,2024-07-01)', $1 FROM systems WHERE name = 'Baslinje' RETURNING id`, f.people["IT Person"])
				f.exec(t, `INSERT INTO role_change_notices (assignment_id, outcome) VALUES ($1, 'delivered')`, id)
				return func(t *testing.T) {
					// A hand-over after all: the first period ends where the second begins.
					f.exec(t, `UPDATE role_assignments SET valid = '[2024-01-01,2024-06-01)' WHERE role = 'operations' AND id <> $1`, id)
					f.exec(t, `UPDATE role_assignments SET valid = '[2024-06-01,)' WHERE id = $1`, id)
				}
			}},
		{check: "r2_gap", want: 1, system: "Med lucka", dept: "Socialförvaltningen", detail: "administrator",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				fs := facts("Med lucka")
				fs.IntroducedBeforePortal = true
				id := f.create(t, fs)
				f.covered(t, id)
				until := date("2025-03-31")
				for _, c := range []postgres.RoleChange{
					{Role: portal.RoleOwner, DepartmentID: f.depts["SOC"], From: date("2025-01-01")},
					{Role: portal.RoleOperations, Operator: "IT-enheten", From: date("2025-01-01")},
					{Role: portal.RoleAdministrator, PersonID: f.people["Anna Andersson"], From: date("2025-01-01"), Until: &until},
					{Role: portal.RoleAdministrator, PersonID: f.people["Bertil Berg"], From: date("2025-05-01")},
				} {
					if err := f.svc.ChangeRole(ctx, f.it, id, c); err != nil {
						t.Fatal(err)
					}
				}
				return func(t *testing.T) {
					// Someone did hold the role: a back-dated correction.
					if err := f.admin(t, id, "Cecilia Ceder", "2025-04-01"); err != nil {
						t.Fatal(err)
					}
				}
			}},
		{check: "r2_author", want: 1, system: "Baslinje", dept: "Socialförvaltningen", detail: "operations",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				f.exec(t, `UPDATE role_assignments SET valid = daterange(lower(valid), '2025-06-01') WHERE role = 'operations'`)
				id := f.id(t, `INSERT INTO role_assignments (system_id, role, operator, valid)
					SELECT id, 'operations', 'Leverantör AB', '[2025-06-01,)' FROM systems WHERE name = 'Baslinje' RETURNING id`)
				f.exec(t, `INSERT INTO role_change_notices (assignment_id, outcome) VALUES ($1, 'delivered')`, id)
				return func(t *testing.T) {
					f.exec(t, `UPDATE role_assignments SET created_by = $1 WHERE id = $2`, f.people["IT Person"], id)
				}
			}},
		{check: "r3_missing", want: 1, system: "Baslinje", dept: "Socialförvaltningen", detail: "administrator",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				id := f.id(t, `SELECT id FROM systems WHERE name = 'Baslinje'`)
				if err := f.admin(t, id, "Bertil Berg", "2025-01-01"); err != nil {
					t.Fatal(err)
				}
				// An hour later, and the job is gone without a trace.
				f.exec(t, `UPDATE role_assignments SET created_at = now() - interval '2 hours' WHERE person_id = $1`, f.people["Bertil Berg"])
				f.exec(t, `DELETE FROM river_job`)
				return func(t *testing.T) {
					assignment := f.id(t, `SELECT id FROM role_assignments WHERE person_id = $1`, f.people["Bertil Berg"])
					if err := postgres.NewRoleNotices(f.db.Pool(t), "https://www.lillaedet.se").Record(ctx, 42, []int64{assignment}, nil); err != nil {
						t.Fatal(err)
					}
				}
			}},
		{check: "r3_waiting", want: 1, system: "Baslinje", dept: "Socialförvaltningen", detail: "administrator",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				id := f.id(t, `SELECT id FROM systems WHERE name = 'Baslinje'`)
				if err := f.admin(t, id, "Bertil Berg", "2025-01-01"); err != nil {
					t.Fatal(err)
				}
				f.exec(t, `UPDATE role_assignments SET created_at = now() - interval '2 hours' WHERE person_id = $1`, f.people["Bertil Berg"])
				return func(t *testing.T) {
					// The worker delivers it: its record clears the breach.
					var job *rivertype.JobRow
					var args jobargs.RoleChangeNotice
					rows, err := f.owner.Query(ctx, `SELECT id, args FROM river_job WHERE kind = 'notify_role_change' ORDER BY id DESC LIMIT 1`)
					if err != nil {
						t.Fatal(err)
					}
					for rows.Next() {
						job = &rivertype.JobRow{}
						if err := rows.Scan(&job.ID, &args); err != nil {
							t.Fatal(err)
						}
					}
					if job == nil || len(args.Assignments) != 1 {
						t.Fatalf("the role change's job does not name its role period: %+v", args)
					}
					w := &jobs.RoleChangeNoticeWorker{Log: slog.New(slog.DiscardHandler), Notices: postgres.NewRoleNotices(f.db.Pool(t), "https://www.lillaedet.se")}
					if err := w.Work(ctx, &river.Job[jobargs.RoleChangeNotice]{JobRow: job, Args: args}); err != nil {
						t.Fatal(err)
					}
				}
			}},
		{check: "r3_failed", want: 1, system: "Baslinje", dept: "Socialförvaltningen", detail: "administrator",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				id := f.id(t, `SELECT id FROM systems WHERE name = 'Baslinje'`)
				if err := f.admin(t, id, "Bertil Berg", "2025-01-01"); err != nil {
					t.Fatal(err)
				}
				assignment := f.id(t, `SELECT id FROM role_assignments WHERE person_id = $1`, f.people["Bertil Berg"])
				notices := postgres.NewRoleNotices(f.db.Pool(t), "https://www.lillaedet.se")
				refused := errors.New("550 mailbox unavailable")
				if err := notices.Record(ctx, 7, []int64{assignment}, refused); !errors.Is(err, refused) {
					t.Fatalf("Record returned %v, want the job's own error", err)
				}
				return func(t *testing.T) {
					if err := notices.Record(ctx, 7, []int64{assignment}, nil); err != nil {
						t.Fatal(err)
					}
					// A later failure of a duplicate job does not undo a delivery.
					if err := notices.Record(ctx, 8, []int64{assignment}, refused); !errors.Is(err, refused) {
						t.Fatal(err)
					}
				}
			}},
		{check: "r4_criteria", want: 1, dept: "Socialförvaltningen", detail: "goal,motivation",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				c := f.decided(t, "inforande", "beviljat", 0, goodDetails, true, "Motiverat", f.people["IT Person"])
				f.exec(t, `ALTER TABLE requests DISABLE TRIGGER requests_frozen`)
				f.exec(t, `UPDATE requests SET details = details - 'goal_alignment', decision_motivation = ' ' WHERE id = $1`, c)
				return func(t *testing.T) {
					f.exec(t, `UPDATE requests SET details = $2::jsonb, decision_motivation = 'Motiverat' WHERE id = $1`, c, goodDetails)
				}
			}},
		{check: "r4_no_case", want: 1, system: "Nytt i drift", dept: "Socialförvaltningen", detail: "",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				id := f.compliant(t, "Nytt i drift")
				sys, err := f.svc.Get(ctx, f.it, id)
				if err != nil {
					t.Fatal(err)
				}
				fs := sys.Facts
				fs.IntroducedBeforePortal = false
				if _, err := f.svc.UpdateFacts(ctx, f.it, id, sys.RowVersion, fs, "req"); err != nil {
					t.Fatal(err)
				}
				return func(t *testing.T) {
					f.decided(t, "inforande", "beviljat", id, goodDetails, true, "Motiverat", f.people["IT Person"])
				}
			}},
		{check: "r5_financing", want: 1, dept: "Socialförvaltningen", detail: "uppgradering",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				c := f.decided(t, "uppgradering", "beviljat", 0, goodDetails, false, "Motiverat", f.people["IT Person"])
				// An operations change needs no financing.
				f.decided(t, "driftforandring", "kvitterad", 0, `{}`, false, "", f.people["IT Person"])
				return func(t *testing.T) {
					f.exec(t, `ALTER TABLE requests DISABLE TRIGGER requests_frozen`)
					f.exec(t, `UPDATE requests SET financing_confirmed = true WHERE id = $1`, c)
				}
			}},
		{check: "r6_open_source", want: 1, system: "Nextcloud", dept: "Socialförvaltningen", detail: "not_head",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				id := f.compliant(t, "Nextcloud")
				f.exec(t, `UPDATE systems SET open_source = true WHERE id = $1`, id)
				// Granted, but by someone who is not the IT head.
				f.decided(t, "oppen_kallkod", "beviljat", id, `{}`, true, "Prövat", f.people["Bertil Berg"])
				return func(t *testing.T) {
					f.exec(t, `INSERT INTO person_roles (person_id, role) VALUES ($1, 'it_head')`, f.people["Bertil Berg"])
				}
			}},
		{check: "r7_self_developed", want: 1, system: "Eget register", dept: "Socialförvaltningen", detail: "",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				id := f.compliant(t, "Eget register")
				f.exec(t, `UPDATE systems SET self_developed = true WHERE id = $1`, id)
				// A rejected case is no decision to use it.
				f.exec(t, `INSERT INTO person_roles (person_id, role) VALUES ($1, 'it_head')`, f.people["Cecilia Ceder"])
				f.decided(t, "egenutvecklad", "avslaget", id, `{}`, true, "Nej", f.people["Cecilia Ceder"])
				return func(t *testing.T) {
					f.decided(t, "egenutvecklad", "beviljat", id, `{}`, true, "Ja", f.people["Cecilia Ceder"])
				}
			}},
		{check: "r8_decisions", want: 1, dept: "Socialförvaltningen", detail: "2",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				c := f.decided(t, "inforande", "beviljat", 0, goodDetails, true, "Motiverat", f.people["IT Person"])
				f.exec(t, `DROP INDEX request_events_one_decision`)
				f.exec(t, `INSERT INTO request_events (request_id, actor_id, event, from_state, to_state) VALUES ($1, $2, 'transition', 'inskickat', 'beviljat'), ($1, $2, 'transition', 'inskickat', 'avslaget')`,
					c, f.people["IT Person"])
				return func(t *testing.T) {
					f.exec(t, `DELETE FROM request_events WHERE request_id = $1 AND to_state = 'avslaget'`, c)
				}
			}},
		{check: "r9_never", want: 1, dept: "Socialförvaltningen", detail: "Regler för IT-säkerhet 1",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				_, v1 := f.document(t)
				return func(t *testing.T) {
					f.ack(t, "Anna Andersson", v1, sum("# Regler\n\nVersion ett.\n"))
				}
			}},
		{check: "r10_again", want: 1, dept: "Socialförvaltningen", detail: "Regler för IT-säkerhet 2",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				doc, v1 := f.document(t)
				f.ack(t, "Anna Andersson", v1, sum("# Regler\n\nVersion ett.\n"))
				v2 := f.version(t, doc, 2, "# Regler\n\nVersion två.\n")
				return func(t *testing.T) {
					f.ack(t, "Anna Andersson", v2, sum("# Regler\n\nVersion två.\n"))
				}
			}},
		{check: "r11_hash", want: 1, dept: "Socialförvaltningen", detail: "Regler för IT-säkerhet 1",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				_, v1 := f.document(t)
				a := f.ack(t, "Anna Andersson", v1, sum("# Regler\n\nVersion ett.\n"))
				f.exec(t, `UPDATE acknowledgements SET sha256 = $2 WHERE id = $1`, a, sum("något annat"))
				return func(t *testing.T) {
					f.exec(t, `UPDATE acknowledgements SET sha256 = $2 WHERE id = $1`, a, sum("# Regler\n\nVersion ett.\n"))
				}
			}},
		{check: "r12_overdue", want: 1, system: "Baslinje", dept: "Socialförvaltningen", detail: "",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				f.exec(t, `UPDATE systems SET created_at = now() - interval '13 months' WHERE name = 'Baslinje'`)
				return func(t *testing.T) {
					f.exec(t, `INSERT INTO evaluations (system_id, evaluated_on, legacy) SELECT id, CURRENT_DATE, true FROM systems WHERE name = 'Baslinje'`)
				}
			}},
		{check: "r13_address", want: 1, system: "Webbplatsen", dept: "Socialförvaltningen", detail: "http://www.lillaedet.se.evil.example/",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				id := f.compliant(t, "Webbplatsen")
				sys, err := f.svc.Get(ctx, f.it, id)
				if err != nil {
					t.Fatal(err)
				}
				fs := sys.Facts
				fs.RepresentsMunicipality, fs.WebAddress = true, "http://www.lillaedet.se.evil.example/"
				if _, err := f.svc.UpdateFacts(ctx, f.it, id, sys.RowVersion, fs, "req"); err != nil {
					t.Fatal(err)
				}
				return func(t *testing.T) {
					sys, _ := f.svc.Get(ctx, f.it, id)
					fs.WebAddress = "https://www.lillaedet.se/evenemang"
					if _, err := f.svc.UpdateFacts(ctx, f.it, id, sys.RowVersion, fs, "req"); err != nil {
						t.Fatal(err)
					}
				}
			}},
		{check: "r14_failed", want: 1, detail: "hash mismatch",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				f.exec(t, `INSERT INTO audit_verifications (ok, rows_checked, anchors_checked, first_broken_seq, problem, duration_ms) VALUES (false, 20, 1, 17, 'hash mismatch', 5)`)
				return func(t *testing.T) {
					f.exec(t, `INSERT INTO audit_verifications (ok, rows_checked, anchors_checked, duration_ms) VALUES (true, 20, 1, 5)`)
				}
			}},
		{check: "r14_stale", want: 1, detail: "",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				f.exec(t, `UPDATE audit_verifications SET at = now() - interval '49 hours'`)
				return func(t *testing.T) {
					f.exec(t, `INSERT INTO audit_verifications (ok, rows_checked, anchors_checked, duration_ms) VALUES (true, 20, 1, 5)`)
				}
			}},
		{check: "r15_no_contract", want: 1, system: "Utan avtal", dept: "Socialförvaltningen", detail: "ended",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				id := f.compliant(t, "Utan avtal")
				// Its own contract was terminated and has ended; a self-developed system needs none.
				old := f.contract(t, "Gammalt avtal", "2020-01-01", 24, 0)
				f.exec(t, `UPDATE contracts SET terminated_by = 'kommunen', terminated_on = '2021-06-01', ends_on = '2021-12-31' WHERE id = $1`, old)
				f.exec(t, `UPDATE contract_systems SET contract_id = $1 WHERE system_id = $2`, old, id)
				eget := f.compliant(t, "Eget verktyg")
				f.exec(t, `DELETE FROM contract_systems WHERE system_id = $1`, eget)
				f.exec(t, `UPDATE systems SET self_developed = true WHERE id = $1`, eget)
				f.exec(t, `INSERT INTO person_roles (person_id, role) VALUES ($1, 'it_head')`, f.people["Cecilia Ceder"])
				f.decided(t, "egenutvecklad", "beviljat", eget, `{}`, true, "Ja", f.people["Cecilia Ceder"])
				return func(t *testing.T) {
					f.exec(t, `INSERT INTO contract_systems (contract_id, system_id) VALUES ($1, $2)`, f.running, id)
				}
			}},
		{check: "r16_ended", want: 1, dept: "Socialförvaltningen", detail: "Skolskjuts Visma AB Anna Andersson",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				// Ended 2023-12-31 without a termination or an option used; one that renews tacitly has renewed.
				c := f.contract(t, "Skolskjuts", "2023-01-01", 12, 0)
				f.contract(t, "Städtjänster", "2023-01-01", 12, 12)
				return func(t *testing.T) {
					f.exec(t, `UPDATE contracts SET terminated_by = 'kommunen', terminated_on = '2023-09-01', ends_on = '2023-12-31' WHERE id = $1`, c)
				}
			}},
		{check: "r22_platform", want: 1, system: "Gammal plattform", dept: "Socialförvaltningen", detail: "Windows Server 2012 R2",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				// On a component whose phase-out ended; a planned system on it, and one on a standard, are no breach.
				id := f.compliant(t, "Gammal plattform")
				old := f.id(t, `INSERT INTO platform_components (category, name, version, status, ends_on, decided_on, decision_reference, financing_reference)
					VALUES ('operativsystem', 'Windows Server', '2012 R2', 'avveckling', '2025-10-14', '2024-01-10', 'IT-chefens beslut', 'KS 2024/1') RETURNING id`)
				std := f.id(t, `INSERT INTO platform_components (category, name, version, status, decided_on, decision_reference, financing_reference)
					VALUES ('operativsystem', 'Windows Server', '2022', 'standard', '2024-01-10', 'IT-chefens beslut', 'KS 2024/1') RETURNING id`)
				planned := facts("Planerat system")
				planned.Lifecycle = "planerad"
				later := f.create(t, planned)
				f.exec(t, `INSERT INTO system_platform_components (system_id, component_id) VALUES ($1, $2), ($3, $2), ($4, $5)`,
					id, old, later, f.id(t, `SELECT id FROM systems WHERE name = 'Baslinje'`), std)
				return func(t *testing.T) {
					f.exec(t, `UPDATE system_platform_components SET component_id = $1 WHERE system_id = $2`, std, id)
				}
			}},
		{check: "r23_expired", want: 1, dept: "Socialförvaltningen", detail: "Lilla Edets Bostäder AB",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				// Ended 2025-12-31; one still valid and one without a last day are not breaches.
				gone := f.decided(t, "natanslutning", "beviljat", 0, `{"organisation": "Lilla Edets Bostäder AB", "valid_until": "2025-12-31T00:00:00Z"}`, true, "Ja", f.people["Cecilia Ceder"])
				f.decided(t, "natanslutning", "beviljat", 0, `{"organisation": "Räddningstjänsten", "valid_until": "2099-12-31T00:00:00Z"}`, true, "Ja", f.people["Cecilia Ceder"])
				f.decided(t, "natanslutning", "beviljat", 0, `{"organisation": "Västra Götalandsregionen"}`, true, "Ja", f.people["Cecilia Ceder"])
				f.decided(t, "natanslutning", "avslaget", 0, `{"organisation": "Avslaget AB", "valid_until": "2025-01-31T00:00:00Z"}`, true, "Nej", f.people["Cecilia Ceder"])
				return func(t *testing.T) {
					f.exec(t, `INSERT INTO network_access_closures (request_id, closed_on, closed_by) VALUES ($1, '2025-12-31', $2)`, gone, f.people["IT Person"])
				}
			}},
		{check: "r24_unwatched", want: 1, dept: "Socialförvaltningen", detail: "socialtjanst@lillaedet.se",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				// Nobody watches it, its deputy does not count; one watched and one closed are not breaches.
				m := f.id(t, `INSERT INTO mailboxes (address, kind, department_id, purpose) VALUES ('socialtjanst@lillaedet.se', 'funktionsbrevlada', $1, 'Ansökningar') RETURNING id`, f.depts["SOC"])
				f.exec(t, `INSERT INTO mailbox_watchers (mailbox_id, person_id, role, valid) VALUES ($1, $2, 'ersattare', daterange('2024-01-01', NULL))`, m, f.people["Bertil Berg"])
				f.exec(t, `INSERT INTO mailbox_watchers (mailbox_id, person_id, role, valid) VALUES ($1, $2, 'bevakare', daterange('2024-01-01', '2025-01-01'))`, m, f.people["Anna Andersson"])
				ok := f.id(t, `INSERT INTO mailboxes (address, kind, department_id, purpose) VALUES ('kommun@lillaedet.se', 'funktionsbrevlada', $1, 'Kommunens adress') RETURNING id`, f.depts["KLF"])
				f.exec(t, `INSERT INTO mailbox_watchers (mailbox_id, person_id, role, valid) VALUES ($1, $2, 'bevakare', daterange('2024-01-01', NULL))`, ok, f.people["Anna Andersson"])
				f.exec(t, `INSERT INTO mailboxes (address, kind, department_id, purpose, closed_on) VALUES ('gammal@lillaedet.se', 'delad', $1, 'Nedlagd', '2024-06-01')`, f.depts["SOC"])
				return func(t *testing.T) {
					f.exec(t, `INSERT INTO mailbox_watchers (mailbox_id, person_id, role, valid) VALUES ($1, $2, 'bevakare', daterange(CURRENT_DATE, NULL))`, m, f.people["Cecilia Ceder"])
				}
			}},
		{check: "r20_missing", want: 1, dept: "Socialförvaltningen", detail: "Anna Andersson",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				// A mandatory course for Baslinje's systemförvaltare (Anna), and a voluntary one for everyone.
				c := f.id(t, `INSERT INTO courses (title, audience, system_id, mandatory, leader_id) VALUES ('Förvaltarkurs', 'systemforvaltare', (SELECT id FROM systems WHERE name = 'Baslinje'), true, $1) RETURNING id`, f.people["IT Person"])
				f.exec(t, `INSERT INTO courses (title, audience, mandatory, leader_id) VALUES ('Frivillig kurs', 'alla', false, $1)`, f.people["IT Person"])
				return func(t *testing.T) {
					f.exec(t, `INSERT INTO course_attendance (course_id, person_id, attended_on, source) VALUES ($1, $2, CURRENT_DATE - 1, 'import')`, c, f.people["Anna Andersson"])
				}
			}},
		{check: "r20_overdue", want: 1, dept: "Socialförvaltningen", detail: "Förvaltarkurs",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				// Taken two years ago; to be repeated every year.
				c := f.id(t, `INSERT INTO courses (title, audience, system_id, mandatory, repeat_months, leader_id) VALUES ('Förvaltarkurs', 'systemforvaltare', (SELECT id FROM systems WHERE name = 'Baslinje'), true, 12, $1) RETURNING id`, f.people["IT Person"])
				f.exec(t, `INSERT INTO course_attendance (course_id, person_id, attended_on, source) VALUES ($1, $2, CURRENT_DATE - 730, 'import')`, c, f.people["Anna Andersson"])
				return func(t *testing.T) {
					f.exec(t, `INSERT INTO course_attendance (course_id, person_id, attended_on, source) VALUES ($1, $2, CURRENT_DATE - 1, 'import')`, c, f.people["Anna Andersson"])
				}
			}},
		{check: "r21_no_session", want: 1, system: "Baslinje", dept: "Socialförvaltningen", detail: "Förvaltarkurs",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				// Registered two years ago, last given 13 months ago; Anna took it then (no R20).
				c := f.id(t, `INSERT INTO courses (title, audience, system_id, mandatory, leader_id, created_at) VALUES ('Förvaltarkurs', 'systemforvaltare', (SELECT id FROM systems WHERE name = 'Baslinje'), true, $1, now() - interval '2 years') RETURNING id`, f.people["IT Person"])
				f.exec(t, `INSERT INTO course_sessions (course_id, starts_at, minutes, place, capacity) VALUES ($1, now() - interval '13 months', 60, 'Sal A', 10)`, c)
				f.exec(t, `INSERT INTO course_attendance (course_id, person_id, attended_on, source) VALUES ($1, $2, CURRENT_DATE - 400, 'import')`, c, f.people["Anna Andersson"])
				return func(t *testing.T) {
					f.exec(t, `INSERT INTO course_sessions (course_id, starts_at, minutes, place, capacity) VALUES ($1, now() - interval '1 month', 60, 'Sal A', 10)`, c)
				}
			}},
		{check: "r18_no_agreement", want: 1, system: "Utan PUB", dept: "Socialförvaltningen", detail: "unsigned",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				// Its agreement is not signed; one run by IT-enheten with no record needs none.
				id := f.compliant(t, "Utan PUB")
				f.exec(t, `UPDATE processing_records SET signed = false, signed_on = NULL WHERE system_id = $1`, id)
				intern := f.compliant(t, "Egen drift")
				f.exec(t, `DELETE FROM processing_records WHERE system_id = $1`, intern)
				f.exec(t, `UPDATE systems SET hosting = 'intern' WHERE id = $1`, intern)
				return func(t *testing.T) {
					f.exec(t, `UPDATE processing_records SET signed = true, signed_on = '2025-01-01' WHERE system_id = $1`, id)
				}
			}},
		{check: "r19_overdue", want: 1, system: "Utan tillsyn", dept: "Socialförvaltningen", detail: "2024-05-01",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				// Overseen last 2024-05-01, due 2025-05-01; a decommissioned system's is not due.
				id := f.compliant(t, "Utan tillsyn")
				f.exec(t, `UPDATE processing_records SET oversight_last_on = '2024-05-01', oversight_next_on = '2025-05-01' WHERE system_id = $1`, id)
				gone := f.compliant(t, "Avvecklat")
				f.exec(t, `UPDATE processing_records SET oversight_last_on = '2024-05-01', oversight_next_on = '2025-05-01' WHERE system_id = $1`, gone)
				f.exec(t, `UPDATE systems SET lifecycle = 'avvecklad' WHERE id = $1`, gone)
				return func(t *testing.T) {
					f.exec(t, `UPDATE processing_records SET oversight_last_on = now()::date, oversight_next_on = now()::date + 365 WHERE system_id = $1`, id)
				}
			}},
		{check: "r17_overused", want: 1, system: "Med licenser", dept: "Socialförvaltningen", detail: "per_anvandare 120/100",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				// 120 in use of 100 bought; a site licence and a licence within its count are not breaches.
				id := f.compliant(t, "Med licenser")
				lic := f.id(t, `INSERT INTO licences (system_id, model, bought, in_use, counted_on) VALUES ($1, 'per_anvandare', 100, 120, '2025-01-15') RETURNING id`, id)
				f.exec(t, `INSERT INTO licences (system_id, model, bought, in_use, counted_on) VALUES ($1, 'plats', 0, 900, '2025-01-15')`, id)
				f.exec(t, `INSERT INTO licences (system_id, model, bought, in_use, counted_on) VALUES ($1, 'per_enhet', 40, 40, '2025-01-15')`, id)
				return func(t *testing.T) {
					f.exec(t, `UPDATE licences SET bought = 150 WHERE id = $1`, lic)
				}
			}},
		{check: "r14_none", want: 1, detail: "",
			breach: func(t *testing.T, f *complianceFixture) func(*testing.T) {
				f.exec(t, `DELETE FROM audit_verifications`)
				return func(t *testing.T) {
					f.exec(t, `INSERT INTO audit_verifications (ok, rows_checked, anchors_checked, duration_ms) VALUES (true, 20, 1, 5)`)
				}
			}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.check] = true
	}
	for _, r := range portal.Rules {
		for _, c := range r.Checks {
			if !seen[c.Key] {
				t.Errorf("check %s (%s) has no test case", c.Key, r.ID)
			}
		}
	}
	for _, c := range cases {
		t.Run(c.check, func(t *testing.T) {
			t.Parallel()
			f := newCompliance(t)
			f.compliant(t, "Baslinje")
			f.onlyBreach(t, "", 0) // a compliant municipality
			fix := c.breach(t, f)
			f.onlyBreach(t, c.check, c.want)
			rows := f.drill(t, f.it, c.check)
			if len(rows) != 1 {
				t.Fatalf("drill-down: %d rows, want 1", len(rows))
			}
			b := rows[0]
			// What the row says in Swedish is the server's (its test has the
			// same table of texts); here, what it is about.
			if b.SystemName != c.system || b.DepartmentName != c.dept || !strings.Contains(b.Detail+" "+b.RefText+" "+b.PersonName, c.detail) {
				t.Errorf("drill-down row: system %q department %q detail %q %q %q; want %q, %q, %q",
					b.SystemName, b.DepartmentName, b.Detail, b.RefText, b.PersonName, c.system, c.dept, c.detail)
			}
			if b.Since.IsZero() && c.check != "r14_none" {
				t.Errorf("no since: %+v", b)
			}
			fix(t)
			f.onlyBreach(t, "", 0)
		})
	}
}

// TestComplianceSystemPageUsesTheBoard: a system's page shows exactly the
// board's per-system breaches of that system and no other's.
func TestComplianceSystemPageUsesTheBoard(t *testing.T) {
	t.Parallel()
	f := newCompliance(t)
	ctx := context.Background()
	good := f.compliant(t, "Baslinje")
	bad := f.create(t, facts("Ensamt")) // no roles, in operation without a case
	f.exec(t, `UPDATE systems SET created_at = now() - interval '13 months', represents_municipality = true, web_address = 'https://lillaedet.se' WHERE id = $1`, bad)
	f.recompute(t)
	list, err := f.svc.Breaches(ctx, f.it, bad)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, b := range list {
		got[b.Rule]++
		if b.Rule == "" || b.SystemName != "Ensamt" {
			t.Errorf("incomplete breach %+v", b)
		}
	}
	if got["R1"] != 3 || got["R4"] != 1 || got["R12"] != 1 || got["R13"] != 1 || got["R15"] != 1 || got["R18"] != 1 || len(list) != 8 {
		t.Errorf("system breaches %v (%d)", got, len(list))
	}
	direct, err := f.board.ForSystem(ctx, f.it, bad)
	if err != nil || len(direct) != len(list) {
		t.Errorf("ForSystem: %d, %v", len(direct), err)
	}
	if list, _ := f.svc.Breaches(ctx, f.it, good); len(list) != 0 {
		t.Errorf("the compliant system shows %v", list)
	}
	if _, err := f.svc.Breaches(ctx, f.it, 999999); portal.KindOf(err) != portal.KindNotFound {
		t.Errorf("unknown system: %v", err)
	}
}

// TestComplianceVisibility: IT-enheten's side sees every department; an
// employee sees their own department's breaches only, never the municipal
// ones; someone without a department sees nothing.
func TestComplianceVisibility(t *testing.T) {
	t.Parallel()
	f := newCompliance(t)
	ctx := context.Background()
	soc := f.create(t, facts("Socialsystem"))
	klf := f.create(t, facts("Ledningssystem"))
	for id, dept := range map[int64]int64{soc: f.depts["SOC"], klf: f.depts["KLF"]} {
		if err := f.svc.ChangeRole(ctx, f.it, id, postgres.RoleChange{Role: portal.RoleOwner, DepartmentID: dept, From: date("2024-01-01")}); err != nil {
			t.Fatal(err)
		}
	}
	f.exec(t, `DELETE FROM audit_verifications`) // R14: municipal

	employee := &portal.Actor{PersonID: f.people["Anna Andersson"], Name: "Anna", DepartmentID: f.depts["SOC"]}
	deputy := &portal.Actor{PersonID: f.people["Bertil Berg"], Roles: []portal.Role{portal.RoleITHeadDeputy}}
	nobody := &portal.Actor{PersonID: f.people["Cecilia Ceder"]}

	all := f.counts(t, deputy)
	if all["r1_missing"] != 4 || all["r4_no_case"] != 2 || all["r14_none"] != 1 {
		t.Errorf("IT-enheten's side sees %v", all)
	}
	own := f.counts(t, employee)
	if own["r1_missing"] != 2 || own["r4_no_case"] != 1 || own["r14_none"] != 0 {
		t.Errorf("the employee sees %v", own)
	}
	if got := f.counts(t, nobody); len(got) != 0 {
		t.Errorf("someone without a department sees %v", got)
	}
	b, err := f.board.Board(ctx, employee, f.depts["KLF"]) // a filter for another department is ignored
	if err != nil {
		t.Fatal(err)
	}
	// Socialsystem: no administrator, no operations, no case, no contract (R15), no PUB (R18).
	if len(b.Departments) != 1 || b.Departments[0].Name != "Socialförvaltningen" || b.Departments[0].Total != 5 || b.All {
		t.Errorf("the employee's department summary: %+v", b.Departments)
	}
	for _, r := range b.Rules {
		if r.ID == "R14" && !r.Hidden {
			t.Error("R14 is not hidden from an employee")
		}
	}
	page, err := f.board.Rule(ctx, employee, "r1", f.depts["KLF"], 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range page.Breaches {
		if x.DepartmentID != f.depts["SOC"] {
			t.Errorf("the employee's drill-down shows %s of %s", x.SystemName, x.DepartmentName)
		}
	}
	if page.Total != 2 {
		t.Errorf("employee's R1 rows: %d", page.Total)
	}
	// IT-enheten filters by a department; an unknown one means all.
	page, _ = f.board.Rule(ctx, deputy, "r1", f.depts["KLF"], 1)
	if page.Total != 2 || page.Department != "Kommunledningsförvaltningen" {
		t.Errorf("filtered drill-down: %d rows for %q", page.Total, page.Department)
	}
	page, _ = f.board.Rule(ctx, deputy, "r1", 987654, 99)
	if page.Total != 4 || page.Page != 1 {
		t.Errorf("unknown filter: %d rows, page %d", page.Total, page.Page)
	}
	if _, err := f.board.Rule(ctx, deputy, "r99", 0, 1); portal.KindOf(err) != portal.KindNotFound {
		t.Errorf("unknown rule: %v", err)
	}
	if _, err := f.board.Board(ctx, nil, 0); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("anonymous: %v", err)
	}
	// Only IT-enheten sends a notification again.
	if err := f.board.Renotify(ctx, employee, 1, "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("an employee renotified: %v", err)
	}
	if err := f.board.Renotify(ctx, f.it, 987654, "req"); portal.KindOf(err) != portal.KindNotFound {
		t.Errorf("renotify an unknown change: %v", err)
	}
}

// TestComplianceRenotify: IT-enheten sends a missing notification again;
// the job names the role change and, once delivered, the breach is gone.
func TestComplianceRenotify(t *testing.T) {
	t.Parallel()
	f := newCompliance(t)
	ctx := context.Background()
	id := f.compliant(t, "Baslinje")
	if err := f.admin(t, id, "Bertil Berg", "2025-01-01"); err != nil {
		t.Fatal(err)
	}
	f.exec(t, `UPDATE role_assignments SET created_at = now() - interval '2 hours' WHERE person_id = $1`, f.people["Bertil Berg"])
	f.exec(t, `DELETE FROM river_job`)
	f.recompute(t) // an hour later: the periodic recomputation sees it
	rows := f.drill(t, f.it, "r3_missing")
	if len(rows) != 1 || rows[0].RefID == 0 {
		t.Fatalf("r3 rows %+v", rows)
	}
	if err := f.board.Renotify(ctx, f.it, rows[0].RefID, "req"); err != nil {
		t.Fatal(err)
	}
	// Queued again: waiting, an hour after the change.
	f.onlyBreach(t, "r3_waiting", 1)
	var jobID int64
	var args jobargs.RoleChangeNotice
	if err := f.owner.QueryRow(ctx, `SELECT id, args FROM river_job WHERE kind = 'notify_role_change'`).Scan(&jobID, &args); err != nil {
		t.Fatal(err)
	}
	if args.Topic() != "system.role_changed" || len(args.Assignments) != 1 || args.Assignments[0] != rows[0].RefID {
		t.Errorf("renotify job %+v", args)
	}
	if err := postgres.NewRoleNotices(f.db.Pool(t), "https://www.lillaedet.se").Record(ctx, jobID, args.Assignments, nil); err != nil {
		t.Fatal(err)
	}
	f.onlyBreach(t, "", 0)
	var audited int
	_ = f.owner.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'system.role_change_renotified'`).Scan(&audited)
	if audited != 1 {
		t.Errorf("%d audit rows for the renotification", audited)
	}
}

// BenchmarkComplianceBoard10000 computes the whole board (no cache) over
// 10,000 systems with their roles, 10,000 staff, 5,000 cases, 100,000
// acknowledgements and 100,000 audit rows.
func BenchmarkComplianceBoard10000(b *testing.B) {
	db := seedBoard10000(b)
	ctx := context.Background()
	board := postgres.NewComplianceService(db.Pool(b), nil, "https://www.lillaedet.se", nil)
	it := &portal.Actor{PersonID: 1, Roles: []portal.Role{portal.RoleITUnit}}
	breaches := 0
	for b.Loop() {
		v, err := board.Board(ctx, it, 0)
		if err != nil {
			b.Fatal(err)
		}
		breaches = 0
		for _, r := range v.Rules {
			breaches += r.Count
		}
	}
	b.ReportMetric(float64(breaches), "breaches")
}

// seedBoard10000 is a municipality of 10,000 systems and staff for the
// board's benchmark.
func seedBoard10000(b testing.TB) testkit.DB {
	db := testkit.NewDB(b)
	ctx := context.Background()
	owner := db.OwnerPool(b)
	for _, q := range []string{
		`SET statement_timeout = 0`,
		`INSERT INTO departments (name, short_name) VALUES ('Kommunledningsförvaltningen', 'KLF'), ('Barn- och utbildningsförvaltningen', 'BUF'),
			('Socialförvaltningen', 'SOC'), ('Samhällsbyggnadsförvaltningen', 'SBF'), ('Kultur- och fritidsförvaltningen', 'KFF')`,
		`INSERT INTO people (employee_number, name, email, department_id)
			SELECT lpad(g::text, 6, '0'), 'Person ' || g, 'p' || g || '@example.lillaedet.se', (SELECT id FROM departments ORDER BY id OFFSET g % 5 LIMIT 1)
			FROM generate_series(1, 10000) g`,
		`INSERT INTO systems (name, lifecycle, introduced_before_portal, created_at)
			SELECT 'System ' || g, (ARRAY['i_drift', 'planerad', 'under_inforande', 'under_avveckling'])[1 + g % 4], g % 50 <> 0,
			       CASE WHEN g % 10 = 0 THEN now() - interval '13 months' ELSE now() END
			FROM generate_series(1, 10000) g`,
		`INSERT INTO role_assignments (system_id, role, department_id, valid)
			SELECT s.id, 'owner', (SELECT id FROM departments ORDER BY id OFFSET (s.id % 5) LIMIT 1), '[2024-01-01,)' FROM systems s`,
		`INSERT INTO role_assignments (system_id, role, person_id, valid) SELECT s.id, 'administrator', 1 + s.id % 9000, '[2024-01-01,)' FROM systems s`,
		`INSERT INTO role_assignments (system_id, role, operator, valid) SELECT s.id, 'operations', 'IT-enheten', '[2024-01-01,)' FROM systems s`,
		`INSERT INTO requests (kind, state, author_id, department_id, title, financing_source, financing_confirmed, number_year, number_seq,
			submitted_at, decided_at, decided_by, decision_motivation, details)
			SELECT (ARRAY['inforande', 'uppgradering', 'oppen_kallkod', 'egenutvecklad', 'natanslutning'])[1 + g % 5], 'beviljat', 1 + g % 9000, 1,
			       'Ärende', 'Budget', true, 2025, g, now(), now(), 1, 'Motiverat', '{"goal_alignment": "Ja", "platform_compatibility": "Ja", "years": 3}'
			FROM generate_series(1, 5000) g`,
		`WITH d AS (INSERT INTO documents (slug, title, kind, fixed_by, must_acknowledge)
			VALUES ('regler-for-it-sakerhet', 'Regler för IT-säkerhet', 'regler', 'kommunchefen', true), ('rutin-for-losenord', 'Rutin för lösenord', 'rutin', 'it_chef', true)
			RETURNING id)
		INSERT INTO document_versions (document_id, number, markdown, html, sha256, effective_date, published_at, published_by, created_by)
		SELECT d.id, n, 'Version ' || n, '<p>x</p>', encode(sha256(convert_to('Version ' || n, 'UTF8')), 'hex'), CURRENT_DATE - (10 - n) * 30,
		       now() - make_interval(days => (10 - n) * 30), 1, 1
		FROM d CROSS JOIN generate_series(1, 5) n`,
		`INSERT INTO acknowledgements (person_id, version_id, sha256)
			SELECT p.id, v.id, v.sha256 FROM people p CROSS JOIN document_versions v
			WHERE NOT (v.number = 5 AND v.document_id = (SELECT min(id) FROM documents) AND p.id % 20 = 0)`,
		`INSERT INTO audit_log (action, object_type, object_id, changes, request_id)
			SELECT 'system.updated', 'system', (g % 10000)::text, jsonb_build_object('notes', jsonb_build_object('before', '', 'after', 'A ' || g)), 'b' || g
			FROM generate_series(1, 100000) g`,
		`INSERT INTO audit_verifications (at, ok, rows_checked, anchors_checked, duration_ms) VALUES (now() - interval '6 hours', true, 100000, 1, 900)`,
		`VACUUM ANALYZE`,
	} {
		if _, err := owner.Exec(ctx, q); err != nil {
			b.Fatalf("%.60s: %v", q, err)
		}
	}
	return db
}
