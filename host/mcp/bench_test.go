package mcp_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host/httpapi"
)

// BenchmarkEchoMCPBesideREST calls echo over MCP (the Go SDK client, one
// session) and over REST (POST /v1/actions/echo/echo) on the same server,
// benchWorkers calls in flight, and reports both rates and their ratio.
// Target: mcp/rest >= 0.8.
func BenchmarkEchoMCPBesideREST(b *testing.B) {
	f := newFixture(b)
	srv, err := httpapi.New(httpapi.Config{Runtime: f.rt, Auth: f.auth, PublicURL: f.http.URL,
		Logger: slog.New(slog.DiscardHandler), MCP: f.mcp})
	if err != nil {
		b.Fatal(err)
	}
	f.http.Config.Handler = srv
	restToken := f.token("", "echo:call")
	s := f.connect(f.mcpToken(), nil)
	ctx := context.Background()
	args := map[string]any{"message": strings.Repeat("x", 100)}
	body := `{"message":"` + strings.Repeat("x", 100) + `"}`
	client := &http.Client{}

	rest := func() {
		req, _ := http.NewRequest(http.MethodPost, f.http.URL+"/v1/actions/echo/echo", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+restToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Errorf("REST: %d", resp.StatusCode)
		}
	}
	viaMCP := func() {
		res, err := s.CallTool(ctx, &sdk.CallToolParams{Name: "echo-echo", Arguments: args})
		if err != nil || res.IsError {
			b.Errorf("MCP: %v %+v", err, res)
		}
	}
	rest()
	viaMCP()
	b.ResetTimer()
	restTime := parallel(b.N, rest)
	mcpTime := parallel(b.N, viaMCP)
	restRate := float64(b.N) / restTime.Seconds()
	mcpRate := float64(b.N) / mcpTime.Seconds()
	b.ReportMetric(restRate, "rest-calls/s")
	b.ReportMetric(mcpRate, "mcp-calls/s")
	b.ReportMetric(mcpRate/restRate, "mcp/rest")
}

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
