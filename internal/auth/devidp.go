package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"

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
// tests; `itportal serve` never starts one.
type DevIdP struct {
	OIDC *mockoidc.MockOIDC

	mu        sync.Mutex
	personas  map[string]Persona
	order     []string
	tokenHook func(map[string]any)
}

// SetTokenHook lets a test see and change every token response before it
// reaches the portal (to check that tokens never leak, or to forge them).
func (d *DevIdP) SetTokenHook(f func(map[string]any)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tokenHook = f
}

func (d *DevIdP) hookTokens(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		hook := d.tokenHook
		d.mu.Unlock()
		if r.URL.Path != mockoidc.TokenEndpoint || hook == nil {
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

// StartDevIdP starts the provider on addr, which must be a loopback address.
func StartDevIdP(addr string, personas []Persona) (*DevIdP, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, errors.New("the dev identity provider listens on loopback only")
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	m, err := mockoidc.NewServer(key)
	if err != nil {
		return nil, err
	}
	d := &DevIdP{OIDC: m, personas: map[string]Persona{}}
	for _, p := range personas {
		d.AddPersona(p)
	}
	if err := m.AddMiddleware(d.picker); err != nil {
		return nil, err
	}
	if err := m.AddMiddleware(d.hookTokens); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if err := m.Start(ln, nil); err != nil {
		return nil, err
	}
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
func (d *DevIdP) Issuer() string { return d.OIDC.Issuer() }

// ClientID and ClientSecret are the portal's credentials at the provider.
func (d *DevIdP) ClientID() string     { return d.OIDC.ClientID }
func (d *DevIdP) ClientSecret() string { return d.OIDC.ClientSecret }

// Shutdown stops the provider.
func (d *DevIdP) Shutdown() error { return d.OIDC.Shutdown() }

// picker shows the persona picker on the authorization endpoint; the
// chosen persona is then signed in by mockoidc's own authorization code.
func (d *DevIdP) picker(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != mockoidc.AuthorizationEndpoint {
			next.ServeHTTP(w, r)
			return
		}
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
		d.OIDC.QueueUser(&devUser{p: p})
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
type devUser struct{ p Persona }

func (u *devUser) ID() string { return "dev-" + u.p.Key }

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
	if !u.p.OmitGroups {
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
}

// Claims puts name, groups, employee number and department in the ID token;
// the e-mail address only comes from userinfo, so the portal's merge of
// the two sources is exercised on every dev sign-in.
func (u *devUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	c := &devClaims{IDTokenClaims: base, Name: u.p.Name, EmployeeNumber: u.p.EmployeeNumber, Department: u.p.Department}
	if !u.p.OmitGroups {
		c.Groups = u.p.Groups
	}
	return c, nil
}
