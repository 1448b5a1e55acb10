package adminui

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/auth/authstore"
)

func TestSignIn(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	token, cookie := f.signinForm()
	tests := []struct {
		name       string
		form       url.Values
		cookie     *http.Cookie
		wantStatus int
		wantLoc    string
		wantBody   string
	}{
		{"no token", url.Values{"username": {"admin"}, "password": {adminPassword}}, cookie, 403, "", "did not come from this site"},
		{"no cookie", url.Values{"csrf_token": {token}, "username": {"admin"}, "password": {adminPassword}}, nil, 403, "", ""},
		{"token mismatch", url.Values{"csrf_token": {token + "x"}, "username": {"admin"}, "password": {adminPassword}}, cookie, 403, "", ""},
		{"wrong password", url.Values{"csrf_token": {token}, "username": {"admin"}, "password": {"nope"}}, cookie, 401, "", "not right"},
		{"unknown user", url.Values{"csrf_token": {token}, "username": {"mallory"}, "password": {"nope"}}, cookie, 401, "", "not right"},
		{"empty user", url.Values{"csrf_token": {token}, "password": {"x"}}, cookie, 401, "", "Enter your user name"},
		{"good", url.Values{"csrf_token": {token}, "username": {"admin"}, "password": {adminPassword}}, cookie, 303, "/admin", ""},
		{"good with next", url.Values{"csrf_token": {token}, "username": {"admin"}, "password": {adminPassword}, "next": {"/admin/clients"}}, cookie, 303, "/admin/clients", ""},
		{"open redirect refused", url.Values{"csrf_token": {token}, "username": {"admin"}, "password": {adminPassword}, "next": {"//evil.example/admin"}}, cookie, 303, "/admin", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.post("/admin/signin", tt.form, tt.cookie)
			if res.StatusCode != tt.wantStatus || res.Header.Get("Location") != tt.wantLoc || !strings.Contains(res.body, tt.wantBody) {
				t.Fatalf("got %d Location %q, want %d %q with %q", res.StatusCode, res.Header.Get("Location"), tt.wantStatus, tt.wantLoc, tt.wantBody)
			}
			if strings.Contains(res.body, adminPassword) {
				t.Fatal("the answer echoes the password")
			}
		})
	}
}

func TestSessionCookieFlags(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	s := f.signIn(auth.AdminUser, adminPassword)
	c := s.cookie
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure {
		t.Fatalf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP", c)
	}
	if len(c.Value) < 43 {
		t.Fatalf("session id %d characters: want 256 bits", len(c.Value))
	}
}

func TestCookiesAreSecureBehindTLS(t *testing.T) {
	tests := []struct {
		name      string
		publicURL string
		tls       bool
		want      bool
	}{
		{"plain http", "http://127.0.0.1:8080", false, false},
		{"https public URL", "https://saa.example", false, true},
		{"request over TLS", "http://127.0.0.1:8080", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &UI{httpsPublic: strings.HasPrefix(tt.publicURL, "https://")}
			r := httptest.NewRequest(http.MethodGet, "/admin", nil)
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			w := httptest.NewRecorder()
			u.setSessionCookie(w, r, "id")
			u.setSigninCookie(w, r, "token")
			for _, c := range w.Result().Cookies() {
				if c.Secure != tt.want {
					t.Errorf("%s Secure = %v, want %v", c.Name, c.Secure, tt.want)
				}
			}
		})
	}
}

// TestSignInIsThrottled: guessing the admin's password from one address is
// stopped there, while the admin signing in from another address gets in.
func TestSignInIsThrottled(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	token, cookie := f.signinForm()
	bad := url.Values{"csrf_token": {token}, "username": {"admin"}, "password": {"guess"}}
	for range auth.DefaultFailureLimit {
		f.post("/admin/signin", bad, cookie)
	}
	good := url.Values{"csrf_token": {token}, "username": {"admin"}, "password": {adminPassword}}
	res := f.post("/admin/signin", good, cookie)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(res.body, "Too many failed sign-ins") {
		t.Fatalf("after %d failures: %d Retry-After %q", auth.DefaultFailureLimit, res.StatusCode, res.Header.Get("Retry-After"))
	}
	t.Run("the admin from another address gets in", func(t *testing.T) {
		owner := f.from("127.0.0.2")
		token, cookie := owner.signinForm()
		good := url.Values{"csrf_token": {token}, "username": {"admin"}, "password": {adminPassword}}
		if res := owner.post("/admin/signin", good, cookie); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("admin locked out: %d %s", res.StatusCode, res.body)
		}
	})
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestSessionExpiry(t *testing.T) {
	tests := []struct {
		name  string
		steps []time.Duration // time between requests
		alive bool
	}{
		{"used within the idle time", []time.Duration{20 * time.Minute, 20 * time.Minute}, true},
		{"idle too long", []time.Duration{sessionIdle}, false},
		{"past the absolute limit though busy", repeat(25*time.Minute, int(sessionMax/(25*time.Minute))+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: time.Date(2030, 1, 1, 8, 0, 0, 0, time.UTC)}
			s := newSessions(c.now)
			id, _, err := s.create("admin", authstore.RoleAdmin)
			if err != nil {
				t.Fatal(err)
			}
			alive := true
			for _, d := range tt.steps {
				c.advance(d)
				if _, alive = s.lookup(id); !alive {
					break
				}
			}
			if alive != tt.alive {
				t.Fatalf("alive = %v, want %v", alive, tt.alive)
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestExpiredSessionIsSentToSignIn(t *testing.T) {
	c := &clock{t: time.Now()}
	f := newFixture(t, fixtureOptions{now: c.now})
	s := f.signIn(auth.AdminUser, adminPassword)
	if res := s.get("/admin/clients"); res.StatusCode != http.StatusOK {
		t.Fatalf("fresh session: %d", res.StatusCode)
	}
	c.advance(sessionIdle + time.Second)
	res := s.get("/admin/clients")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/signin?next=%2Fadmin%2Fclients" {
		t.Fatalf("expired session: %d Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := s.post("/admin/clients", url.Values{"name": {"x"}, "scope": {"introspect"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("form of an expired session: %d, want 403", res.StatusCode)
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	s := f.signIn(viewerName, viewerPassword)
	if res := s.post("/admin/signout", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.StatusCode)
	}
	if res := s.get("/admin"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out the old cookie still works: %d", res.StatusCode)
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "/admin"},
		{"/admin", "/admin"},
		{"/admin/clients?x=1", "/admin/clients?x=1"},
		{"/admin?x=1", "/admin?x=1"},
		{"/adminx", "/admin"},
		{"//evil.example", "/admin"},
		{"https://evil.example/admin", "/admin"},
		{"/admin/\\evil", "/admin"},
		{"/admin/signin", "/admin"},
		{"/other", "/admin"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := safeNext(tt.in); got != tt.want {
				t.Fatalf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
