package server

import (
	"context"
	"errors"
	"io"
	"net/http"
)

// Request bodies get the small limit (defaultBodyLimit), for everyone; a
// route that takes files raises it (acceptUpload) only for a signed-in
// actor that got past the route's own checks. A body announced as larger
// than the request may ever get is refused before anything is read.
//
// Before the session is known nothing reads the body: form parsing waits
// for readForm, which parses only a signed-in actor's form.

const bodyGuardKey ctxKey = iota + 200

// bodyGuard is a request's body with its limit.
type bodyGuard struct {
	body    io.ReadCloser // what the connection delivers
	limited io.Reader     // body under the current size limit
	// raw is net/http's own ResponseWriter: an http.MaxBytesReader over it
	// makes the server close the connection after an oversized body
	// instead of reading the rest.
	raw http.ResponseWriter
	rc  *http.ResponseController

	read int64
	done bool // reading ended: EOF, the limit, an error
}

func guardFrom(ctx context.Context) *bodyGuard {
	g, _ := ctx.Value(bodyGuardKey).(*bodyGuard)
	return g
}

// meteredBody counts what arrives.
type meteredBody struct{ g *bodyGuard }

func (m meteredBody) Read(p []byte) (int, error) {
	n, err := m.g.body.Read(p)
	m.g.read += int64(n)
	return n, err
}

func (m meteredBody) Close() error { return m.g.body.Close() }

func (g *bodyGuard) Read(p []byte) (int, error) {
	n, err := g.limited.Read(p)
	if err != nil {
		g.done = true
	}
	return n, err
}

func (g *bodyGuard) Close() error { return g.body.Close() }

// raise lets the body grow to limit, unless reading has begun under the
// small limit.
func (g *bodyGuard) raise(limit int64) {
	if g.read > 0 || g.done {
		return
	}
	g.limited = http.MaxBytesReader(g.raw, meteredBody{g}, limit)
}

// answerUnread prepares an answer that leaves the body unread: it goes out
// at once (net/http would otherwise read a small body first, to keep the
// connection) and the connection closes after it.
func (g *bodyGuard) answerUnread(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	_ = g.rc.EnableFullDuplex() // unsupported only where no connection is (tests' recorders)
}

// answerUnread is bodyGuard.answerUnread for r, when r has a body.
func answerUnread(w http.ResponseWriter, r *http.Request) {
	if g := guardFrom(r.Context()); g != nil && !g.done {
		g.answerUnread(w)
	}
}

// guardBody puts every request body under the small limit.
func (s *Server) guardBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		g := &bodyGuard{body: r.Body, raw: rawWriter(w), rc: http.NewResponseController(w)}
		g.limited = http.MaxBytesReader(g.raw, meteredBody{g}, defaultBodyLimit)
		most := int64(defaultBodyLimit)
		if limit, ok := uploadLimit(r.URL.Path); ok && r.Method == http.MethodPost {
			most = limit // what a signed-in actor may send here; acceptUpload decides
		}
		if r.ContentLength > most {
			g.answerUnread(w)
			s.errorPage(w, r, http.StatusRequestEntityTooLarge, "")
			return
		}
		r.Body = g
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyGuardKey, g)))
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

// acceptUpload raises the body limit of a route that takes files
// (uploadLimit) for whoever reached it: it stands behind the sign-in and the
// route's own checks in routes.go.
func (s *Server) acceptUpload(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g := guardFrom(r.Context()); g != nil && actorFrom(r.Context()) != nil {
			if limit, ok := uploadLimit(r.URL.Path); ok {
				g.raise(limit)
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
