package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// TestForgedIDTokensAreRejected replaces the provider's ID token with forged
// ones: each must be refused, and no session may result.
func TestForgedIDTokensAreRejected(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	otherKey, err := mockoidc.RandomKeypair(2048)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		forge func(c jwt.MapClaims) (string, error)
	}{
		{"wrong nonce", func(c jwt.MapClaims) (string, error) {
			c["nonce"] = "someone-elses-nonce"
			return h.IdP.OIDC.Keypair.SignJWT(c)
		}},
		{"wrong audience", func(c jwt.MapClaims) (string, error) {
			c["aud"] = "another-client"
			return h.IdP.OIDC.Keypair.SignJWT(c)
		}},
		{"wrong issuer", func(c jwt.MapClaims) (string, error) {
			c["iss"] = "https://evil.example/oidc"
			return h.IdP.OIDC.Keypair.SignJWT(c)
		}},
		{"expired", func(c jwt.MapClaims) (string, error) {
			c["exp"] = time.Now().Add(-time.Hour).Unix()
			c["iat"] = time.Now().Add(-2 * time.Hour).Unix()
			return h.IdP.OIDC.Keypair.SignJWT(c)
		}},
		{"alg none", func(c jwt.MapClaims) (string, error) {
			return jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
		}},
		{"unknown key", func(c jwt.MapClaims) (string, error) {
			return otherKey.SignJWT(c)
		}},
		{"no token at all", func(jwt.MapClaims) (string, error) { return "", nil }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.IdP.SetTokenHook(func(body map[string]any) {
				claims := decodeClaims(t, body["id_token"].(string))
				forged, err := c.forge(claims)
				if err != nil {
					t.Fatal(err)
				}
				if forged == "" {
					delete(body, "id_token")
				} else {
					body["id_token"] = forged
				}
			})
			defer h.IdP.SetTokenHook(nil)
			b := h.Browser()
			cb := b.Callback(admin.Key, "/min-sida")
			resp := b.Get(cb.String())
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, "Inloggningen kunde inte slutföras") {
				t.Fatalf("callback with a forged token: %d\n%s", resp.StatusCode, resp.Body)
			}
			if resp := b.Get("/min-sida"); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("a forged token produced a session: %d", resp.StatusCode)
			}
		})
	}
	var n int
	if err := h.Pool.QueryRow(context.Background(), `SELECT count(*) FROM people`).Scan(&n); err != nil || n != 0 {
		t.Errorf("forged tokens created %d people", n)
	}
}

func decodeClaims(t *testing.T, token string) jwt.MapClaims {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	c := jwt.MapClaims{}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTokensNeverReachTheBrowserOrTheLog signs in while recording every
// token the provider issues, then searches every response and log line.
func TestTokensNeverReachTheBrowserOrTheLog(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	var tokens []string
	h.IdP.SetTokenHook(func(body map[string]any) {
		for _, k := range []string{"id_token", "access_token", "refresh_token"} {
			if s, ok := body[k].(string); ok && s != "" {
				tokens = append(tokens, s)
			}
		}
	})
	b := h.Browser()
	var seen []string
	cb := b.Callback(itHead.Key, "/min-sida")
	for _, r := range []string{cb.String(), "/min-sida", "/", "/finns-inte"} {
		resp := b.Get(r)
		seen = append(seen, resp.Body)
		for k, v := range resp.Header {
			seen = append(seen, k+": "+strings.Join(v, ","))
		}
	}
	if len(tokens) < 2 {
		t.Fatalf("recorded %d tokens", len(tokens))
	}
	seen = append(seen, h.Logs.Lines()...)
	for _, tok := range tokens {
		for _, s := range seen {
			if strings.Contains(s, tok) || strings.Contains(s, tok[len(tok)-20:]) {
				t.Fatalf("a token string appears in a response or log line: %.200s", s)
			}
		}
	}
}
