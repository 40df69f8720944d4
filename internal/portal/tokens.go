package portal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"time"
)

// Scope is what an API token may read.
type Scope string

// The scopes a token can be given.
const (
	ScopeRegisterRead         Scope = "register:read"
	ScopeRequestsRead         Scope = "requests:read"
	ScopeAcknowledgementsRead Scope = "acknowledgements:read"
)

// AllScopes lists the scopes in display order.
var AllScopes = []Scope{ScopeRegisterRead, ScopeRequestsRead, ScopeAcknowledgementsRead}

// Label is the scope's Swedish description.
func (s Scope) Label() string {
	switch s {
	case ScopeRegisterRead:
		return "Läsa systemregistret"
	case ScopeRequestsRead:
		return "Läsa ärenden"
	case ScopeAcknowledgementsRead:
		return "Läsa statistik över kvittenser"
	}
	return string(s)
}

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return slices.Contains(AllScopes, s) }

// TokenGrant is an API token acting: its id, name and scopes.
type TokenGrant struct {
	ID     int64
	Name   string
	Scopes []Scope
}

// Allows reports whether the grant includes scope.
func (g *TokenGrant) Allows(scope Scope) bool { return g != nil && slices.Contains(g.Scopes, scope) }

// TokenPrefix starts every secret, so that a leaked one is recognisable
// (secret scanners, logs).
const TokenPrefix = "itp_"

// MaxTokenLifetime is the longest a token may be valid.
const MaxTokenLifetime = 366 * 24 * time.Hour

// NewTokenSecret returns a fresh secret (256 random bits) and its hash.
func NewTokenSecret() (secret string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashTokenSecret(secret)
}

// HashTokenSecret is the stored form of a secret.
func HashTokenSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// WellFormedTokenSecret reports whether s has the shape of a secret.
func WellFormedTokenSecret(s string) bool {
	rest, ok := strings.CutPrefix(s, TokenPrefix)
	if !ok || len(rest) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}

// TokenInput is an administrator's new token.
type TokenInput struct {
	Name    string
	Scopes  []Scope
	Expires time.Time // a calendar date: valid through its end (Stockholm)
}

// Validate checks the input against today's date.
func (in *TokenInput) Validate(today time.Time) error {
	fields := map[string]string{}
	in.Name = strings.TrimSpace(in.Name)
	switch n := len([]rune(in.Name)); {
	case n == 0:
		fields["name"] = "Ange ett namn, t.ex. vilket system som använder nyckeln."
	case n > 100:
		fields["name"] = "Namnet får vara högst 100 tecken."
	}
	if len(in.Scopes) == 0 {
		fields["scopes"] = "Välj minst en behörighet."
	}
	for _, s := range in.Scopes {
		if !s.Valid() {
			fields["scopes"] = "Välj behörigheter i listan."
		}
	}
	switch {
	case in.Expires.IsZero():
		fields["expires"] = "Ange ett giltigt datum (ÅÅÅÅ-MM-DD)."
	case !in.Expires.After(today):
		fields["expires"] = "Slutdatumet måste vara efter i dag."
	case in.Expires.After(today.Add(MaxTokenLifetime - 24*time.Hour)):
		fields["expires"] = "En nyckel får gälla högst ett år."
	}
	if len(fields) > 0 {
		return Invalid("Nyckeln kunde inte skapas. Rätta uppgifterna nedan.", fields)
	}
	return nil
}
