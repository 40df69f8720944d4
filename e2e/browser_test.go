// Package e2e holds the browser journeys: the real portal and its sign-in
// driven in headless Chromium (Debian's package), keyboard only, with
// axe-core (WCAG 2.1 A/AA) and the Nu HTML Checker on every page visited.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"itportal/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// required is set by `make test`: there a missing browser or checker is a
// failure; a plain `go test` elsewhere skips the journeys instead.
var required = os.Getenv("ITPORTAL_REQUIRE_BROWSER") == "1"

func need(t *testing.T, what, hint string) {
	t.Helper()
	if required {
		t.Fatalf("%s is missing: %s", what, hint)
	}
	t.Skipf("%s is missing (%s); `make test` installs it", what, hint)
}

func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	need(t, "Chromium", "apt-get install chromium")
	return ""
}

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

func axeScript(t *testing.T) string {
	axeOnce.Do(func() {
		var b []byte
		b, axeErr = os.ReadFile(filepath.Join("node_modules", "axe-core", "axe.min.js"))
		axeSource = string(b)
	})
	if axeErr != nil {
		need(t, "axe-core", "run npm ci in e2e/")
	}
	return axeSource
}

// browser is one headless Chromium with one tab.
type browser struct {
	t     *testing.T
	ctx   context.Context
	pages *pageLog
	name  string
	js    bool
}

// newBrowser starts Chromium with a fresh profile; js=false disables
// JavaScript in the page (the no-JavaScript journeys).
func newBrowser(t *testing.T, js bool, pages *pageLog) *browser {
	t.Helper()
	path := chromiumPath(t)
	profile := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	b := &browser{t: t, ctx: ctx, pages: pages, name: t.Name(), js: js}
	t.Cleanup(func() {
		if t.Failed() {
			b.screenshot("failure")
		}
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start Chromium: %v", err)
	}
	if !js {
		err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return chromedp.Void{}, err
		})
		if err != nil {
			t.Fatalf("disable JavaScript: %v", err)
		}
	}
	return b
}

// screenshot keeps a PNG of the page as a test artefact (e2e/artifacts/).
func (b *browser) screenshot(label string) {
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return
	}
	dir := filepath.Join("artifacts")
	_ = os.MkdirAll(dir, 0o755)
	name := strings.NewReplacer("/", "_", " ", "_").Replace(b.name) + "-" + label + ".png"
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err == nil {
		b.t.Logf("screenshot: e2e/artifacts/%s", name)
	}
}

func (b *browser) navigate(url string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(url)); err != nil {
		b.t.Fatalf("navigate to %s: %v", url, err)
	}
	b.waitLoaded()
}

// eval runs JavaScript in the page through DevTools (works with the page's
// own scripts disabled too).
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %q: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition.
func (b *browser) waitFor(js, what string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
		if err == nil && v {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("timed out waiting for %s", what)
}

func (b *browser) waitLoaded() {
	b.t.Helper()
	b.waitFor(`document.readyState === "complete"`, "the page to load")
}

func (b *browser) path() string {
	return eval[string](b, `location.pathname + location.search`)
}

// key presses keys (kb constants or text) on the focused element.
func (b *browser) key(keys string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.KeyEvent(keys)); err != nil {
		b.t.Fatalf("key %q: %v", keys, err)
	}
}

// tabTo presses Tab until the focused element matches selector, failing
// when the keyboard cannot reach it, and checks that focus is visible.
func (b *browser) tabTo(selector string) {
	b.t.Helper()
	check := fmt.Sprintf(`document.activeElement && document.activeElement.matches(%q)`, selector)
	for range 80 {
		b.key(kb.Tab)
		if eval[bool](b, check) {
			b.assertFocusVisible(selector)
			return
		}
	}
	b.t.Fatalf("%s: Tab never reaches %s", b.path(), selector)
}

// assertFocusVisible checks that the focused element shows a focus
// indicator (WCAG 2.4.7): an outline or a box shadow.
func (b *browser) assertFocusVisible(what string) {
	b.t.Helper()
	visible := eval[bool](b, `(() => {
		const s = getComputedStyle(document.activeElement);
		return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || (s.boxShadow && s.boxShadow !== "none");
	})()`)
	if !visible {
		b.t.Errorf("%s: focus on %s is not visible", b.path(), what)
	}
}

// activate presses Enter on the focused element and waits for the next page.
func (b *browser) activate() {
	b.t.Helper()
	before := eval[float64](b, `performance.timeOrigin`)
	b.key(kb.Enter)
	b.waitFor(fmt.Sprintf(`performance.timeOrigin !== %f && document.readyState === "complete"`, before), "the next page")
}

// check runs the page checks: axe-core for WCAG 2.1 A and AA, and keeps the
// HTML for the Nu HTML Checker. state names what the page shows.
func (b *browser) check(state string) {
	b.t.Helper()
	html := eval[string](b, `"<!DOCTYPE html>\n" + document.documentElement.outerHTML`)
	b.pages.add(b.t, b.path(), state, html)
	if eval[bool](b, `document.documentElement.lang !== "sv"`) && !strings.Contains(b.path(), "/oidc/") {
		b.t.Errorf("%s: the page's language is not sv", b.path())
	}
	if !b.js {
		return // axe-core needs scripts; the same pages are checked with them on
	}
	if !eval[bool](b, `typeof axe !== "undefined"`) {
		if err := chromedp.Do(b.ctx, chromedp.Evaluate[chromedp.Void](axeScript(b.t))); err != nil {
			b.t.Fatalf("inject axe-core: %v", err)
		}
	}
	type violation struct {
		ID    string `json:"id"`
		Help  string `json:"help"`
		Nodes []struct {
			Target []any  `json:"target"`
			HTML   string `json:"html"`
		} `json:"nodes"`
	}
	res, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]violation](`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
		resultTypes: ["violations"]
	}).then(r => r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => ({target: n.target, html: n.html}))})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("run axe-core: %v", err)
	}
	for _, v := range res {
		for _, n := range v.Nodes {
			b.t.Errorf("axe %s (%s) on %s [%s]: %s at %v: %s", v.ID, v.Help, b.path(), state, v.ID, n.Target, n.HTML)
		}
	}
	if len(res) > 0 {
		b.screenshot("axe-" + state)
	}
}

// pageLog collects the HTML of every page visited, for one vnu run.
type pageLog struct {
	mu    sync.Mutex
	dir   string
	files []string
	names map[string]string
}

func newPageLog(t *testing.T) *pageLog {
	return &pageLog{dir: t.TempDir(), names: map[string]string{}}
}

func (p *pageLog) add(t *testing.T, path, state, html string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := filepath.Join(p.dir, fmt.Sprintf("page-%03d.html", len(p.files)))
	if err := os.WriteFile(f, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	p.files = append(p.files, f)
	p.names[f] = path + " [" + state + "]"
}

// validate runs the Nu HTML Checker over every page: zero errors allowed.
func (p *pageLog) validate(t *testing.T) {
	t.Helper()
	if len(p.files) == 0 {
		return
	}
	jar := filepath.Join("node_modules", "vnu-jar", "build", "dist", "vnu.jar")
	if _, err := os.Stat(jar); err != nil {
		need(t, "vnu-jar", "run npm ci in e2e/")
	}
	java, err := exec.LookPath("java")
	if err != nil {
		need(t, "Java", "apt-get install openjdk-17-jre-headless")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{"-jar", jar, "--errors-only", "--format", "gnu"}, p.files...)
	out, err := exec.CommandContext(ctx, java, args...).CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run vnu: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		for f, name := range p.names {
			line = strings.ReplaceAll(line, `"file:`+f+`"`, name)
			line = strings.ReplaceAll(line, f, name)
		}
		t.Errorf("vnu: %s", line)
	}
	t.Logf("vnu checked %d pages", len(p.files))
}
