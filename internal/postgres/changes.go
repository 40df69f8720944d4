package postgres

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// ChangeChannel is where statement triggers announce changes to the tables
// behind the read caches (migration 00008).
const ChangeChannel = "itportal_changed"

// ChangeFeed follows the database's change notifications so that a replica
// may cache reads of data that changes rarely: the register's unfiltered
// pages, the departments, the signed-in person. Its generation moves on
// every notification, on every local write (Bump) and whenever the listening
// connection is lost or regained; while it is lost, nothing is cached and
// every read goes to the database. A nil feed caches nothing.
type ChangeFeed struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	gen  atomic.Uint64
	live atomic.Bool
	// conn moves whenever the listening connection is lost or regained:
	// what was cached under another value may have missed a notification.
	conn atomic.Uint64

	// sessions, when set (before Run), hears the session notifications.
	sessions *sessionCache
}

// SessionChannel is where the sessions table announces a changed or
// removed session (migration 00021).
const SessionChannel = "itportal_session"

// NewChangeFeed returns a feed over the pool's database; Run starts it.
func NewChangeFeed(pool *pgxpool.Pool, log *slog.Logger) *ChangeFeed {
	return &ChangeFeed{pool: pool, log: log}
}

// Run listens until ctx ends, reconnecting after a lost connection (a
// PostgreSQL restart, a fail-over) with a growing pause of up to 30 s.
func (f *ChangeFeed) Run(ctx context.Context) {
	pause := 500 * time.Millisecond
	for ctx.Err() == nil {
		started := time.Now()
		err := f.listen(ctx)
		f.live.Store(false)
		f.gen.Add(1)
		f.conn.Add(1)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > time.Minute {
			pause = 500 * time.Millisecond
		}
		f.log.Warn("change feed lost; read caches are off until it is back", "err", err, "retry_in", pause.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

func (f *ChangeFeed) listen(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, f.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+ChangeChannel+"; LISTEN "+SessionChannel); err != nil {
		return err
	}
	// Whatever was cached before now may have missed a change.
	f.gen.Add(1)
	f.conn.Add(1)
	f.live.Store(true)
	f.log.Debug("change feed listening")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel == SessionChannel {
			f.sessions.changed(n.Payload)
			continue
		}
		f.gen.Add(1)
	}
}

// Bump drops this replica's caches at once, for a write it just committed
// (the notification follows a moment later).
func (f *ChangeFeed) Bump() {
	if f != nil {
		f.gen.Add(1)
	}
}

// Live reports whether the feed is listening, so caches are in use.
func (f *ChangeFeed) Live() bool { return f != nil && f.live.Load() }

// Generation returns the current generation and whether caching is on.
func (f *ChangeFeed) Generation() (uint64, bool) {
	if f == nil {
		return 0, false
	}
	live := f.live.Load()
	return f.gen.Load(), live
}

// readCache keeps up to max values of one kind for as long as the feed's
// generation and the Stockholm date (current roles and due dates move at
// midnight) stay the same. Cached values are shared: callers must not
// modify them.
type readCache[K comparable, V any] struct {
	feed *ChangeFeed
	max  int

	mu  sync.Mutex
	gen uint64
	day time.Time
	m   map[K]V
}

func newReadCache[K comparable, V any](feed *ChangeFeed, max int) *readCache[K, V] {
	return &readCache[K, V]{feed: feed, max: max}
}

// get returns the cached value for k, or loads it and keeps it when nothing
// changed while it was loading.
func (c *readCache[K, V]) get(k K, load func() (V, error)) (V, error) {
	v, _, err := c.getShared(k, load)
	return v, err
}

// getShared is get that also says whether the value is shared: served from
// the cache or kept in it, so that other readers get the very same value.
func (c *readCache[K, V]) getShared(k K, load func() (V, error)) (V, bool, error) {
	gen, live := c.feed.Generation()
	if !live {
		v, err := load()
		return v, false, err
	}
	day := portal.Today()
	c.mu.Lock()
	if c.gen == gen && c.day.Equal(day) {
		if v, ok := c.m[k]; ok {
			c.mu.Unlock()
			return v, true, nil
		}
	}
	c.mu.Unlock()
	v, err := load()
	if err != nil {
		return v, false, err
	}
	if after, live := c.feed.Generation(); !live || after != gen || !portal.Today().Equal(day) {
		return v, false, nil // something changed meanwhile: use it once, keep nothing
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || !c.day.Equal(day) {
		c.gen, c.day, c.m = gen, day, make(map[K]V)
	}
	if len(c.m) < c.max {
		c.m[k] = v
		return v, true, nil
	}
	return v, false, nil
}

// peek returns the cached value for k without loading; an error when
// there is none (or caching is off).
func (c *readCache[K, V]) peek(k K) (V, error) {
	var zero V
	gen, live := c.feed.Generation()
	if !live {
		return zero, errNotCached
	}
	day := portal.Today()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen && c.day.Equal(day) {
		if v, ok := c.m[k]; ok {
			return v, nil
		}
	}
	return zero, errNotCached
}

// stamp is the generation and day a value is read under.
type stamp struct {
	gen  uint64
	live bool
	day  time.Time
}

func (c *readCache[K, V]) stamp() stamp {
	gen, live := c.feed.Generation()
	return stamp{gen: gen, live: live, day: portal.Today()}
}

// putAt keeps v for k if nothing changed since st was taken, before v was
// read (for values the caller reads itself, like "owes nothing").
func (c *readCache[K, V]) putAt(k K, v V, st stamp) {
	if now := c.stamp(); !st.live || !now.live || now.gen != st.gen || !now.day.Equal(st.day) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != st.gen || !c.day.Equal(st.day) {
		c.gen, c.day, c.m = st.gen, st.day, make(map[K]V)
	}
	if len(c.m) < c.max {
		c.m[k] = v
	}
}

var errNotCached = errors.New("not cached")
