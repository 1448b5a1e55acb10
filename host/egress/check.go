package egress

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/secure-agent/saa/pdk/wire"
)

// maxURLBytes bounds the URL a plugin may ask for.
const maxURLBytes = 8 << 10

// methods are the only methods egress sends.
var methods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true,
}

// checkMethod returns the upper-cased method ("" means GET), or ErrDenied.
func checkMethod(m string) (string, error) {
	if m == "" {
		return "GET", nil
	}
	up := strings.ToUpper(m)
	if !methods[up] {
		return "", fmt.Errorf("%w: method %q is not allowed", ErrDenied, m)
	}
	return up, nil
}

// parseURL parses a URL a plugin asked for, refusing secret references and
// forms egress does not send, and normalises it (lower-case host, no fragment).
func parseURL(raw string) (*url.URL, error) {
	if len(raw) > maxURLBytes {
		return nil, fmt.Errorf("%w: url longer than %d bytes", ErrDenied, maxURLBytes)
	}
	if hasRef(raw) {
		return nil, fmt.Errorf("%w: in the url", ErrSecretMisuse)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: unparsable url", ErrDenied)
	}
	if err := checkForm(u); err != nil {
		return nil, err
	}
	return u, nil
}

// checkForm refuses URL forms that are never sent, and normalises u in place.
func checkForm(u *url.URL) error {
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%w: scheme %q is not http or https", ErrDenied, u.Scheme)
	case u.Opaque != "":
		return fmt.Errorf("%w: opaque url", ErrDenied)
	case u.User != nil:
		return fmt.Errorf("%w: credentials in the url", ErrDenied)
	}
	u.Host = strings.ToLower(u.Host)
	u.Fragment, u.RawFragment = "", ""
	if !validHost(u.Hostname()) {
		return fmt.Errorf("%w: invalid host %q", ErrDenied, u.Hostname())
	}
	if p := u.Port(); p != "" {
		if _, err := parsePort(p); err != nil {
			return fmt.Errorf("%w: %w", ErrDenied, err)
		}
	}
	return nil
}

// validHost accepts an IP literal without zone or an ASCII DNS name (letters,
// digits, '-', '_', non-empty labels, no trailing dot). Anything odder is
// refused rather than handed to a resolver that might read it differently.
func validHost(h string) bool {
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Zone() == ""
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return !numericLike(h)
}

// numericLike catches "2130706433", "127.1" or "0x7f.1": not IP literals for
// netip, but inet_aton-style resolvers read them as IPv4 addresses. No real
// top-level domain is numeric or starts with "0x".
func numericLike(h string) bool {
	last := h[strings.LastIndexByte(h, '.')+1:]
	return strings.Trim(last, "0123456789") == "" || strings.HasPrefix(last, "0x")
}

// checkURL applies the policy to an already normalised URL: some rule must
// allow it, and an IP-literal host must be an address egress may reach. Host
// names are vetted when dialled.
func (s *Session) checkURL(u *url.URL) error {
	if !s.p.allows(u) {
		return fmt.Errorf("%w: no egress rule allows %s", ErrDenied, origin(u)+u.EscapedPath())
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
		if err := s.g.checkAddr(ip); err != nil {
			return fmt.Errorf("host %s: %w", u.Hostname(), err)
		}
	}
	return nil
}

// origin returns "scheme://host[:port]" with a default port left out.
func origin(u *url.URL) string {
	host := u.Host
	if p := u.Port(); (u.Scheme == "https" && p == "443") || (u.Scheme == "http" && p == "80") {
		host = strings.TrimSuffix(host, ":"+p)
	}
	return u.Scheme + "://" + host
}

// hasRef reports whether s contains a secret reference, also once
// percent-decoded.
func hasRef(s string) bool {
	if strings.Contains(s, wire.SecretPrefix) {
		return true
	}
	dec, err := url.PathUnescape(s)
	return err == nil && strings.Contains(dec, wire.SecretPrefix)
}
