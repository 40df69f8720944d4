package config

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"itportal/internal/portal"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadServeDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{
		"ITPORTAL_DATABASE_URL":   "postgres://app:secret@db:5432/itportal",
		"ITPORTAL_BASE_URL":       "https://itportalen.lillaedet.se/",
		"ITPORTAL_OIDC_ISSUER":    "https://login.microsoftonline.com/tenant/v2.0",
		"ITPORTAL_OIDC_CLIENT_ID": "portal",
		"ITPORTAL_ROLE_GROUPS":    "it_unit=g-it, g-it2; admin=g-admin",
	}), ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != ":8080" || c.MetricsListen != "127.0.0.1:9090" || !c.AutoMigrate || !c.Workers || c.LogFormat != "json" {
		t.Errorf("serve defaults: %+v", c)
	}
	if c.MigrateDatabaseURL != c.DatabaseURL {
		t.Errorf("migrate URL defaults to the database URL, got %q", c.MigrateDatabaseURL)
	}
	if c.BaseURL.String() != "https://itportalen.lillaedet.se" {
		t.Errorf("base URL = %q, want the trailing slash trimmed", c.BaseURL)
	}
	if c.OIDC.UserClaim != "sub" || c.OIDC.GroupsClaim != "groups" || strings.Join(c.OIDC.Scopes, " ") != "openid profile email" || c.OIDC.TrustEmail {
		t.Errorf("OIDC defaults: %+v", c.OIDC)
	}
	if got := c.RoleGroups; len(got["it_unit"]) != 2 || got["it_unit"][1] != "g-it2" || got["admin"][0] != "g-admin" {
		t.Errorf("role groups: %v", got)
	}
	if c.SessionIdle != 30*time.Minute || c.SessionMax != 12*time.Hour {
		t.Errorf("session defaults: %v %v", c.SessionIdle, c.SessionMax)
	}
	if c.ShutdownTimeout != 20*time.Second || c.ShutdownDrain != 5*time.Second {
		t.Errorf("shutdown defaults: %v %v", c.ShutdownTimeout, c.ShutdownDrain)
	}
	if c.BodyTimeout != 10*time.Second || c.UploadTimeout != 3*time.Minute || c.BodiesPerClient != 8 {
		t.Errorf("request body defaults: %v %v %d", c.BodyTimeout, c.UploadTimeout, c.BodiesPerClient)
	}
}

// TestUploadTimeoutIsNotShorterThanBodyTimeout: an upload route gets at
// least what an ordinary form gets.
func TestUploadTimeoutIsNotShorterThanBodyTimeout(t *testing.T) {
	_, err := Load(env(map[string]string{"ITPORTAL_BODY_TIMEOUT": "30s", "ITPORTAL_UPLOAD_TIMEOUT": "10s"}), ModeDev)
	if err == nil || !strings.Contains(err.Error(), "ITPORTAL_UPLOAD_TIMEOUT must not be less than ITPORTAL_BODY_TIMEOUT") {
		t.Errorf("an upload timeout below the body timeout: %v", err)
	}
}

func TestLoadDevDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"ITPORTAL_LISTEN": "127.0.0.1:9999"}), ModeDev)
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "" || c.LogFormat != "text" || c.BaseURL.String() != "http://127.0.0.1:9999" {
		t.Errorf("dev defaults: %+v base %v", c, c.BaseURL)
	}
	if c, _ := Load(env(nil), ModeDev); c.Listen != "127.0.0.1:8080" {
		t.Errorf("dev listens on %q, want loopback only", c.Listen)
	}
}

func TestLoadReportsEveryProblemAtOnce(t *testing.T) {
	_, err := Load(env(map[string]string{
		"ITPORTAL_DATABASE_URL":           "mysql://root:hunter2@db/x",
		"ITPORTAL_MIGRATE_DATABASE_URL":   "::",
		"ITPORTAL_LISTEN":                 "8080",
		"ITPORTAL_METRICS_LISTEN":         "localhost",
		"ITPORTAL_BASE_URL":               "portal",
		"ITPORTAL_AUTO_MIGRATE":           "kanske",
		"ITPORTAL_WORKERS":                "ja",
		"ITPORTAL_LOG_FORMAT":             "xml",
		"ITPORTAL_LOG_LEVEL":              "loud",
		"ITPORTAL_DB_MAX_CONNS":           "0",
		"ITPORTAL_DB_MIN_CONNS":           "-1",
		"ITPORTAL_DB_STATEMENT_TIMEOUT":   "forever",
		"ITPORTAL_SHUTDOWN_TIMEOUT":       "-5s",
		"ITPORTAL_SHUTDOWN_DRAIN":         "1h",
		"ITPORTAL_REQUEST_TIMEOUT":        "1ms",
		"ITPORTAL_BODY_TIMEOUT":           "0s",
		"ITPORTAL_UPLOAD_TIMEOUT":         "2h",
		"ITPORTAL_BODIES_PER_CLIENT":      "0",
		"ITPORTAL_OIDC_ISSUER":            "http://idp.example",
		"ITPORTAL_OIDC_CLIENT_ID":         "",
		"ITPORTAL_OIDC_SCOPES":            "profile email",
		"ITPORTAL_OIDC_TRUST_EMAIL":       "maybe",
		"ITPORTAL_ROLE_GROUPS":            "superuser=g1",
		"ITPORTAL_ROLE_APP_ROLES":         "it_unit=",
		"ITPORTAL_OIDC_GRAPH_GROUPS":      "kanske",
		"ITPORTAL_OIDC_GRAPH_URL":         "http://graph.example",
		"ITPORTAL_SIGNIN_RATE":            "0",
		"ITPORTAL_TRUSTED_PROXIES":        "nginx",
		"ITPORTAL_SESSION_IDLE":           "10s",
		"ITPORTAL_SESSION_MAX":            "1y",
		"ITPORTAL_ACK_GRACE":              "forever",
		"ITPORTAL_ACK_REMINDER":           "1s",
		"ITPORTAL_SMTP_URL":               "http://mail.example",
		"ITPORTAL_MAIL_FROM":              "nobody",
		"ITPORTAL_MAIL_RATE":              "0",
		"ITPORTAL_IT_UNIT_MAIL":           "it enheten",
		"ITPORTAL_AUDIT_ANCHOR_MAIL":      "revisionen",
		"ITPORTAL_JOB_RESCUE_AFTER":       "1s",
		"ITPORTAL_OFFICIAL_WEB_ADDRESS":   "http://www.lillaedet.se",
		"ITPORTAL_OFFICIAL_DOMAIN":        "https://www.lillaedet.se/",
		"ITPORTAL_HANDLING_DAYS":          "inforande=tre",
		"ITPORTAL_CONTRACT_REMINDER_DAYS": "i morgon",
	}), ModeServe)
	if err == nil {
		t.Fatal("Load accepted a broken configuration")
	}
	msg := err.Error()
	for _, v := range Variables {
		switch v.Name {
		case "ITPORTAL_OIDC_CLIENT_SECRET", "ITPORTAL_OIDC_USER_CLAIM", "ITPORTAL_OIDC_GROUPS_CLAIM",
			"ITPORTAL_OIDC_DEPARTMENT_CLAIM", "ITPORTAL_OIDC_EMPLOYEE_CLAIM", "ITPORTAL_OIDC_ROLES_CLAIM":
			continue // free text: nothing to get wrong
		}
		if v.Name == "ITPORTAL_MIGRATE_DATABASE_URL" || v.Name == "ITPORTAL_DATABASE_URL" {
			if !strings.Contains(msg, v.Name+" must be a postgres://") {
				t.Errorf("message does not name %s:\n%s", v.Name, msg)
			}
			continue
		}
		if !strings.Contains(msg, v.Name) {
			t.Errorf("message does not name %s:\n%s", v.Name, msg)
		}
	}
	if !strings.Contains(msg, `ITPORTAL_BASE_URL must be an absolute http(s) URL, got "portal"`) {
		t.Errorf("base URL message:\n%s", msg)
	}
	if strings.Contains(msg, "hunter2") {
		t.Errorf("message leaks a database password:\n%s", msg)
	}
}

func TestLoadServeRequiresDatabaseAndBaseURL(t *testing.T) {
	_, err := Load(env(nil), ModeServe)
	if err == nil {
		t.Fatal("serve started without a database")
	}
	for _, want := range []string{"ITPORTAL_DATABASE_URL must be set", "ITPORTAL_BASE_URL must be set", "ITPORTAL_OIDC_ISSUER must be set", "ITPORTAL_OIDC_CLIENT_ID must be set"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}

func TestBaseURLRefusesTricks(t *testing.T) {
	for _, bad := range []string{"ftp://x", "//x", "https://user@x", "https://x/?a=1", "https://x/#f", "javascript:alert(1)", "https://x/portal"} {
		_, err := Load(env(map[string]string{"ITPORTAL_DATABASE_URL": "postgres://x/y", "ITPORTAL_BASE_URL": bad, "ITPORTAL_OIDC_ISSUER": "https://idp", "ITPORTAL_OIDC_CLIENT_ID": "c"}), ModeServe)
		if err == nil || !strings.Contains(err.Error(), "ITPORTAL_BASE_URL") {
			t.Errorf("base URL %q accepted", bad)
		}
	}
}

func TestOfficialDomain(t *testing.T) {
	base := map[string]string{"ITPORTAL_DATABASE_URL": "postgres://x/y", "ITPORTAL_BASE_URL": "https://p", "ITPORTAL_OIDC_ISSUER": "https://idp", "ITPORTAL_OIDC_CLIENT_ID": "c"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	if c, err := Load(env(base), ModeServe); err != nil || c.OfficialWebAddress != "https://www.lillaedet.se" {
		t.Errorf("default: %q %v", c.OfficialWebAddress, err)
	}
	if c, err := Load(env(with("ITPORTAL_OFFICIAL_DOMAIN", "Kommun.Example.se")), ModeServe); err != nil || c.OfficialWebAddress != "https://kommun.example.se" {
		t.Errorf("a bare host: %q %v", c.OfficialWebAddress, err)
	}
	if _, err := Load(env(with("ITPORTAL_OFFICIAL_DOMAIN", "www.lillaedet.se", "ITPORTAL_OFFICIAL_WEB_ADDRESS", "https://www.lillaedet.se/")), ModeServe); err != nil {
		t.Errorf("both, agreeing: %v", err)
	}
	if _, err := Load(env(with("ITPORTAL_OFFICIAL_DOMAIN", "www.lillaedet.se", "ITPORTAL_OFFICIAL_WEB_ADDRESS", "https://annan.example")), ModeServe); err == nil {
		t.Error("both, disagreeing, accepted")
	}
	for _, bad := range []string{"https://www.lillaedet.se", "www.lillaedet.se/x", "www.lillaedet.se:443", "user@www.lillaedet.se", "-x.se", "a..b", "www.lillaedet.se?x"} {
		if _, err := Load(env(with("ITPORTAL_OFFICIAL_DOMAIN", bad)), ModeServe); err == nil || !strings.Contains(err.Error(), "ITPORTAL_OFFICIAL_DOMAIN") {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

func TestEntraRoleSettings(t *testing.T) {
	base := map[string]string{"ITPORTAL_DATABASE_URL": "postgres://x/y", "ITPORTAL_BASE_URL": "https://p",
		"ITPORTAL_OIDC_ISSUER": "https://login.microsoftonline.com/tenant/v2.0", "ITPORTAL_OIDC_CLIENT_ID": "c"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	c, err := Load(env(base), ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	if c.OIDC.RolesClaim != "roles" || c.OIDC.GraphGroups || c.OIDC.GraphURL != "https://graph.microsoft.com" || len(c.RoleAppRoles) != 0 ||
		c.OIDC.SignInRate != 30 || len(c.TrustedProxies) != 0 {
		t.Errorf("defaults: %+v app roles %v proxies %v", c.OIDC, c.RoleAppRoles, c.TrustedProxies)
	}

	c, err = Load(env(with("ITPORTAL_ROLE_APP_ROLES", "it_unit=ITPortalen.ITEnheten; admin=ITPortalen.Admin,ITPortalen.Drift",
		"ITPORTAL_OIDC_ROLES_CLAIM", "app_roles", "ITPORTAL_TRUSTED_PROXIES", "10.0.0.5, 192.168.10.7/24 ::1")), ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.RoleAppRoles; len(got["it_unit"]) != 1 || got["it_unit"][0] != "ITPortalen.ITEnheten" || len(got["admin"]) != 2 || got["admin"][1] != "ITPortalen.Drift" {
		t.Errorf("app roles: %v", got)
	}
	if c.OIDC.RolesClaim != "app_roles" {
		t.Errorf("roles claim %q", c.OIDC.RolesClaim)
	}
	if fmt.Sprint(c.TrustedProxies) != "[10.0.0.5/32 192.168.10.0/24 ::1/128]" {
		t.Errorf("trusted proxies: %v", c.TrustedProxies)
	}

	// Graph needs groups to read and a token that may read them.
	_, err = Load(env(with("ITPORTAL_OIDC_GRAPH_GROUPS", "true")), ModeServe)
	if err == nil || !strings.Contains(err.Error(), "ITPORTAL_ROLE_GROUPS, which is empty") || !strings.Contains(err.Error(), "needs User.Read in ITPORTAL_OIDC_SCOPES") {
		t.Errorf("graph without groups or scope: %v", err)
	}
	c, err = Load(env(with("ITPORTAL_OIDC_GRAPH_GROUPS", "true", "ITPORTAL_ROLE_GROUPS", "admin=g1",
		"ITPORTAL_OIDC_SCOPES", "openid profile email User.Read", "ITPORTAL_OIDC_GRAPH_URL", "https://graph.microsoft.us/")), ModeServe)
	if err != nil || !c.OIDC.GraphGroups || c.OIDC.GraphURL != "https://graph.microsoft.us" {
		t.Errorf("graph on: %+v %v", c.OIDC, err)
	}
	for _, bad := range []string{"http://graph.microsoft.com", "https://user@graph", "https://graph/?x=1", "graph.microsoft.com"} {
		if _, err := Load(env(with("ITPORTAL_OIDC_GRAPH_URL", bad)), ModeServe); err == nil || !strings.Contains(err.Error(), "ITPORTAL_OIDC_GRAPH_URL") {
			t.Errorf("graph URL %q accepted: %v", bad, err)
		}
	}
	if _, err := Load(env(with("ITPORTAL_ROLE_APP_ROLES", "boss=Chef")), ModeServe); err == nil || !strings.Contains(err.Error(), `"boss=Chef" must be role=app role value`) {
		t.Errorf("unknown role in app roles: %v", err)
	}
}

// The addresses mail goes to or comes from pass the portal's one check
// (portal.ValidEmail): a control character, a space or a second address is
// refused at start, as it would be in a form.
func TestMailAddressesAreValidated(t *testing.T) {
	base := map[string]string{"ITPORTAL_DATABASE_URL": "postgres://app@db/itportal", "ITPORTAL_BASE_URL": "https://portal.example",
		"ITPORTAL_OIDC_ISSUER": "https://login.example/v2.0", "ITPORTAL_OIDC_CLIENT_ID": "c"}
	for name, bad := range map[string][]string{
		"ITPORTAL_IT_UNIT_MAIL":      {"it-enheten@lillaedet.se\a", "it-enheten@lillaedet.se\x00", "it@lillaedet.se, chef@lillaedet.se", "it@lillaedet"},
		"ITPORTAL_AUDIT_ANCHOR_MAIL": {"revision\x1b@lillaedet.se", "Revisionen <revision@lillaedet.se>"},
		"ITPORTAL_MAIL_FROM":         {"IT-portalen <it\x01@lillaedet.se>", "IT-portalen <it@lillaedet.se>, b@lillaedet.se", "it-portalen"},
	} {
		for _, v := range bad {
			e := maps.Clone(base)
			e[name] = v
			if _, err := Load(env(e), ModeServe); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%q accepted (%v)", name, v, err)
			}
		}
	}
	good := maps.Clone(base)
	good["ITPORTAL_IT_UNIT_MAIL"], good["ITPORTAL_MAIL_FROM"] = "it-enheten@lillaedet.se", "IT-portalen <it-portalen@lillaedet.se>"
	if _, err := Load(env(good), ModeServe); err != nil {
		t.Errorf("good addresses refused: %v", err)
	}
}

// TestHandlingDays: the handling times per kind default to the documented
// values, a setting changes the kinds it names, and a bad one stops the
// start naming the variable and the kind.
func TestHandlingDays(t *testing.T) {
	base := map[string]string{"ITPORTAL_DATABASE_URL": "postgres://u@db/x"}
	c, err := Load(env(base), ModeDev)
	if err != nil {
		t.Fatal(err)
	}
	if c.HandlingDays.Of(portal.KindIntroduction) != 30 || c.HandlingDays.Of(portal.KindOperationsChange) != 10 {
		t.Errorf("defaults: %v", c.HandlingDays)
	}
	base["ITPORTAL_HANDLING_DAYS"] = " inforande=45, driftforandring=5 "
	if c, err = Load(env(base), ModeDev); err != nil {
		t.Fatal(err)
	}
	if c.HandlingDays.Of(portal.KindIntroduction) != 45 || c.HandlingDays.Of(portal.KindOperationsChange) != 5 || c.HandlingDays.Of(portal.KindUpgrade) != 20 {
		t.Errorf("configured: %v", c.HandlingDays)
	}
	for value, want := range map[string]string{"inforande=0": "inforande", "okand=3": "okand", "inforande=3,inforande=4": "twice", "uppgradering": "uppgradering", "natanslutning=tio": "natanslutning"} {
		base["ITPORTAL_HANDLING_DAYS"] = value
		_, err := Load(env(base), ModeDev)
		if err == nil || !strings.Contains(err.Error(), "ITPORTAL_HANDLING_DAYS") || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", value, err)
		}
	}
}

// TestContractReminderDays: the reminder offsets default to 180, 90, 30
// and 0 days; a setting replaces them; a bad one stops the start naming
// the variable and the value.
func TestContractReminderDays(t *testing.T) {
	base := map[string]string{"ITPORTAL_DATABASE_URL": "postgres://u@db/x"}
	c, err := Load(env(base), ModeDev)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.ContractReminderDays) != "[180 90 30 0]" {
		t.Errorf("defaults: %v", c.ContractReminderDays)
	}
	base["ITPORTAL_CONTRACT_REMINDER_DAYS"] = "14, 60"
	if c, err = Load(env(base), ModeDev); err != nil || fmt.Sprint(c.ContractReminderDays) != "[60 14]" {
		t.Errorf("configured: %v %v", c.ContractReminderDays, err)
	}
	for _, value := range []string{"90,tre", "-5", "1000", "30,30"} {
		base["ITPORTAL_CONTRACT_REMINDER_DAYS"] = value
		_, err := Load(env(base), ModeDev)
		if err == nil || !strings.Contains(err.Error(), "ITPORTAL_CONTRACT_REMINDER_DAYS") {
			t.Errorf("%q: %v", value, err)
		}
	}
}
