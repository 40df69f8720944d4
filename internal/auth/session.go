package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/alexedwards/scs/v2"
)

// Session keys.
const (
	keyPerson   = "person_id"
	keyAuthAt   = "auth_at"    // unix seconds of sign-in
	keyEpoch    = "epoch"      // the person's session epoch at sign-in
	keySeenAt   = "seen_at"    // unix seconds of the last request (minute precision)
	keyPending  = "pending"    // JSON: sign-ins in progress
	keyStash    = "stash"      // JSON: a form posted after the session expired
	keyExpiredP = "expired"    // the person whose session just expired
	keyFlash    = "flash"      // a one-time notice for the next page
	keyFlashK   = "flash_kind" // its kind: "" (success), "info" or "receipt"
	keyIDToken  = "id_token"   // the sign-in's ID token: sign-out's id_token_hint
)

// Sessions keeps sessions in PostgreSQL (scs over postgres.SessionStore), so every
// replica sees the same ones and a sign-out holds everywhere at the next
// request. It enforces the idle and absolute timeouts itself, with an
// injectable clock, so an expired session can still hand a posted form to
// the same person's next sign-in.
type Sessions struct {
	Manager *scs.SessionManager
	Now     func() time.Time
	Idle    time.Duration
	Max     time.Duration
}

// NewSessions configures the session manager. Cookies are HttpOnly,
// SameSite=Lax, Path=/, and with an https base URL Secure and
// __Host-prefixed; they are not persisted past the browser session.
func NewSessions(store scs.Store, secure bool, idle, maxAge time.Duration) *Sessions {
	sm := scs.New()
	sm.Store = store
	sm.Codec = sessionCodec{}
	sm.Lifetime = maxAge + PendingLifetime
	sm.Cookie.Name = "itportal_session"
	if secure {
		sm.Cookie.Name = "__Host-itportal_session"
	}
	sm.Cookie.HttpOnly = true
	sm.Cookie.Secure = secure
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Domain = ""
	sm.Cookie.Persist = false
	return &Sessions{Manager: sm, Now: time.Now, Idle: idle, Max: maxAge}
}

// State is what the session says about who is signed in.
type State int

// The states.
const (
	Anonymous State = iota
	SignedIn
	ExpiredIdle
	ExpiredMax
)

// Current returns the signed-in person's id, the session epoch it signed
// in under, and whether the session is still within its timeouts. It
// refreshes the last-seen time (at most once a minute, to spare the
// database a write per request).
func (s *Sessions) Current(ctx context.Context) (int64, int64, State) {
	pid := s.Manager.GetInt64(ctx, keyPerson)
	epoch := s.Manager.GetInt64(ctx, keyEpoch)
	if pid == 0 {
		return 0, 0, Anonymous
	}
	now := s.Now()
	authAt := time.Unix(s.Manager.GetInt64(ctx, keyAuthAt), 0)
	seenAt := time.Unix(s.Manager.GetInt64(ctx, keySeenAt), 0)
	switch {
	case now.Sub(authAt) > s.Max:
		return pid, epoch, ExpiredMax
	case now.Sub(seenAt) > s.Idle:
		return pid, epoch, ExpiredIdle
	}
	if now.Sub(seenAt) >= time.Minute {
		s.Manager.Put(ctx, keySeenAt, now.Unix())
	}
	return pid, epoch, SignedIn
}

// SignIn binds the session to pid under a new token (no fixation: the
// pre-login token stops being valid).
func (s *Sessions) SignIn(ctx context.Context, pid, epoch int64) error {
	if err := s.Manager.RenewToken(ctx); err != nil {
		return err
	}
	// A form kept from someone else's lapsed session, and its notice, never
	// reach a different person signing in on the same browser.
	if s.Manager.GetInt64(ctx, keyExpiredP) != pid {
		s.Manager.Remove(ctx, keyStash)
		s.Manager.Remove(ctx, keyFlash)
		s.Manager.Remove(ctx, keyFlashK)
	}
	s.Manager.Remove(ctx, keyExpiredP)
	now := s.Now().Unix()
	s.Manager.Put(ctx, keyPerson, pid)
	s.Manager.Put(ctx, keyEpoch, epoch)
	s.Manager.Put(ctx, keyAuthAt, now)
	s.Manager.Put(ctx, keySeenAt, now)
	return nil
}

// End signs the person out of this session but keeps the session (under a
// new token) for a form stash, remembering whose it was.
func (s *Sessions) End(ctx context.Context, pid int64) error {
	if err := s.Manager.RenewToken(ctx); err != nil {
		return err
	}
	s.Manager.Remove(ctx, keyPerson)
	s.Manager.Remove(ctx, keyAuthAt)
	s.Manager.Remove(ctx, keySeenAt)
	s.Manager.Remove(ctx, keyEpoch)
	s.Manager.Remove(ctx, keyIDToken)
	s.Manager.Put(ctx, keyExpiredP, pid)
	return nil
}

// KeepIDToken keeps the sign-in's ID token in the session (server-side
// only) for sign-out's id_token_hint.
func (s *Sessions) KeepIDToken(ctx context.Context, raw string) {
	if raw == "" {
		s.Manager.Remove(ctx, keyIDToken)
		return
	}
	s.Manager.Put(ctx, keyIDToken, raw)
}

// IDToken is the ID token kept at sign-in, or "".
func (s *Sessions) IDToken(ctx context.Context) string { return s.Manager.GetString(ctx, keyIDToken) }

// Destroy removes the session entirely (sign-out).
func (s *Sessions) Destroy(ctx context.Context) error { return s.Manager.Destroy(ctx) }

// MaxPending is how many sign-ins one browser may have in progress at once
// (tabs); starting another forgets the oldest.
const MaxPending = 5

// AddPending remembers a started sign-in; a few may run at once (tabs).
//
// A session that holds nothing but sign-ins in progress (a visitor who
// has not signed in yet) lives only as long as a sign-in may take,
// PendingLifetime, instead of a signed-in session's lifetime: the row an
// anonymous GET /auth/login writes is small and gone within minutes.
// Signing in renews the session under a new token with the full lifetime.
// A session that keeps more (a form posted after a timeout, whose person
// is remembered) keeps its own lifetime.
func (s *Sessions) AddPending(ctx context.Context, p Pending) {
	p.Created = s.Now()
	list := s.pending(ctx)
	list = append(list, p)
	sort.Slice(list, func(i, j int) bool { return list[i].Created.After(list[j].Created) })
	if len(list) > MaxPending {
		list = list[:MaxPending]
	}
	s.putJSON(ctx, keyPending, list)
	preLogin := true
	for _, k := range s.Manager.Keys(ctx) {
		preLogin = preLogin && k == keyPending
	}
	if preLogin {
		// scs stamps deadlines with the wall clock (the store compares them
		// with the database's), not the injectable one.
		s.Manager.SetDeadline(ctx, time.Now().Add(PendingLifetime).UTC())
	}
}

// TakePending returns and forgets the sign-in started with state. An
// unknown, reused or expired state yields false.
func (s *Sessions) TakePending(ctx context.Context, state string) (Pending, bool) {
	list := s.pending(ctx)
	var found Pending
	ok := false
	keep := list[:0]
	for _, p := range list {
		if state != "" && p.State == state && !ok {
			found, ok = p, true
			continue
		}
		keep = append(keep, p)
	}
	s.putJSON(ctx, keyPending, keep)
	if ok && s.Now().Sub(found.Created) > PendingLifetime {
		return Pending{}, false
	}
	return found, ok
}

func (s *Sessions) pending(ctx context.Context) []Pending {
	var list []Pending
	if raw := s.Manager.GetString(ctx, keyPending); raw != "" {
		_ = json.Unmarshal([]byte(raw), &list)
	}
	now := s.Now()
	keep := list[:0]
	for _, p := range list {
		if now.Sub(p.Created) <= PendingLifetime {
			keep = append(keep, p)
		}
	}
	return keep
}

// Stash is a form that was posted after its session expired.
type Stash struct {
	Path   string     `json:"path"`   // the page that shows the form
	Values url.Values `json:"values"` // what was entered
	Person int64      `json:"person"` // whose session it was
	At     time.Time  `json:"at"`
}

// StashForm keeps a form posted to an expired session, when the session
// still says whose it was, so the same person gets it back after signing in.
func (s *Sessions) StashForm(ctx context.Context, path string, values url.Values) bool {
	pid := s.Manager.GetInt64(ctx, keyExpiredP)
	if pid == 0 {
		return false
	}
	clean := url.Values{}
	for k, v := range values {
		if len(k) < 100 {
			clean[k] = v
		}
	}
	s.putJSON(ctx, keyStash, Stash{Path: path, Values: clean, Person: pid, At: s.Now()})
	return true
}

// Lapsed reports whether the session has just expired and still says
// whose it was: a form posted to it may be kept (StashForm).
func (s *Sessions) Lapsed(ctx context.Context) bool { return s.Manager.GetInt64(ctx, keyExpiredP) != 0 }

// RestoreForm returns the stashed values for path when they belong to pid,
// once.
func (s *Sessions) RestoreForm(ctx context.Context, path string, pid int64) (url.Values, bool) {
	raw := s.Manager.GetString(ctx, keyStash)
	if raw == "" {
		return nil, false
	}
	var st Stash
	if err := json.Unmarshal([]byte(raw), &st); err != nil || st.Path != path {
		return nil, false
	}
	s.Manager.Remove(ctx, keyStash)
	if st.Person != pid || s.Now().Sub(st.At) > 24*time.Hour {
		return nil, false
	}
	return st.Values, true
}

// Flash sets a one-time notice shown on the next page: that what the
// person did is done.
func (s *Sessions) Flash(ctx context.Context, msg string) {
	s.Manager.Put(ctx, keyFlash, msg)
	s.Manager.Remove(ctx, keyFlashK)
}

// FlashInfo sets a one-time notice that informs rather than confirms.
func (s *Sessions) FlashInfo(ctx context.Context, msg string) {
	s.Manager.Put(ctx, keyFlash, msg)
	s.Manager.Put(ctx, keyFlashK, "info")
}

// FlashReceipt sets a one-time notice that a case was sent: the page it
// leads to shows it as the receipt (kind "receipt"), any other page as a
// success.
func (s *Sessions) FlashReceipt(ctx context.Context, msg string) {
	s.Manager.Put(ctx, keyFlash, msg)
	s.Manager.Put(ctx, keyFlashK, "receipt")
}

// TakeFlash returns and clears the notice and its kind ("", "info" or
// "receipt").
func (s *Sessions) TakeFlash(ctx context.Context) (msg, kind string) {
	return s.Manager.PopString(ctx, keyFlash), s.Manager.PopString(ctx, keyFlashK)
}

func (s *Sessions) putJSON(ctx context.Context, key string, v any) {
	b, _ := json.Marshal(v)
	s.Manager.Put(ctx, key, string(b))
}
