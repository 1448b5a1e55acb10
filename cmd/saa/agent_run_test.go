package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-agent/saa/host/llm/llmtest"
)

// TestAgentRunInProcess runs the example agents in-process from the CLI:
// the tools run on the local data dir, the model is the scripted fake.
func TestAgentRunInProcess(t *testing.T) {
	fake := llmtest.New(t)
	fake.Respond = triageScript
	api := newIssueAPI(t)
	t.Setenv("SAA_DATA_DIR", t.TempDir())
	t.Setenv("SAA_PLUGINS_DIR", agentPlugins(t, api.URL))
	t.Setenv("SAA_AGENTS_DIR", filepath.Join(filepath.Dir(e2eManifests(t)), "manifests", "agents"))
	t.Setenv("SAA_LLM_BASE_URL", fake.BaseURL())
	t.Setenv("SAA_LLM_API_KEY", "")
	t.Setenv("SAA_EGRESS_ALLOW_CIDRS", "127.0.0.1/32")
	t.Setenv("SAA_PLUGIN_CONFIG", `{"github":{"base_url":"`+api.URL+`"}}`)

	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"agent", "run", "triage", "--input", "Local issue", "--approve", "none"}, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "needs a human's approval") || api.count("Local issue") != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	if len(fake.Requests()) != 4 {
		t.Fatalf("%d model calls, want 4 (handoff, analysis, proposal, answer)", len(fake.Requests()))
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"agent"}, "usage"},
		{[]string{"agent", "run", "ghost", "--input", "x"}, `no agent "ghost"`},
		{[]string{"agent", "run", "triage"}, "empty --input"},
	} {
		errOut.Reset()
		if code := run(t.Context(), c.args, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errOut.String(), c.want)
		}
	}
}
