package dbosengine_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/agents/dbosengine"
	"github.com/secure-agent/saa/host/egress"
	"github.com/secure-agent/saa/host/llm"
	"github.com/secure-agent/saa/host/llm/llmtest"
)

// benchRuns is how many runs the engine holds at once.
const benchRuns = 1000

// gatedModel is a fake model that holds every request until opened: runs
// wait on a slow model for as long as the benchmark needs.
type gatedModel struct {
	*llmtest.Server
	seen atomic.Int64
	mu   sync.Mutex
	gate chan struct{}
}

func newGatedModel(b *testing.B) *gatedModel {
	g := &gatedModel{Server: llmtest.New(b), gate: make(chan struct{})}
	g.Respond = func(llmtest.Request) llmtest.Turn {
		g.seen.Add(1)
		g.mu.Lock()
		gate := g.gate
		g.mu.Unlock()
		<-gate
		return llmtest.Turn{Content: "done"}
	}
	return g
}

func (g *gatedModel) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.gate:
	default:
		close(g.gate)
	}
}

// rssKiB reads the process's resident set (VmRSS) from /proc.
func rssKiB(b *testing.B) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status: RSS is measured on Linux only")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// peakRSS samples RSS every 5 ms until stop is closed and returns the
// highest sample.
func peakRSS(b *testing.B, stop <-chan struct{}) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		peak := rssKiB(b)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				out <- max(peak, rssKiB(b))
				return
			case <-t.C:
				peak = max(peak, rssKiB(b))
			}
		}
	}()
	return out
}

// BenchmarkThousandRuns holds 1,000 runs waiting on a slow model and
// reports the process's peak RSS while they wait (beside its RSS before),
// then stops the engine with all 1,000 pending, starts a new one on the
// same database and reports how fast DBOS's recovery resumes them to their
// end, beside 1,000 fresh runs started and finished on the same engine.
// Figures are reported, never asserted.
func BenchmarkThousandRuns(b *testing.B) {
	rt := emptyRuntime(b)
	def, err := agents.Parse("waiter.yaml", []byte("name: waiter\nmodel: {name: m}\ninstructions: wait\napproval: none\n"))
	if err != nil {
		b.Fatal(err)
	}
	p := host.Principal{ClientID: "bench", Subject: "bench", Scopes: []string{"agents:waiter"}}
	var before, peak int64
	var resumed, fresh time.Duration
	for b.Loop() {
		dir := b.TempDir()
		model := newGatedModel(b)
		engine := func() *dbosengine.Engine {
			e, err := dbosengine.New(context.Background(), dbosengine.Config{
				DataDir: dir,
				Runner:  &agents.Runner{Agents: agents.Set{"waiter": def}, Models: slowModel(b, model.Server), Invoker: rt},
				Logger:  slog.New(slog.DiscardHandler),
			})
			if err != nil {
				b.Fatal(err)
			}
			return e
		}
		e1 := engine()
		before = rssKiB(b)
		stop := make(chan struct{})
		peakCh := peakRSS(b, stop)
		ids := startMany(b, e1, p, benchRuns)
		waitUntil(b, func() bool { return model.seen.Load() >= benchRuns })
		close(stop)
		peak = <-peakCh
		e1.Shutdown(10 * time.Second) // all 1,000 stay pending
		model.open()                  // from now on the model answers at once

		t0 := time.Now()
		e2 := engine() // recovers the pending runs
		waitDone(b, e2, ids)
		resumed = time.Since(t0)

		t0 = time.Now()
		waitDone(b, e2, startMany(b, e2, p, benchRuns))
		fresh = time.Since(t0)
		e2.Shutdown(10 * time.Second)
	}
	b.ReportMetric(float64(before)/1024, "MiB-rss-before")
	b.ReportMetric(float64(peak)/1024, "MiB-peak-rss-1000-waiting")
	b.ReportMetric(float64(peak-before)/benchRuns, "KiB/waiting-run")
	b.ReportMetric(benchRuns/resumed.Seconds(), "resumed-runs/s")
	b.ReportMetric(benchRuns/fresh.Seconds(), "fresh-runs/s")
	b.ReportMetric(fresh.Seconds()/resumed.Seconds(), "resumed/fresh")
}

// slowModel is the provider of the fake model with time limits long enough
// for a run to wait on it for as long as the benchmark holds it.
func slowModel(b *testing.B, fake *llmtest.Server) func(string) (llm.ChatModel, error) {
	m, err := llm.NewOpenAI(llm.Config{
		Name: "default", BaseURL: fake.BaseURL(), Timeout: 10 * time.Minute,
		Guard: egress.New(egress.Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Timeout: 10 * time.Minute}),
	})
	if err != nil {
		b.Fatal(err)
	}
	return func(string) (llm.ChatModel, error) { return m, nil }
}

// emptyRuntime is a runtime with no plugins: these runs only talk.
func emptyRuntime(b *testing.B) *host.Runtime {
	cfg := host.DefaultConfig()
	cfg.DataDir, cfg.PluginsDir, cfg.Logger = b.TempDir(), b.TempDir(), slog.New(slog.DiscardHandler)
	cfg.Getenv = func(string) string { return "" }
	rt, err := host.New(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rt.Close(context.Background()) })
	return rt
}

// startMany starts n runs from 16 goroutines and returns their ids.
func startMany(b *testing.B, e *dbosengine.Engine, p host.Principal, n int) []string {
	ids := make([]string, n)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 16 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				v, err := e.Start(context.Background(), agents.StartRequest{Request: agents.Request{Agent: "waiter", Input: fmt.Sprint("run ", i), Principal: p}})
				if err != nil {
					b.Error(err)
					return
				}
				ids[i] = v.ID
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return ids
}

// waitDone waits until every run succeeded.
func waitDone(b *testing.B, e *dbosengine.Engine, ids []string) {
	left := ids
	waitUntil(b, func() bool {
		var still []string
		for _, id := range left {
			v, err := e.Get(context.Background(), id)
			if err != nil || v.Status != agents.StatusSucceeded {
				if err == nil && (v.Status == agents.StatusFailed || v.Status == agents.StatusCanceled) {
					b.Fatalf("run %s ended %s: %+v", id, v.Status, v.Error)
				}
				still = append(still, id)
			}
		}
		left = still
		return len(left) == 0
	})
}

func waitUntil(b *testing.B, done func() bool) {
	deadline := time.Now().Add(5 * time.Minute)
	for !done() {
		if time.Now().After(deadline) {
			b.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
