package interop

import (
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/store"
)

// summary is what script.mjs prints.
type summary struct {
	Issuer        string `json:"issuer"`
	TokenEndpoint string `json:"token_endpoint"`
	TokenType     string `json:"token_type"`
	ExpiresIn     int    `json:"expires_in"`
	Scope         string `json:"scope"`
	RFC9068       struct {
		ClientID string `json:"client_id"`
		Sub      string `json:"sub"`
		Scope    string `json:"scope"`
	} `json:"rfc9068"`
	Jose struct {
		Typ string `json:"typ"`
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	} `json:"jose"`
	Before struct {
		Active   bool   `json:"active"`
		ClientID string `json:"client_id"`
		Scope    string `json:"scope"`
	} `json:"introspection_before"`
	After struct {
		Active bool `json:"active"`
	} `json:"introspection_after"`
	Exchange struct {
		IssuedTokenType string         `json:"issued_token_type"`
		Scope           string         `json:"scope"`
		ClientID        string         `json:"client_id"`
		Sub             string         `json:"sub"`
		Act             map[string]any `json:"act"`
		IntrospectedAct map[string]any `json:"introspected_act"`
		ActiveBefore    bool           `json:"active_before"`
		ActiveAfter     bool           `json:"active_after_parent_revoked"`
	} `json:"exchange"`
}

// requireNode fails the test, with how to fix it, when Node or the pinned
// libraries are missing: CI must run this test, never skip it.
func requireNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed; the interop test needs Node.js >= 20")
	}
	for _, pkg := range []string{"oauth4webapi", "jose"} {
		if _, err := os.Stat(filepath.Join("node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("node_modules/%s is missing: run `npm ci --prefix host/auth/interop`", pkg)
		}
	}
}

// startServer serves the OAuth endpoints on loopback with a generated key.
func startServer(t *testing.T, mounts ...func(chi.Router, *auth.Server)) (*auth.Server, string) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "saa.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := auth.DefaultConfig()
	cfg.PublicURL, cfg.DataDir, cfg.Store = "http://"+ln.Addr().String(), t.TempDir(), db.Auth()
	srv, err := auth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	srv.Routes(r)
	for _, m := range mounts {
		m(r, srv)
	}
	ts := httptest.NewUnstartedServer(r)
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return srv, cfg.PublicURL
}

func TestInteropWithOAuth4WebAPIAndJose(t *testing.T) {
	requireNode(t)
	srv, base := startServer(t)
	agent, agentSecret, err := srv.Clients().Create(t.Context(), "interop agent", []string{"echo:call", "other:call"})
	if err != nil {
		t.Fatal(err)
	}
	sub, subSecret, err := srv.Clients().Create(t.Context(), "interop sub-agent", []string{"echo:call"})
	if err != nil {
		t.Fatal(err)
	}
	rs, rsSecret, err := srv.Clients().Create(t.Context(), "interop resource server", []string{auth.ScopeIntrospect})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "script.mjs")
	cmd.Env = append(os.Environ(),
		"SAA_URL="+base, "SCOPE=echo:call",
		"CLIENT_ID="+agent.ID, "CLIENT_SECRET="+agentSecret,
		"SUB_CLIENT_ID="+sub.ID, "SUB_CLIENT_SECRET="+subSecret,
		"RS_CLIENT_ID="+rs.ID, "RS_CLIENT_SECRET="+rsSecret,
	)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node script.mjs: %v\n%s", err, stderr.String())
	}
	t.Logf("summary: %s", out)
	var got summary
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"discovery names our issuer and token endpoint", got.Issuer == base && got.TokenEndpoint == base+auth.TokenPath},
		{"token response", strings.EqualFold(got.TokenType, "bearer") && got.Scope == "echo:call" && got.ExpiresIn > 0},
		{"RFC 9068 validation by oauth4webapi", got.RFC9068.ClientID == agent.ID && got.RFC9068.Sub == agent.ID && got.RFC9068.Scope == "echo:call"},
		{"JWKS verification by jose", got.Jose.Typ == auth.TokenType && got.Jose.Alg == "ES256" && got.Jose.Kid == srv.Keys().KeyID()},
		{"introspection before revocation", got.Before.Active && got.Before.ClientID == agent.ID && got.Before.Scope == "echo:call"},
		{"introspection after revocation", !got.After.Active},
		{"token exchange by oauth4webapi", got.Exchange.IssuedTokenType == auth.TokenTypeAccessToken && got.Exchange.Scope == "echo:call" &&
			got.Exchange.ClientID == sub.ID && got.Exchange.Sub == agent.ID},
		{"the child's act names the sub-agent, then the agent", actChain(got.Exchange.Act) == sub.ID+" "+agent.ID &&
			actChain(got.Exchange.IntrospectedAct) == sub.ID+" "+agent.ID},
		{"the child dies with its parent", got.Exchange.ActiveBefore && !got.Exchange.ActiveAfter},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: summary %s", c.name, out)
		}
	}
}

// actChain lists an act claim's actors, current first.
func actChain(act map[string]any) string {
	var ids []string
	for act != nil {
		id, _ := act["sub"].(string)
		ids = append(ids, id)
		act, _ = act["act"].(map[string]any)
	}
	return strings.Join(ids, " ")
}
