package egress

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Guard sends requests for sessions through one pinned-address transport.
// It is safe for concurrent use; create one per server.
type Guard struct {
	cfg    Config
	client *http.Client
	tr     *http.Transport
	// dialed, when set by tests, observes every address actually dialled.
	dialed func(netip.AddrPort)
}

// New returns a Guard for cfg, with defaults applied to zero fields.
func New(cfg Config) *Guard {
	g := &Guard{cfg: cfg.withDefaults()}
	if g.cfg.Dial == nil && testing.Testing() {
		// A test that forgot egresstest.LoopbackOnly still cannot reach
		// another machine if address vetting regressed.
		g.cfg.Dial = loopbackOnly
	}
	g.tr = &http.Transport{
		Proxy:                  nil, // never a proxy from the environment
		DialContext:            g.dial,
		TLSClientConfig:        &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    g.cfg.Timeout,
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
		DisableCompression:     true, // redaction must see the bytes the plugin sees
		MaxIdleConns:           64,
		IdleConnTimeout:        90 * time.Second,
	}
	g.client = &http.Client{
		Transport: g.tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // Session.Do follows redirects itself
		},
	}
	return g
}

// Close closes idle connections. The Guard stays usable.
func (g *Guard) Close() { g.tr.CloseIdleConnections() }

// dial resolves addr's host once, vets every answer, and connects to a vetted
// address only: no later lookup can substitute another one.
func (g *Guard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	port, err := parsePort(portStr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	ips, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, ip := range ips {
		c, err := g.dialAddr(ctx, network, netip.AddrPortFrom(ip, port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("connect %s: %w", host, errors.Join(errs...))
}

// resolve returns host's addresses, failing if there are none or if any of
// them is refused: a name that answers with a private address among public
// ones is treated as hostile rather than filtered.
func (g *Guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := g.checkAddr(ip); err != nil {
			return nil, fmt.Errorf("host %s: %w", host, err)
		}
		return []netip.Addr{ip}, nil
	}
	var r Resolver = net.DefaultResolver
	if g.cfg.Resolver != nil {
		r = g.cfg.Resolver
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	for _, ip := range ips {
		if err := g.checkAddr(ip); err != nil {
			return nil, fmt.Errorf("host %s: %w", host, err)
		}
	}
	return ips, nil
}

// dialAddr connects to exactly ap, re-checking the socket address just before
// connect as a second line of defence.
func (g *Guard) dialAddr(ctx context.Context, network string, ap netip.AddrPort) (net.Conn, error) {
	if g.dialed != nil {
		g.dialed(ap)
	}
	d := net.Dialer{Control: func(_, address string, _ syscall.RawConn) error {
		got, err := netip.ParseAddrPort(address)
		if err != nil || got.Addr().Unmap() != ap.Addr().Unmap() {
			return fmt.Errorf("%w: dial of unvetted address %s", ErrAddressRefused, address)
		}
		return g.checkAddr(got.Addr())
	}}
	if g.cfg.Dial != nil {
		if err := g.checkAddr(ap.Addr()); err != nil {
			return nil, err
		}
		return g.cfg.Dial(ctx, network, ap.String())
	}
	return d.DialContext(ctx, network, ap.String())
}

// ErrNotLoopback is returned by the dialer of a test binary when asked for
// an address that is not loopback: a test would have sent packets off the
// machine. It deliberately does not wrap ErrAddressRefused, so a test that
// expects a refusal fails.
var ErrNotLoopback = errors.New("test binary: dial of a non-loopback address (address vetting let it through)")

// loopbackOnly is a test binary's default dialer: loopback or an error.
func loopbackOnly(ctx context.Context, network, address string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().Unmap().IsLoopback() {
		return nil, fmt.Errorf("%w: %s", ErrNotLoopback, address)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}

func parsePort(s string) (uint16, error) {
	p, err := strconv.ParseUint(s, 10, 16)
	if err != nil || p == 0 {
		return 0, fmt.Errorf("bad port %q", s)
	}
	return uint16(p), nil
}
