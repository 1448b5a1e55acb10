package accountstest

import (
	"context"
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

	"github.com/secure-agent/saa/host/accounts"
)

// FakeProvider is a local OAuth authorization server (on 127.0.0.1) and a
// fake API at /api/me. It checks PKCE S256, the redirect URI and the
// client's credentials (FakeClientID, FakeClientSecret), rotates refresh
// tokens, and lets a test revoke them or make the token endpoint fail.
// Set its fields before the flow that uses them.
type FakeProvider struct {
	// URL is the server's base URL: /auth, /token, /api/me.
	URL string
	// FirstLife is the lifetime of tokens from a code exchange (refreshed
	// ones live an hour).
	FirstLife time.Duration
	// Refreshes counts refresh requests.
	Refreshes atomic.Int32
	// FailToken makes the token endpoint answer 500.
	FailToken atomic.Bool
	// RefreshDelay slows refreshes so that concurrent callers overlap.
	RefreshDelay time.Duration

	mu       sync.Mutex
	codes    map[string]codeGrant // code → grant
	access   map[string]string    // access token → user
	refresh  map[string]string    // refresh token → user
	seq      int
	lastAuth url.Values
}

// LastAuth returns the query of the last authorization request.
func (f *FakeProvider) LastAuth() url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastAuth
}

type codeGrant struct{ user, challenge, redirect string }

// The client registered at every FakeProvider.
const (
	FakeClientID     = "saa-client"
	FakeClientSecret = "saa-client-secret"
)

// NewFakeProvider starts a FakeProvider, closed when t ends.
func NewFakeProvider(t testing.TB) *FakeProvider {
	f := &FakeProvider{FirstLife: time.Hour, codes: map[string]codeGrant{}, access: map[string]string{}, refresh: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth", f.authorize)
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("GET /api/me", f.me)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// authorize plays a user who signed in as ?login_hint (default "ext-user")
// and consented: it redirects back with a code.
func (f *FakeProvider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.lastAuth = q
	f.mu.Unlock()
	if q.Get("client_id") != FakeClientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
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

func (f *FakeProvider) token(w http.ResponseWriter, r *http.Request) {
	if f.FailToken.Load() {
		http.Error(w, "upstream down", http.StatusInternalServerError)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if id != FakeClientID || secret != FakeClientSecret {
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

func (f *FakeProvider) exchange(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	g, ok := f.codes[r.PostFormValue("code")]
	delete(f.codes, r.PostFormValue("code"))
	f.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge || r.PostFormValue("redirect_uri") != g.redirect {
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	f.issue(w, g.user, f.FirstLife)
}

func (f *FakeProvider) refreshGrant(w http.ResponseWriter, r *http.Request) {
	f.Refreshes.Add(1)
	time.Sleep(f.RefreshDelay)
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
func (f *FakeProvider) issue(w http.ResponseWriter, user string, life time.Duration) {
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

// Revoke forgets the refresh tokens issued to user, as that user revoking
// access at the provider does.
func (f *FakeProvider) Revoke(user string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for rt, u := range f.refresh {
		if u == user {
			delete(f.refresh, rt)
		}
	}
}

// RevokeAll forgets every refresh token, as a user revoking access does.
func (f *FakeProvider) RevokeAll() {
	f.mu.Lock()
	clear(f.refresh)
	f.mu.Unlock()
}

// UserOf returns the provider user an access token was issued to, for a
// test's own fake API.
func (f *FakeProvider) UserOf(token string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	user, ok := f.access[token]
	return user, ok
}

// UserOfRequest is UserOf for the request's "Authorization: Bearer" token.
func (f *FakeProvider) UserOfRequest(r *http.Request) (string, bool) { return f.UserOf(bearer(r)) }

// me is the fake API: it answers the user the bearer token belongs to.
func (f *FakeProvider) me(w http.ResponseWriter, r *http.Request) {
	user, ok := f.UserOf(bearer(r))
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

// Provider is the accounts.Provider config of f, called name.
func (f *FakeProvider) Provider(name string) accounts.Provider {
	return accounts.Provider{
		Name: name, ClientID: FakeClientID, ClientSecret: FakeClientSecret,
		AuthURL: f.URL + "/auth", TokenURL: f.URL + "/token",
	}
}

// Authorize plays a user signed in at f as extUser who consents to
// authURL (from Service.Begin): it returns the query f redirects back with.
func (f *FakeProvider) Authorize(t testing.TB, authURL, extUser string) url.Values {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("login_hint", extUser)
	u.RawQuery = q.Encode()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d", resp.StatusCode)
	}
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return back.Query()
}

// Connect runs the whole dance: subject connects provider (served by f)
// as extUser.
func (f *FakeProvider) Connect(t testing.TB, svc *accounts.Service, subject, provider, extUser string) {
	t.Helper()
	to, err := svc.Begin(context.Background(), subject, provider, nil)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := accounts.ParseCallback(f.Authorize(t, to, extUser))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Complete(context.Background(), subject, provider, cb); err != nil {
		t.Fatal(err)
	}
}
