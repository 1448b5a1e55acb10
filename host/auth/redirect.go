package auth

import (
	"net"
	"net/url"
	"slices"
	"strings"
)

// Bounds of a client's registered redirect URIs.
const (
	maxRedirectURIs   = 10
	maxRedirectURILen = 2000
)

// checkRedirectURIs validates the redirect URIs of a new client: each an
// absolute https URL, or http to a loopback host (RFC 8252 section 7.3),
// without user info or fragment (RFC 6749 section 3.1.2). Duplicates are
// dropped.
func checkRedirectURIs(uris []string) ([]string, error) {
	if len(uris) > maxRedirectURIs {
		return nil, inputErrorf("at most %d redirect URIs", maxRedirectURIs)
	}
	var out []string
	for _, raw := range uris {
		if err := checkRedirectURI(raw); err != nil {
			return nil, err
		}
		if !slices.Contains(out, raw) {
			out = append(out, raw)
		}
	}
	return out, nil
}

func checkRedirectURI(raw string) error {
	if raw == "" || len(raw) > maxRedirectURILen {
		return inputErrorf("a redirect URI must have 1 to %d characters", maxRedirectURILen)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return inputErrorf("redirect URI %q is not an absolute URL", raw)
	case u.User != nil || u.Fragment != "" || strings.Contains(raw, "#"):
		return inputErrorf("redirect URI %q may not carry user info or a fragment", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		return nil
	default:
		return inputErrorf("redirect URI %q must be https, or http to 127.0.0.1, [::1] or localhost", raw)
	}
}

// isLoopbackHost reports whether host is a loopback IP literal or localhost.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redirectAllowed reports whether requested is one of registered, compared
// as strings (no normalisation: a prefix, an extra path segment, another
// port, a query or a fragment all fail). A public (native) client may also
// use a registered http loopback URI on any port, as RFC 8252 section 7.3
// asks, since the port is picked when the app starts; nothing else about
// the URI may differ.
func redirectAllowed(requested string, registered []string, public bool) bool {
	if requested == "" || strings.Contains(requested, "#") {
		return false
	}
	if slices.Contains(registered, requested) {
		return true
	}
	if !public {
		return false
	}
	req, err := url.Parse(requested)
	if err != nil || req.Scheme != "http" || req.User != nil || !isLoopbackIP(req.Hostname()) {
		return false
	}
	return slices.ContainsFunc(registered, func(r string) bool {
		reg, err := url.Parse(r)
		return err == nil && reg.Scheme == "http" && reg.Hostname() == req.Hostname() &&
			reg.EscapedPath() == req.EscapedPath() && reg.RawQuery == req.RawQuery
	})
}

// isLoopbackIP is true for a loopback IP literal only: RFC 8252 section 8.3
// advises against "localhost" for the any-port rule.
func isLoopbackIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
