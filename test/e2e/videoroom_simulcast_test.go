package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testpeer"
)

// simulcastMarkers are the last payload byte of each layer's packets.
var simulcastMarkers = map[string]byte{"l": 40, "m": 41, "h": 42}

// TestVideoRoomSimulcast: a subscriber gets the highest layer by default
// and the lowest after configure substream 0, on the same m-line.
func TestVideoRoomSimulcast(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*vrStepTimeout)
	defer cancel()
	srv := startVideoRoomServer(t)
	pubUser, err := newVRUser(ctx, t, srv, "simulcaster", 0)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := pubUser.async(ctx, pubUser.pubHID, msg{"request": "join", "ptype": "publisher", "room": 1234, "display": "sim"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pubUser.feed = u64(pluginData(ev)["id"])
	// One VP8 m-line with three RID layers (h, m, l), each packet tagged
	// with the mid and rid extensions and its layer's marker.
	pub, err := testpeer.New(testpeer.Config{
		Feedback:        []pion.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}},
		VideoExtensions: testpeer.SimulcastExtensions(),
		AnyAddress:      true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { // Argus closes its side first
		pubUser.close()
		_ = pub.Close()
	}()
	sim, err := pub.AddSimulcast("h", "m", "l")
	if err != nil {
		t.Fatal(err)
	}
	sdpOffer, err := pub.Offer(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	ev, err = pubUser.async(ctx, pubUser.pubHID, msg{"request": "publish"}, msg{"type": "offer", "sdp": sdpOffer})
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := field(ev, "jsep", "sdp").(string)
	if err := pub.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	if err := pub.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(testpeer.SimulcastMedia{Interval: rtpInterval, Size: 207, Tags: simulcastMarkers}); err != nil {
		t.Fatal(err)
	}

	viewer, s := newVRViewer(ctx, t, srv, "viewer", 1, pubUser.feed)
	mid := s.midOf(pubUser.feed, "video")
	tr := s.peer.track(mid)
	waitMarker(ctx, t, tr, mid, simulcastMarkers["h"])
	ev, err = viewer.async(ctx, s.hid, msg{"request": "configure", "streams": []any{map[string]any{"mid": mid, "substream": 0}}}, nil)
	if err != nil || pluginData(ev)["configured"] != "ok" {
		t.Fatalf("configure: %v %s", err, jsonString(ev))
	}
	waitMarker(ctx, t, tr, mid, simulcastMarkers["l"])
	// Only the selected layer flows: a run of packets all from "l".
	base := tr.packets.Load()
	for tr.packets.Load() < base+25 {
		if m := tr.lastMarker.Load(); m != int32(simulcastMarkers["l"]) {
			t.Fatalf("packet from layer marker %d after selecting l", m)
		}
		select {
		case <-ctx.Done():
			t.Fatal(fmt.Errorf("no media after switching layer: %w", ctx.Err()))
		case <-time.After(5 * time.Millisecond):
		}
	}
	res, err := srv.admin(ctx, msg{"janus": "handle_info", "session_id": pubUser.sid, "handle_id": pubUser.pubHID})
	if err != nil {
		t.Fatal(err)
	}
	streams, _ := field(res, "info", "plugin_specific", "streams").([]any)
	if len(streams) != 1 || streams[0].(map[string]any)["simulcast"] != true {
		t.Errorf("publisher streams in handle_info: %s", jsonString(streams))
	}
}
