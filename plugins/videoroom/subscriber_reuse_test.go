package videoroom

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/internal/testpeer"
)

// TestSubscriberReusesMLines: as in Janus 1.1.2, a stream subscribed
// after another was unsubscribed (and the client answered the offer that
// made its m-line inactive) takes over that m-line: same mindex and mid,
// a new sender. A subscriber swapping between two publishers' audio and
// video 300 times on one PeerConnection, with the default limit, is never
// refused, its offers never have more than its two m-lines, and its
// client, answering each offer, receives the new publisher's media on the
// reused m-lines.
func TestSubscriberReusesMLines(t *testing.T) {
	if testing.Short() {
		t.Skip("600 renegotiations")
	}
	f := newFixture(t, `{"rooms":[{"room":7}]}`)
	var feeds [2]uint64
	for i := range feeds {
		_, _, _, feed, pubPeer := f.publishPeer("pub", true)
		pubPeer.Start(testpeer.Browser20ms())
		feeds[i] = feed
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	h, s := f.handle()
	client, answer := f.answering(ctx, h, s, testpeer.Config{AnyAddress: true})
	peer, err := h.Peer()
	if err != nil {
		t.Fatal(err)
	}
	received := func(step string, mids []string) {
		t.Helper()
		receivedAll(ctx, t, s, client, step+fmt.Sprintf(" (m-lines %v)", mids))
	}
	feed := func(i int) string { return `{"feed":` + formatID(feeds[i%2]) + `}` }
	mids := answer("join", f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":[`+feed(0)+`]}`, nil))
	if len(mids) != 2 {
		t.Fatalf("join offer m-lines %v, want audio and video", mids)
	}
	if err := client.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	received("join", mids)
	goroutines := runtime.NumGoroutine()
	want := query(t, s)["streams"]
	for i := range 300 {
		gone := f.async(h, s, `{"request":"unsubscribe","streams":[`+feed(i)+`]}`, nil)
		if got := answer("unsubscribe", gone); len(got) != 2 {
			t.Fatalf("swap %d: unsubscribe offer m-lines %v, want 2", i, got)
		}
		added := f.async(h, s, `{"request":"subscribe","streams":[`+feed(i+1)+`]}`, nil)
		if got := answer("subscribe", added); len(got) != 2 || got[0] != mids[0] || got[1] != mids[1] {
			t.Fatalf("swap %d: subscribe offer m-lines %v (reply %v), want %v", i, got, added.Data, mids)
		}
		streams, _ := added.Data["streams"].([]any)
		if len(streams) != 2 {
			t.Fatalf("swap %d: streams %v, want 2", i, added.Data["streams"])
		}
		for j, x := range streams {
			st, old := x.(map[string]any), want.([]any)[j].(map[string]any)
			if !match(st, map[string]any{"active": true, "type": old["type"], "mid": old["mid"], "mindex": old["mindex"], "feed_id": feeds[(i+1)%2]}) {
				t.Fatalf("swap %d: stream %v, want the m-line of %v", i, st, old)
			}
		}
		if i == 0 || i == 299 {
			received("swap", mids)
		}
	}
	// The replaced senders' RTCP readers ended with them (one reader a
	// swap would be 600 more).
	if n := runtime.NumGoroutine(); n > goroutines+100 {
		t.Errorf("%d goroutines after 300 swaps, %d before", n, goroutines)
	}
	q := query(t, s)
	if streams, _ := q["streams"].([]any); len(streams) != 2 {
		t.Errorf("handle_info streams %v, want 2", q["streams"])
	}
	if n := len(peer.PeerConnection().GetTransceivers()); n != 2 {
		t.Errorf("%d transceivers after 300 swaps, want 2", n)
	}
}

// receivedAll waits until client gets the media of every live stream of
// subscriber session s on its m-line, with its sender's SSRC.
func receivedAll(ctx context.Context, t *testing.T, s core.PluginSession, client *testpeer.Peer, step string) {
	t.Helper()
	for _, d := range s.(*session).sub.liveStreams() {
		ssrc := uint32(d.sender.GetParameters().Encodings[0].SSRC)
		tr := client.Track(d.transceiver.Mid())
		for tr.SSRC.Load() != ssrc || tr.Packets.Load() == 0 {
			if ctx.Err() != nil {
				t.Fatalf("%s: no %s media with SSRC %d on m-line %s (got SSRC %d)", step, d.kind, ssrc, d.transceiver.Mid(), tr.SSRC.Load())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// TestSubscriberReuseAfterIdleOffer: an m-line that stays inactive
// through a later offer (another stream reused its neighbour first) is
// reused all the same, and its client receives the new stream's media
// there (test/e2e's update step: unsubscribe a publisher, subscribe its
// video, then its audio). A pion client lost such an m-line's receiver
// (internal/pionfix.KeepReceivers).
func TestSubscriberReuseAfterIdleOffer(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7}]}`)
	var feeds [2]uint64
	pubMids := map[string]string{} // the second publisher's mid by kind
	for i := range feeds {
		_, _, pub, feed, pubPeer := f.publishPeer("pub", true)
		pubPeer.Start(testpeer.Browser20ms())
		feeds[i] = feed
		for _, x := range pub.Data["streams"].([]any) {
			st := x.(map[string]any)
			pubMids[st["type"].(string)] = st["mid"].(string)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, s := f.handle()
	client, answer := f.answering(ctx, h, s, testpeer.Config{AnyAddress: true})
	both := `[{"feed":` + formatID(feeds[0]) + `},{"feed":` + formatID(feeds[1]) + `}]`
	mids := answer("join", f.async(h, s, `{"request":"join","room":7,"ptype":"subscriber","streams":`+both+`}`, nil))
	if len(mids) != 4 {
		t.Fatalf("join offer m-lines %v, want 4", mids)
	}
	if err := client.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	receivedAll(ctx, t, s, client, "join")
	second := `{"feed":` + formatID(feeds[1])
	answer("unsubscribe", f.async(h, s, `{"request":"unsubscribe","streams":[`+second+`}]}`, nil))
	for _, kind := range []string{"video", "audio"} {
		got := answer("subscribe "+kind, f.async(h, s, `{"request":"subscribe","streams":[`+second+`,"mid":"`+pubMids[kind]+`"}]}`, nil))
		if len(got) != 4 {
			t.Fatalf("subscribe %s: offer m-lines %v, want the 4 of the join", kind, got)
		}
	}
	receivedAll(ctx, t, s, client, "after the swaps")
}

// answering makes the client of subscriber handle h, and the function
// that has it answer an offer (the core applies the answer before the
// plugin sees it) and start, returning the offer's mids.
func (f *fixture) answering(ctx context.Context, h *coretest.Handle, s core.PluginSession, cfg testpeer.Config) (*testpeer.Peer, func(string, coretest.Push) []string) {
	t := f.t
	t.Helper()
	client, err := testpeer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client, func(step string, got coretest.Push) []string {
		t.Helper()
		if got.JSEP == nil || got.JSEP.Type != "offer" {
			t.Fatalf("%s = %v, want an offer", step, got.Data)
		}
		sdp, err := client.Answer(ctx, got.JSEP.SDP)
		if err != nil {
			t.Fatalf("%s: answer: %v", step, err)
		}
		peer, err := h.Peer()
		if err != nil {
			t.Fatal(err)
		}
		if err := peer.SetRemoteDescription(ctx, "answer", sdp); err != nil {
			t.Fatalf("%s: apply answer: %v", step, err)
		}
		if p := f.async(h, s, `{"request":"start"}`, &core.JSEP{Type: "answer", SDP: sdp}); p.Data["started"] != "ok" {
			t.Fatalf("%s: start = %v", step, p.Data)
		}
		mids, _ := mlines(got.JSEP.SDP)
		return mids
	}
}

// TestSubscriberReuseSameCodec: as in Janus 1.1.2, a free m-line is taken
// over only by a stream of its codec; another codec gets a new m-line. An
// m-line left in the same update counts too (Janus handles an update's
// unsubscriptions first), before a later one of the same codec. (The
// join takes both codecs: once negotiated, pion offers no other codec on
// the PeerConnection.)
func TestSubscriberReuseSameCodec(t *testing.T) {
	f := newFixture(t, `{"rooms":[{"room":7,"videocodec":"h264,vp8","publishers":4}]}`)
	var feeds []uint64
	for _, c := range []struct {
		codecs testpeer.Codecs
		want   string
	}{{testpeer.CodecsBrowser, "vp8"}, {testpeer.CodecsPion, "h264"}, {testpeer.CodecsPion, "h264"}, {testpeer.CodecsBrowser, "vp8"}} {
		_, _, pub, feed, _ := f.publishWith(c.want, false, testpeer.Config{Codecs: c.codecs, Video: true, AnyAddress: true})
		if st := pub.Data["streams"].([]any)[0].(map[string]any); st["codec"] != c.want {
			t.Fatalf("published %v, want %s", st, c.want)
		}
		feeds = append(feeds, feed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h, s := f.handle()
	_, answer := f.answering(ctx, h, s, testpeer.Config{Codecs: testpeer.CodecsPion, AnyAddress: true})
	stream := func(i int) string { return `[{"feed":` + formatID(feeds[i]) + `}]` }
	vp8, h264, h264b, vp8b := 0, 1, 2, 3
	swap := func(out, in int) string {
		return `{"request":"update","unsubscribe":` + stream(out) + `,"subscribe":` + stream(in) + `}`
	}
	steps := []struct {
		name, body string
		mids       int    // m-lines of the offer
		mid        string // the new stream's mid ("": none added)
	}{
		{"join vp8 and h264", `{"request":"join","room":7,"ptype":"subscriber","streams":[{"feed":` + formatID(feeds[vp8]) + `},{"feed":` + formatID(feeds[h264]) + `}]}`, 2, "1"},
		{"unsubscribe vp8", `{"request":"unsubscribe","streams":` + stream(vp8) + `}`, 2, ""},
		{"h264: another codec", `{"request":"subscribe","streams":` + stream(h264b) + `}`, 3, "2"},
		{"vp8 again: its m-line", `{"request":"subscribe","streams":` + stream(vp8) + `}`, 3, "0"},
		{"swap in one update: the m-line left", swap(vp8, vp8), 3, "0"},
		{"swap to another codec in one update", swap(h264b, vp8b), 4, "3"},
		{"swap in one update: the free m-line before", swap(vp8b, h264b), 4, "2"},
		{"swap in one update: the lowest of the m-line left and a free one", swap(vp8, vp8b), 4, "0"},
	}
	for _, st := range steps {
		got := f.async(h, s, st.body, nil)
		if mids := answer(st.name, got); len(mids) != st.mids {
			t.Fatalf("%s: offer m-lines %v, want %d", st.name, mids, st.mids)
		}
		if st.mid == "" {
			continue
		}
		found := false
		for _, x := range got.Data["streams"].([]any) {
			d := x.(map[string]any)
			found = found || (d["mid"] == st.mid && d["active"] == true)
		}
		if !found {
			t.Errorf("%s: streams %v, want an active one on mid %s", st.name, got.Data["streams"], st.mid)
		}
	}
}
