package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"itportal/internal/auditchain"
	"itportal/internal/jobs"
	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/registerfile"
)

// TestBreachesKeptWithEveryChange: every way the portal changes what a
// check reads keeps compliance_breaches exact in its own transaction. After
// each step below, made through the services as the pages make it, a whole
// recomputation (the nightly job) finds nothing to add or remove; and the
// board shows what the step broke or mended at once.
func TestBreachesKeptWithEveryChange(t *testing.T) {
	t.Parallel()
	f := newCases(t)
	ctx := context.Background()
	const official = "https://www.lillaedet.se"
	pool := f.db.Pool(t)
	enqueue := jobs.Enqueuer(f.clients)
	board := postgres.NewComplianceService(pool, enqueue, official, nil)
	docs := postgres.NewDocumentService(pool, enqueue, 30*24*time.Hour, nil)
	evals := postgres.NewEvaluationService(pool, enqueue, official, nil)
	people := postgres.NewPersonService(pool, official)
	owner := f.db.OwnerPool(t)
	if _, err := owner.Exec(ctx, `UPDATE people SET department_id = $1, email = lower(replace(email, ' ', '.'))`, f.depts["SOC"]); err != nil {
		t.Fatal(err)
	}
	// What the people above are before the first step is the tests' SQL:
	// the recomputation the portal runs at start takes it in.
	if _, err := board.Recompute(ctx, false); err != nil {
		t.Fatal(err)
	}
	admin := &portal.Actor{PersonID: f.people["IT Person"], Roles: []portal.Role{portal.RoleAdmin, portal.RoleITUnit}}
	counts := func() map[string]int {
		t.Helper()
		b, err := board.Board(ctx, f.it, 0)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, r := range b.Rules {
			for _, c := range r.Checks {
				if c.Count > 0 {
					out[c.Key] = c.Count
				}
			}
		}
		return out
	}
	// step runs one change; the board must show want for the checks named
	// and agree with a whole recomputation.
	step := func(name string, want map[string]int, change func() error) {
		t.Helper()
		if err := change(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := counts()
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: the board shows %d of %s at once, want %d (all: %v)", name, got[k], k, n, got)
			}
		}
		r, err := board.Recompute(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if r.Added != 0 || r.Removed != 0 {
			t.Errorf("%s left the board out of step: the recomputation added %d and removed %d", name, r.Added, r.Removed)
		}
	}

	var sys int64
	step("a new system", map[string]int{"r1_missing": 3, "r4_no_case": 1}, func() (err error) {
		sys, err = f.svc.Create(ctx, f.it, facts("Kvarnen"), "req")
		return err
	})
	step("its roles", map[string]int{"r1_missing": 0, "r4_no_case": 1}, func() error {
		for _, c := range []postgres.RoleChange{
			{Role: portal.RoleOwner, DepartmentID: f.depts["SOC"], From: date("2024-01-01")},
			{Role: portal.RoleAdministrator, PersonID: f.people["Anna Andersson"], From: date("2024-01-01")},
			{Role: portal.RoleOperations, Operator: "IT-enheten", From: date("2024-01-01")},
		} {
			if err := f.svc.ChangeRole(ctx, f.it, sys, c); err != nil {
				return err
			}
		}
		return nil
	})
	step("a website off the official address, open source", map[string]int{"r13_address": 1, "r6_open_source": 1}, func() error {
		cur, err := f.svc.Get(ctx, f.it, sys)
		if err != nil {
			return err
		}
		fs := cur.Facts
		fs.RepresentsMunicipality, fs.WebAddress, fs.OpenSource = true, "https://kvarnen.example/", true
		_, err = f.svc.UpdateFacts(ctx, f.it, sys, cur.RowVersion, fs, "req")
		return err
	})
	step("a monthly evaluation", nil, func() error {
		if err := evals.SetInterval(ctx, f.it, sys, 1, "req"); err != nil {
			return err
		}
		_, err := evals.Submit(ctx, f.it, sys, 0, answers(), "req")
		return err
	})
	step("a granted introduction", map[string]int{"r4_no_case": 1}, func() error {
		id, _ := f.submitted(t, portal.KindIntroduction, f.introduction("Kvarnen 2"))
		return f.req.Decide(ctx, f.deciders[0], id, portal.ActionGrant, "Uppfyller riktlinjerna", "req")
	})
	administrator := &portal.Actor{PersonID: f.people["Anna Andersson"], Name: "Anna Andersson"}
	var proposal int64
	step("the administrator proposes Infört före IT-portalen", map[string]int{"r4_no_case": 1}, func() error {
		cur, err := f.svc.Get(ctx, administrator, sys)
		if err != nil {
			return err
		}
		fs := cur.Facts
		fs.IntroducedBeforePortal = true
		saved, err := f.svc.UpdateFacts(ctx, administrator, sys, cur.RowVersion, fs, "req")
		if err == nil && saved.Proposal == nil {
			err = fmt.Errorf("no proposal: %+v", saved)
		}
		if err == nil {
			proposal = saved.Proposal.ID
		}
		return err
	})
	step("IT-enheten confirms it", map[string]int{"r4_no_case": 0}, func() error {
		return f.svc.ConfirmProposal(ctx, f.it, sys, proposal, "", "req")
	})
	var doc string
	step("a document everyone must acknowledge", map[string]int{"r9_never": 25}, func() error {
		fields := rules()
		var err error
		if doc, err = docs.SaveDocument(ctx, admin, 0, fields, "req"); err != nil {
			return err
		}
		if err := docs.SaveDraft(ctx, admin, doc, portal.VersionFields{Markdown: "# Regler\n\nEtt.\n", EffectiveDate: portal.Today(), RequiresReack: true}, "req"); err != nil {
			return err
		}
		_, _, err = docs.Publish(ctx, admin, doc, "req")
		return err
	})
	anna := &portal.Actor{PersonID: f.people["Anna Andersson"], DepartmentID: f.depts["SOC"]}
	step("an acknowledgement", map[string]int{"r9_never": 24}, func() error {
		v, err := docs.Get(ctx, anna, doc)
		if err != nil {
			return err
		}
		_, err = docs.Acknowledge(ctx, anna, doc, v.Current.Number, v.Current.SHA256, "req")
		return err
	})
	step("a new version to acknowledge again", map[string]int{"r9_never": 24, "r10_again": 1}, func() error {
		if err := docs.SaveDraft(ctx, admin, doc, portal.VersionFields{Markdown: "# Regler\n\nTvå.\n", EffectiveDate: portal.Today(), RequiresReack: true}, "req"); err != nil {
			return err
		}
		_, _, err := docs.Publish(ctx, admin, doc, "req")
		return err
	})
	step("the document for KLF only", map[string]int{"r9_never": 0, "r10_again": 0}, func() error {
		fields := rules()
		fields.Slug, fields.AudienceAll, fields.DepartmentIDs = doc, false, []int64{f.depts["KLF"]}
		id := int64(0)
		if err := owner.QueryRow(ctx, `SELECT id FROM documents WHERE slug = $1`, doc).Scan(&id); err != nil {
			return err
		}
		_, err := docs.SaveDocument(ctx, admin, id, fields, "req")
		return err
	})
	step("a first sign-in", nil, func() error {
		_, err := people.SignIn(ctx, postgres.SignInInput{Issuer: "https://idp.example", Subject: "new", Name: "Ny Person",
			Email: "ny@example.lillaedet.se", Department: "KLF", RequestID: "req"})
		return err
	})
	step("HR ends the administrator's employment", map[string]int{"r1_inactive": 1}, func() error {
		csv := "Anställningsnummer;Förnamn;Efternamn;E-post;Förvaltning;Chef e-post;Anställd från;Anställd till\n" +
			"A1;Anna;Andersson;anna.andersson@example.lillaedet.se;Socialförvaltningen;;2010-01-01;2025-01-31\n"
		file, err := registerfile.ParseTable([]byte(csv), postgres.StaffSchema)
		if err != nil {
			return err
		}
		res, err := people.ImportStaff(ctx, admin, file, true, "req")
		if err == nil && !res.Committed {
			err = fmt.Errorf("not committed: %+v", res.Rows)
		}
		return err
	})
	step("her roles handed over", map[string]int{"r1_inactive": 0}, func() error {
		_, err := f.svc.HandOver(ctx, f.it, f.people["Anna Andersson"], postgres.HandOverRequest{
			Successor: f.people["Bertil Berg"], From: portal.Today(), AppointedBy: "Systemägaren", RequestID: "req"})
		return err
	})
	step("the role change's notification delivered", nil, func() error {
		var id int64
		if err := owner.QueryRow(ctx, `SELECT max(id) FROM role_assignments`).Scan(&id); err != nil {
			return err
		}
		return postgres.NewRoleNotices(pool, official).Record(ctx, 1, []int64{id}, nil)
	})
	step("the audit log found broken", map[string]int{"r14_failed": 1}, func() error {
		return postgres.NewAuditChain(pool, nil).RecordVerification(ctx, auditchain.Report{Rows: 3, Problems: []auditchain.Problem{{Seq: 2, Reason: "hash"}}}, time.Millisecond)
	})
	step("and verified again", map[string]int{"r14_failed": 0}, func() error {
		return postgres.NewAuditChain(pool, nil).RecordVerification(ctx, auditchain.Report{Rows: 3}, time.Millisecond)
	})
	step("a register import", nil, func() error {
		csv := "Systemnamn;Beskrivning;Systemägare;Systemförvaltare;Systemförvaltare e-post;Driftsansvarig;Leverantör;Livscykel;Personuppgifter;Webbadress;Senast utvärderad\n" +
			"Importerat;Nytt;Socialförvaltningen;Ny Förvaltare;ny.forvaltare@example.lillaedet.se;IT-enheten;CGI;I drift;J;;\n"
		file, err := registerfile.Parse([]byte(csv))
		if err != nil {
			return err
		}
		res, err := f.svc.Import(ctx, f.it, file, postgres.ImportOptions{Commit: true})
		if err == nil && !res.Committed {
			err = fmt.Errorf("not committed: %+v", res)
		}
		return err
	})
}

// TestBreachesOfOneSystemChangedAtOnce: many changes of one system at the
// same time, each recomputing the system's breaches in its own
// transaction, leave exactly what a whole recomputation finds.
func TestBreachesOfOneSystemChangedAtOnce(t *testing.T) {
	t.Parallel()
	f := newCompliance(t)
	ctx := context.Background()
	id := f.compliant(t, "Baslinje")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			// Each change on a day of its own: two on one day are refused.
			from := portal.Today().AddDate(0, 0, -i)
			switch i % 3 {
			case 0:
				err = f.svc.ChangeRole(ctx, f.it, id, postgres.RoleChange{Role: portal.RoleOperations, Operator: fmt.Sprintf("Leverantör %d", i), From: from})
			case 1:
				err = f.admin(t, id, []string{"Bertil Berg", "Cecilia Ceder"}[i%2], from.Format("2006-01-02"))
			default:
				var cur postgres.System
				if cur, err = f.svc.Get(ctx, f.it, id); err == nil {
					fs := cur.Facts
					fs.RepresentsMunicipality, fs.WebAddress = i%2 == 0, fmt.Sprintf("https://%d.example/", i)
					_, err = f.svc.UpdateFacts(ctx, f.it, id, cur.RowVersion, fs, "req")
				}
			}
			if err != nil && portal.KindOf(err) != portal.KindConflict && !strings.Contains(err.Error(), "deadlock") {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if r := f.recompute(t); r.Added != 0 || r.Removed != 0 {
		t.Errorf("concurrent changes left the board out of step: +%d −%d", r.Added, r.Removed)
	}
}
