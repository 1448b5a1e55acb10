package egress

import (
	"errors"
	"net/netip"
	"testing"
)

func TestCheckAddr(t *testing.T) {
	refused := []struct{ name, addr string }{
		{"unspecified v4", "0.0.0.0"},
		{"this network", "0.1.2.3"},
		{"rfc1918 10", "10.0.0.1"},
		{"rfc1918 172", "172.16.0.1"},
		{"rfc1918 172 top", "172.31.255.255"},
		{"rfc1918 192", "192.168.1.1"},
		{"cgnat", "100.64.0.1"},
		{"cgnat top", "100.127.255.254"},
		{"loopback", "127.0.0.1"},
		{"loopback other", "127.8.9.10"},
		{"link-local", "169.254.1.1"},
		{"metadata", "169.254.169.254"},
		{"ietf protocol", "192.0.0.8"},
		{"test-net-1", "192.0.2.1"},
		{"benchmarking", "198.18.0.1"},
		{"multicast", "224.0.0.1"},
		{"multicast top", "239.255.255.250"},
		{"reserved", "240.0.0.1"},
		{"broadcast", "255.255.255.255"},
		{"unspecified v6", "::"},
		{"loopback v6", "::1"},
		{"mapped loopback", "::ffff:127.0.0.1"},
		{"mapped private", "::ffff:10.0.0.1"},
		{"mapped metadata", "::ffff:169.254.169.254"},
		{"compatible loopback", "::127.0.0.1"},
		{"compatible public", "::8.8.8.8"},
		{"nat64 private", "64:ff9b::10.0.0.1"},
		{"nat64 metadata", "64:ff9b::169.254.169.254"},
		{"nat64 local-use", "64:ff9b:1::8.8.8.8"},
		{"6to4 private", "2002:a00:1::1"},
		{"6to4 loopback", "2002:7f00:1::"},
		{"teredo", "2001:0:4136:e378:8000:63bf:3fff:fdd2"},
		{"documentation v6", "2001:db8::1"},
		{"ula", "fc00::1"},
		{"ula fd", "fd12:3456::1"},
		{"link-local v6", "fe80::1"},
		{"link-local v6 zone", "fe80::1%eth0"},
		{"site-local v6", "fec0::1"},
		{"multicast v6", "ff02::1"},
		{"discard v6", "100::1"},
		{"srv6", "5f00::1"},
	}
	g := testGuard(t, Config{})
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			if err := g.checkAddr(netip.MustParseAddr(tc.addr)); !errors.Is(err, ErrAddressRefused) {
				t.Fatalf("checkAddr(%s) = %v, want ErrAddressRefused", tc.addr, err)
			}
		})
	}

	allowed := []struct{ name, addr string }{
		{"public v4", "8.8.8.8"},
		{"public v4 near private", "172.32.0.1"},
		{"public v4 near cgnat", "100.128.0.1"},
		{"public v6", "2606:4700::1111"},
		{"mapped public", "::ffff:8.8.8.8"},
		{"nat64 public", "64:ff9b::8.8.8.8"},
		{"6to4 public", "2002:808:808::1"},
	}
	for _, tc := range allowed {
		t.Run(tc.name, func(t *testing.T) {
			if err := g.checkAddr(netip.MustParseAddr(tc.addr)); err != nil {
				t.Fatalf("checkAddr(%s) = %v, want nil", tc.addr, err)
			}
		})
	}
}

func TestCheckAddrOperatorAllow(t *testing.T) {
	g := testGuard(t, Config{AllowCIDRs: []netip.Prefix{
		netip.MustParsePrefix("10.1.2.0/24"),
		netip.MustParsePrefix("fd00:1::/64"),
	}})
	tests := []struct {
		name, addr string
		ok         bool
	}{
		{"inside v4 prefix", "10.1.2.3", true},
		{"mapped inside v4 prefix", "::ffff:10.1.2.3", true},
		{"inside v6 prefix", "fd00:1::5", true},
		{"outside v4 prefix", "10.1.3.1", false},
		{"outside v6 prefix", "fd00:2::5", false},
		{"metadata still refused", "169.254.169.254", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := g.checkAddr(netip.MustParseAddr(tc.addr))
			if (err == nil) != tc.ok {
				t.Fatalf("checkAddr(%s) = %v, want ok=%v", tc.addr, err, tc.ok)
			}
		})
	}
}
