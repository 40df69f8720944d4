package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// Persona is a demo identity the dev identity provider can sign in as.
type Persona struct {
	Key            string   // stable id; the token's subject is "dev-" + Key
	Name           string   // shown in the picker and sent as the name claim
	Email          string   // sent from the userinfo endpoint only (as some providers do)
	EmailVerified  bool     //
	EmployeeNumber string   // the employee_number claim
	Department     string   // the department claim (short name)
	Groups         []string // the groups claim
	Description    string   // what the persona is for, shown in the picker
	OmitGroups     bool     // send no groups claim at all
	// With an Entra-shaped provider (DevIdPOptions.Tenant) only:
	ObjectID     string   // the oid claim; derived from Key when empty
	AppRoles     []string // the roles claim: app role values assigned to the person
	GroupOverage bool     // too many groups for the token: _claim_names and _claim_sources instead of groups
}

// Dev groups, mapped to roles by DevRoleGroups.
const (
	DevGroupITUnit   = "grp-it-enheten"
	DevGroupITHead   = "grp-it-chef"
	DevGroupDeputy   = "grp-it-chef-ersattare"
	DevGroupAdmin    = "grp-itportalen-admin"
	DevEmployeeClaim = "employee_number"
	DevDeptClaim     = "department"
)

// DevRoleGroups is ITPORTAL_ROLE_GROUPS for the dev provider.
const DevRoleGroups = "it_unit=" + DevGroupITUnit + ";it_head=" + DevGroupITHead + ";it_head_deputy=" + DevGroupDeputy + ";admin=" + DevGroupAdmin

// DevPersonas are the demo people of `itportal dev` (invented; their
// employee numbers match the demo data).
var DevPersonas = []Persona{
	{Key: "it-enheten", Name: "Mats Lindqvist", Email: "mats.lindqvist@example.lillaedet.se", EmployeeNumber: "D0002", Department: "KLF",
		Groups: []string{DevGroupITUnit}, Description: "IT-enheten: för registret och handlägger ärenden"},
	{Key: "it-chef", Name: "Ingrid Svensson", Email: "ingrid.svensson@example.lillaedet.se", EmployeeNumber: "D0001", Department: "KLF",
		Groups: []string{DevGroupITHead, DevGroupITUnit}, Description: "Chef för IT-enheten: beslutar om öppen källkod och egenutveckling"},
	{Key: "it-chef-ersattare", Name: "Eva Holm", Email: "eva.holm@example.lillaedet.se", EmployeeNumber: "D0007", Department: "KLF",
		Groups: []string{DevGroupDeputy, DevGroupITUnit}, Description: "Ersättare för chefen för IT-enheten"},
	{Key: "systemforvaltare", Name: "Leila Haddad", Email: "leila.haddad@example.lillaedet.se", EmployeeNumber: "D0003", Department: "SOC",
		Description: "Systemförvaltare i Socialförvaltningen"},
	{Key: "nyanstalld", Name: "Johan Berg", Email: "johan.berg@example.lillaedet.se", EmployeeNumber: "D0004", Department: "BUF",
		Description: "Nyanställd i Barn- och utbildningsförvaltningen"},
	{Key: "chef", Name: "Karin Åberg", Email: "karin.aberg@example.lillaedet.se", EmployeeNumber: "D0005", Department: "SOC",
		Description: "Chef i Socialförvaltningen"},
	{Key: "admin", Name: "Anders Nyström", Email: "anders.nystrom@example.lillaedet.se", EmployeeNumber: "D0006", Department: "KLF",
		Groups: []string{DevGroupAdmin}, Description: "Administratör av IT-portalen"},
}

// DevIdP is a real OpenID Connect provider (mockoidc) on loopback with a
// persona picker as its login page. It exists for `itportal dev` and the
// tests; `itportal serve` never starts one. With DevIdPOptions.Tenant it
// looks like Microsoft Entra ID: its issuer, endpoint paths, claims and
// end-session endpoint are shaped as Entra's are.
type DevIdP struct {
	OIDC *mockoidc.MockOIDC

	tenant string // "" for the plain provider
	issuer string

	mu        sync.Mutex
	personas  map[string]Persona
	order     []string
	tokenHook func(map[string]any)
	logouts   []Logout
}

// DevIdPOptions shape the provider.
type DevIdPOptions struct {
	// Tenant makes the provider Entra-shaped: issuer {address}/{Tenant}/v2.0,
	// authorization, token and end-session endpoints under
	// /{Tenant}/oauth2/v2.0/, keys at /{Tenant}/discovery/v2.0/keys, and ID
	// tokens with oid, tid, ver, preferred_username and roles (and the
	// group overage claims for a persona with GroupOverage).
	Tenant string
}

// Logout is one request the Entra-shaped provider's end-session endpoint
// accepted.
type Logout struct {
	IDTokenHint           string
	PostLogoutRedirectURI string
	ClientID              string
}

// SetTokenHook lets a test see and change every token response before it
// reaches the portal (to check that tokens never leak, or to forge them).
func (d *DevIdP) SetTokenHook(f func(map[string]any)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tokenHook = f
}

// Logouts returns the sign-outs the end-session endpoint accepted.
func (d *DevIdP) Logouts() []Logout {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Logout(nil), d.logouts...)
}

// hookTokens runs the token hook over the token endpoint's answers.
func (d *DevIdP) hookTokens(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		hook := d.tokenHook
		d.mu.Unlock()
		if hook == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := map[string]any{}
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		hook(body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	})
}

// StartDevIdP starts the plain provider on addr, which must be a loopback
// address.
func StartDevIdP(addr string, personas []Persona) (*DevIdP, error) {
	return StartDevIdPWith(addr, personas, DevIdPOptions{})
}

// StartDevIdPWith starts a provider shaped by opt on addr, which must be a
// loopback address.
func StartDevIdPWith(addr string, personas []Persona, opt DevIdPOptions) (*DevIdP, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, errors.New("the dev identity provider listens on loopback only")
	}
	if opt.Tenant != "" && (strings.ContainsAny(opt.Tenant, "/?#%") || opt.Tenant != strings.TrimSpace(opt.Tenant)) {
		return nil, errors.New("the tenant must be a plain path segment, such as a GUID")
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	m, err := mockoidc.NewServer(key)
	if err != nil {
		return nil, err
	}
	d := &DevIdP{OIDC: m, tenant: opt.Tenant, personas: map[string]Persona{}}
	for _, p := range personas {
		d.AddPersona(p)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	// The provider serves mockoidc's endpoints through a mux of its own, so
	// it can also answer at Entra's paths. mockoidc derives its own address
	// (and the access tokens' issuer) from m.Server.
	mux := http.NewServeMux()
	mux.Handle(mockoidc.AuthorizationEndpoint, d.picker(http.HandlerFunc(m.Authorize)))
	mux.Handle(mockoidc.TokenEndpoint, d.hookTokens(http.HandlerFunc(m.Token)))
	mux.HandleFunc(mockoidc.UserinfoEndpoint, m.Userinfo)
	mux.HandleFunc(mockoidc.JWKSEndpoint, m.JWKS)
	m.Server = &http.Server{Addr: ln.Addr().String(), Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	d.issuer = m.Issuer()
	if d.tenant != "" {
		t := "/" + d.tenant
		d.issuer = m.Addr() + t + "/v2.0"
		mux.HandleFunc(t+"/v2.0/.well-known/openid-configuration", d.entraDiscovery)
		mux.Handle(t+"/oauth2/v2.0/authorize", d.picker(entraScopes(http.HandlerFunc(m.Authorize))))
		mux.Handle(t+"/oauth2/v2.0/token", d.hookTokens(http.HandlerFunc(m.Token)))
		mux.HandleFunc(t+"/discovery/v2.0/keys", m.JWKS)
		mux.HandleFunc(t+"/oauth2/v2.0/logout", d.endSession)
	} else {
		mux.HandleFunc(mockoidc.DiscoveryEndpoint, m.Discovery)
	}
	go func() { _ = m.Server.Serve(ln) }()
	return d, nil
}

// AddPersona makes p available in the picker.
func (d *DevIdP) AddPersona(p Persona) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.personas[p.Key]; !ok {
		d.order = append(d.order, p.Key)
	}
	d.personas[p.Key] = p
}

// Issuer is the provider's issuer URL.
func (d *DevIdP) Issuer() string { return d.issuer }

// Tenant is the Entra-shaped provider's tenant id ("" for the plain one).
func (d *DevIdP) Tenant() string { return d.tenant }

// ClientID and ClientSecret are the portal's credentials at the provider.
func (d *DevIdP) ClientID() string     { return d.OIDC.ClientID }
func (d *DevIdP) ClientSecret() string { return d.OIDC.ClientSecret }

// Shutdown stops the provider.
func (d *DevIdP) Shutdown() error { return d.OIDC.Shutdown() }

// picker shows the persona picker on the authorization endpoint; the
// chosen persona is then signed in by mockoidc's own authorization code.
func (d *DevIdP) picker(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Query().Get("persona")
		d.mu.Lock()
		p, ok := d.personas[key]
		var list []Persona
		for _, k := range d.order {
			list = append(list, d.personas[k])
		}
		d.mu.Unlock()
		if !ok {
			params := map[string]string{}
			for k, v := range r.URL.Query() {
				if k != "persona" && len(v) > 0 {
					params[k] = v[0]
				}
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			_ = pickerPage.Execute(w, struct {
				Personas []Persona
				Params   map[string]string
			}{list, params})
			return
		}
		d.OIDC.QueueUser(&devUser{p: p, issuer: d.issuer, tenant: d.tenant})
		next.ServeHTTP(w, r)
	})
}

var pickerPage = template.Must(template.New("picker").Parse(`<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Logga in – utvecklingsinloggning</title>
<style>
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5}
fieldset{border:1px solid #6b6b6b;padding:1rem}
label{display:block;padding:.4rem 0}
.hint{color:#4a4a4a;display:block;margin-left:1.7rem}
button{font-size:1rem;padding:.5rem 1.2rem;margin-top:1rem;background:#0b4f6c;color:#fff;border:0;border-radius:4px}
:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
.warn{background:#fff4ce;border-left:4px solid #8a6d00;padding:.5rem 1rem}
</style>
</head>
<body>
<main>
<h1>Utvecklingsinloggning</h1>
<p class="warn">Den här inloggningen finns bara i utvecklingsläget (<code>itportal dev</code>). Personerna är påhittade.</p>
<form method="get">
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<fieldset>
<legend>Logga in som</legend>
{{range $i, $p := .Personas}}<label><input type="radio" name="persona" value="{{$p.Key}}"{{if eq $i 0}} checked{{end}}> {{$p.Name}}<span class="hint">{{$p.Description}}</span></label>
{{end}}</fieldset>
<button type="submit">Logga in</button>
</form>
</main>
</body>
</html>
`))

// devUser adapts a Persona to mockoidc's User.
type devUser struct {
	p      Persona
	issuer string // the ID token's iss
	tenant string // Entra-shaped when set
}

func (u *devUser) ID() string { return "dev-" + u.p.Key }

// objectID is the persona's Entra object id: given, or a stable GUID-shaped
// value derived from its key.
func (u *devUser) objectID() string {
	if u.p.ObjectID != "" {
		return u.p.ObjectID
	}
	h := sha256.Sum256([]byte("dev-oid:" + u.p.Key))
	x := hex.EncodeToString(h[:16])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

type devInfo struct {
	Subject        string   `json:"sub"`
	Name           string   `json:"name,omitempty"`
	Email          string   `json:"email,omitempty"`
	EmailVerified  bool     `json:"email_verified"`
	Groups         []string `json:"groups,omitempty"`
	EmployeeNumber string   `json:"employee_number,omitempty"`
	Department     string   `json:"department,omitempty"`
}

func (u *devUser) Userinfo(_ []string) ([]byte, error) {
	info := devInfo{
		Subject: u.ID(), Name: u.p.Name, Email: u.p.Email, EmailVerified: u.p.EmailVerified,
		EmployeeNumber: u.p.EmployeeNumber, Department: u.p.Department,
	}
	// Entra's userinfo endpoint (Microsoft Graph's) tells no groups or roles.
	if !u.p.OmitGroups && u.tenant == "" {
		info.Groups = u.p.Groups
	}
	return json.Marshal(info)
}

type devClaims struct {
	*mockoidc.IDTokenClaims
	Name           string   `json:"name,omitempty"`
	Groups         []string `json:"groups,omitempty"`
	EmployeeNumber string   `json:"employee_number,omitempty"`
	Department     string   `json:"department,omitempty"`

	// Entra-shaped tokens only.
	ObjectID          string                       `json:"oid,omitempty"`
	TenantID          string                       `json:"tid,omitempty"`
	Version           string                       `json:"ver,omitempty"`
	PreferredUsername string                       `json:"preferred_username,omitempty"`
	Roles             []string                     `json:"roles,omitempty"`
	ClaimNames        map[string]string            `json:"_claim_names,omitempty"`
	ClaimSources      map[string]map[string]string `json:"_claim_sources,omitempty"`
}

// Claims puts name, groups, employee number and department in the ID token;
// the e-mail address only comes from userinfo, so the portal's merge of
// the two sources is exercised on every dev sign-in. An Entra-shaped
// token adds oid, tid, ver, preferred_username and roles, and for a
// persona with too many groups carries Entra's overage pointer instead of
// the groups.
func (u *devUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.issuer != "" {
		base.Issuer = u.issuer
	}
	c := &devClaims{IDTokenClaims: base, Name: u.p.Name, EmployeeNumber: u.p.EmployeeNumber, Department: u.p.Department}
	if !u.p.OmitGroups {
		c.Groups = u.p.Groups
	}
	if u.tenant == "" {
		return c, nil
	}
	c.ObjectID, c.TenantID, c.Version, c.PreferredUsername = u.objectID(), u.tenant, "2.0", u.p.Email
	c.Roles = u.p.AppRoles
	if u.p.GroupOverage {
		c.Groups = nil
		c.ClaimNames = map[string]string{"groups": "src1"}
		c.ClaimSources = map[string]map[string]string{"src1": {
			"endpoint": "https://graph.microsoft.com/v1.0/users/" + c.ObjectID + "/getMemberObjects",
		}}
	}
	return c, nil
}

// entraDiscovery is the Entra-shaped provider's discovery document.
func (d *DevIdP) entraDiscovery(w http.ResponseWriter, _ *http.Request) {
	base := d.OIDC.Addr() + "/" + d.tenant
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"issuer":                                d.issuer,
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"userinfo_endpoint":                     d.OIDC.UserinfoEndpoint(),
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"frontchannel_logout_supported":         true,
		"http_logout_supported":                 true,
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"claims_supported": []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "preferred_username",
			"name", "tid", "ver", "oid", "roles", "groups", "email"},
		"code_challenge_methods_supported": []string{"S256"},
	})
}

// entraScopes drops the scopes mockoidc does not know (Entra also takes
// resource scopes such as User.Read and offline_access).
func entraScopes(next http.Handler) http.Handler {
	known := map[string]bool{}
	for _, s := range mockoidc.ScopesSupported {
		known[s] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var keep []string
		for _, s := range strings.Fields(q.Get("scope")) {
			if known[s] {
				keep = append(keep, s)
			}
		}
		q.Set("scope", strings.Join(keep, " "))
		r.URL.RawQuery = q.Encode()
		next.ServeHTTP(w, r)
	})
}

// endSession is the Entra-shaped provider's end-session endpoint. Like
// Entra it checks that an id_token_hint is an ID token it issued to the
// client (an expired one will do), then sends the browser on to
// post_logout_redirect_uri.
func (d *DevIdP) endSession(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	l := Logout{IDTokenHint: q.Get("id_token_hint"), PostLogoutRedirectURI: q.Get("post_logout_redirect_uri"), ClientID: q.Get("client_id")}
	if l.IDTokenHint != "" {
		claims := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(l.IDTokenHint, claims, func(*jwt.Token) (any, error) { return d.OIDC.Keypair.PublicKey, nil },
			jwt.WithoutClaimsValidation(), jwt.WithValidMethods([]string{"RS256"}))
		aud, _ := claims.GetAudience()
		if err != nil || claims["iss"] != d.issuer || len(aud) != 1 || aud[0] != d.OIDC.ClientID {
			http.Error(w, "AADSTS: the id_token_hint is not an ID token this provider issued to the client", http.StatusBadRequest)
			return
		}
	}
	if l.ClientID != "" && l.ClientID != d.OIDC.ClientID {
		http.Error(w, "AADSTS: unknown client_id", http.StatusBadRequest)
		return
	}
	post, err := url.Parse(l.PostLogoutRedirectURI)
	if l.PostLogoutRedirectURI != "" && (err != nil || post.Scheme != "http" || net.ParseIP(post.Hostname()) == nil || !net.ParseIP(post.Hostname()).IsLoopback()) {
		http.Error(w, "AADSTS: post_logout_redirect_uri is not registered", http.StatusBadRequest)
		return
	}
	d.mu.Lock()
	d.logouts = append(d.logouts, l)
	d.mu.Unlock()
	if l.PostLogoutRedirectURI == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("Du är utloggad från utvecklingsinloggningen.\n"))
		return
	}
	http.Redirect(w, r, l.PostLogoutRedirectURI, http.StatusFound)
}
