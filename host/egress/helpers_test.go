package egress

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/secure-agent/saa/host/egress/egresstest"
)

// exactRule allows one scheme, host and port, any path: the smallest Rule.
type exactRule struct {
	scheme, host string
	port         int
}

func rule(s string) exactRule {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return exactRule{scheme: u.Scheme, host: u.Hostname(), port: effectivePort(u)}
}

func effectivePort(u *url.URL) int {
	if p, err := strconv.Atoi(u.Port()); err == nil {
		return p
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

func (r exactRule) Allows(u *url.URL) bool {
	return u.Scheme == r.scheme && u.Hostname() == r.host && effectivePort(u) == r.port
}

func (r exactRule) String() string { return fmt.Sprintf("%s://%s:%d", r.scheme, r.host, r.port) }

func rules(ss ...string) []Rule {
	out := make([]Rule, len(ss))
	for i, s := range ss {
		out[i] = rule(s)
	}
	return out
}

// mapResolver answers from a map; a name with several answer lists gives the
// next list on each lookup (the last one repeats), to play DNS rebinding.
type mapResolver struct {
	mu      sync.Mutex
	answers map[string][][]netip.Addr
	lookups map[string]int
}

func newResolver(m map[string]string) *mapResolver {
	r := &mapResolver{answers: map[string][][]netip.Addr{}, lookups: map[string]int{}}
	for host, ip := range m {
		r.set(host, ip)
	}
	return r
}

// set appends one answer (comma-separated addresses) for host.
func (r *mapResolver) set(host string, ips ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, list := range ips {
		var as []netip.Addr
		for _, s := range strings.Split(list, ",") {
			as = append(as, netip.MustParseAddr(s))
		}
		r.answers[host] = append(r.answers[host], as)
	}
}

func (r *mapResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	lists := r.answers[host]
	if len(lists) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	n := r.lookups[host]
	r.lookups[host]++
	return lists[min(n, len(lists)-1)], nil
}

func (r *mapResolver) count(host string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lookups[host]
}

// dialLog records every address the guard dials.
type dialLog struct {
	mu    sync.Mutex
	addrs []netip.AddrPort
}

func (d *dialLog) add(ap netip.AddrPort) {
	d.mu.Lock()
	d.addrs = append(d.addrs, ap)
	d.mu.Unlock()
}

func (d *dialLog) all() []netip.AddrPort {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]netip.AddrPort(nil), d.addrs...)
}

// testGuard is New with a dialer that reaches loopback only and fails tb
// otherwise: every test guard is built here.
func testGuard(tb testing.TB, cfg Config) *Guard {
	cfg.Dial = egresstest.LoopbackOnly(tb)
	return New(cfg)
}

// newGuard returns a guard with a logged dialler, closed with the test.
func newGuard(t *testing.T, cfg Config) (*Guard, *dialLog) {
	t.Helper()
	g := testGuard(t, cfg)
	log := &dialLog{}
	g.dialed = log.add
	t.Cleanup(g.Close)
	return g, log
}

// loopback allows the httptest servers' addresses.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// serve starts an HTTP server on addr ("127.0.0.1:0" if empty) and returns
// its port.
func serve(t *testing.T, addr string, h http.HandlerFunc) int {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	if addr != "" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("cannot listen on %s: %v", addr, err)
		}
		srv.Listener.Close()
		srv.Listener = l
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().(*net.TCPAddr).Port
}

// memSecrets is a map SecretSource keyed "plugin/name".
type memSecrets map[string]string

func (m memSecrets) Get(_ context.Context, plugin, name string) (string, error) {
	v, ok := m[plugin+"/"+name]
	if !ok {
		return "", fmt.Errorf("secret %s/%s: not found", plugin, name)
	}
	return v, nil
}
