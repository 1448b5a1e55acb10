package auth_test

import (
	"slices"
	"testing"

	"github.com/secure-agent/saa/host/auth"
)

func TestMetadata(t *testing.T) {
	e := newTestEnv(t)
	e.srv.SetScopes([]string{"echo:call"})
	as := e.get(auth.ASMetadataPath).json(t)
	want := map[string]any{
		"issuer":                 e.url,
		"token_endpoint":         e.url + "/oauth2/token",
		"jwks_uri":               e.url + "/.well-known/jwks.json",
		"introspection_endpoint": e.url + "/oauth2/introspect",
		"revocation_endpoint":    e.url + "/oauth2/revoke",
		"authorization_endpoint": e.url + "/oauth2/authorize",
	}
	for k, v := range want {
		if as[k] != v {
			t.Errorf("AS metadata %s = %v, want %v", k, as[k], v)
		}
	}
	lists := map[string][]string{
		"code_challenge_methods_supported":      {"S256"},
		"grant_types_supported":                 {"authorization_code", "client_credentials", "refresh_token", auth.GrantTypeTokenExchange},
		"response_types_supported":              {"code"},
		"token_endpoint_auth_methods_supported": {"client_secret_basic", "client_secret_post", "none"},
		"scopes_supported":                      {"admin", "echo:call", "introspect"},
	}
	for k, v := range lists {
		if got := stringList(as[k]); !slices.Equal(got, v) {
			t.Errorf("AS metadata %s = %v, want %v", k, got, v)
		}
	}
	pr := e.get(auth.ProtectedResourcePath).json(t)
	if pr["resource"] != e.url || !slices.Equal(stringList(pr["authorization_servers"]), []string{e.url}) ||
		!slices.Equal(stringList(pr["bearer_methods_supported"]), []string{"header"}) ||
		!slices.Contains(stringList(pr["scopes_supported"]), "echo:call") {
		t.Errorf("resource metadata = %v", pr)
	}
	jwks := e.get(auth.JWKSPath).json(t)["keys"].([]any)
	k := jwks[0].(map[string]any)
	if len(jwks) != 1 || k["kid"] != e.kid || k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" || k["use"] != "sig" || k["d"] != nil {
		t.Errorf("JWKS = %v", jwks)
	}
}

func stringList(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
