package server

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"itportal/internal/auth"
	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

const (
	actorKey ctxKey = iota + 100
	owedKey
)

// owedFrom is what the signed-in person must acknowledge, read with the
// session (ok=false when the request has no session's visit, as with an
// API token).
func owedFrom(ctx context.Context) ([]postgres.Obligation, bool) {
	o, ok := ctx.Value(owedKey).([]postgres.Obligation)
	return o, ok
}

// owed is what the actor must acknowledge: from the visit, else read.
func (s *Server) owed(ctx context.Context) ([]postgres.Obligation, error) {
	if o, ok := owedFrom(ctx); ok {
		return o, nil
	}
	return s.documents.Obligations(ctx, actorFrom(ctx))
}

// actorFrom returns the signed-in actor, or nil.
func actorFrom(ctx context.Context) *portal.Actor {
	a, _ := ctx.Value(actorKey).(*portal.Actor)
	return a
}

// loadActor puts the signed-in person in the request context. The session
// is checked against the database on every request: a deactivated person,
// an administrator's "end all sessions", an idle or absolute timeout all
// hold at the next request on every replica.
func (s *Server) loadActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		pid, epoch, state := s.sessions.Current(ctx)
		reason := ""
		switch state {
		case auth.Anonymous:
			next.ServeHTTP(w, r)
			return
		case auth.ExpiredIdle:
			reason = "idle timeout"
		case auth.ExpiredMax:
			reason = "absolute lifetime"
		case auth.SignedIn:
			// The person and what they owe, in one round trip.
			check, err := s.documents.Visit(ctx, pid)
			switch {
			case portal.KindOf(err) == portal.KindNotFound:
				reason = "person missing"
			case err != nil:
				s.fail(w, r, err)
				return
			case !check.Active:
				reason = "person inactive"
			case epoch != check.Epoch:
				reason = "sessions ended by an administrator"
			default:
				actor := check.Actor
				ctx = context.WithValue(context.WithValue(ctx, actorKey, &actor), owedKey, check.Owed)
				next.ServeHTTP(w, r.WithContext(ctx))
				return
			}
		}
		s.log.Info("security event: session ended", "event", "session_ended", "person_id", pid,
			"reason", reason, "request_id", requestIDFrom(ctx))
		if err := s.sessions.End(ctx, pid); err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireSignIn sends anonymous requests to sign-in: pages are redirected
// (a form posted after the session lapsed is kept for the same person;
// any other body is left unread),
// htmx requests get HX-Redirect, the API gets 401.
func (s *Server) requireSignIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if actorFrom(r.Context()) != nil {
			next.ServeHTTP(w, r)
			return
		}
		target := r.URL.RequestURI()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			target = s.formPage(r)
			// Only a form posted to a session that just lapsed is read:
			// it is kept for the same person.
			if s.sessions.Lapsed(r.Context()) {
				if !s.parseForm(w, r) {
					return
				}
				if s.sessions.StashForm(r.Context(), pathOf(target), r.PostForm) {
					s.sessions.FlashInfo(r.Context(), "Du var utloggad. Det du fyllde i finns kvar – kontrollera uppgifterna och skicka igen.")
				}
			}
		}
		answerUnread(w, r) // any other body is left unread
		loginURL := "/auth/login?next=" + url.QueryEscape(auth.SafeNext(target))
		w.Header().Add("Vary", "HX-Request")
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/"):
			w.Header().Set("WWW-Authenticate", `Bearer realm="itportal"`)
			writeProblem(w, http.StatusUnauthorized, "Inloggning krävs", "Logga in för att använda IT-portalens API.", requestIDFrom(r.Context()))
		case r.Header.Get("HX-Request") == "true":
			w.Header().Set("HX-Redirect", loginURL)
			w.WriteHeader(http.StatusUnauthorized)
		default:
			http.Redirect(w, r, loginURL, http.StatusSeeOther)
		}
	})
}

// formPage is the page a posted form came from: the Referer when it is ours,
// else the form's own address.
func (s *Server) formPage(r *http.Request) string {
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Path != "" && s.cfg.BaseURL != nil &&
		ref.Scheme == s.cfg.BaseURL.Scheme && ref.Host == s.cfg.BaseURL.Host {
		return auth.SafeNext(ref.RequestURI())
	}
	return auth.SafeNext(r.URL.Path)
}

func pathOf(target string) string {
	p, _, _ := strings.Cut(target, "?")
	return p
}

// require lets through actors the domain's predicate allows (such as
// portal.CanManageRegister); others get 403 and a security event.
func (s *Server) require(allowed func(*portal.Actor) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := actorFrom(r.Context())
			if a != nil && allowed(a) {
				next.ServeHTTP(w, r)
				return
			}
			s.denied(w, r, "role required")
		})
	}
}

// denied answers 403 and logs the access denial as a security event.
func (s *Server) denied(w http.ResponseWriter, r *http.Request, reason string) {
	var pid int64
	if a := actorFrom(r.Context()); a != nil {
		pid = a.PersonID
	}
	s.log.Warn("security event: access denied", "event", "access_denied", "person_id", pid,
		"method", r.Method, "path", r.URL.Path, "reason", reason, "request_id", requestIDFrom(r.Context()))
	s.errorPage(w, r, http.StatusForbidden, "")
}

// login starts the OIDC flow.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	next := auth.SafeNext(r.URL.Query().Get("next"))
	if actorFrom(r.Context()) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if s.oidc.Starts != nil {
		if ok, retry, first := s.oidc.Starts.Allow(auth.ClientAddr(r, s.cfg.TrustedProxies)); !ok {
			s.tooManyStarts(w, r, next, retry, first)
			return
		}
	}
	authURL, pending, err := s.oidc.Begin(r.Context(), next)
	if err != nil {
		s.log.Warn("sign-in unavailable", "err", err, "request_id", requestIDFrom(r.Context()))
		w.Header().Set("Retry-After", "30")
		s.render(w, r, http.StatusServiceUnavailable, pages.SignInProblemPage(s.page(r, "Inloggningen är inte tillgänglig", ""), pages.SignInProblem{
			Heading:   "Inloggningen är inte tillgänglig just nu",
			Message:   "IT-portalen når inte kommunens inloggningstjänst. Försök igen om en stund. Om du redan är inloggad kan du fortsätta arbeta.",
			RetryHref: "/auth/login?next=" + url.QueryEscape(next),
			RequestID: requestIDFrom(r.Context()),
		}))
		return
	}
	s.sessions.AddPending(r.Context(), pending)
	http.Redirect(w, r, authURL, http.StatusFound)
}

// callback finishes the OIDC flow: state, code exchange, token checks,
// person, roles, a new session token.
func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	pending, ok := s.sessions.TakePending(ctx, q.Get("state"))
	if !ok {
		s.signInFailed(w, r, http.StatusBadRequest, "unknown, reused or expired state", "/")
		return
	}
	if e := q.Get("error"); e != "" {
		s.signInFailed(w, r, http.StatusBadRequest, "provider error: "+clipLog(e), pending.Next)
		return
	}
	id, err := s.oidc.Finish(ctx, q.Get("code"), pending)
	if errors.Is(err, auth.ErrGroupsUnavailable) {
		s.groupsUnknown(w, r, http.StatusServiceUnavailable, err.Error(), pending.Next)
		return
	}
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, auth.ErrProviderUnavailable) {
			status = http.StatusServiceUnavailable
		}
		s.signInFailed(w, r, status, err.Error(), pending.Next)
		return
	}
	if id.GroupOverage && len(s.cfg.RoleGroups) > 0 {
		// Never a sign-in with fewer roles than the person has.
		s.groupsUnknown(w, r, http.StatusForbidden, "group overage: the token carries no groups (the person is in more groups than fit in it), "+
			"so the roles of ITPORTAL_ROLE_GROUPS cannot be known; give the roles with Entra app roles (ITPORTAL_ROLE_APP_ROLES) "+
			"or let the portal read the groups from Microsoft Graph (ITPORTAL_OIDC_GRAPH_GROUPS=true)", pending.Next)
		return
	}
	res, err := s.people.SignIn(ctx, postgres.SignInInput{
		Issuer: id.Issuer, Subject: id.Subject, Name: id.Name, Email: id.Email, EmailVerified: id.EmailVerified,
		EmployeeNumber: id.EmployeeNumber, Department: id.Department,
		Roles: auth.RolesOf(id, s.cfg.RoleGroups, s.cfg.RoleAppRoles), TrustEmail: s.cfg.OIDC.TrustEmail,
		RequestID: requestIDFrom(ctx),
	})
	if errors.Is(err, postgres.ErrInactive) {
		s.log.Warn("security event: sign-in refused", "event", "sign_in_failure", "reason", "person inactive",
			"request_id", requestIDFrom(ctx))
		s.errorPage(w, r, http.StatusForbidden, portal.MessageOf(err))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.sessions.SignIn(ctx, res.PersonID, res.Epoch); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.KeepIDToken(ctx, id.IDToken)
	args := []any{"event", "sign_in_success", "person_id", res.PersonID,
		"created", res.Created, "linked_by", res.LinkedBy, "roles", res.RolesAfter, "request_id", requestIDFrom(ctx)}
	if id.GroupsFromGraph {
		args = append(args, "groups_from", "graph")
	}
	if id.GroupOverage {
		args = append(args, "group_overage", true) // harmless: no roles come from groups
	}
	s.log.Info("security event: signed in", args...)
	http.Redirect(w, r, pending.Next, http.StatusSeeOther)
}

// groupsUnknown refuses a sign-in whose groups the token left out and the
// portal could not read: the person would otherwise be signed in with
// fewer roles than they have, without anyone knowing.
func (s *Server) groupsUnknown(w http.ResponseWriter, r *http.Request, status int, reason, next string) {
	s.log.Warn("security event: sign-in refused", "event", "sign_in_failure", "reason", reason,
		"request_id", requestIDFrom(r.Context()))
	m := pages.SignInProblem{
		Heading: "Dina behörigheter kunde inte läsas",
		Message: "Ditt konto är med i fler grupper än inloggningstjänsten skickar med, så IT-portalen kan inte se vilka behörigheter du har. " +
			"Du har därför inte loggats in. Kontakta IT-enheten och uppge referensen nedan, så rättar de inställningen.",
		RetryHref: "/auth/login?next=" + url.QueryEscape(auth.SafeNext(next)),
		RequestID: requestIDFrom(r.Context()),
	}
	if status == http.StatusServiceUnavailable {
		m.Message = "IT-portalen kunde inte hämta dina gruppmedlemskap från kommunens katalog, så du har inte loggats in. " +
			"Försök igen om en stund. Om det inte hjälper, kontakta IT-enheten och uppge referensen nedan."
		w.Header().Set("Retry-After", "30")
	}
	s.render(w, r, status, pages.SignInProblemPage(s.page(r, "Inloggningen kunde inte slutföras", ""), m))
}

// tooManyStarts answers a client address that has started more sign-ins
// than ITPORTAL_SIGNIN_RATE allows: 429 with Retry-After, no session
// written, one log line per burst (no address: see the proxy's log).
func (s *Server) tooManyStarts(w http.ResponseWriter, r *http.Request, next string, retry time.Duration, first bool) {
	if first {
		s.log.Warn("security event: sign-in starts limited", "event", "sign_in_rate_limited",
			"request_id", requestIDFrom(r.Context()))
	}
	secs := max(1, int(math.Ceil(retry.Seconds())))
	wait := "en sekund"
	if secs > 1 {
		wait = components.CountOf(secs, components.Seconds)
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.render(w, r, http.StatusTooManyRequests, pages.SignInProblemPage(s.page(r, "För många inloggningsförsök", ""), pages.SignInProblem{
		Heading:   "För många inloggningsförsök",
		Message:   "Det har startats många inloggningar från din adress på kort tid. Vänta " + wait + " och försök sedan igen.",
		RetryHref: "/auth/login?next=" + url.QueryEscape(next),
		RequestID: requestIDFrom(r.Context()),
	}))
}

func (s *Server) signInFailed(w http.ResponseWriter, r *http.Request, status int, reason, next string) {
	s.log.Warn("security event: sign-in failed", "event", "sign_in_failure", "reason", reason,
		"request_id", requestIDFrom(r.Context()))
	s.render(w, r, status, pages.SignInProblemPage(s.page(r, "Inloggningen misslyckades", ""), pages.SignInProblem{
		Heading:   "Inloggningen kunde inte slutföras",
		Message:   "Inloggningen avbröts eller tog för lång tid, eller så gick något fel hos inloggningstjänsten. Försök igen.",
		RetryHref: "/auth/login?next=" + url.QueryEscape(auth.SafeNext(next)),
		RequestID: requestIDFrom(r.Context()),
	}))
}

// logout ends the session and, when the provider offers it, its session
// too: the browser goes on to the provider's end-session endpoint with
// the sign-in's ID token as id_token_hint (the only time that token
// leaves the server) and comes back to /utloggad.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if a := actorFrom(r.Context()); a != nil {
		s.log.Info("security event: signed out", "event", "sign_out", "person_id", a.PersonID,
			"request_id", requestIDFrom(r.Context()))
	}
	hint := s.sessions.IDToken(r.Context())
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	target := "/utloggad"
	if end := s.oidc.EndSessionURL(s.cfg.BaseURL.String()+"/utloggad", hint); end != "" {
		target = end
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *Server) signedOut(w http.ResponseWriter, r *http.Request) {
	if actorFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, pages.SignedOutPage(s.page(r, "Utloggad", "")))
}

// clipLog shortens a value from outside before it goes to the log.
func clipLog(v string) string {
	v = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, v)
	if len(v) > 100 {
		v = v[:100]
	}
	return v
}
