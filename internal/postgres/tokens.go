package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// TokenService keeps the API tokens: administrators create and revoke
// them; the API authenticates with them.
type TokenService struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewTokenService returns the service; now may be nil (time.Now).
func NewTokenService(pool *pgxpool.Pool, now func() time.Time) *TokenService {
	if now == nil {
		now = time.Now
	}
	return &TokenService{pool: pool, now: now}
}

// Token is a token as listed (never its secret).
type Token struct {
	ID         int64
	Name       string
	Scopes     []portal.Scope
	Prefix     string
	CreatedBy  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
	RevokedBy  string
	LastUsedAt *time.Time
}

// Status is the token's state in Swedish.
func (t Token) Status(now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return "Återkallad"
	case !t.ExpiresAt.After(now):
		return "Har gått ut"
	}
	return "Giltig"
}

func onlyAdmin(actor *portal.Actor) error {
	if !portal.CanAdminister(actor) || actor.Token != nil {
		return portal.Forbidden("API-nycklar hanteras av administratörer.")
	}
	return nil
}

// List returns every token, newest first.
func (s *TokenService) List(ctx context.Context, actor *portal.Actor) ([]Token, error) {
	if err := onlyAdmin(actor); err != nil {
		return nil, err
	}
	var out []Token
	err := readTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT t.id, t.name, t.scopes, t.prefix, COALESCE(c.name, ''), t.created_at, t.expires_at,
			       t.revoked_at, COALESCE(r.name, ''), t.last_used_at
			FROM api_tokens t LEFT JOIN people c ON c.id = t.created_by LEFT JOIN people r ON r.id = t.revoked_by
			ORDER BY t.created_at DESC, t.id DESC`)
		if err != nil {
			return translate(err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Token, error) {
			var t Token
			var scopes []string
			err := r.Scan(&t.ID, &t.Name, &scopes, &t.Prefix, &t.CreatedBy, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.RevokedBy, &t.LastUsedAt)
			for _, sc := range scopes {
				t.Scopes = append(t.Scopes, portal.Scope(sc))
			}
			return t, err
		})
		return translate(err)
	})
	return out, err
}

// Create stores a new token and returns its id and secret, which is never
// shown again.
func (s *TokenService) Create(ctx context.Context, actor *portal.Actor, in portal.TokenInput, correlationID string) (int64, string, error) {
	if err := onlyAdmin(actor); err != nil {
		return 0, "", err
	}
	if err := in.Validate(portal.DateOf(s.now())); err != nil {
		return 0, "", err
	}
	secret, hash := portal.NewTokenSecret()
	// Valid through the end of the chosen day in Stockholm.
	e := in.Expires.AddDate(0, 0, 1)
	expires := time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, portal.Stockholm)
	scopes := make([]string, len(in.Scopes))
	for i, sc := range in.Scopes {
		scopes[i] = string(sc)
	}
	var id int64
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO api_tokens (name, scopes, secret_hash, prefix, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			in.Name, scopes, hash, secret[:len(portal.TokenPrefix)+6], actor.PersonID, s.now(), expires).Scan(&id)
		if err != nil {
			if isUniqueViolation(err) {
				return portal.Invalid("Nyckeln kunde inte skapas. Rätta uppgifterna nedan.",
					map[string]string{"name": "Det finns redan en giltig nyckel med det namnet."})
			}
			return translate(err)
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "api_token.created", ObjectType: "api_token",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID,
			Changes: map[string]any{"name": in.Name, "scopes": scopes, "expires_at": expires}})
	})
	if err != nil {
		return 0, "", err
	}
	return id, secret, nil
}

// Revoke ends a token at once, on every replica (it is checked on every use).
func (s *TokenService) Revoke(ctx context.Context, actor *portal.Actor, id int64, correlationID string) error {
	if err := onlyAdmin(actor); err != nil {
		return err
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var name string
		var revoked *time.Time
		err := tx.QueryRow(ctx, `SELECT name, revoked_at FROM api_tokens WHERE id = $1 FOR UPDATE`, id).Scan(&name, &revoked)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Nyckeln finns inte.")
		}
		if err != nil {
			return translate(err)
		}
		if revoked != nil {
			return portal.Conflict("Nyckeln " + name + " är redan återkallad.")
		}
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = $2, revoked_by = $3 WHERE id = $1`, id, s.now(), actor.PersonID); err != nil {
			return translate(err)
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "api_token.revoked", ObjectType: "api_token",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID, Changes: map[string]any{"name": name}})
	})
}

// Why a token was refused (for the security log; the caller only ever
// hears 401).
const (
	TokenUnknown = "unknown"
	TokenRevoked = "revoked"
	TokenExpired = "expired"
)

// Authenticate returns the grant of a secret, or why it is refused. It
// notes the use (at most once a minute per token).
func (s *TokenService) Authenticate(ctx context.Context, secret string) (*portal.TokenGrant, string, error) {
	var g portal.TokenGrant
	var scopes []string
	var expires time.Time
	var revoked, used *time.Time
	err := s.pool.QueryRow(ctx, `SELECT id, name, scopes, expires_at, revoked_at, last_used_at FROM api_tokens WHERE secret_hash = $1`,
		portal.HashTokenSecret(secret)).Scan(&g.ID, &g.Name, &scopes, &expires, &revoked, &used)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, TokenUnknown, nil
	}
	if err != nil {
		return nil, "", translate(err)
	}
	now := s.now()
	if revoked != nil {
		return &g, TokenRevoked, nil
	}
	if !expires.After(now) {
		return &g, TokenExpired, nil
	}
	for _, sc := range scopes {
		g.Scopes = append(g.Scopes, portal.Scope(sc))
	}
	if used == nil || now.Sub(*used) > time.Minute {
		if _, err := s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, g.ID, now); err != nil {
			return nil, "", translate(err)
		}
	}
	return &g, "", nil
}
