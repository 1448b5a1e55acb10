package adminui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/llm/llmtest"
)

// callPerInput plays a model that calls echo once, with the run's input as
// the call's id, then ends: runs in parallel each get their own turns.
func callPerInput(r llmtest.Request) llmtest.Turn {
	input := ""
	for _, m := range r.Messages {
		switch m.Role {
		case "user":
			input = m.Content
		case "tool":
			return llmtest.Turn{Content: "done " + input}
		}
	}
	return llmtest.Turn{ToolCalls: []llm.ToolCall{{ID: input, Name: "echo-echo", Arguments: hostileArgs}}}
}

// pausedRunFor starts a run of the runner agent on behalf of user whose
// call callID waits for a decision (rf.fake answers with callPerInput).
func (rf *runsFixture) pausedRunFor(t *testing.T, user, callID string) agents.RunView {
	t.Helper()
	p := host.Principal{ClientID: runner.ClientID, Subject: user, Scopes: runner.Scopes}
	v, err := rf.eng.Start(context.Background(), agents.StartRequest{Request: agents.Request{Agent: "helper", Input: callID, Principal: p}})
	if err != nil {
		t.Fatal(err)
	}
	return rf.waitStatus(t, v.ID, agents.StatusWaitingForApproval)
}

// TestAccountPendingApprovals: a user sees, in full and as text, the paused
// calls of the runs made on their behalf and nobody else's, decides them on
// /account through agents.Decide, and cannot decide another user's.
func TestAccountPendingApprovals(t *testing.T) {
	rf := newRunsFixture(t)
	rf.fake.Respond = callPerInput
	mine := rf.pausedRunFor(t, userName, "call_mine")
	theirs := rf.pausedRunFor(t, "bob", "call_theirs")
	own := rf.pausedRunFor(t, runner.Subject, "call_own") // a client's run for itself
	uma := rf.signIn(userName, userPassword)

	r := uma.get(accountPath)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("/account: %d", r.StatusCode)
	}
	for _, want := range []string{`id="call-call_mine"`, "echo-echo", "Return the input message unchanged", "echo.echo", "echo:call",
		"&lt;script&gt;alert(1)&lt;/script&gt;", mine.ID, `action="/account/approvals/` + mine.ID + `/call_mine"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/account lacks %q", want)
		}
	}
	for _, never := range []string{theirs.ID, own.ID, "<script>", "<b>bold", "/admin/runs/"} {
		if strings.Contains(r.body, never) {
			t.Errorf("/account shows %q", never)
		}
	}

	t.Run("refusals", func(t *testing.T) {
		for _, path := range []string{
			accountApprovalsPath + "/" + theirs.ID + "/call_theirs", // another user's run
			accountApprovalsPath + "/" + own.ID + "/call_own",       // a client's own run
			accountApprovalsPath + "/run_NOPE/call_mine",
		} {
			if r := uma.post(path, url.Values{"decision": {"approve"}}); r.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s: %d, want 404", path, r.StatusCode)
			}
		}
		path := accountApprovalsPath + "/" + mine.ID + "/call_mine"
		if r := uma.post(path, url.Values{"decision": {"approve"}, csrfField: {"forged"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("forged CSRF token: %d", r.StatusCode)
		}
		if r := uma.post(path, url.Values{"decision": {"maybe"}}); r.StatusCode != http.StatusSeeOther {
			t.Errorf("bad decision: %d", r.StatusCode)
		}
		for _, v := range []agents.RunView{mine, theirs, own} {
			if got := rf.waitStatus(t, v.ID, agents.StatusWaitingForApproval); len(got.PendingApprovals) != 1 {
				t.Fatalf("a refused post decided a call of %s", v.ID)
			}
		}
	})

	t.Run("the user approves their own call", func(t *testing.T) {
		r := uma.post(accountApprovalsPath+"/"+mine.ID+"/call_mine", url.Values{"decision": {"approve"}})
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), accountPath) {
			t.Fatalf("approve: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		if done := rf.waitStatus(t, mine.ID, agents.StatusSucceeded); done.Output != "done call_mine" {
			t.Fatalf("run = %+v", done)
		}
		checkFor(t, 5*time.Second, 20*time.Millisecond, func() error {
			if got := strings.Join(rf.decisions(t), "\n"); !strings.Contains(got, "agent.call.approve by user:"+userName) {
				return fmt.Errorf("audit: %q", got)
			}
			return nil
		})
		if r := uma.get(accountPath); !strings.Contains(r.body, `id="no-pending"`) {
			t.Fatalf("/account after the decision still lists a call")
		}
	})

	t.Run("an admin decides a user's run on the runs page", func(t *testing.T) {
		admin := rf.signIn("admin", adminPassword)
		if r := admin.post("/admin/runs/"+theirs.ID+"/approvals/call_theirs", url.Values{"decision": {"reject"}, "reason": {"not now"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("reject: %d %s", r.StatusCode, r.body)
		}
		rf.waitStatus(t, theirs.ID, agents.StatusSucceeded)
	})
}

// TestAccountLinksConnectedAccounts: /account links the connections page
// and shows each provider's status for the signed-in user only.
func TestAccountLinksConnectedAccounts(t *testing.T) {
	f, fp, svc := connectionsFixture(t)
	uma := f.signIn(userName, userPassword)
	if r := uma.get(accountPath); !strings.Contains(r.body, `href="/account/connections"`) || !strings.Contains(r.body, "not connected") {
		t.Fatalf("/account before connecting:\n%s", r.body)
	}
	fp.Connect(t, svc, userName, "github", "ext-uma")
	r := uma.get(accountPath)
	if !strings.Contains(r.body, `<code>github</code> <span class="badge badge-ok">connected</span>`) {
		t.Fatalf("/account after connecting:\n%s", r.body)
	}
	if r := f.signIn("admin", adminPassword).get(accountPath); strings.Contains(r.body, "badge-ok\">connected") {
		t.Fatal("another user's /account shows uma's connection")
	}
}

// TestScopeWordsForAgents: the right to run an agent is said in words, in
// its own group, never under "Other" as a scope that does nothing.
func TestScopeWordsForAgents(t *testing.T) {
	groups := describeScopes(nil, []string{"agents:mailer", "ghost:call"})
	if len(groups) != 2 || groups[0].Plugin != "Agents" || groups[1].Plugin != "Other" {
		t.Fatalf("groups = %+v", groups)
	}
	a := groups[0].Perms[0]
	if a.Scope != "agents:mailer" || len(a.Actions) != 1 || a.Actions[0].Description != "Run the agent mailer for you" {
		t.Fatalf("agents:mailer is described as %+v", a)
	}
}
