package mcp_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host/httpapi"
)

// BenchmarkEchoMCPBesideREST calls echo over MCP (the Go SDK client, one
// session) and over REST (POST /v1/actions/echo/echo) on the same server,
// one call at a time, and reports both rates and their ratio. Target:
// mcp/rest >= 0.8.
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
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("REST: %d", resp.StatusCode)
		}
	}
	viaMCP := func() {
		res, err := s.CallTool(ctx, &sdk.CallToolParams{Name: "echo-echo", Arguments: args})
		if err != nil || res.IsError {
			b.Fatalf("MCP: %v %+v", err, res)
		}
	}
	rest()
	viaMCP()
	b.ResetTimer()
	var restTime, mcpTime time.Duration
	for range b.N {
		t0 := time.Now()
		rest()
		t1 := time.Now()
		viaMCP()
		restTime += t1.Sub(t0)
		mcpTime += time.Since(t1)
	}
	restRate := float64(b.N) / restTime.Seconds()
	mcpRate := float64(b.N) / mcpTime.Seconds()
	b.ReportMetric(restRate, "rest-calls/s")
	b.ReportMetric(mcpRate, "mcp-calls/s")
	b.ReportMetric(mcpRate/restRate, "mcp/rest")
}
