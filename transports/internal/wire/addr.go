package wire

import (
	"net"
	"net/http"
	"strconv"

	"github.com/argusrtc/argus/core"
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
// peer's address (the client's own, so the core bounds the sessions it
// creates: PerIP) and the listener's address (for HEP src/dst).
func Info(r *http.Request, pkg string, admin bool) core.TransportInfo {
	info := core.TransportInfo{Package: pkg, ConnID: core.RandomID(), Admin: admin, PerIP: true}
	info.RemoteIP, info.RemotePort = SplitAddr(r.RemoteAddr)
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && la != nil {
		info.LocalIP, info.LocalPort = SplitAddr(la.String())
	}
	return info
}
