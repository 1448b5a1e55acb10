package agents_test

import (
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/agents/agentstest"
)

// TestSuiteInProcess runs the conformance suite on the in-process runtime.
func TestSuiteInProcess(t *testing.T) {
	gh := agentstest.NewGitHub(t)
	rt := agentstest.Runtime(t, gh)
	agentstest.Suite(t, agentstest.Env{
		GitHub: gh,
		Invoker: func(t *testing.T, scopes ...string) (agents.Invoker, host.Principal) {
			return rt, host.Principal{ClientID: "agent", Subject: "agent", Scopes: scopes}
		},
	})
}
