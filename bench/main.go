// Command bench is IT-portalen's load benchmark (make bench). It starts a
// private PostgreSQL, seeds a large municipality, runs the real `itportal
// serve` binary and a bare reference server (chi + pgx + templ, 50 rows, no
// middleware), signs in sessions of several personas through the real OIDC
// flow and measures a varied mix of what staff do at 32 concurrent
// clients, nearly every request a different URL drawn from the seed and
// every answer's body checked (mix.go): requests/s, p50/p95/p99 latency
// and errors per kind, against the reference's varied pages in the same
// run, and the server's idle and peak RSS. Then, as a secondary table,
// each key page alone, one URL over and over. Servers and PostgreSQL are
// pinned to CPU 0, the load generator to CPU 1.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sys/unix"

	"itportal/internal/auth"
	"itportal/internal/jobs"
	"itportal/internal/jobs/jobargs"
	"itportal/internal/pgcluster"
	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/registerfile"
	"itportal/internal/sheet"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "reference" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		defer stop()
		if err := serveReference(ctx, os.Getenv("BENCH_DSN"), os.Getenv("BENCH_ADDR")); err != nil {
			fmt.Fprintln(os.Stderr, "reference:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 2 && os.Args[1] == "burn" {
		if err := serveBurn(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "burn:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "sink" {
		if err := serveSink(); err != nil {
			fmt.Fprintln(os.Stderr, "sink:", err)
			os.Exit(1)
		}
		return
	}
	startLoad := loadAverage()
	duration := flag.Duration("duration", 10*time.Second, "measuring time per page of the single-URL table")
	mixDuration := flag.Duration("mix-duration", 0, "measuring time of the varied mix (default three times -duration); the reference's varied pages get half as long, half before and half after it")
	seed := flag.Uint64("seed", 1, "seed of the varied mix's generators (the same seed asks the same things)")
	clients := flag.Int("clients", 32, "concurrent clients")
	staff := flag.Int("staff", 10000, "staff to seed")
	systems := flag.Int("systems", 10000, "systems to seed (each with three roles)")
	flag.IntVar(&cases, "cases", 5000, "cases to seed")
	update := flag.String("update", "", "write the results into this markdown file between the bench markers")
	flag.IntVar(&topStatements, "statements", 0, "with the varied mix: print the N statements PostgreSQL spent most time on during it (pg_stat_statements), to stderr")
	flag.BoolVar(&hold, "hold", false, "seed, then keep the database running and print how to reach it (for EXPLAIN at full size) until interrupted; measures nothing")
	flag.StringVar(&onlyPages, "only", "", "measure only what this names: \"mix\" for the varied mix alone, or part of a page's name in the single-URL table (with the reference), \"import\", \"/rollfordelning\", \"board\", \"start page during\", \"audit verify\", \"scheduler control\"")
	flag.Parse()
	if *mixDuration <= 0 {
		*mixDuration = 3 * *duration
	}
	mixTime, mixSeed, machineAtStart = *mixDuration, *seed, startLoad
	if onlyPages == "scheduler control" { // needs no portal, and is not part of the full run
		line, err := measureScheduler()
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		fmt.Println(line)
		return
	}
	if err := run(*duration, *clients, *staff, *systems, *update); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// cases is how many cases (ärenden) the seed files.
var cases int

// The varied mix's measuring time and seed, and the load average when the
// bench started.
var (
	mixTime        time.Duration
	mixSeed        uint64
	machineAtStart string
)

// mixName names the varied mix for -only.
const mixName = "varied mix"

// selected reports whether -only chose what name names.
func selected(name string) bool { return onlyPages == "" || strings.Contains(name, onlyPages) }

// The bench's personas, seeded as people with these employee numbers: the
// administrator in IT-enheten, a case handler in IT-enheten, and an
// ordinary employee.
var benchPersonas = []auth.Persona{
	{Key: "admin", Name: "Bench Admin", Email: "bench.admin@example.lillaedet.se", EmployeeNumber: "B00000", Groups: []string{auth.DevGroupAdmin, auth.DevGroupITUnit}},
	{Key: "handlaggare", Name: "Bench Handläggare", Email: "bench.handlaggare@example.lillaedet.se", EmployeeNumber: "B00001", Groups: []string{auth.DevGroupITUnit}},
	{Key: "medarbetare", Name: "Bench Medarbetare", Email: "bench.medarbetare@example.lillaedet.se", EmployeeNumber: "B00002", Department: "SOC"},
}

// hold keeps the seeded database for a look at the queries (-hold).
var hold bool

// onlyPages, when set, limits the pages measured (for quick comparisons;
// never with -update).
var onlyPages string

type target struct {
	name string
	path string
	ref  bool // the reference server
	// pathFor, when set, gives each request's path instead of path.
	pathFor func() string
}

type result struct {
	target
	rps, p50, p99 float64
	requests      int
	errors        int
}

func run(duration time.Duration, clients, staff, systems int, update string) error {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	dir, err := os.MkdirTemp("", "itportal-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	_ = os.Chmod(dir, 0o755)

	fmt.Fprintln(os.Stderr, "starting PostgreSQL and seeding", staff, "staff...")
	opts := pgcluster.Options{DataDir: filepath.Join(dir, "pgdata"), WatchParent: true}
	if topStatements > 0 {
		opts.Settings = []string{"shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all", "pg_stat_statements.track_planning=on"}
	}
	cluster, err := pgcluster.New(opts)
	if err != nil {
		return err
	}
	if err := cluster.Start(ctx); err != nil {
		return err
	}
	defer cluster.Close()
	su, err := pgx.Connect(ctx, cluster.URL(pgcluster.Superuser, "postgres"))
	if err != nil {
		return err
	}
	if err := postgres.PrepareRoles(ctx, su, "itportal"); err != nil {
		return err
	}
	su.Close(ctx)
	ownerURL, appURL := cluster.URL("itportal_owner", "itportal"), cluster.URL("itportal_app", "itportal")
	if _, err := postgres.Migrate(ctx, ownerURL, log); err != nil {
		return err
	}
	adminID, err := seed(ctx, ownerURL, staff)
	if err != nil {
		return err
	}
	systemID, err := seedSystems(ctx, ownerURL, systems)
	if err != nil {
		return err
	}
	if err := seedCases(ctx, ownerURL, cases); err != nil {
		return fmt.Errorf("seed cases: %w", err)
	}
	if boardSelected() {
		if err := seedBoard(ctx, ownerURL); err != nil {
			return fmt.Errorf("seed the board: %w", err)
		}
	}
	if hold {
		if err := vacuum(ctx, ownerURL); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "seeded; the database stays until you interrupt (Ctrl-C):\n  psql %q\n", appURL)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		return nil
	}
	// Three dry runs (one figure on this shared VM moved by a second
	// between runs); each left 5,000 dead rows: vacuum them, as autovacuum
	// soon would, so the next run and the pages do not pay for them.
	var importTimes []time.Duration
	importRows := 0
	for range 3 {
		if !selected("import dry run") {
			break
		}
		took, rows, err := measureImport(ctx, appURL)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		importTimes, importRows = append(importTimes, took), rows
		if err := vacuum(ctx, ownerURL); err != nil {
			return err
		}
	}
	slices.Sort(importTimes)
	cat, err := loadCatalogue(ctx, ownerURL)
	if err != nil {
		return fmt.Errorf("read the seed back: %w", err)
	}

	idp, err := auth.StartDevIdP("127.0.0.1:0", benchPersonas)
	if err != nil {
		return err
	}
	defer func() { _ = idp.Shutdown() }()

	mailSink, err := startSink()
	if err != nil {
		return err
	}
	defer mailSink.stop()
	bin := filepath.Join(dir, "itportal")
	fmt.Fprintln(os.Stderr, "building itportal...")
	build := exec.Command("go", "build", "-o", bin, "./cmd/itportal")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	portalAddr, refAddr := freeAddr(), freeAddr()
	portal := exec.Command(bin, "serve")
	portal.Env = append(os.Environ(),
		"ITPORTAL_DATABASE_URL="+appURL, "ITPORTAL_MIGRATE_DATABASE_URL="+ownerURL,
		"ITPORTAL_LISTEN="+portalAddr, "ITPORTAL_METRICS_LISTEN=off", "ITPORTAL_BASE_URL=http://"+portalAddr,
		"ITPORTAL_OIDC_ISSUER="+idp.Issuer(), "ITPORTAL_OIDC_CLIENT_ID="+idp.ClientID(), "ITPORTAL_OIDC_CLIENT_SECRET="+idp.ClientSecret(),
		"ITPORTAL_OIDC_SCOPES=openid profile email groups", "ITPORTAL_OIDC_EMPLOYEE_CLAIM=employee_number",
		"ITPORTAL_ROLE_GROUPS="+auth.DevRoleGroups, "ITPORTAL_SHUTDOWN_DRAIN=0s", "ITPORTAL_DB_MAX_CONNS=20",
		"ITPORTAL_SMTP_URL=smtp://"+mailSink.addr+"?tls=none", "ITPORTAL_MAIL_RATE=100000",
		// Every session signs in from this one address.
		"ITPORTAL_SIGNIN_RATE=100000",
	)
	portalLog, _ := os.Create(filepath.Join(dir, "portal.log"))
	portal.Stdout, portal.Stderr = portalLog, portalLog
	var worker *exec.Cmd
	if mode := os.Getenv("BENCH_WORKERS_APART"); mode != "" {
		env := slices.Clone(portal.Env)
		portal.Env = append(portal.Env, "ITPORTAL_WORKERS=false")
		worker = exec.Command(bin, "serve")
		if mode == "idle" {
			worker = exec.Command("chrt", "--idle", "0", bin, "serve")
		}
		worker.Env = append(env, "ITPORTAL_LISTEN="+freeAddr(), "ITPORTAL_AUTO_MIGRATE=false")
		worker.Stdout, worker.Stderr = portalLog, portalLog
	}
	if err := portal.Start(); err != nil {
		return err
	}
	defer stopProcess(portal)
	if worker != nil {
		time.Sleep(2 * time.Second)
		if err := worker.Start(); err != nil {
			return err
		}
		defer stopProcess(worker)
	}
	self, _ := os.Executable()
	ref := exec.Command(self, "reference")
	ref.Env = append(os.Environ(), "BENCH_DSN="+appURL, "BENCH_ADDR="+refAddr)
	ref.Stderr = os.Stderr
	ref.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := ref.Start(); err != nil {
		return err
	}
	defer stopProcess(ref)
	if err := waitHTTP("http://"+portalAddr+"/readyz", 30*time.Second); err != nil {
		return fmt.Errorf("portal: %w (log in %s)", err, portalLog.Name())
	}
	if err := waitHTTP("http://"+refAddr+"/", 30*time.Second); err != nil {
		return fmt.Errorf("reference: %w", err)
	}

	// Servers and PostgreSQL on CPU 0, the load on the other cores.
	pinned := false
	if runtime.NumCPU() >= 2 {
		pgPID, _ := cluster.PostmasterPID()
		pinned = pin(0, portal.Process.Pid, ref.Process.Pid, pgPID) == nil && pinSelf(mailSink.cmd.Process.Pid) == nil
	}

	fmt.Fprintln(os.Stderr, "signing in", clients, "sessions...")
	var sessions []*http.Client
	for range clients {
		c, err := signIn("http://"+portalAddr, "admin")
		if err != nil {
			return fmt.Errorf("sign in: %w", err)
		}
		sessions = append(sessions, c)
	}
	// The mix's sessions: an eighth the administrator (of the sessions
	// above), an eighth IT-enheten's case handler, the rest employees.
	nAdmin, nIT := max(1, clients/8), clients/8
	var mixers []mixSession
	for i := range clients {
		switch {
		case i < nAdmin:
			mixers = append(mixers, mixSession{client: sessions[i], persona: "admin", admin: true, preparer: true})
		case i < nAdmin+nIT:
			c, err := signIn("http://"+portalAddr, "handlaggare")
			if err != nil {
				return fmt.Errorf("sign in: %w", err)
			}
			mixers = append(mixers, mixSession{client: c, persona: "handlaggare", preparer: true})
		default:
			c, err := signIn("http://"+portalAddr, "medarbetare")
			if err != nil {
				return fmt.Errorf("sign in: %w", err)
			}
			mixers = append(mixers, mixSession{client: c, persona: "medarbetare"})
		}
	}
	refClients := make([]*http.Client, clients)
	for i := range refClients {
		refClients[i] = newClient()
	}

	// The board's first view before anything else has asked for it.
	boardLine := ""
	if boardSelected() {
		if boardLine, err = boardFirstView(sessions[0], "http://"+portalAddr); err != nil {
			return err
		}
	}
	table := fmt.Sprintf("Run %s on %s (%d cores), Go %s; seeded %d systems (three roles each), %d staff, %d cases; servers and PostgreSQL pinned to CPU 0: %v.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), hostname(), runtime.NumCPU(), runtime.Version(), len(cat.systems), len(cat.staff), len(cat.cases), pinned)
	if selected(mixName) {
		fmt.Fprintln(os.Stderr, "measuring the varied mix...")
		if err := resetStatements(ctx, cluster.URL(pgcluster.Superuser, "itportal")); err != nil {
			return err
		}
		postmaster, err := cluster.PostmasterPID()
		if err != nil {
			return err
		}
		text, err := measureMix(cat, "http://"+portalAddr, "http://"+refAddr, mixers, refClients, portal.Process.Pid, ref.Process.Pid, postmaster)
		if err != nil {
			return err
		}
		table += text
		if err := printStatements(ctx, cluster.URL(pgcluster.Superuser, "itportal"), os.Stderr); err != nil {
			return err
		}
	} else {
		table += "Machine: load average " + machineAtStart + " when the bench started.\n"
	}

	// One count across the warm-up and the measurement: a name comes again
	// only after all the others (of which the portal keeps the first 500).
	var searched atomic.Uint64
	targets := []target{
		{name: "reference: 50 rows, chi + pgx + templ, no middleware", path: "http://" + refAddr + "/", ref: true},
		{name: "start page `/`", path: "http://" + portalAddr + "/"},
		{name: "my page `/min-sida`", path: "http://" + portalAddr + "/min-sida"},
		{name: "people list `/admin/personer` (50 per page of " + strconv.Itoa(staff) + ")", path: "http://" + portalAddr + "/admin/personer"},
		{name: "people search `/admin/personer?q=berg`", path: "http://" + portalAddr + "/admin/personer?q=berg"},
		{name: "person page `/admin/personer/{id}`", path: "http://" + portalAddr + "/admin/personer/" + strconv.FormatInt(adminID, 10)},
		{name: "register first page `/system` (50 of " + strconv.Itoa(systems) + ")", path: "http://" + portalAddr + "/system"},
		{name: "register search `/system?q=treserva`", path: "http://" + portalAddr + "/system?q=treserva"},
		{name: "register search with a typo `/system?q=trserva`", path: "http://" + portalAddr + "/system?q=trserva"},
		{name: "register search, another system's name each time (" + strconv.Itoa(systems-12) + " names in turn)", pathFor: func() string {
			n := int(searched.Add(1) % uint64(systems-12))
			return "http://" + portalAddr + "/system?q=" + url.QueryEscape(systemName(12+n))
		}},
		{name: "system page `/system/{id}`", path: "http://" + portalAddr + "/system/" + strconv.FormatInt(systemID, 10)},
		{name: "API `/api/v1/systems?limit=50`", path: "http://" + portalAddr + "/api/v1/systems?limit=50"},
		{name: "work queue `/arenden?vy=ko` (open cases of " + strconv.Itoa(cases) + ")", path: "http://" + portalAddr + "/arenden?vy=ko"},
		{name: "all cases `/arenden?vy=alla`", path: "http://" + portalAddr + "/arenden?vy=alla"},
	}
	if boardSelected() {
		targets = append(targets, target{name: boardName, path: "http://" + portalAddr + "/efterlevnad"})
	}
	var chosen []target
	for _, tg := range targets {
		if tg.ref || selected(tg.name) {
			chosen = append(chosen, tg)
		}
	}
	var results []result
	for _, tg := range chosen {
		if len(chosen) == 1 {
			break // the reference alone: nothing to compare with it
		}
		cs := sessions
		if tg.ref {
			cs = refClients
		}
		fmt.Fprintln(os.Stderr, "measuring", tg.name)
		measure(tg, cs, time.Second) // warm-up
		results = append(results, measure(tg, cs, duration))
	}
	if len(results) > 0 {
		table += report(results, clients, duration, peakRSS(portal.Process.Pid), peakRSS(ref.Process.Pid))
	}
	if selected("/rollfordelning") {
		// One client, one request at a time: the whole Rollfördelning report.
		rollTimes := make([]time.Duration, 0, 5)
		for range 5 {
			start := time.Now()
			resp, err := sessions[0].Get("http://" + portalAddr + "/rollfordelning")
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("rollfordelning: %s", resp.Status)
			}
			rollTimes = append(rollTimes, time.Since(start))
		}
		slices.Sort(rollTimes)
		table += fmt.Sprintf("\n`/rollfordelning` with all %d systems (one client): median %.0f ms, slowest of 5 %.0f ms.\n", systems, ms(rollTimes[2]), ms(rollTimes[4]))
	}
	table += boardLine
	if len(importTimes) == 3 {
		table += fmt.Sprintf("\nImport dry run of a %d-row XLSX into the seeded register, three times: median %.2f s (%.2f–%.2f s).\n",
			importRows, importTimes[1].Seconds(), importTimes[0].Seconds(), importTimes[2].Seconds())
	}
	if onlyPages == "" || strings.Contains("start page during the mail run", onlyPages) {
		// The servers on CPU 0 as for the pages, or (for the run "as
		// deployed") free to use both cores.
		place := func(oneCore bool) error {
			if !pinned {
				return nil
			}
			pgPID, _ := cluster.PostmasterPID()
			pids := []int{portal.Process.Pid, pgPID}
			if worker != nil {
				pids = append(pids, worker.Process.Pid)
			}
			if oneCore {
				return pin(0, pids...)
			}
			return unpin(pids...)
		}
		line, err := measureMail(ctx, appURL, mailSink, target{name: "start page during the mail run", path: "http://" + portalAddr + "/"}, sessions, duration, portal.Process.Pid, place)
		if err != nil {
			return fmt.Errorf("mail: %w", err)
		}
		table += line
	}
	if onlyPages == "" || strings.Contains("audit verify", onlyPages) {
		line, err := measureAuditVerify(ctx, bin, appURL)
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		table += line
	}
	fmt.Println(table)
	if update != "" && onlyPages == "" {
		return updateFile(update, table)
	}
	return nil
}

// seed adds departments, staff and the bench admin; returns the admin's id.
func seed(ctx context.Context, ownerURL string, staff int) (int64, error) {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO departments (name, short_name) VALUES
		('Kommunledningsförvaltningen', 'KLF'), ('Barn- och utbildningsförvaltningen', 'BUF'),
		('Socialförvaltningen', 'SOC'), ('Samhällsbyggnadsförvaltningen', 'SBF'), ('Kultur- och fritidsförvaltningen', 'KFF')`); err != nil {
		return 0, err
	}
	var deps []int64
	rows, _ := conn.Query(ctx, `SELECT id FROM departments ORDER BY id`)
	deps, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, err
	}
	first := []string{"Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Anders", "Sara", "Per", "Åsa", "Örjan"}
	last := []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Berg", "Lindqvist", "Öberg"}
	var data [][]any
	for i := range staff {
		f, l := first[i%len(first)], last[(i/len(first))%len(last)]
		data = append(data, []any{fmt.Sprintf("%06d", 100000+i), f + " " + l,
			strings.ToLower(fmt.Sprintf("%s.%s%d@example.lillaedet.se", f, l, i)), deps[i%len(deps)]})
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"people"}, []string{"employee_number", "name", "email", "department_id"}, pgx.CopyFromRows(data)); err != nil {
		return 0, err
	}
	var id int64
	err = conn.QueryRow(ctx, `INSERT INTO people (employee_number, name, email, department_id) VALUES ('B00000', 'Bench Admin', 'bench.admin@example.lillaedet.se', $1) RETURNING id`, deps[0]).Scan(&id)
	if err != nil {
		return 0, err
	}
	// The other personas of the varied mix (benchPersonas).
	for _, p := range benchPersonas[1:] {
		dep := deps[0]
		if p.Department == "SOC" {
			dep = deps[2]
		}
		if _, err := conn.Exec(ctx, `INSERT INTO people (employee_number, name, email, department_id) VALUES ($1, $2, $3, $4)`, p.EmployeeNumber, p.Name, p.Email, dep); err != nil {
			return 0, err
		}
	}
	_, err = conn.Exec(ctx, `ANALYZE`)
	return id, err
}

// measureMail enqueues one notification mail per seeded person (10,000) for
// the portal's workers, measures the start page while they are sent, and
// reports how long the whole batch took to reach the local SMTP sink.
func measureMail(ctx context.Context, appURL string, s *sink, tg target, clients []*http.Client, d time.Duration, pid int, place func(oneCore bool) error) (string, error) {
	pool, err := postgres.OpenPool(ctx, postgres.PoolConfig{URL: appURL, MaxConns: 2})
	if err != nil {
		return "", err
	}
	defer pool.Close()
	client, err := jobs.NewClient(pool, slog.New(slog.DiscardHandler), false)
	if err != nil {
		return "", err
	}
	rows, err := pool.Query(ctx, `SELECT id FROM people WHERE email IS NOT NULL AND employee_number NOT LIKE 'B%' ORDER BY id LIMIT 10000`)
	if err != nil {
		return "", err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return "", err
	}
	// One reminder per person, as the periodic job enqueues them; the
	// enqueuer packs them into jobs of jobargs.NotifyBatch people.
	var batch []jobargs.Args
	for _, id := range ids {
		batch = append(batch, jobargs.AckReminderNotice{PersonIDs: []int64{id}})
	}
	// Three runs, each measured idle right before a run of 10,000 mails and
	// during the whole run: a steady 100 requests a second (more than a
	// municipality's staff make at its busiest hour) with the portal and
	// PostgreSQL free to use both cores, as on a real server (the load
	// generator and the SMTP sink share the second core); the same load
	// with the portal and PostgreSQL on one core; and every client asking
	// as fast as it can on one core (the machine saturated by the web alone).
	type run struct {
		name       string
		idle, busy result
		took       time.Duration
		rssIdle    int64
		rssMax     int64
	}
	steady := func(more func() bool) result { return measureRate(tg, clients, 100, more) }
	flat := func(more func() bool) result { return measureWhile(tg, clients, more) }
	var runs []run
	for _, load := range []struct {
		name    string
		fn      func(func() bool) result
		oneCore bool
	}{
		{"100 requests/s, both cores", steady, false},
		{"100 requests/s, one core", steady, true},
		{fmt.Sprintf("%d clients as fast as they can, one core", len(clients)), flat, true},
	} {
		if err := place(load.oneCore); err != nil {
			return "", err
		}
		warm := time.Now().Add(time.Second)
		load.fn(func() bool { return time.Now().Before(warm) })
		deadline := time.Now().Add(d)
		r := run{name: load.name, idle: load.fn(func() bool { return time.Now().Before(deadline) }), rssIdle: currentRSS(pid)}
		before := s.n.Load()
		tx, err := pool.Begin(ctx)
		if err != nil {
			return "", err
		}
		if err := jobs.Enqueuer(client)(ctx, tx, batch...); err != nil {
			return "", err
		}
		if err := tx.Commit(ctx); err != nil {
			return "", err
		}
		start := time.Now()
		done := func() bool { return s.n.Load()-before >= int64(len(ids)) }
		var rssMax atomic.Int64
		sampling := make(chan struct{})
		go func() {
			defer close(sampling)
			for !done() && time.Since(start) < 10*time.Minute {
				if v := currentRSS(pid); v > rssMax.Load() {
					rssMax.Store(v)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
		r.busy = load.fn(func() bool { return !done() && time.Since(start) < 10*time.Minute })
		<-sampling
		if !done() {
			return "", fmt.Errorf("only %d of %d mails after 10 minutes", s.n.Load()-before, len(ids))
		}
		r.took, r.rssMax = time.Since(start), rssMax.Load()
		runs = append(runs, r)
	}
	var b strings.Builder
	if err := place(true); err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "\n%d notification mails (jobs of %d people, rate limit lifted) to a local SMTP sink, three times, with the start page under load "+
		"(p99 idle right before, and during the whole run); \"one core\": the portal and PostgreSQL pinned to CPU 0; the SMTP sink is a process of its own:\n\n", len(ids), jobargs.NotifyBatch)
	b.WriteString("| web load | mails delivered in | mails/s | idle p99 | p99 during the run | change | resident memory idle → most during |\n|---|---|---|---|---|---|---|\n")
	for _, r := range runs {
		fmt.Fprintf(&b, "| %s | %.1f s | %.0f | %.2f ms | %.2f ms | %+.0f %% | %.0f → %.0f MB |\n", r.name, r.took.Seconds(),
			float64(len(ids))/r.took.Seconds(), r.idle.p99, r.busy.p99, (r.busy.p99/r.idle.p99-1)*100, float64(r.rssIdle)/1024, float64(r.rssMax)/1024)
	}
	return b.String(), nil
}

// currentRSS is a process's resident memory in kB.
func currentRSS(pid int) int64 { return procStatusKB(pid, "VmRSS:") }

// seedCases files n cases over the last two years from the seeded staff:
// a tenth each waiting, in handling and waiting for completion, the rest
// decided or withdrawn.
func seedCases(ctx context.Context, ownerURL string, n int) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `
		WITH c AS (
			SELECT g,
			       (ARRAY['inforande','uppgradering','oppen_kallkod','egenutvecklad','natanslutning'])[1 + g % 5] AS kind,
			       CASE WHEN g % 10 = 0 THEN 'inskickat' WHEN g % 10 = 1 THEN 'under_handlaggning' WHEN g % 10 = 2 THEN 'komplettering_begard'
			            WHEN g % 10 < 7 THEN 'beviljat' WHEN g % 10 < 9 THEN 'avslaget' ELSE 'aterkallat' END AS state,
			       now() - make_interval(hours => (n - g) * 3) AS submitted
			FROM generate_series(1, $1::int) g, (SELECT $1::int AS n) k
		)
		INSERT INTO requests (kind, state, author_id, department_id, title, description, contact, financing_source, financing_confirmed,
			number_year, number_seq, submitted_at, decided_at, decided_by, decision_motivation)
		SELECT c.kind, c.state, p.id, p.department_id, 'Ärende ' || c.g || ': ' || c.kind, 'Beskrivning av ärendet', p.name, 'Budget', true,
			2025 + c.g % 2, c.g / 2 + 1, c.submitted,
			CASE WHEN c.state IN ('beviljat', 'avslaget') THEN c.submitted + interval '2 days' END,
			CASE WHEN c.state IN ('beviljat', 'avslaget') THEN (SELECT id FROM people WHERE employee_number = 'B00000') END,
			CASE WHEN c.state IN ('beviljat', 'avslaget') THEN 'Motivering' ELSE '' END
		FROM c JOIN LATERAL (SELECT id, name, department_id FROM people ORDER BY id OFFSET (c.g * 7 % 9000) LIMIT 1) p ON true`, n)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `ANALYZE requests`)
	return err
}

// systemName is the name of the i-th seeded system.
func systemName(i int) string {
	products := []string{"Treserva", "Procapita", "Public 360", "Platina", "Heroma", "Raindance", "Skola24", "Unikum", "Sitevision", "ArcGIS", "Libra", "Evolution"}
	syll := []string{"ka", "ro", "mi", "la", "to", "ve", "sa", "nu", "pe", "di", "go", "fa", "bi", "le", "mo", "ri"}
	if i < len(products) {
		return products[i]
	}
	return strings.ToUpper(syll[i%16][:1]) + syll[i%16][1:] + syll[(i/16)%16] + syll[(i/256)%16] + " " + strconv.Itoa(i)
}

// seedSystems adds n systems, each with an owner, an administrator and an
// operations holder (3n role assignments); returns one system's id.
func seedSystems(ctx context.Context, ownerURL string, n int) (int64, error) {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	// Names are distinct, as in a real register: the known products once
	// each, the rest invented from syllables (so a search for "treserva"
	// finds Treserva, not hundreds of look-alikes).
	var rows [][]any
	for i := range n {
		rows = append(rows, []any{systemName(i), "Verksamhetssystem för förvaltningen, version " + strconv.Itoa(i%7),
			[]string{"i_drift", "planerad", "under_inforande", "under_avveckling"}[i%4], []string{"CGI", "Tietoevry", "Visma", "Formpipe"}[i%4]})
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"systems"}, []string{"name", "description", "lifecycle", "supplier"}, pgx.CopyFromRows(rows)); err != nil {
		return 0, err
	}
	if _, err := conn.Exec(ctx, `
		INSERT INTO role_assignments (system_id, role, department_id, valid)
		SELECT s.id, 'owner', (SELECT id FROM departments ORDER BY id OFFSET (s.id % 5) LIMIT 1), '[2024-01-01,)' FROM systems s;
		INSERT INTO role_assignments (system_id, role, person_id, valid, appointed_by)
		SELECT s.id, 'administrator', p.id, '[2024-01-01,)', 'Förvaltningschefen'
		FROM systems s JOIN LATERAL (SELECT id FROM people ORDER BY id OFFSET (s.id % 9000) LIMIT 1) p ON true;
		INSERT INTO role_assignments (system_id, role, operator, valid) SELECT s.id, 'operations', 'IT-enheten', '[2024-01-01,)' FROM systems s`); err != nil {
		return 0, err
	}
	// What autovacuum does in production soon after a bulk load: the
	// visibility map lets counts use index-only scans.
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return 0, err
	}
	var id int64
	err = conn.QueryRow(ctx, `SELECT min(id) FROM systems`).Scan(&id)
	return id, err
}

func vacuum(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `VACUUM ANALYZE`)
	return err
}

// measureImport times the dry run of a 5,000-row register file (made by the
// export code) against the seeded database.
func measureImport(ctx context.Context, appURL string) (time.Duration, int, error) {
	pool, err := postgres.OpenPool(ctx, postgres.PoolConfig{URL: appURL, MaxConns: 4})
	if err != nil {
		return 0, 0, err
	}
	defer pool.Close()
	var records []registerfile.Record
	for i := range 5000 {
		records = append(records, registerfile.Record{
			Facts: portal.SystemFacts{Name: fmt.Sprintf("Importerat system %04d", i), Description: "Från Excel", Category: "forvaltningsspecifik",
				Lifecycle: "i_drift", Hosting: "intern", PersonalData: "personuppgifter", Supplier: "CGI"},
			Owner: "Socialförvaltningen", Administrator: fmt.Sprintf("Förvaltare %04d", i), AdministratorEmail: fmt.Sprintf("forvaltare%04d@example.lillaedet.se", i),
			Operations: "IT-enheten",
		})
	}
	var buf bytes.Buffer
	if err := sheet.WriteXLSX(&buf, registerfile.Table(records)); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	file, err := registerfile.Parse(buf.Bytes())
	if err != nil {
		return 0, 0, err
	}
	it := &portal.Actor{Name: "bench", Roles: []portal.Role{portal.RoleITUnit}}
	res, err := postgres.NewSystemService(pool, nil, "https://www.lillaedet.se").Import(ctx, it, file, postgres.ImportOptions{})
	if err != nil {
		return 0, 0, err
	}
	if res.Created != 5000 {
		return 0, 0, fmt.Errorf("dry run would create %d of 5000 (rejected %d)", res.Created, res.Rejected)
	}
	return time.Since(start), len(file.Rows), nil
}

func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// signIn runs the real OIDC flow against the dev provider.
func signIn(base, persona string) (*http.Client, error) {
	c := newClient()
	get := func(u string) (*http.Response, error) {
		resp, err := c.Get(u)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp, nil
	}
	resp, err := get(base + "/auth/login?next=/")
	if err != nil {
		return nil, err
	}
	authorize, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("login: %s", resp.Status)
	}
	q := authorize.Query()
	q.Set("persona", persona)
	authorize.RawQuery = q.Encode()
	if resp, err = get(authorize.String()); err != nil {
		return nil, err
	}
	cb, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("authorize: %s", resp.Status)
	}
	if resp, err = get(cb.String()); err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("callback: %s", resp.Status)
	}
	return c, nil
}

// measure runs len(clients) workers against tg for d.
func measure(tg target, clients []*http.Client, d time.Duration) result {
	deadline := time.Now().Add(d)
	return measureWhile(tg, clients, func() bool { return time.Now().Before(deadline) })
}

// measureWhile loads tg with every client for as long as more() says.
func measureWhile(tg target, clients []*http.Client, more func() bool) result {
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	began := time.Now()
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			var mine []time.Duration
			bad := 0
			for more() {
				path := tg.path
				if tg.pathFor != nil {
					path = tg.pathFor()
				}
				start := time.Now()
				resp, err := c.Get(path)
				if err != nil {
					bad++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					bad++
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		})
	}
	wg.Wait()
	d := time.Since(began)
	slices.Sort(lat)
	r := result{target: tg, requests: len(lat), errors: errs, rps: float64(len(lat)) / d.Seconds()}
	if len(lat) > 0 {
		r.p50 = ms(lat[len(lat)/2])
		r.p99 = ms(lat[min(len(lat)-1, len(lat)*99/100)])
	}
	return r
}

// measureRate sends tg requests at a steady rate (an open loop, as real
// users arrive: a slow answer does not hold the next request back) for as
// long as more() says.
func measureRate(tg target, clients []*http.Client, rate int, more func() bool) result {
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	began := time.Now()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	for i := 0; more(); i++ {
		<-tick.C
		c := clients[i%len(clients)]
		wg.Go(func() {
			start := time.Now()
			resp, err := c.Get(tg.path)
			ok := err == nil
			if ok {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				ok = resp.StatusCode == http.StatusOK
			}
			mu.Lock()
			defer mu.Unlock()
			if !ok {
				errs++
				return
			}
			lat = append(lat, time.Since(start))
		})
	}
	wg.Wait()
	d := time.Since(began)
	slices.Sort(lat)
	r := result{target: tg, requests: len(lat), errors: errs, rps: float64(len(lat)) / d.Seconds()}
	if len(lat) > 0 {
		r.p50 = ms(lat[len(lat)/2])
		r.p99 = ms(lat[min(len(lat)-1, len(lat)*99/100)])
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func hostname() string {
	host, _ := os.Hostname()
	return host
}

// report is the secondary table: each page alone, one URL over and over
// (what caches serve), against the reference's one repeated query.
func report(rs []result, clients int, d time.Duration, portalRSS, refRSS int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nSecondary: each page alone, one URL over and over (the register search row excepted), %d concurrent clients, %s per page; "+
		"the status only is checked:\n\n", clients, d)
	b.WriteString("| page | requests/s | ratio to reference | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|\n")
	refRPS := rs[0].rps
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %.0f | %.2f | %.2f | %.2f | %d of %d |\n", r.name, r.rps, r.rps/refRPS, r.p50, r.p99, r.errors, r.requests+r.errors)
	}
	fmt.Fprintf(&b, "\nPeak RSS over the run so far: itportal serve %.1f MB, reference %.1f MB.\n", float64(portalRSS)/1024, float64(refRSS)/1024)
	return b.String()
}

// peakRSS reads VmHWM (kB) from /proc.
func peakRSS(pid int) int64 { return procStatusKB(pid, "VmHWM:") }

// procStatusKB reads one kB field of /proc/{pid}/status.
func procStatusKB(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			n, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return n
		}
	}
	return 0
}

func pin(cpu int, pids ...int) error {
	var set unix.CPUSet
	set.Set(cpu)
	return setAffinity(&set, pids...)
}

// unpin lets the processes (and their children) use every core again.
func unpin(pids ...int) error {
	var set unix.CPUSet
	for i := range runtime.NumCPU() {
		set.Set(i)
	}
	return setAffinity(&set, pids...)
}

// setAffinity sets the CPU set of every thread of each process and of its
// child processes (PostgreSQL's backends are the postmaster's children): a
// thread started before the call keeps its own set otherwise.
func setAffinity(set *unix.CPUSet, pids ...int) error {
	parents := map[int]bool{}
	for _, p := range pids {
		if p > 0 {
			parents[p] = true
		}
	}
	all := maps.Keys(parents)
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return err
	}
	var targets []int
	targets = slices.AppendSeq(targets, all)
	for _, e := range procs {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// The parent's pid is the second field after the command in parentheses.
		rest := string(stat[bytes.LastIndexByte(stat, ')')+1:])
		if f := strings.Fields(rest); len(f) > 1 {
			if ppid, _ := strconv.Atoi(f[1]); parents[ppid] {
				targets = append(targets, pid)
			}
		}
	}
	for _, p := range targets {
		if err := setThreads(p, set); err != nil && parents[p] {
			return err // a child that fails has just ended (a backend)
		}
	}
	return nil
}

// pinSelf keeps the load generator (every thread of this process) and the
// other given processes (the SMTP sink) off CPU 0.
func pinSelf(others ...int) error {
	var set unix.CPUSet
	for i := 1; i < runtime.NumCPU(); i++ {
		set.Set(i)
	}
	for _, pid := range append([]int{os.Getpid()}, others...) {
		if err := setThreads(pid, &set); err != nil {
			return err
		}
	}
	return nil
}

// setThreads sets the CPU set of every thread of one process.
func setThreads(pid int, set *unix.CPUSet) error {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, _ := strconv.Atoi(t.Name())
		if err := unix.SchedSetaffinity(tid, set); err != nil && !errors.Is(err, unix.ESRCH) {
			return err
		}
	}
	return nil
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHTTP(u string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("not ready in time: " + u)
}

func stopProcess(c *exec.Cmd) {
	_ = c.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = c.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = c.Process.Kill()
	}
}

// updateFile replaces the text between the bench markers of a markdown file.
func updateFile(path, table string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	const start, end = "<!-- bench:start -->", "<!-- bench:end -->"
	s := string(b)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s … %s markers", path, start, end)
	}
	s = s[:i+len(start)] + "\n" + table + "\n" + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
