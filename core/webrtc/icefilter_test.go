package webrtc

import (
	"bytes"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
)

// TestAddrFilterKeep: entries of Janus's enforce and ignore lists match
// interface names and addresses by prefix; the ignore list is not used
// with an enforce list.
func TestAddrFilterKeep(t *testing.T) {
	lan, lo := netip.MustParseAddr("192.168.1.10"), netip.MustParseAddr("127.0.0.1")
	for _, tc := range []struct {
		name            string
		enforce, ignore []string
		iface           string
		addr            netip.Addr
		want            bool
	}{
		{name: "no lists", iface: "eth0", addr: lan, want: true},
		{name: "enforced interface", enforce: []string{"eth0"}, iface: "eth0", addr: lan, want: true},
		{name: "enforced interface prefix", enforce: []string{"eth"}, iface: "eth1", addr: lan, want: true},
		{name: "other interface not enforced", enforce: []string{"eth0"}, iface: "wlan0", addr: lan, want: false},
		{name: "enforced address prefix", enforce: []string{"wlan0", "192.168."}, iface: "eth0", addr: lan, want: true},
		{name: "enforced address", enforce: []string{"127.0.0.1"}, iface: "lo", addr: lo, want: true},
		{name: "other address not enforced", enforce: []string{"127.0.0.1"}, iface: "eth0", addr: lan, want: false},
		{name: "ignored interface prefix", ignore: []string{"vmnet"}, iface: "vmnet8", addr: lan, want: false},
		{name: "ignored address", ignore: []string{"vmnet", "192.168.1.10"}, iface: "eth0", addr: lan, want: false},
		{name: "not ignored", ignore: []string{"vmnet", "10."}, iface: "eth0", addr: lan, want: true},
		{name: "ignore list unused with an enforce list", enforce: []string{"eth0"}, ignore: []string{"eth0"}, iface: "eth0", addr: lan, want: true},
		{name: "blank entries dropped", enforce: []string{" ", ""}, ignore: []string{" eth0 "}, iface: "eth0", addr: lan, want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := newAddrFilter(tc.enforce, tc.ignore).keep(tc.iface, tc.addr); got != tc.want {
				t.Errorf("keep(%s, %s) = %v, want %v", tc.iface, tc.addr, got, tc.want)
			}
		})
	}
}

// TestWarnNoneKept: a warning when the lists leave none of the addresses
// ICE could use (a mistyped interface name), none otherwise.
func TestWarnNoneKept(t *testing.T) {
	addrs := []localAddr{
		{iface: "lo", addr: netip.MustParseAddr("127.0.0.1")},
		{iface: "eth0", addr: netip.MustParseAddr("192.0.2.2")},
		{iface: "eth0", addr: netip.MustParseAddr("fe80::1")},
	}
	for _, tc := range []struct {
		name            string
		enforce, ignore []string
		loopback        bool
		warn            bool
	}{
		{name: "no lists", warn: false},
		{name: "enforced interface exists", enforce: []string{"eth0"}, warn: false},
		{name: "mistyped interface", enforce: []string{"eht0"}, warn: true},
		{name: "loopback enforced without loopback candidates", enforce: []string{"127.0.0.1"}, warn: true},
		{name: "loopback enforced with loopback candidates", enforce: []string{"127.0.0.1"}, loopback: true, warn: false},
		{name: "everything ignored", ignore: []string{"eth", "lo"}, loopback: true, warn: true},
		{name: "link-local only", enforce: []string{"fe80::"}, warn: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			newAddrFilter(tc.enforce, tc.ignore).warnNoneKept(slog.New(slog.NewTextHandler(&buf, nil)), addrs, tc.loopback, false)
			if got := strings.Contains(buf.String(), "leave no local address"); got != tc.warn {
				t.Errorf("warned %v, want %v: %q", got, tc.warn, buf.String())
			}
		})
	}
}

// TestLocalIP: server info's local-ip is, of the addresses ICE gathers
// on, the default route's source, else the first not loopback, else
// loopback.
func TestLocalIP(t *testing.T) {
	addrs := []localAddr{
		{iface: "lo", addr: netip.MustParseAddr("127.0.0.1")},
		{iface: "eth0", addr: netip.MustParseAddr("192.0.2.2")},
		{iface: "eth1", addr: netip.MustParseAddr("198.51.100.4")},
		{iface: "eth1", addr: netip.MustParseAddr("2001:db8::4")},
	}
	route := netip.MustParseAddr("198.51.100.4")
	for _, tc := range []struct {
		name            string
		enforce, ignore []string
		route           netip.Addr
		loopback, ipv6  bool
		want            string
	}{
		{name: "default route", route: route, loopback: true, want: "198.51.100.4"},
		{name: "no route: first not loopback", loopback: true, want: "192.0.2.2"},
		{name: "route's address ignored", ignore: []string{"eth1"}, route: route, want: "192.0.2.2"},
		{name: "loopback only", enforce: []string{"127.0.0.1"}, route: route, loopback: true, want: "127.0.0.1"},
		{name: "loopback without loopback candidates", enforce: []string{"127.0.0.1"}, route: route, want: ""},
		{name: "IPv6 only with ipv6", enforce: []string{"2001:db8::"}, ipv6: true, want: "2001:db8::4"},
		{name: "IPv6 off", enforce: []string{"2001:db8::"}, want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := newAddrFilter(tc.enforce, tc.ignore).localIP(addrs, tc.route, tc.loopback, tc.ipv6); got != tc.want {
				t.Errorf("localIP = %q, want %q", got, tc.want)
			}
		})
	}
}
