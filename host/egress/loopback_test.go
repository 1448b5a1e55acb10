package egress

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/secure-agent/saa/pdk/wire"
)

// TestTestBinaryReachesLoopbackOnly: even a guard built without a test
// dialer, whose vetting lets a private address through (here because the
// range is allowed), cannot connect off the machine from a test binary.
func TestTestBinaryReachesLoopbackOnly(t *testing.T) {
	g := New(Config{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	t.Cleanup(g.Close)
	s := g.Session(&Policy{Plugin: "demo", Rules: rules("http://10.255.255.1:9")}, nil)
	_, err := s.Do(context.Background(), wire.HTTPRequest{Method: "GET", URL: "http://10.255.255.1:9/"})
	if !errors.Is(err, ErrNotLoopback) || errors.Is(err, ErrAddressRefused) {
		t.Fatalf("Do = %v, want ErrNotLoopback (and not a refusal)", err)
	}
}
