package videoroom

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/internal/testpeer"
)

// refusingHandle is a coretest handle whose Peer fails while refuse holds
// an error, as the core's does beyond its PeerConnection limits.
type refusingHandle struct {
	*coretest.Handle
	refuse atomic.Pointer[error]
}

func (h *refusingHandle) Peer() (*webrtc.Peer, error) {
	if err := h.refuse.Load(); err != nil {
		return nil, *err
	}
	return h.Handle.Peer()
}

// TestSubscriberJoinWithoutPeer: a subscriber join whose PeerConnection
// the core refuses is answered without the core's Go prefix and leaves
// the handle no subscriber (not in the room's list either), so the same
// join, retried once a PeerConnection can be had, succeeds.
func TestSubscriberJoinWithoutPeer(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7}]}`)
	_, _, _, feed := f.publishOffer("pub", false)
	h := &refusingHandle{Handle: f.newHandle()}
	s := f.attach(h)
	refused := fmt.Errorf("%w (limit 4)", core.ErrTooManyPeers)
	h.refuse.Store(&refused)
	join := `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":` + formatID(feed) + `}]}`
	p := f.async(h.Handle, s, join, nil)
	if !match(p.Data, map[string]any{"error": "Error preparing the subscription: too many PeerConnections (limit 4)"}) || p.JSEP != nil {
		t.Fatalf("join without a PeerConnection = %v", p.Data)
	}
	r := f.p.room(7)
	if r == nil {
		t.Fatal("no room 7")
	}
	r.mu.Lock()
	n := len(r.subscribers)
	r.mu.Unlock()
	if n != 0 {
		t.Fatalf("room 7 lists %d subscribers after the refused join", n)
	}

	h.refuse.Store(nil)
	if p := f.async(h.Handle, s, join, nil); p.Data["videoroom"] != "attached" || p.JSEP == nil {
		t.Fatalf("retried join = %v", p.Data)
	}
}

// TestSubscriberJoinOfferFails: a subscriber join whose PeerConnection
// was made but whose offer fails (here a join that carried an offer,
// which the core applies before the plugin sees the message, so that the
// PeerConnection cannot offer) is undone: the handle is no subscriber,
// the room lists none, the publisher's streams send to nobody, and the
// PeerConnection is closed; the same join, retried, gets a new one, whose
// client receives the publisher's media.
func TestSubscriberJoinOfferFails(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7}]}`)
	_, _, _, feed, pubPeer := f.publishPeer("pub", true)
	pubPeer.Start(testpeer.Browser20ms())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, s := f.handle()
	offering, err := testpeer.New(testpeer.Config{Audio: true, AnyAddress: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = offering.Close() })
	offer, err := offering.Offer(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	peer, err := h.Peer() // the core applies an offer before the plugin sees it
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.SetRemoteDescription(ctx, "offer", offer); err != nil {
		t.Fatal(err)
	}
	join := `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":` + formatID(feed) + `}]}`
	p := f.async(h, s, join, &core.JSEP{Type: "offer", SDP: offer})
	if msg, _ := p.Data["error"].(string); p.Data["error_code"] != float64(errUnknown) || !strings.HasPrefix(msg, "Error creating the offer: webrtc: set local description: ") || p.JSEP != nil {
		t.Fatalf("join with a failing offer = %v (jsep %v)", p.Data, p.JSEP != nil)
	}
	if q := query(t, s); q["type"] != "none" {
		t.Errorf("handle_info after the failed join = %v, want no role", q)
	}
	r := f.p.room(7)
	if r == nil {
		t.Fatal("no room 7")
	}
	pub := r.participant(feed)
	if pub == nil {
		t.Fatal("no publisher")
	}
	dests := func() map[string]int {
		out := map[string]int{}
		for _, ps := range pub.activeStreams() {
			out[ps.kind] = ps.subscriberCount()
		}
		return out
	}
	r.mu.Lock()
	n := len(r.subscribers)
	r.mu.Unlock()
	if n != 0 {
		t.Errorf("room 7 lists %d subscribers after the failed join", n)
	}
	if got := dests(); got["audio"] != 0 || got["video"] != 0 {
		t.Errorf("publisher destinations after the failed join = %v, want none", got)
	}

	if got := findEvents(f.host, "subscribing"); len(got) != 0 {
		t.Errorf("the failed join announced %d subscriptions", len(got))
	}

	// Retried at once, as a client would: the old PeerConnection may
	// still be closing.
	client, answer := f.answering(ctx, h, s, testpeer.Config{AnyAddress: true})
	if mids := answer("retried join", f.async(h, s, join, nil)); len(mids) != 2 {
		t.Fatalf("retried join offer m-lines %v, want audio and video", mids)
	}
	select {
	case <-peer.Done():
	case <-time.After(coretest.ExpectTimeout):
		t.Error("the failed join left its PeerConnection open")
	}
	if err := client.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	receivedAll(ctx, t, s, client, "retried join")
	if got := dests(); got["audio"] != 1 || got["video"] != 1 {
		t.Errorf("publisher destinations after the retried join = %v, want one each", got)
	}
}
