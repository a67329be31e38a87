package sharedport

import (
	"net"
	"net/netip"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestUsableHostAddr(t *testing.T) {
	for _, tc := range []struct {
		addr     string
		loopback bool
		want     bool
	}{
		{"10.77.0.2", false, true},
		{"169.254.1.1", false, true},
		{"127.0.0.1", false, false},
		{"127.0.0.1", true, true},
		{"::1", true, false}, // as pion: IPv4-compatible form
		{"::1", false, false},
		{"2001:db8::1", false, true},
		{"fe80::1", true, false},
		{"fec0::1", true, false},
		{"::10.0.0.1", true, false},
		{"0.0.0.0", true, false},
		{"224.0.0.1", true, false},
	} {
		if got := usableHostAddr(netip.MustParseAddr(tc.addr), tc.loopback); got != tc.want {
			t.Errorf("usableHostAddr(%s, loopback %v) = %v, want %v", tc.addr, tc.loopback, got, tc.want)
		}
	}
}

func TestOpenLoopbackOnOnePort(t *testing.T) {
	free, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	fixed := uint16(free.LocalAddr().(*net.UDPAddr).Port)
	_ = free.Close()
	for _, tc := range []struct {
		name string
		port uint16
	}{{"ephemeral", 0}, {"fixed", fixed}} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Open(Config{Port: tc.port, Loopback: true, Keep: func(_ string, a netip.Addr) bool { return a.IsLoopback() }})
			if err != nil {
				t.Fatal(err)
			}
			if p == nil {
				t.Fatal("no loopback address")
			}
			addrs := p.Mux().GetListenAddresses()
			if len(addrs) == 0 {
				t.Fatal("the mux listens nowhere")
			}
			for _, a := range addrs {
				ua := a.(*net.UDPAddr)
				if !ua.IP.IsLoopback() || ua.Port != p.Number() || (tc.port != 0 && ua.Port != int(tc.port)) {
					t.Errorf("listens on %v; want loopback on port %d (asked %d)", ua, p.Number(), tc.port)
				}
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			// Closed: the port is free again.
			again, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p.Number()})
			if err != nil {
				t.Fatalf("port %d still bound after Close: %v", p.Number(), err)
			}
			_ = again.Close()
		})
	}
}

func TestOpenNoAddress(t *testing.T) {
	p, err := Open(Config{Keep: func(string, netip.Addr) bool { return false }})
	if p != nil || err != nil {
		t.Fatalf("Open with no address = %v, %v; want nil, nil", p, err)
	}
}
