package webrtc

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
)

// TestNATCandidates: the host candidates of an answer with
// nat_1_1_mapping, with and without keep_private_host, with a socket per
// PeerConnection and with the shared port alike, on an engine that
// gathers on 127.0.0.1 only. As Janus 1.1.2 (natmap.go): the public
// addresses replace the private one, or with keep_private_host are
// advertised next to it; every one is of type host. A public address
// pinned to another local address leaves 127.0.0.1 as it is.
func TestNATCandidates(t *testing.T) {
	const (
		lo   = "127.0.0.1"
		pub  = "192.0.2.7"
		pub2 = "198.51.100.9"
	)
	for _, tc := range []struct {
		name string
		nat  []string
		keep bool
		want []string
	}{
		{name: "no mapping", want: []string{lo}},
		{name: "keep without mapping", keep: true, want: []string{lo}},
		{name: "mapping", nat: []string{pub}, want: []string{pub}},
		{name: "mapping keeping the private host", nat: []string{pub}, keep: true, want: []string{lo, pub}},
		{name: "two public addresses", nat: []string{pub, pub2}, want: []string{pub, pub2}},
		{name: "two public addresses keeping the private host", nat: []string{pub, pub2}, keep: true, want: []string{lo, pub, pub2}},
		{name: "pinned to 127.0.0.1", nat: []string{pub + "/" + lo}, want: []string{pub}},
		{name: "pinned keeping the private host", nat: []string{pub + "/" + lo}, keep: true, want: []string{lo, pub}},
		{name: "pinned to another address", nat: []string{pub + "/10.9.9.9"}, want: []string{lo}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Emitter: telemetry.Discard, IncludeLoopback: true, ICEEnforceList: testkit.LoopbackICE(),
				NAT1To1IPs: tc.nat, KeepPrivateHost: tc.keep}
			addrs := answerAddrsBothModes(t, cfg, func(string) bool { return true })
			for mode, got := range addrs {
				if !slices.Equal(slices.Sorted(maps.Keys(got)), tc.want) {
					t.Errorf("%s: candidate addresses %v, want %v", mode, slices.Sorted(maps.Keys(got)), tc.want)
				}
			}
		})
	}
}

// TestNATKeepPrivateHostSharedPort: with the shared port, the private and
// the public host candidates are on that one port (Janus: one socket,
// both addresses).
func TestNATKeepPrivateHostSharedPort(t *testing.T) {
	eng := engineOf(t, Config{Emitter: telemetry.Discard, IncludeLoopback: true, SharedUDP: true,
		NAT1To1IPs: []string{"192.0.2.7"}, KeepPrivateHost: true}, nil)
	port, _, ok := eng.SharedUDP()
	if !ok {
		t.Fatal("no shared port")
	}
	seen := map[string]bool{}
	for _, f := range answerCandidates(t, eng) {
		seen[f[4]] = true
		if f[5] != strconv.Itoa(port) || f[7] != "host" {
			t.Errorf("candidate %q, want a host candidate on port %d", f, port)
		}
	}
	if !seen["127.0.0.1"] || !seen["192.0.2.7"] {
		t.Errorf("candidate addresses %v", seen)
	}
}

// TestNATConfigErrors: an entry that is not an address, or "public/local"
// with a bad local part, is refused by NewEngine; so are addresses no
// candidate can carry and IPv6 zones (pion's parser refuses those later,
// failing every answer).
func TestNATConfigErrors(t *testing.T) {
	for _, nat := range [][]string{{"public.example"}, {"192.0.2.7/eth0"}, {"192.0.2.7", "300.1.1.1"},
		{"fe80::1%eth0"}, {"192.0.2.7/fe80::1%eth0"}, {"0.0.0.0"}, {"::"}, {"224.0.0.1"}} {
		_, err := NewEngine(Config{NAT1To1IPs: nat})
		if !errors.Is(err, ErrNATConfig) {
			t.Errorf("NewEngine(nat %v) = %v, want %v", nat, err, ErrNATConfig)
		}
		if err := ValidateNAT1To1(nat); !errors.Is(err, ErrNATConfig) {
			t.Errorf("ValidateNAT1To1(%v) = %v", nat, err)
		}
	}
	if got := PublicIPs([]string{"192.0.2.7/10.0.0.5", " 198.51.100.9 ", ""}); !slices.Equal(got, []string{"192.0.2.7", "198.51.100.9"}) {
		t.Errorf("PublicIPs = %v", got)
	}
}

// TestNATKeepPrivateHostConnects: with keep_private_host, a client that
// cannot reach the public address connects through the private host
// candidate, also when Argus is an ICE-lite agent and sends no checks to
// discover the client's address itself.
func TestNATKeepPrivateHostConnects(t *testing.T) {
	for _, lite := range []bool{false, true} {
		t.Run(map[bool]string{false: "full", true: "lite"}[lite], func(t *testing.T) {
			obs := &observer{}
			eng := engineOf(t, Config{ServerName: "test", Emitter: telemetry.Discard, IncludeLoopback: true,
				NAT1To1IPs: []string{"192.0.2.7"}, KeepPrivateHost: true, ICELite: lite}, nil)
			peer := newPeer(t, eng, PeerParams{Observer: obs})
			peer.PeerConnection().OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) { drain(tr) })
			client := newClient(t)
			addOpusTrack(t, client)
			negotiate(t, peer, client)
			testkit.Until(t, 10*time.Second, "webrtcup", func() bool { up, _, _ := obs.snapshot(); return up == 1 })
			// The pair the client uses is the private host candidate Argus
			// advertised, not one the client learnt from Argus's checks
			// (peer-reflexive), which a full agent would find without it.
			pair, err := client.GetSenders()[0].Transport().ICETransport().GetSelectedCandidatePair()
			if err != nil || pair == nil || pair.Remote.Address != "127.0.0.1" || pair.Remote.Typ != pion.ICECandidateTypeHost {
				t.Errorf("client's selected pair %v (%v), want the remote host candidate 127.0.0.1", pair, err)
			}
		})
	}
}
