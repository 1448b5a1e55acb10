package interop

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/auth"
)

// approveAs stands in for the admin UI's sign-in and consent: it approves
// every requested scope for the user named in X-Test-User.
func approveAs(srv *auth.Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, err := srv.ParseAuthorize(r.Context(), r)
		var ae *auth.AuthorizeError
		switch {
		case errors.As(err, &ae):
			http.Error(w, ae.Reason, http.StatusBadRequest)
		case err != nil:
			srv.WriteAuthorizeError(r.Context(), w, req, err)
		default:
			if err := srv.Approve(r.Context(), w, req, r.Header.Get("X-Test-User"), req.Scopes); err != nil {
				srv.WriteAuthorizeError(r.Context(), w, req, err)
			}
		}
	}
}

func TestInteropCodeFlowWithOAuth4WebAPI(t *testing.T) {
	requireNode(t)
	srv, base := startServer(t, func(r chi.Router, srv *auth.Server) { r.HandleFunc(auth.AuthorizePath, approveAs(srv)) })
	const redirect = "http://127.0.0.1/callback"
	agent, _, err := srv.Clients().CreateWith(t.Context(), auth.ClientSpec{
		Name: "interop app", Scopes: []string{"echo:call"}, RedirectURIs: []string{redirect}, Public: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "codeflow.mjs")
	cmd.Env = append(os.Environ(), "SAA_URL="+base, "SCOPE=echo:call", "CLIENT_ID="+agent.ID,
		"REDIRECT_URI="+redirect, "TEST_USER=alice")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node codeflow.mjs: %v\n%s", err, stderr.String())
	}
	var got struct {
		Methods     []string `json:"methods"`
		Scope       string   `json:"scope"`
		Rotated     bool     `json:"rotated"`
		AccessToken string   `json:"access_token"`
		Replay      string   `json:"replay"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if !slices.Equal(got.Methods, []string{"S256"}) || got.Scope != "echo:call" || !got.Rotated || got.Replay != "invalid_grant" {
		t.Fatalf("summary %s", out)
	}
	// The replay revoked the family: the refreshed token is void too.
	if _, err := srv.Verifier().Verify(t.Context(), got.AccessToken); err == nil {
		t.Fatal("a token of a family whose refresh token was replayed still verifies")
	}
}
