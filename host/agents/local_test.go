package agents_test

import (
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/agents/agentstest"
)

// TestSuiteInProcess runs the conformance suite on the in-process runtime.
func TestSuiteInProcess(t *testing.T) {
	gh := agentstest.NewGitHub(t)
	rt := agentstest.Runtime(t, gh)
	var n atomic.Int64
	agentstest.Suite(t, agentstest.Env{
		GitHub: gh,
		Invoker: func(t *testing.T, scopes ...string) (agents.Invoker, host.Principal) {
			// Each one is its own principal, as over REST each is its own client.
			id := "agent-" + strconv.FormatInt(n.Add(1), 10)
			return rt, host.Principal{ClientID: id, Subject: id, Scopes: scopes}
		},
	})
}
