package agentstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/llm/llmtest"
	"github.com/secure-agent/saa/host/rag"
)

// The fact a large output hides in one of its paragraphs.
const (
	needle       = "The vault access code for the Lisbon office is sapphire-heron-7319."
	otherNeedle  = "The payroll export password is copper-falcon-2044."
	readerScopes = "agents:reader"
)

// largeMessage returns echo's input for a message over the agents' context
// allowance, with fact in one of its paragraphs.
func largeMessage(fact string) string {
	var b strings.Builder
	for i := 0; b.Len() < 90<<10; i++ {
		if i == 137 {
			b.WriteString(fact + "\n\n")
		}
		fmt.Fprintf(&b, "Ticket %d: the printer on floor %d jams when duplex printing is enabled; a technician replaced roller %d and closed the ticket.\n\n", i, i%9, i%31)
	}
	in, _ := json.Marshal(map[string]string{"message": b.String()})
	return string(in)
}

// lastTool returns the content of the last tool message of req.
func lastTool(req llmtest.Request) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == "tool" {
			return req.Messages[i].Content
		}
	}
	return ""
}

func testRAG(t *testing.T, env Env) {
	t.Run("a large output becomes a handle the run searches", func(t *testing.T) { testRAGSearch(t, env) })
	t.Run("a handle that is not the run's reads as not found", func(t *testing.T) { testRAGHostile(t, env) })
}

func testRAGSearch(t *testing.T, env Env) {
	s := env.setup(t, []llmtest.Turn{calls(call("c1", "echo-echo", largeMessage(needle)))}, readerScopes, "echo:call")
	step := 0
	s.fake.Respond = func(req llmtest.Request) llmtest.Turn {
		step++
		if step == 1 {
			h, ok := rag.HandleOf([]byte(lastTool(req)))
			if !ok {
				return answer("no handle")
			}
			return calls(call("c2", rag.ToolSearch, `{"handle":"`+h+`","query":"vault access code Lisbon office","k":3}`))
		}
		var res struct {
			Hits []rag.Hit `json:"hits"`
		}
		if json.Unmarshal([]byte(lastTool(req)), &res) != nil || len(res.Hits) == 0 {
			return answer("no hits")
		}
		return answer("found: " + res.Hits[0].Text)
	}
	res := s.run("reader", "what is the vault access code?", nil)
	if res.Status != agents.StatusSucceeded || !strings.Contains(res.Output, "sapphire-heron-7319") {
		t.Fatalf("result = %+v", res)
	}
	reqs := s.fake.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d model calls, want 3", len(reqs))
	}
	if slices.Contains(reqs[0].Tools, rag.ToolSearch) || !slices.Contains(reqs[1].Tools, rag.ToolSearch) || !slices.Contains(reqs[1].Tools, rag.ToolExpand) {
		t.Fatalf("tools offered: before the handle %v, after %v", reqs[0].Tools, reqs[1].Tools)
	}
	env1 := lastTool(reqs[1])
	if len(env1) > 8<<10 || strings.Contains(env1, "sapphire") || strings.Contains(env1, "output truncated") {
		t.Fatalf("the model got %d bytes instead of the envelope: %.300s", len(env1), env1)
	}
	if st := stepStatuses(res, "tool"); !slices.Equal(st, []string{"ok", "ok"}) {
		t.Fatalf("tool steps = %v", st)
	}
}

func testRAGHostile(t *testing.T, env Env) {
	ctx := context.Background()
	// Another principal's handle, holding its own secret.
	inv2, p2 := env.Invoker(t, "echo:call")
	out, err := inv2.Invoke(host.WithReturnHandle(ctx), p2, "echo", "echo", []byte(largeMessage(otherNeedle)))
	other, ok := rag.HandleOf(out)
	if err != nil || !ok {
		t.Fatalf("other principal's handle: %.200s, %v", out, err)
	}
	if hits, err := inv2.Search(ctx, p2, other, rag.SearchOptions{Query: "payroll export password"}); err != nil || len(hits) == 0 || !strings.Contains(hits[0].Text, "copper-falcon") {
		t.Fatalf("the owner's search = %v, %v", hits, err)
	}

	made := "rag_" + strings.Repeat("a", 26)
	s := env.setup(t, []llmtest.Turn{
		calls(call("c0", rag.ToolSearch, `{"handle":"`+other+`","query":"payroll"}`)), // before any handle: not offered
		calls(call("c1", "echo-echo", largeMessage(needle))),
		calls(
			call("c2", rag.ToolSearch, `{"handle":"`+other+`","query":"payroll export password"}`),
			call("c3", rag.ToolExpand, `{"handle":"`+other+`","id":0,"neighbours":5}`),
			call("c4", rag.ToolSearch, `{"handle":"`+made+`","query":"payroll"}`),
			call("c5", rag.ToolExpand, `{"handle":"../../rag/`+other+`","id":0}`),
			call("c6", rag.ToolSearch, `{"handle":"`+other+`","query":"x","extra":1}`),
		),
		answer("done"),
	}, readerScopes, "echo:call")
	inv1, p1 := s.runner.Invoker, s.p
	res := s.run("reader", "find the payroll password", nil)
	if res.Status != agents.StatusSucceeded {
		t.Fatalf("result = %+v", res)
	}
	if first := toolMessages(s, 1); !strings.Contains(first, "no tool") {
		t.Fatalf("a rag tool before any handle: %q", first)
	}
	var got []string
	for _, m := range s.fake.Requests()[3].Messages {
		if m.Role == "tool" {
			got = append(got, m.Content)
		}
	}
	if len(got) != 7 {
		t.Fatalf("%d tool results, want 7", len(got))
	}
	for i, m := range got[2:] {
		if !strings.HasPrefix(m, "error:") || strings.Contains(m, "copper-falcon") || strings.Contains(m, "payroll") {
			t.Errorf("hostile call %d got %q", i+2, m)
		}
	}
	for _, i := range []int{2, 3, 4, 5} {
		if got[i] != got[2] {
			t.Errorf("call %d reads %q, call 2 %q: not found must read the same for every handle", i+2, got[i], got[2])
		}
	}
	// The Invoker itself refuses the other principal's handle, whatever
	// the loop lets through.
	if _, err := inv1.Search(ctx, p1, other, rag.SearchOptions{Query: "payroll export password"}); !errors.Is(err, host.ErrHandleNotFound) {
		t.Fatalf("search of another principal's handle: %v", err)
	}
	if _, err := inv1.Chunks(ctx, p1, other, 0, 5); !errors.Is(err, host.ErrHandleNotFound) {
		t.Fatalf("expand of another principal's handle: %v", err)
	}
}
