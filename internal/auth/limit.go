package auth

import (
	"container/list"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// DefaultLimiterAddresses is how many client addresses a StartLimiter
// tracks at most (about 100 bytes each).
const DefaultLimiterAddresses = 10000

// StartLimiter limits how often one client address may start a sign-in: a
// token bucket per address (IPv6 per /64, which one subscriber usually
// holds whole), in memory. It tracks at most a fixed number of addresses;
// when full, the least recently seen is forgotten, which only ever hands
// that address a full bucket again, the same as any new address gets, so
// many addresses cannot grow it without limit or make it stricter for
// anyone.
type StartLimiter struct {
	Now func() time.Time

	mu     sync.Mutex
	burst  float64
	perSec float64
	max    int
	byKey  map[netip.Prefix]*list.Element
	lru    *list.List // front: most recently seen
}

type bucket struct {
	key     netip.Prefix
	tokens  float64
	at      time.Time
	refused bool // refused since it last allowed: the refusal was logged
}

// NewStartLimiter allows n starts per per from each address, in bursts of
// up to n, tracking at most maxAddrs addresses.
func NewStartLimiter(n int, per time.Duration, maxAddrs int) *StartLimiter {
	return &StartLimiter{
		Now:    time.Now,
		burst:  float64(n),
		perSec: float64(n) / per.Seconds(),
		max:    maxAddrs,
		byKey:  map[netip.Prefix]*list.Element{},
		lru:    list.New(),
	}
}

// Allow takes a token for addr. When none is left it says how long until
// the next one, and first is true for the first refusal after an allowed
// start (so a flood is logged once, not per request).
func (l *StartLimiter) Allow(addr netip.Addr) (ok bool, retry time.Duration, first bool) {
	key := limitKey(addr)
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if e, found := l.byKey[key]; found {
		l.lru.MoveToFront(e)
		b = e.Value.(*bucket)
		if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
			b.tokens = math.Min(l.burst, b.tokens+elapsed*l.perSec)
		}
		b.at = now
	} else {
		for l.lru.Len() >= l.max {
			old := l.lru.Back()
			l.lru.Remove(old)
			delete(l.byKey, old.Value.(*bucket).key)
		}
		b = &bucket{key: key, tokens: l.burst, at: now}
		l.byKey[key] = l.lru.PushFront(b)
	}
	if b.tokens >= 1 {
		b.tokens--
		b.refused = false
		return true, 0, false
	}
	first = !b.refused
	b.refused = true
	retry = time.Duration(math.Ceil((1 - b.tokens) / l.perSec * float64(time.Second)))
	return false, retry, first
}

// Tracked is how many addresses the limiter holds now.
func (l *StartLimiter) Tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// InFlightLimiter bounds how many requests one client address (IPv6 per
// /64, as for StartLimiter) may have in progress at once. An address is
// tracked only while it has a request in progress, and at most a fixed
// number of addresses are: when that many are, the addresses beyond them
// share one more entry under the same bound. So a flood from many
// addresses neither grows it without limit nor lets the addresses beyond
// the table through unbounded, and no address tracked gets less than its
// own n.
type InFlightLimiter struct {
	mu       sync.Mutex
	n        int
	max      int
	byKey    map[netip.Prefix]*inFlight
	overflow inFlight // the addresses beyond max, together
}

type inFlight struct {
	active  int
	refused bool // refused since it last got a place: the refusal was logged
}

// NewInFlightLimiter allows each address n requests at once, tracking at
// most maxAddrs addresses.
func NewInFlightLimiter(n, maxAddrs int) *InFlightLimiter {
	return &InFlightLimiter{n: n, max: maxAddrs, byKey: map[netip.Prefix]*inFlight{}}
}

// Acquire takes one of addr's places. When all are taken, ok is false and
// first is true for the first refusal since the address last got one (so
// a flood is logged once, not per request). release gives the place back;
// calling it more than once gives it back once.
func (l *InFlightLimiter) Acquire(addr netip.Addr) (release func(), ok, first bool) {
	key := limitKey(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	e, tracked := l.byKey[key]
	if !tracked {
		if len(l.byKey) < l.max {
			e = &inFlight{}
			l.byKey[key] = e
			tracked = true
		} else {
			e = &l.overflow
		}
	}
	if e.active >= l.n {
		first = !e.refused
		e.refused = true
		return func() {}, false, first
	}
	e.active++
	e.refused = false
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			e.active--
			if tracked && e.active == 0 {
				delete(l.byKey, key)
			}
		})
	}, true, false
}

// Tracked is how many addresses the limiter holds now (the overflow entry
// not counted).
func (l *InFlightLimiter) Tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byKey)
}

// limitKey is the bucket an address shares: itself for IPv4, its /64 for
// IPv6; every unparsable address shares one.
func limitKey(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return netip.Prefix{}
	case a.Is4():
		return netip.PrefixFrom(a, 32)
	}
	p, _ := a.Prefix(64)
	return p
}

// ClientAddr is the address of the client that sent r. The connection's
// peer is the client unless it is one of the trusted reverse proxies;
// then X-Forwarded-For is read from the right (each proxy appends the
// address it saw), and the first address that is not a trusted proxy is
// the client. Entries a client wrote itself (on the left) are never
// believed, since no trusted proxy vouches for them.
func ClientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := parseAddr(r.RemoteAddr)
	if !isTrusted(peer, trusted) {
		return peer
	}
	client := peer
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a := parseAddr(strings.TrimSpace(parts[j]))
			if !a.IsValid() {
				return client // garbage: stop at the last address a proxy vouched for
			}
			client = a
			if !isTrusted(a, trusted) {
				return client
			}
		}
	}
	return client
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseAddr reads "192.0.2.1", "192.0.2.1:1234", "[2001:db8::1]:443" or
// "2001:db8::1" (zones dropped, IPv4-mapped IPv6 as IPv4).
func parseAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}
