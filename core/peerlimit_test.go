package core_test

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
)

// waitLivePeers waits until n MaxPeerConnections slots are taken.
func waitLivePeers(t *testing.T, g *core.Gateway, n int64) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for core.LivePeers(g) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d live PeerConnections, want %d", core.LivePeers(g), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPeerConnectionsBounded: with MaxPeerConnections 2, an offer that
// needs a third PeerConnection is answered 490 and counted, and so is a
// plugin's Handle.Peer; a PeerConnection that ends (hangup, detach, the
// session's destroy) gives its slot back, so after many rounds of
// creating and tearing them down none is left counted.
func TestPeerConnectionsBounded(t *testing.T) {
	cnt := &counter{}
	eng := coretest.Engine(t, webrtc.Config{ServerName: "test"})
	e := newEnv(t, func(c *core.Config) {
		c.Engine = eng
		c.Limits.MaxPeerConnections = 2
		c.Refusals = cnt
	})
	_, offer := clientOffer(t)
	s := e.create(e.c)
	// "async" makes the fake plugin ack without a Peer of its own (its
	// "answer" would call Handle.Peer later, racing the teardowns below).
	offerTo := func(h uint64) map[string]any {
		return e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, "o", "async", "offer", offer))
	}
	h1, h2, h3 := e.attach(s, pluginA), e.attach(s, pluginA), e.attach(s, pluginA)
	for _, h := range []uint64{h1, h2} {
		if m := offerTo(h); m["janus"] != "ack" {
			t.Fatalf("offer: %v", m)
		}
	}
	m := offerTo(h3)
	if code, reason := errOf(t, m); code != 490 || !strings.Contains(reason, "too many PeerConnections (limit 2)") {
		t.Fatalf("third offer: %v", m)
	}
	if got := cnt.get(core.LimitPeerConnections); got != 1 {
		t.Fatalf("refusals counted %d, want 1", got)
	}
	var hd core.Handle
	for _, ps := range e.a.Sessions() {
		if ps.Handle().ID() == core.HandleID(h3) {
			hd = ps.Handle()
		}
	}
	if hd == nil {
		t.Fatal("no plugin session for the third handle")
	}
	if _, err := hd.Peer(); err == nil || !strings.Contains(err.Error(), "too many PeerConnections") {
		t.Fatalf("Handle.Peer beyond the limit: %v", err)
	}
	if got := cnt.get(core.LimitPeerConnections); got != 2 {
		t.Fatalf("refusals counted %d, want 2", got)
	}

	e.req(e.c, core.PathIDs{}, `{"janus":"hangup","transaction":"h","session_id":%d,"handle_id":%d}`, s, h1)
	waitLivePeers(t, e.g, 1)
	if m := offerTo(h3); m["janus"] != "ack" {
		t.Fatalf("offer after a hangup: %v", m)
	}

	// Churn: each round creates a PeerConnection and ends it one of three
	// ways; the count must come back down every time.
	ends := []string{"hangup", "detach", "destroy"}
	for i := range 12 {
		e.req(e.c, core.PathIDs{}, `{"janus":"detach","transaction":"d","session_id":%d,"handle_id":%d}`, s, h3)
		s2 := e.create(e.c)
		h := e.attach(s2, pluginA)
		if m := e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s2, h, "o", "async", "offer", offer)); m["janus"] != "ack" {
			t.Fatalf("round %d: offer: %v", i, m)
		}
		waitLivePeers(t, e.g, 2)
		req := fmt.Sprintf(`{"janus":%q,"transaction":"x","session_id":%d,"handle_id":%d}`, ends[i%3], s2, h)
		if ends[i%3] == "destroy" {
			req = fmt.Sprintf(`{"janus":"destroy","transaction":"x","session_id":%d}`, s2)
		}
		if m := e.req(e.c, core.PathIDs{}, "%s", req); m["janus"] != "success" {
			t.Fatalf("round %d: %s: %v", i, ends[i%3], m)
		}
		waitLivePeers(t, e.g, 1)
		h3 = e.attach(s, pluginA)
	}
	e.req(e.c, core.PathIDs{}, `{"janus":"destroy","transaction":"x","session_id":%d}`, s)
	waitLivePeers(t, e.g, 0)
	if got := cnt.get(core.LimitPeerConnections); got != 2 {
		t.Fatalf("refusals counted %d after the churn, want still 2", got)
	}
}

// TestPeerConnectionsPerIPBounded: with MaxPeerConnectionsPerIP 2, the
// sessions of one client address (IPv4-mapped or not, over any of its
// sessions) get 490 for a third live PeerConnection, counted under its own
// limit name, while another address and a broker's sessions (no client
// address) still get theirs; a PeerConnection that ends gives its
// address's slot back, and the tables end empty.
func TestPeerConnectionsPerIPBounded(t *testing.T) {
	cnt := &counter{}
	eng := coretest.Engine(t, webrtc.Config{ServerName: "test"})
	e := newEnv(t, func(c *core.Config) {
		c.Engine = eng
		c.Limits.MaxPeerConnectionsPerIP = 2
		c.Refusals = cnt
	})
	_, offer := clientOffer(t)
	const pkg = "janus.transport.http"
	a := coretest.NewClientAt(pkg, 1, "10.0.0.1")
	aMapped := coretest.NewClientAt("janus.transport.websockets", 2, "::ffff:10.0.0.1")
	b := coretest.NewClientAt(pkg, 3, "10.0.0.2")
	broker := coretest.NewClient("janus.transport.mqtt", 4)
	// "async": the fake plugin acks without a Peer of its own.
	offerTo := func(s, h uint64) map[string]any {
		return e.req(e.c, core.PathIDs{}, "%s", jsepMsg(t, s, h, "o", "async", "offer", offer))
	}
	mustOffer := func(s, h uint64) {
		t.Helper()
		if m := offerTo(s, h); m["janus"] != "ack" {
			t.Fatalf("offer on %d/%d: %v", s, h, m)
		}
	}
	mustRefuse := func(s, h uint64) {
		t.Helper()
		m := offerTo(s, h)
		if code, reason := errOf(t, m); code != 490 ||
			reason != "Error setting ICE locally: too many PeerConnections (limit 2 per client address)" {
			t.Fatalf("offer on %d/%d: %v; want 490 per client address", s, h, m)
		}
	}

	sa, sa2 := e.create(a), e.create(aMapped)
	ha1, ha2, ha3 := e.attach(sa, pluginA), e.attach(sa2, pluginA), e.attach(sa, pluginA)
	mustOffer(sa, ha1)
	mustOffer(sa2, ha2) // another session and connection of the same address
	mustRefuse(sa, ha3)
	if got := cnt.get(core.LimitPeerConnectionsPerIP); got != 1 {
		t.Fatalf("per-address refusals counted %d, want 1", got)
	}
	if got := cnt.get(core.LimitPeerConnections); got != 0 {
		t.Fatalf("the global limit counted %d", got)
	}

	sb := e.create(b)
	mustOffer(sb, e.attach(sb, pluginA))
	sbr := e.create(broker)
	for range 3 {
		mustOffer(sbr, e.attach(sbr, pluginA))
	}
	waitLivePeers(t, e.g, 6)
	if got, want := core.PeersPerIP(e.g), map[string]int{"10.0.0.1": 2, "10.0.0.2": 1}; !maps.Equal(got, want) {
		t.Fatalf("per-address PeerConnections %v, want %v", got, want)
	}
	if got := e.g.Counts().PeerConnections; got != 6 {
		t.Fatalf("Counts().PeerConnections %d, want the limiter's 6", got)
	}

	e.req(e.c, core.PathIDs{}, `{"janus":"hangup","transaction":"h","session_id":%d,"handle_id":%d}`, sa, ha1)
	waitLivePeers(t, e.g, 5)
	mustOffer(sa, ha3)
	mustRefuse(sa2, e.attach(sa2, pluginA))

	for _, s := range []uint64{sa, sa2, sb, sbr} {
		e.req(e.c, core.PathIDs{}, `{"janus":"destroy","transaction":"x","session_id":%d}`, s)
	}
	waitLivePeers(t, e.g, 0)
	if got := core.PeersPerIP(e.g); len(got) != 0 {
		t.Fatalf("per-address PeerConnections left after teardown: %v", got)
	}
	if got := cnt.get(core.LimitPeerConnectionsPerIP); got != 2 {
		t.Fatalf("per-address refusals counted %d, want 2", got)
	}
}

// TestPeerSlotsNeverOvershoot: an acquire refused by its address's cap
// never holds a global slot, not even for a moment. With a global cap of 2
// and 1 per address, address A holds its one slot while a second client
// of A keeps trying (always refused); a client of B taking and giving back
// the other slot meanwhile must never be refused. (It checks that the
// address's cap is tried before the global slot is taken; the global
// count's own compare-and-swap, which keeps two clients racing for the
// last slot from both being refused, has no test that fails reliably.)
func TestPeerSlotsNeverOvershoot(t *testing.T) {
	cnt := &counter{}
	e := newEnv(t, func(c *core.Config) {
		c.Limits.MaxPeerConnections = 2
		c.Limits.MaxPeerConnectionsPerIP = 1
		c.Refusals = cnt
	})
	g := e.g
	if err := core.AcquirePeer(g, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if core.AcquirePeer(g, "10.0.0.1") == nil {
				t.Error("A's second PeerConnection was not refused")
				core.ReleasePeer(g, "10.0.0.1")
			}
		}
	}()
	const rounds = 20000
	refused := 0
	for range rounds {
		if core.AcquirePeer(g, "10.0.0.2") != nil {
			refused++
			continue
		}
		core.ReleasePeer(g, "10.0.0.2")
	}
	close(stop)
	<-done
	if refused > 0 {
		t.Errorf("B refused %d times out of %d with a slot free", refused, rounds)
	}
	if got := cnt.get(core.LimitPeerConnections); got != 0 {
		t.Errorf("the global limit refused %d times", got)
	}
	core.ReleasePeer(g, "10.0.0.1")
	if n := core.LivePeers(g); n != 0 {
		t.Errorf("%d slots left taken", n)
	}
	if m := core.PeersPerIP(g); len(m) != 0 {
		t.Errorf("per-address counts left: %v", m)
	}
}
