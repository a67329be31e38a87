package webrtc

import (
	"maps"
	"net/netip"
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

// TestIPv6Candidates: without Config.IPv6 (Janus's ipv6, off by default)
// an answer advertises IPv4 candidates only, with a socket per
// PeerConnection and with the shared port; with it, both modes advertise
// the same addresses.
func TestIPv6Candidates(t *testing.T) {
	for _, ipv6 := range []bool{false, true} {
		addrs := map[string]map[string]bool{}
		for _, mode := range []string{"shared port", "port range"} {
			cfg := Config{Emitter: telemetry.Discard, IncludeLoopback: true, IPv6: ipv6}
			if mode == "port range" {
				cfg.ICEPortMin, cfg.ICEPortMax = 40000, 40999
			} else {
				cfg.SharedUDP = true
			}
			addrs[mode] = answerAddrs(t, cfg, mode, func(ip string) bool {
				a, err := netip.ParseAddr(ip)
				return err == nil && (ipv6 || a.Is4())
			})
			if len(addrs[mode]) == 0 {
				t.Errorf("ipv6 %v, %s: no candidate", ipv6, mode)
			}
		}
		if !maps.Equal(addrs["shared port"], addrs["port range"]) {
			t.Errorf("ipv6 %v: candidate addresses: shared port %v, port range %v", ipv6, addrs["shared port"], addrs["port range"])
		}
	}
}
