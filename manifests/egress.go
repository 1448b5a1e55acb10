package manifests

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// maxEgressLen bounds one egress entry.
const maxEgressLen = 2048

// EgressRule is one parsed egress entry: the plugin may send requests whose
// URL has this scheme, a matching host, this port and a path under
// PathPrefix. Rules are built by ParseEgressRule; matching is Allows.
type EgressRule struct {
	// Scheme is "http" or "https".
	Scheme string
	// Host is a lowercase DNS name, "*.<name>" (any subdomain of name, not
	// name itself), or an IP literal in canonical form without brackets.
	Host string
	// Port is the explicit port, or the scheme's default (80, 443).
	Port int
	// PathPrefix is "" (any path) or "/seg[/seg...]" without a trailing slash.
	PathPrefix string
}

// ParseEgressRule parses "scheme://host[:port][/path]". It is strict: the
// scheme is http or https, the host is lowercase with no trailing dot, a
// wildcard is only a whole first label ("*.example.com", below a name of at
// least two labels), and userinfo, query, fragment, percent-encoding, dot
// segments and non-ASCII are refused. Errors wrap ErrInvalid.
func ParseEgressRule(s string) (EgressRule, error) {
	r, reason := parseEgressRule(s)
	if reason != "" {
		return EgressRule{}, fmt.Errorf("egress rule %q: %s: %w", s, reason, ErrInvalid)
	}
	return r, nil
}

// parseEgressRule parses s, or returns why it is refused.
func parseEgressRule(s string) (EgressRule, string) {
	if reason := egressChars(s); reason != "" {
		return EgressRule{}, reason
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return EgressRule{}, "must be scheme://host[:port][/path]"
	}
	if scheme != "http" && scheme != "https" {
		return EgressRule{}, "scheme must be http or https"
	}
	authority, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	host, port, reason := ruleHostPort(authority, defaultPort(scheme))
	if reason != "" {
		return EgressRule{}, reason
	}
	prefix, reason := rulePath(path)
	if reason != "" {
		return EgressRule{}, reason
	}
	return EgressRule{Scheme: scheme, Host: host, Port: port, PathPrefix: prefix}, ""
}

// egressChars refuses what no egress entry may contain.
func egressChars(s string) string {
	switch {
	case len(s) > maxEgressLen:
		return fmt.Sprintf("must be at most %d bytes", maxEgressLen)
	case strings.Contains(s, "@"):
		return "must not contain userinfo"
	case strings.Contains(s, "?"):
		return "must not contain a query"
	case strings.Contains(s, "#"):
		return "must not contain a fragment"
	case strings.Contains(s, "%"):
		return "must not contain percent-encoding"
	case strings.Contains(s, `\`):
		return "must not contain a backslash"
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return "must be printable ASCII without spaces"
		}
	}
	return ""
}

// defaultPort returns the port a scheme implies.
func defaultPort(scheme string) int {
	if scheme == "http" {
		return 80
	}
	return 443
}

// ruleHostPort splits and checks the authority of an egress entry.
func ruleHostPort(authority string, def int) (string, int, string) {
	host, portStr, reason := splitAuthority(authority)
	if reason != "" {
		return "", 0, reason
	}
	if reason := ruleHost(host, strings.HasPrefix(authority, "[")); reason != "" {
		return "", 0, reason
	}
	if portStr == "" {
		return host, def, ""
	}
	port, ok := rulePort(portStr)
	if !ok {
		return "", 0, "port must be 1-65535"
	}
	return host, port, ""
}

// splitAuthority splits "host", "host:port", "[v6]" or "[v6]:port".
func splitAuthority(a string) (host, port, reason string) {
	if a == "" {
		return "", "", "missing host"
	}
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return "", "", "unterminated IPv6 literal"
		}
		host, rest := a[1:end], a[end+1:]
		if rest == "" {
			return host, "", ""
		}
		if rest[0] != ':' {
			return "", "", "unexpected text after IPv6 literal"
		}
		return host, rest[1:], hasPort(rest[1:])
	}
	host, port, found := strings.Cut(a, ":")
	if !found {
		return host, "", ""
	}
	return host, port, hasPort(port)
}

// hasPort refuses an empty port after a colon.
func hasPort(p string) string {
	if p == "" {
		return "port must be 1-65535"
	}
	return ""
}

// rulePort parses a port written in canonical decimal.
func rulePort(s string) (int, bool) {
	if len(s) > 5 || strings.TrimLeft(s, "0123456789") != "" || s[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && n <= 65535
}

// ruleHost checks the host of an egress entry; bracketed says it was
// written as an IPv6 literal.
func ruleHost(host string, bracketed bool) string {
	if bracketed {
		a, err := netip.ParseAddr(host)
		switch {
		case err != nil || !a.Is6() || a.Zone() != "":
			return "invalid IPv6 literal"
		case a.Is4In6():
			return "IPv4-mapped IPv6 literal; write the IPv4 address"
		case a.String() != host:
			return "IPv6 literal must be in canonical form [" + a.String() + "]"
		}
		return ""
	}
	if host != strings.ToLower(host) {
		return "host must be lowercase"
	}
	if base, ok := strings.CutPrefix(host, "*."); ok {
		if strings.Count(base, ".") < 1 || !isDNSName(base) {
			return "wildcard must be *.<name> with a name of at least two labels"
		}
		return ""
	}
	if strings.Contains(host, "*") {
		return "wildcard must be the whole first label (*.example.com)"
	}
	if strings.HasSuffix(host, ".") {
		return "host must not end with a dot"
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
		return ""
	}
	if !isDNSName(host) {
		return "host must be a DNS name or an IP address"
	}
	return ""
}

// isDNSName reports whether h is a lowercase LDH name: labels of 1-63
// letters, digits and inner hyphens, at most 253 bytes, and a last label that
// is not all digits (so that "127.1" or "2130706433", which some resolvers
// read as IPv4, is not a name).
func isDNSName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if !isLabel(l) {
			return false
		}
	}
	return strings.TrimLeft(labels[len(labels)-1], "0123456789") != ""
}

// isLabel reports whether l is one lowercase LDH label.
func isLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// rulePath checks the path of an egress entry and returns it as a prefix:
// "" for none or "/", else without its trailing slash.
func rulePath(p string) (string, string) {
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return "", ""
	}
	for _, seg := range strings.Split(p[1:], "/") {
		switch {
		case seg == "":
			return "", "path must not contain empty segments"
		case seg == "." || seg == "..":
			return "", "path must not contain dot segments"
		case strings.Trim(seg, pathChars) != "":
			return "", "path may contain only letters, digits and -._~!$&'()*+,;=:"
		}
	}
	return p, ""
}

// pathChars are the characters allowed in an egress path segment: RFC 3986
// pchar without percent-encoding and '@'.
const pathChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:"

// String renders the rule in the form ParseEgressRule reads, with the port
// only when it is not the scheme's default.
func (r EgressRule) String() string {
	host := r.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if r.Port != defaultPort(r.Scheme) {
		host += ":" + strconv.Itoa(r.Port)
	}
	return r.Scheme + "://" + host + r.PathPrefix
}
