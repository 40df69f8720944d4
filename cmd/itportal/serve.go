package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/auth"
	"itportal/internal/config"
	"itportal/internal/jobs"
	"itportal/internal/notify"
	"itportal/internal/postgres"
	"itportal/internal/server"
	"itportal/web"
)

// headerTimeout is how long a client may take to send a request's line and
// headers.
const headerTimeout = 10 * time.Second

// serve runs the portal until ctx is cancelled, then shuts down gracefully:
// /readyz turns 503 for the drain period, the listener closes, in-flight
// requests finish (up to ShutdownTimeout), workers stop, the pool closes.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	pool, err := postgres.OpenPool(ctx, postgres.PoolConfig{
		URL:              cfg.DatabaseURL,
		MaxConns:         cfg.DBMaxConns,
		MinConns:         cfg.DBMinConns,
		StatementTimeout: cfg.StatementTimeout,
		ApplicationName:  hostname(),
	})
	if err != nil {
		return err
	}
	defer pool.Close()

	assets, err := web.NewAssets()
	if err != nil {
		return err
	}
	river, err := jobs.NewClient(pool, log, cfg.Workers, jobs.Options{AckReminder: cfg.AckRemind, Notifier: notify.New(pool, cfg.BaseURL, cfg.Mail), RescueAfter: cfg.JobRescueAfter, AnchorMail: cfg.Mail.AnchorMail,
		OfficialWebAddress: cfg.OfficialWebAddress, MaintenanceURL: cfg.MigrateDatabaseURL, ContractReminderDays: cfg.ContractReminderDays})
	if err != nil {
		return err
	}
	ready := server.NewReadiness()
	metrics := server.NewMetrics(pool, buildInfo())
	store := postgres.NewSessionStore(pool)
	sessions := auth.NewSessions(store, cfg.BaseURL.Scheme == "https", cfg.SessionIdle, cfg.SessionMax)
	oidc := auth.NewOIDC(cfg.OIDC, cfg.BaseURL, log)
	handler := server.NewServer(server.Deps{
		Logger: log, Config: cfg, Pool: pool, Assets: assets, Readiness: ready, Metrics: metrics,
		OIDC: oidc, Sessions: sessions, Enqueue: jobs.Enqueuer(river), Jobs: river,
	})

	srv := &http.Server{
		Handler: handler,
		// The request line and headers; a client slower than this holds a
		// connection for nothing.
		ReadHeaderTimeout: headerTimeout,
		// A backstop only: the handler gives every body its own deadline
		// (ITPORTAL_BODY_TIMEOUT, for an upload ITPORTAL_UPLOAD_TIMEOUT),
		// none of which is longer than this.
		ReadTimeout: headerTimeout + cfg.UploadTimeout,
		// The handler's time and a margin to write the answer; an upload
		// gets its body's time on top, per request.
		WriteTimeout: server.WriteTimeout(cfg),
		// Longer than a reverse proxy keeps its idle connections to the
		// portal (nginx: 60 s), so the proxy closes them first and never
		// sends a request on one the portal is closing.
		IdleTimeout: 2 * time.Minute,
		// Headers and cookies of the portal and its sign-in fit many
		// times over; Go's default is 1 MB per request.
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "base_url", baseURL(cfg))
	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()

	var metricsSrv *http.Server
	if cfg.MetricsListen != "" {
		mln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("listen on %s (metrics): %w", cfg.MetricsListen, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics.Handler())
		// Only GET /metrics: nothing to wait for beyond the headers, and
		// the answer is the collectors' (each query under the statement
		// timeout).
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10}
		log.Info("metrics listening", "addr", mln.Addr().String())
		go func() { serveErr <- metricsSrv.Serve(mln) }()
	}

	// Start-up that needs the database runs beside the listener, retrying
	// with backoff, so the portal answers /healthz (and a 503 on /readyz)
	// while PostgreSQL is still on its way.
	startCtx, stopStartup := context.WithCancel(ctx)
	var wg sync.WaitGroup
	riverStarted := false
	fatal := make(chan error, 1)
	wg.Go(func() {
		var err error
		riverStarted, err = startup(startCtx, cfg, log, pool, river, ready)
		if err != nil {
			fatal <- err
		}
	})

	var failure error
	// Discover the identity provider in the background: the portal serves
	// (and existing sessions work) while the provider is unreachable.
	wg.Go(func() { discoverProvider(startCtx, oidc, log) })

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			failure = fmt.Errorf("listener failed: %w", err)
		}
	case err := <-fatal:
		failure = err
	}

	log.Info("shutting down", "drain", cfg.ShutdownDrain.String(), "timeout", cfg.ShutdownTimeout.String())
	ready.SetDraining()
	stopStartup()
	wg.Wait()
	if cfg.ShutdownDrain > 0 {
		time.Sleep(cfg.ShutdownDrain)
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("in-flight requests did not finish in time", "err", err)
	}
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(shutCtx)
	}
	if riverStarted {
		if err := river.Stop(shutCtx); err != nil {
			log.Warn("workers did not stop in time", "err", err)
		}
	}
	log.Info("stopped")
	return failure
}

// startup migrates (unless turned off) and starts the workers. While the
// database is unreachable (or, without auto-migration, not yet migrated) it
// retries with backoff; any other failure (a broken migration, a missing
// privilege) is returned, and the process exits instead of serving a broken
// schema. It reports whether River runs.
func startup(ctx context.Context, cfg config.Config, log *slog.Logger, pool *pgxpool.Pool, river *jobs.Client, ready *server.Readiness) (bool, error) {
	started := time.Now()
	backoff := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		reason, err := startupOnce(ctx, cfg, log, pool, river)
		if err == nil && reason == "" {
			ready.SetReady()
			log.Info("ready", "startup_ms", time.Since(started).Milliseconds(), "workers", cfg.Workers)
			return cfg.Workers, nil
		}
		if ctx.Err() != nil {
			return false, nil
		}
		if err != nil && !postgres.IsUnavailable(err) {
			log.Error("start-up failed", "err", err)
			return false, fmt.Errorf("start-up: %w", err)
		}
		if err != nil {
			reason = "waiting for the database"
		}
		// /readyz says why before the log does, so whoever reads the log
		// and then asks /readyz gets the same answer.
		ready.SetStarting(reason)
		switch {
		case err != nil:
			if attempt == 1 || attempt%10 == 0 {
				log.Warn("database unreachable; retrying", "attempt", attempt, "err", err)
			}
		case attempt == 1 || attempt%30 == 0:
			log.Warn("not ready", "reason", reason)
		}
		select {
		case <-ctx.Done():
			return false, nil
		case <-time.After(backoff):
		}
		// Capped low so the portal is ready within seconds of the database.
		backoff = min(backoff*2, 2*time.Second)
	}
}

// startupOnce returns a reason when the portal must wait (migrations not yet
// applied by someone else), or an error.
func startupOnce(ctx context.Context, cfg config.Config, log *slog.Logger, pool *pgxpool.Pool, river *jobs.Client) (string, error) {
	if cfg.AutoMigrate {
		if _, err := postgres.Migrate(ctx, cfg.MigrateDatabaseURL, log); err != nil {
			return "", err
		}
	} else {
		pending, err := postgres.PendingMigrations(ctx, pool)
		if err != nil && postgres.IsUnavailable(err) {
			return "", err
		}
		if err != nil {
			// Another process may be migrating right now (its locks can
			// hold the read past the statement timeout): a replica that
			// does not migrate keeps waiting instead of giving up.
			log.Warn("could not read the migration state; retrying", "err", err)
			return "checking the migration state", nil
		}
		if pending > 0 {
			return fmt.Sprintf("waiting for %d pending migrations (ITPORTAL_AUTO_MIGRATE=false: run itportal migrate up)", pending), nil
		}
	}
	// The compliance board is data kept with every change; the first start
	// after it was introduced computes it once, before the first page.
	if err := postgres.NewComplianceService(pool, nil, cfg.OfficialWebAddress, nil).EnsureComputed(ctx); err != nil {
		return "", fmt.Errorf("compute the compliance board: %w", err)
	}
	if cfg.Workers {
		// River lives until Stop, not until the start-up context ends.
		if err := river.Start(context.WithoutCancel(ctx)); err != nil {
			return "", fmt.Errorf("start workers: %w", err)
		}
	}
	return "", nil
}

func discoverProvider(ctx context.Context, oidc *auth.OIDC, log *slog.Logger) {
	backoff := time.Second
	for attempt := 1; ; attempt++ {
		err := oidc.Discover(ctx)
		if err == nil {
			return
		}
		if attempt == 1 || attempt%10 == 0 {
			log.Warn("identity provider unreachable; retrying", "attempt", attempt, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

func baseURL(cfg config.Config) string {
	if cfg.BaseURL == nil {
		return ""
	}
	return cfg.BaseURL.String()
}
