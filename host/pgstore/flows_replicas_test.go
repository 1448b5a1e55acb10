package pgstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/auth"
)

const (
	flowRedirect = "https://agent.example/callback"
	flowVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)

// authorize runs the authorization request of the public client id on r
// as alice consenting, as the UI would, and returns the code.
func (r replica) authorize(t *testing.T, id string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(flowVerifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {id}, "redirect_uri": {flowRedirect},
		"scope": {"echo:call"}, "state": {"state-1234567890"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	ctx := context.Background()
	req, err := r.srv.ParseAuthorize(ctx, httptest.NewRequest(http.MethodGet, auth.AuthorizePath+"?"+q.Encode(), nil))
	if err != nil {
		t.Fatalf("parse authorize: %v", err)
	}
	w := httptest.NewRecorder()
	if err := r.srv.Approve(ctx, w, req, "alice", req.Scopes); err != nil {
		t.Fatalf("approve: %v", err)
	}
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code in %q (%d)", w.Header().Get("Location"), w.Code)
	}
	return loc.Query().Get("code")
}

// tokenResponse is what the token endpoint answered.
type tokenResponse struct {
	status  int
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
	Error   string `json:"error"`
}

// flowToken posts form for the public client id to r's token endpoint.
func (r replica) flowToken(t *testing.T, id string, form url.Values) tokenResponse {
	t.Helper()
	form.Set("client_id", id)
	res, err := http.Post(r.base+auth.TokenPath, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Error(err)
		return tokenResponse{}
	}
	defer res.Body.Close()
	out := tokenResponse{status: res.StatusCode}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Errorf("token endpoint: %s: %v", res.Status, err)
	}
	return out
}

// One refresh token presented concurrently to two replicas refreshes at
// most once, and the reuse revokes the family on both: the winner's new
// access token is refused by either replica's verifier and its new refresh
// token is refused too.
func TestConcurrentRefreshAcrossReplicas(t *testing.T) {
	dbURL, _ := newDatabase(t)
	key := signingKeyPEM(t)
	replicas := []replica{newReplica(t, dbURL, key), newReplica(t, dbURL, key)}
	ctx := context.Background()
	client, _, err := replicas[0].srv.Clients().CreateWith(ctx, auth.ClientSpec{
		Name: "agent", Scopes: []string{"echo:call"}, RedirectURIs: []string{flowRedirect}, Public: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		// The code is issued by one replica and redeemed at the other.
		code := replicas[round%2].authorize(t, client.ID)
		first := replicas[(round+1)%2].flowToken(t, client.ID, url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {flowRedirect}, "code_verifier": {flowVerifier},
		})
		if first.status != http.StatusOK || first.Refresh == "" {
			t.Fatalf("round %d: code exchange: %+v", round, first)
		}
		answers := make([]tokenResponse, 8)
		var wg sync.WaitGroup
		for i := range answers {
			wg.Go(func() {
				answers[i] = replicas[i%2].flowToken(t, client.ID, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.Refresh}})
			})
		}
		wg.Wait()
		wins := 0
		for _, a := range answers {
			if a.status != http.StatusOK {
				if a.Error != "invalid_grant" {
					t.Fatalf("round %d: losing refresh answered %d %q", round, a.status, a.Error)
				}
				continue
			}
			wins++
			for _, r := range replicas {
				checkFor(t, time.Second, 5*time.Millisecond, func() error {
					if _, err := r.srv.Verifier().Verify(ctx, a.Access); !errors.Is(err, auth.ErrTokenRevoked) {
						return fmt.Errorf("winner's access token: Verify = %v, want ErrTokenRevoked", err)
					}
					return nil
				})
				if again := r.flowToken(t, client.ID, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {a.Refresh}}); again.Error != "invalid_grant" {
					t.Fatalf("round %d: winner's refresh token answered %+v, want invalid_grant", round, again)
				}
			}
		}
		if wins > 1 {
			t.Fatalf("round %d: %d refreshes with one token succeeded, want at most 1", round, wins)
		}
		for _, r := range replicas {
			checkFor(t, time.Second, 5*time.Millisecond, func() error {
				if _, err := r.srv.Verifier().Verify(ctx, first.Access); !errors.Is(err, auth.ErrTokenRevoked) {
					return fmt.Errorf("the code's access token after refresh reuse: Verify = %v, want ErrTokenRevoked", err)
				}
				return nil
			})
		}
	}
}
