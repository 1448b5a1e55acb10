package mcp_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/host/mcp"
	"github.com/secure-agent/saa/host/plugintest"
)

// echoWith is the echo plugin whose one action has effect, so that the
// approval policy covers it.
func echoWith(effect string) plugintest.Plugin {
	p := plugintest.FirstParty("echo")
	p.Replace = map[string]string{"effect: read": "effect: " + effect}
	return p
}

// elicitor answers every elicitation with answer and counts the questions.
type elicitor struct {
	asked    atomic.Int32
	question atomic.Value // string
	answer   func(ctx context.Context) (*sdk.ElicitResult, error)
}

func (e *elicitor) options() *sdk.ClientOptions {
	return &sdk.ClientOptions{ElicitationHandler: func(ctx context.Context, req *sdk.ElicitRequest) (*sdk.ElicitResult, error) {
		e.asked.Add(1)
		e.question.Store(req.Params.Message)
		return e.answer(ctx)
	}}
}

func accept(content map[string]any) func(context.Context) (*sdk.ElicitResult, error) {
	return func(context.Context) (*sdk.ElicitResult, error) {
		return &sdk.ElicitResult{Action: "accept", Content: content}, nil
	}
}

// callEcho calls echo-echo with message and returns the result's text and
// whether it is a tool error.
func callEcho(t *testing.T, s *sdk.ClientSession, message string) (string, bool) {
	t.Helper()
	res, err := s.CallTool(context.Background(), &sdk.CallToolParams{Name: "echo-echo", Arguments: map[string]any{"message": message}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Content[len(res.Content)-1].(*sdk.TextContent).Text, res.IsError
}

// approvalEntries returns the mcp.call.* and echo invoke entries of the
// audit log, oldest first, as "action" strings.
func approvalEntries(t *testing.T, f *fixture) []audit.Entry {
	t.Helper()
	page, err := f.rt.Audit().List(context.Background(), audit.Filter{Plugin: "echo", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return page.Entries
}

// waitForAudit waits until the audit log holds an entry with action and
// session, and returns it.
func waitForAudit(t *testing.T, f *fixture, action, session string) audit.Entry {
	t.Helper()
	var got audit.Entry
	checkFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		for _, e := range approvalEntries(t, f) {
			if e.Action == action && e.MCPSession == session {
				got = e
				return nil
			}
		}
		return fmt.Errorf("%w: no %s entry for session %s", errNotYet, action, session)
	})
	return got
}

// invoked reports whether echo ran in session.
func invoked(t *testing.T, f *fixture, session string) bool {
	t.Helper()
	for _, e := range approvalEntries(t, f) {
		if e.Kind == audit.KindInvoke && e.Action == "echo" && e.MCPSession == session {
			return true
		}
	}
	return false
}

// TestWriteCallsAskTheUser: under the default policy a write tool runs only
// once the user checked "approve" in the elicitation form; the question
// names the action, its effect and the arguments; the decision is audited.
func TestWriteCallsAskTheUser(t *testing.T) {
	for _, effect := range []string{"write", "destructive"} {
		t.Run(effect, func(t *testing.T) {
			f := newFixture(t, echoWith(effect))
			e := &elicitor{answer: accept(map[string]any{"approve": true})}
			s := f.connect(f.mcpToken(), e.options())
			text, isErr := callEcho(t, s, "ship it")
			if isErr || text != `{"message":"ship it"}` {
				t.Fatalf("call = %q, error %v", text, isErr)
			}
			q, _ := e.question.Load().(string)
			if e.asked.Load() != 1 || !strings.Contains(q, "echo.echo") || !strings.Contains(q, "effect: "+effect) || !strings.Contains(q, `"ship it"`) {
				t.Errorf("asked %d times: %q", e.asked.Load(), q)
			}
			entry := waitForAudit(t, f, "mcp.call.approve", s.ID())
			if entry.Kind != audit.KindAdmin || entry.InputSHA256 == "" || entry.ClientID == "" {
				t.Errorf("audit entry = %+v", entry)
			}
			waitForAudit(t, f, "echo", s.ID())
		})
	}
}

// TestUnapprovedCallsDoNotRun: every answer but an accepted form with
// approve=true, including a timeout, refuses the call before it reaches the
// plugin, and the refusal is audited.
func TestUnapprovedCallsDoNotRun(t *testing.T) {
	f := newFixtureMCP(t, nil, func(c *mcp.Config) { c.ApprovalTimeout = 300 * time.Millisecond }, echoWith("write"))
	answers := map[string]func(context.Context) (*sdk.ElicitResult, error){
		"decline":           func(context.Context) (*sdk.ElicitResult, error) { return &sdk.ElicitResult{Action: "decline"}, nil },
		"cancel":            func(context.Context) (*sdk.ElicitResult, error) { return &sdk.ElicitResult{Action: "cancel"}, nil },
		"accept false":      accept(map[string]any{"approve": false}),
		"accept empty":      accept(nil),
		"accept wrong":      accept(map[string]any{"approve": "yes"}),
		"client error":      func(context.Context) (*sdk.ElicitResult, error) { return nil, errors.New("no") },
		"no answer in time": func(ctx context.Context) (*sdk.ElicitResult, error) { <-ctx.Done(); return nil, ctx.Err() },
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			e := &elicitor{answer: answer}
			s := f.connect(f.mcpToken(), e.options())
			text, isErr := callEcho(t, s, "ship it")
			if !isErr || !strings.HasPrefix(text, "approval-required: ") || strings.Contains(text, "ship it") {
				t.Fatalf("call = %q, error %v; want an approval-required tool error", text, isErr)
			}
			waitForAudit(t, f, "mcp.call.reject", s.ID())
			if invoked(t, f, s.ID()) {
				t.Error("the plugin ran without approval")
			}
		})
	}
}

// TestInvalidCallsAreNotAskedAbout: arguments the action's schema refuses
// are a tool error at once; the user is not asked about a call that could
// not run.
func TestInvalidCallsAreNotAskedAbout(t *testing.T) {
	f := newFixture(t, echoWith("write"))
	e := &elicitor{answer: accept(map[string]any{"approve": true})}
	s := f.connect(f.mcpToken(), e.options())
	res, err := s.CallTool(context.Background(), &sdk.CallToolParams{Name: "echo-echo", Arguments: map[string]any{"nope": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.HasPrefix(res.Content[0].(*sdk.TextContent).Text, "invalid-input") || e.asked.Load() != 0 {
		t.Fatalf("result = %+v, asked %d times", res.Content[0], e.asked.Load())
	}
}

// TestNoElicitationSaysWhereToApprove: a client that cannot be asked gets a
// tool error that says where a call can be approved, and nothing runs.
func TestNoElicitationSaysWhereToApprove(t *testing.T) {
	f := newFixture(t, echoWith("destructive"))
	s := f.connect(f.mcpToken(), nil)
	text, isErr := callEcho(t, s, "drop it")
	if !isErr || !strings.Contains(text, "elicitation") || !strings.Contains(text, "/v1/runs/{id}/approvals/{call_id}") || !strings.Contains(text, mcp.ScopeUnattended) {
		t.Fatalf("call = %q, error %v", text, isErr)
	}
	waitForAudit(t, f, "mcp.call.reject", s.ID())
	if invoked(t, f, s.ID()) {
		t.Error("the plugin ran without approval")
	}
}

// TestUnattendedScopeSkipsTheQuestion: a token an admin granted
// mcp:unattended runs write tools without asking, audited as auto-approved.
func TestUnattendedScopeSkipsTheQuestion(t *testing.T) {
	f := newFixture(t, echoWith("write"))
	e := &elicitor{answer: accept(map[string]any{"approve": false})}
	s := f.connect(f.token(f.url, "echo:call", mcp.ScopeUnattended), e.options())
	if text, isErr := callEcho(t, s, "nightly"); isErr {
		t.Fatalf("call = %q", text)
	}
	if e.asked.Load() != 0 {
		t.Error("the user was asked")
	}
	waitForAudit(t, f, "mcp.call.auto_approve", s.ID())
}

// TestApprovalPolicies: none asks nothing, all asks even for read tools,
// writes leaves read tools alone; an unknown policy is refused at start.
func TestApprovalPolicies(t *testing.T) {
	cases := []struct {
		policy, effect string
		asked          int32
	}{
		{mcp.ApproveNone, "destructive", 0},
		{mcp.ApproveAll, "read", 1},
		{mcp.ApproveWrites, "read", 0},
		{"", "write", 1},
	}
	for _, c := range cases {
		t.Run(c.policy+"/"+c.effect, func(t *testing.T) {
			f := newFixtureMCP(t, nil, func(mc *mcp.Config) { mc.Approval = c.policy }, echoWith(c.effect))
			e := &elicitor{answer: accept(map[string]any{"approve": true})}
			s := f.connect(f.mcpToken(), e.options())
			if text, isErr := callEcho(t, s, "x"); isErr {
				t.Fatalf("call = %q", text)
			}
			if e.asked.Load() != c.asked {
				t.Errorf("asked %d times, want %d", e.asked.Load(), c.asked)
			}
		})
	}
	for _, bad := range []string{"None", "write", "yes", " all"} {
		if _, err := mcp.ParseApproval(bad); !errors.Is(err, mcp.ErrApprovalPolicy) {
			t.Errorf("ParseApproval(%q) = %v", bad, err)
		}
	}
}

// TestApprovalQuestionIsBounded: a model's huge arguments with control
// characters reach the user as escaped JSON cut to a few KiB, and the
// approval still binds the whole call.
func TestApprovalQuestionIsBounded(t *testing.T) {
	f := newFixture(t, echoWith("write"))
	e := &elicitor{answer: accept(map[string]any{"approve": true})}
	s := f.connect(f.mcpToken(), e.options())
	msg := "\x1b[2J\u0007approve me" + strings.Repeat("y", 20000)
	text, isErr := callEcho(t, s, msg)
	if isErr || !strings.Contains(text, strings.Repeat("y", 20000)) {
		t.Fatalf("call failed: %.200q", text)
	}
	q, _ := e.question.Load().(string)
	if len(q) > 3000 || !strings.Contains(q, "cut;") || strings.ContainsAny(q, "\x1b\x07") {
		t.Fatalf("question (%d bytes) = %.300q", len(q), q)
	}
}
