package mcp_test

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
)

// TestHostileRequests: what a hostile client sends to /mcp is refused with a
// clear answer, and the server keeps serving.
func TestHostileRequests(t *testing.T) {
	f := newFixture(t)
	tok := f.mcpToken()
	sid := f.initialize(tok)
	other := f.token(f.url, "echo:call") // another client, same scopes
	guess := make([]byte, 16)
	rand.Read(guess)
	huge := `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"echo-echo","arguments":{"message":"` +
		strings.Repeat("a", 9<<20) + `"}}}`
	batch := "[" + strings.Repeat(`{"jsonrpc":"2.0","id":1,"method":"ping"},`, 1000) + `{"jsonrpc":"2.0","id":2,"method":"ping"}]`

	tests := []struct {
		name, token, body string
		headers           []string
		status            int
		contains          string
	}{
		{"huge message", tok, huge, []string{"Mcp-Session-Id", sid}, 413, "exceeds"},
		{"malformed JSON", tok, `{"jsonrpc":"2.0","id":`, []string{"Mcp-Session-Id", sid}, 400, ""},
		{"not JSON-RPC", tok, `{"hello":"world"}`, []string{"Mcp-Session-Id", sid}, 400, ""},
		{"batch", tok, batch, []string{"Mcp-Session-Id", sid}, 400, "batches"},
		{"unknown method", tok, `{"jsonrpc":"2.0","id":3,"method":"saa/secrets","params":{}}`, []string{"Mcp-Session-Id", sid}, 400, "unsupported"},
		{"guessed session id", tok, `{"jsonrpc":"2.0","id":4,"method":"tools/list"}`, []string{"Mcp-Session-Id", hex.EncodeToString(guess)}, 404, ""},
		{"another principal's session", other, `{"jsonrpc":"2.0","id":5,"method":"tools/list"}`, []string{"Mcp-Session-Id", sid}, 403, "mismatch"},
		{"session id chosen by the client", tok, initBody, []string{"Mcp-Session-Id", "attacker-chosen"}, 404, ""},
		{"DNS rebinding Host", tok, initBody, []string{"Host", "evil.example.com"}, 403, "Host"},
		{"foreign Origin", tok, initBody, []string{"Origin", "http://evil.example.com"}, 403, "cross-origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.post(tt.token, tt.body, tt.headers...)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.contains) {
				t.Fatalf("%d %.300s", resp.StatusCode, body)
			}
		})
	}
	// Still serving the session it had.
	resp, body := f.post(tok, `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo-echo","arguments":{"message":"ok"}}}`, "Mcp-Session-Id", sid)
	if resp.StatusCode != 200 || !strings.Contains(body, `\"message\":\"ok\"`) {
		t.Fatalf("after the hostile requests: %d %s", resp.StatusCode, body)
	}
}
