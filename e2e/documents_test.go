package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"itportal/internal/portal"
	"itportal/internal/portaltest"
	"itportal/internal/postgres"
)

// TestJourneyNewHireGate: a document that closes the portal until it is
// acknowledged; a new hire's first sign-in lands on it, the keyboard
// acknowledges it, and the page asked for follows. The document page with
// its history and a comparison, and the administrator's version form, are
// checked too.
func TestJourneyNewHireGate(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	ctx := context.Background()
	var adminID int64
	if err := p.Owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Dokumentadmin', 'dokadmin@example.lillaedet.se') RETURNING id`).Scan(&adminID); err != nil {
		t.Fatal(err)
	}
	adm := &portal.Actor{PersonID: adminID, Name: "Dokumentadmin", Roles: []portal.Role{portal.RoleAdmin}}
	svc := postgres.NewDocumentService(p.Pool, nil, 30*24*time.Hour, nil)
	if _, err := svc.SaveDocument(ctx, adm, 0, portal.DocumentFields{Title: "Regler för IT-säkerhet", Slug: "regler-for-it-sakerhet", Kind: "regler",
		FixedBy: "kommunchefen", AudienceAll: true, MustAcknowledge: true, BlocksUse: true}, "e2e"); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"# Regler för IT-säkerhet\n\n1. Lås datorn.\n2. Lämna aldrig ut lösenordet.\n",
		"# Regler för IT-säkerhet\n\n1. Lås datorn.\n2. Lämna aldrig ut lösenordet.\n3. Anmäl incidenter direkt.\n"} {
		if err := svc.SaveDraft(ctx, adm, "regler-for-it-sakerhet", portal.VersionFields{Markdown: text, EffectiveDate: portal.Today(), RequiresReack: true}, "e2e"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Publish(ctx, adm, "regler-for-it-sakerhet", "e2e"); err != nil {
			t.Fatal(err)
		}
	}

	b := newBrowser(t, true, pages)
	b.navigate(p.URL + "/system")
	b.waitFor(`location.pathname.endsWith("/oidc/authorize")`, "the provider's login page")
	b.tabTo(`input[name=persona]`)
	for range 20 {
		if eval[string](b, `document.activeElement.value`) == "sokande" {
			break
		}
		b.key(kb.ArrowDown)
	}
	b.tabTo(`button[type=submit]`)
	b.activate()
	b.waitFor(`location.pathname === "/styrdokument/regler-for-it-sakerhet/kvittera"`, "the gate")
	if !strings.Contains(eval[string](b, `document.querySelector("main").innerText`), "Innan du kan använda IT-portalen") {
		t.Error("the gate does not say why")
	}
	b.check("kvittera, nyanställd")
	b.tabTo(`main form button[type=submit]`)
	b.activate()
	if b.path() != "/system" {
		t.Fatalf("after acknowledging: %s", b.path())
	}
	b.check("registret efter kvittens")
	b.navigate(p.URL + "/styrdokument")
	b.check("styrdokument")
	b.navigate(p.URL + "/styrdokument/regler-for-it-sakerhet?fran=1&till=2")
	if !strings.Contains(eval[string](b, `document.querySelector(".diff ins.diff-added")?.textContent || ""`), "Anmäl incidenter") {
		t.Error("the comparison does not show the added rule")
	}
	b.check("styrdokument, jämförelse")
	b.navigate(p.URL + "/min-sida")
	b.check("min sida med kvittens")

	// A new version: the new hire, who acknowledged the last one, is told
	// how long they have and what changed, and may keep working meanwhile.
	v3 := "# Regler för IT-säkerhet\n\n1. Lås datorn.\n2. Lämna aldrig ut lösenordet.\n3. Anmäl incidenter direkt till IT-enheten.\n"
	if err := svc.SaveDraft(ctx, adm, "regler-for-it-sakerhet", portal.VersionFields{Markdown: v3, EffectiveDate: portal.Today(), RequiresReack: true,
		Summary: "Incidenter anmäls nu direkt till IT-enheten."}, "e2e"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Publish(ctx, adm, "regler-for-it-sakerhet", "e2e"); err != nil {
		t.Fatal(err)
	}
	b.navigate(p.URL + "/styrdokument/regler-for-it-sakerhet/kvittera")
	if main := eval[string](b, `document.querySelector("main").innerText`); !strings.Contains(main, "dagar kvar att kvittera") ||
		!strings.Contains(main, "Incidenter anmäls nu direkt till IT-enheten.") {
		t.Errorf("re-acknowledgement does not say the time left and what changed:\n%s", main)
	}
	b.check("kvittera på nytt, övergångstid")
	b.tabTo(`a[href*="fran=2"]`)
	b.activate()
	if h := eval[string](b, `document.querySelector("[data-testid=diff-heading]")?.textContent ?? ""`); h != "Version 2 jämförd med version 3" {
		t.Errorf("the comparison from the acknowledgement page: %q", h)
	}
	b.check("styrdokument, jämförelse från kvittens")

	// IT-enheten: acknowledge first, then the follow-up per department
	// (everyone signed in placed in a department, so it has rows and its
	// chart).
	if _, err := p.Owner.Exec(context.Background(), `UPDATE people SET department_id = (SELECT id FROM departments WHERE short_name = 'SOC') WHERE department_id IS NULL`); err != nil {
		t.Fatal(err)
	}
	p.Recompute()
	it := newBrowser(t, true, pages)
	it.navigate(p.URL + "/efterlevnad/kvittenser")
	it.waitFor(`location.pathname.endsWith("/oidc/authorize")`, "the provider's login page")
	it.tabTo(`input[name=persona]`)
	for range 20 {
		if eval[string](it, `document.activeElement.value`) == "it" {
			break
		}
		it.key(kb.ArrowDown)
	}
	it.tabTo(`button[type=submit]`)
	it.activate()
	it.waitFor(`location.pathname === "/styrdokument/regler-for-it-sakerhet/kvittera"`, "the gate")
	it.tabTo(`main form button[type=submit]`)
	it.activate()
	if it.path() != "/efterlevnad/kvittenser" {
		t.Fatalf("IT-enheten after acknowledging: %s", it.path())
	}
	if !eval[bool](it, `!!document.querySelector("svg[data-testid=ack-chart] title") && !!document.querySelector("[data-testid=ack-table] tbody tr")`) {
		t.Error("the follow-up has no chart of the acknowledgement rate with its table")
	}
	it.check("uppföljning av kvittenser")
	pages.validate(t)
}
