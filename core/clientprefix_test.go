package core_test

import (
	"maps"
	"testing"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
)

// TestSessionsPerIPv6Prefix: two addresses of one IPv6 /64 (one client
// rotating its addresses) share MaxSessionsPerIP by default, counted under
// the prefix; another /64 has its own budget; IPv6ClientPrefix 128 keys
// each address apart, as before.
func TestSessionsPerIPv6Prefix(t *testing.T) {
	tests := []struct {
		name        string
		prefix      int
		secondOK    bool
		wantPerAddr map[string]int
	}{
		{"default /64", 0, false, map[string]int{"2001:db8:0:1::/64": 1, "2001:db8:0:2::/64": 1}},
		{"/56", 56, false, map[string]int{"2001:db8::/56": 1}},
		{"/128", 128, true, map[string]int{"2001:db8:0:1::10": 1, "2001:db8:0:1::20": 1, "2001:db8:0:2::10": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *core.Config) {
				c.Limits.MaxSessionsPerIP = 1
				c.Limits.IPv6ClientPrefix = tt.prefix
			})
			const pkg = "janus.transport.http"
			create := func(ip string) bool {
				m := e.req(coretest.NewClientAt(pkg, 1, ip), core.PathIDs{}, `{"janus":"create","transaction":"c"}`)
				return m["janus"] == "success"
			}
			if !create("2001:db8:0:1::10") {
				t.Fatal("first create refused")
			}
			if got := create("2001:db8:0:1::20"); got != tt.secondOK {
				t.Fatalf("create from another address of the /64: %v, want %v", got, tt.secondOK)
			}
			if got, want := create("2001:db8:0:2::10"), tt.prefix != 56; got != want {
				t.Fatalf("create from another /64: %v, want %v", got, want)
			}
			if got := core.SessionsPerIP(e.g); !maps.Equal(got, tt.wantPerAddr) {
				t.Fatalf("per-address counts %v, want %v", got, tt.wantPerAddr)
			}
		})
	}
}

// TestPeerConnectionsPerIPv6Prefix: the sessions of two addresses of one
// IPv6 /64 share MaxPeerConnectionsPerIP.
func TestPeerConnectionsPerIPv6Prefix(t *testing.T) {
	eng := coretest.Engine(t, webrtc.Config{ServerName: "test"})
	e := newEnv(t, func(c *core.Config) {
		c.Engine = eng
		c.Limits.MaxPeerConnectionsPerIP = 1
	})
	_, offer := clientOffer(t)
	const pkg = "janus.transport.http"
	offerFrom := func(ip string) map[string]any {
		s := e.create(coretest.NewClientAt(pkg, 1, ip))
		h := e.attach(s, pluginA)
		return e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, "o", "async", "offer", offer))
	}
	if m := offerFrom("2001:db8:0:1::10"); m["janus"] != "ack" {
		t.Fatalf("first offer: %v", m)
	}
	if code, _ := errOf(t, offerFrom("2001:db8:0:1::20")); code != 490 {
		t.Fatal("an offer from another address of the /64 was not refused")
	}
	if m := offerFrom("2001:db8:0:2::10"); m["janus"] != "ack" {
		t.Fatalf("offer from another /64: %v", m)
	}
	waitLivePeers(t, e.g, 2)
	if got, want := core.PeersPerIP(e.g), map[string]int{"2001:db8:0:1::/64": 1, "2001:db8:0:2::/64": 1}; !maps.Equal(got, want) {
		t.Fatalf("per-address PeerConnections %v, want %v", got, want)
	}
}
