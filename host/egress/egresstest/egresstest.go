// Package egresstest gives tests a dialer for the egress guard and the
// callback sender that can reach loopback only. Tests aim plugins and
// callbacks at private, link-local and metadata addresses that the guard
// must refuse; with this dialer a guard that regressed fails the test
// loudly instead of sending real packets off the machine.
//
// It is test support only: production code never imports it.
package egresstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"
)

// ErrOffMachine is returned for a dial of a non-loopback address.
var ErrOffMachine = errors.New("egresstest: dial of a non-loopback address refused")

// Dialer is the signature of egress.Config.Dial.
type Dialer = func(ctx context.Context, network, address string) (net.Conn, error)

// LoopbackOnly returns a dialer that connects to loopback addresses and, for
// any other, fails tb (the guard let through an address no test may reach)
// and returns ErrOffMachine without opening a socket.
func LoopbackOnly(tb testing.TB) Dialer {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !ap.Addr().Unmap().IsLoopback() {
			tb.Errorf("egress dialled %s %s: only loopback is reachable in tests; address vetting regressed", network, address)
			return nil, fmt.Errorf("%w: %s", ErrOffMachine, address)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	}
}
