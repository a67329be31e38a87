// Package clientaddr decides who a client of the public listeners is, as
// the per-address caps see it: the key one address counts under (Key: an
// IPv6 client counts per prefix, since one host normally holds a whole
// /64), and, behind a trusted reverse proxy, the client address the proxy
// forwarded in the one header it sets (Proxies.Client, Header).
//
// It sits apart from core and internal/connlimit so that both use one
// rule without either importing the other: the connection cap
// (-max-conns-per-ip, connlimit) and the core's session and PeerConnection
// caps (-max-sessions-per-ip, -max-peerconnections-per-ip).
package clientaddr

import "net/netip"

// Bounds of the IPv6 prefix the per-address caps count a client under.
// DefaultIPv6Prefix is the allocation RFC 6177 and the RIRs recommend for
// one end site (a home, a phone), so one client rotating its addresses
// within it stays one client; MinIPv6Prefix (a /32 is a whole provider)
// stops a setting that would put a country under one budget;
// MaxIPv6Prefix keys each address on its own.
const (
	DefaultIPv6Prefix = 64
	MinIPv6Prefix     = 32
	MaxIPv6Prefix     = 128
)

// Key returns the key under which the per-address caps count a client at
// a: an IPv4 address (an IPv4-mapped IPv6 one too) is its own key (a /32);
// an IPv6 address counts under its /ipv6Prefix, its zone dropped; a
// link-local one (fe80::/10) is its own key (a /128), since every host of
// every link has its link-local address in the same fe80::/64: there the
// interface ID, not the prefix, tells hosts apart.
// ipv6Prefix 0 (or negative) means DefaultIPv6Prefix; a value outside
// [MinIPv6Prefix, MaxIPv6Prefix] is taken as the nearest bound. The zero
// Addr (a connection with no IP address) keys as the zero Prefix.
func Key(a netip.Addr, ipv6Prefix int) netip.Prefix {
	if !a.IsValid() {
		return netip.Prefix{}
	}
	a = a.Unmap().WithZone("")
	bits := a.BitLen()
	if a.Is6() && !a.IsLinkLocalUnicast() {
		bits = IPv6Prefix(ipv6Prefix)
	}
	p, _ := a.Prefix(bits) // bits is within a's length: no error
	return p
}

// IPv6Prefix returns the prefix length Key uses for ipv6Prefix: the
// default for 0 or less, else ipv6Prefix within the bounds.
func IPv6Prefix(ipv6Prefix int) int {
	if ipv6Prefix <= 0 {
		return DefaultIPv6Prefix
	}
	return min(max(ipv6Prefix, MinIPv6Prefix), MaxIPv6Prefix)
}

// KeyString is Key as text, for maps keyed by string: the address alone
// when the key is one address (IPv4, or IPv6 with ipv6Prefix 128), else
// the prefix ("2001:db8::/64"). Text that is not an IP address is its own
// key, unchanged.
func KeyString(ip string, ipv6Prefix int) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	p := Key(a, ipv6Prefix)
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}
