package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host/audit"
)

// exchange trades subject for a token of client id (secret) with scopes,
// as a sub-agent would (RFC 8693).
func (f *fixture) exchange(id, secret, subject string, scopes ...string) string {
	f.t.Helper()
	return f.grant(id, secret, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}, "subject_token": {subject},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}, "scope": {strings.Join(scopes, " ")}})
}

// grant posts form to the token endpoint as client id and returns the token.
func (f *fixture) grant(id, secret string, form url.Values) string {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.http.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.SetBasicAuth(id, secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := f.do(req)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if r.StatusCode != http.StatusOK || json.Unmarshal(r.body, &tok) != nil || tok.AccessToken == "" {
		f.t.Fatalf("token: %d %s", r.StatusCode, r.body)
	}
	return tok.AccessToken
}

// TestDelegatedTokensOverREST: a sub-agent's exchanged token carries its
// chain into runs and the audit log, and neither the sub-agent (with any
// token) nor its parent can approve the sub-agent's calls, whatever scopes
// they hold; someone outside the chain can.
func TestDelegatedTokensOverREST(t *testing.T) {
	f, eng := agentsFixture(t)
	all := []string{"agents:helper", "echo:call", "runs:approve"}
	parentID, parent := f.token(all...)
	sub, subSecret, err := f.auth.Clients().Create(context.Background(), "sub-agent", all)
	if err != nil {
		t.Fatal(err)
	}
	child := f.exchange(sub.ID, subSecret, parent, all...)
	// A token the sub-agent's client gets for itself, without delegation.
	subOwn := f.grant(sub.ID, subSecret, url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Join(all, " ")}})
	_, outsider := f.token("runs:approve")

	r := f.call(http.MethodPost, "/v1/agents/helper/runs", child, `{"input":"x"}`)
	if r.StatusCode != http.StatusAccepted {
		t.Fatalf("start as the sub-agent: %d %s", r.StatusCode, r.body)
	}
	run := strings.TrimPrefix(r.Header.Get("Location"), "/v1/runs/")
	if p := eng.starts[len(eng.starts)-1].Principal; p.ClientID != sub.ID || p.Subject != parentID || !slices.Equal(p.Actors, []string{parentID, sub.ID}) {
		t.Fatalf("the run's principal = %+v", p)
	}
	approve := func(tok string) response {
		return f.call(http.MethodPost, "/v1/runs/"+run+"/approvals/c1", tok, `{"decision":"approve"}`)
	}
	for name, tok := range map[string]string{"the sub-agent's exchanged token": child, "the parent agent": parent,
		"the sub-agent's client with a token of its own": subOwn} {
		if r := approve(tok); r.StatusCode != http.StatusForbidden || problemKind(t, r) != "forbidden" {
			t.Errorf("%s approved the sub-agent's call: %d %s", name, r.StatusCode, r.body)
		}
	}
	if r := approve(outsider); r.StatusCode != http.StatusOK {
		t.Fatalf("an approver outside the chain: %d %s", r.StatusCode, r.body)
	}

	t.Run("the audit entry names the chain", func(t *testing.T) {
		if r := f.call(http.MethodPost, "/v1/actions/echo/echo", child, `{"message":"hi"}`); r.StatusCode != 200 {
			t.Fatalf("invoke: %d %s", r.StatusCode, r.body)
		}
		var page audit.Page
		checkFor(t, 5*time.Second, 10*time.Millisecond, func() error {
			var err error
			page, err = f.rt.Audit().List(context.Background(), audit.Filter{Client: sub.ID})
			if err == nil && len(page.Entries) == 0 {
				err = errors.New("not written yet")
			}
			return err
		})
		if e := page.Entries[0]; !slices.Equal(e.Delegation, []string{parentID, sub.ID}) || e.Subject != parentID {
			t.Fatalf("entry = %+v", e)
		}
	})
}
