package webrtc

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/transport/v5"
)

// TestIfaceNetSharesAList: PeerConnections asking within maxAge share one
// enumeration; an older list is enumerated again; a failed enumeration
// gives the last list (an error only when there is none) and is not
// cached; lookups by name and index use the list.
func TestIfaceNetSharesAList(t *testing.T) {
	now := time.Unix(1000, 0)
	var calls int
	var fail bool
	n := newIfaceNet(time.Second)
	n.now = func() time.Time { return now }
	n.list = func() ([]*transport.Interface, error) {
		calls++
		if fail {
			return nil, errors.New("netlink")
		}
		return []*transport.Interface{transport.NewInterface(net.Interface{Index: calls, Name: "eth0"})}, nil
	}
	steps := []struct {
		name    string
		advance time.Duration
		fail    bool
		wantErr bool
		calls   int
		index   int // of the list returned: the enumeration that made it
	}{
		{"first, enumeration fails: no list to give", 0, true, true, 1, 0},
		{"first", 0, false, false, 2, 2},
		{"same instant", 0, false, false, 2, 2},
		{"just under a second later", 999 * time.Millisecond, false, false, 2, 2},
		{"a second after the list", time.Millisecond, false, false, 3, 3},
		{"stale, enumeration fails: the last list", 2 * time.Second, true, false, 4, 3},
		{"stale, fails again (not cached)", 0, true, false, 5, 3},
		{"stale, works", 0, false, false, 6, 6},
	}
	for _, s := range steps {
		now, fail = now.Add(s.advance), s.fail
		ifaces, err := n.Interfaces()
		if (err != nil) != s.wantErr {
			t.Fatalf("%s: err %v, want error %v", s.name, err, s.wantErr)
		}
		if calls != s.calls {
			t.Errorf("%s: %d enumerations, want %d", s.name, calls, s.calls)
		}
		if err == nil && (len(ifaces) != 1 || ifaces[0].Index != s.index) {
			t.Errorf("%s: list %v, want enumeration %d's", s.name, ifaces, s.index)
		}
	}
	if ifc, err := n.InterfaceByName("eth0"); err != nil || ifc.Index != 6 {
		t.Errorf("InterfaceByName(eth0) = %v, %v", ifc, err)
	}
	if ifc, err := n.InterfaceByIndex(6); err != nil || ifc.Name != "eth0" {
		t.Errorf("InterfaceByIndex(6) = %v, %v", ifc, err)
	}
	if _, err := n.InterfaceByName("wlan0"); !errors.Is(err, transport.ErrInterfaceNotFound) {
		t.Errorf("InterfaceByName(wlan0): %v, want ErrInterfaceNotFound", err)
	}
	if calls != 6 {
		t.Errorf("lookups enumerated again: %d enumerations", calls)
	}
}

// TestIfaceNetHost: the real enumeration lists the loopback interface
// with its address, as pion's own would.
func TestIfaceNetHost(t *testing.T) {
	ifaces, err := newIfaceNet(time.Second).Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagLoopback == 0 {
			continue
		}
		if addrs, err := ifc.Addrs(); err == nil && len(addrs) > 0 {
			return
		}
	}
	t.Errorf("no loopback interface with an address in %d interfaces", len(ifaces))
}

// TestInterfaceOf: the enforce list's filter names an address's interface
// from the shared list: only an interface that is up.
func TestInterfaceOf(t *testing.T) {
	up := transport.NewInterface(net.Interface{Index: 1, Name: "eth0", Flags: net.FlagUp})
	up.AddAddress(&net.IPNet{IP: net.IPv4(10, 0, 0, 1), Mask: net.CIDRMask(24, 32)})
	down := transport.NewInterface(net.Interface{Index: 2, Name: "eth1"})
	down.AddAddress(&net.IPNet{IP: net.IPv4(10, 0, 1, 1), Mask: net.CIDRMask(24, 32)})
	n := newIfaceNet(time.Second)
	n.list = func() ([]*transport.Interface, error) { return []*transport.Interface{up, down}, nil }
	for _, tc := range []struct{ addr, want string }{
		{"10.0.0.1", "eth0"},
		{"10.0.1.1", ""}, // its interface is down
		{"10.0.2.1", ""},
	} {
		if got := interfaceOf(n, netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("interfaceOf(%s) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}
