package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/quota"
	"github.com/secure-agent/saa/host/runs"
)

// latencyBuckets span a warm wasm call (tens of µs) to a slow plugin (30 s).
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Metrics are the server's Prometheus metrics, on a registry of their own so
// that two servers in one process (tests) do not collide.
type Metrics struct {
	reg         *prometheus.Registry
	invocations *prometheus.CounterVec
	invokeTime  *prometheus.HistogramVec
	httpReqs    *prometheus.CounterVec
	httpTime    *prometheus.HistogramVec
	inFlight    prometheus.Gauge
	tokens      prometheus.Counter
	egress      *prometheus.CounterVec
	poolsOnce   sync.Once
}

// NewMetrics registers the server's metrics, plus the Go and process
// collectors, on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		invocations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "saa_invocations_total",
			Help: "Action invocations by plugin, action and outcome (ok or the problem kind).",
		}, []string{"plugin", "action", "outcome"}),
		invokeTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "saa_invocation_duration_seconds",
			Help:    "Time to run an action, checks and plugin included.",
			Buckets: latencyBuckets,
		}, []string{"plugin", "action"}),
		httpReqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "saa_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		httpTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "saa_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: latencyBuckets,
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "saa_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		tokens: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "saa_tokens_issued_total",
			Help: "Access tokens issued by the token endpoint.",
		}),
		egress: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "saa_egress_requests_total",
			Help: "Outbound requests (plugins' and callbacks') by host and verdict.",
		}, []string{"host", "verdict"}),
	}
	m.reg.MustRegister(m.invocations, m.invokeTime, m.httpReqs, m.httpTime, m.inFlight, m.tokens, m.egress,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, store := range []string{quota.StoreIdempotency, quota.StoreRuns, quota.StoreBundles} {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "saa_quota_exceeded_total",
			Help:        "Writes refused because the client was over its storage quota, by store.",
			ConstLabels: prometheus.Labels{"store": store},
		}, func() float64 { return float64(quota.Refusals()[store]) }))
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// ObserveEgress counts one outbound request; it fits egress.Config.OnRequest.
func (m *Metrics) ObserveEgress(host, verdict string) {
	m.egress.WithLabelValues(host, verdict).Inc()
}

func (m *Metrics) observeInvocation(plugin, action, outcome string, d time.Duration) {
	m.invocations.WithLabelValues(plugin, action, outcome).Inc()
	m.invokeTime.WithLabelValues(plugin, action).Observe(d.Seconds())
}

func (m *Metrics) observeHTTP(route, method string, code int, d time.Duration) {
	m.httpReqs.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	m.httpTime.WithLabelValues(route).Observe(d.Seconds())
}

// registerPools exports the runtime's instance pools as
// saa_pool_instances{plugin,state}, read at scrape time. Only the first
// runtime given is exported.
func (m *Metrics) registerPools(rt *host.Runtime) {
	m.poolsOnce.Do(func() {
		m.reg.MustRegister(&poolCollector{rt: rt, desc: prometheus.NewDesc(
			"saa_pool_instances", "Plugin instances by plugin and state (fresh, idle, in_use).",
			[]string{"plugin", "state"}, nil)})
	})
}

// poolCollector reads the pools at scrape time.
type poolCollector struct {
	rt   *host.Runtime
	desc *prometheus.Desc
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.rt.Plugins() {
		st := c.rt.PoolStats(p.Name)
		for state, n := range map[string]int{"fresh": st.Fresh, "idle": st.Idle, "in_use": st.InUse} {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), p.Name, state)
		}
	}
}

// Invoker wraps next so that every invocation through it is counted and
// timed. The server's sync path uses it; give the same to the run manager so
// async runs are measured alike.
func (m *Metrics) Invoker(next runs.Invoker) runs.Invoker { return meteredInvoker{next: next, m: m} }

type meteredInvoker struct {
	next runs.Invoker
	m    *Metrics
}

func (mi meteredInvoker) Invoke(ctx context.Context, p host.Principal, plugin, action string, input []byte) ([]byte, error) {
	start := time.Now()
	out, err := mi.next.Invoke(ctx, p, plugin, action, input)
	if errors.Is(err, host.ErrNotFound) {
		plugin, action = "unknown", "unknown" // keep label values bounded
	}
	mi.m.observeInvocation(plugin, action, outcome(err), time.Since(start))
	return out, err
}
