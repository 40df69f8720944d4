package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"itportal/internal/config"
	"itportal/internal/portal"
)

// ErrProviderUnavailable means the identity provider cannot be reached now.
var ErrProviderUnavailable = errors.New("identity provider unavailable")

// ErrSignIn is a failed sign-in attempt (bad state, token or claims). The
// wrapped detail is for the security log only.
var ErrSignIn = errors.New("sign-in failed")

// ErrGroupsUnavailable means the provider left the person's groups out of
// the token (group overage) and they could not be read from Microsoft
// Graph: signing the person in would give them fewer roles than they have.
var ErrGroupsUnavailable = errors.New("the person's groups could not be read")

// Identity is what the identity provider says about the person signing in.
type Identity struct {
	Issuer         string
	Subject        string // the configured user claim's value
	Name           string
	Email          string
	EmailVerified  bool
	Groups         []string
	AppRoles       []string // values of the roles claim (Entra app roles)
	Department     string
	EmployeeNumber string

	// GroupOverage: the provider left the groups out of the token because
	// there were too many (Entra's _claim_names pointer), and they were not
	// read from Graph. Groups is then incomplete (empty), and the person
	// must not be signed in with the roles it gives.
	GroupOverage bool
	// GroupsFromGraph: Groups were read from Microsoft Graph after an overage.
	GroupsFromGraph bool

	// IDToken is the raw ID token, kept (server-side only) as the
	// id_token_hint of sign-out when the provider has an end-session
	// endpoint; "" otherwise.
	IDToken string
}

// Pending is one sign-in attempt in progress, kept server-side in the
// (pre-login) session and bound to the browser by its cookie.
type Pending struct {
	State    string    `json:"state"`
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"`
	Next     string    `json:"next"`
	Created  time.Time `json:"created"`
}

// PendingLifetime is how long a started sign-in may take.
const PendingLifetime = 10 * time.Minute

// OIDC is the relying party. Discovery happens lazily and is retried, so
// the portal starts and serves while the provider is unreachable.
type OIDC struct {
	cfg         config.OIDC
	redirectURL string
	log         *slog.Logger
	client      *http.Client
	graph       *http.Client // never follows a redirect with the access token

	mu          sync.Mutex
	provider    *oidc.Provider
	verifier    *oidc.IDTokenVerifier
	endSession  string
	formTargets string
	lastTry     time.Time
	lastErr     error

	// Starts limits how often one client address may start a sign-in.
	Starts *StartLimiter
}

// NewOIDC returns a relying party for cfg whose callback is
// {baseURL}/auth/callback.
func NewOIDC(cfg config.OIDC, baseURL *url.URL, log *slog.Logger) *OIDC {
	rate := cfg.SignInRate
	if rate <= 0 {
		rate = 30
	}
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &OIDC{
		cfg:         cfg,
		redirectURL: baseURL.String() + "/auth/callback",
		log:         log,
		client:      &http.Client{Timeout: 10 * time.Second},
		graph:       &http.Client{Timeout: 10 * time.Second, CheckRedirect: noRedirect},
		Starts:      NewStartLimiter(rate, time.Minute, DefaultLimiterAddresses),
	}
}

// Discover fetches the provider's configuration, at most once every few
// seconds while it keeps failing.
func (o *OIDC) Discover(ctx context.Context) error {
	_, _, err := o.discovered(ctx)
	return err
}

func (o *OIDC) discovered(ctx context.Context) (*oidc.Provider, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, o.verifier, nil
	}
	if time.Since(o.lastTry) < 3*time.Second && o.lastErr != nil {
		return nil, nil, o.lastErr
	}
	o.lastTry = time.Now()
	// The provider keeps this context for fetching signing keys later, so it
	// must not be cancelled; the client's timeout bounds each request.
	pctx := oidc.ClientContext(context.WithoutCancel(ctx), o.client)
	p, err := oidc.NewProvider(pctx, o.cfg.Issuer)
	if err != nil {
		o.lastErr = fmt.Errorf("%w: discovery: %v", ErrProviderUnavailable, err)
		return nil, nil, o.lastErr
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&extra)
	o.provider = p
	o.verifier = p.Verifier(&oidc.Config{ClientID: o.cfg.ClientID})
	o.endSession = extra.EndSession
	o.formTargets = uniqueOrigins(o.cfg.Issuer, p.Endpoint().AuthURL, extra.EndSession)
	o.lastErr = nil
	o.log.Info("identity provider discovered", "issuer", o.cfg.Issuer, "end_session", extra.EndSession != "")
	return o.provider, o.verifier, nil
}

func (o *OIDC) oauth2Config(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     o.cfg.ClientID,
		ClientSecret: o.cfg.ClientSecret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  o.redirectURL,
		Scopes:       o.cfg.Scopes,
	}
}

// Begin starts a sign-in: a fresh state, nonce and PKCE verifier, and the
// provider's URL to send the browser to.
func (o *OIDC) Begin(ctx context.Context, next string) (string, Pending, error) {
	p, _, err := o.discovered(ctx)
	if err != nil {
		return "", Pending{}, err
	}
	pend := Pending{
		State:    randomToken(),
		Nonce:    randomToken(),
		Verifier: oauth2.GenerateVerifier(),
		Next:     SafeNext(next),
		Created:  time.Now(),
	}
	u := o.oauth2Config(p).AuthCodeURL(pend.State,
		oidc.Nonce(pend.Nonce),
		oauth2.S256ChallengeOption(pend.Verifier),
	)
	return u, pend, nil
}

// Finish exchanges the code, verifies the ID token (signature, issuer,
// audience, expiry, and our nonce) and collects the person's claims, from
// the userinfo endpoint where the ID token lacks them.
func (o *OIDC) Finish(ctx context.Context, code string, pend Pending) (Identity, error) {
	p, verifier, err := o.discovered(ctx)
	if err != nil {
		return Identity{}, err
	}
	ctx = oidc.ClientContext(ctx, o.client)
	tok, err := o.oauth2Config(p).Exchange(ctx, code, oauth2.VerifierOption(pend.Verifier))
	if err != nil {
		return Identity{}, fmt.Errorf("%w: code exchange: %v", ErrSignIn, redactTokenError(err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, fmt.Errorf("%w: no id_token in the token response", ErrSignIn)
	}
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: id token: %v", ErrSignIn, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pend.Nonce)) != 1 || pend.Nonce == "" {
		return Identity{}, fmt.Errorf("%w: nonce mismatch", ErrSignIn)
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("%w: id token claims: %v", ErrSignIn, err)
	}
	if o.missing(claims) {
		info, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			o.log.Warn("userinfo unavailable; using the ID token's claims only", "err", err)
		} else if info.Subject != idt.Subject {
			return Identity{}, fmt.Errorf("%w: userinfo subject differs from the ID token's", ErrSignIn)
		} else {
			extra := map[string]any{}
			if err := info.Claims(&extra); err == nil {
				for k, v := range extra {
					if _, ok := claims[k]; !ok {
						claims[k] = v
					}
				}
			}
		}
	}
	id := Identity{
		Issuer:         o.cfg.Issuer,
		Subject:        str(claims[o.cfg.UserClaim]),
		Email:          strings.TrimSpace(str(claims["email"])),
		EmailVerified:  truthy(claims["email_verified"]),
		Groups:         strs(claims[o.cfg.GroupsClaim]),
		Department:     strings.TrimSpace(str(claims[o.cfg.DepartmentClaim])),
		EmployeeNumber: strings.TrimSpace(str(claims[o.cfg.EmployeeClaim])),
	}
	if o.cfg.RolesClaim != "" {
		id.AppRoles = strs(claims[o.cfg.RolesClaim])
	}
	if id.Email != "" && !portal.ValidEmail(id.Email) {
		// Mail is sent to it and people are linked by it: an address the
		// portal would refuse in a form is not taken from a token either.
		o.log.Warn("sign-in: the e-mail claim is not an address the portal accepts; signed in without one", "subject", id.Subject)
		id.Email, id.EmailVerified = "", false
	}
	if o.cfg.DepartmentClaim == "" {
		id.Department = ""
	}
	if o.cfg.EmployeeClaim == "" {
		id.EmployeeNumber = ""
	}
	o.mu.Lock()
	if o.endSession != "" {
		id.IDToken = raw
	}
	o.mu.Unlock()
	id.Name = displayName(claims, id.Email)
	if id.Subject == "" || id.Subject != cleanClaim(id.Subject, 500) {
		return Identity{}, fmt.Errorf("%w: the token has no usable %q claim", ErrSignIn, o.cfg.UserClaim)
	}
	// Too many groups for the token: read them from Graph, or say so (the
	// caller refuses the sign-in when groups give roles).
	if _, has := claims[o.cfg.GroupsClaim]; !has && o.groupOverage(claims) {
		if o.cfg.GraphGroups {
			groups, err := o.graphGroups(ctx, tok)
			if err != nil {
				return Identity{}, fmt.Errorf("%w: group overage, and Microsoft Graph: %v", ErrGroupsUnavailable, err)
			}
			id.Groups, id.GroupsFromGraph = groups, true
		} else {
			id.GroupOverage = true
		}
	}
	// Claims are input like any other: no control characters (a NUL byte
	// cannot even be stored), valid UTF-8, bounded length.
	id.Name = cleanClaim(id.Name, 200)
	id.Email = cleanClaim(id.Email, 320)
	id.Department = cleanClaim(id.Department, 200)
	id.EmployeeNumber = cleanClaim(id.EmployeeNumber, 50)
	for i, g := range id.Groups {
		id.Groups[i] = cleanClaim(g, 500)
	}
	for i, r := range id.AppRoles {
		id.AppRoles[i] = cleanClaim(r, 500)
	}
	return id, nil
}

// groupOverage reports whether the ID token says the groups claim was left
// out for being too large: Entra's distributed-claims pointer
// (_claim_names naming the groups claim) or, in the implicit flow,
// hasgroups=true.
func (o *OIDC) groupOverage(c map[string]any) bool {
	if names, ok := c["_claim_names"].(map[string]any); ok {
		if _, overage := names[o.cfg.GroupsClaim]; overage {
			return true
		}
	}
	return truthy(c["hasgroups"])
}

// graphGroups reads the signed-in person's group memberships from
// Microsoft Graph (POST {graph}/v1.0/me/getMemberObjects) with the
// sign-in's access token. The endpoint comes from the configuration,
// never from the token's _claim_sources.
func (o *OIDC) graphGroups(ctx context.Context, tok *oauth2.Token) ([]string, error) {
	if tok.AccessToken == "" {
		return nil, errors.New("the token response has no access token")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.cfg.GraphURL+"/v1.0/me/getMemberObjects",
		strings.NewReader(`{"securityEnabledOnly":false}`))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := o.graph.Do(req)
	if err != nil {
		return nil, fmt.Errorf("unreachable: %w", redactURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		return nil, fmt.Errorf("answered %d %s", resp.StatusCode, cleanClaim(e.Error.Code, 80))
	}
	var out struct {
		Value []string `json:"value"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("unreadable answer: %v", err)
	}
	if out.Value == nil {
		return nil, errors.New("the answer has no value list")
	}
	return out.Value, nil
}

// redactURLError keeps a transport error's cause without the URL's query.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// missing reports whether profile claims we use are absent from the ID token.
func (o *OIDC) missing(c map[string]any) bool {
	need := []string{"name", "email", o.cfg.GroupsClaim}
	if o.cfg.DepartmentClaim != "" {
		need = append(need, o.cfg.DepartmentClaim)
	}
	if o.cfg.EmployeeClaim != "" {
		need = append(need, o.cfg.EmployeeClaim)
	}
	for _, k := range need {
		if _, ok := c[k]; !ok {
			return true
		}
	}
	return false
}

// EndSessionURL returns where to send the browser after sign-out so the
// provider ends its session too, or "" when it announces no such endpoint.
// idTokenHint, the ID token of the sign-in (when kept), tells the provider
// whom to sign out, so it need not ask.
func (o *OIDC) EndSessionURL(postLogout, idTokenHint string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.endSession == "" {
		return ""
	}
	u, err := url.Parse(o.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", o.cfg.ClientID)
	q.Set("post_logout_redirect_uri", postLogout)
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// FormTargets lists the provider's origins (issuer, authorization and
// end-session endpoints) that the CSP's form-action must allow: a form post
// may continue there by redirect (sign-out, or a post that needs sign-in).
func (o *OIDC) FormTargets() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.formTargets == "" {
		return uniqueOrigins(o.cfg.Issuer)
	}
	return o.formTargets
}

func uniqueOrigins(urls ...string) string {
	var out []string
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			continue
		}
		o := u.Scheme + "://" + u.Host
		dup := false
		for _, x := range out {
			dup = dup || x == o
		}
		if !dup {
			out = append(out, o)
		}
	}
	return strings.Join(out, " ")
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// redactTokenError keeps the provider's error code but drops bodies that
// could echo secrets.
func redactTokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return fmt.Errorf("token endpoint answered %d %s", re.Response.StatusCode, re.ErrorCode)
	}
	return err
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", x), "0"), ".")
	}
	return ""
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil
		}
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s := str(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x == "true"
	}
	return false
}

// cleanClaim drops control characters and invalid UTF-8, trims, and cuts to
// at most n runes.
func cleanClaim(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		s = string(r[:n])
	}
	return s
}

func displayName(c map[string]any, email string) string {
	if n := strings.TrimSpace(str(c["name"])); n != "" {
		return n
	}
	if n := strings.TrimSpace(str(c["given_name"]) + " " + str(c["family_name"])); n != "" {
		return n
	}
	if n := strings.TrimSpace(str(c["preferred_username"])); n != "" {
		return n
	}
	if email != "" {
		return email
	}
	return "Okänd användare"
}
