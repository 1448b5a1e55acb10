package accounts_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeProvider is a local OAuth authorization server and API. It checks
// PKCE S256 and the client's credentials, issues short-lived first tokens,
// and lets a test revoke refresh tokens or make the token endpoint fail.
type fakeProvider struct {
	srv *httptest.Server
	// firstLife is the lifetime of tokens from a code exchange.
	firstLife time.Duration
	refreshes atomic.Int32
	// failToken makes the token endpoint answer 500.
	failToken atomic.Bool
	// refreshDelay slows refreshes so that concurrent callers overlap.
	refreshDelay time.Duration

	mu       sync.Mutex
	codes    map[string]codeGrant // code → grant
	access   map[string]string    // access token → user
	refresh  map[string]string    // refresh token → user
	seq      int
	lastAuth url.Values
}

type codeGrant struct{ user, challenge, redirect string }

const (
	fakeClientID     = "saa-client"
	fakeClientSecret = "saa-client-secret"
)

func newFakeProvider(t *testing.T) *fakeProvider {
	f := &fakeProvider{firstLife: time.Hour, codes: map[string]codeGrant{}, access: map[string]string{}, refresh: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth", f.authorize)
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("GET /api/me", f.me)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// authorize plays a user who signed in as ?login_hint (default "ext-user")
// and consented: it redirects back with a code.
func (f *fakeProvider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.lastAuth = q
	f.mu.Unlock()
	if q.Get("client_id") != fakeClientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	user := q.Get("login_hint")
	if user == "" {
		user = "ext-user"
	}
	f.mu.Lock()
	f.seq++
	code := fmt.Sprintf("code-%d", f.seq)
	f.codes[code] = codeGrant{user: user, challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	f.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	v := url.Values{"code": {code}, "state": {q.Get("state")}}
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (f *fakeProvider) token(w http.ResponseWriter, r *http.Request) {
	if f.failToken.Load() {
		http.Error(w, "upstream down", http.StatusInternalServerError)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if id != fakeClientID || secret != fakeClientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	switch r.PostFormValue("grant_type") {
	case "authorization_code":
		f.exchange(w, r)
	case "refresh_token":
		f.refreshGrant(w, r)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
	}
}

func (f *fakeProvider) exchange(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	g, ok := f.codes[r.PostFormValue("code")]
	delete(f.codes, r.PostFormValue("code"))
	f.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge || r.PostFormValue("redirect_uri") != g.redirect {
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	f.issue(w, g.user, f.firstLife)
}

func (f *fakeProvider) refreshGrant(w http.ResponseWriter, r *http.Request) {
	f.refreshes.Add(1)
	time.Sleep(f.refreshDelay)
	f.mu.Lock()
	user, ok := f.refresh[r.PostFormValue("refresh_token")]
	f.mu.Unlock()
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	f.issue(w, user, time.Hour)
}

// issue answers a fresh access token (and rotated refresh token) for user.
func (f *fakeProvider) issue(w http.ResponseWriter, user string, life time.Duration) {
	f.mu.Lock()
	f.seq++
	at, rt := fmt.Sprintf("at-%s-%d", user, f.seq), fmt.Sprintf("rt-%s-%d", user, f.seq)
	f.access[at], f.refresh[rt] = user, user
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": at, "refresh_token": rt, "token_type": "Bearer",
		"expires_in": int(life.Seconds()), "scope": "mail.read mail.send",
	})
}

// revokeAll forgets every refresh token, as a user revoking access does.
func (f *fakeProvider) revokeAll() {
	f.mu.Lock()
	clear(f.refresh)
	f.mu.Unlock()
}

// me is the fake API: it answers the user the bearer token belongs to.
func (f *fakeProvider) me(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	user, ok := f.access[bearer(r)]
	f.mu.Unlock()
	if !ok {
		http.Error(w, "bad bearer", http.StatusUnauthorized)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"user": user, "echo": r.Header.Get("Authorization")})
}

func bearer(r *http.Request) string {
	const p = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) > len(p) && h[:len(p)] == p {
		return h[len(p):]
	}
	return ""
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": "refresh token rt-secret-echo is bad"})
}
