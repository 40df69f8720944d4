package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"itportal/internal/markdown"
	"itportal/internal/testkit"
)

// replica is one `itportal serve` process (this test binary run as the
// command), as a deployment runs several behind a load balancer.
type replica struct {
	name string
	cmd  *exec.Cmd
	url  string
	log  *testkit.LogSink
	done chan error
}

func startReplica(t *testing.T, name string, vars map[string]string) *replica {
	t.Helper()
	addr := freeAddr(t)
	r := &replica{name: name, url: "http://" + addr, log: testkit.NewLogSink(), done: make(chan error, 1)}
	r.cmd = exec.Command(os.Args[0], "serve")
	r.cmd.Env = append(os.Environ(), "ITPORTAL_TEST_RUN_MAIN=1", "ITPORTAL_LISTEN="+addr)
	for k, v := range vars {
		if k != "ITPORTAL_LISTEN" {
			r.cmd.Env = append(r.cmd.Env, k+"="+v)
		}
	}
	r.cmd.Stdout, r.cmd.Stderr = io.Discard, r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
		<-r.done
		r.done <- nil
		if t.Failed() {
			t.Logf("log of replica %s:\n%s", r.name, strings.Join(r.log.Lines(), "\n"))
		}
	})
	return r
}

func (r *replica) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(r.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("replica %s not ready within a minute:\n%s", r.name, strings.Join(r.log.Lines(), "\n"))
}

// stop sends sig and waits for the process to end; it returns the error
// of Wait (nil for a clean exit).
func (r *replica) stop(t *testing.T, sig os.Signal) error {
	t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-r.done:
		r.done <- nil
		return err
	case <-time.After(40 * time.Second):
		t.Fatalf("replica %s did not stop", r.name)
		return nil
	}
}

// balancer is a load balancer as a deployment has one: it sends each
// request to a replica whose /readyz answers 200 (checked every 50 ms),
// round robin, and retries nothing.
type balancer struct {
	mu       sync.Mutex
	backends map[string]bool // url → healthy
	order    []string
	next     int
	srv      *http.Server
	url      string
}

func startBalancer(t *testing.T) *balancer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &balancer{backends: map[string]bool{}, url: "http://" + ln.Addr().String()}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			target, _ := url.Parse(b.pick())
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // the portal sees the public host, as behind a real proxy
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) },
	}
	b.srv = &http.Server{Handler: proxy, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = b.srv.Serve(ln) }()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		client := &http.Client{Timeout: 500 * time.Millisecond}
		for ctx.Err() == nil {
			b.mu.Lock()
			urls := append([]string(nil), b.order...)
			b.mu.Unlock()
			for _, u := range urls {
				ok := false
				if resp, err := client.Get(u + "/readyz"); err == nil {
					resp.Body.Close()
					ok = resp.StatusCode == http.StatusOK
				}
				b.mu.Lock()
				if _, still := b.backends[u]; still {
					b.backends[u] = ok
				}
				b.mu.Unlock()
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { cancel(); _ = b.srv.Close() })
	return b
}

func (b *balancer) add(u string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.backends[u] = true
	b.order = append(b.order, u)
}

func (b *balancer) remove(u string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.backends, u)
	for i, o := range b.order {
		if o == u {
			b.order = append(b.order[:i], b.order[i+1:]...)
			break
		}
	}
}

func (b *balancer) pick() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for range len(b.order) {
		u := b.order[b.next%len(b.order)]
		b.next++
		if b.backends[u] {
			return u
		}
	}
	return "http://127.0.0.1:1" // nobody healthy: the request fails
}

// load is a mix of page views and writes (case drafts and
// acknowledgements) at about rate requests per second through the
// balancer, recording every write that was answered as done.
type load struct {
	label    string
	client   *http.Client
	base     string
	failures atomic.Int64
	requests atomic.Int64
	mu       sync.Mutex
	drafts   []string // titles of drafts the portal confirmed
	acks     []string // slugs the portal confirmed acknowledged
	failed   []string
	stop     chan struct{}
	wg       sync.WaitGroup
	ackNext  atomic.Int64 // acknowledgements attempted (slugs used)
}

func startLoad(label string, client *http.Client, base string, rate int, slugs []string) *load {
	l := &load{label: label, client: client, base: base, stop: make(chan struct{})}
	var seq atomic.Int64
	tick := time.NewTicker(time.Second / time.Duration(rate))
	l.wg.Go(func() {
		defer tick.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-tick.C:
			}
			n := seq.Add(1)
			l.wg.Go(func() { l.one(n, &l.ackNext, slugs) })
		}
	})
	return l
}

func (l *load) one(n int64, ackNext *atomic.Int64, slugs []string) {
	var req *http.Request
	var title, slug string
	switch {
	case n%5 == 0: // a write: a case draft with a unique title
		title = fmt.Sprintf("Lastprov %s %d", l.label, n)
		form := url.Values{"title": {title}, "atgard": {"spara"}}
		req, _ = http.NewRequest(http.MethodPost, l.base+"/arenden/nytt?typ=inforande", strings.NewReader(form.Encode()))
	case n%5 == 1 && int(ackNext.Load()) < len(slugs): // an acknowledgement
		i := int(ackNext.Add(1)) - 1
		if i >= len(slugs) {
			req, _ = http.NewRequest(http.MethodGet, l.base+"/min-sida", nil)
			break
		}
		slug = slugs[i]
		form := url.Values{"version": {"1"}, "sha256": {markdown.Hash(docText(slug))}, "next": {"/min-sida"}}
		req, _ = http.NewRequest(http.MethodPost, l.base+"/styrdokument/"+slug+"/kvittera", strings.NewReader(form.Encode()))
	default:
		paths := []string{"/", "/system", "/arenden", "/min-sida"}
		req, _ = http.NewRequest(http.MethodGet, l.base+paths[n%int64(len(paths))], nil)
	}
	if req.Method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", l.base)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	l.requests.Add(1)
	resp, err := l.client.Do(req)
	if err != nil {
		l.fail(fmt.Sprintf("%s %s: %v", req.Method, req.URL.Path, err))
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	ok := resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusSeeOther
	if req.Method == http.MethodPost && resp.StatusCode == http.StatusSeeOther && strings.Contains(resp.Header.Get("Location"), "/auth/login") {
		ok = false // the session was not recognised
	}
	if !ok {
		l.fail(fmt.Sprintf("%s %s: %d", req.Method, req.URL.Path, resp.StatusCode))
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case title != "":
		l.drafts = append(l.drafts, title)
	case slug != "":
		l.acks = append(l.acks, slug)
	}
}

func (l *load) fail(msg string) {
	l.failures.Add(1)
	l.mu.Lock()
	l.failed = append(l.failed, msg)
	l.mu.Unlock()
}

func (l *load) finish() {
	close(l.stop)
	l.wg.Wait()
}

func docText(slug string) string { return "# " + slug + "\n\nLäs och kvittera.\n" }

// TestReplicasActAsOne: two `itportal serve` processes against one
// database behave as one portal behind a load balancer: migrations started
// by both run once, a session made through one holds on the other, the
// same acknowledgement through both at once is recorded once, periodic
// jobs run once, a rolling restart under load fails no request, a replica
// killed with SIGKILL loses no answered write, and a PostgreSQL restart is
// survived within seconds with nothing answered lost.
func TestReplicasActAsOne(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	t.Parallel()
	cluster := testkit.StartCluster(t) // its own: restarted below
	db := testkit.NewEmptyDB(t, cluster)
	ctx := context.Background()
	lb := startBalancer(t)
	vars := serveEnv(t, db)
	vars["ITPORTAL_BASE_URL"] = lb.url
	vars["ITPORTAL_SHUTDOWN_DRAIN"] = "1s"
	vars["ITPORTAL_LOG_LEVEL"] = "warn"

	// Two replicas start at once on an empty database: both migrate.
	a, b := startReplica(t, "a", vars), startReplica(t, "b", vars)
	a.waitReady(t)
	b.waitReady(t)
	lb.add(a.url)
	lb.add(b.url)
	owner := db.OwnerPool(t)
	var dup int
	if err := owner.QueryRow(ctx, `SELECT count(*) FROM (SELECT version_id FROM goose_db_version GROUP BY version_id HAVING count(*) > 1) d`).Scan(&dup); err != nil || dup != 0 {
		t.Fatalf("migrations applied twice: %d (%v)", dup, err)
	}

	// Documents to acknowledge (not blocking use).
	var slugs []string
	for i := range 200 {
		slug := fmt.Sprintf("rutin-%03d", i)
		slugs = append(slugs, slug)
		if _, err := owner.Exec(ctx, `
			WITH d AS (INSERT INTO documents (slug, title, kind, fixed_by, must_acknowledge) VALUES ($1, $1, 'rutin', 'it_chef', true) RETURNING id)
			INSERT INTO document_versions (document_id, number, markdown, html, sha256, effective_date, published_at)
			SELECT d.id, 1, $2, '<p>Läs och kvittera.</p>', $3, '2024-01-01', now() FROM d`, slug, docText(slug), markdown.Hash(docText(slug))); err != nil {
			t.Fatal(err)
		}
	}

	// A session made through the balancer holds on each replica directly.
	br := testkit.NewBrowser(t, lb.url)
	if resp := br.SignIn("it-enheten", "/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in through the balancer: %d", resp.StatusCode)
	}
	cookie := br.Cookie("itportal_session")
	if cookie == nil {
		t.Fatal("no session cookie")
	}
	for _, r := range []*replica{a, b} {
		req, _ := http.NewRequest(http.MethodGet, r.url+"/min-sida", nil)
		req.AddCookie(cookie)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Min sida") {
			t.Fatalf("the session on replica %s: %d", r.name, resp.StatusCode)
		}
	}

	// The same acknowledgement through both replicas at once: one row.
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, r := range []*replica{a, b} {
		wg.Go(func() {
			form := url.Values{"version": {"1"}, "sha256": {markdown.Hash(docText(slugs[0]))}, "next": {"/min-sida"}}
			req, _ := http.NewRequest(http.MethodPost, r.url+"/styrdokument/"+slugs[0]+"/kvittera", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", lb.url)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.AddCookie(cookie)
			if resp, err := http.DefaultTransport.RoundTrip(req); err == nil {
				statuses[i] = resp.StatusCode
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	var acks int
	if err := owner.QueryRow(ctx, `SELECT count(*) FROM acknowledgements`).Scan(&acks); err != nil || acks != 1 || statuses[0] != http.StatusSeeOther || statuses[1] != http.StatusSeeOther {
		t.Fatalf("simultaneous acknowledgement: %d rows, answers %v", acks, statuses)
	}
	slugs = slugs[1:]

	// A sign-out on one replica holds on the other, which had kept the
	// session: once PostgreSQL's notification is in, within a second at most
	// (on this machine a few milliseconds).
	other := testkit.NewBrowser(t, a.url)
	if resp := other.SignIn("systemforvaltare", "/min-sida"); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in on replica a: %d", resp.StatusCode)
	}
	otherCookie := other.Cookie("itportal_session")
	onB := func() int {
		req, _ := http.NewRequest(http.MethodGet, b.url+"/min-sida", nil)
		req.AddCookie(otherCookie)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := onB(); code != http.StatusOK {
		t.Fatalf("the session on replica b before the sign-out: %d", code)
	}
	logout, _ := http.NewRequest(http.MethodPost, a.url+"/auth/logout", nil)
	logout.Header.Set("Origin", lb.url) // the browser's origin is the portal's address, whichever replica answers
	logout.Header.Set("Sec-Fetch-Site", "same-origin")
	logout.AddCookie(otherCookie)
	resp, err := http.DefaultTransport.RoundTrip(logout)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	signedOut := time.Now()
	for onB() != http.StatusSeeOther {
		if time.Since(signedOut) > time.Second {
			t.Fatal("replica b still serves a session signed out on replica a after 1 s")
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("sign-out on a held on b after %v", time.Since(signedOut).Round(time.Microsecond))

	// Periodic jobs run once: only the elected leader schedules them.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		_ = owner.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'purge_sessions'`).Scan(&n)
		if n >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no periodic job ran within 20 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	var purges, leaders int
	if err := owner.QueryRow(ctx, `SELECT (SELECT count(*) FROM river_job WHERE kind = 'purge_sessions'), (SELECT count(*) FROM river_leader)`).Scan(&purges, &leaders); err != nil || purges != 1 || leaders != 1 {
		t.Fatalf("periodic job ran %d times with %d leaders (%v), want once with one", purges, leaders, err)
	}

	// A rolling restart under 50 requests a second fails no request.
	l := startLoad("rullande", br.Client, lb.url, 50, slugs)
	time.Sleep(2 * time.Second)
	for i, old := range []*replica{a, b} {
		fresh := startReplica(t, fmt.Sprintf("%s2", old.name), vars)
		fresh.waitReady(t)
		lb.add(fresh.url)
		time.Sleep(300 * time.Millisecond)
		if err := old.stop(t, syscall.SIGTERM); err != nil {
			t.Errorf("replica %s after SIGTERM: %v", old.name, err)
		}
		lb.remove(old.url)
		if i == 0 {
			a = fresh
		} else {
			b = fresh
		}
	}
	time.Sleep(time.Second)
	l.finish()
	if n := l.failures.Load(); n != 0 {
		t.Errorf("rolling restart: %d of %d requests failed: %v", n, l.requests.Load(), l.failed)
	}
	t.Logf("rolling restart: %d requests, %d failed", l.requests.Load(), l.failures.Load())
	confirmed := func(l *load, what string) {
		t.Helper()
		for _, title := range l.drafts {
			var n int
			if err := owner.QueryRow(ctx, `SELECT count(*) FROM requests WHERE title = $1`, title).Scan(&n); err != nil || n != 1 {
				t.Errorf("%s: draft %q answered as saved exists %d times", what, title, n)
			}
		}
		for _, slug := range l.acks {
			var n int
			if err := owner.QueryRow(ctx, `SELECT count(*) FROM acknowledgements a JOIN document_versions v ON v.id = a.version_id JOIN documents d ON d.id = v.document_id WHERE d.slug = $1`, slug).Scan(&n); err != nil || n != 1 {
				t.Errorf("%s: acknowledgement of %s answered as done exists %d times", what, slug, n)
			}
		}
	}
	confirmed(l, "rolling restart")
	slugs = slugs[min(int(l.ackNext.Load()), len(slugs)):]

	// SIGKILL one replica under load: the other serves on; every write
	// answered as done exists exactly once.
	l = startLoad("sigkill", br.Client, lb.url, 50, slugs)
	time.Sleep(time.Second)
	if err := a.stop(t, syscall.SIGKILL); err == nil {
		t.Error("a killed process exited cleanly")
	}
	time.Sleep(2 * time.Second)
	lb.remove(a.url)
	l.finish()
	confirmed(l, "SIGKILL")
	t.Logf("SIGKILL: %d requests, %d failed (requests in flight on the killed replica may fail)", l.requests.Load(), l.failures.Load())
	slugs = slugs[min(int(l.ackNext.Load()), len(slugs)):]

	// PostgreSQL restarts under load: the replica serves again within five
	// seconds of the database accepting connections; nothing answered is lost.
	l = startLoad("omstart", br.Client, lb.url, 50, slugs)
	time.Sleep(time.Second)
	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := cluster.Start(ctx); err != nil {
		t.Fatal(err)
	}
	accepting := time.Now()
	recovered := time.Duration(-1)
	for time.Since(accepting) < 10*time.Second {
		req, _ := http.NewRequest(http.MethodGet, b.url+"/min-sida", nil)
		req.AddCookie(cookie)
		if resp, err := http.DefaultTransport.RoundTrip(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				recovered = time.Since(accepting)
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if recovered < 0 || recovered > 5*time.Second {
		t.Errorf("replica served again %v after PostgreSQL accepted connections, want within 5 s", recovered)
	}
	time.Sleep(2 * time.Second)
	l.finish()
	confirmed(l, "PostgreSQL restart")
	t.Logf("PostgreSQL restart: recovered in %v; %d requests, %d failed while the database was down", recovered, l.requests.Load(), l.failures.Load())
	if len(l.acks) == 0 || len(l.drafts) == 0 {
		t.Errorf("no write succeeded around the restart (%d acknowledgements, %d drafts)", len(l.acks), len(l.drafts))
	}
}
