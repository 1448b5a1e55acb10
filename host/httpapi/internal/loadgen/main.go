// Command loadgen is `make bench-http`: it starts the real `saa serve`, puts
// authenticated POST /v1/actions/echo/echo under a closed-loop load (a fixed
// number of connections, each sending its next request when the previous one
// is answered), does the same against the floor (a bare chi handler that
// echoes the body natively behind the same JWT check), and prints both with
// the ratio. It is a benchmark, not a test: it reports and judges, and exits
// non-zero only if a request failed or the run could not happen.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

// Targets of the issue, judged in the report.
const (
	targetRate     = 5000
	targetP99      = 25 * time.Millisecond
	targetFraction = 0.40
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout)
	stop()
	os.Exit(code)
}

type options struct {
	bin, pluginsDir string
	concurrency     int
	duration        time.Duration
	warmup          time.Duration
}

func run(ctx context.Context, args []string, out io.Writer) int {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.StringVar(&o.bin, "saa", "bin/saa", "the saa binary")
	fs.StringVar(&o.pluginsDir, "plugins-dir", "manifests", "manifests for saa serve")
	fs.IntVar(&o.concurrency, "concurrency", 32, "connections, each with one request in flight")
	fs.DurationVar(&o.duration, "duration", 15*time.Second, "measured time per target")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each measurement")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	saa, floor, err := measure(ctx, o, out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: %v\n", err)
		return 1
	}
	report(out, o, saa, floor)
	if saa.errors > 0 || floor.errors > 0 {
		return 1
	}
	return 0
}

// measure sets up both targets and loads each in turn, floor first.
func measure(ctx context.Context, o options, out io.Writer) (saa, floor result, err error) {
	dir, err := os.MkdirTemp("", "saa-bench-")
	if err != nil {
		return saa, floor, err
	}
	defer os.RemoveAll(dir)
	s, err := newSecrets()
	if err != nil {
		return saa, floor, err
	}
	addr, err := freeAddr()
	if err != nil {
		return saa, floor, err
	}
	cmd, err := startSAA(ctx, o.bin, o.pluginsDir, dir, addr, s)
	if err != nil {
		return saa, floor, err
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	base := "http://" + addr
	tok, err := token(base, s.adminPassword, []string{"echo:call"})
	if err != nil {
		return saa, floor, err
	}
	floorURL, stopFloor, err := startFloor(dir, base, s.privPEM, s.pubPEM, tok)
	if err != nil {
		return saa, floor, err
	}
	defer stopFloor()

	body := []byte(`{"message":"hello from the benchmark"}`)
	targets := []target{
		{name: "floor", url: floorURL, token: tok, body: body, client: newClient(o.concurrency)},
		{name: "saa", url: base + "/v1/actions/echo/echo", token: tok, body: body, client: newClient(o.concurrency)},
	}
	var res [2]result
	for i, t := range targets {
		fmt.Fprintf(out, "loading %s: %d connections, %s warm-up, %s measured...\n", t.name, o.concurrency, o.warmup, o.duration)
		load(ctx, t, o.concurrency, o.warmup)
		res[i] = load(ctx, t, o.concurrency, o.duration)
		if ctx.Err() != nil {
			return saa, floor, ctx.Err()
		}
	}
	return res[1], res[0], nil
}

func report(out io.Writer, o options, saa, floor result) {
	fmt.Fprintf(out, "\nPOST /v1/actions/echo/echo, %d connections, %s each, loopback\n\n", o.concurrency, o.duration)
	fmt.Fprintf(out, "%-6s %10s %10s %10s %10s %8s\n", "", "req/s", "p50", "p99", "max", "errors")
	for _, r := range []struct {
		name string
		res  result
	}{{"saa", saa}, {"floor", floor}} {
		fmt.Fprintf(out, "%-6s %10.0f %10s %10s %10s %8d\n", r.name, r.res.rate(), ms(r.res.p50), ms(r.res.p99), ms(r.res.max), r.res.errors)
	}
	ratio := 0.0
	if floor.rate() > 0 {
		ratio = saa.rate() / floor.rate()
	}
	fmt.Fprintf(out, "\nsaa/floor: %.0f%%\n\n", ratio*100)
	judge(out, "rate >= 5000 req/s", saa.rate() >= targetRate)
	judge(out, "p99 <= 25 ms", saa.p99 <= targetP99)
	judge(out, "rate >= 40% of the floor", ratio >= targetFraction)
	judge(out, "no errors", saa.errors == 0 && floor.errors == 0)
	for _, r := range []result{saa, floor} {
		if r.firstError != "" {
			fmt.Fprintf(out, "first error: %s\n", r.firstError)
		}
	}
}

func judge(out io.Writer, what string, ok bool) {
	verdict := "met"
	if !ok {
		verdict = "MISSED"
	}
	fmt.Fprintf(out, "target %-26s %s\n", what, verdict)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }
