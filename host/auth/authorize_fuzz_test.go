package auth_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/auth"
)

// FuzzParseAuthorize feeds arbitrary query strings and form bodies to the
// authorization request parser. Whatever the input, it must not panic, and
// any answer that would be sent to a redirect URI (an error other than
// *auth.AuthorizeError, or success) must be for a registered one; success
// also needs PKCE S256 and a scope the client may have.
func FuzzParseAuthorize(f *testing.F) {
	e := newTestEnv(f)
	agent := e.newAgent(true, []string{testRedirect, "http://127.0.0.1/cb"}, "echo:call")
	valid := authParams(agent, "echo:call")
	f.Add(valid.Encode(), "")
	f.Add("", valid.Encode())
	f.Add(valid.Encode()+"&redirect_uri=https://evil.example", "")
	f.Add(strings.ReplaceAll(valid.Encode(), "S256", "plain"), "")
	f.Add("client_id="+agent.id+"&redirect_uri=http://127.0.0.1:9/cb&response_type=code", "scope=echo:call")
	f.Add("%zz&&==", "a=%")
	f.Fuzz(func(t *testing.T, query, body string) {
		req, err := http.NewRequest(http.MethodPost, e.url+auth.AuthorizePath+"?"+query, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		ar, err := e.srv.ParseAuthorize(t.Context(), req)
		var ae *auth.AuthorizeError
		if errors.As(err, &ae) {
			if ar != nil {
				t.Fatal("an AuthorizeError came with a request to redirect to")
			}
			return
		}
		redirect := req.Form.Get("redirect_uri")
		if redirect != testRedirect && !loopbackCallback(redirect) {
			t.Fatalf("answer for redirect_uri %q (err %v), which is not registered", redirect, err)
		}
		if err != nil {
			return
		}
		if req.Form.Get("code_challenge_method") != "S256" || req.Form.Get("code_challenge") == "" {
			t.Fatalf("accepted without PKCE S256: %v", req.Form)
		}
		if len(ar.Scopes) == 0 || slices.ContainsFunc(ar.Scopes, func(s string) bool { return s != "echo:call" }) {
			t.Fatalf("accepted scopes %v", ar.Scopes)
		}
		if _, err := url.Parse(ar.RedirectURI); err != nil {
			t.Fatal(err)
		}
	})
}

// loopbackCallback reports whether raw is the registered loopback URI on
// some port.
func loopbackCallback(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "http" && u.Hostname() == "127.0.0.1" && u.EscapedPath() == "/cb" &&
		u.RawQuery == "" && u.Fragment == "" && u.User == nil
}
