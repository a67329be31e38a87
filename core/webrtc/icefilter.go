package webrtc

import (
	"log/slog"
	"net"
	"net/netip"
	"strings"

	"github.com/pion/transport/v5"
	pion "github.com/pion/webrtc/v4"
)

// addrFilter chooses the local addresses ICE gathers host candidates on:
// Janus's ice_enforce_list and ice_ignore_list. An entry matches an
// interface whose name starts with it ("eth" matches eth0 and eth1) and
// an address whose text starts with it ("192.168.", "10.0.0.1"). With an
// enforce list, only the addresses of a matching interface and the
// matching addresses are used; without one, the addresses of a matching
// interface and the matching addresses of the ignore list are left out.
// As in Janus, the ignore list is not used with an enforce list.
type addrFilter struct {
	enforce, ignore []string
}

// newAddrFilter trims the entries and drops the empty ones.
func newAddrFilter(enforce, ignore []string) addrFilter {
	return addrFilter{enforce: cleanList(enforce), ignore: cleanList(ignore)}
}

func cleanList(list []string) []string {
	var out []string
	for _, e := range list {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// matchesAny reports whether s starts with an entry of list.
func matchesAny(list []string, s string) bool {
	for _, e := range list {
		if strings.HasPrefix(s, e) {
			return true
		}
	}
	return false
}

// keep reports whether ICE may gather on addr, an address of the
// interface named iface.
func (f addrFilter) keep(iface string, addr netip.Addr) bool {
	if len(f.enforce) > 0 {
		return matchesAny(f.enforce, iface) || matchesAny(f.enforce, addr.String())
	}
	return !matchesAny(f.ignore, iface) && !matchesAny(f.ignore, addr.String())
}

// apply sets pion's gathering filters. pion asks about an interface by
// name, then about each of its addresses without the name; both answers
// must be yes. That is the ignore list as it is; an enforce list keeps an
// address for its interface's name, so its address filter looks the
// interface up (only on engines with an enforce list) in ifaces, the
// Engine's shared interface list.
func (f addrFilter) apply(se *pion.SettingEngine, ifaces transport.Net) {
	switch {
	case len(f.enforce) > 0:
		se.SetIPFilter(func(ip net.IP) bool {
			a, ok := netip.AddrFromSlice(ip)
			if !ok {
				return false
			}
			a = a.Unmap()
			return matchesAny(f.enforce, a.String()) || matchesAny(f.enforce, interfaceOf(ifaces, a))
		})
	case len(f.ignore) > 0:
		se.SetInterfaceFilter(func(name string) bool { return !matchesAny(f.ignore, name) })
		se.SetIPFilter(func(ip net.IP) bool {
			a, ok := netip.AddrFromSlice(ip)
			return ok && !matchesAny(f.ignore, a.Unmap().String())
		})
	}
}

// interfaceOf names the interface of n that is up and has addr; "" when
// none has it.
func interfaceOf(n transport.Net, addr netip.Addr) string {
	ifaces, err := n.Interfaces()
	if err != nil {
		return ""
	}
	for _, la := range upAddrs(ifaces) {
		if la.addr == addr {
			return la.iface
		}
	}
	return ""
}

// localAddr is an address of a local interface.
type localAddr struct {
	iface string
	addr  netip.Addr
}

// localAddrs lists the addresses of the host's interfaces that are up.
func localAddrs() []localAddr {
	ifaces, err := hostInterfaces()
	if err != nil {
		return nil
	}
	return upAddrs(ifaces)
}

// upAddrs lists the addresses of the interfaces of ifaces that are up
// (IPv4-mapped IPv6 addresses as IPv4).
func upAddrs(ifaces []*transport.Interface) []localAddr {
	var out []localAddr
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if pfx, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(pfx.IP); ok {
					out = append(out, localAddr{iface: ifc.Name, addr: ip.Unmap()})
				}
			}
		}
	}
	return out
}

// warnNoneKept warns when the lists leave ICE none of the addresses it
// could gather on (loopback ones only with loopback, IPv6 ones only with
// ipv6, no link-local): every PeerConnection would have no host
// candidate, as with a mistyped interface name in the enforce list.
func (f addrFilter) warnNoneKept(log *slog.Logger, addrs []localAddr, loopback, ipv6 bool) {
	if len(f.enforce) == 0 && len(f.ignore) == 0 {
		return
	}
	n := 0
	for _, a := range addrs {
		if !usable(a.addr, loopback, ipv6) {
			continue
		}
		if f.keep(a.iface, a.addr) {
			return
		}
		n++
	}
	if n > 0 {
		log.Warn("the ICE enforce and ignore lists leave no local address: PeerConnections get no host candidate",
			"ice_enforce_list", f.enforce, "ice_ignore_list", f.ignore)
	}
}

// usable reports whether ICE could gather on a: loopback addresses only
// with loopback, IPv6 ones only with ipv6, never link-local ones.
func usable(a netip.Addr, loopback, ipv6 bool) bool {
	return (loopback || !a.IsLoopback()) && (ipv6 || !a.Is6()) && !a.IsLinkLocalUnicast()
}

// localIP picks the address server info reports as "local-ip" among
// those ICE gathers on: route (the default route's source address, when
// valid), else the first that is not loopback, else the first; "" when
// there is none.
func (f addrFilter) localIP(addrs []localAddr, route netip.Addr, loopback, ipv6 bool) string {
	first, firstOut := "", ""
	for _, a := range addrs {
		if !usable(a.addr, loopback, ipv6) || !f.keep(a.iface, a.addr) {
			continue
		}
		if a.addr == route {
			return a.addr.String()
		}
		if first == "" {
			first = a.addr.String()
		}
		if firstOut == "" && !a.addr.IsLoopback() {
			firstOut = a.addr.String()
		}
	}
	if firstOut != "" {
		return firstOut
	}
	return first
}

// defaultRouteAddr is the source address of the default IPv4 route: a UDP
// socket connected to a documentation address (no packet is sent) takes
// it. Zero when there is no route.
func defaultRouteAddr() netip.Addr {
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.MustParseAddrPort("192.0.2.1:9")))
	if err != nil {
		return netip.Addr{}
	}
	defer c.Close()
	if ua, ok := c.LocalAddr().(*net.UDPAddr); ok {
		return ua.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}
