package videoroom

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/internal/testpeer"
)

// publishOffer joins room 7 as display on a new handle and publishes
// audio (with audio levels) and video from a client peer offering Opus
// with in-band FEC; with connect, the client applies the answer and the
// call waits until the PeerConnection is up (the publisher is listed).
func (f *fixture) publishOffer(display string, connect bool) (*coretest.Handle, core.PluginSession, coretest.Push, uint64) {
	f.t.Helper()
	h, s, configured, feed, _ := f.publishPeer(display, connect)
	return h, s, configured, feed
}

// publishPeer is publishOffer that returns the client peer too.
func (f *fixture) publishPeer(display string, connect bool) (*coretest.Handle, core.PluginSession, coretest.Push, uint64, *testpeer.Peer) {
	f.t.Helper()
	return f.publishWith(display, connect, testpeer.Config{Audio: true, Video: true, AudioLevel: true, AnyAddress: true})
}

// publishWith is publishPeer with the client peer made from cfg.
func (f *fixture) publishWith(display string, connect bool, cfg testpeer.Config) (*coretest.Handle, core.PluginSession, coretest.Push, uint64, *testpeer.Peer) {
	f.t.Helper()
	p, err := testpeer.New(cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = p.Close() })
	h, s, configured, feed := f.publishFrom(display, connect, p)
	return h, s, configured, feed, p
}

// publishFrom joins room 7 as display on a new handle and publishes what
// the client peer p offers; with connect, p applies the answer and the
// call waits until the PeerConnection is up.
func (f *fixture) publishFrom(display string, connect bool, p *testpeer.Peer) (*coretest.Handle, core.PluginSession, coretest.Push, uint64) {
	f.t.Helper()
	h, s := f.handle()
	joined := f.async(h, s, `{"request":"join","room":7,"ptype":"publisher","display":"`+display+`"}`, nil)
	feed := uint64(joined.Data["id"].(float64))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	offer, err := p.Offer(ctx, true)
	if err != nil {
		f.t.Fatal(err)
	}
	peer, err := h.Peer() // the core applies an offer before the plugin sees it
	if err != nil {
		f.t.Fatal(err)
	}
	if err := peer.SetRemoteDescription(ctx, "offer", offer); err != nil {
		f.t.Fatal(err)
	}
	configured := f.async(h, s, `{"request":"publish"}`, &core.JSEP{Type: "offer", SDP: offer})
	if configured.JSEP == nil {
		f.t.Fatalf("publish: no answer: %v", configured.Data)
	}
	if connect {
		if err := p.SetAnswer(configured.JSEP.SDP); err != nil {
			f.t.Fatal(err)
		}
		if err := p.WaitConnected(ctx); err != nil {
			f.t.Fatal(err)
		}
	}
	return h, s, configured, feed
}

// query is a session's handle_info plugin_specific, as a client reads it.
func query(t *testing.T, s core.PluginSession) map[string]any {
	t.Helper()
	q, ok := s.(interface{ Query() any })
	if !ok {
		t.Fatal("session has no Query")
	}
	return roundTrip(q.Query())
}

// TestSubscriberAfterLeave: as in Janus 1.1.2 (test/janusref), a
// subscriber's leave ends its PeerConnection and streams but keeps the
// handle a subscriber of the room: later requests work on the empty
// subscription (not 425 "Not in a room"), and an update while no offer
// is answered is postponed ("updating").
func TestSubscriberAfterLeave(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7,"audiolevel_event":true}]}`)
	_, _, _, feed := f.publishOffer("pub", false)
	h, s := f.handle()
	join := `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":` + formatID(feed) + `}]}`
	attached := f.async(h, s, join, nil)
	if attached.Data["videoroom"] != "attached" || attached.JSEP == nil {
		t.Fatalf("join = %v", attached.Data)
	}
	// Paused until start; no stream is ready before an answer.
	q := query(t, s)
	if !match(q, map[string]any{"paused": true, "answered": false, "pending_offer": false, "pending_restart": false}) {
		t.Errorf("handle_info before start = %v", q)
	}
	for _, st := range attached.Data["streams"].([]any) {
		if st.(map[string]any)["ready"] != false {
			t.Errorf("attached stream = %v, want ready false", st)
		}
	}
	if p := f.async(h, s, `{"request":"start"}`, &core.JSEP{Type: "answer", SDP: "v=0"}); p.Data["started"] != "ok" {
		t.Fatalf("start = %v", p.Data)
	}
	q = query(t, s)
	if !match(q, map[string]any{"paused": false, "answered": true}) || len(q["streams"].([]any)) != 2 {
		t.Errorf("handle_info after start = %v", q)
	}
	for _, st := range q["streams"].([]any) {
		if st.(map[string]any)["ready"] != true {
			t.Errorf("started stream = %v, want ready true", st)
		}
	}
	peer, err := h.Peer()
	if err != nil {
		t.Fatal(err)
	}
	if p := f.async(h, s, `{"request":"leave"}`, nil); !match(p.Data, map[string]any{"videoroom": "event", "room": 7, "left": "ok"}) {
		t.Fatalf("leave = %v", p.Data)
	}
	// The leave closes the PeerConnection; its hangup reaches the plugin
	// before the next requests (as a client waits for "hangup").
	select {
	case <-peer.Done():
	case <-time.After(coretest.ExpectTimeout):
		t.Fatal("the leave did not close the PeerConnection")
	}
	// Paused again until the next start, as Janus 1.1.2 after a hangup.
	if q := query(t, s); q["paused"] != true {
		t.Errorf("handle_info after leave = %v, want paused", q)
	}
	tests := []struct {
		body string
		want map[string]any
	}{
		{`{"request":"configure","streams":[{"mid":"0","send":true}]}`, map[string]any{"error_code": 428, "error": "No such mid '0' in subscription"}},
		{`{"request":"start"}`, map[string]any{"videoroom": "event", "room": 7, "started": "ok"}},
		{`{"request":"pause"}`, map[string]any{"videoroom": "event", "room": 7, "paused": "ok"}},
		{join, map[string]any{"error_code": 425, "error": "Already in as a subscriber on this handle"}},
		{`{"request":"update","subscribe":[{"feed":` + formatID(feed) + `}]}`, map[string]any{"videoroom": "updating", "room": 7}},
	}
	for _, tc := range tests {
		if p := f.async(h, s, tc.body, nil); !match(p.Data, tc.want) || p.JSEP != nil {
			t.Errorf("%s after leave = %v (jsep %v), want %v", tc.body, p.Data, p.JSEP != nil, tc.want)
		}
	}
	// The update added the streams, named at once, unoffered.
	q = query(t, s)
	want := []any{
		map[string]any{"mid": "0", "mindex": 0, "ready": false, "type": "audio"},
		map[string]any{"mid": "1", "mindex": 1, "ready": false, "type": "video"},
	}
	got, _ := q["streams"].([]any)
	if !match(q, map[string]any{"pending_offer": true, "answered": false}) || len(got) != len(want) {
		t.Fatalf("handle_info after update = %v", q)
	}
	for i := range want {
		if !match(got[i].(map[string]any), want[i].(map[string]any)) {
			t.Errorf("stream %d = %v, want %v", i, got[i], want[i])
		}
	}
	if p := f.async(h, s, `{"request":"leave"}`, nil); !match(p.Data, map[string]any{"videoroom": "event", "room": 7, "left": "ok"}) {
		t.Errorf("second leave = %v", p.Data)
	}
}

// TestSubscriberUpdateBeforeStart: an update while the join's offer is
// unanswered is "updating" (Janus 1.1.2), the offer owed.
func TestSubscriberUpdateBeforeStart(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7}]}`)
	_, _, _, feed := f.publishOffer("pub", false)
	h, s := f.handle()
	f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":`+formatID(feed)+`,"mid":"0"}]}`, nil)
	p := f.async(h, s, `{"request":"update","subscribe":[{"feed":`+formatID(feed)+`,"mid":"1"}]}`, nil)
	if !match(p.Data, map[string]any{"videoroom": "updating", "room": 7}) || p.JSEP != nil || p.Data["streams"] != nil {
		t.Errorf("update = %v", p.Data)
	}
	if q := query(t, s); !match(q, map[string]any{"pending_offer": true}) {
		t.Errorf("handle_info = %v", q)
	}
}

// TestPublisherTalkingAndFEC: where Janus 1.1.2 says "talking" (the
// joined answer's publisher list, on the publisher and its audio stream;
// listparticipants) and where not (the configured answer, the
// "publishers" notification), and "fec" on an Opus stream offered with
// useinbandfec=1 (not in the event handlers' "published").
func TestPublisherTalkingAndFEC(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7,"audiolevel_event":true}]}`)
	other, otherS := f.handle()
	f.async(other, otherS, `{"request":"join","room":7,"ptype":"publisher","display":"other"}`, nil)
	_, _, configured, feed := f.publishOffer("pub", true)
	audio := map[string]any{"type": "audio", "mid": "0", "mindex": 0, "codec": "opus", "fec": true}
	streams, _ := configured.Data["streams"].([]any)
	if len(streams) != 2 || !match(streams[0].(map[string]any), audio) || streams[0].(map[string]any)["talking"] != nil {
		t.Errorf("configured streams = %v, want audio %v without talking", streams, audio)
	}
	note := other.Expect(t, "publishers", func(p coretest.Push) bool { return p.Data["publishers"] != nil })
	pub := note.Data["publishers"].([]any)[0].(map[string]any)
	if st := pub["streams"].([]any)[0].(map[string]any); pub["talking"] != nil || st["talking"] != nil || st["fec"] != true {
		t.Errorf("publishers notification = %v, want fec and no talking", pub)
	}
	// The event handlers' "published" event carries neither.
	evs := findEvents(f.host, "published")
	if len(evs) != 1 {
		t.Fatalf("published events: %+v", evs)
	}
	if st := evs[0].Data["streams"].([]any)[0].(map[string]any); st["fec"] != nil || st["talking"] != nil {
		t.Errorf("published event stream = %v, want no fec or talking", st)
	}
	h, s := f.handle()
	joined := f.async(h, s, `{"request":"join","room":7,"ptype":"publisher","display":"late"}`, nil)
	list, _ := joined.Data["publishers"].([]any)
	if len(list) != 1 {
		t.Fatalf("joined publishers = %v", joined.Data["publishers"])
	}
	entry := list[0].(map[string]any)
	first := entry["streams"].([]any)[0].(map[string]any)
	if entry["talking"] != false || first["talking"] != false || first["fec"] != true {
		t.Errorf("joined publisher entry = %v, want talking false on it and its audio stream, fec", entry)
	}
	parts := f.sync(s, `{"request":"listparticipants","room":7}`)["participants"].([]any)
	for _, x := range parts {
		e := x.(map[string]any)
		_, has := e["talking"]
		if want := uint64(e["id"].(float64)) == feed; has != want {
			t.Errorf("participant %v: talking present %v, want %v (only a publisher with audio levels)", e, has, want)
		}
	}
}

// TestListAudioLevelThresholds: a room's "list" entry has
// audio_active_packets and audio_level_average only with audiolevel_event,
// as in Janus 1.1.2's list.
func TestListAudioLevelThresholds(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7,"audiolevel_event":true,"audio_active_packets":50},{"room":8}]}`)
	_, s := f.handle()
	for _, x := range f.sync(s, `{"request":"list"}`)["list"].([]any) {
		r := x.(map[string]any)
		_, packets := r["audio_active_packets"]
		_, average := r["audio_level_average"]
		want := r["room"] == float64(7)
		if packets != want || average != want {
			t.Errorf("room %v: audio_active_packets %v, audio_level_average %v; want both %v", r["room"], packets, average, want)
		}
		if want && r["audio_active_packets"] != float64(50) {
			t.Errorf("room 7 audio_active_packets = %v", r["audio_active_packets"])
		}
	}
}

// TestSubscriberLeaveThenUpdateAtOnce: an update sent right after a leave,
// without waiting for the "hangup", is "updating" every time (Janus
// 1.1.2): it neither stalls on the closing PeerConnection (3 s, then
// "still cleaning") nor loses its streams to that PeerConnection's late
// hangup.
func TestSubscriberLeaveThenUpdateAtOnce(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7}]}`)
	_, _, _, feed := f.publishOffer("pub", false)
	h, s := f.handle()
	f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":`+formatID(feed)+`}]}`, nil)
	update := `{"request":"update","subscribe":[{"feed":` + formatID(feed) + `}]}`
	for i := range 4 {
		if p := f.async(h, s, `{"request":"leave"}`, nil); p.Data["left"] != "ok" {
			t.Fatalf("round %d: leave = %v", i, p.Data)
		}
		start := time.Now()
		p := f.async(h, s, update, nil)
		if took := time.Since(start); !match(p.Data, map[string]any{"videoroom": "updating", "room": 7}) || took > 2*time.Second {
			t.Fatalf("round %d: update right after leave = %v after %v, want updating at once", i, p.Data, took)
		}
		q := query(t, s)
		if streams, _ := q["streams"].([]any); len(streams) != 2 || q["pending_offer"] != true {
			t.Fatalf("round %d: handle_info after the update = %v, want its 2 streams, offer pending", i, q)
		}
	}
	// The last PeerConnection is the handle's live one, with the streams.
	peer, err := h.Peer()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(peer.PeerConnection().GetTransceivers()); n != 2 {
		t.Errorf("the live PeerConnection has %d transceivers, want 2", n)
	}
	// Every earlier PeerConnection's Hangup has run by now (Peer waits for
	// one under way): none of them took the streams.
	if q := query(t, s); len(q["streams"].([]any)) != 2 {
		t.Errorf("handle_info after the last hangups = %v, want its 2 streams", q)
	}
}

// TestSubscriberStartWithPostponedOffer: an update before start is owed
// as an offer; start is answered "started" on its transaction and the
// offer follows as an unsolicited "updated", as Janus 1.1.2 (Janode's
// start() expects "started").
func TestSubscriberStartWithPostponedOffer(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7}]}`)
	_, _, _, feed := f.publishOffer("pub", false)
	h, s := f.handle()
	attached := f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":`+formatID(feed)+`,"mid":"0"}]}`, nil)
	if attached.JSEP == nil {
		t.Fatalf("join = %v, no offer", attached.Data)
	}
	if p := f.async(h, s, `{"request":"update","subscribe":[{"feed":`+formatID(feed)+`,"mid":"1"}]}`, nil); p.Data["videoroom"] != "updating" {
		t.Fatalf("update = %v", p.Data)
	}
	client, err := testpeer.New(testpeer.Config{AnyAddress: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	answer, err := client.Answer(ctx, attached.JSEP.SDP)
	if err != nil {
		t.Fatal(err)
	}
	peer, err := h.Peer() // the core applies the answer before the plugin sees it
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.SetRemoteDescription(ctx, "answer", answer); err != nil {
		t.Fatal(err)
	}
	started := f.async(h, s, `{"request":"start"}`, &core.JSEP{Type: "answer", SDP: answer})
	if !match(started.Data, map[string]any{"videoroom": "event", "room": 7, "started": "ok"}) || started.JSEP != nil {
		t.Fatalf("start = %v (jsep %v), want started without jsep", started.Data, started.JSEP != nil)
	}
	updated := h.Expect(t, "updated", func(p coretest.Push) bool { return p.Data["videoroom"] == "updated" })
	if updated.Transaction != "" || updated.JSEP == nil || updated.JSEP.Type != "offer" {
		t.Fatalf("updated = %+v, want unsolicited with an offer", updated)
	}
	if streams, _ := updated.Data["streams"].([]any); len(streams) != 2 {
		t.Errorf("updated streams = %v, want 2", updated.Data["streams"])
	}
	if _, err := client.Answer(ctx, updated.JSEP.SDP); err != nil {
		t.Errorf("the postponed offer is not usable: %v", err)
	}
}

// TestSubscriberStartRequestsKeyframe: start asks the publisher for a
// keyframe, so the first picture does not wait for the browser's PLI.
// Within pliGap of another request it is held back, not dropped: it goes
// out when the gap ends, and many requests held meanwhile (a room's
// subscribers starting together) reach the publisher as that one PLI.
func TestSubscriberStartRequestsKeyframe(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7}]}`)
	_, ps, _, feed, pubPeer := f.publishPeer("pub", true)
	pubPeer.Start(testpeer.Browser20ms())
	pub := ps.(*session).pub
	var video *pubStream
	deadline := time.Now().Add(coretest.ExpectTimeout)
	for video == nil || video.ssrcs[0].Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the publisher's video never arrived")
		}
		time.Sleep(10 * time.Millisecond)
		for _, st := range pub.activeStreams() {
			if st.kind == "video" {
				video = st
			}
		}
	}
	h, s := f.handle()
	f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":`+formatID(feed)+`}]}`, nil)
	waitPLIs := func(n int64, within time.Duration) bool {
		end := time.Now().Add(within)
		for pubPeer.RTCP.PLIs.Load() < n {
			if time.Now().After(end) {
				return false
			}
			time.Sleep(5 * time.Millisecond)
		}
		return true
	}
	// Nothing of the join's is left in the plugin: no request held back,
	// the last PLI at least pliGap old. Else, on a starved host, a PLI of
	// the join's still on its way, or one held that fires later, would be
	// taken for the ones counted below (a forced one, held 200 ms, was).
	for end := time.Now().Add(coretest.ExpectTimeout + pliGap); video.heldPLI.Load() != 0 || video.heldForce.Load() != 0 ||
		pub.s.p.mono()-video.lastPLI.Load() < int64(pliGap); {
		if time.Now().After(end) {
			t.Fatal("the publisher's stream never went quiet after the join's keyframe request")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The join's request, if any, arrived: the count stays put a while.
	for n, end := int64(-1), time.Now().Add(coretest.ExpectTimeout); n != pubPeer.RTCP.PLIs.Load() && time.Now().Before(end); {
		n = pubPeer.RTCP.PLIs.Load()
		time.Sleep(150 * time.Millisecond)
	}
	// A keyframe request just now: start comes well within pliGap of it.
	n := pubPeer.RTCP.PLIs.Load()
	pub.currentMedia().keyframe(video, true)
	before := time.Now()
	if !waitPLIs(n+1, coretest.ExpectTimeout) {
		t.Fatal("no PLI reached the publisher")
	}
	n = pubPeer.RTCP.PLIs.Load()
	f.async(h, s, `{"request":"start"}`, nil)
	// Held back: nothing before the gap ends (checked only while the read
	// itself is still inside the gap; a starved host may read later).
	if got := pubPeer.RTCP.PLIs.Load(); time.Since(before) < pliGap*3/4 && got > n {
		t.Errorf("start sent a PLI within pliGap of the previous one (%d -> %d)", n, got)
	}
	if !waitPLIs(n+1, pliGap+coretest.ExpectTimeout) {
		t.Fatalf("no PLI after start (%d before), %v after the previous request", n, time.Since(before))
	}
	if waited := time.Since(before); waited < pliGap*9/10 {
		t.Errorf("the held PLI came %v after the previous one, want about pliGap (%v)", waited, pliGap)
	}
	// A room's subscribers starting together, within the gap of that PLI:
	// one more PLI when the gap ends, none per subscriber.
	n = pubPeer.RTCP.PLIs.Load()
	for range 50 {
		pub.currentMedia().keyframe(video, false)
	}
	if !waitPLIs(n+1, pliGap+coretest.ExpectTimeout) {
		t.Fatal("no PLI for 50 starting subscribers")
	}
	time.Sleep(pliGap / 2)
	if got := pubPeer.RTCP.PLIs.Load() - n; got != 1 {
		t.Errorf("50 starting subscribers sent %d PLIs, want 1", got)
	}
}

// TestSubscriberMindexFromOffer: a stream's mindex is its m-line's place
// in the offer, also when the data was subscribed before a medium (the
// application m-line comes last in the offer).
func TestSubscriberMindexFromOffer(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7}]}`)
	_, _, configured, feed, _ := f.publishWith("pub", false, testpeer.Config{Audio: true, Video: true, DataChannel: true, AnyAddress: true})
	dataMid := ""
	for _, x := range configured.Data["streams"].([]any) {
		if st := x.(map[string]any); st["type"] == "data" {
			dataMid, _ = st["mid"].(string)
		}
	}
	if dataMid == "" {
		t.Fatalf("published streams = %v, no data", configured.Data["streams"])
	}
	h, s := f.handle()
	attached := f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":`+formatID(feed)+`,"mid":"`+dataMid+`"},{"feed":`+formatID(feed)+`,"mid":"0"}]}`, nil)
	if attached.JSEP == nil {
		t.Fatalf("join = %v, no offer", attached.Data)
	}
	mids, _ := mlines(attached.JSEP.SDP)
	streams, _ := attached.Data["streams"].([]any)
	if len(streams) != 2 || len(mids) != 2 {
		t.Fatalf("attached streams %v, offer m-lines %v", streams, mids)
	}
	for _, x := range streams {
		st := x.(map[string]any)
		mid, _ := st["mid"].(string)
		if want := slices.Index(mids, mid); st["mindex"] != float64(want) {
			t.Errorf("stream %v: mindex %v, want %d (offer m-lines %v)", st["type"], st["mindex"], want, mids)
		}
	}
}
