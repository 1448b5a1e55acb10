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
