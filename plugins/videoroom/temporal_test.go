package videoroom

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/pion/rtp"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/coretest"
)

// vp8Packet crafts a VP8 RTP packet whose payload descriptor carries a
// picture id, TL0PICIDX and temporal layer tid; start marks the first
// packet of a frame.
func vp8Packet(seq uint16, ts uint32, tid uint8, start bool) *rtp.Packet {
	b0 := byte(0x80) // X
	if start {
		b0 |= 0x10 // S, partition 0
	}
	payload := []byte{b0, 0xe0, byte(seq & 0x7f), 3, tid<<6 | 0x20, 0x9d}
	return &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts}, Payload: payload}
}

// l1t3 is the temporal layer of frame i in the usual three-layer pattern.
func l1t3(i int) uint8 { return [4]uint8{0, 2, 1, 2}[i%4] }

// feedVP8 sends frames of two packets each through the forwarder's parser
// and d, starting at sequence number seq; it returns the next one.
func feedVP8(d *subStream, ps *pubStream, seq uint16, frames, first int) uint16 {
	var vp8 vp8Parser
	for f := first; f < first+frames; f++ {
		for k := range 2 {
			p := vp8Packet(seq, uint32(f)*3000, l1t3(f), k == 0)
			d.write(ps, 0, vp8.parse(p.Payload), p, sentRef{})
			seq++
		}
	}
	return seq
}

// TestTemporalLayerSelection: only packets up to the target temporal layer
// get through, and the subscriber sees consecutive sequence numbers.
func TestTemporalLayerSelection(t *testing.T) {
	tests := []struct {
		target  int32
		wantTSs []uint32 // timestamps of the forwarded frames (two packets each)
	}{
		{0, []uint32{0, 12000}},
		{1, []uint32{0, 6000, 12000, 18000}},
		{2, []uint32{0, 3000, 6000, 9000, 12000, 15000, 18000, 21000}},
	}
	for _, tc := range tests {
		ps := &pubStream{kind: "video"}
		d, w := newTestDest("video", ps)
		d.temporal.Store(tc.target)
		feedVP8(d, ps, 65530, 8, 0) // wraps around
		if len(w.seqs) != 2*len(tc.wantTSs) {
			t.Fatalf("target %d: forwarded %d packets (ts %v), want %d", tc.target, len(w.seqs), w.tss, 2*len(tc.wantTSs))
		}
		for i, seq := range w.seqs {
			if want := uint16(65530 + i); seq != want {
				t.Errorf("target %d: packet %d has seq %d, want %d (all %v)", tc.target, i, seq, want, w.seqs)
			}
			if want := tc.wantTSs[i/2]; w.tss[i] != want {
				t.Errorf("target %d: packet %d has ts %d, want %d", tc.target, i, w.tss[i], want)
			}
		}
		d.rw.Lock()
		cur := d.tCur
		d.rw.Unlock()
		if int32(cur) != tc.target {
			t.Errorf("target %d: current temporal layer %d", tc.target, cur)
		}
	}
}

// TestTemporalTargetChange: a new target takes effect at the next frame
// start, never mid-frame, and the numbering stays consecutive.
func TestTemporalTargetChange(t *testing.T) {
	ps := &pubStream{kind: "video"}
	d, w := newTestDest("video", ps)
	d.temporal.Store(0)
	seq := feedVP8(d, ps, 100, 4, 0) // frames 0-3: only frame 0
	var vp8 vp8Parser
	// Raised after the first packet of frame 4 (TID 0): frame 5 (TID 2)
	// is the first of a higher layer, and whole.
	p := vp8Packet(seq, 4*3000, l1t3(4), true)
	d.write(ps, 0, vp8.parse(p.Payload), p, sentRef{})
	d.temporal.Store(2)
	p = vp8Packet(seq+1, 4*3000, l1t3(4), false)
	d.write(ps, 0, vp8.parse(p.Payload), p, sentRef{})
	feedVP8(d, ps, seq+2, 2, 5) // frames 5 (TID 2) and 6 (TID 1)
	if want := []uint32{0, 0, 12000, 12000, 15000, 15000, 18000, 18000}; !slices.Equal(w.tss, want) {
		t.Fatalf("timestamps %v, want %v", w.tss, want)
	}
	for i, s := range w.seqs {
		if s != uint16(100+i) {
			t.Fatalf("seqs %v, want consecutive from 100", w.seqs)
		}
	}
	// Lowered in the middle of frame 7 (TID 2): that frame is finished,
	// frames 9-11 (TID 2, 1, 2) are dropped, frames 8 and 12 (TID 0) sent.
	p = vp8Packet(seq+6, 7*3000, l1t3(7), true)
	d.write(ps, 0, vp8.parse(p.Payload), p, sentRef{})
	d.temporal.Store(0)
	p = vp8Packet(seq+7, 7*3000, l1t3(7), false)
	d.write(ps, 0, vp8.parse(p.Payload), p, sentRef{})
	feedVP8(d, ps, seq+8, 5, 8)
	if want := []uint32{21000, 21000, 24000, 24000, 36000, 36000}; !slices.Equal(w.tss[8:], want) {
		t.Fatalf("timestamps after lowering %v, want %v", w.tss[8:], want)
	}
	for i, s := range w.seqs {
		if s != uint16(100+i) {
			t.Fatalf("seqs %v, want consecutive from 100", w.seqs)
		}
	}
}

// TestTemporalWithoutDescriptor: packets without a temporal layer index
// (or of another codec) are all forwarded, whatever the target.
func TestTemporalWithoutDescriptor(t *testing.T) {
	ps := &pubStream{kind: "video"}
	d, w := newTestDest("video", ps)
	d.temporal.Store(0)
	var vp8 vp8Parser
	plain := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: 1}, Payload: []byte{0x10, 0x9d}}
	for _, p := range []*rtp.Packet{plain, videoPacket(2, 3000)} {
		d.write(ps, 0, vp8.parse(p.Payload), p, sentRef{})
	}
	if len(w.seqs) != 2 {
		t.Fatalf("forwarded %d packets, want 2", len(w.seqs))
	}
}

// TestTemporalAllocations: parsing and filtering allocate nothing.
func TestTemporalAllocations(t *testing.T) {
	a := &pubStream{kind: "video"}
	d := &subStream{sub: &subscriber{}, kind: "video", track: nopWriter{}}
	d.send.Store(true)
	d.target.Store(2)
	d.temporal.Store(1)
	d.src.Store(a)
	var vp8 vp8Parser
	p := vp8Packet(1, 1, 0, true)
	i := 0
	if n := testing.AllocsPerRun(1000, func() {
		i++
		p.SequenceNumber++
		p.Payload[4] = l1t3(i) << 6
		d.write(a, 0, vp8.parse(p.Payload), p, sentRef{})
	}); n != 0 {
		t.Errorf("%v allocations per packet", n)
	}
}

// newPushSubscriber is a subscriber with one video stream (mid v1, room
// 7) whose pushes reach the returned handle; it has no PeerConnection.
func newPushSubscriber(t *testing.T) (*coretest.Handle, *subscriber, *subStream, *recordWriter, *pubStream) {
	t.Helper()
	h := coretest.NewHandle(3, "", nil)
	sub, d, w, ps := pushSubscriberOn(t, h)
	return h, sub, d, w, ps
}

// pushSubscriberOn is newPushSubscriber on a handle of the caller's.
func pushSubscriberOn(t *testing.T, h core.Handle) (*subscriber, *subStream, *recordWriter, *pubStream) {
	t.Helper()
	s := newSession(New(), h)
	t.Cleanup(s.Destroy)
	sub := &subscriber{s: s, room: &room{id: 7}}
	ps := &pubStream{kind: "video"}
	d, w := newTestDest("video", ps)
	d.sub, d.mid = sub, "v1"
	sub.streams = []*subStream{d}
	return sub, d, w, ps
}

// TestConfigureTemporal: configure with "temporal" sets the target; once
// it is reached the subscriber gets the temporal event, and the stream
// summary shows it.
func TestConfigureTemporal(t *testing.T) {
	h, sub, d, w, ps := newPushSubscriber(t)
	feedVP8(d, ps, 1, 2, 0)
	h.Expect(t, "initial temporal 2", func(p coretest.Push) bool {
		return match(p.Data, map[string]any{"videoroom": "event", "room": 7, "mid": "v1", "temporal": 2})
	})
	req, e := parseParams(json.RawMessage(`{"request":"configure","streams":[{"mid":"v1","temporal":0}]}`))
	if e != nil {
		t.Fatal(e)
	}
	data, _, e := sub.configure(context.Background(), req)
	if e != nil || !match(roundTrip(data), map[string]any{"videoroom": "event", "room": 7, "configured": "ok"}) {
		t.Fatalf("configure = %v, %v", data, e)
	}
	if got := d.temporal.Load(); got != 0 {
		t.Fatalf("temporal target %d, want 0", got)
	}
	n := len(w.seqs)
	feedVP8(d, ps, 5, 4, 2) // frames 2 (TID 1), 3 (TID 2), 4 (TID 0), 5 (TID 2)
	h.Expect(t, "temporal 0", func(p coretest.Push) bool {
		return match(p.Data, map[string]any{"videoroom": "event", "room": 7, "mid": "v1", "temporal": 0})
	})
	if got := w.tss[n:]; !slices.Equal(got, []uint32{12000, 12000}) {
		t.Errorf("forwarded after configure: ts %v, want frame 4 only", got)
	}
	ps.simulcast.Store(true)
	sub.mu.Lock()
	sum := roundTrip(d.summary())
	sub.mu.Unlock()
	if sc, _ := sum["simulcast"].(map[string]any); !match(sc, map[string]any{"temporal-layer": 0, "temporal-layer-target": 0}) {
		t.Errorf("summary = %v", sum)
	}
}

func TestConfigureTemporalInvalid(t *testing.T) {
	tests := []struct {
		body string
		code int
	}{
		{`{"streams":[{"mid":"v1","temporal":3}]}`, errInvalidElement},
		{`{"streams":[{"mid":"v1","temporal":"x"}]}`, errInvalidElement},
		{`{"streams":[{"mid":"v9","temporal":1}]}`, errNoSuchFeed},
	}
	for _, tc := range tests {
		_, sub, d, _, _ := newPushSubscriber(t)
		req, e := parseParams(json.RawMessage(tc.body))
		if e != nil {
			t.Fatal(e)
		}
		_, _, e = sub.configure(context.Background(), req)
		if e == nil || e.code != tc.code {
			t.Errorf("%s: error %v, want code %d", tc.body, e, tc.code)
		}
		if d.temporal.Load() != 2 {
			t.Errorf("%s: target changed to %d", tc.body, d.temporal.Load())
		}
	}
}

// TestSubscribeLayerParams: join/subscribe streams[] reject layer targets
// above 2 before looking the feed up.
func TestSubscribeLayerParams(t *testing.T) {
	tests := []struct {
		body string
		code int
	}{
		{`{"streams":[{"feed":1,"temporal":3}]}`, errInvalidElement},
		{`{"streams":[{"feed":1,"substream":5}]}`, errInvalidElement},
		{`{"streams":[{"feed":1,"temporal":1,"substream":0}]}`, errNoSuchFeed},
	}
	for _, tc := range tests {
		req, e := parseParams(json.RawMessage(tc.body))
		if e != nil {
			t.Fatal(e)
		}
		objs, _, e := req.objects("streams", true)
		if e != nil {
			t.Fatal(e)
		}
		if _, e := resolveFeeds(&room{id: 1}, objs); e == nil || e.code != tc.code {
			t.Errorf("%s: error %v, want code %d", tc.body, e, tc.code)
		}
	}
}

// TestTemporalLayerAfterSourceChange: a switch or a takeover (setSource)
// starts the new source at the temporal target on its first packet with
// a layer, as a new stream: the layer the old source was on, still
// waiting for a frame start to move to a new target, does not hold the
// new source's packets back.
func TestTemporalLayerAfterSourceChange(t *testing.T) {
	a, b := &pubStream{kind: "video"}, &pubStream{kind: "video"}
	d, w := newTestDest("video", a)
	d.temporal.Store(0)
	feedVP8(d, a, 100, 4, 0)
	d.temporal.Store(2)
	d.setSource(b)
	var vp8 vp8Parser
	p := vp8Packet(5000, 90000, 2, false) // layer 2, mid-frame
	n := len(w.seqs)
	d.write(b, 0, vp8.parse(p.Payload), p, sentRef{})
	if len(w.seqs) != n+1 {
		t.Fatalf("the new source's first packet (layer 2, target 2) was dropped")
	}
	d.rw.Lock()
	cur, known := d.tCur, d.tKnown
	d.rw.Unlock()
	if !known || cur != 2 {
		t.Errorf("temporal layer %d (known %v) after the new source's first packet, want 2", cur, known)
	}
}
