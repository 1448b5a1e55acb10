package egress

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/secure-agent/saa/pdk/wire"
)

// Session sends one invocation's requests under one Policy. It remembers
// where requests went, which secrets were sent, and the injected values so it
// can redact them. It is safe for concurrent use.
type Session struct {
	g   *Guard
	p   *Policy
	src SecretSource

	mu       sync.Mutex
	dests    map[string]bool
	used     map[string]bool
	values   map[string]string // secret name to value, fetched once
	forms    []string          // secret values and their encodings, longest first
	redactor *strings.Replacer // nil until a secret is fetched
}

// Session starts a session for one invocation of the plugin that p
// describes. src supplies secret values; nil means the plugin has none.
func (g *Guard) Session(p *Policy, src SecretSource) *Session {
	return &Session{g: g, p: p, src: src, dests: map[string]bool{}, used: map[string]bool{}, values: map[string]string{}}
}

// outbound is a validated request, as it stands at the current hop.
type outbound struct {
	method string
	url    *url.URL
	hdr    headers
	body   []byte
}

// Do sends req, following redirects, and returns the response with every
// injected secret value redacted from its headers and body. The returned
// error, if any, wraps one of the package's sentinel errors when egress
// refused the request, and never contains a secret value.
func (s *Session) Do(ctx context.Context, req wire.HTTPRequest) (wire.HTTPResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, s.g.cfg.Timeout)
	defer cancel()
	out, err := s.prepare(req)
	if err != nil {
		u, _ := url.Parse(req.URL) // best effort, for the metrics hook only
		s.report(u, err)
		return wire.HTTPResponse{}, s.redactErr(err)
	}
	resp, err := s.follow(ctx, out)
	if err != nil {
		return wire.HTTPResponse{}, s.redactErr(err)
	}
	return resp, nil
}

// prepare validates what does not change from hop to hop.
func (s *Session) prepare(req wire.HTTPRequest) (*outbound, error) {
	method, err := checkMethod(req.Method)
	if err != nil {
		return nil, err
	}
	u, err := parseURL(req.URL)
	if err != nil {
		return nil, err
	}
	if int64(len(req.Body)) > s.g.cfg.MaxRequestBytes {
		return nil, fmt.Errorf("%w: request body over %d bytes", ErrTooLarge, s.g.cfg.MaxRequestBytes)
	}
	if bytes.Contains(req.Body, []byte(wire.SecretPrefix)) {
		return nil, fmt.Errorf("%w: in the body", ErrSecretMisuse)
	}
	hdr, err := s.p.parseHeaders(req.Headers)
	if err != nil {
		return nil, err
	}
	return &outbound{method: method, url: u, hdr: hdr, body: req.Body}, nil
}

// report passes a hop's verdict to the operator's hook.
func (s *Session) report(u *url.URL, err error) {
	if s.g.cfg.OnRequest == nil {
		return
	}
	host := ""
	if u != nil {
		host = u.Hostname()
	}
	s.g.cfg.OnRequest(host, verdict(err))
}

func verdict(err error) string {
	switch {
	case err == nil:
		return VerdictAllowed
	case errors.Is(err, ErrAddressRefused):
		return VerdictRefused
	case errors.Is(err, ErrDenied), errors.Is(err, ErrHeader), errors.Is(err, ErrSecretMisuse):
		return VerdictDenied
	default:
		return VerdictError
	}
}

// noteDestination records that a request was allowed toward u's origin.
func (s *Session) noteDestination(u *url.URL) {
	s.mu.Lock()
	s.dests[origin(u)] = true
	s.mu.Unlock()
}

// Destinations returns the origins ("https://api.github.com") requests were
// sent to, deduplicated and sorted.
func (s *Session) Destinations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.dests)
}

// SecretsUsed returns the names (never values) of the secrets injected,
// deduplicated and sorted.
func (s *Session) SecretsUsed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.used)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
