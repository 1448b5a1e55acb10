package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	mcpauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/problem"
)

// kindPayloadTooLarge is the problem kind of an oversized body, as on REST.
const kindPayloadTooLarge = "payload-too-large"

// extraPrincipal is the TokenInfo.Extra key of the verified principal.
const extraPrincipal = "saa.principal"

// authenticate verifies the bearer token with the SDK's middleware — which
// also binds each session to the token's principal, so another principal
// cannot use a session id it learned — and rewrites the SDK's challenges
// into MCP's: error codes and the scope to ask for.
func (s *Server) authenticate(next http.Handler) http.Handler {
	sdkAuth := mcpauth.RequireBearerToken(s.verifyToken, &mcpauth.RequireBearerTokenOptions{
		ResourceMetadataURL: s.metadataURL(),
		// Verify checks exp itself, with the issuer's leeway.
		AllowMissingExpiration: true,
	})
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := principalOf(mcpauth.TokenInfoFromContext(r.Context()))
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
	protected := sdkAuth(inner)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.BearerToken(r); err != nil {
			s.challenge(w, err)
			return
		}
		protected.ServeHTTP(&challengeWriter{ResponseWriter: w, s: s}, r)
	})
}

// verifyToken is the SDK's TokenVerifier over SAA's verifier for this
// resource.
func (s *Server) verifyToken(ctx context.Context, token string, _ *http.Request) (*mcpauth.TokenInfo, error) {
	p, err := s.verifier.Verify(ctx, token)
	switch {
	case errors.Is(err, auth.ErrInvalidToken):
		return nil, fmt.Errorf("%w", mcpauth.ErrInvalidToken)
	case err != nil:
		return nil, errUnavailable
	}
	return &mcpauth.TokenInfo{
		Scopes: p.Scopes,
		// Sessions are bound to this: the SDK refuses a session's id from
		// any other principal.
		UserID: p.ClientID + "\x00" + p.Subject,
		Extra:  map[string]any{extraPrincipal: p},
	}, nil
}

// errUnavailable means the deny-list could not be read.
var errUnavailable = errors.New("cannot check the access token now")

// challenge answers a request without a usable token.
func (s *Server) challenge(w http.ResponseWriter, err error) {
	params := []string{}
	switch {
	case errors.Is(err, auth.ErrTokenMisplaced):
		params = append(params, `error="invalid_request"`)
	case errors.Is(err, auth.ErrInvalidToken):
		params = append(params, `error="invalid_token"`)
	}
	params = append(params, fmt.Sprintf("resource_metadata=%q", s.metadataURL()))
	if sc := s.allScopes(); len(sc) > 0 {
		params = append(params, fmt.Sprintf("scope=%q", strings.Join(sc, " ")))
	}
	w.Header().Set("WWW-Authenticate", "Bearer "+strings.Join(params, ", "))
	problem.Write(w, http.StatusUnauthorized, problem.KindUnauthorized, "a bearer access token for "+s.resource+" is required in the Authorization header")
}

// forbid answers a call the token lacks scopes for (MCP's step-up: the
// client may ask for a token with them).
func (s *Server) forbid(w http.ResponseWriter, needed []string) {
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="insufficient_scope", scope=%q, resource_metadata=%q`,
		strings.Join(needed, " "), s.metadataURL()))
	problem.Write(w, http.StatusForbidden, problem.KindInsufficientScope, "the access token lacks scope "+strings.Join(needed, " "))
}

// challengeWriter turns the SDK middleware's 401 (its body names no error
// code and leaks nothing, but its header lacks error=) into ours.
type challengeWriter struct {
	http.ResponseWriter
	s       *Server
	written bool
}

func (c *challengeWriter) WriteHeader(status int) {
	if !c.written && status == http.StatusUnauthorized {
		c.written = true
		c.ResponseWriter.Header().Del("WWW-Authenticate")
		c.ResponseWriter.Header().Del("Content-Type")
		c.s.challenge(c.ResponseWriter, auth.ErrInvalidToken)
		c.ResponseWriter = discard{c.ResponseWriter}
		return
	}
	if !c.written && status == http.StatusInternalServerError {
		// Only verifyToken's errUnavailable leads here before the handler.
		c.written = true
		problem.Write(c.ResponseWriter, http.StatusServiceUnavailable, problem.KindUnavailable, "cannot check the access token now; retry later")
		c.ResponseWriter = discard{c.ResponseWriter}
		return
	}
	c.written = true
	c.ResponseWriter.WriteHeader(status)
}

func (c *challengeWriter) Write(b []byte) (int, error) {
	c.written = true
	return c.ResponseWriter.Write(b)
}

// Flush keeps server-sent events streaming through the wrapper, and through
// any wrapper beneath it that only offers Unwrap.
func (c *challengeWriter) Flush() { _ = http.NewResponseController(c.ResponseWriter).Flush() }

// Unwrap lets http.ResponseController reach the connection.
func (c *challengeWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// discard swallows the body of an answer already written.
type discard struct{ http.ResponseWriter }

func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// gateScopes answers 403 insufficient_scope, before the SDK sees it, to a
// tools/call of a tool the token lacks scopes for. Runtime.Invoke would
// refuse the call anyway; this only gives the client MCP's challenge.
func (s *Server) gateScopes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
		if err != nil {
			problem.Write(w, http.StatusRequestEntityTooLarge, kindPayloadTooLarge, fmt.Sprintf("the body exceeds %d bytes", s.cfg.MaxBody))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if isBatch(body) {
			// MCP dropped JSON-RPC batches in 2025-06-18; one request that
			// makes the server do a thousand things is not worth allowing.
			problem.Write(w, http.StatusBadRequest, problem.KindBadRequest, "JSON-RPC batches are not accepted; send one message per request")
			return
		}
		if needed := s.missingScopes(r, body); len(needed) > 0 {
			s.forbid(w, needed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// missingScopes returns the scopes a single tools/call in body needs that
// the caller lacks; nil for anything else, which the SDK handles.
func (s *Server) missingScopes(r *http.Request, body []byte) []string {
	var msg struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) != nil || msg.Method != "tools/call" {
		return nil
	}
	t, ok := s.lookup(msg.Params.Name)
	if !ok {
		return nil
	}
	p, _ := auth.PrincipalFrom(r.Context())
	var missing []string
	for _, sc := range t.scopes {
		if !p.HasScope(sc) {
			missing = append(missing, sc)
		}
	}
	return missing
}

// metadataURL is the RFC 9728 metadata of the /mcp resource.
func (s *Server) metadataURL() string {
	return strings.TrimSuffix(s.resource, Path) + MetadataPath
}

// allScopes are the scopes of every tool, sorted.
func (s *Server) allScopes() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, t := range s.tools {
		out = append(out, t.scopes...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// serveMetadata serves the RFC 9728 metadata of the /mcp resource.
func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request) {
	base := strings.TrimSuffix(s.resource, Path)
	mcpauth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
		Resource:               s.resource,
		AuthorizationServers:   []string{base},
		BearerMethodsSupported: []string{"header"},
		ScopesSupported:        s.allScopes(),
		ResourceName:           "SAA MCP server",
	}).ServeHTTP(w, r)
}

// principalOf returns the principal verifyToken put in ti.
func principalOf(ti *mcpauth.TokenInfo) (host.Principal, bool) {
	if ti == nil {
		return host.Principal{}, false
	}
	p, ok := ti.Extra[extraPrincipal].(host.Principal)
	return p, ok
}

// isBatch reports whether body is a JSON array.
func isBatch(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && b[0] == '['
}
