package e2e

import (
	"context"
	"testing"
	"time"
)

// TestVideoRoomNACKAfterSwitch: alice's video m-line was negotiated with
// NACK (bob publishes with it); switched to dave, who published VP8
// without NACK, it still has a NACKed packet of dave's retransmitted, as
// Janus does from its per-subscriber buffer.
func TestVideoRoomNACKAfterSwitch(t *testing.T) {
	srv := startVideoRoomServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	bob := newVRPublisher(ctx, t, srv, "bob", 1)
	dave, err := newVRUser(ctx, t, srv, "dave", 2)
	if err != nil {
		t.Fatal(err)
	}
	dave.noNACK = true
	if _, err := dave.joinAndPublish(ctx); err != nil {
		t.Fatal(err)
	}
	alice, s := newVRViewer(ctx, t, srv, "alice", 3, bob.feed)
	if err := s.waitMedia(ctx, 20); err != nil {
		t.Fatal(err)
	}
	mid := s.midOf(bob.feed, "video")
	if _, err := alice.async(ctx, s.hid, msg{"request": "switch", "streams": []any{
		map[string]any{"feed": dave.feed, "mid": dave.pubMids["video"], "sub_mid": mid}}}, nil); err != nil {
		t.Fatal(err)
	}
	s.feeds[mid] = dave.feed
	tr := s.peer.track(mid)
	waitMarker(ctx, t, tr, mid, dave.marker)
	// vrTestNACK asks for the fifth packet before the last: let it be
	// one of dave's.
	_, first := tr.seen(0)
	for {
		if _, last := tr.seen(0); last-first >= 10 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("no media from dave after the switch")
		case <-waitTick():
		}
	}
	vrTestNACK(t, ctx, alice, dave)
}
