package manifests_test

import (
	"fmt"
	"net/url"

	"github.com/secure-agent/saa/manifests"
)

func ExampleParse() {
	m, err := manifests.Parse([]byte(`
name: echo
version: 1.0.0
publisher: saa
wasm:
  path: ../plugins/echo/echo.wasm
  sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
limits: { memory: 64MiB, timeout: 5s }
egress: [https://api.example.com/v1]
actions:
  - name: echo
    description: Return the input.
    scopes: [call]
    effect: read
    input: { type: object, properties: { message: { type: string } }, required: [message] }
    output: { type: object }
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	a, _ := m.Action("echo")
	fmt.Println(m.Name, m.Version, m.Limits.MemoryBytes, m.Limits.Timeout)
	fmt.Println(m.NamespacedScopes(a))
	u, _ := url.Parse("https://api.example.com/v1/echo")
	fmt.Println(manifests.AllowsAny(m.EgressRules(), u))

	_, err = manifests.Parse([]byte(`{"name": "Echo"}`))
	fmt.Println(err)
	// Output:
	// echo 1.0.0 67108864 5s
	// [echo:call]
	// true
	// manifest: actions: is required
}
