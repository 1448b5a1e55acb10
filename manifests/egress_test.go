package manifests

import (
	"errors"
	"net/url"
	"testing"
)

func TestParseEgressRule(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want EgressRule
	}{
		{"https host", "https://api.example.com", EgressRule{"https", "api.example.com", 443, ""}},
		{"http host", "http://example.com", EgressRule{"http", "example.com", 80, ""}},
		{"root path", "https://example.com/", EgressRule{"https", "example.com", 443, ""}},
		{"explicit default port", "https://example.com:443", EgressRule{"https", "example.com", 443, ""}},
		{"other port", "https://example.com:8443/api", EgressRule{"https", "example.com", 8443, "/api"}},
		{"trailing slash on path", "https://example.com/api/v1/", EgressRule{"https", "example.com", 443, "/api/v1"}},
		{"wildcard", "https://*.example.com", EgressRule{"https", "*.example.com", 443, ""}},
		{"ipv4", "http://203.0.113.7:8080", EgressRule{"http", "203.0.113.7", 8080, ""}},
		{"ipv6", "https://[2001:db8::1]:8443/x", EgressRule{"https", "2001:db8::1", 8443, "/x"}},
		{"single label", "http://backend", EgressRule{"http", "backend", 80, ""}},
		{"punycode", "https://xn--bcher-kva.example", EgressRule{"https", "xn--bcher-kva.example", 443, ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseEgressRule(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			again, err := ParseEgressRule(got.String())
			if err != nil || again != got {
				t.Errorf("round trip through %q: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestParseEgressRuleRejects(t *testing.T) {
	cases := []struct{ name, in string }{
		{"empty", ""},
		{"no scheme", "example.com"},
		{"ftp", "ftp://example.com"},
		{"uppercase scheme", "HTTPS://example.com"},
		{"websocket", "wss://example.com"},
		{"no host", "https://"},
		{"no host with path", "https:///api"},
		{"userinfo", "https://user@example.com"},
		{"userinfo smuggling", "https://example.com@evil.com"},
		{"fragment smuggling", "https://evil.com#@example.com"},
		{"query", "https://example.com?x"},
		{"fragment", "https://example.com/#x"},
		{"uppercase host", "https://API.example.com"},
		{"trailing dot", "https://example.com."},
		{"percent-encoded host", "https://%65xample.com"},
		{"percent-encoded path", "https://example.com/a%2fb"},
		{"backslash", `https://example.com\@evil.com`},
		{"space", "https://exa mple.com"},
		{"non-ascii", "https://exämple.com"},
		{"underscore", "https://ex_ample.com"},
		{"empty label", "https://example..com"},
		{"leading hyphen", "https://-example.com"},
		{"long label", "https://" + string(make([]byte, 0)) + "a123456789a123456789a123456789a123456789a123456789a123456789abcd.com"},
		{"wildcard in middle", "https://api.*.example.com"},
		{"wildcard partial label", "https://a*.example.com"},
		{"wildcard alone", "https://*"},
		{"wildcard over tld", "https://*.com"},
		{"double wildcard", "https://*.*.example.com"},
		{"wildcard ip", "https://*.1.2.3.4"},
		{"numeric tld", "https://127.1"},
		{"decimal ip", "https://2130706433"},
		{"hex ip", "https://0x7f.0.0.1"},
		{"octal ip", "https://0177.0.0.1"},
		{"port zero", "https://example.com:0"},
		{"port too big", "https://example.com:65536"},
		{"port leading zero", "https://example.com:0443"},
		{"empty port", "https://example.com:"},
		{"port not numeric", "https://example.com:https"},
		{"two ports", "https://example.com:1:2"},
		{"bare ipv6", "https://2001:db8::1"},
		{"non-canonical ipv6", "https://[2001:DB8::1]"},
		{"long-form ipv6", "https://[2001:db8:0:0:0:0:0:1]"},
		{"ipv6 zone", "https://[fe80::1%25eth0]"},
		{"ipv4-mapped ipv6", "https://[::ffff:127.0.0.1]"},
		{"ipv4 in brackets", "https://[127.0.0.1]"},
		{"unterminated ipv6", "https://[::1"},
		{"text after ipv6", "https://[::1]x"},
		{"dot-dot segment", "https://example.com/api/../admin"},
		{"dot segment", "https://example.com/./api"},
		{"empty segment", "https://example.com//api"},
		{"too long", "https://example.com/" + string(make([]byte, 0)) + longPath(3000)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseEgressRule(tc.in)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseEgressRule(%q) = %+v, %v; want ErrInvalid", tc.in, r, err)
			}
		})
	}
}

// longPath returns a valid path of n bytes.
func longPath(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}

func TestAllows(t *testing.T) {
	cases := []struct {
		name string
		rule string
		url  string
		want bool
	}{
		{"same host", "https://example.com", "https://example.com/anything?q=1", true},
		{"no path", "https://example.com", "https://example.com", true},
		{"uppercase request host", "https://example.com", "https://EXAMPLE.com/", true},
		{"uppercase scheme", "https://example.com", "HTTPS://example.com/", true},
		{"other scheme", "https://example.com", "http://example.com/", false},
		{"other host", "https://example.com", "https://example.org/", false},
		{"subdomain of exact rule", "https://example.com", "https://a.example.com/", false},
		{"suffix attack", "https://example.com", "https://example.com.evil.com/", false},
		{"prefix attack", "https://example.com", "https://evilexample.com/", false},
		{"fragment smuggling", "https://example.com", "https://evil.com#@example.com", false},
		{"userinfo smuggling", "https://example.com", "https://example.com@evil.com/", false},
		{"userinfo on allowed host", "https://example.com", "https://user:pw@example.com/", false},
		{"trailing dot", "https://example.com", "https://example.com./", false},
		{"percent-encoded host", "https://example.com", "https://%65xample.com/", false},
		{"percent-encoded dot in host", "https://example.com", "https://example%2ecom.evil.com/", false},
		{"encoded host suffix attack", "https://example.com", "https://example.com%2eevil.com/", false},
		{"explicit default port", "https://example.com", "https://example.com:443/", true},
		{"implicit port on explicit rule", "https://example.com:443", "https://example.com/", true},
		{"other port", "https://example.com", "https://example.com:8443/", false},
		{"explicit port rule", "https://example.com:8443", "https://example.com:8443/x", true},
		{"http default port", "http://example.com", "http://example.com:80/", true},
		{"http port on https", "https://example.com", "https://example.com:80/", false},
		{"port leading zeros", "https://example.com", "https://example.com:0443/", true},
		{"empty port", "https://example.com", "https://example.com:/", true},
		{"wildcard one level", "https://*.example.com", "https://a.example.com/", true},
		{"wildcard two levels", "https://*.example.com", "https://a.b.example.com/", true},
		{"wildcard apex", "https://*.example.com", "https://example.com/", false},
		{"wildcard suffix attack", "https://*.example.com", "https://a.example.com.evil.com/", false},
		{"wildcard no dot", "https://*.example.com", "https://aexample.com/", false},
		{"wildcard empty label", "https://*.example.com", "https://.example.com/", false},
		{"wildcard uppercase", "https://*.example.com", "https://A.EXAMPLE.COM/", true},
		{"wildcard trailing dot", "https://*.example.com", "https://a.example.com./", false},
		{"path exact", "https://example.com/api", "https://example.com/api", true},
		{"path below", "https://example.com/api", "https://example.com/api/x", true},
		{"path trailing slash", "https://example.com/api", "https://example.com/api/", true},
		{"path sibling", "https://example.com/api", "https://example.com/apix", false},
		{"path parent", "https://example.com/api/v1", "https://example.com/api", false},
		{"path root", "https://example.com/api", "https://example.com/", false},
		{"path empty", "https://example.com/api", "https://example.com", false},
		{"path case", "https://example.com/api", "https://example.com/API/x", false},
		{"path traversal", "https://example.com/api", "https://example.com/api/../admin", false},
		{"path traversal at end", "https://example.com/api", "https://example.com/api/x/..", false},
		{"path dot segment", "https://example.com/api", "https://example.com/api/./x", false},
		{"path encoded traversal", "https://example.com/api", "https://example.com/api/%2e%2e/admin", false},
		{"path encoded upper traversal", "https://example.com/api", "https://example.com/api/%2E%2E/admin", false},
		{"path encoded slash", "https://example.com/api", "https://example.com/api%2f..%2fadmin", false},
		{"path backslash", "https://example.com/api", `https://example.com/api/..\admin`, false},
		{"path encoded backslash", "https://example.com/api", "https://example.com/api/..%5cadmin", false},
		{"path semicolon traversal", "https://example.com/api", "https://example.com/api/..;/admin", false},
		{"path encoded letter", "https://example.com/api", "https://example.com/ap%69/x", true},
		{"traversal without path rule", "https://example.com", "https://example.com/a/../b", true},
		{"ipv6 rule", "https://[2001:db8::1]", "https://[2001:db8::1]/", true},
		{"ipv6 long form", "https://[2001:db8::1]", "https://[2001:DB8:0:0:0:0:0:1]/", true},
		{"ipv6 with port", "https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443/", true},
		{"ipv6 zone", "https://[fe80::1]", "https://[fe80::1%25eth0]/", false},
		{"ipv4-mapped ipv6", "https://203.0.113.7", "https://[::ffff:203.0.113.7]/", false},
		{"ipv4", "https://203.0.113.7", "https://203.0.113.7/", true},
		{"ipv4 other", "https://203.0.113.7", "https://203.0.113.8/", false},
		{"decimal ipv4 request", "http://backend", "http://2130706433/", false},
		{"numeric tld request", "https://example.com", "https://127.1/", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseEgressRule(tc.rule)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(tc.url)
			if err != nil {
				if tc.want {
					t.Fatalf("parse %q: %v", tc.url, err)
				}
				return
			}
			if got := r.Allows(u); got != tc.want {
				t.Errorf("%s allows %s = %v, want %v (host %q path %q)", tc.rule, tc.url, got, tc.want, u.Host, u.Path)
			}
		})
	}
}

func TestAllowsRefusesOddURLs(t *testing.T) {
	r, err := ParseEgressRule("https://example.com")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		u    *url.URL
	}{
		{"nil", nil},
		{"opaque", &url.URL{Scheme: "https", Opaque: "example.com"}},
		{"empty host", &url.URL{Scheme: "https", Path: "/"}},
		{"bad port", &url.URL{Scheme: "https", Host: "example.com:99999"}},
		{"port zero", &url.URL{Scheme: "https", Host: "example.com:0"}},
		{"hand-built userinfo", &url.URL{Scheme: "https", Host: "example.com", User: url.User("x")}},
		{"hand-built host with at", &url.URL{Scheme: "https", Host: "evil.com@example.com"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if r.Allows(tc.u) {
				t.Errorf("allowed %v", tc.u)
			}
		})
	}
}

func TestManifestRules(t *testing.T) {
	m := mustLoad(t, "testdata/valid.yaml")
	rules := m.EgressRules()
	if len(rules) != 2 || rules[1].Host != "*.githubusercontent.com" || rules[1].PathPrefix != "/raw" {
		t.Fatalf("egress rules = %+v", rules)
	}
	secret := m.SecretRules("token")
	api, _ := url.Parse("https://api.github.com/repos/x/y/issues")
	raw, _ := url.Parse("https://raw.githubusercontent.com/raw/x")
	if !AllowsAny(secret, api) || AllowsAny(secret, raw) || !AllowsAny(rules, raw) {
		t.Errorf("secret rules = %+v", secret)
	}
	if m.SecretRules("missing") != nil {
		t.Error("rules for an undeclared secret")
	}
	hand := &Manifest{Egress: []string{"https://ok.example.com", "ftp://bad"}}
	if got := hand.EgressRules(); len(got) != 1 {
		t.Errorf("hand-built rules = %+v, want the invalid entry left out", got)
	}
}
