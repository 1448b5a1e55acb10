package pgstore_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/auth"
)

// replica is one authorization server on its own pool of the database, as
// one `saa serve` replica would run it.
type replica struct {
	srv  *auth.Server
	base string
}

func newReplica(t *testing.T, dbURL, keyPEM string) replica {
	t.Helper()
	cfg := auth.DefaultConfig()
	cfg.PublicURL, cfg.DataDir, cfg.PrivateKeyPEM = "http://saa.test", t.TempDir(), keyPEM
	cfg.Store = Open(t, dbURL).Auth()
	srv, err := auth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	srv.Routes(r)
	ts := httptest.NewServer(r)
	t.Cleanup(ts.Close)
	return replica{srv: srv, base: ts.URL}
}

// token gets a client-credentials token for echo:call from r.
func (r replica) token(t *testing.T, id, secret string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.base+"/oauth2/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {"echo:call"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || body.AccessToken == "" {
		t.Fatalf("token: %s %v", res.Status, err)
	}
	return body.AccessToken
}

// revoke revokes tok at r's RFC 7009 endpoint.
func (r replica) revoke(t *testing.T, id, secret, tok string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.base+"/oauth2/revoke", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %s", res.Status)
	}
}

func signingKeyPEM(t *testing.T) string {
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

// A token that one replica's verifier accepted (and cached as good) is
// refused by it within a second of being revoked, or of its client being
// disabled, through another replica.
func TestVerifierSeesRevocationFromAnotherReplica(t *testing.T) {
	dbURL, _ := newDatabase(t)
	key := signingKeyPEM(t)
	a, b := newReplica(t, dbURL, key), newReplica(t, dbURL, key)
	ctx := context.Background()
	client, secret, err := a.srv.Clients().Create(ctx, "agent", []string{"echo:call"})
	if err != nil {
		t.Fatal(err)
	}
	refused := func(tok string) error {
		if _, err := b.srv.Verifier().Verify(ctx, tok); !errors.Is(err, auth.ErrTokenRevoked) {
			return fmt.Errorf("replica b: Verify = %v, want ErrTokenRevoked", err)
		}
		return nil
	}
	accepted := func(tok string) {
		t.Helper()
		for range 3 { // the second and third answers come from b's caches
			if _, err := b.srv.Verifier().Verify(ctx, tok); err != nil {
				t.Fatalf("replica b refuses a fresh token from a: %v", err)
			}
		}
	}
	t.Run("token revoked", func(t *testing.T) {
		tok := a.token(t, client.ID, secret)
		accepted(tok)
		a.revoke(t, client.ID, secret, tok)
		checkFor(t, time.Second, 5*time.Millisecond, func() error { return refused(tok) })
	})
	t.Run("client disabled", func(t *testing.T) {
		tok := a.token(t, client.ID, secret)
		accepted(tok)
		if _, err := a.srv.Clients().Disable(ctx, client.ID); err != nil {
			t.Fatal(err)
		}
		checkFor(t, time.Second, 5*time.Millisecond, func() error { return refused(tok) })
	})
}
