package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/internal/server/apidoc"
	"itportal/web/components"
	"itportal/web/pages"
)

// apiAuth admits a request to /api/v1 with an API token (Authorization:
// Bearer) or, without one, with a session as the pages do. A token is
// checked against the database on every request, so a revocation holds at
// once on every replica. Every refusal and every use is logged; the caller
// learns only 401.
func (s *Server) apiAuth(next http.Handler) http.Handler {
	withSession := s.sessions.Manager.LoadAndSave(s.loadActor(s.requireSignIn(s.acknowledgementGate(next))))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		q := r.URL.Query()
		if q.Has("access_token") || q.Has("token") || q.Has("api_key") {
			s.refuseToken(w, r, "token in query string", nil)
			return
		}
		header := r.Header.Get("Authorization")
		if header == "" {
			withSession.ServeHTTP(w, r)
			return
		}
		scheme, secret, _ := strings.Cut(header, " ")
		secret = strings.TrimSpace(secret)
		if !strings.EqualFold(scheme, "Bearer") || !portal.WellFormedTokenSecret(secret) {
			s.refuseToken(w, r, "malformed", nil)
			return
		}
		grant, reason, err := s.tokens.Authenticate(ctx, secret)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if reason != "" {
			s.refuseToken(w, r, reason, grant)
			return
		}
		s.log.Info("api token used", "event", "api_token_used", "token_id", grant.ID, "token_name", grant.Name,
			"method", r.Method, "path", r.URL.Path, "request_id", requestIDFrom(ctx))
		actor := &portal.Actor{Name: "API-nyckel " + grant.Name, Token: grant}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, actorKey, actor)))
	})
}

func (s *Server) refuseToken(w http.ResponseWriter, r *http.Request, reason string, grant *portal.TokenGrant) {
	args := []any{"event", "api_token_refused", "reason", reason, "method", r.Method, "path", r.URL.Path,
		"remote", r.RemoteAddr, "request_id", requestIDFrom(r.Context())}
	if grant != nil {
		args = append(args, "token_id", grant.ID, "token_name", grant.Name)
	}
	s.log.Warn("security event: API token refused", args...)
	w.Header().Set("WWW-Authenticate", `Bearer realm="itportal", error="invalid_token"`)
	detail := "Nyckeln är ogiltig, har gått ut eller är återkallad."
	if reason == "token in query string" {
		detail = "Skicka nyckeln i huvudet Authorization: Bearer …, aldrig i adressen."
	}
	writeProblem(w, http.StatusUnauthorized, "Ogiltig API-nyckel", detail, requestIDFrom(r.Context()))
}

// needScope lets a token through only with scope; sessions pass (their
// access is checked by the services as for the pages).
func (s *Server) needScope(scope portal.Scope) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := actorFrom(r.Context())
			if a != nil && a.Token != nil && !a.Token.Allows(scope) {
				s.log.Warn("security event: API token refused", "event", "api_token_refused", "reason", "scope",
					"scope", string(scope), "token_id", a.Token.ID, "token_name", a.Token.Name, "path", r.URL.Path,
					"request_id", requestIDFrom(r.Context()))
				writeProblem(w, http.StatusForbidden, "Nyckeln saknar behörighet",
					"Nyckeln får inte läsa detta ("+scope.Label()+").", requestIDFrom(r.Context()))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// The admin pages: /admin/api-nycklar.

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, portal.TokenInput{}, "", nil, "", "")
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, in portal.TokenInput, expires string, errs map[string]string, secret, secretName string) {
	list, err := s.tokens.List(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if expires == "" && errs == nil {
		expires = portal.DateOf(time.Now()).AddDate(0, 3, 0).Format(dateLayout)
	}
	m := pages.Tokens{
		Errors:      errorItems(errs, []string{"name", "scopes", "expires"}),
		Name:        components.Field{Name: "name", Label: "Namn", Hint: "Vilket system eller vilken integration som använder nyckeln, t.ex. Intranätet", Value: in.Name, Error: errs["name"]},
		Expires:     components.Field{Name: "expires", Label: "Gäller till och med", Hint: "Högst ett år framåt", Type: "date", Value: expires, Error: errs["expires"]},
		ScopesError: errs["scopes"],
		Secret:      secret, SecretName: secretName,
	}
	for i, sc := range portal.AllScopes {
		id := "scopes"
		if i > 0 {
			id += "-" + strconv.Itoa(i+1)
		}
		checked := false
		for _, c := range in.Scopes {
			checked = checked || c == sc
		}
		m.Scopes = append(m.Scopes, pages.ScopeChoice{ID: id, Value: string(sc), Label: sc.Label(), Checked: checked})
	}
	now := time.Now()
	for _, t := range list {
		row := pages.TokenRow{Name: t.Name, Prefix: t.Prefix, Created: t.CreatedAt.In(portal.Stockholm).Format(dateLayout) + " av " + orDash(t.CreatedBy),
			Expires: t.ExpiresAt.Add(-time.Second).In(portal.Stockholm).Format(dateLayout), LastUsed: "Aldrig", Status: t.Status(now),
			RevokeURL: "/admin/api-nycklar/" + strconv.FormatInt(t.ID, 10) + "/aterkalla"}
		var labels []string
		for _, sc := range t.Scopes {
			labels = append(labels, sc.Label())
		}
		row.Scopes = strings.Join(labels, ", ")
		if t.LastUsedAt != nil {
			row.LastUsed = t.LastUsedAt.In(portal.Stockholm).Format("2006-01-02 15:04")
		}
		if t.RevokedAt != nil {
			row.Status += " " + t.RevokedAt.In(portal.Stockholm).Format(dateLayout) + " av " + orDash(t.RevokedBy)
		}
		row.Active = t.RevokedAt == nil && t.ExpiresAt.After(now)
		m.Rows = append(m.Rows, row)
	}
	s.render(w, r, status, pages.TokensPage(s.page(r, formTitle("API-nycklar", errs), "/admin/api-nycklar"), m))
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	in := portal.TokenInput{Name: r.PostForm.Get("name")}
	for _, v := range r.PostForm["scope"] {
		in.Scopes = append(in.Scopes, portal.Scope(v))
	}
	expires := strings.TrimSpace(r.PostForm.Get("expires"))
	if t, err := time.Parse(dateLayout, expires); err == nil {
		in.Expires = t
	}
	_, secret, err := s.tokens.Create(r.Context(), actorFrom(r.Context()), in, requestIDFrom(r.Context()))
	if fe := fieldErrors(err); fe != nil {
		s.renderTokens(w, r, http.StatusUnprocessableEntity, in, expires, fe, "", "")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The secret is shown in this response only: no redirect, no flash
	// stored in the session, and no caching anywhere.
	w.Header().Set("Cache-Control", "no-store")
	s.renderTokens(w, r, http.StatusCreated, portal.TokenInput{}, "", nil, secret, strings.TrimSpace(in.Name))
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if !confirmed(r) {
		// Rehearsed first: a token already revoked or not there says so now.
		ctx := r.Context()
		if err := s.tokens.Revoke(postgres.Rehearse(ctx), actorFrom(ctx), id, requestIDFrom(ctx)); err != nil {
			s.fail(w, r, err)
			return
		}
		list, err := s.tokens.List(ctx, actorFrom(ctx))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		name := ""
		for _, t := range list {
			if t.ID == id {
				name = t.Name
			}
		}
		s.renderConfirm(w, r, pages.Confirm{Heading: "Återkalla API-nyckeln " + name,
			Consequences: []string{"Du återkallar API-nyckeln " + name + ". Det som använder den får inte längre svar från API:et, från nästa anrop.",
				"Det går inte att ångra. Behövs åtkomst igen skapar du en ny nyckel."},
			Action: "/admin/api-nycklar/" + strconv.FormatInt(id, 10) + "/aterkalla", CancelHref: "/admin/api-nycklar", ConfirmLabel: "Bekräfta: återkalla"},
			"/admin/api-nycklar")
		return
	}
	if err := s.tokens.Revoke(r.Context(), actorFrom(r.Context()), id, requestIDFrom(r.Context())); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(r.Context(), "Nyckeln är återkallad. Den fungerar inte längre.")
	http.Redirect(w, r, "/admin/api-nycklar", http.StatusSeeOther)
}

// openAPI serves the API's OpenAPI 3.1 description.
func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(apidoc.OpenAPI)
}
