package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
)

type ctxKey int

const requestIDKey ctxKey = iota

// requestIDFrom returns the request's correlation id.
func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// requestID gives every request a correlation id: the one the client or
// the reverse proxy sent when it is well-formed (so a proxy's id correlates
// its log with ours), else a fresh random one. The format check keeps it
// from injecting anything into logs or pages.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// validRequestID accepts 8–64 characters of [A-Za-z0-9-_], so an incoming id
// can never inject text into logs or pages.
func validRequestID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog writes one structured line per request and feeds the metrics.
// It logs the path only: query strings may carry secrets (sign-in codes).
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			d := time.Since(start)
			route := "unmatched"
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				route = rc.RoutePattern()
			}
			s.metrics.observe(r.Method, route, rec.status, d)
			if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
				return // probes every few seconds would drown the log
			}
			s.log.Info("http request",
				"method", r.Method,
				"path", r.URL.Path,
				"route", route,
				"status", rec.status,
				"bytes", rec.bytes,
				"duration_ms", float64(d.Microseconds())/1000,
				"request_id", requestIDFrom(r.Context()),
			)
		}()
		next.ServeHTTP(rec, r)
	})
}

// recoverPanic turns a panicking handler into the Swedish 500 page with the
// request id; the stack goes to the log only, and the process keeps running.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic in handler",
				"request_id", requestIDFrom(r.Context()),
				"path", r.URL.Path,
				"panic", fmt.Sprint(v),
				"stack", string(debug.Stack()),
			)
			s.errorPage(w, r, http.StatusInternalServerError, "")
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows only the portal's own scripts and styles: no
// inline script, no inline style, no framing, forms only to the portal (and
// the identity provider, where sign-out continues after its POST).
func contentSecurityPolicy(formTargets string) string {
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'" + formTargets +
		"; frame-ancestors 'none'"
}

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	hsts := s.cfg.BaseURL != nil && s.cfg.BaseURL.Scheme == "https"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		extra := ""
		if s.oidc != nil {
			if o := s.oidc.FormTargets(); o != "" {
				extra = " " + o
			}
		}
		h.Set("Content-Security-Policy", contentSecurityPolicy(extra))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Cache-Control", "no-store")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// crossOriginProtection refuses unsafe requests (POST, PUT, DELETE …) that a
// browser marks as coming from another site, with the Swedish 403 page.
func (s *Server) crossOriginProtection() func(http.Handler) http.Handler {
	deny := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("security event: cross-origin request refused",
			"event", "cross_origin_denied",
			"request_id", requestIDFrom(r.Context()),
			"method", r.Method, "path", r.URL.Path,
		)
		s.errorPage(w, r, http.StatusForbidden, "Begäran kom från en annan webbplats och stoppades.")
	})
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(deny)
	// The standard check compares an Origin with the Host header only; an
	// unsafe request that names its origin must name the portal's own,
	// scheme and port included (http://portal is not https://portal).
	own := "" // config.Load always sets the base URL; a bare test server may not
	if u := s.cfg.BaseURL; u != nil {
		own = u.Scheme + "://" + u.Host
	}
	return func(next http.Handler) http.Handler {
		checked := cop.Handler(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
			default:
				if origin := r.Header.Get("Origin"); origin != "" && own != "" && !strings.EqualFold(origin, own) {
					deny(w, r)
					return
				}
			}
			checked.ServeHTTP(w, r)
		})
	}
}

// rejectBadInput refuses query strings holding a NUL byte or invalid UTF-8
// with a Swedish 400 page, before any handler or SQL sees them (PostgreSQL
// cannot store a NUL, and no field needs one). Form bodies get the same
// check once the session is known (readForm).
func (s *Server) rejectBadInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !cleanValues(r.URL.Query()) {
			s.badInput(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isForm reports whether r's body is an urlencoded form, as ParseForm
// reads it (the media type in any case, with parameters).
func isForm(r *http.Request) bool {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && ct == "application/x-www-form-urlencoded"
}

func cleanValues(vals url.Values) bool {
	for k, vs := range vals {
		if !cleanText(k) {
			return false
		}
		for _, v := range vs {
			if !cleanText(v) {
				return false
			}
		}
	}
	return true
}

func cleanText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func (s *Server) badInput(w http.ResponseWriter, r *http.Request) {
	s.log.Info("request refused: NUL byte or invalid UTF-8 in input", "request_id", requestIDFrom(r.Context()), "path", r.URL.Path)
	s.errorPage(w, r, http.StatusBadRequest, "Uppgifterna innehåller tecken som inte är tillåtna (till exempel ett NUL-tecken). Ta bort dem och försök igen.")
}

// timeout bounds how long a handler may work on one request.
func (s *Server) timeout(next http.Handler) http.Handler {
	if s.cfg.RequestTimeout <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := s.cfg.RequestTimeout
		if _, ok := uploadLimit(r.URL.Path); ok && r.Method == http.MethodPost {
			// An upload's body may take UploadTimeout to arrive; the
			// handler still gets its own time after that.
			d += s.cfg.UploadTimeout
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
