// Package server is the HTTP edge: routes, middleware, handlers and
// rendering. Handlers decode input, make one service call and render a view
// model; every decision about who may do what lives in the services.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/rivertype"

	"itportal/internal/auth"
	"itportal/internal/config"
	"itportal/internal/postgres"
	"itportal/web"
)

// Deps are what the server needs from the process that runs it.
type Deps struct {
	Logger    *slog.Logger
	Config    config.Config
	Pool      *pgxpool.Pool
	Assets    *web.Assets
	Readiness *Readiness
	Metrics   *Metrics
	OIDC      *auth.OIDC
	Sessions  *auth.Sessions
	Enqueue   postgres.Enqueuer // inserts jobs in a service's transaction
	Now       func() time.Time  // the clock for deadlines; nil is time.Now
	Jobs      JobRetrier        // retries failed jobs from /admin/jobb; nil hides the button
}

// JobRetrier puts a failed job back in the queue (River's client).
type JobRetrier interface {
	JobRetry(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// Server holds the handlers' dependencies.
type Server struct {
	log         *slog.Logger
	cfg         config.Config
	pool        *pgxpool.Pool
	assets      *web.Assets
	ready       *Readiness
	metrics     *Metrics
	oidc        *auth.OIDC
	sessions    *auth.Sessions
	departments *postgres.DepartmentService
	people      *postgres.PersonService
	systems     *postgres.SystemService
	uploads     *postgres.UploadService
	requests    *postgres.RequestService
	standIn     *postgres.StandInService
	documents   *postgres.DocumentService
	evaluations *postgres.EvaluationService
	tokens      *postgres.TokenService
	jobs        JobRetrier
	compliance  *postgres.ComplianceService
	suppliers   *postgres.SupplierService
	contracts   *postgres.ContractService
	platform    *postgres.PlatformService
	equipment   *postgres.EquipmentService
	processing  *postgres.ProcessingService
	licences    *postgres.LicenceService
	now         func() time.Time      // nil is time.Now
	router      chi.Routes            // the routes, to tell a 405 which methods a path allows
	bodies      *auth.InFlightLimiter // requests sending a body, per client address
}

// NewServer returns the portal's HTTP handler with every route and middleware.
func NewServer(d Deps) http.Handler {
	s := &Server{
		log:         d.Logger,
		cfg:         d.Config,
		pool:        d.Pool,
		assets:      d.Assets,
		ready:       d.Readiness,
		metrics:     d.Metrics,
		oidc:        d.OIDC,
		sessions:    d.Sessions,
		departments: postgres.NewDepartmentService(d.Pool),
		people:      postgres.NewPersonService(d.Pool, d.Config.OfficialWebAddress),
		systems:     postgres.NewSystemService(d.Pool, d.Enqueue, d.Config.OfficialWebAddress),
		uploads:     postgres.NewUploadService(d.Pool),
		requests:    postgres.NewRequestService(d.Pool, d.Enqueue, d.Config.OfficialWebAddress),
		standIn:     postgres.NewStandInService(d.Pool),
		documents:   postgres.NewDocumentService(d.Pool, d.Enqueue, d.Config.AckGrace, d.Now),
		evaluations: postgres.NewEvaluationService(d.Pool, d.Enqueue, d.Config.OfficialWebAddress, d.Now),
		tokens:      postgres.NewTokenService(d.Pool, d.Now),
		jobs:        d.Jobs,
		compliance:  postgres.NewComplianceService(d.Pool, d.Enqueue, d.Config.OfficialWebAddress, d.Now),
		suppliers:   postgres.NewSupplierService(d.Pool, d.Now),
		contracts:   postgres.NewContractService(d.Pool, d.Config.OfficialWebAddress, d.Now),
		platform:    postgres.NewPlatformService(d.Pool, d.Config.OfficialWebAddress, d.Now),
		equipment:   postgres.NewEquipmentService(d.Pool, d.Now),
		processing:  postgres.NewProcessingService(d.Pool, d.Config.OfficialWebAddress, d.Now),
		now:         d.Now,
	}
	s.licences = postgres.NewLicenceService(d.Pool, d.Config.OfficialWebAddress, d.Now)
	if d.Config.BodiesPerClient > 0 {
		s.bodies = auth.NewInFlightLimiter(d.Config.BodiesPerClient, auth.DefaultLimiterAddresses)
	}
	if s.sessions != nil {
		// A session store that cannot be reached is a 503 page, not Go's text.
		s.sessions.Manager.ErrorFunc = s.fail
	}
	if s.ready == nil {
		s.ready = NewReadiness()
		s.ready.SetReady()
	}
	if s.metrics == nil {
		s.metrics = NewMetrics(d.Pool, BuildInfo{})
	}
	if d.Pool != nil {
		s.metrics.registerState(&stateCollector{pool: d.Pool, acks: s.documents.OutstandingByDocument, breaches: s.compliance.RuleCounts})
	}
	return s.routes()
}
