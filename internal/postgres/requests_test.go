package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"itportal/internal/jobs"
	"itportal/internal/portal"
	"itportal/internal/postgres"
)

type caseFixture struct {
	*registerFixture
	req       *postgres.RequestService
	requester *portal.Actor
	head      *portal.Actor
	deciders  []*portal.Actor
}

func newCases(t *testing.T) *caseFixture {
	t.Helper()
	f := &caseFixture{registerFixture: newRegister(t)}
	f.req = postgres.NewRequestService(f.db.Pool(t), jobs.Enqueuer(f.clients), "https://www.lillaedet.se")
	if _, err := f.db.OwnerPool(t).Exec(context.Background(), `UPDATE people SET email = 'leila.haddad@example.lillaedet.se' WHERE name = 'Leila Haddad'`); err != nil {
		t.Fatal(err)
	}
	f.requester = &portal.Actor{PersonID: f.people["Anna Andersson"], Name: "Anna Andersson", DepartmentID: f.depts["SOC"]}
	f.head = &portal.Actor{PersonID: f.people["Bertil Berg"], Name: "Bertil Berg", Roles: []portal.Role{portal.RoleITHead, portal.RoleITUnit}}
	// Twenty IT-enheten members who may all decide introductions.
	for i := range 20 {
		var id int64
		if err := f.db.OwnerPool(t).QueryRow(context.Background(), `INSERT INTO people (name, email) VALUES ($1, $2) RETURNING id`,
			fmt.Sprintf("Handläggare %02d", i), fmt.Sprintf("h%02d@example.lillaedet.se", i)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		f.deciders = append(f.deciders, &portal.Actor{PersonID: id, Name: fmt.Sprintf("Handläggare %02d", i), Roles: []portal.Role{portal.RoleITUnit}})
	}
	return f
}

// introduction is a complete införande with confirmed financing.
func (f *caseFixture) introduction(name string) portal.RequestFields {
	return portal.RequestFields{
		DepartmentID: f.depts["SOC"], Title: "Nytt system " + name, Description: "Ett nytt verksamhetssystem", Contact: "Anna, 0520-65 90 00",
		FinancingSource: "Socialnämndens budget 2027", FinancingConfirmed: true, FinancingReference: "SN 2026/12 §4",
		Details: portal.RequestDetails{Need: "Ärendehantering", GoalAlignment: "Digitalisering", PlatformCompatibility: "Windows och webbläsare",
			OneOffCost: 100000, YearlyCost: 25000, Years: 4, NewSystemName: name, Supplier: "CGI", Hosting: "saas",
			AdministratorName: "Leila Haddad", AdministratorEmail: "Leila.Haddad@example.lillaedet.se", PersonalData: "kansliga"},
	}
}

func (f *caseFixture) submitted(t *testing.T, kind portal.RequestKind, fields portal.RequestFields) (int64, string) {
	t.Helper()
	ctx := context.Background()
	id, err := f.req.SaveDraft(ctx, f.requester, 0, kind, 0, fields, "req")
	if err != nil {
		t.Fatal(err)
	}
	number, err := f.req.Submit(ctx, f.requester, id, "req")
	if err != nil {
		t.Fatal(err)
	}
	return id, number
}

func (f *caseFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.OwnerPool(t).QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestConcurrentDecisionsMakeOne: 200 decide requests at once, grants and
// rejections by different people: exactly one decision event, one audit
// entry, one notification to the requester; every other caller is told who
// decided. Repeated to catch flakiness.
func TestConcurrentDecisionsMakeOne(t *testing.T) {
	t.Parallel()
	f := newCases(t)
	ctx := context.Background()
	for round := range 5 {
		id, _ := f.submitted(t, portal.KindIntroduction, f.introduction(fmt.Sprintf("Samtidigt %d", round)))
		var wg sync.WaitGroup
		var mu sync.Mutex
		won, told := 0, 0
		var other []error
		start := make(chan struct{})
		for i := range 200 {
			wg.Go(func() {
				<-start
				action := portal.ActionGrant
				if i%2 == 1 {
					action = portal.ActionReject
				}
				err := f.req.Decide(ctx, f.deciders[i%len(f.deciders)], id, action, fmt.Sprintf("Motivering %d", i), "req")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case portal.KindOf(err) == portal.KindConflict && strings.HasPrefix(portal.MessageOf(err), "Ärendet beslutades redan av Handläggare"):
					told++
				default:
					other = append(other, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if won != 1 || told != 199 || len(other) > 0 {
			t.Fatalf("round %d: %d decisions, %d told, other errors %v", round, won, told, other)
		}
		if n := f.count(t, `SELECT count(*) FROM request_events WHERE request_id = $1 AND to_state IN ('beviljat', 'avslaget')`, id); n != 1 {
			t.Fatalf("round %d: %d decision events", round, n)
		}
		if n := f.count(t, `SELECT count(*) FROM audit_log WHERE object_type = 'request' AND object_id = $1 AND action = 'request.decided'`, fmt.Sprint(id)); n != 1 {
			t.Fatalf("round %d: %d decision audit entries", round, n)
		}
		if n := f.count(t, `SELECT count(*) FROM river_job WHERE kind = 'notify_case_step' AND args->>'step' = 'decided' AND (args->>'request_id')::bigint = $1`, id); n != 1 {
			t.Fatalf("round %d: %d decision notifications", round, n)
		}
	}
	// Granted introductions created exactly their systems, rejected none.
	granted := f.count(t, `SELECT count(*) FROM requests WHERE state = 'beviljat'`)
	if n := f.count(t, `SELECT count(*) FROM systems WHERE name LIKE 'Samtidigt %'`); n != granted {
		t.Fatalf("%d systems for %d granted cases", n, granted)
	}
}

// TestConcurrentSubmissionsNumberWithoutGaps: 100 submissions at once get
// IT {year}/0001 … /0100.
func TestConcurrentSubmissionsNumberWithoutGaps(t *testing.T) {
	t.Parallel()
	f := newCases(t)
	ctx := context.Background()
	ids := make([]int64, 100)
	for i := range ids {
		id, err := f.req.SaveDraft(ctx, f.requester, 0, portal.KindIntroduction, 0, f.introduction(fmt.Sprintf("Nummer %d", i)), "req")
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	numbers := make([]string, len(ids))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, id := range ids {
		wg.Go(func() {
			<-start
			n, err := f.req.Submit(ctx, f.requester, id, "req")
			if err != nil {
				t.Error(err)
			}
			numbers[i] = n
		})
	}
	close(start)
	wg.Wait()
	year := portal.Today().Year()
	seen := map[string]bool{}
	for _, n := range numbers {
		seen[n] = true
	}
	for i := 1; i <= 100; i++ {
		want := fmt.Sprintf("IT %d/%04d", year, i)
		if !seen[want] {
			t.Errorf("number %s missing; got %v", want, numbers)
		}
	}
	// Submitting again is refused and takes no number.
	if _, err := f.req.Submit(ctx, f.requester, ids[0], "req"); portal.KindOf(err) != portal.KindConflict {
		t.Errorf("second submission: %v", err)
	}
	if n := f.count(t, `SELECT last FROM request_numbers WHERE year = $1`, year); n != 100 {
		t.Errorf("counter at %d", n)
	}
}

// TestDecisionEffects: a granted introduction is in the register (Planerad,
// owned by the department, with the proposed administrator) and linked
// both ways; a rejected one is not; approval without confirmed financing
// is refused; the content of a submitted case cannot be changed, not even
// by SQL.
func TestDecisionEffects(t *testing.T) {
	t.Parallel()
	f := newCases(t)
	ctx := context.Background()
	id, number := f.submitted(t, portal.KindIntroduction, f.introduction("Färdtjänst"))
	if err := f.req.Decide(ctx, f.deciders[0], id, portal.ActionGrant, "Uppfyller riktlinjerna", "req"); err != nil {
		t.Fatal(err)
	}
	v, err := f.req.Get(ctx, f.requester, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.State != portal.StateGranted || v.Fields.SystemID == 0 {
		t.Fatalf("granted case: %s, system %d", v.State, v.Fields.SystemID)
	}
	sys, err := f.svc.Get(ctx, f.requester, v.Fields.SystemID)
	if err != nil {
		t.Fatal(err)
	}
	if sys.Facts.Name != "Färdtjänst" || sys.Facts.Lifecycle != "planerad" || sys.Roles[portal.RoleOwner] == nil ||
		sys.Roles[portal.RoleOwner].DepartmentID != f.depts["SOC"] || sys.AdministratorID() != f.people["Leila Haddad"] {
		t.Fatalf("system from the decision: %+v roles %+v", sys.Facts, sys.Roles)
	}
	if !strings.Contains(sys.Roles[portal.RoleAdministrator].Reason, number) {
		t.Errorf("the role does not cite the case: %q", sys.Roles[portal.RoleAdministrator].Reason)
	}
	linked, err := f.req.ForSystem(ctx, f.requester, v.Fields.SystemID)
	if err != nil || len(linked) != 1 || linked[0].Number != number {
		t.Fatalf("cases of the system: %+v %v", linked, err)
	}

	// Rejected: nothing in the register.
	rid, _ := f.submitted(t, portal.KindIntroduction, f.introduction("Avslaget system"))
	if err := f.req.Decide(ctx, f.deciders[1], rid, portal.ActionReject, "Finns redan", "req"); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM systems WHERE name = 'Avslaget system'`); n != 0 {
		t.Fatal("a rejected introduction reached the register")
	}

	// R5: no approval without confirmed financing; a rejection is fine.
	unfunded := f.introduction("Ofinansierat")
	unfunded.FinancingConfirmed = false
	uid, _ := f.submitted(t, portal.KindIntroduction, unfunded)
	if err := f.req.Decide(ctx, f.deciders[0], uid, portal.ActionGrant, "Bra", "req"); portal.KindOf(err) != portal.KindConflict || !strings.Contains(portal.MessageOf(err), "finansieringen") {
		t.Fatalf("grant without financing: %v", err)
	}
	// A decision needs a motivation.
	if err := f.req.Decide(ctx, f.deciders[0], uid, portal.ActionReject, "  ", "req"); portal.KindOf(err) != portal.KindInvalid {
		t.Fatalf("decision without motivation: %v", err)
	}
	// Frozen content: the database itself refuses an edit after submission
	// and a second decision.
	if _, err := f.db.Pool(t).Exec(ctx, `UPDATE requests SET title = 'Ändrad' WHERE id = $1`, uid); err == nil {
		t.Fatal("a submitted case's content was changed")
	}
	if _, err := f.db.Pool(t).Exec(ctx, `UPDATE requests SET decision_motivation = 'Annan' WHERE id = $1`, id); err == nil {
		t.Fatal("a decision was changed")
	}
	if _, err := f.db.Pool(t).Exec(ctx, `DELETE FROM request_events WHERE request_id = $1`, id); err == nil {
		t.Fatal("the timeline was deleted")
	}

	// An upgrade records the new version; an operations change, when
	// acknowledged, hands the role over from its date.
	sysID := f.create(t, facts("Procapita"))
	if err := f.svc.ChangeRole(ctx, f.it, sysID, postgres.RoleChange{Role: portal.RoleOwner, DepartmentID: f.depts["SOC"], From: date("2024-01-01")}); err != nil {
		t.Fatal(err)
	}
	up := portal.RequestFields{DepartmentID: f.depts["SOC"], Title: "Procapita 9", Description: "Ny version", Contact: "Anna", SystemName: "procapita",
		FinancingSource: "Drift", FinancingConfirmed: true,
		Details: portal.RequestDetails{GoalAlignment: "Ja", PlatformCompatibility: "Ja", ToVersion: "9.0", PerformedBy: "Leverantören", Years: 1}}
	upID, _ := f.submitted(t, portal.KindUpgrade, up)
	if err := f.req.Decide(ctx, f.head, upID, portal.ActionGrant, "Säkerhetsuppdatering", "req"); err != nil {
		t.Fatal(err)
	}
	if s, _ := f.svc.Get(ctx, f.it, sysID); s.Facts.Version != "9.0" {
		t.Errorf("version after the upgrade: %q", s.Facts.Version)
	}
	from := date("2027-01-01")
	oc := portal.RequestFields{DepartmentID: f.depts["SOC"], Title: "Ny driftleverantör", Description: "Tieto tar över", Contact: "Anna", SystemName: "Procapita",
		Details: portal.RequestDetails{ChangeRole: "operations", NewOperator: "Tietoevry", EffectiveDate: &from}}
	ocID, ocNumber := f.submitted(t, portal.KindOperationsChange, oc)
	if err := f.req.Decide(ctx, f.deciders[0], ocID, portal.ActionGrant, "x", "req"); portal.KindOf(err) != portal.KindConflict {
		t.Errorf("an operations change was granted: %v", err)
	}
	if err := f.req.Decide(ctx, f.deciders[0], ocID, portal.ActionAcknowledge, "", "req"); err != nil {
		t.Fatal(err)
	}
	hist, err := f.svc.History(ctx, f.it, sysID)
	roles := hist.On(from)
	if err != nil || roles[portal.RoleOperations] == nil || roles[portal.RoleOperations].Name != "Tietoevry" || !strings.Contains(roles[portal.RoleOperations].Reason, ocNumber) {
		t.Fatalf("operations on %s: %+v %v", from.Format(time.DateOnly), roles[portal.RoleOperations], err)
	}
	// Nobody files for a department they do not speak for; and an
	// operations change is reported by the department that owns the system
	// (IT-enheten may file for any department, but not for a non-owner).
	oc.DepartmentID = f.depts["KLF"]
	if _, err := f.req.SaveDraft(ctx, f.requester, 0, portal.KindOperationsChange, 0, oc, "req"); fieldError(err, "department") == "" {
		t.Errorf("a draft for another department: %v", err)
	}
	other, err := f.req.SaveDraft(ctx, f.deciders[0], 0, portal.KindOperationsChange, 0, oc, "req")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.req.Submit(ctx, f.deciders[0], other, "req"); fieldError(err, "department") == "" {
		t.Errorf("operations change from a non-owner: %v", err)
	}
}

// fieldError is the message err carries for field, "" when none.
func fieldError(err error, field string) string {
	var pe *portal.Error
	if errors.As(err, &pe) && pe.Kind == portal.KindInvalid {
		return pe.Fields[field]
	}
	return ""
}

// TestWhoSeesAndDecides: drafts are private; decisions follow R6/R7 and
// segregation of duties; steps follow the flow.
func TestWhoSeesAndDecides(t *testing.T) {
	t.Parallel()
	f := newCases(t)
	ctx := context.Background()
	draft, err := f.req.SaveDraft(ctx, f.requester, 0, portal.KindOpenSource, 0, portal.RequestFields{Title: "LibreOffice"}, "req")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.req.Get(ctx, f.deciders[0], draft); portal.KindOf(err) != portal.KindNotFound {
		t.Errorf("someone else's draft: %v", err)
	}
	if err := f.req.Decide(ctx, f.deciders[0], draft, portal.ActionGrant, "x", "req"); portal.KindOf(err) != portal.KindNotFound {
		t.Errorf("deciding a draft: %v", err)
	}
	osr := portal.RequestFields{DepartmentID: f.depts["SOC"], Title: "LibreOffice", Description: "Kontorsprogram", Contact: "Anna",
		FinancingSource: "Ingen kostnad", FinancingConfirmed: true,
		Details: portal.RequestDetails{Software: "LibreOffice", Licence: "MPL-2.0", ProjectURL: "https://www.libreoffice.org",
			Stability: "God", Security: "Aktivt projekt", Compatibility: "ODF och OOXML", FutureProof: "Stor gemenskap"}}
	if _, err := f.req.SaveDraft(ctx, f.requester, draft, portal.KindOpenSource, 1, osr, "req"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.req.Submit(ctx, f.requester, draft, "req"); err != nil {
		t.Fatal(err)
	}
	// R6: IT-enheten prepares, only the IT head decides.
	if err := f.req.Act(ctx, f.deciders[0], draft, portal.ActionTakeUp, "", "req"); err != nil {
		t.Fatal(err)
	}
	if err := f.req.Decide(ctx, f.deciders[0], draft, portal.ActionGrant, "Bra", "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("IT-enheten deciding open source: %v", err)
	}
	// Completion: asked, answered, then granted by the head.
	if err := f.req.Act(ctx, f.deciders[0], draft, portal.ActionAnswerCompletion, "svar", "req"); portal.KindOf(err) != portal.KindConflict {
		t.Errorf("answering without being asked: %v", err)
	}
	if err := f.req.Act(ctx, f.deciders[0], draft, portal.ActionRequestCompletion, "", "req"); portal.KindOf(err) != portal.KindInvalid {
		t.Errorf("asking for completion without saying what: %v", err)
	}
	if err := f.req.Act(ctx, f.deciders[0], draft, portal.ActionRequestCompletion, "Vilken version?", "req"); err != nil {
		t.Fatal(err)
	}
	if err := f.req.Act(ctx, f.deciders[1], draft, portal.ActionAnswerCompletion, "7.6", "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("someone else answering the completion: %v", err)
	}
	if err := f.req.Act(ctx, f.requester, draft, portal.ActionAnswerCompletion, "Version 7.6", "req"); err != nil {
		t.Fatal(err)
	}
	if err := f.req.Decide(ctx, f.head, draft, portal.ActionGrant, "Godkänd enligt 7", "req"); err != nil {
		t.Fatal(err)
	}
	if err := f.req.Act(ctx, f.requester, draft, portal.ActionWithdraw, "", "req"); portal.KindOf(err) != portal.KindConflict {
		t.Errorf("withdrawing after the decision: %v", err)
	}
	v, err := f.req.Get(ctx, f.deciders[5], draft)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, e := range v.Events {
		steps = append(steps, string(e.To))
	}
	if got := strings.Join(steps, ","); got != "inskickat,under_handlaggning,komplettering_begard,under_handlaggning,beviljat" {
		t.Errorf("timeline: %s", got)
	}

	// Segregation of duties: the head's own open-source case goes to the deputy.
	deputy := &portal.Actor{PersonID: f.people["Cecilia Ceder"], Name: "Cecilia Ceder", Roles: []portal.Role{portal.RoleITHeadDeputy}}
	if _, err := f.db.OwnerPool(t).Exec(ctx, `INSERT INTO person_roles (person_id, role) VALUES ($1, 'it_head')`, f.head.PersonID); err != nil {
		t.Fatal(err)
	}
	own, err := f.req.SaveDraft(ctx, f.head, 0, portal.KindOpenSource, 0, osr, "req")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.req.Submit(ctx, f.head, own, "req"); err != nil {
		t.Fatal(err)
	}
	if err := f.req.Decide(ctx, f.head, own, portal.ActionGrant, "Eget", "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("the head deciding their own case: %v", err)
	}
	if err := f.req.Decide(ctx, deputy, own, portal.ActionGrant, "Som ersättare", "req"); err != nil {
		t.Errorf("the deputy deciding the head's case: %v", err)
	}
	// Attachments: by content, not by name.
	if _, err := f.req.AddAttachment(ctx, f.requester, own, "offert.pdf", []byte("<html><script>alert(1)</script></html>"), "req"); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("someone else attaching to the head's case: %v", err)
	}
	open, _ := f.submitted(t, portal.KindIntroduction, f.introduction("Bilagesystem"))
	for name, data := range map[string][]byte{
		"offert.pdf": []byte("<html><script>alert(1)</script></html>"),
		"tom.pdf":    {},
		"stor.pdf":   append([]byte("%PDF-1.7\n"), make([]byte, portal.MaxAttachment)...),
		"skript.exe": []byte("MZ\x90\x00"),
	} {
		if _, err := f.req.AddAttachment(ctx, f.requester, open, name, data, "req"); portal.KindOf(err) != portal.KindInvalid {
			t.Errorf("attachment %s: %v", name, err)
		}
	}
	aid, err := f.req.AddAttachment(ctx, f.requester, open, "../../etc/\u202Eoffert.pdf", []byte("%PDF-1.7\nhej"), "req")
	if err != nil {
		t.Fatal(err)
	}
	info, data, err := f.req.Attachment(ctx, f.deciders[0], open, aid)
	if err != nil || info.FileName != "_offert.pdf" || info.ContentType != "application/pdf" || string(data) != "%PDF-1.7\nhej" {
		t.Fatalf("attachment back: %+v %q %v", info, data, err)
	}
	stranger := &portal.Actor{PersonID: f.people["Leila Haddad"], Name: "Leila Haddad", DepartmentID: f.depts["KLF"]}
	if _, _, err := f.req.Attachment(ctx, stranger, open, aid); portal.KindOf(err) != portal.KindForbidden {
		t.Errorf("another department's employee opening an attachment: %v", err)
	}
	colleague := &portal.Actor{PersonID: f.people["Leila Haddad"], Name: "Leila Haddad", DepartmentID: f.depts["SOC"]}
	if _, _, err := f.req.Attachment(ctx, colleague, open, aid); err != nil {
		t.Errorf("the requester's department opening an attachment: %v", err)
	}
}
