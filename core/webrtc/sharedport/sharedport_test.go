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

// TestSocketBuffersReadBack: socketBuffers reports what the kernel holds,
// not what was asked: a size below any rmem_max reads back as set, and
// Port.Buffers carries the sockets' sizes.
func TestSocketBuffersReadBack(t *testing.T) {
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	const size = 64 << 10 // under every kernel's cap
	if err := udp.SetReadBuffer(size); err != nil {
		t.Fatal(err)
	}
	if err := udp.SetWriteBuffer(size + 4096); err != nil {
		t.Fatal(err)
	}
	r, w, ok, err := socketBuffers(udp)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Skip("this platform cannot read socket buffers back")
	}
	if r != size || w != size+4096 {
		t.Errorf("socketBuffers = %d, %d; want %d, %d", r, w, size, size+4096)
	}

	p, err := Open(Config{Loopback: true, Keep: func(_ string, a netip.Addr) bool { return a.IsLoopback() }})
	if err != nil || p == nil {
		t.Fatalf("Open = %v, %v", p, err)
	}
	defer p.Close()
	b := p.Buffers()
	if b.Wanted != SocketBuffer || b.Read <= 0 || b.Write <= 0 || b.Read > SocketBuffer || b.Write > SocketBuffer {
		t.Errorf("Buffers = %+v; want sizes in (0, %d]", b, SocketBuffer)
	}
	if b.Short() != (b.Read < SocketBuffer || b.Write < SocketBuffer) {
		t.Errorf("Buffers %+v: Short = %v", b, b.Short())
	}
}

func TestBuffersShort(t *testing.T) {
	for _, tc := range []struct {
		b    Buffers
		want bool
	}{
		{Buffers{Wanted: 100, Read: 100, Write: 100}, false},
		{Buffers{Wanted: 100, Read: 50, Write: 100}, true},
		{Buffers{Wanted: 100, Read: 100, Write: 50}, true},
		{Buffers{Wanted: 100}, false}, // unknown
	} {
		if got := tc.b.Short(); got != tc.want {
			t.Errorf("%+v.Short() = %v, want %v", tc.b, got, tc.want)
		}
	}
}

func TestAddrs(t *testing.T) {
	p, err := Open(Config{Loopback: true, Keep: func(_ string, a netip.Addr) bool { return a.IsLoopback() }})
	if err != nil || p == nil {
		t.Fatalf("Open = %v, %v", p, err)
	}
	defer p.Close()
	addrs := p.Addrs()
	if len(addrs) == 0 {
		t.Fatal("no address")
	}
	for _, a := range addrs {
		if !a.Addr().IsLoopback() || !a.Addr().Is4() || int(a.Port()) != p.Number() {
			t.Errorf("address %v; want IPv4 loopback on port %d", a, p.Number())
		}
	}
}

// TestOpenICELite: Config.ICELite reaches every socket's mux (an answer to
// a check then moves a confirmed address, see mux), and only it.
func TestOpenICELite(t *testing.T) {
	for _, lite := range []bool{false, true} {
		p, err := Open(Config{Loopback: true, ICELite: lite, Keep: func(_ string, a netip.Addr) bool { return a.IsLoopback() }})
		if err != nil || p == nil {
			t.Fatalf("Open = %v, %v", p, err)
		}
		for _, m := range p.muxes {
			if m.lite != lite {
				t.Errorf("ICELite %v: a mux with lite %v", lite, m.lite)
			}
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
