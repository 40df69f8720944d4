package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"itportal/internal/auth"
	"itportal/internal/pgcluster"
	"itportal/internal/testkit"
)

func TestMain(m *testing.M) {
	// The dev-process test runs this test binary as the itportal command.
	if os.Getenv("ITPORTAL_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	testkit.Main(m)
}

// portal is a running `itportal serve` started through run().
type portal struct {
	URL        string
	MetricsURL string
	Log        *testkit.LogSink
	cancel     context.CancelFunc
	done       chan error
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// freeAddr finds a free loopback port, so the portal's base URL (where the
// provider sends the browser back) is known before it starts.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func serveEnv(t *testing.T, db testkit.DB) map[string]string {
	idp := testkit.StartIdP(t, auth.DevPersonas...)
	addr := freeAddr(t)
	return map[string]string{
		"ITPORTAL_OIDC_ISSUER":          idp.Issuer(),
		"ITPORTAL_OIDC_CLIENT_ID":       idp.ClientID(),
		"ITPORTAL_OIDC_CLIENT_SECRET":   idp.ClientSecret(),
		"ITPORTAL_OIDC_SCOPES":          "openid profile email groups",
		"ITPORTAL_ROLE_GROUPS":          auth.DevRoleGroups,
		"ITPORTAL_DATABASE_URL":         db.URL,
		"ITPORTAL_MIGRATE_DATABASE_URL": db.OwnerURL,
		"ITPORTAL_LISTEN":               addr,
		"ITPORTAL_METRICS_LISTEN":       "127.0.0.1:0",
		"ITPORTAL_BASE_URL":             "http://" + addr,
		"ITPORTAL_SHUTDOWN_DRAIN":       "0s",
		"ITPORTAL_LOG_FORMAT":           "json",
	}
}

var addrRe = regexp.MustCompile(`"addr":"([^"]+)"`)

// startPortal runs `itportal serve` in-process and waits until it is ready.
func startPortal(t *testing.T, vars map[string]string) *portal {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &portal{Log: testkit.NewLogSink(), cancel: cancel, done: make(chan error, 1)}
	start := time.Now()
	go func() { p.done <- run(ctx, []string{"itportal", "serve"}, env(vars), io.Discard, p.Log) }()
	t.Cleanup(func() { p.stop(t) })
	line := p.Log.WaitFor(t, 10*time.Second, `"msg":"listening"`)
	p.URL = "http://" + addrRe.FindStringSubmatch(line)[1]
	line = p.Log.WaitFor(t, 10*time.Second, `"msg":"metrics listening"`)
	p.MetricsURL = "http://" + addrRe.FindStringSubmatch(line)[1]
	waitReady(t, p.URL, 15*time.Second)
	t.Logf("serve: start to ready in %v", time.Since(start))
	return p
}

func (p *portal) stop(t *testing.T) {
	t.Helper()
	p.cancel()
	select {
	case err, ok := <-p.done:
		if ok && err != nil {
			t.Errorf("run returned %v", err)
		}
		close(p.done)
	case <-time.After(30 * time.Second):
		t.Error("portal did not stop within 30 s")
	}
}

func waitReady(t *testing.T, base string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s/readyz not ready within %v", base, timeout)
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestServeSmoke(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	if _, err := db.OwnerPool(t).Exec(context.Background(),
		`INSERT INTO departments (name, short_name) VALUES ('Socialförvaltningen', 'SOC')`); err != nil {
		t.Fatal(err)
	}
	// State for the metrics: a case waiting, a document nobody has
	// acknowledged, a failed verification of the audit chain.
	if _, err := db.OwnerPool(t).Exec(context.Background(), `
		INSERT INTO people (name, email, department_id) SELECT 'Anna Berg', 'anna@example.lillaedet.se', id FROM departments;
		INSERT INTO requests (kind, state, author_id, title, number_year, number_seq, submitted_at)
			SELECT 'inforande', 'inskickat', id, 'Nytt system', 2026, 1, now() FROM people;
		WITH d AS (INSERT INTO documents (slug, title, kind, fixed_by, must_acknowledge) VALUES ('regler', 'Regler', 'regler', 'it_chef', true) RETURNING id)
		INSERT INTO document_versions (document_id, number, markdown, html, sha256, effective_date, published_at)
			SELECT d.id, 1, 'Text', '<p>Text</p>', repeat('a', 64), '2024-01-01', now() FROM d;
		INSERT INTO audit_verifications (ok, rows_checked, anchors_checked, problem, duration_ms) VALUES (false, 10, 1, 'seq 3: changed', 5);`); err != nil {
		t.Fatal(err)
	}
	p := startPortal(t, serveEnv(t, db))

	// Anonymous visitors are sent to sign-in; a signed-in one sees the page.
	if resp, _ := get(t, p.URL+"/"); resp.Request.URL.Path != "/oidc/authorize" {
		t.Fatalf("anonymous start page ended at %s, want the provider's sign-in", resp.Request.URL)
	}
	b := testkit.NewBrowser(t, p.URL)
	page := b.SignIn("it-enheten", "/")
	resp, body := page.Response, page.Body
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("start page: %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{`<html lang="sv">`, "Socialförvaltningen", "Hoppa till huvudinnehållet", `href="/tillganglighet"`} {
		if !strings.Contains(body, want) {
			t.Errorf("start page lacks %q", want)
		}
	}
	wantHeaders := map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"Cache-Control":           "no-store",
	}
	for h, want := range wantHeaders {
		if got := resp.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want it to contain %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP allows inline script or lacks script-src: %q", csp)
	}

	// The access log line names the request, without the query string.
	rid := resp.Header.Get("X-Request-Id")
	resp = b.Get("/?code=secret-value").Response
	rid2 := resp.Header.Get("X-Request-Id")
	line := p.Log.WaitFor(t, 5*time.Second, `"msg":"http request"`, rid)
	var entry map[string]any
	if err := json.Unmarshal([]byte(line), &entry); err != nil {
		t.Fatalf("access log is not JSON: %v: %s", err, line)
	}
	if entry["method"] != "GET" || entry["path"] != "/" || entry["status"] != float64(200) || entry["duration_ms"] == nil {
		t.Errorf("access log line lacks method/path/status/duration: %s", line)
	}
	line2 := p.Log.WaitFor(t, 5*time.Second, `"msg":"http request"`, rid2)
	if strings.Contains(line2, "secret-value") {
		t.Errorf("access log leaks the query string: %s", line2)
	}

	// The container health check asks the running portal.
	listen := strings.TrimPrefix(p.URL, "http://")
	if err := run(context.Background(), []string{"itportal", "healthcheck"}, env(map[string]string{"ITPORTAL_LISTEN": listen}), io.Discard, io.Discard); err != nil {
		t.Errorf("healthcheck against the running portal: %v", err)
	}
	if err := run(context.Background(), []string{"itportal", "healthcheck"}, env(map[string]string{"ITPORTAL_LISTEN": freeAddr(t)}), io.Discard, io.Discard); err == nil {
		t.Error("healthcheck with nothing listening succeeded")
	}

	// Static assets: hashed URL, long cache lifetime.
	css := regexp.MustCompile(`href="(/static/css/site\.[0-9a-f]+\.css)"`).FindStringSubmatch(body)
	if css == nil {
		t.Fatal("no hashed style sheet link")
	}
	resp, _ = get(t, p.URL+css[1])
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("style sheet: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}

	// Unknown paths get the Swedish 404 page.
	resp, body = get(t, p.URL+"/finns-inte")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "Sidan finns inte") {
		t.Errorf("404: %d %s", resp.StatusCode, body)
	}

	// Whatever clients send, the metrics' labels take values from fixed
	// sets: 300 requests with made-up methods and paths add a handful of
	// series, none naming what was sent.
	for i := range 300 {
		req, _ := http.NewRequest(fmt.Sprintf("X%dMETHOD", i), fmt.Sprintf("%s/slump-%d", p.URL, i), nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	// Metrics on their own listener, by route pattern; not on the public one.
	_, metrics := get(t, p.MetricsURL+"/metrics")
	if n := strings.Count(metrics, "\nitportal_http_requests_total{"); n > 30 || strings.Contains(metrics, "METHOD") || strings.Contains(metrics, "slump-") {
		t.Errorf("made-up methods and paths became metric series (%d request series)", n)
	}
	for _, want := range []string{`itportal_http_requests_total{code="200",method="GET",route="/"}`, "itportal_db_pool_total_conns", "itportal_build_info",
		`itportal_cases_waiting{state="inskickat"} 1`, `itportal_acknowledgements_outstanding{document="regler"} 1`, "itportal_audit_chain_ok 0", `itportal_rule_breaches{rule="R14"} 1`, `itportal_rule_breaches{rule="R8"} 0`,
		"itportal_jobs_oldest_available_seconds", "itportal_state_scrape_error 0"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if resp, _ := get(t, p.URL+"/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the public listener: %d, want 404", resp.StatusCode)
	}
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	vars := serveEnv(t, db)
	vars["ITPORTAL_SHUTDOWN_DRAIN"] = "1s"
	p := startPortal(t, vars)
	b := testkit.NewBrowser(t, p.URL)
	b.SignIn("it-enheten", "/")

	// Hold a lock on the register's table and ask for a search nobody has
	// made before: sessions and the unsearched pages come from the caches
	// kept per replica, but a new search always reads PostgreSQL, so the
	// request is still in flight when shutdown begins.
	ctx := context.Background()
	lockTx, err := db.OwnerPool(t).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lockTx.Rollback(context.Background()) })
	if _, err := lockTx.Exec(ctx, `LOCK TABLE systems IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	type result struct {
		status int
		err    error
	}
	slow := make(chan result, 1)
	go func() {
		slow <- result{status: b.Get("/system?q=" + url.QueryEscape("aldrig sökt förut")).StatusCode}
	}()
	waitForLockWait(t, db)

	p.cancel() // as SIGTERM does
	// While draining, /readyz says 503 so the load balancer stops sending.
	deadline := time.Now().Add(900 * time.Millisecond)
	sawDraining := false
	for time.Now().Before(deadline) && !sawDraining {
		if resp, err := http.Get(p.URL + "/readyz"); err == nil {
			resp.Body.Close()
			sawDraining = resp.StatusCode == http.StatusServiceUnavailable
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !sawDraining {
		t.Error("/readyz did not turn 503 during the drain period")
	}
	time.Sleep(1200 * time.Millisecond) // past the drain: Shutdown is waiting on the request
	if err := lockTx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-slow
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("in-flight request: status %d err %v, want 200", r.status, r.err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		close(p.done)
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after shutdown")
	}
	p.done = make(chan error, 1)
	p.done <- nil
}

func waitForLockWait(t *testing.T, db testkit.DB) {
	t.Helper()
	pool := db.SuperuserPool(t)
	for range 200 {
		var n int
		_ = pool.QueryRow(context.Background(),
			`SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, db.Name).Scan(&n)
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the request never waited on the lock")
}

func TestServeSurvivesPostgresRestart(t *testing.T) {
	t.Parallel()
	cluster := testkit.StartCluster(t) // a cluster of its own: this test restarts it
	db := testkit.NewEmptyDB(t, cluster)
	p := startPortal(t, serveEnv(t, db)) // migrates the empty database itself
	b := testkit.NewBrowser(t, p.URL)
	if resp := b.SignIn("admin", "/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("before restart: %d", resp.StatusCode)
	}
	if err := cluster.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		// The session survives the restart: it lives in PostgreSQL.
		if resp := b.Get("/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d after restart: %d\n%s", i, resp.StatusCode, resp.Body)
		}
	}
	if resp, _ := get(t, p.URL+"/readyz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz after restart: %d", resp.StatusCode)
	}
}

func TestServeWaitsForTheDatabase(t *testing.T) {
	t.Parallel()
	cluster := testkit.StartCluster(t)
	db := testkit.NewEmptyDB(t, cluster)
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	vars := serveEnv(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := testkit.NewLogSink()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"itportal", "serve"}, env(vars), io.Discard, logs) }()
	line := logs.WaitFor(t, 10*time.Second, `"msg":"listening"`)
	base := "http://" + addrRe.FindStringSubmatch(line)[1]

	// Alive but not ready, and pages say so in Swedish with 503.
	if resp, _ := get(t, base+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz while the database is down: %d", resp.StatusCode)
	}
	resp, body := get(t, base+"/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "not ready") {
		t.Errorf("readyz while the database is down: %d %q", resp.StatusCode, body)
	}
	// Starting a sign-in needs the session store: a Swedish 503 page.
	resp, body = get(t, base+"/auth/login?next=/")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "tillfälligt otillgänglig") {
		t.Errorf("page while the database is down: %d %s", resp.StatusCode, body)
	}

	time.Sleep(1500 * time.Millisecond) // let the backoff grow
	if err := cluster.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	waitReady(t, base, 5*time.Second)
	t.Logf("ready %v after the database came back", time.Since(back))
	if resp, _ := get(t, base+"/auth/login?next=/"); resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/oidc/authorize" {
		t.Errorf("sign-in after the database came back: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestRunUsageAndConfigErrors(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"itportal"}, env(nil), &out, &errOut)
	if _, ok := err.(usageError); !ok || !strings.Contains(errOut.String(), "itportal serve") {
		t.Errorf("no subcommand: err %v, stderr %q", err, errOut.String())
	}
	errOut.Reset()
	err = run(context.Background(), []string{"itportal", "fly"}, env(nil), &out, &errOut)
	if _, ok := err.(usageError); !ok || !strings.Contains(errOut.String(), `unknown subcommand "fly"`) {
		t.Errorf("wrong subcommand: err %v, stderr %q", err, errOut.String())
	}
	errOut.Reset()
	err = run(context.Background(), []string{"itportal", "serve"}, env(map[string]string{"ITPORTAL_BASE_URL": "portal", "ITPORTAL_LOG_FORMAT": "xml"}), &out, &errOut)
	if err == nil {
		t.Fatal("serve with bad configuration started")
	}
	for _, want := range []string{"ITPORTAL_DATABASE_URL", "ITPORTAL_BASE_URL must be an absolute http(s) URL, got \"portal\"", "ITPORTAL_LOG_FORMAT"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("config error lacks %q:\n%s", want, errOut.String())
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"itportal", "version"}, env(nil), &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "itportal ") {
		t.Errorf("version: %v %q", err, out.String())
	}
}

// TestDevCommand runs `itportal dev` as a real process: it starts its own
// cluster in the working directory, serves the start page with demo data,
// stops cleanly on SIGTERM and leaves no PostgreSQL behind; a second start
// reuses the cluster without doubling the demo data.
func TestDevCommand(t *testing.T) {
	t.Parallel()
	dir := testkit.TempDir(t)
	for round := 1; round <= 2; round++ {
		cmd := exec.Command(os.Args[0], "dev")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(),
			"ITPORTAL_TEST_RUN_MAIN=1",
			"ITPORTAL_LISTEN="+freeAddr(t),
			"ITPORTAL_METRICS_LISTEN=off",
		)
		logs := testkit.NewLogSink()
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var waitOnce sync.Once
		var waitErr error
		wait := func() error { waitOnce.Do(func() { waitErr = cmd.Wait() }); return waitErr }
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = wait() })

		line := logs.WaitFor(t, 60*time.Second, "msg=listening")
		// It says how to reach its database.
		logs.WaitFor(t, time.Second, "connect with psql", "psql 'postgres://itportal_owner")
		addr := regexp.MustCompile(`addr=(\S+)`).FindStringSubmatch(line)[1]
		waitReady(t, "http://"+addr, 20*time.Second)
		// The dev sign-in: a persona from the picker, through real OIDC. The
		// demo's "Regler för IT-säkerhet" comes first (the new-hire gate);
		// once acknowledged, the second round (after a restart) goes
		// straight to the start page.
		b := testkit.NewBrowser(t, "http://"+addr)
		page := b.SignIn("chef", "/")
		gate := page.Header.Get("Location")
		switch {
		case round == 1 && page.StatusCode == http.StatusSeeOther && strings.HasPrefix(gate, "/styrdokument/regler-for-it-sakerhet/kvittera"):
			acknowledge(t, b, gate)
			page = b.Get("/")
		case round == 2 && page.StatusCode == http.StatusSeeOther:
			t.Fatalf("round 2: gated again after a restart (%s): the acknowledgement was lost", gate)
		}
		if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "Karin Åberg") || !strings.Contains(page.Body, "Min personals kvittenser") {
			t.Fatalf("round %d: start page %d, want the persona and her staff's acknowledgements:\n%s", round, page.StatusCode, page.Body)
		}
		// The demo loads once however often the portal starts: one of each
		// department in the register's filter.
		if reg := b.Get("/system"); strings.Count(reg.Body, ">Kommunledningsförvaltningen</option>") != 1 {
			t.Fatalf("round %d: the register's department filter does not list Kommunledningsförvaltningen once:\n%s", round, reg.Body)
		}
		// The outbox holds everyone's mail: administrators only.
		if out := b.Get("/dev/utkorg"); out.StatusCode != http.StatusForbidden {
			t.Errorf("round %d: the dev outbox for a manager: %d, want 403", round, out.StatusCode)
		}
		if round == 1 {
			admin := testkit.NewBrowser(t, "http://"+addr)
			if page := admin.SignIn("admin", "/"); page.StatusCode == http.StatusSeeOther && strings.Contains(page.Header.Get("Location"), "/kvittera") {
				acknowledge(t, admin, page.Header.Get("Location"))
			}
			if out := admin.Get("/dev/utkorg"); out.StatusCode != http.StatusOK || !strings.Contains(out.Body, "Utkorg") {
				t.Errorf("the dev outbox for an administrator: %d", out.StatusCode)
			}
		}
		pidBytes, err := os.ReadFile(filepath.Join(dir, ".itportal/dev/pgdata/postmaster.pid"))
		if err != nil {
			t.Fatalf("no postmaster.pid under .itportal/dev: %v", err)
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := wait(); err != nil {
			t.Fatalf("round %d: itportal dev exited with %v\n%s", round, err, strings.Join(logs.Lines(), "\n"))
		}
		pid, _ := strconv.Atoi(strings.SplitN(string(pidBytes), "\n", 2)[0])
		// pg_ctl's wait ends when the postmaster removes its pid file, a
		// moment before the process itself has exited.
		for deadline := time.Now().Add(5 * time.Second); pgcluster.Alive(pid) && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if pgcluster.Alive(pid) {
			t.Fatalf("round %d: PostgreSQL (pid %d) still running after itportal dev stopped", round, pid)
		}
	}
}

// TestServeWithoutAutoMigrateWaitsForTheSchema: a web-only replica that does
// not migrate stays not-ready until someone else has migrated.
func TestServeWithoutAutoMigrateWaitsForTheSchema(t *testing.T) {
	t.Parallel()
	db := testkit.NewEmptyDB(t, nil)
	vars := serveEnv(t, db)
	vars["ITPORTAL_AUTO_MIGRATE"] = "false"
	vars["ITPORTAL_WORKERS"] = "false"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := testkit.NewLogSink()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"itportal", "serve"}, env(vars), io.Discard, logs) }()
	line := logs.WaitFor(t, 10*time.Second, `"msg":"listening"`)
	base := "http://" + addrRe.FindStringSubmatch(line)[1]
	logs.WaitFor(t, 10*time.Second, "pending migrations")
	if resp, body := get(t, base+"/readyz"); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "pending migrations") {
		t.Fatalf("readyz before migration: %d %q", resp.StatusCode, body)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"itportal", "migrate", "up"}, env(map[string]string{"ITPORTAL_MIGRATE_DATABASE_URL": db.OwnerURL}), &out, io.Discard); err != nil {
		t.Fatalf("migrate up with only the owner's URL: %v", err)
	}
	// Ready at the next retry after the schema is current (the 5 s recovery
	// figure is TestServeWaitsForTheDatabase's; this one is about waiting).
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve's log:\n%s", strings.Join(logs.Lines(), "\n"))
		}
	})
	waitReady(t, base, 60*time.Second) // generous: under a loaded CI the migrations alone can take seconds
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// acknowledge answers the acknowledgement gate at path as a person would.
func acknowledge(t *testing.T, b *testkit.Browser, path string) {
	t.Helper()
	form := b.Get(path)
	field := func(name string) string {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(form.Body)
		if m == nil {
			t.Fatalf("acknowledgement form lacks %s:\n%s", name, form.Body)
		}
		return html.UnescapeString(m[1])
	}
	done := b.Post("/styrdokument/regler-for-it-sakerhet/kvittera", url.Values{"version": {field("version")}, "sha256": {field("sha256")}, "next": {field("next")}})
	if done.StatusCode != http.StatusSeeOther || done.Header.Get("Location") != "/" {
		t.Fatalf("acknowledging: %d %s\n%s", done.StatusCode, done.Header.Get("Location"), done.Body)
	}
}
