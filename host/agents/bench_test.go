package agents_test

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/agents/agentstest"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/llm/llmtest"
)

// benchCalls is how many tool calls one run makes.
const benchCalls = 5

// echoScript calls echo-echo until benchCalls results are in, then answers.
func echoScript(r llmtest.Request) llmtest.Turn {
	n := 0
	for _, m := range r.Messages {
		if m.Role == "tool" {
			n++
		}
	}
	if n >= benchCalls {
		return llmtest.Turn{Content: "done"}
	}
	return llmtest.Turn{ToolCalls: []llm.ToolCall{{ID: fmt.Sprint("c", n), Name: "echo-echo", Arguments: `{"message":"hello"}`}}}
}

// BenchmarkAgentOverhead runs the same conversation twice per iteration:
// as a direct sequence of model calls and plugin calls (the baseline), and
// as an agent run; it reports both and the ratio. Both talk to the same fake
// model over loopback HTTP through the egress guard, and run the same
// plugin, so the difference is the loop: tool listing, argument checks,
// journaling, step records.
func BenchmarkAgentOverhead(b *testing.B) {
	gh := agentstest.NewGitHub(b)
	rt := agentstest.Runtime(b, gh)
	fake := llmtest.New(b)
	fake.Respond = echoScript
	models := agentstest.Model(b, fake)
	model, _ := models("default")
	p := host.Principal{ClientID: "bench", Subject: "bench", Scopes: []string{"agents:tight", "echo:call"}}
	set := agentstest.Agents(b)
	set["tight"].Limits.MaxTurns, set["tight"].Limits.MaxToolCalls, set["tight"].Limits.MaxTokens = 100, 100, 1<<30
	set["tight"].Limits.Timeout = time.Minute
	runner := &agents.Runner{Agents: set, Models: models, Invoker: rt}
	ctx := context.Background()
	acts, _ := rt.Actions(ctx, p)
	var tools []llm.Tool // what the agent offers, so both send the same requests
	for _, a := range acts {
		tools = append(tools, llm.Tool{Name: a.Plugin + "-" + a.Name, Description: a.Description, Parameters: a.Input})
	}

	direct := func() {
		msgs := []llm.Message{{Role: llm.RoleSystem, Content: set["tight"].Instructions}, {Role: llm.RoleUser, Content: "loop"}}
		for {
			resp, err := model.Chat(ctx, llm.Request{Model: "m", Messages: msgs, Tools: tools})
			if err != nil {
				b.Fatal(err)
			}
			msgs = append(msgs, resp.Message)
			if len(resp.Message.ToolCalls) == 0 {
				return
			}
			for _, c := range resp.Message.ToolCalls {
				out, err := rt.Invoke(ctx, p, "echo", "echo", []byte(c.Arguments))
				if err != nil {
					b.Fatal(err)
				}
				msgs = append(msgs, llm.Message{Role: llm.RoleTool, ToolCallID: c.ID, Content: string(out)})
			}
		}
	}
	agent := func() {
		res := runner.Run(ctx, agents.Request{Agent: "tight", Input: "loop", Principal: p})
		if res.Status != agents.StatusSucceeded || !strings.Contains(res.Output, "done") {
			b.Fatalf("run = %+v", res)
		}
	}
	direct()
	agent()
	// Wall time on a shared machine swings with its load; the process's
	// CPU time (the fake model's included, the same work for both) is
	// steadier, and is reported beside it.
	var tDirect, tAgent, cDirect, cAgent time.Duration
	b.ResetTimer()
	timed := func(f func(), wall, cpu *time.Duration) {
		t0, c0 := time.Now(), processCPU()
		f()
		*wall += time.Since(t0)
		*cpu += processCPU() - c0
	}
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 { // alternate the order, so neither always runs on a warmer machine
			timed(direct, &tDirect, &cDirect)
			timed(agent, &tAgent, &cAgent)
		} else {
			timed(agent, &tAgent, &cAgent)
			timed(direct, &tDirect, &cDirect)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(tDirect.Nanoseconds())/n, "ns/direct-run")
	b.ReportMetric(float64(tAgent.Nanoseconds())/n, "ns/agent-run")
	b.ReportMetric(float64(tAgent)/float64(tDirect), "agent/direct")
	b.ReportMetric(float64(cDirect.Nanoseconds())/n, "cpu-ns/direct-run")
	b.ReportMetric(float64(cAgent.Nanoseconds())/n, "cpu-ns/agent-run")
	b.ReportMetric(float64(cAgent)/float64(cDirect), "cpu-agent/direct")
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
