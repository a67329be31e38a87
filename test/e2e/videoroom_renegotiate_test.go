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
	pub, err := newVRUser(ctx, t, srv, "dropper", 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pub.joinAndPublish(ctx); err != nil {
		t.Fatal(err)
	}
	viewer, err := newVRUser(ctx, t, srv, "viewer", 6)
	if err != nil {
		t.Fatal(err)
	}
	s, err := viewer.subscribe(ctx, pub.feed)
	if err != nil {
		t.Fatal(err)
	}
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
	offer, err := pub.pub.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	sdp, err := gathered(ctx, pub.pub.pc, offer)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := pub.async(ctx, pub.pubHID, msg{"request": "configure"}, msg{"type": "offer", "sdp": sdp})
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := field(ev, "jsep", "sdp").(string)
	if err := pub.pub.pc.SetRemoteDescription(sdpAnswer(answer)); err != nil {
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
