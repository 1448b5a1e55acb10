package accounts_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/accounts"
	"github.com/secure-agent/saa/host/accounts/accountstest"
	"github.com/secure-agent/saa/host/secrets"
	"github.com/secure-agent/saa/host/secrets/secretstest"
	"github.com/secure-agent/saa/host/store"
)

func sealedStore(t *testing.T, b secrets.Backend) *accounts.SealedStore {
	t.Helper()
	s, err := secrets.New(&secretstest.Memory{}, bytes.Repeat([]byte{7}, secrets.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	return accounts.NewSealedStore(s.Box(b))
}

func TestSealedStoreConformance(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		accountstest.TestStore(t, func(t *testing.T) accounts.Store { return sealedStore(t, &secretstest.Memory{}) })
	})
	t.Run("bbolt", func(t *testing.T) {
		accountstest.TestStore(t, func(t *testing.T) accounts.Store {
			db, err := store.Open(filepath.Join(t.TempDir(), "saa.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return sealedStore(t, db.Accounts())
		})
	})
}

// TestSealedRecordsAreBoundToTheirUser moves alice's sealed record under
// bob's key in the backend: it must not open as bob's account.
func TestSealedRecordsAreBoundToTheirUser(t *testing.T) {
	ctx := context.Background()
	b := &secretstest.Memory{}
	s := sealedStore(t, b)
	for _, sub := range []string{"alice", "bob"} {
		if err := s.PutAccount(ctx, accounts.Account{Subject: sub, Provider: "google", AccessToken: "tok-" + sub, Status: accounts.StatusConnected}); err != nil {
			t.Fatal(err)
		}
	}
	keys, _ := b.ListSealed(ctx)
	if len(keys) != 2 {
		t.Fatalf("keys = %v", keys)
	}
	alice, _ := b.GetSealed(ctx, keys[0]) // "YWxpY2U" sorts before "Ym9i"
	if bytes.Contains(alice, []byte("tok-alice")) {
		t.Fatal("token stored in the clear")
	}
	_ = b.PutSealed(ctx, keys[1], alice)
	if a, err := s.Account(ctx, "bob", "google"); err == nil {
		t.Fatalf("bob's key opened alice's record: %q", a.AccessToken)
	}
}

// rig is a Service wired to a fake provider, with a clock tests move.
type rig struct {
	f   *accountstest.FakeProvider
	svc *accounts.Service
	now time.Time
	mu  sync.Mutex
}

func newRig(t *testing.T) *rig {
	r := &rig{f: accountstest.NewFakeProvider(t), now: time.Now()}
	r.svc = accounts.New(accounts.Config{
		Store:     sealedStore(t, &secretstest.Memory{}),
		PublicURL: "https://saa.test/",
		Now:       r.clock,
	})
	p := r.f.Provider("mail")
	p.Scopes = []string{"mail.read"}
	_, err := r.svc.SetProvider(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *rig) advance(d time.Duration) {
	r.mu.Lock()
	r.now = r.now.Add(d)
	r.mu.Unlock()
}

// authorize starts a connection for subject and plays the user at the
// provider (signed in there as extUser), returning the callback query.
func (r *rig) authorize(t *testing.T, subject, extUser string) url.Values {
	t.Helper()
	to, err := r.svc.Begin(context.Background(), subject, "mail", []string{"mail.send"})
	if err != nil {
		t.Fatal(err)
	}
	q := r.f.Authorize(t, to, extUser)
	cb, _ := url.Parse(r.f.LastAuth().Get("redirect_uri"))
	if want := "https://saa.test/account/connections/mail/callback"; cb.String() != want {
		t.Fatalf("redirect_uri %s, want %s", cb, want)
	}
	return q
}

// connect runs the whole dance for subject as extUser.
func (r *rig) connect(t *testing.T, subject, extUser string) {
	t.Helper()
	cb, err := accounts.ParseCallback(r.authorize(t, subject, extUser))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.svc.Complete(context.Background(), subject, "mail", cb); err != nil {
		t.Fatal(err)
	}
}

// callAPI calls the fake API with token and returns the user it belongs to.
func (r *rig) callAPI(t *testing.T, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.f.URL+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return buf.String()
}

func TestConnectDance(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	if _, err := r.svc.Token(ctx, "alice", "mail"); !errors.Is(err, accounts.ErrNotConnected) {
		t.Fatalf("before connecting: err = %v", err)
	}
	r.connect(t, "alice", "alice@mail")
	auth := r.f.LastAuth()
	if auth.Get("scope") != "mail.read mail.send" || auth.Get("code_challenge_method") != "S256" {
		t.Fatalf("authorization request = %v", auth)
	}
	tok, err := r.svc.Token(ctx, "alice", "mail")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.callAPI(t, tok); !strings.Contains(got, `"user":"alice@mail"`) {
		t.Fatalf("API with alice's token answered %q", got)
	}
	cs, err := r.svc.Connections(ctx, "alice")
	if err != nil || len(cs) != 1 || cs[0].Status != accounts.StatusConnected || strings.Join(cs[0].Scopes, " ") != "mail.read mail.send" {
		t.Fatalf("Connections = %+v, %v", cs, err)
	}
	if cs[0].ConnectURL != "https://saa.test/account/connections/mail/connect" {
		t.Fatalf("connect URL = %s", cs[0].ConnectURL)
	}
	if cs, _ := r.svc.Connections(ctx, "bob"); cs[0].Status != accounts.StatusNotConnected {
		t.Fatalf("bob sees %+v", cs)
	}
	if _, err := r.svc.Token(ctx, "bob", "mail"); !errors.Is(err, accounts.ErrNotConnected) {
		t.Fatalf("bob's token err = %v", err)
	}
	if _, err := r.svc.Token(ctx, "", "mail"); !errors.Is(err, accounts.ErrNotConnected) {
		t.Fatalf("empty subject err = %v", err)
	}
	if err := r.svc.Store().DeleteProvider(ctx, "mail"); err != nil {
		t.Fatal(err)
	}
	if cs, _ := r.svc.Connections(ctx, "alice"); len(cs) != 1 || cs[0].Provider != "mail" || cs[0].Status != accounts.StatusConnected {
		t.Fatalf("an account at a removed provider is not listed: %+v", cs)
	}
	if err := r.svc.Disconnect(ctx, "alice", "mail"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Token(ctx, "alice", "mail"); !errors.Is(err, accounts.ErrNotConnected) {
		t.Fatalf("after disconnecting: err = %v", err)
	}
}

// TestStateIsBoundToItsUser: a callback completes only the flow its own
// user started, for the same provider, once, within ten minutes.
func TestStateIsBoundToItsUser(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	cases := []struct {
		name     string
		subject  string
		provider string
		advance  time.Duration
		mutate   func(*accounts.Callback)
	}{
		{"another user's session", "mallory", "mail", 0, nil},
		{"another provider", "alice", "other", 0, nil},
		{"expired", "alice", "mail", 11 * time.Minute, nil},
		{"unknown state", "alice", "mail", 0, func(cb *accounts.Callback) { cb.State = "forged" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cb, err := accounts.ParseCallback(r.authorize(t, "alice", "x"))
			if err != nil {
				t.Fatal(err)
			}
			if c.mutate != nil {
				c.mutate(&cb)
			}
			r.advance(c.advance)
			if err := r.svc.Complete(ctx, c.subject, c.provider, cb); !errors.Is(err, accounts.ErrState) {
				t.Fatalf("Complete err = %v, want ErrState", err)
			}
			if _, err := r.svc.Token(ctx, c.subject, c.provider); err == nil {
				t.Fatal("an account was stored")
			}
		})
	}
	t.Run("replayed state", func(t *testing.T) {
		cb, _ := accounts.ParseCallback(r.authorize(t, "alice", "x"))
		if err := r.svc.Complete(ctx, "alice", "mail", cb); err != nil {
			t.Fatal(err)
		}
		if err := r.svc.Complete(ctx, "alice", "mail", cb); !errors.Is(err, accounts.ErrState) {
			t.Fatalf("replay err = %v, want ErrState", err)
		}
	})
}

func TestRefreshBeforeExpirySingleFlight(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.f.FirstLife = 30 * time.Second // inside the one-minute refresh margin
	r.f.RefreshDelay = 50 * time.Millisecond
	r.connect(t, "alice", "alice@mail")
	a, _ := r.svc.Store().Account(ctx, "alice", "mail")
	var wg sync.WaitGroup
	toks := make([]string, 16)
	errs := make([]error, 16)
	for i := range toks {
		wg.Go(func() { toks[i], errs[i] = r.svc.Token(ctx, "alice", "mail") })
	}
	wg.Wait()
	for i := range toks {
		if errs[i] != nil || toks[i] == a.AccessToken || toks[i] != toks[0] {
			t.Fatalf("caller %d: token %q, err %v (old %q, first %q)", i, toks[i], errs[i], a.AccessToken, toks[0])
		}
	}
	if n := r.f.Refreshes.Load(); n != 1 {
		t.Fatalf("%d refreshes for 16 concurrent callers, want 1", n)
	}
	if got := r.callAPI(t, toks[0]); !strings.Contains(got, "alice@mail") {
		t.Fatalf("refreshed token refused: %q", got)
	}
	b, _ := r.svc.Store().Account(ctx, "alice", "mail")
	if b.RefreshToken == a.RefreshToken || b.RefreshToken == "" {
		t.Fatal("rotated refresh token not kept")
	}
}

func TestRevokedRefreshTokenNeedsReconnect(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.f.FirstLife = 30 * time.Second
	r.connect(t, "alice", "alice@mail")
	r.f.RevokeAll()
	_, err := r.svc.Token(ctx, "alice", "mail")
	if !errors.Is(err, accounts.ErrReconnectNeeded) {
		t.Fatalf("err = %v, want ErrReconnectNeeded", err)
	}
	if strings.Contains(err.Error(), "rt-") {
		t.Fatalf("error quotes the provider's body: %v", err)
	}
	cs, _ := r.svc.Connections(ctx, "alice")
	if cs[0].Status != accounts.StatusReconnectNeeded {
		t.Fatalf("status = %s", cs[0].Status)
	}
	a, _ := r.svc.Store().Account(ctx, "alice", "mail")
	if a.AccessToken != "" || a.RefreshToken != "" {
		t.Fatal("dead tokens kept")
	}
	before := r.f.Refreshes.Load()
	if _, err := r.svc.Token(ctx, "alice", "mail"); !errors.Is(err, accounts.ErrReconnectNeeded) || r.f.Refreshes.Load() != before {
		t.Fatalf("second call err = %v, refreshes %d→%d", err, before, r.f.Refreshes.Load())
	}
	r.f.FirstLife = time.Hour
	r.connect(t, "alice", "alice@mail")
	if _, err := r.svc.Token(ctx, "alice", "mail"); err != nil {
		t.Fatalf("after reconnecting: %v", err)
	}
}

func TestProviderErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("token endpoint down during refresh", func(t *testing.T) {
		r := newRig(t)
		r.f.FirstLife = 30 * time.Second
		r.connect(t, "alice", "a")
		r.f.FailToken.Store(true)
		_, err := r.svc.Token(ctx, "alice", "mail")
		if !errors.Is(err, accounts.ErrProvider) || errors.Is(err, accounts.ErrReconnectNeeded) {
			t.Fatalf("err = %v, want ErrProvider only", err)
		}
		if strings.Contains(err.Error(), "upstream down") {
			t.Fatalf("error quotes the body: %v", err)
		}
		r.f.FailToken.Store(false)
		if _, err := r.svc.Token(ctx, "alice", "mail"); err != nil {
			t.Fatalf("after the provider recovered: %v", err)
		}
	})
	t.Run("user denied at the provider", func(t *testing.T) {
		r := newRig(t)
		q := r.authorize(t, "alice", "a")
		q.Del("code")
		q.Set("error", "access_denied")
		cb, err := accounts.ParseCallback(q)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.svc.Complete(ctx, "alice", "mail", cb); !errors.Is(err, accounts.ErrProvider) || !strings.Contains(err.Error(), "access_denied") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("code refused", func(t *testing.T) {
		r := newRig(t)
		cb, _ := accounts.ParseCallback(r.authorize(t, "alice", "a"))
		cb.Code = "forged"
		err := r.svc.Complete(ctx, "alice", "mail", cb)
		if !errors.Is(err, accounts.ErrProvider) || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("wrong client secret", func(t *testing.T) {
		r := newRig(t)
		p, _ := r.svc.Store().Provider(ctx, "mail")
		p.ClientSecret = "wrong"
		_ = r.svc.Store().PutProvider(ctx, p)
		cb, _ := accounts.ParseCallback(r.authorize(t, "alice", "a"))
		if err := r.svc.Complete(ctx, "alice", "mail", cb); !errors.Is(err, accounts.ErrProvider) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unknown provider", func(t *testing.T) {
		r := newRig(t)
		if _, err := r.svc.Begin(ctx, "alice", "nope", nil); !errors.Is(err, accounts.ErrProviderNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestParseCallback(t *testing.T) {
	long := strings.Repeat("x", 4097)
	cases := []struct {
		name  string
		query string
		ok    bool
	}{
		{"code", "code=c&state=s", true},
		{"error", "error=access_denied&state=s", true},
		{"no state", "code=c", false},
		{"neither", "state=s", false},
		{"both", "code=c&error=e&state=s", false},
		{"state twice", "code=c&state=s&state=t", false},
		{"empty code", "code=&state=s", false},
		{"long code", "code=" + long + "&state=s", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, _ := url.ParseQuery(c.query)
			_, err := accounts.ParseCallback(q)
			if (err == nil) != c.ok || (err != nil && !errors.Is(err, accounts.ErrCallback)) {
				t.Fatalf("err = %v, want ok %v", err, c.ok)
			}
		})
	}
	q, _ := url.ParseQuery("error=%0d%0aevil&state=s")
	if cb, _ := accounts.ParseCallback(q); cb.Error != "invalid_error_code" {
		t.Fatalf("control characters kept: %q", cb.Error)
	}
}

func FuzzParseCallback(f *testing.F) {
	for _, s := range []string{"code=c&state=s", "error=access_denied&state=s", "state=s&state=t", "error=%00&state=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		cb, err := accounts.ParseCallback(q)
		if err != nil {
			return
		}
		if cb.State == "" || (cb.Code == "") == (cb.Error == "") || len(cb.Code) > 4096 || len(cb.State) > 4096 {
			t.Fatalf("accepted %+v", cb)
		}
		for _, r := range cb.Error {
			if r < 0x20 || r > 0x7e {
				t.Fatalf("error code %q not printable ASCII", cb.Error)
			}
		}
	})
}

func TestProviderValidation(t *testing.T) {
	ok := accounts.Provider{Name: "corp", ClientID: "id", AuthURL: "https://idp.test/a", TokenURL: "https://idp.test/t"}
	cases := []struct {
		name   string
		mutate func(*accounts.Provider)
		field  string
	}{
		{"bad name", func(p *accounts.Provider) { p.Name = "Corp!" }, "name"},
		{"no client id", func(p *accounts.Provider) { p.ClientID = "" }, "client_id"},
		{"http token url", func(p *accounts.Provider) { p.TokenURL = "http://idp.test/t" }, "token_url"},
		{"relative auth url", func(p *accounts.Provider) { p.AuthURL = "/a" }, "auth_url"},
		{"user info", func(p *accounts.Provider) { p.TokenURL = "https://u:p@idp.test/t" }, "token_url"},
		{"fragment", func(p *accounts.Provider) { p.AuthURL = "https://idp.test/a#x" }, "auth_url"},
		{"scope with space", func(p *accounts.Provider) { p.Scopes = []string{"a b"} }, "scopes[0]"},
		{"unknown preset", func(p *accounts.Provider) { p.Preset = "myspace" }, "preset"},
		{"generic without urls", func(p *accounts.Provider) { p.AuthURL, p.TokenURL = "", "" }, "auth_url"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := ok
			c.mutate(&p)
			_, err := p.Normalize()
			if !errors.Is(err, accounts.ErrInvalidProvider) || !strings.Contains(err.Error(), c.field+":") {
				t.Fatalf("err = %v, want ErrInvalidProvider naming %s", err, c.field)
			}
		})
	}
	if _, err := ok.Normalize(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"google", "github", "slack", "microsoft"} {
		p, err := accounts.Provider{Name: name, ClientID: "id"}.Normalize()
		if err != nil || !strings.HasPrefix(p.AuthURL, "https://") || !strings.HasPrefix(p.TokenURL, "https://") || p.Preset != name {
			t.Fatalf("preset %s = %+v, %v", name, p, err)
		}
	}
	loop := ok
	loop.TokenURL = "http://127.0.0.1:9/t"
	if _, err := loop.Normalize(); err != nil {
		t.Fatalf("http to loopback refused: %v", err)
	}
}

func TestSetProviderKeepsTheSecret(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	pub, err := r.svc.SetProvider(ctx, accounts.Provider{Name: "mail", ClientID: accountstest.FakeClientID, AuthURL: r.f.URL + "/auth", TokenURL: r.f.URL + "/token", Scopes: []string{"x"}})
	if err != nil || pub.ClientSecret != "" {
		t.Fatalf("SetProvider = %+v, %v", pub, err)
	}
	p, _ := r.svc.Store().Provider(ctx, "mail")
	if p.ClientSecret != accountstest.FakeClientSecret || p.Scopes[0] != "x" {
		t.Fatalf("stored %+v", p)
	}
}
