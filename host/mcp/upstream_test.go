package mcp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/plugintest"
)

// TestTokenNeverPassedUpstream: a tool that makes an outbound request
// (http_fetch) sends none of the caller's credentials: the upstream sees no
// Authorization header and nothing of the token anywhere.
func TestTokenNeverPassedUpstream(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		var b strings.Builder
		r.Header.Write(&b)
		seen = append(seen, r.URL.String()+"\n"+b.String())
		w.Write([]byte("hello"))
	}))
	t.Cleanup(upstream.Close)
	fetch := plugintest.FirstParty("http_fetch")
	fetch.Replace = map[string]string{"https://example.com": upstream.URL}
	f := newFixtureWith(t, func(c *host.Config) {
		c.EgressAllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	}, fetch)
	tok := f.token(f.url, "http_fetch:fetch")
	s := f.connect(tok, nil)
	res, err := s.CallTool(context.Background(), &sdk.CallToolParams{Name: "http_fetch-get", Arguments: map[string]any{"url": upstream.URL + "/page"}})
	if err != nil || res.IsError {
		t.Fatalf("call: %v %+v", err, res)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 {
		t.Fatalf("upstream saw %d requests", len(seen))
	}
	sig := tok[strings.LastIndex(tok, ".")+1:]
	if strings.Contains(seen[0], "Authorization") || strings.Contains(seen[0], sig) || strings.Contains(seen[0], "Mcp-Session-Id") {
		t.Fatalf("the upstream saw the caller's credentials:\n%s", seen[0])
	}
}
