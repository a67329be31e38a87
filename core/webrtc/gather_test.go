package webrtc

import (
	"bytes"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	pion "github.com/pion/webrtc/v4"

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

// TestSharedPortGathersAsPion: the shared port's answer advertises the
// same addresses as a socket per PeerConnection, with and without
// nat_1_1_mapping (then the public IPv4 address instead of every local
// IPv4 one), all on the shared port.
func TestSharedPortGathersAsPion(t *testing.T) {
	const public = "192.0.2.7"
	for _, nat := range [][]string{nil, {public}} {
		addrs := answerAddrsBothModes(t, Config{Emitter: telemetry.Discard, IncludeLoopback: true, NAT1To1IPs: nat},
			func(ip string) bool { return nat == nil || net.ParseIP(ip).To4() == nil || ip == public })
		if !maps.Equal(addrs["shared port"], addrs["port range"]) {
			t.Errorf("nat %v: candidate addresses: shared port %v, port range %v", nat, addrs["shared port"], addrs["port range"])
		}
		if nat != nil && !addrs["shared port"][public] {
			t.Errorf("no candidate with %s: %v", public, addrs["shared port"])
		}
	}
}

// answerAddrsBothModes is answerAddrs on an engine of cfg with the shared
// port and on one with a socket per PeerConnection (a port range), by mode.
// The engines gather at different times: when the host's addresses
// changed meanwhile (test/janusref adds and deletes a veth pair while
// other packages run), it gathers both again, at most three times.
func answerAddrsBothModes(t *testing.T, cfg Config, ok func(ip string) bool) map[string]map[string]bool {
	t.Helper()
	shared, perPC := cfg, cfg
	shared.SharedUDP = true
	perPC.ICEPortMin, perPC.ICEPortMax = 40000, 40999
	for attempt := 1; ; attempt++ {
		before := localAddrs()
		addrs := map[string]map[string]bool{
			"shared port": answerAddrs(t, shared, "shared port", ok),
			"port range":  answerAddrs(t, perPC, "port range", ok),
		}
		if slices.Equal(before, localAddrs()) || attempt == 3 {
			return addrs
		}
		t.Logf("the host's addresses changed while gathering: again")
	}
}

// answerAddrs answers an audio offer on an engine of cfg and returns the
// addresses of its candidates, checking each is a host candidate accepted
// by ok and, with a shared port, on that port.
func answerAddrs(t *testing.T, cfg Config, mode string, ok func(ip string) bool) map[string]bool {
	t.Helper()
	eng, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	port, _, shared := eng.SharedUDP()
	if shared != cfg.SharedUDP {
		t.Fatalf("%s: shared port %v", mode, shared)
	}
	addrs := map[string]bool{}
	for _, f := range answerCandidates(t, eng) {
		addrs[f[4]] = true
		if f[7] != "host" || !ok(f[4]) || (shared && f[5] != strconv.Itoa(port)) {
			t.Errorf("%s: candidate %q unexpected (shared port %d)", mode, f, port)
		}
	}
	return addrs
}

// answerCandidates answers an audio offer on a new PeerConnection of eng
// and returns the fields of its a=candidate lines (address at 4, port at
// 5, type at 7).
func answerCandidates(t *testing.T, eng *Engine) [][]string {
	t.Helper()
	peer := newPeer(t, eng, PeerParams{})
	if err := peer.SetRemoteDescription(ctxT(t), "offer", validOffer(t, pion.RTPCodecTypeAudio)); err != nil {
		t.Fatal(err)
	}
	answer, err := peer.CreateAnswer(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	var cands [][]string
	for _, line := range strings.Split(answer, "\n") {
		if f := strings.Fields(line); len(f) >= 8 && strings.HasPrefix(f[0], "a=candidate:") {
			cands = append(cands, f)
		}
	}
	if len(cands) == 0 {
		t.Fatalf("no candidates in %s", answer)
	}
	return cands
}
