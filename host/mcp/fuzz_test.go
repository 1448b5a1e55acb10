package mcp

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/auth"
)

// FuzzMissingScopes feeds arbitrary bodies to the pre-SDK gate: it never
// panics, and asks for scopes only for a tools/call of a known tool.
func FuzzMissingScopes(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo-echo"}}`,
		`[{"method":"tools/call"}]`, `{"method":1}`, `{"params":null}`, ``, `  [`, "\x00",
	} {
		f.Add([]byte(seed))
	}
	s := &Server{tools: map[string]tool{"echo-echo": {plugin: "echo", action: "echo", scopes: []string{"echo:call"}}}}
	req, _ := http.NewRequest(http.MethodPost, "/mcp", nil)
	req = req.WithContext(auth.WithPrincipal(req.Context(), host.Principal{ClientID: "c", Scopes: []string{"other"}}))
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = isBatch(body)
		missing := s.missingScopes(req, body)
		if len(missing) == 0 {
			return
		}
		var msg struct {
			Method string `json:"method"`
			Params struct {
				Name string `json:"name"`
			} `json:"params"`
		}
		if json.Unmarshal(body, &msg) != nil || msg.Method != "tools/call" || msg.Params.Name != "echo-echo" {
			t.Fatalf("scopes %v asked for %q", missing, body)
		}
	})
}
