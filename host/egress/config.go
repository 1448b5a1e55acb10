package egress

import (
	"context"
	"crypto/x509"
	"net"
	"net/netip"
	"time"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultMaxRequestBytes  = 1 << 20
	DefaultMaxResponseBytes = 4 << 20
	DefaultMaxRedirects     = 5

	// maxResponseHeaderBytes bounds the response status line and headers.
	maxResponseHeaderBytes = 64 << 10
)

// Verdicts passed to Config.OnRequest, one per attempted hop.
const (
	VerdictAllowed = "allowed" // the request was sent and answered
	VerdictDenied  = "denied"  // refused by policy: rule, method, header or secret
	VerdictRefused = "refused" // refused by address vetting
	VerdictError   = "error"   // allowed but failed: network, timeout, size
)

// Config is the operator's configuration of egress. The zero value is safe.
type Config struct {
	// AllowCIDRs lets requests reach ranges that are otherwise refused, such
	// as an internal API on 10.1.2.0/24. An allowed range wins over every
	// refused one, so keep the prefixes narrow.
	AllowCIDRs []netip.Prefix
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver Resolver
	// RootCAs verifies servers' certificates; nil means the system roots.
	RootCAs *x509.CertPool
	// Timeout bounds a whole request, redirects and body included.
	Timeout time.Duration
	// MaxRequestBytes and MaxResponseBytes bound the bodies; a body over
	// the limit fails the request with ErrTooLarge.
	MaxRequestBytes  int64
	MaxResponseBytes int64
	// MaxRedirects is how many redirects one request may follow; a negative
	// value follows none (the 3xx response is returned as is).
	MaxRedirects int
	// OnRequest, if set, is called once per attempted hop with the host name
	// and one of the Verdict constants, for metrics. It must not block.
	OnRequest func(host, verdict string)
	// Dial, if set, opens the connection to an address the guard has vetted,
	// instead of a net.Dialer. Tests set it to egresstest.LoopbackOnly, so a
	// guard that regressed fails the test instead of sending packets off the
	// machine; in a test binary an unset Dial reaches loopback only anyway.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// Resolver looks up the addresses of a host name. *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxRequestBytes <= 0 {
		c.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if c.MaxResponseBytes <= 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.MaxRedirects == 0 {
		c.MaxRedirects = DefaultMaxRedirects
	}
	if c.MaxRedirects < 0 {
		c.MaxRedirects = 0
	}
	return c
}
