package webrtc

import (
	"bytes"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

// TestIPv6Candidates: without Config.IPv6 (Janus's ipv6, off by default)
// an answer advertises IPv4 candidates only, with a socket per
// PeerConnection and with the shared port; with it, both modes advertise
// the same addresses, an IPv6 one among them where the host has a global
// or unique-local IPv6 address.
func TestIPv6Candidates(t *testing.T) {
	hostV6 := hostHasIPv6(t)
	for _, ipv6 := range []bool{false, true} {
		addrs := answerAddrsBothModes(t, Config{Emitter: telemetry.Discard, IncludeLoopback: true, IPv6: ipv6},
			func(ip string) bool {
				a, err := netip.ParseAddr(ip)
				return err == nil && (ipv6 || a.Is4())
			})
		for mode := range addrs {
			if len(addrs[mode]) == 0 {
				t.Errorf("ipv6 %v, %s: no candidate", ipv6, mode)
			}
		}
		if ipv6 && hostV6 && !hasIPv6(addrs["port range"]) {
			t.Errorf("ipv6 on, host has IPv6: no IPv6 candidate in %v", addrs["port range"])
		}
		if !maps.Equal(addrs["shared port"], addrs["port range"]) {
			t.Errorf("ipv6 %v: candidate addresses: shared port %v, port range %v", ipv6, addrs["shared port"], addrs["port range"])
		}
	}
}

// hostHasIPv6 reports whether the host has a global or
// unique-local IPv6 address (the ones pion gathers).
func hostHasIPv6(t *testing.T) bool {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	_, v6 := unicastFamilies(addrs)
	return v6
}

func hasIPv6(addrs map[string]bool) bool {
	for ip := range addrs {
		if a, err := netip.ParseAddr(ip); err == nil && a.Is6() && !a.Is4In6() {
			return true
		}
	}
	return false
}

// TestWarnIPv6Only: the start warning is logged exactly for a host whose
// only non-loopback addresses are IPv6.
func TestWarnIPv6Only(t *testing.T) {
	cidr := func(s string) net.Addr {
		ip, n, err := net.ParseCIDR(s)
		if err != nil {
			t.Fatal(err)
		}
		n.IP = ip
		return n
	}
	for _, tc := range []struct {
		name  string
		addrs []net.Addr
		warn  bool
	}{
		{"IPv6 only", []net.Addr{cidr("127.0.0.1/8"), cidr("::1/128"), cidr("fd01::5/64"), cidr("fe80::1/64")}, true},
		{"IPv4 and IPv6", []net.Addr{cidr("127.0.0.1/8"), cidr("10.0.0.2/24"), cidr("fd01::5/64")}, false},
		{"IPv4 only", []net.Addr{cidr("10.0.0.2/24")}, false},
		{"loopback and link-local only", []net.Addr{cidr("127.0.0.1/8"), cidr("fe80::1/64")}, false},
	} {
		var buf bytes.Buffer
		warnIPv6Only(slog.New(slog.NewTextHandler(&buf, nil)), tc.addrs)
		if got := strings.Contains(buf.String(), "-ipv6"); got != tc.warn {
			t.Errorf("%s: warned %v, want %v (%q)", tc.name, got, tc.warn, buf.String())
		}
	}
}

// TestICEAddressLists: an answer advertises the addresses the enforce and
// ignore lists let through, by interface name or by address, with a
// socket per PeerConnection and with the shared port alike.
func TestICEAddressLists(t *testing.T) {
	loName := loopbackInterface(t)
	isLoopback := func(ip string) bool { return strings.HasPrefix(ip, "127.") }
	for _, tc := range []struct {
		name            string
		enforce, ignore []string
		ok              func(ip string) bool
	}{
		{name: "enforce an address", enforce: []string{"127.0.0.1"}, ok: func(ip string) bool { return ip == "127.0.0.1" }},
		{name: "enforce an interface", enforce: []string{loName}, ok: isLoopback},
		{name: "ignore an address prefix", ignore: []string{"127."}, ok: func(ip string) bool { return !isLoopback(ip) }},
		{name: "ignore an interface", ignore: []string{loName}, ok: func(ip string) bool { return !isLoopback(ip) }},
		{name: "enforce wins", enforce: []string{"127.0.0.1"}, ignore: []string{"127."}, ok: func(ip string) bool { return ip == "127.0.0.1" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addrs := answerAddrsBothModes(t, Config{Emitter: telemetry.Discard, IncludeLoopback: true, ICEEnforceList: tc.enforce, ICEIgnoreList: tc.ignore}, tc.ok)
			if !maps.Equal(addrs["shared port"], addrs["port range"]) {
				t.Errorf("candidate addresses: shared port %v, port range %v", addrs["shared port"], addrs["port range"])
			}
		})
	}
}

// loopbackInterface names the host's loopback interface.
func loopbackInterface(t *testing.T) string {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagLoopback != 0 && ifc.Flags&net.FlagUp != 0 {
			return ifc.Name
		}
	}
	t.Fatal("no loopback interface")
	return ""
}
