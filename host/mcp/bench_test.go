package mcp_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host/httpapi"
)

// BenchmarkEchoMCPBesideREST calls echo over REST (POST
// /v1/actions/echo/echo), over MCP with the Go SDK's client (one session)
// and over MCP with a bare HTTP client speaking JSON-RPC on one session (the
// server's own cost, without the SDK client's), all on the same server,
// benchWorkers calls in flight. The three alternate in rounds of
// benchRound calls, so that a change in the machine's load hits each
// alike. It reports each rate and the ratios to REST. Target: mcp/rest >=
// 0.8.
func BenchmarkEchoMCPBesideREST(b *testing.B) {
	f := newFixture(b)
	srv, err := httpapi.New(httpapi.Config{Runtime: f.rt, Auth: f.auth, PublicURL: f.http.URL,
		Logger: slog.New(slog.DiscardHandler), MCP: f.mcp})
	if err != nil {
		b.Fatal(err)
	}
	f.http.Config.Handler = srv
	restToken := f.token("", "echo:call")
	mcpToken := f.mcpToken()
	s := f.connect(mcpToken, nil)
	sid := f.initialize(mcpToken)
	ctx := context.Background()
	msg := strings.Repeat("x", 100)
	args := map[string]any{"message": msg}
	body := `{"message":"` + msg + `"}`
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchWorkers}}

	post := func(url, token, body string, headers ...string) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(out), msg) {
			b.Errorf("%s: %d %.200s", url, resp.StatusCode, out)
		}
	}
	rest := func() { post(f.http.URL+"/v1/actions/echo/echo", restToken, body) }
	var id atomic.Int64
	raw := func() {
		post(f.url, mcpToken, `{"jsonrpc":"2.0","id":`+strconv.FormatInt(id.Add(1), 10)+
			`,"method":"tools/call","params":{"name":"echo-echo","arguments":`+body+`}}`,
			"Accept", "application/json, text/event-stream", "Mcp-Session-Id", sid, "Mcp-Protocol-Version", "2025-06-18")
	}
	viaSDK := func() {
		res, err := s.CallTool(ctx, &sdk.CallToolParams{Name: "echo-echo", Arguments: args})
		if err != nil || res.IsError {
			b.Errorf("MCP: %v %+v", err, res)
		}
	}
	arms := []func(){rest, raw, viaSDK}
	for _, fn := range arms {
		fn()
	}
	b.ResetTimer()
	took := make([]time.Duration, len(arms))
	for done := 0; done < b.N; done += benchRound {
		n := min(benchRound, b.N-done)
		for i, fn := range arms {
			took[i] += parallel(n, fn)
		}
	}
	rate := func(d time.Duration) float64 { return float64(b.N) / d.Seconds() }
	b.ReportMetric(rate(took[0]), "rest-calls/s")
	b.ReportMetric(rate(took[1]), "mcp-raw-calls/s")
	b.ReportMetric(rate(took[2]), "mcp-calls/s")
	b.ReportMetric(rate(took[1])/rate(took[0]), "mcp-raw/rest")
	b.ReportMetric(rate(took[2])/rate(took[0]), "mcp/rest")
}

// benchRound is how many calls each arm makes before the next takes over.
const benchRound = 200

// benchWorkers is how many calls are in flight at once, as several agents
// (or one agent's parallel tool calls) would make them.
const benchWorkers = 8

// parallel makes n calls of fn from benchWorkers goroutines and returns how
// long they took.
func parallel(n int, fn func()) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range benchWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				fn()
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}
