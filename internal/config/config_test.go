package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadServeDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{
		"ITPORTAL_DATABASE_URL": "postgres://app:secret@db:5432/itportal",
		"ITPORTAL_BASE_URL":     "https://itportalen.lillaedet.se/",
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
	if c.ShutdownTimeout != 20*time.Second || c.ShutdownDrain != 5*time.Second {
		t.Errorf("shutdown defaults: %v %v", c.ShutdownTimeout, c.ShutdownDrain)
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
		"ITPORTAL_DATABASE_URL":         "mysql://root:hunter2@db/x",
		"ITPORTAL_MIGRATE_DATABASE_URL": "::",
		"ITPORTAL_LISTEN":               "8080",
		"ITPORTAL_METRICS_LISTEN":       "localhost",
		"ITPORTAL_BASE_URL":             "portal",
		"ITPORTAL_AUTO_MIGRATE":         "kanske",
		"ITPORTAL_WORKERS":              "ja",
		"ITPORTAL_LOG_FORMAT":           "xml",
		"ITPORTAL_LOG_LEVEL":            "loud",
		"ITPORTAL_DB_MAX_CONNS":         "0",
		"ITPORTAL_DB_MIN_CONNS":         "-1",
		"ITPORTAL_DB_STATEMENT_TIMEOUT": "forever",
		"ITPORTAL_SHUTDOWN_TIMEOUT":     "-5s",
		"ITPORTAL_SHUTDOWN_DRAIN":       "1h",
		"ITPORTAL_REQUEST_TIMEOUT":      "1ms",
	}), ModeServe)
	if err == nil {
		t.Fatal("Load accepted a broken configuration")
	}
	msg := err.Error()
	for _, v := range Variables {
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
	for _, want := range []string{"ITPORTAL_DATABASE_URL must be set", "ITPORTAL_BASE_URL must be set"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}

func TestBaseURLRefusesTricks(t *testing.T) {
	for _, bad := range []string{"ftp://x", "//x", "https://user@x", "https://x/?a=1", "https://x/#f", "javascript:alert(1)"} {
		_, err := Load(env(map[string]string{"ITPORTAL_DATABASE_URL": "postgres://x/y", "ITPORTAL_BASE_URL": bad}), ModeServe)
		if err == nil || !strings.Contains(err.Error(), "ITPORTAL_BASE_URL") {
			t.Errorf("base URL %q accepted", bad)
		}
	}
}
