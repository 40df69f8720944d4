package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"itportal/internal/auth"
	"itportal/internal/config"
	"itportal/internal/demo"
	"itportal/internal/pgcluster"
	"itportal/internal/postgres"
)

// devDataDir is where `itportal dev` keeps its private cluster, relative to
// the working directory (git-ignored).
const devDataDir = ".itportal/dev/pgdata"

// dev runs the embedded default: a private PostgreSQL cluster (unless
// ITPORTAL_DATABASE_URL points elsewhere), migrations, demo data, the portal
// on loopback. The cluster stops when the portal does.
func dev(ctx context.Context, getenv func(string) string, stderr io.Writer) error {
	cfg, err := config.Load(getenv, config.ModeDev)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return err
	}
	log := newLogger(cfg, stderr)

	private := cfg.DatabaseURL == ""
	if private {
		cluster, err := pgcluster.New(pgcluster.Options{DataDir: devDataDir, WatchParent: true})
		if err != nil {
			return err
		}
		fresh := !cluster.Initialized()
		log.Info("starting private PostgreSQL", "data_dir", cluster.DataDir(), "new", fresh, "run_as", cluster.RunAs())
		if err := cluster.Start(ctx); err != nil {
			return err
		}
		defer func() {
			if err := cluster.Close(); err != nil {
				log.Warn("stop PostgreSQL", "err", err)
			} else {
				log.Info("PostgreSQL stopped")
			}
		}()
		if err := prepareDevDatabase(ctx, cluster); err != nil {
			return fmt.Errorf("prepare dev database: %w", err)
		}
		cfg.DatabaseURL = cluster.URL("itportal_app", "itportal")
		cfg.MigrateDatabaseURL = cluster.URL("itportal_owner", "itportal")
		// The owner's URL: what a developer needs to look at the data.
		log.Info("dev database: connect with psql", "command", "psql '"+cfg.MigrateDatabaseURL+"'")
	}

	if cfg.OIDC.Issuer == "" {
		// The dev sign-in: a real OIDC provider on loopback with a persona
		// picker, so dev runs the same sign-in code as production.
		// The provider keeps its address between runs (remembered next to
		// the dev database), so its issuer, and with it every persona's
		// identity, stays the same: a restart does not create the demo
		// people anew.
		addrFile := filepath.Join(filepath.Dir(devDataDir), "idp-addr")
		idp, err := auth.StartDevIdP(rememberedAddr(addrFile), auth.DevPersonas)
		if err != nil {
			idp, err = auth.StartDevIdP(devIdPAddr(cfg.Listen), auth.DevPersonas)
		}
		if err != nil {
			return fmt.Errorf("dev identity provider: %w", err)
		}
		if u, perr := url.Parse(idp.Issuer()); perr == nil {
			_ = os.MkdirAll(filepath.Dir(addrFile), 0o700)
			_ = os.WriteFile(addrFile, []byte(u.Host), 0o600)
		}
		defer func() { _ = idp.Shutdown() }()
		cfg.OIDC = config.OIDC{
			Issuer: idp.Issuer(), ClientID: idp.ClientID(), ClientSecret: idp.ClientSecret(),
			Scopes: []string{"openid", "profile", "email", "groups"}, UserClaim: "sub", GroupsClaim: "groups",
			DepartmentClaim: auth.DevDeptClaim, EmployeeClaim: auth.DevEmployeeClaim,
		}
		cfg.RoleGroups = config.ParseRoleGroups(auth.DevRoleGroups)
		log.Info("dev sign-in: pick a demo persona at sign-in", "issuer", idp.Issuer())
	}

	if _, err := postgres.Migrate(ctx, cfg.MigrateDatabaseURL, log); err != nil {
		return err
	}
	if private {
		if err := loadDemo(ctx, cfg.MigrateDatabaseURL, cfg.OfficialWebAddress, log); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	} else {
		log.Info("using ITPORTAL_DATABASE_URL; demo data is loaded only into the private dev database")
	}
	return serve(ctx, cfg, log)
}

// prepareDevDatabase creates the two roles and the database, as an operator
// would for production (see docs/operations.md).
func prepareDevDatabase(ctx context.Context, c *pgcluster.Cluster) error {
	conn, err := pgx.Connect(ctx, c.URL(pgcluster.Superuser, "postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return postgres.PrepareRoles(ctx, conn, "itportal")
}

// rememberedAddr is the dev provider's address of the last run, or an
// address that cannot be used (the caller then picks a new one).
func rememberedAddr(file string) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return "invalid:"
	}
	return strings.TrimSpace(string(b))
}

// devIdPAddr puts the dev provider on the portal's loopback host, on a
// free port.
func devIdPAddr(listen string) string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" || host == "localhost" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, "0")
}

func loadDemo(ctx context.Context, ownerURL, official string, log *slog.Logger) error {
	pool, err := postgres.OpenPool(ctx, postgres.PoolConfig{URL: ownerURL, MaxConns: 2})
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := demo.Load(ctx, pool, official); err != nil {
		return err
	}
	log.Info("demo data loaded")
	return nil
}
