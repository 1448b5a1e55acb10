package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
)

// BenchmarkHTTPEcho measures authenticated POST /v1/actions/echo/echo on a
// real server over loopback, beside the floor: a bare chi handler echoing
// the body natively behind the same JWT check. It reports the ratio.
func BenchmarkHTTPEcho(b *testing.B) {
	f := newFixture(b, options{})
	_, tok := f.token("echo:call")
	floor := chi.NewRouter()
	floor.With(f.auth.NewVerifier().Authenticate).Post("/v1/actions/echo/echo", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil || !json.Valid(body) {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	floorSrv := httptest.NewServer(floor)
	defer floorSrv.Close()
	body := []byte(`{"message":"hello from the benchmark"}`)
	var floorRate float64
	for _, target := range []struct{ name, url string }{
		{"floor", floorSrv.URL}, {"saa", f.http.URL},
	} {
		b.Run(target.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.SetParallelism(16) // 32 connections on 2 cores
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, target.url+"/v1/actions/echo/echo", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+tok)
					req.Header.Set("Content-Type", "application/json")
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
			})
			rate := float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "req/s")
			if target.name == "floor" {
				floorRate = rate
			} else if floorRate > 0 {
				b.ReportMetric(rate/floorRate, "saa/floor")
			}
		})
	}
}
