package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"itportal/internal/auth"
	"itportal/internal/config"
)

// Request bodies are read under three bounds:
//
//   - size: every request gets the small limit (defaultBodyLimit); a route
//     that takes files raises it (acceptUpload) only for a signed-in actor
//     that got past the route's own checks. A body announced as larger
//     than the request may ever get is refused before anything is read:
//     at once, or, on an upload route, once the session is known, so that
//     the page names the file's limit and leads back (uploadTooLargePage).
//   - time: the body must arrive within BodyTimeout (an upload within
//     UploadTimeout), counted from the request's start; one that does not
//     gets 408, or the connection is dropped if an answer was under way.
//   - concurrency: one client address may have BodiesPerClient requests
//     reading a body at once; more get 429, so a handful of slow clients
//     cannot hold all connections for the whole allowance.
//
// Before the session is known nothing reads the body: form parsing waits
// for readForm, which parses only a signed-in actor's form.

// drainAllowance is how long a body that is refused unread may still be
// read off the connection, so that the answer is not lost to a connection
// reset when the client has already sent it; a client still trickling is
// cut off.
const drainAllowance = time.Second

// writeMargin is how long an answer may take to write after the handler's
// time is up (RequestTimeout).
const writeMargin = 10 * time.Second

// WriteTimeout is the http.Server's WriteTimeout for cfg: the handler's
// time and the margin to write its answer. Uploads get their body's time
// on top, per request.
func WriteTimeout(cfg config.Config) time.Duration { return cfg.RequestTimeout + writeMargin }

// errBodyTimeout is what reading a body returns once its time is up.
var errBodyTimeout = errors.New("request body did not arrive in time")

const bodyGuardKey ctxKey = iota + 200

// bodyGuard is a request's body with its bounds.
type bodyGuard struct {
	body    io.ReadCloser // what the connection delivers
	limited io.Reader     // body under the current size limit
	// raw is net/http's own ResponseWriter: an http.MaxBytesReader over it
	// makes the server close the connection after an oversized body
	// instead of reading the rest.
	raw   http.ResponseWriter
	rc    *http.ResponseController
	start time.Time

	read      int64
	done      bool        // reading ended: EOF, the limit, the deadline, an error
	timedOut  atomic.Bool // the deadline passed while reading
	release   func()      // gives the client's place back
	readUntil time.Time
	// tooLarge: an upload announced larger than its route takes. It is
	// never read; it is refused once it is known whose it is, so that a
	// signed-in person gets the page in the portal's frame with the limit
	// and the way back (acceptUpload), anyone else the small limit's page
	// (readForm).
	tooLarge bool
}

// uploadTooLarge reports whether r is an upload announced larger than its
// route takes.
func uploadTooLarge(r *http.Request) bool {
	g := guardFrom(r.Context())
	return g != nil && g.tooLarge
}

func guardFrom(ctx context.Context) *bodyGuard {
	g, _ := ctx.Value(bodyGuardKey).(*bodyGuard)
	return g
}

// bodyTimedOut reports whether r's body did not arrive in time; whatever
// the handlers made of that is replaced by guardBody's 408.
func bodyTimedOut(r *http.Request) bool {
	g := guardFrom(r.Context())
	return g != nil && g.timedOut.Load()
}

// meteredBody counts what arrives and turns a missed deadline into
// errBodyTimeout.
type meteredBody struct{ g *bodyGuard }

func (m meteredBody) Read(p []byte) (int, error) {
	n, err := m.g.body.Read(p)
	m.g.read += int64(n)
	if err != nil && isDeadline(err) {
		m.g.timedOut.Store(true)
		err = errBodyTimeout
	}
	return n, err
}

func (m meteredBody) Close() error { return m.g.body.Close() }

func isDeadline(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

func (g *bodyGuard) Read(p []byte) (int, error) {
	n, err := g.limited.Read(p)
	if err != nil {
		g.done = true
		g.release() // no longer reading: the place is free
	}
	return n, err
}

func (g *bodyGuard) Close() error { return g.body.Close() }

func (g *bodyGuard) setReadDeadline(t time.Time) {
	g.readUntil = t
	_ = g.rc.SetReadDeadline(t) // unsupported only where no connection is (tests' recorders)
}

// raise lets the body grow to limit and take until the upload deadline,
// unless reading has begun under the small limit.
func (g *bodyGuard) raise(limit int64, upload time.Duration, write time.Duration) {
	if g.read > 0 || g.done {
		return
	}
	g.limited = http.MaxBytesReader(g.raw, meteredBody{g}, limit)
	if upload > 0 {
		g.setReadDeadline(g.start.Add(upload))
		// The answer's write deadline counts from the request's start too.
		_ = g.rc.SetWriteDeadline(g.start.Add(upload + write))
	}
}

// answerUnread prepares an answer that leaves the body unread: it goes out
// at once (net/http would otherwise read a small body first, to keep the
// connection), the connection closes after it, and what the client already
// sent is read off for drainAllowance at most.
func (g *bodyGuard) answerUnread(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	_ = g.rc.EnableFullDuplex()
	if until := time.Now().Add(drainAllowance); g.readUntil.IsZero() || until.Before(g.readUntil) {
		g.setReadDeadline(until)
	}
}

// answerUnread is bodyGuard.answerUnread for r, when r has a body.
func answerUnread(w http.ResponseWriter, r *http.Request) {
	if g := guardFrom(r.Context()); g != nil && !g.done {
		g.answerUnread(w)
	}
}

// guardWriter keeps what the handlers write after the body's time ran out
// from the client: guardBody answers 408 instead.
type guardWriter struct {
	http.ResponseWriter
	g       *bodyGuard
	wrote   bool
	dropped http.Header
}

func (w *guardWriter) muted() bool { return !w.wrote && w.g.timedOut.Load() }

func (w *guardWriter) Header() http.Header {
	if w.muted() {
		if w.dropped == nil {
			w.dropped = http.Header{}
		}
		return w.dropped
	}
	return w.ResponseWriter.Header()
}

func (w *guardWriter) WriteHeader(code int) {
	if w.muted() {
		return
	}
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *guardWriter) Write(b []byte) (int, error) {
	if w.muted() {
		return len(b), nil
	}
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *guardWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// guardBody puts every request body under the small limit, the body
// deadline and the per-client bound on bodies in progress.
func (s *Server) guardBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		g := &bodyGuard{body: r.Body, raw: rawWriter(w), rc: http.NewResponseController(w), start: time.Now(), release: func() {}}
		g.limited = http.MaxBytesReader(g.raw, meteredBody{g}, defaultBodyLimit)
		if s.cfg.BodyTimeout > 0 {
			g.setReadDeadline(g.start.Add(s.cfg.BodyTimeout))
		}
		most := int64(defaultBodyLimit)
		limit, upload := uploadLimit(r.URL.Path)
		upload = upload && r.Method == http.MethodPost
		if upload {
			most = limit // what a signed-in actor may send here; acceptUpload decides
		}
		if r.ContentLength > most {
			if !upload {
				g.answerUnread(w)
				s.errorPage(w, r, http.StatusRequestEntityTooLarge, "")
				return
			}
			// Refused unread once the session is known (acceptUpload,
			// readForm): nothing on the way reads a body.
			g.tooLarge = true
		}
		if s.bodies != nil && !g.tooLarge {
			release, ok, first := s.bodies.Acquire(auth.ClientAddr(r, s.cfg.TrustedProxies))
			if !ok {
				s.tooManyBodies(w, r, g, first)
				return
			}
			g.release = release
			defer release()
		}
		r.Body = g
		gw := &guardWriter{ResponseWriter: w, g: g}
		next.ServeHTTP(gw, r.WithContext(context.WithValue(r.Context(), bodyGuardKey, g)))

		if g.timedOut.Load() {
			s.bodyTooSlow(w, r, g, gw.wrote)
			return
		}
		if !g.done {
			// What the handlers left unread is read off here, after the
			// answer has gone out, under the deadline and while the
			// address's place is held.
			if gw.wrote {
				_ = g.rc.EnableFullDuplex()
				_ = g.rc.Flush()
			}
			_ = g.body.Close()
		}
	})
}

// rawWriter is the ResponseWriter net/http gave the handler chain.
func rawWriter(w http.ResponseWriter) http.ResponseWriter {
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}

// bodyTooSlow answers a body that did not arrive in time with 408, or,
// when an answer was already under way, leaves the connection to be
// dropped (net/http closes it: its read side has failed).
func (s *Server) bodyTooSlow(w http.ResponseWriter, r *http.Request, g *bodyGuard, answered bool) {
	s.log.Warn("security event: request body too slow", "event", "body_timeout",
		"method", r.Method, "path", r.URL.Path, "bytes_read", g.read,
		"allowed_ms", g.readUntil.Sub(g.start).Milliseconds(), "request_id", requestIDFrom(r.Context()))
	if answered {
		return
	}
	w.Header().Set("Connection", "close")
	// net/http cancelled the request's context when the read failed; the
	// page is rendered all the same.
	s.errorPage(w, r.WithContext(context.WithoutCancel(r.Context())), http.StatusRequestTimeout, "")
}

// tooManyBodies answers a client address that already has as many
// requests sending a body as it may.
func (s *Server) tooManyBodies(w http.ResponseWriter, r *http.Request, g *bodyGuard, first bool) {
	if first {
		s.log.Warn("security event: too many request bodies at once", "event", "body_concurrency_limited",
			"method", r.Method, "path", r.URL.Path, "request_id", requestIDFrom(r.Context()))
	}
	g.answerUnread(w)
	// A place frees at the latest when a form's body time is up.
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(s.cfg.BodyTimeout.Round(time.Second).Seconds()))))
	s.errorPage(w, r, http.StatusTooManyRequests, "")
}

// acceptUpload raises the body limit and time of a route that takes files
// (uploadLimit) for whoever reached it: it stands behind the sign-in and the
// route's own checks in routes.go.
func (s *Server) acceptUpload(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g := guardFrom(r.Context()); g != nil && actorFrom(r.Context()) != nil {
			if g.tooLarge {
				g.answerUnread(w)
				s.uploadTooLargePage(w, r)
				return
			}
			if limit, ok := uploadLimit(r.URL.Path); ok {
				g.raise(limit, s.cfg.UploadTimeout, WriteTimeout(s.cfg))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// readForm parses a form body once the session is known. A signed-in
// actor's form is parsed (under the small limit: files come as multipart,
// which the handlers read) and refused, as the query string is, when it
// holds a NUL byte or invalid UTF-8. A request without a signed-in actor
// is not read here: a body announced larger than the small limit is
// refused at once, and any other is left to the route, which for every
// route behind sign-in answers without it (requireSignIn).
func (s *Server) readForm(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if actorFrom(r.Context()) == nil {
			if r.ContentLength > defaultBodyLimit {
				answerUnread(w, r)
				s.errorPage(w, r, http.StatusRequestEntityTooLarge, "Utan inloggning tar IT-portalen bara emot små formulär. Logga in och skicka igen.")
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if uploadTooLarge(r) {
			// Left unread for acceptUpload's answer (or the route's own
			// refusal before it), which goes out at once.
			answerUnread(w, r)
			next.ServeHTTP(w, r)
			return
		}
		if !s.parseForm(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// parseForm parses an urlencoded body into r.PostForm and checks it; on
// failure it has answered.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	if !isForm(r) {
		return true
	}
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.Is(err, errBodyTimeout):
			// guardBody answers 408.
		case errors.As(err, &mbe):
			s.errorPage(w, r, http.StatusRequestEntityTooLarge, "")
		default:
			s.errorPage(w, r, http.StatusBadRequest, "Uppgifterna kunde inte läsas. Försök igen.")
		}
		return false
	}
	if !cleanValues(r.PostForm) {
		s.badInput(w, r)
		return false
	}
	return true
}
