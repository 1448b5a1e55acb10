package mcp

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/auth"
	"github.com/secure-agent/saa/host/rag"
	"github.com/secure-agent/saa/semantic"
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

// FuzzParseOwnURI feeds arbitrary URIs to the saa:// parser: it never
// panics, refuses with ErrResourceURI, and what it accepts keeps the REST
// routes' bounds.
func FuzzParseOwnURI(f *testing.F) {
	for _, seed := range []string{
		"saa://semantic/datasets/tickets", "saa://semantic/context?q=how+many&budget=500",
		"saa://rag/rag_aaaaaaaaaaaaaaaaaaaaaaaaaa", "saa://rag/rag_aaaaaaaaaaaaaaaaaaaaaaaaaa/search?q=x&k=3&contains=y",
		"saa://rag/rag_aaaaaaaaaaaaaaaaaaaaaaaaaa/chunks/2?neighbours=1", "saa://rag/../x", "saa:x", "SAA://semantic/context?q=%00",
		"saa://semantic/datasets/a?b=1&b=2", "saa://u@rag/x", "saa://semantic:1/context", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		r, err := parseOwnURI(uri)
		if err != nil {
			if !errors.Is(err, ErrResourceURI) {
				t.Fatalf("%q: error %v is not ErrResourceURI", uri, err)
			}
			return
		}
		switch r.kind {
		case refDataset:
			if r.name == "" {
				t.Fatalf("%q: empty dataset name", uri)
			}
		case refContext:
			if r.query == "" || len(r.query) > maxQuestion || (r.budget != 0 && (r.budget < semantic.MinBudget || r.budget > semantic.MaxBudget)) {
				t.Fatalf("%q: accepted %+v", uri, r)
			}
		case refHandle, refSearch, refChunks:
			if !rag.ValidHandle(r.handle) || r.k < 0 || r.id < 0 || r.nbours < 0 || len(r.query) > maxQuestion {
				t.Fatalf("%q: accepted %+v", uri, r)
			}
		default:
			t.Fatalf("%q: accepted kind %q", uri, r.kind)
		}
		if !isOwnURI(uri) {
			t.Fatalf("%q parsed but is not an own URI", uri)
		}
	})
}
