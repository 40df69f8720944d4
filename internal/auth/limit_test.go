package auth

import (
	"net/http"
	"net/netip"
	"testing"
	"time"
)

func TestStartLimiterIsATokenBucketPerAddress(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := NewStartLimiter(5, time.Minute, 100)
	l.Now = func() time.Time { return now }
	a, b := netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("192.0.2.20")
	for i := range 5 {
		if ok, _, _ := l.Allow(a); !ok {
			t.Fatalf("start %d of the burst refused", i+1)
		}
	}
	ok, retry, first := l.Allow(a)
	if ok || !first || retry <= 0 || retry > 12*time.Second {
		t.Fatalf("sixth start: ok=%v first=%v retry=%v, want refused for at most 12 s (5 a minute), logged once", ok, first, retry)
	}
	if ok, _, first := l.Allow(a); ok || first {
		t.Errorf("seventh start: ok=%v first=%v, want refused and not logged again", ok, first)
	}
	if ok, _, _ := l.Allow(b); !ok {
		t.Error("another address was refused")
	}
	now = now.Add(12 * time.Second) // one token back (5 a minute)
	if ok, _, _ := l.Allow(a); !ok {
		t.Error("no token after the refill time")
	}
	if ok, _, first := l.Allow(a); ok || !first {
		t.Errorf("after the refill: ok=%v first=%v, want refused and logged anew", ok, first)
	}
	now = now.Add(time.Hour) // a long pause refills to the burst, not beyond
	for i := range 5 {
		if ok, _, _ := l.Allow(a); !ok {
			t.Fatalf("start %d after a pause refused", i+1)
		}
	}
	if ok, _, _ := l.Allow(a); ok {
		t.Error("the bucket grew past its burst")
	}
}

func TestStartLimiterStaysBounded(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := NewStartLimiter(2, time.Minute, 100)
	l.Now = func() time.Time { return now }
	victim := netip.MustParseAddr("198.51.100.7")
	l.Allow(victim)
	l.Allow(victim)
	if ok, _, _ := l.Allow(victim); ok {
		t.Fatal("third start allowed")
	}
	// 10,000 other addresses: the table never holds more than its limit.
	for i := range 10000 {
		l.Allow(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
		if n := l.Tracked(); n > 100 {
			t.Fatalf("tracking %d addresses, limit 100", n)
		}
	}
	// The forgotten address starts with a full bucket, as any new one.
	if ok, _, _ := l.Allow(victim); !ok {
		t.Error("an evicted address is not treated as new")
	}
	// IPv6: one /64 is one client.
	v6 := NewStartLimiter(1, time.Minute, 100)
	v6.Now = l.Now
	if ok, _, _ := v6.Allow(netip.MustParseAddr("2001:db8:1:2::1")); !ok {
		t.Fatal("first IPv6 start refused")
	}
	if ok, _, _ := v6.Allow(netip.MustParseAddr("2001:db8:1:2:ffff::9")); ok {
		t.Error("another address in the same /64 has a bucket of its own")
	}
	if ok, _, _ := v6.Allow(netip.MustParseAddr("2001:db8:1:3::1")); !ok {
		t.Error("another /64 was refused")
	}
}

func TestClientAddrBelievesOnlyTrustedProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("::1/128")}
	for _, c := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"192.0.2.1:5555", nil, "192.0.2.1"},
		{"192.0.2.1:5555", []string{"198.51.100.9"}, "192.0.2.1"},                  // not a proxy: its header is the client's own
		{"10.0.0.5:443", []string{"198.51.100.9"}, "198.51.100.9"},                 // nginx in front
		{"10.0.0.5:443", []string{"203.0.113.66, 198.51.100.9"}, "198.51.100.9"},   // the client wrote the first entry itself
		{"10.0.0.5:443", []string{"198.51.100.9, 10.0.0.7"}, "198.51.100.9"},       // two proxies
		{"10.0.0.5:443", []string{"203.0.113.66", "198.51.100.9"}, "198.51.100.9"}, // two header lines
		{"10.0.0.5:443", []string{"garbage, 198.51.100.9"}, "198.51.100.9"},
		{"10.0.0.5:443", []string{"198.51.100.9, garbage"}, "10.0.0.5"},
		{"10.0.0.5:443", nil, "10.0.0.5"},
		{"[::1]:8080", []string{"2001:db8::7"}, "2001:db8::7"},
		{"[::ffff:192.0.2.1]:80", nil, "192.0.2.1"},
	} {
		r, _ := http.NewRequest(http.MethodGet, "/auth/login", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ClientAddr(r, proxies); got.String() != c.want {
			t.Errorf("remote %s, X-Forwarded-For %q: client %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
}

func TestInFlightLimiterBoundsRequestsAtOncePerAddress(t *testing.T) {
	l := NewInFlightLimiter(2, 100)
	a, b := netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("192.0.2.20")
	r1, ok1, _ := l.Acquire(a)
	r2, ok2, _ := l.Acquire(a)
	if !ok1 || !ok2 {
		t.Fatal("the first two requests of an address were refused")
	}
	if _, ok, first := l.Acquire(a); ok || !first {
		t.Fatalf("third at once: ok=%v first=%v, want refused and logged", ok, first)
	}
	if _, ok, first := l.Acquire(a); ok || first {
		t.Errorf("fourth at once: ok=%v first=%v, want refused and not logged again", ok, first)
	}
	if rb, ok, _ := l.Acquire(b); !ok {
		t.Error("another address was refused")
	} else {
		rb()
	}
	r1()
	r1() // a second release gives nothing back twice
	r3, ok, _ := l.Acquire(a)
	if !ok {
		t.Fatal("a released place was not given again")
	}
	if _, ok, first := l.Acquire(a); ok || !first {
		t.Errorf("after a place was given again: ok=%v first=%v, want refused and logged anew", ok, first)
	}
	r2()
	r3()
	if n := l.Tracked(); n != 0 {
		t.Errorf("%d addresses tracked with nothing in progress, want 0", n)
	}
	// IPv6: one /64 is one client.
	v6 := NewInFlightLimiter(1, 100)
	if _, ok, _ := v6.Acquire(netip.MustParseAddr("2001:db8:1:2::1")); !ok {
		t.Fatal("first IPv6 request refused")
	}
	if _, ok, _ := v6.Acquire(netip.MustParseAddr("2001:db8:1:2:ffff::9")); ok {
		t.Error("another address in the same /64 has places of its own")
	}
	if _, ok, _ := v6.Acquire(netip.MustParseAddr("2001:db8:1:3::1")); !ok {
		t.Error("another /64 was refused")
	}
}

func TestInFlightLimiterStaysBounded(t *testing.T) {
	l := NewInFlightLimiter(2, 100)
	victim := netip.MustParseAddr("198.51.100.7")
	if _, ok, _ := l.Acquire(victim); !ok {
		t.Fatal("first request refused")
	}
	// 10,000 other addresses with a request in progress each: the table
	// never holds more than its limit, and those beyond it share one
	// entry with the same bound.
	admitted := 0
	for i := range 10000 {
		if _, ok, _ := l.Acquire(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})); ok {
			admitted++
		}
		if n := l.Tracked(); n > 100 {
			t.Fatalf("tracking %d addresses, limit 100", n)
		}
	}
	if admitted != 99+2 {
		t.Errorf("%d of 10,000 addresses admitted, want the 99 the table had room for and 2 sharing the rest", admitted)
	}
	// An address in the table keeps its own places.
	if _, ok, _ := l.Acquire(victim); !ok {
		t.Error("a tracked address lost its place to the flood")
	}
	if _, ok, _ := l.Acquire(victim); ok {
		t.Error("a tracked address got more than its bound")
	}
}
