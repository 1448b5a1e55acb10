package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/secure-agent/saa/host/accounts/accountstest"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/llm/llmtest"
)

// extUser is alice's account at the fake provider; the provider's tokens
// for it start with "at-"+extUser and "rt-"+extUser.
const extUser = "alice-ext-7f3c"

// mailAPI is a Gmail stand-in that serves only requests bearing a token
// the fake provider issued to extUser, and remembers what it was sent.
type mailAPI struct {
	*httptest.Server
	mu      sync.Mutex
	bearers []string
	sent    []string
}

func newMailAPI(t *testing.T, fp *accountstest.FakeProvider) *mailAPI {
	a := &mailAPI{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, ok := fp.UserOfRequest(r)
		if !ok || user != extUser {
			http.Error(w, `{"error":{"code":401}}`, http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.bearers = append(a.bearers, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/gmail/v1/users/me/messages":
			fmt.Fprint(w, `{"messages":[{"id":"m1","threadId":"t1"}]}`)
		case r.Method == http.MethodPost && r.URL.Path == "/gmail/v1/users/me/messages/send":
			var msg struct{ Raw string }
			json.Unmarshal(body, &msg)
			raw, _ := base64.URLEncoding.DecodeString(msg.Raw)
			a.mu.Lock()
			a.sent = append(a.sent, string(raw))
			a.mu.Unlock()
			fmt.Fprint(w, `{"id":"s1","threadId":"t1"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *mailAPI) sends() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.sent)
}

// mailPlugins lays out the first-party mail plugin aimed at api in a fresh
// plugins folder, and an agent "mailer" that sends mail with approval of
// writes, in a fresh agents folder.
func mailPlugins(t *testing.T, api string) (pluginsDir, agentsDir string) {
	t.Helper()
	repo := filepath.Dir(e2eManifests(t))
	root := t.TempDir()
	m, err := os.ReadFile(filepath.Join(repo, "manifests", "mail.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := os.ReadFile(filepath.Join(repo, "plugins", "mail", "mail.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	agent := "name: mailer\ndescription: Sends mail for the user.\nmodel: { provider: default, name: m, temperature: 0 }\n" +
		"instructions: Send the mail you are asked to with mail-send.\ntools: [mail.send]\napproval: writes\n" +
		"limits: { max_turns: 5, max_tool_calls: 5, max_tokens: 10000, timeout: 2m }\n"
	for path, b := range map[string][]byte{
		"manifests/mail.yaml":    bytes.ReplaceAll(m, []byte("https://gmail.googleapis.com"), []byte(api)),
		"plugins/mail/mail.wasm": wasm,
		"agents/mailer.yaml":     []byte(agent),
	} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(path)), 0o755)
		if err := os.WriteFile(filepath.Join(root, path), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "manifests"), filepath.Join(root, "agents")
}

// mailerScript plays the model: it proposes one mail, then reports what
// the tool said.
func mailerScript(r llmtest.Request) llmtest.Turn {
	for _, m := range r.Messages {
		if m.Role == "tool" {
			return llmtest.Turn{Content: "sent: " + m.Content}
		}
	}
	return llmtest.Turn{ToolCalls: []llm.ToolCall{{ID: "call_send", Name: "mail-send",
		Arguments: `{"to":["bob@example.com"],"subject":"Lunch <b>today</b>","body":"Noon?"}`}}}
}

// TestE2EDelegationDoneWhen is the delegation issue's "done when" on the
// real binary: alice signs in and consents to an agent for two actions
// (mail.list, mail.send) and for running the mailer agent; she connects her
// (fake) Google account; the agent lists her mail with it without ever
// seeing its token; a sub-agent gets a token narrowed to mail.list by
// exchange and is refused mail.send; the mailer agent, run by the agent on
// alice's behalf, proposes a mail that waits until alice approves it on
// /account, and then it is sent with her account.
func TestE2EDelegationDoneWhen(t *testing.T) {
	fp := accountstest.NewFakeProvider(t)
	api := newMailAPI(t, fp)
	model := llmtest.New(t)
	model.Respond = mailerScript
	plugins, agentsDir := mailPlugins(t, api.URL)
	addr, data := freePort(t), t.TempDir()
	public := "http://" + addr
	srv := startServe(t, addr, data, "SAA_PUBLIC_URL="+public, "SAA_PLUGINS_DIR="+plugins, "SAA_AGENTS_DIR="+agentsDir,
		"SAA_LLM_BASE_URL="+model.BaseURL(), "SAA_LLM_API_KEY=sk-e2e-delegation", "SAA_LLM_MODEL=",
		`SAA_PLUGIN_CONFIG={"mail":{"base_url":"`+api.URL+`"}}`)
	admin := "Basic admin:" + srv.adminPassword()
	var answers bytes.Buffer // every answer the agents got, searched for the token at the end

	// The operator: the Google provider (the fake), the user, the agent
	// (public, code flow) and the sub-agent (confidential).
	provider := fmt.Sprintf(`{"preset":"generic","client_id":%q,"client_secret":%q,"auth_url":%q,"token_url":%q}`,
		accountstest.FakeClientID, accountstest.FakeClientSecret, fp.URL+"/auth", fp.URL+"/token")
	if r := srv.request(http.MethodPut, "/admin/api/v1/oauth-providers/google", admin, strings.NewReader(provider), "Content-Type", "application/json"); r.status != 200 {
		t.Fatalf("put provider: %d %s", r.status, r.body)
	}
	if r := srv.postJSON("/admin/api/v1/users", admin, `{"name":"alice","password":"alice's long password","role":"user"}`); r.status != http.StatusCreated {
		t.Fatalf("create user: %d %s", r.status, r.body)
	}
	scopes := []string{"mail:read", "mail:send", "agents:mailer"}
	var agent struct {
		ID string `json:"client_id"`
	}
	srv.decode(srv.postJSON("/admin/api/v1/clients", admin, `{"name":"assistant","scopes":["mail:read","mail:send","agents:mailer"],`+
		`"redirect_uris":["http://127.0.0.1/callback"],"public":true}`), http.StatusCreated, &agent)
	subID, subSecret := srv.newClient(admin, "mail:read", "mail:send")

	// Alice signs in and consents to the agent (x/oauth2, PKCE).
	cfg := oauth2.Config{
		ClientID:    agent.ID,
		Endpoint:    oauth2.Endpoint{AuthURL: srv.base + "/oauth2/authorize", TokenURL: srv.base + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: "http://127.0.0.1:5555/callback",
		Scopes:      scopes,
	}
	verifier := oauth2.GenerateVerifier()
	b := newBrowserless(t)
	signin := b.get(srv.base + b.get(cfg.AuthCodeURL("done-when-state", oauth2.S256ChallengeOption(verifier))))
	b.post(srv.base+"/admin/signin", url.Values{"csrf_token": {csrfOf(t, signin)}, "username": {"alice"},
		"password": {"alice's long password"}, "next": {hidden(t, signin, "next")}})
	consent := b.get(srv.base + hidden(t, signin, "next"))
	if !strings.Contains(consent, "<form") {
		t.Fatalf("consent: redirected to %s", consent)
	}
	for _, want := range []string{"List the user&#39;s newest messages", "Send a plain-text message from the user&#39;s own address", "Run the agent mailer for you"} {
		if !strings.Contains(consent, want) {
			t.Fatalf("the consent page lacks %q:\n%s", want, consent)
		}
	}
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(consent, -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	form.Set("decision", "allow")
	form["grant"] = scopes
	back, err := url.Parse(b.post(srv.base+"/oauth2/authorize", form))
	if err != nil || back.Query().Get("state") != "done-when-state" {
		t.Fatalf("consent redirected to %v", back)
	}
	tok, err := cfg.Exchange(context.Background(), back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	bearer := "Bearer " + tok.AccessToken

	// Before alice connects Google, the call says where to connect it.
	r := srv.postJSON("/v1/actions/mail/list", bearer, `{"max":1}`)
	answers.Write(r.body)
	if r.status != http.StatusConflict || r.kind() != "account-not-connected" {
		t.Fatalf("call before connecting: %d %s", r.status, r.body)
	}

	// Alice connects her Google account from her account pages.
	authURL := b.get(public + "/account/connections/google/connect")
	if !strings.HasPrefix(authURL, fp.URL+"/auth") {
		t.Fatalf("connect sent alice to %q", authURL)
	}
	cb := fp.Authorize(t, authURL, extUser)
	cont := b.page(public + "/account/connections/google/callback?" + cb.Encode())
	finish := regexp.MustCompile(`<a id="continue" href="([^"]+)"`).FindStringSubmatch(cont)
	if finish == nil {
		t.Fatalf("callback page:\n%s", cont)
	}
	if loc := b.get(public + htmlUnescape(finish[1])); loc != "/account/connections" {
		t.Fatalf("finish redirected to %q", loc)
	}
	if page := b.page(public + "/account"); !strings.Contains(page, `<code>google</code> <span class="badge badge-ok">connected</span>`) {
		t.Fatalf("/account does not show google connected:\n%s", page)
	}

	// The agent lists alice's mail: the fake API saw her token, the agent
	// did not.
	r = srv.postJSON("/v1/actions/mail/list", bearer, `{"max":1}`)
	answers.Write(r.body)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"id":"m1"`) {
		t.Fatalf("mail.list as alice: %d %s", r.status, r.body)
	}

	// A sub-agent exchanges the agent's token for one narrowed to
	// mail.list: it lists, and is refused mail.send.
	ex := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}, "subject_token": {tok.AccessToken},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}, "scope": {"mail:read"}}
	var child struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	srv.decode(srv.request(http.MethodPost, "/oauth2/token", "Basic "+subID+":"+subSecret, strings.NewReader(ex.Encode()),
		"Content-Type", "application/x-www-form-urlencoded"), http.StatusOK, &child)
	if child.Scope != "mail:read" {
		t.Fatalf("the child token's scope is %q", child.Scope)
	}
	sub := "Bearer " + child.AccessToken
	if r := srv.postJSON("/v1/actions/mail/list", sub, `{"max":1}`); r.status != http.StatusOK {
		answers.Write(r.body)
		t.Fatalf("mail.list by the sub-agent: %d %s", r.status, r.body)
	}
	r = srv.postJSON("/v1/actions/mail/send", sub, `{"to":["bob@example.com"],"subject":"hi","body":"from the sub-agent"}`)
	answers.Write(r.body)
	if r.status != http.StatusForbidden || api.sends() != 0 {
		t.Fatalf("mail.send by the sub-agent: %d %s, %d sent", r.status, r.body, api.sends())
	}

	// The agent runs the mailer for alice: the mail waits for her.
	r = srv.postJSON("/v1/agents/mailer/runs", bearer, `{"input":"Ask Bob to lunch"}`)
	answers.Write(r.body)
	if r.status != http.StatusAccepted {
		t.Fatalf("start the mailer: %d %s", r.status, r.body)
	}
	runPath := r.header.Get("Location")
	run := waitRun(t, srv, runPath, bearer, "waiting_for_approval", &answers)
	if len(run.Pending) != 1 || run.Pending[0].Tool != "mail-send" || api.sends() != 0 {
		t.Fatalf("pending %+v, %d sent before approval", run.Pending, api.sends())
	}
	call := run.Pending[0].CallID
	if r := srv.postJSON(runPath+"/approvals/"+call, bearer, `{"decision":"approve"}`); r.status != http.StatusForbidden {
		answers.Write(r.body)
		t.Fatalf("the agent approved its own call: %d %s", r.status, r.body)
	}
	if r := srv.postJSON(runPath+"/approvals/"+call, sub, `{"decision":"approve"}`); r.status != http.StatusForbidden {
		answers.Write(r.body)
		t.Fatalf("the sub-agent approved the call: %d %s", r.status, r.body)
	}

	// Alice sees the call in full on /account and approves it there.
	account := b.page(public + "/account")
	action := "/account/approvals/" + strings.TrimPrefix(runPath, "/v1/runs/") + "/" + call
	for _, want := range []string{`id="call-` + call + `"`, "Send a plain-text message", "mail.send", "mail:send",
		"Lunch &lt;b&gt;today&lt;/b&gt;", `action="` + action + `"`} {
		if !strings.Contains(account, want) {
			t.Fatalf("/account lacks %q:\n%s", want, account)
		}
	}
	if loc := b.post(public+action, url.Values{"csrf_token": {csrfOf(t, account)}, "decision": {"approve"}}); !strings.HasPrefix(loc, "/account") {
		t.Fatalf("approve redirected to %q", loc)
	}
	run = waitRun(t, srv, runPath, bearer, "succeeded", &answers)
	if api.sends() != 1 || !strings.Contains(api.sent[0], "To: <bob@example.com>") || !strings.Contains(run.Output, "s1") {
		t.Fatalf("after approval: output %q, sent %q", run.Output, api.sent)
	}

	t.Run("the provider's tokens are in no answer, log line or stored byte", func(t *testing.T) {
		api.mu.Lock()
		bearers := append([]string(nil), api.bearers...)
		api.mu.Unlock()
		if len(bearers) < 3 || !strings.HasPrefix(bearers[0], "at-"+extUser) {
			t.Fatalf("the fake API saw bearers %q", bearers)
		}
		haystacks := map[string][]byte{"answers": answers.Bytes(), "stdout": []byte(srv.stdout.String()), "stderr": []byte(srv.stderr.String())}
		filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(path)
				haystacks[path] = b
			}
			return nil
		})
		for name, h := range haystacks {
			for _, secret := range []string{"at-" + extUser, "rt-" + extUser} {
				if bytes.Contains(h, []byte(secret)) {
					t.Errorf("%s contains a provider token (%s...)", name, secret)
				}
			}
		}
	})
}

// waitRun polls GET path until the run has status.
func waitRun(t *testing.T, srv *e2eServer, path, bearer, status string, answers *bytes.Buffer) agentRun {
	t.Helper()
	var v agentRun
	checkFor(t, 60*time.Second, 50*time.Millisecond, func() error {
		r := srv.request(http.MethodGet, path, bearer, nil)
		answers.Write(r.body)
		v = agentRun{}
		if err := json.Unmarshal(r.body, &v); r.status != http.StatusOK || err != nil {
			return fmt.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
		if v.Status != status {
			return fmt.Errorf("run is %s, want %s", v.Status, status)
		}
		return nil
	})
	return v
}
