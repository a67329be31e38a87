package core_test

import (
	"fmt"
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
