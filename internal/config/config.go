// Package config reads the portal's configuration from ITPORTAL_* environment
// variables. Load validates everything at once and reports every problem in
// one error, naming each variable.
package config

import (
	"fmt"
	"itportal/internal/portal"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Mode is the subcommand the configuration is loaded for: defaults differ.
type Mode int

// The modes.
const (
	ModeServe Mode = iota // production: configuration comes from the operator
	ModeDev               // the embedded default: a private database, loopback only
	ModeTool              // one-shot commands (migrate, import, export): database only
)

// Config is the validated configuration.
type Config struct {
	DatabaseURL        string
	MigrateDatabaseURL string
	Listen             string
	MetricsListen      string // "" turns the metrics listener off
	BaseURL            *url.URL
	AutoMigrate        bool
	Workers            bool
	LogFormat          string // json or text
	LogLevel           string // debug, info, warn, error

	DBMaxConns       int32
	DBMinConns       int32
	StatementTimeout time.Duration

	OfficialWebAddress string // R13: websites representing the municipality live here

	OIDC         OIDC
	RoleGroups   map[string][]string // role name → identity-provider group ids
	RoleAppRoles map[string][]string // role name → app role values (Entra app roles)

	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the
	// client (for the sign-in rate limit); empty: the peer address is the client.
	TrustedProxies []netip.Prefix

	SessionIdle time.Duration
	AckGrace    time.Duration // how long a new version of a document may wait for acknowledgement
	AckRemind   time.Duration // remind who has not acknowledged after this long, at most this often
	SessionMax  time.Duration

	Mail Mail
	Dev  bool // itportal dev: the outbox page and other dev-only aids

	JobRescueAfter time.Duration // a job whose worker died is retried after this long

	ShutdownTimeout time.Duration // how long in-flight requests may take to finish
	ShutdownDrain   time.Duration // how long /readyz reports 503 before the listener closes
	RequestTimeout  time.Duration // longest time a handler may take

	// BodyTimeout is how long the body of a form, and of every request
	// before sign-in, may take to arrive; UploadTimeout the same for a
	// file a signed-in person may upload. BodiesPerClient is how many
	// requests one client address may have sending a body at once.
	BodyTimeout     time.Duration
	UploadTimeout   time.Duration
	BodiesPerClient int

	// HandlingDays is the handling time per kind of case, from which the
	// work queue computes each case's due date.
	HandlingDays portal.HandlingDays
	// ContractReminderDays are the days before a contract's deadline on
	// which it is reminded of (ITPORTAL_CONTRACT_REMINDER_DAYS), largest
	// first.
	ContractReminderDays []int
}

// Mail configures notifications by e-mail. Without an SMTP URL, mail is
// kept in the database's outbox (shown at /dev/utkorg in dev mode).
type Mail struct {
	SMTPURL    *url.URL // smtp://user:pass@host:587; ?tls=none only for a local relay
	From       string
	PerMinute  int    // rate limit of the sending mailbox
	ITUnitMail string // IT-enheten's shared address
	AnchorMail string // where the audit chain's daily anchor is mailed
}

// OIDC configures single sign-on against the municipality's identity provider.
type OIDC struct {
	Issuer          string
	ClientID        string
	ClientSecret    string
	Scopes          []string
	UserClaim       string // the stable identity claim: sub, or oid for Entra ID
	GroupsClaim     string
	DepartmentClaim string // optional: sets the person's department at sign-in
	EmployeeClaim   string // optional: links imported people by employee number
	TrustEmail      bool   // link imported people by a verified e-mail address

	// RolesClaim lists the application roles assigned to the person (Entra
	// app roles: "roles"); read when ITPORTAL_ROLE_APP_ROLES maps any.
	RolesClaim string
	// GraphGroups resolves a group overage (more groups than fit in the
	// token) through Microsoft Graph with the sign-in's access token;
	// otherwise such a sign-in is refused.
	GraphGroups bool
	GraphURL    string // Microsoft Graph's base URL, without /v1.0

	// SignInRate is how many sign-ins one client address may start per
	// minute (a token bucket of this size, refilled at this rate).
	SignInRate int
}

// DefaultGraphURL is Microsoft Graph's global service.
const DefaultGraphURL = "https://graph.microsoft.com"

// Roles that ITPORTAL_ROLE_GROUPS may name.
var roleNames = []string{"it_unit", "it_head", "it_head_deputy", "admin"}

// Error lists every configuration problem found.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// Variable documents one environment variable (README and docs/operations.md
// are checked against this list by a test).
type Variable struct {
	Name    string
	Default string
	Help    string
}

// Variables lists every variable Load reads.
var Variables = []Variable{
	{"ITPORTAL_DATABASE_URL", "(required for serve; dev starts its own)", "PostgreSQL URL of the runtime role the portal serves with"},
	{"ITPORTAL_MIGRATE_DATABASE_URL", "ITPORTAL_DATABASE_URL", "PostgreSQL URL of the owner role that runs migrations"},
	{"ITPORTAL_LISTEN", ":8080 (dev: 127.0.0.1:8080)", "address the web server listens on"},
	{"ITPORTAL_METRICS_LISTEN", "127.0.0.1:9090", "address of the separate /metrics listener; \"off\" disables it"},
	{"ITPORTAL_BASE_URL", "(required for serve; dev: http://127.0.0.1:8080)", "the public URL of the portal, used in links and sign-in redirects"},
	{"ITPORTAL_AUTO_MIGRATE", "true", "apply pending migrations at start (under an advisory lock)"},
	{"ITPORTAL_WORKERS", "true", "run background job workers in this process; false for web-only replicas"},
	{"ITPORTAL_LOG_FORMAT", "json (dev: text)", "log format: json or text"},
	{"ITPORTAL_LOG_LEVEL", "info", "log level: debug, info, warn or error"},
	{"ITPORTAL_DB_MAX_CONNS", "10", "largest number of database connections in the pool"},
	{"ITPORTAL_DB_MIN_CONNS", "0", "connections kept open when idle"},
	{"ITPORTAL_DB_STATEMENT_TIMEOUT", "10s", "longest time one SQL statement may run"},
	{"ITPORTAL_OIDC_ISSUER", "(required for serve; dev starts its own provider)", "the identity provider's issuer URL, exactly as in its discovery document (Entra ID: https://login.microsoftonline.com/<tenant id>/v2.0)"},
	{"ITPORTAL_OIDC_CLIENT_ID", "(required for serve)", "the portal's client (application) id at the identity provider"},
	{"ITPORTAL_OIDC_CLIENT_SECRET", "", "the client secret (confidential client)"},
	{"ITPORTAL_OIDC_SCOPES", "openid profile email", "scopes asked for at sign-in, space-separated"},
	{"ITPORTAL_OIDC_USER_CLAIM", "sub", "the stable identity claim users are known by (oid for Entra ID)"},
	{"ITPORTAL_OIDC_GROUPS_CLAIM", "groups", "the claim that lists the user's groups"},
	{"ITPORTAL_OIDC_DEPARTMENT_CLAIM", "", "optional claim naming the user's department (name or short name)"},
	{"ITPORTAL_OIDC_EMPLOYEE_CLAIM", "", "optional claim with the employee number, used to link people imported before they sign in"},
	{"ITPORTAL_OIDC_TRUST_EMAIL", "false", "link people imported before they sign in by e-mail, when the token says email_verified=true"},
	{"ITPORTAL_ROLE_GROUPS", "", "groups that give roles: it_unit=<group id>;it_head=<group id>;it_head_deputy=<group id>;admin=<group id> (several ids separated by commas)"},
	{"ITPORTAL_OIDC_ROLES_CLAIM", "roles", "the claim that lists the application roles assigned to the user (Entra ID app roles)"},
	{"ITPORTAL_ROLE_APP_ROLES", "", "application roles that give roles: it_unit=<app role value>;it_head=<value>;it_head_deputy=<value>;admin=<value> (several values separated by commas); with Entra ID the recommended way, since app roles never overflow the token"},
	{"ITPORTAL_OIDC_GRAPH_GROUPS", "false", "when a user has too many groups for the token (Entra ID group overage), read them from Microsoft Graph with the sign-in's access token (needs User.Read in ITPORTAL_OIDC_SCOPES); when false such a sign-in is refused"},
	{"ITPORTAL_OIDC_GRAPH_URL", DefaultGraphURL, "Microsoft Graph's base URL for ITPORTAL_OIDC_GRAPH_GROUPS (a national cloud's Graph, or a local test server)"},
	{"ITPORTAL_SIGNIN_RATE", "30", "sign-ins one client address may start per minute (per replica); more get 429"},
	{"ITPORTAL_TRUSTED_PROXIES", "", "addresses or CIDR ranges of the reverse proxies whose X-Forwarded-For header names the client, comma-separated; empty: the connection's peer is the client"},
	{"ITPORTAL_SESSION_IDLE", "30m", "a session ends after this long without requests"},
	{"ITPORTAL_ACK_REMINDER", "168h", "remind people who have not acknowledged a document after this long (7 days), and again at most this often"},
	{"ITPORTAL_ACK_GRACE", "720h", "after a new version that must be acknowledged again, people who acknowledged an earlier one may keep working this long (30 days) before the portal asks them first"},
	{"ITPORTAL_SESSION_MAX", "12h", "a session ends this long after sign-in, however active"},
	{"ITPORTAL_OFFICIAL_WEB_ADDRESS", "https://www.lillaedet.se", "the municipality's official web address: websites that represent the municipality must be https on exactly this host (R13)"},
	{"ITPORTAL_OFFICIAL_DOMAIN", "(none: ITPORTAL_OFFICIAL_WEB_ADDRESS)", "the official address as a bare host name, e.g. www.lillaedet.se, meaning https://<host>; an alternative to ITPORTAL_OFFICIAL_WEB_ADDRESS (set one of them)"},
	{"ITPORTAL_SMTP_URL", "(none: mail goes to the database outbox)", "mail server for notifications: smtp://user:password@host:587 (STARTTLS required; ?tls=none only for a local relay)"},
	{"ITPORTAL_MAIL_FROM", "IT-portalen <it-portalen@lillaedet.se>", "sender of notification mail"},
	{"ITPORTAL_MAIL_RATE", "30", "notification mails per minute at most (30 is the limit of a Microsoft 365 mailbox)"},
	{"ITPORTAL_IT_UNIT_MAIL", "", "IT-enheten's shared address, told of every role and operations change"},
	{"ITPORTAL_AUDIT_ANCHOR_MAIL", "", "an address outside IT-portalen's own database administration (e.g. the archivist or internal audit) that receives the audit chain's head every night; keep these mails: `itportal audit verify --anchors` checks the chain against them"},
	{"ITPORTAL_JOB_RESCUE_AFTER", "5m", "a background job whose worker process died (a crash, kill -9) is retried after this long"},
	{"ITPORTAL_SHUTDOWN_TIMEOUT", "20s", "how long in-flight requests may take to finish at shutdown"},
	{"ITPORTAL_SHUTDOWN_DRAIN", "5s (dev: 0s)", "how long /readyz answers 503 before the listener closes at shutdown"},
	{"ITPORTAL_REQUEST_TIMEOUT", "30s", "longest time one request may take"},
	{"ITPORTAL_BODY_TIMEOUT", "10s", "longest time the body of a form (and of any request before sign-in) may take to arrive; a slower one gets 408"},
	{"ITPORTAL_UPLOAD_TIMEOUT", "3m", "longest time a file upload by a signed-in person who may upload there may take to arrive (20 MB in 3 minutes is about 1 Mbit/s); a slower one gets 408"},
	{"ITPORTAL_BODIES_PER_CLIENT", "8", "requests one client address may have sending a body at once (per replica); more get 429"},
	{"ITPORTAL_CONTRACT_REMINDER_DAYS", "180,90,30,0", "days before a contract's notice or option deadline on which its responsible person and IT-enheten are reminded (0: on the day), whole days 0–730 separated by commas; each reminder is sent once per contract, deadline and offset"},
	{"ITPORTAL_HANDLING_DAYS", "inforande=30,uppgradering=20,oppen_kallkod=30,egenutvecklad=30,natanslutning=20,driftforandring=10", "handling time per kind of case in calendar days from submission (1–365), kind=days separated by commas; kinds not named keep their default; the work queue marks a case still open after its due date as overdue"},
}

// Load reads and validates the configuration for mode.
func Load(getenv func(string) string, mode Mode) (Config, error) {
	p := parser{getenv: getenv}
	c := Config{}

	c.DatabaseURL = p.str("ITPORTAL_DATABASE_URL", "")
	if c.DatabaseURL == "" && mode == ModeTool && getenv("ITPORTAL_MIGRATE_DATABASE_URL") != "" {
		// Migrations need only the owner's URL.
	} else if c.DatabaseURL == "" && mode != ModeDev {
		p.fail("ITPORTAL_DATABASE_URL must be set (postgres://user:password@host:5432/dbname)")
	}
	if c.DatabaseURL != "" {
		p.dbURL("ITPORTAL_DATABASE_URL", c.DatabaseURL)
	}
	c.MigrateDatabaseURL = p.str("ITPORTAL_MIGRATE_DATABASE_URL", c.DatabaseURL)
	if v := getenv("ITPORTAL_MIGRATE_DATABASE_URL"); v != "" {
		p.dbURL("ITPORTAL_MIGRATE_DATABASE_URL", v)
	}

	defListen, defBase, defFormat, defDrain := ":8080", "", "json", 5*time.Second
	if mode == ModeDev {
		defListen, defBase, defFormat, defDrain = "127.0.0.1:8080", "http://127.0.0.1:8080", "text", 0
	}
	if mode == ModeTool {
		defFormat = "text"
	}
	c.Listen = p.addr("ITPORTAL_LISTEN", defListen)
	if mode == ModeDev {
		// The dev sign-in redirects back here, so the default follows the listener.
		if host, port, err := net.SplitHostPort(c.Listen); err == nil {
			if host == "" || host == "0.0.0.0" || host == "::" {
				host = "127.0.0.1"
			}
			defBase = "http://" + net.JoinHostPort(host, port)
		}
	}
	c.MetricsListen = p.str("ITPORTAL_METRICS_LISTEN", "127.0.0.1:9090")
	if c.MetricsListen == "off" {
		c.MetricsListen = ""
	} else {
		p.addr("ITPORTAL_METRICS_LISTEN", "127.0.0.1:9090")
	}
	c.BaseURL = p.baseURL("ITPORTAL_BASE_URL", defBase, mode == ModeServe)
	c.AutoMigrate = p.boolean("ITPORTAL_AUTO_MIGRATE", true)
	c.Workers = p.boolean("ITPORTAL_WORKERS", true)
	c.LogFormat = p.oneOf("ITPORTAL_LOG_FORMAT", defFormat, "json", "text")
	c.LogLevel = p.oneOf("ITPORTAL_LOG_LEVEL", "info", "debug", "info", "warn", "error")
	c.DBMaxConns = int32(p.integer("ITPORTAL_DB_MAX_CONNS", 10, 1, 1000))
	c.DBMinConns = int32(p.integer("ITPORTAL_DB_MIN_CONNS", 0, 0, 1000))
	if c.DBMinConns > c.DBMaxConns {
		p.fail(fmt.Sprintf("ITPORTAL_DB_MIN_CONNS (%d) must not exceed ITPORTAL_DB_MAX_CONNS (%d)", c.DBMinConns, c.DBMaxConns))
	}
	c.OIDC = OIDC{
		Issuer:          strings.TrimRight(p.str("ITPORTAL_OIDC_ISSUER", ""), " "),
		ClientID:        p.str("ITPORTAL_OIDC_CLIENT_ID", ""),
		ClientSecret:    p.str("ITPORTAL_OIDC_CLIENT_SECRET", ""),
		Scopes:          strings.Fields(p.str("ITPORTAL_OIDC_SCOPES", "openid profile email")),
		UserClaim:       p.str("ITPORTAL_OIDC_USER_CLAIM", "sub"),
		GroupsClaim:     p.str("ITPORTAL_OIDC_GROUPS_CLAIM", "groups"),
		DepartmentClaim: p.str("ITPORTAL_OIDC_DEPARTMENT_CLAIM", ""),
		EmployeeClaim:   p.str("ITPORTAL_OIDC_EMPLOYEE_CLAIM", ""),
		TrustEmail:      p.boolean("ITPORTAL_OIDC_TRUST_EMAIL", false),
		RolesClaim:      p.str("ITPORTAL_OIDC_ROLES_CLAIM", "roles"),
		GraphGroups:     p.boolean("ITPORTAL_OIDC_GRAPH_GROUPS", false),
		GraphURL:        strings.TrimRight(p.str("ITPORTAL_OIDC_GRAPH_URL", DefaultGraphURL), "/"),
		SignInRate:      p.integer("ITPORTAL_SIGNIN_RATE", 30, 1, 100000),
	}
	p.loopbackOrHTTPS("ITPORTAL_OIDC_GRAPH_URL", c.OIDC.GraphURL)
	if mode == ModeServe {
		if c.OIDC.Issuer == "" {
			p.fail("ITPORTAL_OIDC_ISSUER must be set to the identity provider's issuer URL")
		}
		if c.OIDC.ClientID == "" {
			p.fail("ITPORTAL_OIDC_CLIENT_ID must be set to the portal's client id at the identity provider")
		}
	}
	if c.OIDC.Issuer != "" {
		p.issuer("ITPORTAL_OIDC_ISSUER", c.OIDC.Issuer)
		if c.OIDC.ClientID == "" && mode != ModeServe {
			p.fail("ITPORTAL_OIDC_CLIENT_ID must be set when ITPORTAL_OIDC_ISSUER is")
		}
	}
	if len(c.OIDC.Scopes) > 0 && c.OIDC.Scopes[0] != "openid" && !containsString(c.OIDC.Scopes, "openid") {
		p.fail(fmt.Sprintf("ITPORTAL_OIDC_SCOPES must include openid, got %q", strings.Join(c.OIDC.Scopes, " ")))
	}
	c.RoleGroups = p.roleGroups("ITPORTAL_ROLE_GROUPS")
	c.RoleAppRoles = p.roleGroups("ITPORTAL_ROLE_APP_ROLES")
	if c.OIDC.GraphGroups {
		if len(c.RoleGroups) == 0 {
			p.fail("ITPORTAL_OIDC_GRAPH_GROUPS=true reads groups for ITPORTAL_ROLE_GROUPS, which is empty")
		}
		if !graphScope(c.OIDC.Scopes) {
			p.fail("ITPORTAL_OIDC_GRAPH_GROUPS=true needs User.Read in ITPORTAL_OIDC_SCOPES (e.g. \"openid profile email User.Read\"), so the access token may list the person's groups in Microsoft Graph")
		}
	}
	c.TrustedProxies = p.prefixes("ITPORTAL_TRUSTED_PROXIES")
	c.OfficialWebAddress = p.str("ITPORTAL_OFFICIAL_WEB_ADDRESS", "https://www.lillaedet.se")
	if u, err := url.Parse(c.OfficialWebAddress); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		p.fail(fmt.Sprintf("ITPORTAL_OFFICIAL_WEB_ADDRESS must be an https URL such as https://www.lillaedet.se, got %q", c.OfficialWebAddress))
	}
	if host := p.str("ITPORTAL_OFFICIAL_DOMAIN", ""); host != "" {
		switch {
		case !validHostName(host):
			p.fail(fmt.Sprintf("ITPORTAL_OFFICIAL_DOMAIN must be a bare host name such as www.lillaedet.se (no scheme, port or path), got %q", host))
		case p.getenv("ITPORTAL_OFFICIAL_WEB_ADDRESS") != "" && !strings.EqualFold(strings.TrimRight(c.OfficialWebAddress, "/"), "https://"+host):
			p.fail("ITPORTAL_OFFICIAL_DOMAIN and ITPORTAL_OFFICIAL_WEB_ADDRESS name different addresses: set one of them")
		default:
			c.OfficialWebAddress = "https://" + strings.ToLower(host)
		}
	}
	if days, err := portal.ParseContractReminderDays(p.str("ITPORTAL_CONTRACT_REMINDER_DAYS", "")); err != nil {
		p.fail("ITPORTAL_CONTRACT_REMINDER_DAYS: " + err.Error())
	} else {
		c.ContractReminderDays = days
	}
	if hd, err := portal.ParseHandlingDays(p.str("ITPORTAL_HANDLING_DAYS", "")); err != nil {
		p.fail("ITPORTAL_HANDLING_DAYS: " + err.Error())
	} else {
		c.HandlingDays = hd
	}
	c.SessionIdle = p.duration("ITPORTAL_SESSION_IDLE", 30*time.Minute, time.Minute, 24*time.Hour)
	if raw := p.str("ITPORTAL_SMTP_URL", ""); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			p.fail("ITPORTAL_SMTP_URL must be smtp://user:password@host:587 or smtps://host:465 (details withheld: it may contain a password)")
		} else {
			if t := u.Query().Get("tls"); t != "" && t != "none" {
				p.fail("ITPORTAL_SMTP_URL: the only tls setting is tls=none, for a local relay")
			}
			c.Mail.SMTPURL = u
		}
	}
	c.Dev = mode == ModeDev
	c.JobRescueAfter = p.duration("ITPORTAL_JOB_RESCUE_AFTER", 5*time.Minute, 2*time.Second, 24*time.Hour)
	c.Mail.From = p.str("ITPORTAL_MAIL_FROM", "IT-portalen <it-portalen@lillaedet.se>")
	if a, err := mail.ParseAddress(c.Mail.From); err != nil || strings.ContainsAny(c.Mail.From, "\r\n") || !portal.ValidEmail(a.Address) {
		p.fail("ITPORTAL_MAIL_FROM must be one address, e.g. IT-portalen <it-portalen@lillaedet.se>")
	}
	c.Mail.PerMinute = p.integer("ITPORTAL_MAIL_RATE", 30, 1, 100000)
	c.Mail.ITUnitMail = p.str("ITPORTAL_IT_UNIT_MAIL", "")
	c.Mail.AnchorMail = p.str("ITPORTAL_AUDIT_ANCHOR_MAIL", "")
	if v := c.Mail.AnchorMail; v != "" && !portal.ValidEmail(v) {
		p.fail("ITPORTAL_AUDIT_ANCHOR_MAIL must be one e-mail address")
	}
	if v := c.Mail.ITUnitMail; v != "" && !portal.ValidEmail(v) {
		p.fail("ITPORTAL_IT_UNIT_MAIL must be an e-mail address such as it-enheten@lillaedet.se")
	}
	c.AckGrace = p.duration("ITPORTAL_ACK_GRACE", 30*24*time.Hour, 0, 365*24*time.Hour)
	c.AckRemind = p.duration("ITPORTAL_ACK_REMINDER", 7*24*time.Hour, time.Hour, 365*24*time.Hour)
	c.SessionMax = p.duration("ITPORTAL_SESSION_MAX", 12*time.Hour, 5*time.Minute, 7*24*time.Hour)
	if c.SessionIdle > c.SessionMax {
		p.fail("ITPORTAL_SESSION_IDLE must not exceed ITPORTAL_SESSION_MAX")
	}
	c.StatementTimeout = p.duration("ITPORTAL_DB_STATEMENT_TIMEOUT", 10*time.Second, time.Millisecond, time.Hour)
	c.ShutdownTimeout = p.duration("ITPORTAL_SHUTDOWN_TIMEOUT", 20*time.Second, 0, 10*time.Minute)
	c.ShutdownDrain = p.duration("ITPORTAL_SHUTDOWN_DRAIN", defDrain, 0, 5*time.Minute)
	c.RequestTimeout = p.duration("ITPORTAL_REQUEST_TIMEOUT", 30*time.Second, time.Second, 10*time.Minute)
	c.BodyTimeout = p.duration("ITPORTAL_BODY_TIMEOUT", 10*time.Second, time.Second, 10*time.Minute)
	c.UploadTimeout = p.duration("ITPORTAL_UPLOAD_TIMEOUT", 3*time.Minute, time.Second, time.Hour)
	if c.UploadTimeout < c.BodyTimeout {
		p.fail("ITPORTAL_UPLOAD_TIMEOUT must not be less than ITPORTAL_BODY_TIMEOUT")
	}
	c.BodiesPerClient = p.integer("ITPORTAL_BODIES_PER_CLIENT", 8, 1, 10000)

	if len(p.problems) > 0 {
		return Config{}, &Error{Problems: p.problems}
	}
	return c, nil
}

type parser struct {
	getenv   func(string) string
	problems []string
}

func (p *parser) fail(msg string) { p.problems = append(p.problems, msg) }

func (p *parser) str(name, def string) string {
	if v := strings.TrimSpace(p.getenv(name)); v != "" {
		return v
	}
	return def
}

func (p *parser) dbURL(name, v string) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// Never echo the value: it may hold a password.
		p.fail(name + " must be a postgres:// or postgresql:// URL")
	}
}

func (p *parser) addr(name, def string) string {
	v := p.str(name, def)
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		p.fail(fmt.Sprintf("%s must be host:port or :port, got %q", name, v))
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p.fail(fmt.Sprintf("%s has an invalid port, got %q", name, v))
	}
	return v
}

func (p *parser) baseURL(name, def string, required bool) *url.URL {
	v := p.str(name, def)
	if v == "" {
		if required {
			p.fail(name + " must be set to the portal's public URL, e.g. https://itportalen.lillaedet.se")
		}
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		p.fail(fmt.Sprintf("%s must be an absolute http(s) URL, got %q", name, v))
		return nil
	}
	// Routes, redirects and the __Host- cookie assume the portal owns its host.
	if strings.Trim(u.Path, "/") != "" {
		p.fail(fmt.Sprintf("%s must be the root of a host name (no path), got %q", name, v))
		return nil
	}
	u.Path = ""
	return u
}

// issuer accepts https, or http on a loopback host (a local test provider).
func (p *parser) issuer(name, v string) { p.loopbackOrHTTPS(name, v) }

// loopbackOrHTTPS accepts an https URL, or http on a loopback host (a
// local test server), without credentials, query or fragment.
func (p *parser) loopbackOrHTTPS(name, v string) {
	u, err := url.Parse(v)
	ok := err == nil && u.Host != "" && u.User == nil && u.RawQuery == "" && u.Fragment == ""
	if ok && u.Scheme != "https" {
		h := u.Hostname()
		ok = u.Scheme == "http" && (h == "127.0.0.1" || h == "localhost" || h == "::1")
	}
	if !ok {
		p.fail(fmt.Sprintf("%s must be an https URL (http only on a loopback address), got %q", name, v))
	}
}

// graphScope reports whether scopes let the access token read the signed-in
// user's memberships in Microsoft Graph (User.Read, bare or as a URL).
func graphScope(scopes []string) bool {
	for _, s := range scopes {
		s = strings.ToLower(s)
		if s == "user.read" || strings.HasSuffix(s, "/user.read") {
			return true
		}
	}
	return false
}

// prefixes parses a comma- or space-separated list of addresses and CIDR
// ranges ("10.0.0.5, 192.168.10.0/24").
func (p *parser) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(p.str(name, ""), func(r rune) bool { return r == ',' || r == ' ' }) {
		if pr, err := netip.ParsePrefix(f); err == nil {
			out = append(out, pr.Masked())
		} else if a, err := netip.ParseAddr(f); err == nil {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		} else {
			p.fail(fmt.Sprintf("%s: %q is neither an address nor a CIDR range such as 10.0.0.0/24", name, f))
		}
	}
	return out
}

// mappedKind names what a role mapping variable maps roles to.
func mappedKind(name string) string {
	if name == "ITPORTAL_ROLE_APP_ROLES" {
		return "app role value"
	}
	return "group id"
}

// roleGroups parses "it_unit=g1,g2;admin=g3" (ITPORTAL_ROLE_GROUPS and
// ITPORTAL_ROLE_APP_ROLES).
func (p *parser) roleGroups(name string) map[string][]string {
	out := map[string][]string{}
	v := p.str(name, "")
	if v == "" {
		return out
	}
	for _, part := range strings.Split(v, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		role, groups, ok := strings.Cut(part, "=")
		role = strings.TrimSpace(role)
		if !ok || !containsString(roleNames, role) {
			p.fail(fmt.Sprintf("%s: %q must be role=%s with a role among %s", name, part, mappedKind(name), strings.Join(roleNames, ", ")))
			continue
		}
		for _, g := range strings.Split(groups, ",") {
			if g = strings.TrimSpace(g); g != "" {
				out[role] = append(out[role], g)
			}
		}
		if len(out[role]) == 0 {
			p.fail(fmt.Sprintf("%s: role %s has no %s", name, role, mappedKind(name)))
		}
	}
	return out
}

// ParseRoleGroups parses an ITPORTAL_ROLE_GROUPS value; invalid parts are
// dropped (Load reports them).
func ParseRoleGroups(v string) map[string][]string {
	p := parser{getenv: func(string) string { return v }}
	return p.roleGroups("ITPORTAL_ROLE_GROUPS")
}

// validHostName reports whether s is a DNS host name: labels of letters,
// digits and hyphens, separated by dots.
func validHostName(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) boolean(name string, def bool) bool {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(fmt.Sprintf("%s must be true or false, got %q", name, v))
		return def
	}
	return b
}

func (p *parser) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(p.str(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(fmt.Sprintf("%s must be one of %s, got %q", name, strings.Join(allowed, ", "), v))
	return def
}

func (p *parser) integer(name string, def, lo, hi int) int {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.fail(fmt.Sprintf("%s must be a whole number from %d to %d, got %q", name, lo, hi, v))
		return def
	}
	return n
}

func (p *parser) duration(name string, def, lo, hi time.Duration) time.Duration {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		p.fail(fmt.Sprintf("%s must be a duration from %s to %s such as 10s or 2m, got %q", name, lo, hi, v))
		return def
	}
	return d
}
