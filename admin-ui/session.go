package adminui

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// idBytes is the entropy of a session id and of a CSRF token: 256 bits.
const idBytes = 32

// maxSessions bounds the memory sessions take. Only a correct password
// creates one, so the bound is reached only by a very busy team; then the
// session idle the longest is dropped.
const maxSessions = 10_000

// sweepEvery is how often, at most, expired sessions are purged.
const sweepEvery = time.Minute

// Session is a signed-in admin as a request sees it.
type Session struct {
	User string
	Role authstore.Role
	// CSRF is the token every state-changing form of the session carries.
	CSRF string
}

// CanWrite reports whether the session may change anything.
func (s Session) CanWrite() bool { return s.Role == authstore.RoleAdmin }

// flash is a one-time message shown on the next page.
type flash struct {
	Error bool
	Text  string
}

// reveal is a client secret to show once.
type reveal struct {
	ClientID, Secret string
}

// session is the stored state; only the store touches it, under its lock.
type session struct {
	Session
	created, lastSeen time.Time
	flashes           []flash
	reveal            *reveal
}

// sessionKey is the SHA-256 of a session id: the map never holds the ids
// themselves, and a lookup does not compare secrets byte by byte.
type sessionKey [sha256.Size]byte

func keyOf(id string) sessionKey { return sha256.Sum256([]byte(id)) }

// sessions keeps sessions in memory, with idle and absolute expiry.
type sessions struct {
	now       func() time.Time
	idle, max time.Duration

	mu        sync.Mutex
	byKey     map[sessionKey]*session
	lastSweep time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, idle: sessionIdle, max: sessionMax, byKey: map[sessionKey]*session{}, lastSweep: now()}
}

// create starts a session for user and returns its id.
func (s *sessions) create(user string, role authstore.Role) (string, Session, error) {
	id, err := randomToken()
	if err != nil {
		return "", Session{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", Session{}, err
	}
	now := s.now()
	ss := &session{Session: Session{User: user, Role: role, CSRF: csrf}, created: now, lastSeen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	if len(s.byKey) >= maxSessions {
		s.evictIdlest()
	}
	s.byKey[keyOf(id)] = ss
	return id, ss.Session, nil
}

// lookup returns the live session with id and marks it used.
func (s *sessions) lookup(id string) (Session, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.live(id, now)
	if !ok {
		return Session{}, false
	}
	ss.lastSeen = now
	return ss.Session, true
}

// end forgets the session with id.
func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byKey, keyOf(id))
}

// addFlash queues a message for the session's next page.
func (s *sessions) addFlash(id string, f flash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.live(id, s.now()); ok && len(ss.flashes) < 10 {
		ss.flashes = append(ss.flashes, f)
	}
}

// takeFlashes returns and forgets the session's queued messages.
func (s *sessions) takeFlashes(id string) []flash {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.live(id, s.now())
	if !ok {
		return nil
	}
	f := ss.flashes
	ss.flashes = nil
	return f
}

// setReveal keeps a client secret for the session's next view of that client.
func (s *sessions) setReveal(id string, r reveal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.live(id, s.now()); ok {
		ss.reveal = &r
	}
}

// takeReveal returns and forgets the secret kept for clientID, if any.
func (s *sessions) takeReveal(id, clientID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.live(id, s.now())
	if !ok || ss.reveal == nil || ss.reveal.ClientID != clientID {
		return "", false
	}
	secret := ss.reveal.Secret
	ss.reveal = nil
	return secret, true
}

// live returns the unexpired session with id, dropping it if expired.
// The caller holds s.mu.
func (s *sessions) live(id string, now time.Time) (*session, bool) {
	k := keyOf(id)
	ss, ok := s.byKey[k]
	if !ok {
		return nil, false
	}
	if s.expired(ss, now) {
		delete(s.byKey, k)
		return nil, false
	}
	return ss, true
}

func (s *sessions) expired(ss *session, now time.Time) bool {
	return now.Sub(ss.lastSeen) >= s.idle || now.Sub(ss.created) >= s.max
}

// sweep drops expired sessions, at most every sweepEvery. The caller holds s.mu.
func (s *sessions) sweep(now time.Time) {
	if now.Sub(s.lastSweep) < sweepEvery {
		return
	}
	s.lastSweep = now
	for k, ss := range s.byKey {
		if s.expired(ss, now) {
			delete(s.byKey, k)
		}
	}
}

// evictIdlest drops the session idle the longest. The caller holds s.mu.
func (s *sessions) evictIdlest() {
	var oldest sessionKey
	var at time.Time
	for k, ss := range s.byKey {
		if at.IsZero() || ss.lastSeen.Before(at) {
			oldest, at = k, ss.lastSeen
		}
	}
	delete(s.byKey, oldest)
}

// wellFormedToken reports whether s looks like what randomToken returns.
func wellFormedToken(s string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(raw) == idBytes
}

// randomToken returns 256 random bits, base64url-encoded.
func randomToken() (string, error) {
	raw := make([]byte, idBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}
