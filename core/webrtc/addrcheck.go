package webrtc

import (
	"log/slog"
	"net"
)

// warnIPv6Only logs once, at start, what a host with IPv6 addresses but no
// IPv4 address other than loopback gets without Config.IPv6: candidates
// on loopback at most, so no remote client connects.
func warnIPv6Only(log *slog.Logger, addrs []net.Addr) {
	if v4, v6 := unicastFamilies(addrs); v6 && !v4 {
		log.Warn("no IPv4 address but loopback, and IPv6 candidates are off: remote clients cannot connect; enable IPv6 (-ipv6)")
	}
}

// unicastFamilies reports whether addrs hold an IPv4 and an IPv6 address
// that a host candidate can use: global unicast (private and unique-local
// ranges included), not loopback or link-local.
func unicastFamilies(addrs []net.Addr) (v4, v6 bool) {
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || !n.IP.IsGlobalUnicast() {
			continue
		}
		if n.IP.To4() != nil {
			v4 = true
		} else {
			v6 = true
		}
	}
	return v4, v6
}
