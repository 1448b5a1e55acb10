package manifests

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Allows reports whether a request to u falls under the rule: same scheme,
// host equal to the rule's (or, for "*.name", a strict subdomain of name),
// same port (explicit or the scheme's default), and a path equal to the
// prefix or below it at a segment boundary.
//
// It judges u as the HTTP client will use it (Host and Path as parsed), and
// refuses whatever is ambiguous rather than guess how a server or resolver
// reads it: userinfo, opaque URLs, hosts that are not LDH names or IP
// literals (including a trailing dot), IPv6 zones and IPv4-mapped literals,
// and, when the rule has a path, dot segments (also as "..;" or
// percent-encoded) and encoded slashes or backslashes. This is a security
// boundary; DNS resolution and address checks happen in the egress layer.
func (r EgressRule) Allows(u *url.URL) bool {
	if u == nil || u.User != nil || u.Opaque != "" || !strings.EqualFold(u.Scheme, r.Scheme) {
		return false
	}
	host, port, ok := requestHostPort(u)
	if !ok || port != r.Port || !r.matchesHost(host) {
		return false
	}
	return r.allowsPath(u)
}

// requestHostPort returns u's host, lowercase and canonical for an IP
// literal, and its port, or false when either is unacceptable.
func requestHostPort(u *url.URL) (string, int, bool) {
	host, ok := requestHost(u)
	if !ok {
		return "", 0, false
	}
	p := u.Port()
	if p == "" {
		return host, defaultPort(strings.ToLower(u.Scheme)), true
	}
	if len(p) > 5 || strings.TrimLeft(p, "0123456789") != "" {
		return "", 0, false
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return "", 0, false
	}
	return host, n, true
}

// requestHost returns u's host in the form rules are written in.
func requestHost(u *url.URL) (string, bool) {
	h := strings.ToLower(u.Hostname())
	if strings.HasPrefix(u.Host, "[") {
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is6() || a.Zone() != "" || a.Is4In6() {
			return "", false
		}
		return a.String(), true
	}
	if a, err := netip.ParseAddr(h); err == nil {
		return a.String(), a.Is4()
	}
	return h, isDNSName(h)
}

// matchesHost compares a request host with the rule's, case-insensitively.
func (r EgressRule) matchesHost(host string) bool {
	rh := strings.ToLower(r.Host)
	if base, ok := strings.CutPrefix(rh, "*."); ok {
		return strings.HasSuffix(host, "."+base) && len(host) > len(base)+1
	}
	return host == rh
}

// allowsPath reports whether u's path lies under the rule's prefix.
func (r EgressRule) allowsPath(u *url.URL) bool {
	if r.PathPrefix == "" {
		return true
	}
	raw := strings.ToLower(u.EscapedPath())
	for _, bad := range []string{"%2e", "%2f", "%5c", `\`} {
		if strings.Contains(raw, bad) {
			return false
		}
	}
	for _, seg := range strings.Split(u.Path, "/") {
		seg, _, _ = strings.Cut(seg, ";")
		if seg == "." || seg == ".." {
			return false
		}
	}
	return u.Path == r.PathPrefix || strings.HasPrefix(u.Path, r.PathPrefix+"/")
}

// AllowsAny reports whether any of rules allows u.
func AllowsAny(rules []EgressRule, u *url.URL) bool {
	for _, r := range rules {
		if r.Allows(u) {
			return true
		}
	}
	return false
}

// EgressRules returns the manifest's egress entries as rules. A manifest
// from Parse has only valid entries; on a hand-built Manifest an invalid
// entry is left out, which denies it.
func (m *Manifest) EgressRules() []EgressRule {
	return parseRules(m.Egress)
}

// SecretRules returns the hosts toward which the secret called name may be
// injected, as rules; nil if the manifest declares no such secret.
func (m *Manifest) SecretRules(name string) []EgressRule {
	for _, s := range m.Secrets {
		if s.Name == name {
			return parseRules(s.Hosts)
		}
	}
	return nil
}

// parseRules parses entries, leaving out invalid ones.
func parseRules(entries []string) []EgressRule {
	var out []EgressRule
	for _, e := range entries {
		if r, reason := parseEgressRule(e); reason == "" {
			out = append(out, r)
		}
	}
	return out
}
