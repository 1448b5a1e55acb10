package auth

import (
	"encoding/json"
	"net/url"
	"testing"
)

// FuzzParseExchange: any form body either is refused with an OAuth error or
// yields a subject token and only non-empty audiences.
func FuzzParseExchange(f *testing.F) {
	for _, s := range []string{
		"grant_type=" + url.QueryEscape(GrantTypeTokenExchange) + "&subject_token=a.b.c&subject_token_type=" + url.QueryEscape(TokenTypeAccessToken),
		"subject_token=x&subject_token_type=" + url.QueryEscape(TokenTypeAccessToken) + "&resource=https%3A%2F%2Fa&audience=b",
		"subject_token=x&subject_token=y", "actor_token=x", "subject_token=x&subject_token_type=jwt", "%zz", "",
		"subject_token=x&subject_token_type=" + url.QueryEscape(TokenTypeAccessToken) + "&audience=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		req, err := parseExchange(form)
		if err != nil {
			return
		}
		if req.subjectToken == "" || form.Get("subject_token_type") != TokenTypeAccessToken || form.Has("actor_token") {
			t.Fatalf("accepted %q as %+v", body, req)
		}
		for _, a := range req.audiences {
			if a == "" {
				t.Fatalf("accepted an empty audience in %q", body)
			}
		}
	})
}

// FuzzDelegationClaims: whatever act and chain a token carries, checking
// them never panics, and a token that passes names one actor per ancestor
// plus itself, ending with its own client, and every ancestor in full.
func FuzzDelegationClaims(f *testing.F) {
	for _, s := range []string{
		`{"client_id":"b","exp":100,"act":{"sub":"b","act":{"sub":"a"}},"chain":[{"jti":"j","client_id":"a","gen":0,"exp":100}]}`,
		`{"client_id":"b","act":{"sub":"b"}}`,
		`{"client_id":"b","chain":[{"jti":"j"}]}`,
		`{"client_id":"b","exp":1,"act":{"sub":"b","act":{"sub":"a","act":{"sub":"z"}}},"chain":[{"jti":"j","client_id":"a","gen":0,"exp":1}]}`,
		`{}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var c accessClaims
		if json.Unmarshal([]byte(raw), &c) != nil || c.ExpiresAt == nil {
			return
		}
		if err := c.checkDelegation(); err != nil {
			return
		}
		c.linkAncestors()
		actors := c.actors()
		if len(actors) == 0 {
			if len(c.ancestors) != 0 {
				t.Fatalf("an undelegated token has %d ancestors", len(c.ancestors))
			}
			return
		}
		if len(actors) != len(c.Chain)+1 || actors[len(actors)-1] != c.ClientID || len(c.ancestors)+1 != len(actors) {
			t.Fatalf("accepted %s: actors %v, %d ancestors", raw, actors, len(c.ancestors))
		}
		for _, l := range c.ancestors {
			if l.ID == "" || l.ClientID == "" || l.Generation == nil {
				t.Fatalf("accepted an incomplete link in %s", raw)
			}
		}
	})
}
