package adminapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/adminapi"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/store"
)

// kidOf returns the kid in a JWT's header.
func kidOf(t *testing.T, tok string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}

func (e *env) jwksKids() []string {
	e.t.Helper()
	res, err := e.hc.Get(e.url + auth.JWKSPath)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var set auth.JWKSet
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil {
		e.t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k["kid"])
	}
	return kids
}

// TestSigningKeyRotation: an admin rotates the signing key without
// downtime: tokens signed before keep working, new ones carry the new kid,
// the JWKS publishes both, and the rotation is audited. Only an admin may.
func TestSigningKeyRotation(t *testing.T) {
	e := newPluginEnv(t)
	old := e.token(auth.ScopeAdmin)
	oldKid := kidOf(t, old)
	for _, c := range []struct {
		name string
		cred cred
		want int
	}{{"viewer", basic("viewer", "viewer password"), 403}, {"no credentials", none, 401}, {"wrong password", basic(auth.AdminUser, "x"), 401}} {
		if r := e.call("POST", "/keys/rotate", c.cred, ""); r.status != c.want {
			t.Fatalf("%s: %d %s, want %d", c.name, r.status, r.raw, c.want)
		}
	}
	r := e.call("POST", "/keys/rotate", admin, "")
	if r.status != 200 {
		t.Fatalf("rotate: %d %s", r.status, r.raw)
	}
	var info auth.KeySetInfo
	if err := json.Unmarshal([]byte(r.raw), &info); err != nil {
		t.Fatal(err)
	}
	newKid := info.Current.KeyID
	if newKid == oldKid || len(info.Previous) != 1 || info.Previous[0].KeyID != oldKid {
		t.Fatalf("after rotation: %+v (old kid %s)", info, oldKid)
	}
	if left := time.Until(info.Previous[0].RetireAt); left < auth.DefaultTokenLifetime || left > auth.DefaultTokenLifetime+time.Minute {
		t.Fatalf("old key retires in %s, want the token lifetime plus leeway", left)
	}
	t.Run("a token signed by the old key still works", func(t *testing.T) {
		if r := e.call("GET", "/clients", bearer(old), ""); r.status != 200 {
			t.Fatalf("old token: %d %s", r.status, r.raw)
		}
	})
	t.Run("a new token carries the new kid and works", func(t *testing.T) {
		fresh := e.token(auth.ScopeAdmin)
		if kidOf(t, fresh) != newKid {
			t.Fatalf("new token kid %s, want %s", kidOf(t, fresh), newKid)
		}
		if r := e.call("GET", "/clients", bearer(fresh), ""); r.status != 200 {
			t.Fatalf("new token: %d %s", r.status, r.raw)
		}
	})
	t.Run("the JWKS publishes both", func(t *testing.T) {
		if kids := e.jwksKids(); len(kids) != 2 || !slices.Contains(kids, oldKid) || !slices.Contains(kids, newKid) {
			t.Fatalf("JWKS kids %v", kids)
		}
	})
	t.Run("GET /keys lists them", func(t *testing.T) {
		r := e.call("GET", "/keys", basic("viewer", "viewer password"), "")
		if r.status != 200 || !strings.Contains(r.raw, oldKid) || !strings.Contains(r.raw, newKid) || strings.Contains(r.raw, "PRIVATE") {
			t.Fatalf("keys: %d %s", r.status, r.raw)
		}
	})
	t.Run("the rotation is audited", func(t *testing.T) {
		var n int
		for _, en := range e.adminEntries() {
			if en.Action == "keys.rotate" && en.Subject == auth.AdminUser && en.Outcome == "ok" &&
				en.Detail == "kid "+oldKid+" -> "+newKid {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d keys.rotate entries by the admin naming both kids, want 1: %+v", n, e.adminEntries())
		}
	})
	t.Run("a bad body is refused and rotates nothing", func(t *testing.T) {
		if r := e.call("POST", "/keys/rotate", admin, `{"withdraw":true}`); r.status != 400 || e.srv.Keys().KeyID() != newKid {
			t.Fatalf("status %d %s, kid %s", r.status, r.raw, e.srv.Keys().KeyID())
		}
	})
	t.Run("withdrawing the previous keys voids their tokens at once", func(t *testing.T) {
		r := e.call("POST", "/keys/rotate", admin, `{"withdraw_previous":true}`)
		var info auth.KeySetInfo
		if err := json.Unmarshal([]byte(r.raw), &info); r.status != 200 || err != nil || len(info.Previous) != 0 {
			t.Fatalf("rotate: %d %s", r.status, r.raw)
		}
		if r := e.call("GET", "/clients", bearer(old), ""); r.status != 401 {
			t.Fatalf("token of a withdrawn key: %d", r.status)
		}
		if kids := e.jwksKids(); len(kids) != 1 || kids[0] != info.Current.KeyID {
			t.Fatalf("JWKS kids %v", kids)
		}
		var found bool
		for _, en := range e.adminEntries() {
			found = found || (en.Action == "keys.rotate" && strings.HasSuffix(en.Detail, "previous keys withdrawn"))
		}
		if !found {
			t.Fatal("the withdrawal is not in the audit log")
		}
	})
}

// generatedKeyPEM is a fresh ES256 key as JWT_PRIVATE_KEY would hold it.
func generatedKeyPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// TestKeyRotationRefusedForEnvironmentKeys: a key given in JWT_PRIVATE_KEY
// is not replaced by one the environment does not know (a restart would
// bring the old key back and void every token the new one signed): 409.
func TestKeyRotationRefusedForEnvironmentKeys(t *testing.T) {
	db, err := store.Open(t.TempDir() + "/saa.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	cfg := auth.DefaultConfig()
	cfg.Store, cfg.AdminPassword = db.Auth(), adminPassword
	cfg.PrivateKeyPEM = generatedKeyPEM(t)
	srv, err := auth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.EnsureAdmin(t.Context()); err != nil {
		t.Fatal(err)
	}
	api, err := adminapi.FromServer(srv, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(api.Handler())
	t.Cleanup(ts.Close)
	kid := srv.Keys().KeyID()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+adminapi.Prefix+"/keys/rotate", nil)
	req.SetBasicAuth(auth.AdminUser, adminPassword)
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusConflict || srv.Keys().KeyID() != kid {
		t.Fatalf("rotate an environment key: %d, kid %s -> %s", res.StatusCode, kid, srv.Keys().KeyID())
	}
}
