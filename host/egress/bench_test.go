package egress

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/secure-agent/saa/pdk/wire"
)

// BenchmarkDo measures a session's GET with one injected secret against a
// plain net/http GET to the same loopback server, in the same run, and
// reports the ratio as x-baseline.
func BenchmarkDo(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	b.Cleanup(srv.Close)
	base := srv.URL + "/"
	g := testGuard(b, Config{AllowCIDRs: loopback})
	b.Cleanup(g.Close)
	dials := &dialLog{}
	g.dialed = dials.add
	p := &Policy{Plugin: "demo", Rules: rules(base), Secrets: []SecretBinding{{Name: "token", Header: "Authorization", Format: "Bearer {{value}}", Hosts: rules(base)}}}
	req := wire.HTTPRequest{URL: base, Headers: map[string]string{"Authorization": "{{secret:token}}"}}
	src := memSecrets{"demo/token": secretValue}
	plain := srv.Client()

	var egressTime, plainTime time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := g.Session(p, src).Do(context.Background(), req); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		res, err := plain.Get(base)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		egressTime += mid.Sub(start)
		plainTime += time.Since(mid)
	}
	b.ReportMetric(float64(egressTime.Microseconds())/float64(b.N), "egress-µs/op")
	b.ReportMetric(float64(plainTime.Microseconds())/float64(b.N), "plain-µs/op")
	b.ReportMetric(float64(egressTime)/float64(plainTime), "x-baseline")
	b.ReportMetric(float64(len(dials.all())), "dials")
}
