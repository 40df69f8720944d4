package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Stockholm must resolve on machines without tzdata

	"itportal/internal/config"
	"itportal/internal/postgres"
	"itportal/internal/server"
)

// Set by the linker (see the Makefile).
var (
	version = "dev"
	commit  = ""
	date    = ""
)

const usage = `IT-portalen – Lilla Edets kommun

Usage:
  itportal serve            run the portal (configuration from ITPORTAL_* variables)
  itportal dev              run with a private PostgreSQL, demo data and dev sign-in
  itportal migrate up       apply pending database migrations
  itportal migrate status   list migrations and whether they are applied
  itportal import systems FILE [--dry-run] [--create-departments]
                            import the register from .xlsx or .csv (all rows or none)
  itportal import staff FILE [--dry-run]
                            import the HR export (staff, managers, employment)
  itportal export systems [--format csv|xlsx]
                            the register as a spreadsheet on standard output
  itportal audit verify [--anchors FILE]... [--anchor SEQ:HASH]...
                            check the audit log's hash chain; exit 1 naming the first broken row
  itportal audit anchor     record and print the chain's head (keep it outside the database)
  itportal healthcheck      exit 0 if the running portal's /healthz answers
  itportal version          print version, commit and build date
`

// usageError means the command line was wrong; main exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run is the whole program; main only gives it the process's context,
// arguments, environment and output streams, so tests can call it too.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return usageError{"no subcommand"}
	}
	switch args[1] {
	case "serve":
		cfg, err := config.Load(getenv, config.ModeServe)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return err
		}
		return serve(ctx, cfg, newLogger(cfg, stderr))
	case "dev":
		return dev(ctx, getenv, stderr)
	case "migrate":
		return migrate(ctx, args[2:], getenv, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, getenv)
	case "export":
		return export(ctx, args[2:], getenv, stdout, stderr)
	case "import":
		return importCmd(ctx, args[2:], getenv, stdout, stderr)
	case "audit":
		return audit(ctx, args[2:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, versionLine())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "itportal: unknown subcommand %q\n\n%s", args[1], usage)
		return usageError{"unknown subcommand"}
	}
}

func buildInfo() server.BuildInfo {
	b := server.BuildInfo{Version: version, Commit: commit, Date: date}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && b.Commit == "":
				b.Commit = s.Value
			case s.Key == "vcs.time" && b.Date == "":
				b.Date = s.Value
			}
		}
	}
	return b
}

func versionLine() string {
	b := buildInfo()
	return fmt.Sprintf("itportal %s (commit %s, built %s)", b.Version, orUnknown(b.Commit), orUnknown(b.Date))
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) != 1 || (args[0] != "up" && args[0] != "status") {
		fmt.Fprint(stderr, "usage: itportal migrate up|status\n")
		return usageError{"migrate needs up or status"}
	}
	cfg, err := config.Load(getenv, config.ModeTool)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return err
	}
	logger := newLogger(cfg, stderr)
	if args[0] == "up" {
		res, err := postgres.Migrate(ctx, cfg.MigrateDatabaseURL, logger)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d portal and %d job-queue migrations\n", len(res.Applied), len(res.RiverApplied))
		return nil
	}
	status, err := postgres.MigrationStatus(ctx, cfg.MigrateDatabaseURL)
	if err != nil {
		return err
	}
	for _, s := range status {
		applied := "pending"
		if !s.AppliedAt.IsZero() {
			applied = "applied " + s.AppliedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "%-40s %s\n", s.Source.Path, applied)
	}
	return nil
}

// healthcheck asks the local portal's /healthz, for container health checks.
func healthcheck(ctx context.Context, getenv func(string) string) error {
	listen := getenv("ITPORTAL_LISTEN")
	if listen == "" {
		listen = ":8080"
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("ITPORTAL_LISTEN: %w", err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthz: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %s", resp.Status)
	}
	return nil
}

// hostname is used in the pool's application name, so DBAs see which
// replica holds a connection.
func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "itportal"
	}
	return "itportal@" + strings.SplitN(h, ".", 2)[0]
}
