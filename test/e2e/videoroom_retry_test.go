package e2e

import (
	"context"
	"testing"
	"time"
)

// refusedConfigure sends a configure whose body the VideoRoom refuses
// (bitrate of the wrong type) with offer sdp, and checks the error event.
func refusedConfigure(ctx context.Context, t *testing.T, u *vrUser, sdp string) {
	t.Helper()
	ev, err := u.async(ctx, u.pubHID, msg{"request": "configure", "bitrate": "fast"}, msg{"type": "offer", "sdp": sdp})
	if err == nil || ev == nil || pluginData(ev)["error_code"] == nil || ev["jsep"] != nil {
		t.Fatalf("refused configure: %s, %v; want an error event without a JSEP", jsonString(ev), err)
	}
}

// answeredConfigure sends a configure with offer sdp and applies the answer.
func answeredConfigure(ctx context.Context, t *testing.T, u *vrUser, sdp string) {
	t.Helper()
	ev, err := u.async(ctx, u.pubHID, msg{"request": "configure", "audio": true, "video": true}, msg{"type": "offer", "sdp": sdp})
	if err != nil {
		t.Fatalf("configure after a refused one: %v", err)
	}
	if field(ev, "jsep", "type") != "answer" {
		t.Fatalf("configure after a refused one: %s, want an answer", jsonString(ev))
	}
	answer, _ := field(ev, "jsep", "sdp").(string)
	if err := u.pub.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
}

// TestVideoRoomPublishRetryAfterRefusal: a publisher whose configure with
// an offer is refused (a bad request body) sends its offer again on the
// same handle and publishes; a refused renegotiation later keeps the
// PeerConnection and its media, and the next offer renegotiates.
func TestVideoRoomPublishRetryAfterRefusal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*vrStepTimeout)
	defer cancel()
	srv := startVideoRoomServer(t)
	u, err := newVRUser(ctx, t, srv, "retrier", 7)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := u.async(ctx, u.pubHID, msg{"request": "join", "ptype": "publisher", "room": 1234, "display": u.name}, nil)
	if err != nil {
		t.Fatal(err)
	}
	u.feed = u64(pluginData(ev)["id"])
	if u.pub, err = newVRPublisherPeer(u.name, u.marker, true); err != nil {
		t.Fatal(err)
	}
	sdp, err := u.pub.Offer(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	refusedConfigure(ctx, t, u, sdp)
	answeredConfigure(ctx, t, u, sdp)
	if err := waitPCConnected(ctx, u.pub.pc); err != nil {
		t.Fatal(err)
	}
	if _, err := u.in.wait(ctx, "webrtcup", fromHandle(u.pubHID, "webrtcup")); err != nil {
		t.Fatal(err)
	}
	u.pub.startSending()
	_, s := newVRViewer(ctx, t, srv, "viewer", 8, u.feed)
	if err := s.waitMedia(ctx, 25); err != nil {
		t.Fatal(err)
	}

	// A refused renegotiation; the client sends its offer again.
	reoffer, err := u.pub.Offer(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	refusedConfigure(ctx, t, u, reoffer)
	answeredConfigure(ctx, t, u, reoffer)
	if err := s.waitMedia(ctx, 25); err != nil {
		t.Fatal(err)
	}
	short, stop := context.WithTimeout(ctx, 200*time.Millisecond)
	defer stop()
	if _, err := u.in.wait(short, "no hangup", func(m msg) bool { return kind(m) == "hangup" }); err == nil {
		t.Fatal("the publisher got a hangup")
	}
}
