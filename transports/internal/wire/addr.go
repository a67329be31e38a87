package wire

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/internal/clientaddr"
)

// SplitAddr splits "host:port" into an IP string and a port; on failure the
// whole string is the host and the port is 0.
func SplitAddr(addr string) (string, int) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return host, 0
	}
	return host, p
}

// Info builds the core.TransportInfo of request r: a fresh random ConnID, the
// client's address (its own, so the core bounds the sessions it creates:
// PerIP) and the listener's address (for HEP src/dst). The client's
// address is the peer's, or, when the peer is one of the trusted reverse
// proxies, the one their forwarding header names (only the one
// proxies.Header chooses; clientaddr.Proxies.Client; its port 0 when the
// header gave none).
func Info(r *http.Request, pkg string, admin bool, proxies clientaddr.Proxies) core.TransportInfo {
	info := core.TransportInfo{Package: pkg, ConnID: core.RandomID(), Admin: admin, PerIP: true}
	info.RemoteIP, info.RemotePort = SplitAddr(r.RemoteAddr)
	if !proxies.Empty() {
		if peer, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
			if client, ok := proxies.Client(peer, r.Header); ok {
				info.RemoteIP, info.RemotePort = client.Addr().String(), int(client.Port())
			}
		}
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && la != nil {
		info.LocalIP, info.LocalPort = SplitAddr(la.String())
	}
	return info
}
