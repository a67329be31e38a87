package videoroom

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
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
