package auth

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
)

// handleJWKS serves the public keys that verify tokens now.
func (s *Server) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, s.keys.JWKS())
}

// ASMetadata is the RFC 8414 authorization server metadata SAA publishes.
type ASMetadata struct {
	Issuer                                    string   `json:"issuer"`
	AuthorizationEndpoint                     string   `json:"authorization_endpoint,omitempty"`
	TokenEndpoint                             string   `json:"token_endpoint"`
	JWKSURI                                   string   `json:"jwks_uri"`
	IntrospectionEndpoint                     string   `json:"introspection_endpoint"`
	RevocationEndpoint                        string   `json:"revocation_endpoint"`
	ScopesSupported                           []string `json:"scopes_supported"`
	ResponseTypesSupported                    []string `json:"response_types_supported"`
	GrantTypesSupported                       []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported         []string `json:"token_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthMethodsSupported []string `json:"introspection_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported    []string `json:"revocation_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported             []string `json:"code_challenge_methods_supported"`
}

// ResourceMetadata is the RFC 9728 protected resource metadata SAA publishes.
// Its jwks_uri is left out on purpose: in RFC 9728 that names keys the
// resource signs responses with, which SAA does not do; the token signing
// keys are the authorization server's (see ASMetadata).
type ResourceMetadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ScopesSupported        []string `json:"scopes_supported"`
}

// ASMetadata returns the authorization server metadata. Without the code
// flow (a store lacking authstore.Flows) response_types is empty and there
// is no authorization endpoint. PKCE's S256 is the only challenge method.
func (s *Server) ASMetadata() ASMetadata {
	base, scopes := s.cfg.PublicURL, s.knownScopes()
	md := ASMetadata{
		Issuer:                            base,
		TokenEndpoint:                     base + TokenPath,
		JWKSURI:                           base + JWKSPath,
		IntrospectionEndpoint:             base + IntrospectPath,
		RevocationEndpoint:                base + RevokePath,
		ScopesSupported:                   scopes,
		ResponseTypesSupported:            []string{},
		GrantTypesSupported:               []string{"client_credentials", GrantTypeTokenExchange},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
		IntrospectionEndpointAuthMethodsSupported: []string{"client_secret_basic"},
		RevocationEndpointAuthMethodsSupported:    []string{"client_secret_basic", "client_secret_post"},
		CodeChallengeMethodsSupported:             []string{"S256"},
	}
	if s.flows != nil {
		md.AuthorizationEndpoint = base + AuthorizePath
		md.ResponseTypesSupported = []string{"code"}
		md.GrantTypesSupported = []string{"authorization_code", "client_credentials", "refresh_token", GrantTypeTokenExchange}
		md.TokenEndpointAuthMethodsSupported = append(md.TokenEndpointAuthMethodsSupported, "none")
		md.RevocationEndpointAuthMethodsSupported = append(md.RevocationEndpointAuthMethodsSupported, "none")
	}
	return md
}

// ResourceMetadata returns the protected resource metadata.
func (s *Server) ResourceMetadata() ResourceMetadata {
	scopes := s.knownScopes()
	return ResourceMetadata{
		Resource:               s.cfg.PublicURL,
		AuthorizationServers:   []string{s.cfg.PublicURL},
		BearerMethodsSupported: []string{"header"},
		ScopesSupported:        scopes,
	}
}

func (s *Server) handleASMetadata(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, s.ASMetadata())
}

func (s *Server) handleResourceMetadata(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, s.ResourceMetadata())
}

// knownScopes lists the server's own scopes and those given to SetScopes.
// Scopes that only some client was allowed are not advertised.
func (s *Server) knownScopes() []string {
	scopes := []string{ScopeAdmin, ScopeIntrospect}
	if extra := s.scopes.Load(); extra != nil {
		scopes = append(scopes, *extra...)
	}
	sort.Strings(scopes)
	return slices.Compact(scopes)
}

// SetScopes sets the scopes advertised in both metadata documents besides
// the server's own, typically every scope of the loaded plugins' actions.
func (s *Server) SetScopes(scopes []string) {
	cp := slices.Clone(scopes)
	s.scopes.Store(&cp)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
