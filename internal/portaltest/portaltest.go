// Package portaltest runs the real portal (router, middleware, sessions in
// PostgreSQL) over real HTTP against a real OpenID Connect provider, for
// integration tests, browser journeys and benchmarks.
package portaltest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/auth"
	"itportal/internal/config"
	"itportal/internal/jobs"
	"itportal/internal/postgres"
	"itportal/internal/server"
	"itportal/internal/testkit"
	"itportal/web"
)

// Personas of the tests, beyond the dev ones.
var (
	Employee = auth.Persona{Key: "medarbetare", Name: "Åsa Öberg-O'Connor", Email: "asa.oberg@example.lillaedet.se", EmailVerified: true, Department: "SOC"}
	ITUnit   = auth.Persona{Key: "it", Name: "Mats Lindqvist", Email: "mats@example.lillaedet.se", Groups: []string{"g-it"}}
	ITHead   = auth.Persona{Key: "itchef", Name: "Ingrid Svensson", Email: "ingrid@example.lillaedet.se", Groups: []string{"g-itchef", "g-it"}}
	Deputy   = auth.Persona{Key: "ersattare", Name: "Eva Holm", Email: "eva@example.lillaedet.se", Groups: []string{"g-deputy", "g-it"}}
	Admin    = auth.Persona{Key: "admin", Name: "Anders Nyström", Email: "anders@example.lillaedet.se", Groups: []string{"g-admin"}}
	// Requester files cases; in a department of their own (BUF, when a test
	// creates it before the requester signs in).
	Requester = auth.Persona{Key: "sokande", Name: "Sara Sökande", Email: "sara.sokande@example.lillaedet.se", EmailVerified: true, Department: "BUF"}
	NoGroups  = auth.Persona{Key: "utan-grupper", Name: "Nils Utan", Email: "nils@example.lillaedet.se", OmitGroups: true}
)

// Clock is an injectable clock for session timeouts.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Portal is a running portal with its database and identity provider.
type Portal struct {
	t     testing.TB
	URL   string
	DB    testkit.DB
	Pool  *pgxpool.Pool // as the runtime role
	Owner *pgxpool.Pool // as the owner role
	IdP   *auth.DevIdP
	Srv   *httptest.Server
	Logs  *testkit.LogSink
	Clock *Clock
	Cfg   config.Config
}

// Start runs a portal on a fresh database with the test personas (and the
// dev ones) and two departments. tweak may change the environment.
func Start(t testing.TB, tweak ...func(map[string]string)) *Portal {
	t.Helper()
	return start(t, "", tweak)
}

// EntraTenant is the tenant id of StartEntra's provider.
const EntraTenant = "7d3c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a09"

// StartEntra is Start with a provider shaped like Microsoft Entra ID (see
// testkit.StartEntraIdP) and the portal configured for it as
// docs/operations.md says: the user claim oid, scopes openid profile
// email.
func StartEntra(t testing.TB, tweak ...func(map[string]string)) *Portal {
	t.Helper()
	return start(t, EntraTenant, append([]func(map[string]string){func(env map[string]string) {
		env["ITPORTAL_OIDC_USER_CLAIM"] = "oid"
		env["ITPORTAL_OIDC_SCOPES"] = "openid profile email"
	}}, tweak...))
}

func start(t testing.TB, tenant string, tweak []func(map[string]string)) *Portal {
	t.Helper()
	p := &Portal{t: t, DB: testkit.NewDB(t), Logs: testkit.NewLogSink(), Clock: &Clock{now: time.Now()}}
	personas := append([]auth.Persona{Employee, ITUnit, ITHead, Deputy, Admin, Requester, NoGroups}, auth.DevPersonas...)
	if tenant != "" {
		p.IdP = testkit.StartEntraIdP(t, tenant, personas...)
	} else {
		p.IdP = testkit.StartIdP(t, personas...)
	}
	p.Pool = p.DB.Pool(t)
	p.Owner = p.DB.OwnerPool(t)
	if _, err := p.Owner.Exec(context.Background(), `
		INSERT INTO departments (name, short_name) VALUES ('Socialförvaltningen', 'SOC'), ('Kommunledningsförvaltningen', 'KLF')`); err != nil {
		t.Fatal(err)
	}
	p.serve(tweak)
	return p
}

// Replica runs a second portal over the same database and identity
// provider, with a pool and sessions of its own: another replica.
func (p *Portal) Replica() *Portal {
	p.t.Helper()
	r := &Portal{t: p.t, DB: p.DB, IdP: p.IdP, Owner: p.Owner, Logs: testkit.NewLogSink(), Clock: p.Clock}
	r.Pool = p.DB.Pool(p.t)
	r.serve(nil)
	return r
}

func (p *Portal) serve(tweak []func(map[string]string)) {
	t := p.t
	// The portal's base URL is its listener's address, known before start.
	p.Srv = httptest.NewUnstartedServer(nil)
	p.URL = "http://" + p.Srv.Listener.Addr().String()
	env := map[string]string{
		"ITPORTAL_DATABASE_URL":          p.DB.URL,
		"ITPORTAL_BASE_URL":              p.URL,
		"ITPORTAL_OIDC_ISSUER":           p.IdP.Issuer(),
		"ITPORTAL_OIDC_CLIENT_ID":        p.IdP.ClientID(),
		"ITPORTAL_OIDC_CLIENT_SECRET":    p.IdP.ClientSecret(),
		"ITPORTAL_OIDC_SCOPES":           "openid profile email groups",
		"ITPORTAL_OIDC_DEPARTMENT_CLAIM": "department",
		"ITPORTAL_OIDC_EMPLOYEE_CLAIM":   "employee_number",
		"ITPORTAL_ROLE_GROUPS":           "it_unit=g-it," + auth.DevGroupITUnit + ";it_head=g-itchef," + auth.DevGroupITHead + ";it_head_deputy=g-deputy," + auth.DevGroupDeputy + ";admin=g-admin," + auth.DevGroupAdmin,
		// The tests sign in hundreds of times from 127.0.0.1; the test of
		// the limit itself sets it lower.
		"ITPORTAL_SIGNIN_RATE": "100000",
	}
	for _, f := range tweak {
		f(env)
	}
	cfg, err := config.Load(func(k string) string { return env[k] }, config.ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	p.Cfg = cfg
	assets, err := web.NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(p.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := postgres.NewSessionStore(p.Pool)
	sessions := auth.NewSessions(store, false, cfg.SessionIdle, cfg.SessionMax)
	sessions.Now = p.Clock.Now
	river, err := jobs.NewClient(p.Pool, log, false) // inserts jobs; no workers
	if err != nil {
		t.Fatal(err)
	}
	p.Srv.Config.Handler = server.NewServer(server.Deps{
		Logger: log, Config: cfg, Pool: p.Pool, Assets: assets,
		OIDC: auth.NewOIDC(cfg.OIDC, cfg.BaseURL, log), Sessions: sessions, Enqueue: jobs.Enqueuer(river),
		Now: p.Clock.Now, Jobs: river,
	})
	p.Srv.Start()
	t.Cleanup(p.Srv.Close)
}

// Browser returns a fresh HTTP browser (no cookies) for the portal.
func (p *Portal) Browser() *testkit.Browser { return testkit.NewBrowser(p.t, p.URL) }

// SignedIn returns a browser signed in as persona.
func (p *Portal) SignedIn(persona auth.Persona) *testkit.Browser {
	p.t.Helper()
	b := p.Browser()
	resp := b.SignIn(persona.Key, "/min-sida")
	if resp.StatusCode != 200 {
		p.t.Fatalf("sign in as %s: %d\n%s", persona.Key, resp.StatusCode, resp.Body)
	}
	return b
}

// Itoa formats an id for a URL.
func Itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Recompute runs the compliance board's whole recomputation, as the
// periodic job does: what a test wrote directly in the database (as data
// changed outside the portal) then shows on the board.
func (p *Portal) Recompute() {
	p.t.Helper()
	if _, err := postgres.NewComplianceService(p.Pool, nil, p.Cfg.OfficialWebAddress, p.Clock.Now).Recompute(context.Background(), false); err != nil {
		p.t.Fatal(err)
	}
}
