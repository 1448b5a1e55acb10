package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// target is one endpoint under load.
type target struct {
	name   string
	url    string
	token  string
	body   []byte
	client *http.Client
}

// result is what a load run measured.
type result struct {
	requests, errors int
	elapsed          time.Duration
	p50, p99, max    time.Duration
	// firstError describes the first failure, for the report.
	firstError string
}

// rate is the successful requests per second.
func (r result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests-r.errors) / r.elapsed.Seconds()
}

// newClient returns a keep-alive client with a connection per worker.
func newClient(concurrency int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns:        concurrency * 2,
		MaxIdleConnsPerHost: concurrency * 2,
		MaxConnsPerHost:     concurrency,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
	}, Timeout: 30 * time.Second}
}

// load sends requests to t from concurrency workers for d, each worker
// sending its next request as soon as the previous one is answered (a
// closed loop), and measures every request's latency.
func load(ctx context.Context, t target, concurrency int, d time.Duration) result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type worker struct {
		lat      []time.Duration
		errors   int
		firstErr string
	}
	workers := make([]worker, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range workers {
		w := &workers[i]
		wg.Go(func() {
			for ctx.Err() == nil {
				t0 := time.Now()
				err := t.send(ctx)
				if ctx.Err() != nil {
					return // cut off by the deadline: neither success nor error
				}
				w.lat = append(w.lat, time.Since(t0))
				if err != "" {
					w.errors++
					if w.firstErr == "" {
						w.firstErr = err
					}
				}
			}
		})
	}
	wg.Wait()
	res := result{elapsed: time.Since(start)}
	var all []time.Duration
	for _, w := range workers {
		all = append(all, w.lat...)
		res.errors += w.errors
		if res.firstError == "" {
			res.firstError = w.firstErr
		}
	}
	res.requests = len(all)
	slices.Sort(all)
	res.p50, res.p99 = percentile(all, 0.50), percentile(all, 0.99)
	if len(all) > 0 {
		res.max = all[len(all)-1]
	}
	return res
}

// send makes one request and returns "" or what went wrong.
func (t target) send(ctx context.Context) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(t.body))
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Authorization", "Bearer "+t.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return err.Error()
	case resp.StatusCode != http.StatusOK:
		return resp.Status + ": " + string(got)
	case !bytes.Equal(got, t.body):
		return "unexpected body: " + string(got)
	}
	return ""
}

// percentile returns the q-quantile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
