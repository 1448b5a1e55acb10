package agents_test

import (
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/agents/agentstest"
)

// TestSuiteInProcess runs the conformance suite on the in-process runtime,
// with each provider.
func TestSuiteInProcess(t *testing.T) {
	gh := agentstest.NewGitHub(t)
	rt := agentstest.Runtime(t, gh)
	var n atomic.Int64
	for _, anthropic := range []bool{false, true} {
		t.Run(map[bool]string{false: "openai", true: "anthropic"}[anthropic], func(t *testing.T) {
			suite(t, rt, gh, &n, anthropic)
		})
	}
}

func suite(t *testing.T, rt *host.Runtime, gh *agentstest.GitHub, n *atomic.Int64, anthropic bool) {
	agentstest.Suite(t, agentstest.Env{
		GitHub: gh, Anthropic: anthropic,
		Invoker: func(t *testing.T, scopes ...string) (agents.Invoker, host.Principal) {
			// Each one is its own principal, as over REST each is its own client.
			id := "agent-" + strconv.FormatInt(n.Add(1), 10)
			return rt, host.Principal{ClientID: id, Subject: id, Scopes: scopes}
		},
	})
}
