package e2e

import (
	"context"
	"testing"
)

// TestVideoRoomPublisherDropsStream: a publisher renegotiates without its
// video; the subscriber gets an unsolicited "updated" offer in which only
// the audio is active, and audio keeps flowing.
func TestVideoRoomPublisherDropsStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*vrStepTimeout)
	defer cancel()
	srv := startVideoRoomServer(t)
	pub := newVRPublisher(ctx, t, srv, "dropper", 5)
	viewer, s := newVRViewer(ctx, t, srv, "viewer", 6, pub.feed)
	if err := s.waitMedia(ctx, 25); err != nil {
		t.Fatal(err)
	}
	for _, tr := range pub.pub.pc.GetTransceivers() {
		if tr.Sender() != nil && tr.Sender().Track() == pub.pub.video {
			if err := pub.pub.pc.RemoveTrack(tr.Sender()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := pub.renegotiate(ctx); err != nil {
		t.Fatal(err)
	}
	up, err := viewer.in.wait(ctx, "updated offer", func(m msg) bool {
		return u64(m["sender"]) == s.hid && pluginData(m)["videoroom"] == "updated" && field(m, "jsep", "type") == "offer"
	})
	if err != nil {
		t.Fatal(err)
	}
	s.noteStreams(pluginData(up))
	if len(s.feeds) != 1 || s.midOf(pub.feed, "audio") == "" {
		t.Fatalf("streams after the publisher dropped video: %s", jsonString(pluginData(up)))
	}
	sdpOffer, _ := field(up, "jsep", "sdp").(string)
	if err := s.answer(ctx, viewer, sdpOffer); err != nil {
		t.Fatal(err)
	}
	if err := s.waitMedia(ctx, 25); err != nil {
		t.Fatal(err)
	}
}
