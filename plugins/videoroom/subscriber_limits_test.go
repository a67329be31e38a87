package videoroom

import (
	"context"
	"strings"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/internal/refusals"
	"github.com/argusrtc/argus/internal/testpeer"
)

// countingHost is the recording host that also counts refusals, with the
// counters the gateway's host feeds (core.RefusalCounter).
type countingHost struct {
	*coretest.Host
	*refusals.Counters
}

// count is the refusals of limit so far.
func (h *countingHost) count(limit string) int { return int(h.Counters.Count(limit)) }

// newCountingFixture is newFixture whose host and WebRTC engine count
// refusals, into the same counters (as cmd/argus wires them).
func newCountingFixture(t *testing.T, cfg string) (*fixture, *countingHost) {
	t.Helper()
	counts := refusals.New(LimitSubscriberStreams, webrtc.LimitDataChannelBuffer, LimitForcedKeyframes)
	var ch *countingHost
	f := newFixtureOn(t, cfg, webrtc.Config{Refusals: counts}, func(rec *coretest.Host) core.Host {
		ch = &countingHost{Host: rec, Counters: counts}
		return ch
	})
	return f, ch
}

// midsByType maps "audio", "video", "data" to the mids of a publish answer.
func midsByType(t *testing.T, configured coretest.Push) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, x := range configured.Data["streams"].([]any) {
		st := x.(map[string]any)
		typ, _ := st["type"].(string)
		out[typ], _ = st["mid"].(string)
	}
	return out
}

// TestSubscriberStreamBounds: a subscription names each publisher stream
// once and holds at most max_subscriber_streams streams (audit finding 1:
// 2,000 {"feed":X} made 4,000 m-lines). A refusal is a 430 that changes
// nothing, counted as subscriber_streams; a data stream named again is
// ignored, as in Janus 1.1.2 (finding 2: 20,000 data subscriptions).
func TestSubscriberStreamBounds(t *testing.T) {
	f, counts := newCountingFixture(t, `{"rooms":[{"room":7}],"limits":{"max_subscriber_streams":4}}`)
	_, _, configured, feed, _ := f.publishWith("pub", false, testpeer.Config{Audio: true, Video: true, DataChannel: true, AnyAddress: true})
	mids := midsByType(t, configured)
	id := formatID(feed)
	stream := func(mid string) string { return `{"feed":` + id + `,"mid":"` + mid + `"}` }
	all := `{"feed":` + id + `}`

	// Join: the whole feed twice is refused; so is 2,000 times.
	h, s := f.handle()
	for _, list := range []string{all + "," + all, strings.Repeat(all+",", 1999) + all} {
		got := f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[`+list+`]}`, nil)
		if !match(got.Data, map[string]any{"error_code": 430}) || got.JSEP != nil {
			t.Fatalf("join naming the feed twice = %v, want 430", got.Data)
		}
	}
	if n := counts.count(LimitSubscriberStreams); n != 2 {
		t.Errorf("refusals counted = %d, want 2", n)
	}
	// The data stream named three times: one data subscription.
	h, s = f.handle()
	got := f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[`+
		stream(mids["video"])+","+stream(mids["data"])+","+stream(mids["data"])+","+stream(mids["data"])+`]}`, nil)
	if got.JSEP == nil {
		t.Fatalf("join = %v, want an offer", got.Data)
	}
	if streams, _ := got.Data["streams"].([]any); len(streams) != 2 {
		t.Fatalf("join streams = %v, want video and one data", got.Data["streams"])
	}
	if n := counts.count(LimitSubscriberStreams); n != 4 {
		t.Errorf("counted = %d, want 4 (2 refusals, 2 ignored data repeats)", n)
	}
	sub := s.(*session).sub
	n := len(sub.summaries())
	tests := []struct {
		name, body string
		want       map[string]any
		streams    int // the subscription's stream count afterwards
	}{
		{"video again", `{"request":"subscribe","streams":[` + stream(mids["video"]) + `]}`, map[string]any{"error_code": 430}, n},
		{"data again: nothing to do", `{"request":"subscribe","streams":[` + stream(mids["data"]) + `]}`, map[string]any{"videoroom": "updated"}, n},
		{"audio twice", `{"request":"subscribe","streams":[` + stream(mids["audio"]) + "," + stream(mids["audio"]) + `]}`, map[string]any{"error_code": 430}, n},
		{"audio", `{"request":"subscribe","streams":[` + stream(mids["audio"]) + `]}`, map[string]any{"videoroom": "updating"}, n + 1},
		// As in Janus, one update takes over the m-line it leaves.
		{"video resubscribed in one update", `{"request":"update","unsubscribe":[` + stream(mids["video"]) + `],"subscribe":[` + stream(mids["video"]) + `]}`,
			map[string]any{"videoroom": "updating"}, n + 1},
		{"video unsubscribed", `{"request":"unsubscribe","streams":[` + stream(mids["video"]) + `]}`, map[string]any{"videoroom": "updating"}, n + 1},
		// Its m-line stays (inactive, not free before an answer): a new
		// one makes 4, the limit.
		{"video subscribed again", `{"request":"subscribe","streams":[` + stream(mids["video"]) + `]}`, map[string]any{"videoroom": "updating"}, n + 2},
		{"video unsubscribed again", `{"request":"unsubscribe","streams":[` + stream(mids["video"]) + `]}`, map[string]any{"videoroom": "updating"}, n + 2},
		{"beyond the limit", `{"request":"subscribe","streams":[` + stream(mids["video"]) + `]}`,
			map[string]any{"error_code": 430, "error": "Invalid element (too many streams in the subscription: 5, limit 4)"}, n + 2},
		// The audio's m-line cannot take the video: refused, and the audio stays.
		{"beyond the limit in one update", `{"request":"update","unsubscribe":[` + stream(mids["audio"]) + `],"subscribe":[` + stream(mids["video"]) + `]}`,
			map[string]any{"error_code": 430, "error": "Invalid element (too many streams in the subscription: 5, limit 4)"}, n + 2},
	}
	for _, tc := range tests {
		got := f.async(h, s, tc.body, nil)
		if !match(got.Data, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got.Data, tc.want)
		}
		if streams := len(sub.summaries()); streams != tc.streams {
			t.Errorf("%s: %d streams afterwards, want %d", tc.name, streams, tc.streams)
		}
	}
	live := 0
	for _, d := range sub.liveStreams() {
		if d.src.Load() != nil {
			live++
		}
	}
	if live != 2 {
		t.Errorf("%d streams relayed after the refused update, want 2 (data, audio)", live)
	}
	if n := counts.count(LimitSubscriberStreams); n != 9 {
		t.Errorf("counted = %d, want 9", n)
	}
}

// TestDataRelayBounded: a subscriber whose peer stops reading its data
// channel (a zero SCTP window) does not make Argus queue every message a
// publisher sends (audit finding 2): beyond webrtc.MaxDataChannelBuffered bytes waiting
// for it, messages are dropped and counted as datachannel_buffer.
func TestDataRelayBounded(t *testing.T) {
	f, counts := newCountingFixture(t, `{"rooms":[{"room":7}]}`)
	_, _, configured, feed, pubPeer := f.publishWith("pub", true, testpeer.Config{DataChannel: true, AnyAddress: true})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	select {
	case <-pubPeer.DataOpen():
	case <-ctx.Done():
		t.Fatal("the publisher's data channel never opened")
	}
	h, s := f.handle()
	attached := f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":`+formatID(feed)+`,"mid":"`+midsByType(t, configured)["data"]+`"}]}`, nil)
	if attached.JSEP == nil {
		t.Fatalf("join = %v, no offer", attached.Data)
	}
	client, err := testpeer.New(testpeer.Config{AnyAddress: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	block := make(chan struct{})
	t.Cleanup(func() { close(block) }) // before the close above
	client.PC.OnDataChannel(func(dc *pion.DataChannel) {
		dc.OnMessage(func(pion.DataChannelMessage) { <-block }) // the peer stops reading
	})
	answer, err := client.Answer(ctx, attached.JSEP.SDP)
	if err != nil {
		t.Fatal(err)
	}
	peer, err := h.Peer()
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.SetRemoteDescription(ctx, "answer", answer); err != nil {
		t.Fatal(err)
	}
	if p := f.async(h, s, `{"request":"start"}`, &core.JSEP{Type: "answer", SDP: answer}); p.Data["started"] != "ok" {
		t.Fatalf("start = %v", p.Data)
	}
	sub := s.(*session).sub
	for {
		sub.mu.Lock()
		dc := sub.dc
		sub.mu.Unlock()
		if dc != nil && dc.ReadyState() == pion.DataChannelStateOpen {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the subscriber's data channel never opened")
		}
		time.Sleep(10 * time.Millisecond)
	}
	const size = 16 << 10
	msg := make([]byte, size)
	for i := 0; i < 6<<20/size && counts.count(webrtc.LimitDataChannelBuffer) == 0; i++ {
		for pubPeer.DC.BufferedAmount() > 256<<10 && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		if err := pubPeer.DC.Send(msg); err != nil {
			t.Fatal(err)
		}
	}
	for counts.count(webrtc.LimitDataChannelBuffer) == 0 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	if counts.count(webrtc.LimitDataChannelBuffer) == 0 {
		t.Fatal("no message dropped for a subscriber that stopped reading")
	}
	if n := sub.dc.BufferedAmount(); n > webrtc.MaxDataChannelBuffered+size {
		t.Errorf("the subscriber's data channel buffers %d bytes, want at most %d", n, webrtc.MaxDataChannelBuffered+size)
	}
}

// waitVideo waits until the publisher's video stream has its SSRC (a PLI
// can name it) and returns the stream.
func waitVideo(t *testing.T, pub *publisher) *pubStream {
	t.Helper()
	deadline := time.Now().Add(coretest.ExpectTimeout)
	for {
		for _, st := range pub.activeStreams() {
			if st.kind == "video" && st.ssrcs[0].Load() != 0 {
				return st
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the publisher's video never arrived")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitPLIs waits until the publisher peer got more than n PLIs.
func waitPLIs(t *testing.T, pubPeer *testpeer.Peer, n int64, within time.Duration) {
	t.Helper()
	for end := time.Now().Add(within); pubPeer.RTCP.PLIs.Load() <= n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("no PLI within %v (%d so far)", within, n)
		}
	}
}

// TestForcedKeyframesBounded: requests that force a keyframe (configure
// send/substream, switch, the publisher's keyframe) ask once per stream
// however often they name it, and at most once per forcedPLIGap per
// stream: audit finding 3 measured 465 PLIs in under a second from 5
// configures naming a video mid 200 times. The requests still get their
// keyframe, held at most forcedPLIGap (the 1 s pliGap of unforced
// requests is TestSubscriberStartRequestsKeyframe's).
func TestForcedKeyframesBounded(t *testing.T) {
	f, counts := newCountingFixture(t, `{"rooms":[{"room":7}]}`)
	pubH, pubS, _, feed, pubPeer := f.publishPeer("pub", true)
	pubPeer.Start(testpeer.Browser20ms())
	pub := pubS.(*session).pub
	video := waitVideo(t, pub)
	h, s := f.handle()
	attached := f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":`+formatID(feed)+`,"mid":"`+video.mid+`"}]}`, nil)
	if attached.JSEP == nil {
		t.Fatalf("join = %v, no offer", attached.Data)
	}
	subMid, _ := attached.Data["streams"].([]any)[0].(map[string]any)["mid"].(string)
	time.Sleep(forcedPLIGap + 50*time.Millisecond)

	n := pubPeer.RTCP.PLIs.Load()
	begin := time.Now()
	entry := `{"mid":"` + subMid + `","send":true,"substream":0},`
	for i := range 30 { // 5 naming it 200 times, then 25 naming it once
		repeats := 199
		if i >= 5 {
			repeats = 0
		}
		body := `{"request":"configure","streams":[` + strings.Repeat(entry, repeats) + strings.TrimSuffix(entry, ",") + `]}`
		if got := f.async(h, s, body, nil); got.Data["configured"] != "ok" {
			t.Fatalf("configure = %v", got.Data)
		}
	}
	waitPLIs(t, pubPeer, n, coretest.ExpectTimeout)
	time.Sleep(time.Second - time.Since(begin))
	// At most one at once and one per forcedPLIGap after: 6 in a second
	// (a starved host may let the window stretch; the old code sent 1,025).
	if got := pubPeer.RTCP.PLIs.Load() - n; got > int64(time.Since(begin)/forcedPLIGap)+1 {
		t.Errorf("30 configures naming the video 1,025 times: %d PLIs in %v", got, time.Since(begin))
	}
	if c := counts.count(LimitForcedKeyframes); c < 5*199 {
		t.Errorf("forced_keyframes counted %d, want at least %d", c, 5*199)
	}

	// The publisher's own requests still get a keyframe, once per stream.
	time.Sleep(forcedPLIGap)
	for _, body := range []string{
		`{"request":"configure","keyframe":true}`,
		`{"request":"configure","streams":[{"mid":"` + video.mid + `","keyframe":true},{"mid":"` + video.mid + `","keyframe":true}]}`,
	} {
		n, c := pubPeer.RTCP.PLIs.Load(), counts.count(LimitForcedKeyframes)
		if got := f.async(pubH, pubS, body, nil); got.Data["configured"] != "ok" {
			t.Fatalf("%s = %v", body, got.Data)
		}
		waitPLIs(t, pubPeer, n, forcedPLIGap+coretest.ExpectTimeout)
		if c2 := counts.count(LimitForcedKeyframes); strings.Contains(body, "streams") && c2 == c {
			t.Errorf("%s: the repeated mid was not counted", body)
		}
	}
}

// TestFirFreq: fir_freq still asks the publisher for a keyframe every
// fir_freq seconds, with no subscriber asking.
func TestFirFreq(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7,"fir_freq":1}]}`)
	_, pubS, _, _, pubPeer := f.publishPeer("pub", true)
	pubPeer.Start(testpeer.Browser20ms())
	waitVideo(t, pubS.(*session).pub)
	n := pubPeer.RTCP.PLIs.Load()
	waitPLIs(t, pubPeer, n, 2*time.Second+coretest.ExpectTimeout)
	waitPLIs(t, pubPeer, n+1, 2*time.Second+coretest.ExpectTimeout)
}

// TestSubscriberDataSharesOneMLine: every data subscription travels on the
// one application m-line, so data streams from several publishers count
// once against max_subscriber_streams, as the offer's m-lines do.
func TestSubscriberDataSharesOneMLine(t *testing.T) {
	f, _ := newCountingFixture(t, `{"rooms":[{"room":7}],"limits":{"max_subscriber_streams":3}}`)
	cfg := testpeer.Config{Audio: true, Video: true, DataChannel: true, AnyAddress: true}
	_, _, c1, feed1, _ := f.publishWith("pub1", false, cfg)
	_, _, c2, feed2, _ := f.publishWith("pub2", false, cfg)
	m1, m2 := midsByType(t, c1), midsByType(t, c2)
	stream := func(feed uint64, mid string) string { return `{"feed":` + formatID(feed) + `,"mid":"` + mid + `"}` }
	h, s := f.handle()
	got := f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[`+
		stream(feed1, m1["audio"])+","+stream(feed1, m1["video"])+","+stream(feed1, m1["data"])+","+stream(feed2, m2["data"])+`]}`, nil)
	if got.JSEP == nil {
		t.Fatalf("join with 2 media streams and 2 data streams (3 m-lines) = %v, want an offer", got.Data)
	}
	if n := strings.Count(got.JSEP.SDP, "\nm="); n != 3 {
		t.Errorf("the offer has %d m-lines, want 3", n)
	}
	// A third medium is a fourth m-line: refused.
	got = f.async(h, s, `{"request":"subscribe","streams":[`+stream(feed2, m2["audio"])+`]}`, nil)
	if !match(got.Data, map[string]any{"error_code": 430}) {
		t.Errorf("a fourth m-line = %v, want 430", got.Data)
	}
}

// TestSubscriberDataAfterLeave: a subscriber that left and subscribes to
// data again gets a data channel on its new PeerConnection (the old one's
// channel closed with it and must not be taken for the new one's).
func TestSubscriberDataAfterLeave(t *testing.T) {
	f, _ := newCountingFixture(t, `{"rooms":[{"room":7}]}`)
	_, _, configured, feed, _ := f.publishWith("pub", false, testpeer.Config{Audio: true, DataChannel: true, AnyAddress: true})
	data := `{"feed":` + formatID(feed) + `,"mid":"` + midsByType(t, configured)["data"] + `"}`
	h, s := f.handle()
	got := f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[`+data+`]}`, nil)
	if got.JSEP == nil || !strings.Contains(got.JSEP.SDP, "m=application") {
		t.Fatalf("join = %v, want an offer with the data m-line", got.Data)
	}
	if p := f.async(h, s, `{"request":"leave"}`, nil); p.Data["left"] != "ok" {
		t.Fatalf("leave = %v", p.Data)
	}
	f.async(h, s, `{"request":"subscribe","streams":[`+data+`]}`, nil)
	// The new PeerConnection's data channel, not the closed one's.
	sub := s.(*session).sub
	sub.mu.Lock()
	dc := sub.dc
	sub.mu.Unlock()
	if dc == nil || dc.ReadyState() == pion.DataChannelStateClosed {
		t.Errorf("the subscription's data channel after the leave is the closed one, want the new PeerConnection's")
	}
}
