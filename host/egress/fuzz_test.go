package egress

import (
	"net/url"
	"testing"

	"github.com/secure-agent/saa/manifests"
)

// fuzzRules mixes the manifests package's rules (wildcards, path prefixes, IP
// literals) with the exact test rule.
func fuzzRules(t testing.TB) []Rule {
	var out []Rule
	for _, s := range []string{
		"https://api.github.com",
		"https://*.example.com/v1",
		"http://93.184.216.34:8080/hooks",
		"https://[2606:4700::1111]",
	} {
		r, err := manifests.ParseEgressRule(s)
		if err != nil {
			t.Fatalf("ParseEgressRule(%q): %v", s, err)
		}
		out = append(out, r)
	}
	return append(out, rule("http://allowed.test:8080"))
}

// FuzzURLCheck feeds arbitrary URLs through the policy check: it must never
// panic, and a URL it lets through must be allowed by a rule both as checked
// and as it would be written on the wire and read back.
func FuzzURLCheck(f *testing.F) {
	for _, s := range []string{
		"https://api.github.com/repos/x/y/issues",
		"https://API.GitHub.com./",
		"https://api.github.com@evil.test/",
		"https://evil.test#@api.github.com/",
		"https://evil.test\\@api.github.com/",
		"https://a.example.com/v1/x",
		"https://a.example.com/v1/../admin",
		"https://a.example.com/v1%2f..%2fadmin",
		"https://example.com/v1",
		"http://93.184.216.34:8080/hooks/1",
		"http://93.184.216.34:8080/hooksx",
		"https://[2606:4700::1111]/",
		"https://[::ffff:93.184.216.34]/",
		"http://169.254.169.254/latest",
		"http://allowed.test:8080/{{secret:token}}",
		"http://allowed.test:8080/%7B%7Bsecret:x%7D%7D",
		"http://2130706433:8080/",
		"http://[fe80::1%25eth0]:8080/",
		"http://allowed.test:08080/",
		"http://allowed.test:99999/",
		"gopher://allowed.test:8080/",
		"//allowed.test:8080/",
	} {
		f.Add(s)
	}
	rs := fuzzRules(f)
	s := testGuard(f, Config{}).Session(&Policy{Plugin: "fuzz", Rules: rs}, nil)
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := parseURL(raw)
		if err != nil {
			return
		}
		if s.checkURL(u) != nil {
			return
		}
		if !anyAllows(rs, u) {
			t.Fatalf("%q passed but no rule allows %v", raw, u)
		}
		again, err := url.Parse(u.String())
		if err != nil {
			t.Fatalf("%q passed but its wire form %q does not parse: %v", raw, u.String(), err)
		}
		if again.Host != u.Host || again.EscapedPath() != u.EscapedPath() || !anyAllows(rs, again) {
			t.Fatalf("%q passed but its wire form %q reads back differently: %#v", raw, u.String(), again)
		}
	})
}
