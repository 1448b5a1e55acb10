package egress

import (
	"fmt"
	"net/netip"
)

// refusedV4 are the IPv4 ranges egress never reaches unless allowed by the
// operator: everything in the IANA special-purpose registry that is not
// globally reachable, plus multicast and the reserved 240/4 block.
var refusedV4 = mustPrefixes(
	"0.0.0.0/8",       // "this network", unspecified
	"10.0.0.0/8",      // RFC 1918
	"100.64.0.0/10",   // CGNAT, RFC 6598
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local, cloud metadata (169.254.169.254)
	"172.16.0.0/12",   // RFC 1918
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // TEST-NET-1
	"192.88.99.0/24",  // 6to4 relay anycast (deprecated)
	"192.168.0.0/16",  // RFC 1918
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // TEST-NET-2
	"203.0.113.0/24",  // TEST-NET-3
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, includes broadcast 255.255.255.255
)

// IPv6 is judged by allow-listing global unicast (2000::/3) and refusing the
// special blocks inside it; that alone refuses ::, ::1, ::/96 (IPv4-compatible,
// deprecated), 100::/64, fc00::/7 (ULA), fe80::/10, fec0::/10 and ff00::/8.
var (
	globalV6  = netip.MustParsePrefix("2000::/3")
	refusedV6 = mustPrefixes(
		"2001::/23",     // IETF protocol assignments: Teredo, ORCHID, benchmarking
		"2001:db8::/32", // documentation
		"3fff::/20",     // documentation
	)
	// nat64 (RFC 6052 well-known prefix) embeds an IPv4 address in its last
	// 32 bits; sixToFour (RFC 3056) in bits 16 to 48. Both are judged by it.
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// checkAddr returns nil if egress may connect to a, or an error wrapping
// ErrAddressRefused. An operator-allowed prefix wins over every refusal.
func (g *Guard) checkAddr(a netip.Addr) error {
	a = a.Unmap()
	for _, p := range g.cfg.AllowCIDRs {
		if p.Contains(a) {
			return nil
		}
	}
	if a.Zone() != "" || !publicAddr(a) {
		return fmt.Errorf("%w: %s is not a public address", ErrAddressRefused, a)
	}
	return nil
}

// publicAddr reports whether a (already unmapped) is a globally reachable
// unicast address, judging the IPv4 address embedded in NAT64 and 6to4 forms.
func publicAddr(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	if a.Is4() {
		return !inAny(a, refusedV4)
	}
	if nat64.Contains(a) {
		b := a.As16()
		return publicAddr(netip.AddrFrom4([4]byte(b[12:16])))
	}
	if sixToFour.Contains(a) {
		b := a.As16()
		return publicAddr(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return globalV6.Contains(a) && !inAny(a, refusedV6)
}

func inAny(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
