package host_test

import (
	"context"
	"fmt"
	"os"

	"github.com/secure-agent/saa/host"
)

// A local Go agent imports host and runs actions in-process, with the same
// checks as over HTTP. (It uses the repository's plugins: `make build`
// builds them.)
func ExampleRuntime_Invoke() {
	ctx := context.Background()
	data, _ := os.MkdirTemp("", "saa-example-")
	defer os.RemoveAll(data)

	cfg := host.DefaultConfig()
	cfg.DataDir, cfg.PluginsDir = data, "../manifests"
	rt, err := host.New(ctx, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rt.Close(ctx)

	agent := host.Principal{ClientID: "my-agent", Subject: "my-agent", Scopes: []string{"echo:call"}}
	out, err := rt.Invoke(ctx, agent, "echo", "echo", []byte(`{"message":"hi"}`))
	fmt.Println(string(out), err)

	_, err = rt.Invoke(ctx, agent, "github", "create_issue", []byte(`{"owner":"o","repo":"r","title":"t"}`))
	fmt.Println(err)
	// Output:
	// {"message":"hi"} <nil>
	// insufficient scope: requires github:issues.write
}

// A sub-agent gets the part of its parent's authority it needs, never more:
// the scopes both name, and one more link in the delegation chain, which
// every audit entry of its calls records.
func ExamplePrincipal_Narrow() {
	parent := host.Principal{ClientID: "triage-bot", Subject: "alice", Scopes: []string{"tickets:analyze", "github:issues.write"}}
	sub, err := parent.Narrow("agent:analyst", []string{"tickets:analyze", "admin"})
	fmt.Println(sub.Scopes, sub.Actors, sub.Subject, err)
	_, err = parent.Narrow("agent:analyst", []string{"admin"})
	fmt.Println(err)
	// Output:
	// [tickets:analyze] [triage-bot agent:analyst] alice <nil>
	// delegation refused: no scope asked for is held by the delegating principal
}
