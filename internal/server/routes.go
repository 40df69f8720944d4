package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// Request body limits. Small by default; routes that take uploads raise it.
const (
	defaultBodyLimit = 64 << 10 // 64 KiB: every form of the portal fits
)

// routes is the one place that says which routes exist and who may reach
// them. Reading it alone tells the portal's surface.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(
		s.requestID,
		s.accessLog,
		s.recoverPanic,
		s.securityHeaders,
		s.crossOriginProtection(),
		s.limitBody(defaultBodyLimit),
		s.timeout,
	)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	// Anonymous: health, static files, the accessibility statement.
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/static/*", s.static)
	r.Get("/tillganglighet", s.accessibilityStatement)

	// Pages. (Sign-in arrives with the sign-in issue; until then the
	// placeholder start page lists public reference data only.)
	r.Get("/", s.home)

	return r
}
