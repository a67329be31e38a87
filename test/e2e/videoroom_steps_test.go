package e2e

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// vrTestSwitch points alice's m-line receiving bob's video at carol's
// video: media changes source with no new offer, and the sequence
// numbers go on without a jump.
func vrTestSwitch(t *testing.T, ctx context.Context, alice, bob, carol *vrUser) {
	s := alice.subs[0]
	mid := s.midOf(bob.feed, "video")
	carolMid := carol.pubMids["video"]
	if mid == "" || carolMid == "" {
		t.Fatalf("mids: alice's %q, carol's %q", mid, carolMid)
	}
	tr := s.peer.track(mid)
	_, before := tr.seen(0)
	ev, err := alice.async(ctx, s.hid, msg{"request": "switch", "streams": []any{map[string]any{"feed": carol.feed, "mid": carolMid, "sub_mid": mid}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := pluginData(ev)
	if d["switched"] != "ok" || u64(d["changes"]) != 1 || ev["jsep"] != nil {
		t.Fatalf("switch answer: %s", jsonString(ev))
	}
	waitMarker(ctx, t, tr, mid, carol.marker)
	_, after := tr.seen(0)
	if gap := after - before; gap > 500 {
		t.Errorf("sequence numbers jumped by %d across the switch", gap)
	}
	s.feeds[mid] = carol.feed
	// Switch back so the later steps see the original layout.
	if _, err := alice.async(ctx, s.hid, msg{"request": "switch", "streams": []any{map[string]any{"feed": bob.feed, "mid": bob.pubMids["video"], "sub_mid": mid}}}, nil); err != nil {
		t.Fatal(err)
	}
	s.feeds[mid] = bob.feed
	waitMarker(ctx, t, tr, mid, bob.marker)
}

// waitMarker waits until m-line mid's last packet carries the publisher
// marker want.
func waitMarker(ctx context.Context, t *testing.T, tr *vrTrack, mid string, want byte) {
	t.Helper()
	for tr.lastMarker.Load() != int32(want) {
		select {
		case <-ctx.Done():
			t.Fatalf("m-line %s: marker %d, want %d", mid, tr.lastMarker.Load(), want)
		case <-waitTick():
		}
	}
}

// vrTestNACK: a NACK from carol for a packet of bob's video gets that
// packet retransmitted (core/webrtc's responder, from the publisher's
// history, per subscriber). The history keeps packets for a time (200 ms,
// or twice the RTT), and a NACK is one UDP packet: one that arrives late
// on a starved host is rightly not answered, so a NACK for a packet just
// seen goes out every 300 ms until one is answered, at most 20 times.
func vrTestNACK(t *testing.T, ctx context.Context, carol, bob *vrUser) {
	s := carol.subs[0]
	mid := s.midOf(bob.feed, "video")
	tr := s.peer.track(mid)
	var asked []uint16
	answered := func() bool {
		for _, seq := range asked {
			if n, _ := tr.seen(seq); n >= 2 {
				return true
			}
		}
		return false
	}
	for range 20 {
		// A packet seen once (not lost, not yet retransmitted) that was
		// not asked for already.
		_, last := tr.seen(0)
		want := last - 5
		if n, _ := tr.seen(want); n == 1 && !slices.Contains(asked, want) {
			asked = append(asked, want)
			nack := &rtcp.TransportLayerNack{SenderSSRC: 1, MediaSSRC: tr.ssrc.Load(), Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{want})}
			if err := s.peer.pc.WriteRTCP([]rtcp.Packet{nack}); err != nil {
				t.Fatal(err)
			}
		}
		for range 15 { // 300 ms
			if answered() {
				return
			}
			select {
			case <-ctx.Done():
				t.Fatalf("packets %v not retransmitted after NACKs", asked)
			case <-waitTick():
			}
		}
	}
	t.Fatalf("none of packets %v retransmitted after NACKs", asked)
}

// vrTestPLI: a PLI from carol about alice's video reaches alice's
// publisher PeerConnection (rate limited, so it is re-sent until seen).
func vrTestPLI(t *testing.T, ctx context.Context, carol, alice *vrUser) {
	s := carol.subs[0]
	tr := s.peer.track(s.midOf(alice.feed, "video"))
	base := alice.pub.plis.Load()
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for alice.pub.plis.Load() == base {
		if err := s.peer.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{SenderSSRC: 1, MediaSSRC: tr.ssrc.Load()}}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatal("PLI did not reach the publisher")
		case <-tick.C:
		}
	}
}

// vrTestREMB: a subscriber's 5 Mbps estimate reaches the publisher capped
// at the room's 300 kbps.
func vrTestREMB(t *testing.T, ctx context.Context, carol, alice *vrUser) {
	s := carol.subs[0]
	tr := s.peer.track(s.midOf(alice.feed, "video"))
	alice.pub.remb.Store(0)
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for alice.pub.remb.Load() == 0 {
		if err := s.peer.pc.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{SenderSSRC: 1, Bitrate: 5e6, SSRCs: []uint32{tr.ssrc.Load()}}}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatal("no REMB reached the publisher")
		case <-tick.C:
		}
	}
	if got := alice.pub.remb.Load(); got > 300000 {
		t.Errorf("publisher got REMB %d, want <= room bitrate 300000", got)
	}
}

// vrTestUpdate: alice unsubscribes from carol, then subscribes again;
// each change comes with a new offer, and media flows afterwards.
func vrTestUpdate(t *testing.T, ctx context.Context, alice, carol *vrUser) {
	s := alice.subs[0]
	renegotiate := func(body msg, wantStreams int) {
		t.Helper()
		ev, err := alice.async(ctx, s.hid, body, nil)
		if err != nil {
			t.Fatal(err)
		}
		d := pluginData(ev)
		if d["videoroom"] != "updated" || field(ev, "jsep", "type") != "offer" {
			t.Fatalf("%v: %s", body["request"], jsonString(ev))
		}
		s.noteStreams(d)
		if len(s.feeds) != wantStreams {
			t.Fatalf("%v: %d active streams, want %d: %s", body["request"], len(s.feeds), wantStreams, jsonString(d))
		}
		offer, _ := field(ev, "jsep", "sdp").(string)
		if err := s.answer(ctx, alice, offer); err != nil {
			t.Fatal(err)
		}
	}
	renegotiate(msg{"request": "unsubscribe", "streams": []any{map[string]any{"feed": carol.feed}}}, 2)
	for _, f := range s.feeds {
		if f == carol.feed {
			t.Fatal("carol still subscribed")
		}
	}
	renegotiate(msg{"request": "subscribe", "streams": []any{map[string]any{"feed": carol.feed, "mid": carol.pubMids["video"]}}}, 3)
	renegotiate(msg{"request": "update", "subscribe": []any{map[string]any{"feed": carol.feed, "mid": carol.pubMids["audio"]}}}, 4)
	if err := s.waitMedia(ctx, 25); err != nil {
		t.Fatal(err)
	}
	if ev, err := alice.async(ctx, s.hid, msg{"request": "update"}, nil); err != nil || ev["jsep"] != nil || pluginData(ev)["videoroom"] != "updated" {
		t.Fatalf("empty update: %v %s", err, jsonString(ev))
	}
}

// vrTestModerate: the room owner mutes then unmutes bob's video; every
// participant is told, the event is recorded, and media resumes.
func vrTestModerate(t *testing.T, ctx context.Context, srv *vrServer, alice, bob, carol *vrUser) {
	mid := bob.pubMids["video"]
	for _, mute := range []bool{true, false} {
		d, err := alice.sync(ctx, alice.pubHID, msg{"request": "moderate", "room": 1234, "secret": "adminpwd", "id": bob.feed, "mid": mid, "mute": mute})
		if err != nil || d["videoroom"] != "success" {
			t.Fatalf("moderate: %v %s", err, jsonString(d))
		}
		state := map[bool]string{true: "muted", false: "unmuted"}[mute]
		for _, u := range []*vrUser{alice, bob, carol} {
			if _, err := u.in.wait(ctx, u.name+" moderation notice", func(m msg) bool {
				d := pluginData(m)
				return d["moderation"] == state && u64(d["id"]) == bob.feed && d["mid"] == mid
			}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := srv.waitEvent(ctx, "moderated", func(e vrEvent) bool {
			return e.name() == "moderated" && e.data["moderation"] == state && e.handle != 0
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := carol.subs[0].waitMedia(ctx, 25); err != nil {
		t.Fatalf("after unmute: %v", err)
	}
}

// vrTestTalking: bob's audio turns loud, then silent again; the others
// are told "talking" then "stopped-talking", and the events are recorded.
func vrTestTalking(t *testing.T, ctx context.Context, srv *vrServer, alice, bob *vrUser) {
	for _, loud := range []bool{true, false} {
		bob.pub.loud.Store(loud)
		what := map[bool]string{true: "talking", false: "stopped-talking"}[loud]
		m, err := alice.in.wait(ctx, what, func(m msg) bool {
			d := pluginData(m)
			return d["videoroom"] == what && u64(d["id"]) == bob.feed
		})
		if err != nil {
			t.Fatal(err)
		}
		if d := pluginData(m); d["mid"] != bob.pubMids["audio"] || d["audio-level-dBov-avg"] == nil {
			t.Errorf("%s notice: %s", what, jsonString(m))
		}
		if _, err := srv.waitEvent(ctx, what, func(e vrEvent) bool {
			return e.name() == what && u64(e.data["id"]) == bob.feed && e.handle == bob.pubHID
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// vrTestRenegotiate: bob renegotiates his published PeerConnection (same
// streams); alice is told again, an "updated" event is recorded, and
// bob's media keeps reaching alice.
func vrTestRenegotiate(t *testing.T, ctx context.Context, srv *vrServer, alice, bob *vrUser) {
	if err := bob.renegotiate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.in.wait(ctx, "publishers notice after renegotiation", func(m msg) bool {
		list, _ := pluginData(m)["publishers"].([]any)
		return len(list) == 1 && u64(list[0].(map[string]any)["id"]) == bob.feed
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.waitEvent(ctx, "publisher updated", func(e vrEvent) bool {
		return e.name() == "updated" && u64(e.data["id"]) == bob.feed && e.handle == bob.pubHID
	}); err != nil {
		t.Fatal(err)
	}
	if err := alice.subs[0].waitMedia(ctx, 25); err != nil {
		t.Fatal(err)
	}
}

// vrTestSubscriberErrors: bad subscriber requests get the VideoRoom
// error codes, and an ICE restart comes back as a new offer.
func vrTestSubscriberErrors(t *testing.T, ctx context.Context, alice, bob *vrUser) {
	s := alice.subs[0]
	audioMid := s.midOf(bob.feed, "audio")
	tests := []struct {
		body msg
		code uint64
	}{
		{msg{"request": "switch", "streams": []any{map[string]any{"feed": bob.feed, "mid": bob.pubMids["video"], "sub_mid": "nope"}}}, 428},
		{msg{"request": "switch", "streams": []any{map[string]any{"feed": bob.feed, "mid": bob.pubMids["video"], "sub_mid": audioMid}}}, 430},
		{msg{"request": "switch", "streams": []any{map[string]any{"feed": 1, "mid": "0", "sub_mid": audioMid}}}, 428},
		{msg{"request": "switch"}, 429},
		{msg{"request": "configure", "streams": []any{map[string]any{"mid": audioMid, "substream": 3}}}, 430},
		{msg{"request": "subscribe"}, 429},
		{msg{"request": "subscribe", "streams": []any{map[string]any{"feed": 1}}}, 428},
		{msg{"request": "join", "ptype": "subscriber", "room": 1234, "feed": bob.feed}, 425},
		{msg{"request": "publish"}, 423},
	}
	for _, tc := range tests {
		ev, err := alice.async(ctx, s.hid, tc.body, nil)
		if err == nil || u64(pluginData(ev)["error_code"]) != tc.code {
			t.Errorf("%s: %v %s, want error %d", jsonString(tc.body), err, jsonString(ev), tc.code)
		}
	}
	ev, err := alice.async(ctx, s.hid, msg{"request": "configure", "restart": true}, nil)
	if err != nil || field(ev, "jsep", "type") != "offer" {
		t.Fatalf("restart: %v %s", err, jsonString(ev))
	}
	offer, _ := field(ev, "jsep", "sdp").(string)
	if err := s.answer(ctx, alice, offer); err != nil {
		t.Fatal(err)
	}
	if err := s.waitMedia(ctx, 25); err != nil {
		t.Fatalf("after ICE restart: %v", err)
	}
}
