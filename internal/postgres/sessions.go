package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SessionStore keeps scs sessions in PostgreSQL (implements scs.CtxStore),
// so every replica sees the same sessions. Expired rows are purged by a
// periodic job (DeleteExpired), which River runs once across replicas.
type SessionStore struct {
	pool  *pgxpool.Pool
	cache *sessionCache
}

// NewSessionStore returns the store over pool.
func NewSessionStore(pool *pgxpool.Pool) *SessionStore { return &SessionStore{pool: pool} }

// CacheWith keeps the sessions this replica has read, so that a signed-in
// page view reads no session from the database (measured: the session
// query was a fifth of the register page's cost). A session changed or
// removed anywhere is dropped when its notification arrives (migration
// 00021); one changed here is dropped at once. While the feed is not
// listening nothing is kept. Call before the feed runs.
func (s *SessionStore) CacheWith(feed *ChangeFeed) {
	s.cache = &sessionCache{feed: feed, max: 50000, m: make(map[[32]byte]sessionEntry)}
	feed.sessions = s.cache
}

// FindCtx returns the session's data, or exists=false when it is unknown or
// expired.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	key := sha256.Sum256([]byte(token))
	if b, ok := s.cache.get(key); ok {
		return b, true, nil
	}
	st := s.cache.stamp()
	var b []byte
	var expiry time.Time
	err := s.pool.QueryRow(ctx, `SELECT data, expiry FROM sessions WHERE token = $1 AND now() < expiry`, token).Scan(&b, &expiry)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("find session: %w", translate(err))
	}
	s.cache.put(key, sessionEntry{data: b, expiry: expiry}, st)
	return b, true, nil
}

// CommitCtx stores the session's data until expiry.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	defer s.cache.drop(sha256.Sum256([]byte(token)))
	_, err := s.pool.Exec(ctx, `
		INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry`, token, b, expiry)
	if err != nil {
		return fmt.Errorf("commit session: %w", translate(err))
	}
	return nil
}

// DeleteCtx removes the session.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	defer s.cache.drop(sha256.Sum256([]byte(token)))
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token); err != nil {
		return fmt.Errorf("delete session: %w", translate(err))
	}
	return nil
}

// Find, Commit and Delete complete scs.Store; scs calls the Ctx variants.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit stores the session's data until expiry.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete removes the session.
func (s *SessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// DeleteExpired purges expired sessions and returns how many it removed.
func (s *SessionStore) DeleteExpired(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`)
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", translate(err))
	}
	return tag.RowsAffected(), nil
}

// sessionCache keeps sessions read by this replica, by the SHA-256 of
// their token. An entry is used only while the feed listens on the
// connection it was read under, and only until the session's expiry.
type sessionCache struct {
	feed *ChangeFeed
	max  int

	mu   sync.Mutex
	conn uint64 // the feed's connection the entries were read under
	seq  uint64 // moves on every drop, so a read that raced one is not kept
	m    map[[32]byte]sessionEntry
}

type sessionEntry struct {
	data   []byte
	expiry time.Time
}

// sessionStamp is the state of the cache before a session is read.
type sessionStamp struct {
	live      bool
	conn, seq uint64
}

func (c *sessionCache) stamp() sessionStamp {
	if c == nil {
		return sessionStamp{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return sessionStamp{live: c.feed.live.Load(), conn: c.feed.conn.Load(), seq: c.seq}
}

func (c *sessionCache) get(key [32]byte) ([]byte, bool) {
	if c == nil || !c.feed.live.Load() {
		return nil, false
	}
	conn := c.feed.conn.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != conn {
		return nil, false
	}
	e, ok := c.m[key]
	if !ok || !time.Now().Before(e.expiry) {
		return nil, false
	}
	return e.data, true
}

// put keeps a session read after st was taken, unless a session was dropped
// or the feed's connection changed meanwhile.
func (c *sessionCache) put(key [32]byte, e sessionEntry, st sessionStamp) {
	if c == nil || !st.live {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.feed.live.Load() || c.feed.conn.Load() != st.conn || c.seq != st.seq {
		return
	}
	if c.conn != st.conn || len(c.m) >= c.max {
		c.conn = st.conn
		clear(c.m)
	}
	c.m[key] = e
}

func (c *sessionCache) drop(key [32]byte) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	delete(c.m, key)
}

// changed handles a notification: the hex SHA-256 of a token, or "*" for
// every session.
func (c *sessionCache) changed(payload string) {
	if c == nil {
		return
	}
	var key [32]byte
	if n, err := hex.Decode(key[:], []byte(payload)); err != nil || n != len(key) {
		c.mu.Lock()
		c.seq++
		clear(c.m)
		c.mu.Unlock()
		return
	}
	c.drop(key)
}
