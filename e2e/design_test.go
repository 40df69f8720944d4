package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"itportal/internal/portal"
	"itportal/internal/portaltest"
	"itportal/internal/postgres"
)

// viewport sets the page's width (and a phone's or a desktop's height).
func (b *browser) viewport(width int64) {
	b.t.Helper()
	height := int64(900)
	if width < 600 {
		height = 844
	}
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(width, height)); err != nil {
		b.t.Fatalf("set viewport %d: %v", width, err)
	}
	b.waitFor(fmt.Sprintf(`window.innerWidth === %d`, width), "the new width")
}

// lookAt checks the page at the desktop and the phone width: axe-core and
// the Nu HTML Checker at both, no sideways scrolling of the page on the
// phone, the frame's mark, Hjälp and footer present, and a screenshot of
// each (e2e/artifacts/).
func (b *browser) lookAt(label string) {
	b.t.Helper()
	for _, w := range []int64{1280, 390} {
		b.viewport(w)
		state := fmt.Sprintf("%s, %d px", label, w)
		b.check(state)
		if eval[bool](b, `!!document.querySelector("nav.main-nav")`) {
			b.menuAt(w)
		}
		if w == 390 {
			if got := eval[[]float64](b, `[document.scrollingElement.scrollWidth, window.innerWidth]`); got[0] > got[1] {
				wide := eval[[]string](b, `[...document.body.querySelectorAll("*")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5 &&
					![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 0.5)).slice(0, 5).map(e => e.outerHTML.slice(0, 160))`)
				b.t.Errorf("%s at 390 px: the page scrolls sideways (%v px wide in %v): %q", b.path(), got[0], got[1], wide)
				b.screenshot("sideways-" + strings.ReplaceAll(label, " ", "_"))
			}
		}
		if !eval[bool](b, `!!document.querySelector("header .brand-mark") && document.querySelector("header .brand").textContent.includes("Lilla Edets kommun") &&
			!!document.querySelector("footer a[href='/hjalp']") && !!document.querySelector("footer a[href^='mailto:']")`) {
			b.t.Errorf("%s: the frame lacks the mark, the name, Hjälp or IT-enheten's address", b.path())
		}
		b.screenshot(fmt.Sprintf("%s-%d", strings.NewReplacer(" ", "_", ",", "").Replace(label), w))
	}
	b.viewport(1280)
}

// menuAt checks the main menu at a width: on a desktop its links show and
// "Meny" does not; on a phone only "Meny" shows, the keyboard opens it
// (Tab to it, Enter) to show every link, and closes it again. No
// JavaScript of the portal's is involved: it is a <details>.
func (b *browser) menuAt(width int64) {
	b.t.Helper()
	const shown = `(e => !!e && e.checkVisibility() && e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0)`
	links := `[...document.querySelectorAll("[data-testid=menu] li a")].every(` + shown + `)`
	summary := shown + `(document.querySelector("[data-testid=menu] > summary"))`
	if width >= 600 {
		if !eval[bool](b, links) || eval[bool](b, summary) {
			b.t.Errorf("%s at %d px: the menu's links are not shown as a bar, or Meny shows", b.path(), width)
		}
		return
	}
	if eval[bool](b, `[...document.querySelectorAll("[data-testid=menu] li a")].some(`+shown+`)`) || !eval[bool](b, summary) {
		b.t.Fatalf("%s at %d px: the menu is not closed behind Meny", b.path(), width)
	}
	if eval[string](b, `document.querySelector("[data-testid=menu] > summary").textContent.trim()`) != "Meny" {
		b.t.Errorf("%s: the menu's button does not say Meny", b.path())
	}
	// From the top of the page, as a keyboard user arrives.
	eval[bool](b, `(document.querySelector(".skip-link").focus(), true)`)
	b.tabTo("[data-testid=menu] > summary")
	b.key(kb.Enter)
	b.waitFor(`document.querySelector("[data-testid=menu]").open`, "the menu to open")
	if !eval[bool](b, links) {
		b.t.Errorf("%s at %d px: the open menu hides some of its links", b.path(), width)
	}
	b.screenshot("menu-open-" + strings.TrimPrefix(strings.ReplaceAll(b.path(), "/", "_"), "_"))
	b.key(kb.Enter)
	b.waitFor(`!document.querySelector("[data-testid=menu]").open`, "the menu to close")
	eval[bool](b, `(document.activeElement.blur(), true)`)
}

// TestJourneyLookAndFeel visits every persona's start page, the register,
// a system page, a case page, the compliance board and the user guide at
// 1280 px and 390 px: no page scrolls sideways on the phone, axe-core finds
// nothing, the Nu HTML Checker no errors; screenshots of each are kept.
func TestJourneyLookAndFeel(t *testing.T) {
	t.Parallel()
	pages := newPageLog(t)
	p := portaltest.Start(t)
	seedSystems(t, p, 12)
	var systemID int64
	if err := p.Owner.QueryRow(context.Background(), `SELECT min(id) FROM systems`).Scan(&systemID); err != nil {
		t.Fatal(err)
	}
	casePath := fileIntroduction(t, p)
	docPath := publishRoutine(t, p)
	var personID int64
	if err := p.Owner.QueryRow(context.Background(), `SELECT id FROM people WHERE email = $1`, portaltest.Employee.Email).Scan(&personID); err != nil {
		t.Fatal(err)
	}

	// Anyone may read the guide, signed in or not.
	anon := newBrowser(t, true, pages)
	anon.navigate(p.URL + "/hjalp")
	if n := eval[float64](anon, `document.querySelectorAll("nav.toc a").length`); n < 10 {
		t.Errorf("the guide's contents list %v headings", n)
	}
	if !eval[bool](anon, `[...document.querySelectorAll("nav.toc a")].every(a => !!document.getElementById(decodeURIComponent(a.hash.slice(1))))`) {
		t.Error("a link of the guide's contents leads nowhere")
	}
	anon.lookAt("hjälp utan inloggning")

	for _, persona := range []string{"medarbetare", "it", "itchef", "admin"} {
		b := newBrowser(t, true, pages)
		b.name = t.Name() + "-" + persona
		b.signIn(p, persona, "/", true)
		b.lookAt("start")
		if persona == "admin" {
			b.navigate(p.URL + fmt.Sprintf("/admin/personer/%d", personID))
			b.lookAt("person")
			if href := eval[string](b, `document.querySelector("main .back-link")?.getAttribute("href") || ""`); href != "/admin/personer" {
				t.Errorf("the person page's back link goes to %q", href)
			}
		}
		if persona != "medarbetare" && persona != "it" {
			continue
		}
		for _, v := range []struct{ path, label string }{
			{"/system", "register"},
			{fmt.Sprintf("/system/%d", systemID), "systemsida"},
			{casePath, "ärende"},
			{"/arenden", "ärenden"},
			{"/efterlevnad", "efterlevnad"},
			{"/hjalp", "hjälp"},
			{docPath, "styrdokument"},
			{"/arenden/nytt", "nytt ärende"},
		} {
			b.navigate(p.URL + v.path)
			b.lookAt(v.label)
		}
		// Detail pages lead back to their list.
		b.navigate(p.URL + casePath)
		if href := eval[string](b, `document.querySelector("main .back-link")?.getAttribute("href") || ""`); href != "/arenden" {
			t.Errorf("the case page's back link goes to %q", href)
		}
		// The case's state is a tag in words.
		if tag := eval[string](b, `document.querySelector("[data-testid=state] .tag")?.textContent || ""`); tag != "Inskickat" {
			t.Errorf("the case's state tag says %q", tag)
		}
	}
	pages.validate(t)
}

// fileIntroduction files and submits an introduction as the employee over
// plain HTTP (the case journey drives the same form by keyboard); it
// returns the case's path.
func fileIntroduction(t *testing.T, p *portaltest.Portal) string {
	t.Helper()
	var soc int64
	if err := p.Owner.QueryRow(context.Background(), `SELECT id FROM departments WHERE short_name = 'SOC'`).Scan(&soc); err != nil {
		t.Fatal(err)
	}
	emp := p.SignedIn(portaltest.Employee)
	form := url.Values{
		"title": {"Nytt system för färdtjänst med ett långt namn som bryts på smala skärmar"}, "department": {fmt.Sprint(soc)},
		"contact": {"Åsa, 0520-65 90 00"}, "description": {"Färdtjänsten behöver ett eget system."}, "desired_date": {"2027-03-01"},
		"need": {"Bokning och fakturering av resor"}, "new_system_name": {"Färdtjänst Design"}, "supplier": {"Pulsen"},
		"hosting": {"saas"}, "personal_data": {"kansliga"}, "administrator_name": {"Åsa Öberg-O'Connor"},
		"administrator_email": {portaltest.Employee.Email}, "goal_alignment": {"Digital service till invånarna"},
		"platform_compatibility": {"Webbläsare"}, "one_off_cost": {"100 000"}, "yearly_cost": {"25000"}, "years": {"4"},
		"financing_source": {"Socialnämndens budget"}, "financing_confirmed": {"ja"}, "atgard": {"granska"},
	}
	resp := emp.Post("/arenden/nytt?typ=inforande", form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(loc, "/skicka") {
		t.Fatalf("save the case: %d\n%s", resp.StatusCode, resp.Body)
	}
	path := strings.TrimSuffix(loc, "/skicka")
	if sent := emp.Post(path+"/skicka", nil); sent.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit the case: %d\n%s", sent.StatusCode, sent.Body)
	}
	return path
}

// publishRoutine publishes a governing document that is only to be read
// (no acknowledgement, no gate); it returns the document's path.
func publishRoutine(t *testing.T, p *portaltest.Portal) string {
	t.Helper()
	ctx := context.Background()
	var adminID int64
	if err := p.Owner.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ('Dokumentadmin', 'dokadmin@example.lillaedet.se') RETURNING id`).Scan(&adminID); err != nil {
		t.Fatal(err)
	}
	adm := &portal.Actor{PersonID: adminID, Name: "Dokumentadmin", Roles: []portal.Role{portal.RoleAdmin}}
	svc := postgres.NewDocumentService(p.Pool, nil, 30*24*time.Hour, nil)
	if _, err := svc.SaveDocument(ctx, adm, 0, portal.DocumentFields{Title: "Rutin för behörigheter", Slug: "rutin-for-behorigheter", Kind: "rutin",
		FixedBy: "it_chef", AudienceAll: true}, "e2e"); err != nil {
		t.Fatal(err)
	}
	text := "# Rutin för behörigheter\n\n## Beställa\n\nChefen beställer behörigheter hos IT-enheten.\n\n| Roll | Vem beslutar |\n|---|---|\n| Systemförvaltare | Systemägaren |\n"
	if err := svc.SaveDraft(ctx, adm, "rutin-for-behorigheter", portal.VersionFields{Markdown: text, EffectiveDate: portal.Today()}, "e2e"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Publish(ctx, adm, "rutin-for-behorigheter", "e2e"); err != nil {
		t.Fatal(err)
	}
	return "/styrdokument/rutin-for-behorigheter"
}
