package server

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Readiness tracks whether the process should receive traffic: not before
// migrations are done, and no longer once shutdown has begun.
type Readiness struct {
	mu       sync.Mutex
	ready    bool
	draining bool
	reason   string
}

// NewReadiness starts not ready, waiting for the database.
func NewReadiness() *Readiness {
	return &Readiness{reason: "starting: migrating and starting workers"}
}

// SetStarting records why the process is not ready yet.
func (r *Readiness) SetStarting(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reason = reason
}

// SetReady marks start-up as complete.
func (r *Readiness) SetReady() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ready, r.reason = true, ""
}

// SetDraining makes /readyz fail so load balancers stop sending requests.
func (r *Readiness) SetDraining() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.draining = true
}

func (r *Readiness) state() (ready bool, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.draining:
		return false, "shutting down"
	case !r.ready:
		return false, r.reason
	}
	return true, ""
}

// healthz answers 200 while the process is alive.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 when the portal can serve: started, not draining, and
// the database answers.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	ready, reason := s.ready.state()
	if ready {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.pool.Ping(ctx); err != nil {
			ready, reason = false, "database unreachable"
		}
	}
	if !ready {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: " + reason + "\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}
