package videoroom

import (
	"context"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argusrtc/argus/core/coretest"
	"github.com/argusrtc/argus/core/pluginkit/mediakit"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/internal/testpeer"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
)

// windowDests is a subscriber list whose longest NACK window is w.
func windowDests(w time.Duration) []*subStream {
	d := &subStream{}
	d.nackWindow.Store(int64(w))
	return []*subStream{d}
}

// fakeClockHist returns a history whose clock the test sets.
func fakeClockHist() (*pubHistory, *time.Duration) {
	h := newPubHistory()
	var now time.Duration
	h.now = func() time.Duration { return now }
	return h, &now
}

// pubPacket is a publisher's packet as read: a header extension, the
// given padding, a CSRC, and a payload naming seq.
func pubPacket(t testing.TB, seq uint16, ts uint32, pad byte) []byte {
	return pubPacketTagged(t, seq, ts, pad, 0xaa)
}

// pubPacketTagged is pubPacket with tag in the payload.
func pubPacketTagged(t testing.TB, seq uint16, ts uint32, pad, tag byte) []byte {
	t.Helper()
	p := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, SSRC: 0xabc, CSRC: []uint32{7}, Marker: seq%4 == 0},
		Payload: []byte{0x90, 0x80, byte(seq >> 8), byte(seq), tag, 0xbb}}
	if err := p.SetExtension(3, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	if pad > 0 {
		p.Padding, p.PaddingSize = true, pad
	}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPubHistory(t *testing.T) {
	tests := []struct {
		name     string
		window   time.Duration // the subscribers' longest
		packets  int
		step     time.Duration
		wantHeld int // packets of the last window + pubLagMargin (500 ms: 50 at 10 ms)
	}{
		{"within the window", time.Second, 100, time.Millisecond, 100},
		{"older than the window evicted", time.Second, 300, 10 * time.Millisecond, 151},
		{"the subscribers' window", 200 * time.Millisecond, 300, 10 * time.Millisecond, 71},
		{"at most the longest NACK window", 5 * time.Second, 300, 10 * time.Millisecond, 151},
		{"no subscriber told its window yet", 0, 300, 10 * time.Millisecond, 71},
		{"at least the default window", 50 * time.Millisecond, 300, 10 * time.Millisecond, 71},
		{"burst capped", time.Second, 3000, 0, pubHistoryMax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, now := fakeClockHist()
			dests := windowDests(tt.window)
			var idx []uint64
			for i := range tt.packets {
				idx = append(idx, h.add(pubPacket(t, uint16(i), 0, 0), dests).idx)
				*now += tt.step
			}
			*now -= tt.step
			if got := h.held(); got != tt.wantHeld {
				t.Fatalf("held %d packets, want %d", got, tt.wantHeld)
			}
			if len(h.slots) > 2*max(tt.wantHeld, pubHistoryMin) {
				t.Fatalf("ring of %d slots for %d packets", len(h.slots), tt.wantHeld)
			}
			for i, x := range idx {
				raw, _, ok := h.appendPacket(nil, uint32(x))
				if want := i >= tt.packets-tt.wantHeld; ok != want {
					t.Fatalf("packet %d found %v, want %v", i, ok, want)
				}
				if ok && !slices.Equal(raw, pubPacket(t, uint16(i), 0, 0)) {
					t.Fatalf("packet %d: wrong bytes", i)
				}
			}
			h.close()
			if _, _, ok := h.appendPacket(nil, uint32(idx[len(idx)-1])); ok {
				t.Fatal("packet found after close")
			}
		})
	}
}

// TestHistoryFor: a publisher stream keeps a NACK history when it or one
// of its subscriber streams negotiated NACK: a subscriber switched from a
// publisher with NACK to one without still has its NACKs answered, and a
// stream nobody can NACK keeps nothing.
func TestHistoryFor(t *testing.T) {
	nack := pion.RTPCodecParameters{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8,
		RTCPFeedback: []pion.RTCPFeedback{{Type: "goog-remb"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}}}
	pliOnly := pion.RTPCodecParameters{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8,
		RTCPFeedback: []pion.RTCPFeedback{{Type: "nack", Parameter: "pli"}}}}
	bare := pion.RTPCodecParameters{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8}}
	sub := func(c pion.RTPCodecParameters) *subStream { return &subStream{codec: c} }
	for _, tc := range []struct {
		name  string
		pub   pion.RTPCodecParameters
		dests []*subStream
		want  bool
	}{
		{"publisher with NACK, no subscriber", nack, nil, true},
		{"publisher with NACK, subscriber without", nack, []*subStream{sub(bare)}, true},
		{"publisher without, no subscriber", bare, nil, false},
		{"publisher without, subscribers without", bare, []*subStream{sub(bare), sub(pliOnly)}, false},
		{"publisher without, a subscriber switched from one with NACK", bare, []*subStream{sub(bare), sub(nack)}, true},
		{"publisher with PLI only, subscriber with NACK", pliOnly, []*subStream{sub(nack)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := historyFor(tc.pub, tc.dests) != nil; got != tc.want {
				t.Fatalf("history kept %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPubHistoryShrinks: a rate that falls shrinks the ring after a
// window, and the packets still kept are found.
func TestPubHistoryShrinks(t *testing.T) {
	h, now := fakeClockHist()
	for i := range 800 {
		h.add(pubPacket(t, uint16(i), 0, 0), windowDests(time.Second))
		*now += time.Millisecond
	}
	big := len(h.slots)
	var last uint64
	for i := range 100 {
		last = h.add(pubPacket(t, uint16(1000+i), 0, 0), windowDests(time.Second)).idx
		*now += 100 * time.Millisecond
	}
	if len(h.slots) >= big || len(h.slots) > 32 {
		t.Fatalf("ring %d slots after the rate fell (was %d)", len(h.slots), big)
	}
	if raw, _, ok := h.appendPacket(nil, uint32(last)); !ok || !slices.Equal(raw, pubPacket(t, 1099, 0, 0)) {
		t.Fatal("newest packet lost by the shrink")
	}
}

// TestSentLogMapsSwitches: a subscriber stream's sequence numbers map back
// to the publisher packets they carried, across a source switch, a
// simulcast layer switch and temporal-layer drops, each rebuilt as the
// forward path wrote it.
func TestSentLogMapsSwitches(t *testing.T) {
	a := &pubStream{kind: "video"}
	a.top.Store(1)
	b := &pubStream{kind: "video"}
	ha0, _ := fakeClockHist()
	ha1, _ := fakeClockHist()
	hb, _ := fakeClockHist()
	d, _ := newTestDest("video", a)
	w := &packetWriter{}
	d.track = w
	d.target.Store(0)
	d.temporal.Store(0)
	write := func(ps *pubStream, layer int, h *pubHistory, seq uint16, ts uint32, tid int8) {
		raw := pubPacket(t, seq, ts, byte(seq%3))
		var pkt rtp.Packet
		if err := pkt.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		ti := noTemporal
		if tid >= 0 {
			ti = temporalInfo{tid: tid, start: true}
		}
		d.write(ps, layer, ti, &pkt, h.add(raw, windowDests(time.Second)))
	}
	for i := range 10 {
		write(a, 0, ha0, 100+uint16(i), 3000*uint32(i), int8(i%2)) // layer 0, temporal 1 dropped
		write(a, 1, ha1, 900+uint16(i), 3000*uint32(i), -1)        // not the target
	}
	d.target.Store(1)
	for i := range 10 {
		write(a, 1, ha1, 910+uint16(i), 30000+3000*uint32(i), -1)
	}
	d.src.Store(b)
	for i := range 10 {
		write(b, 0, hb, 65530+uint16(i), 7+3000*uint32(i), -1)
	}
	if len(w.pkts) != 25 {
		t.Fatalf("forwarded %d packets, want 25", len(w.pkts))
	}
	for _, sent := range w.pkts {
		var got rtp.Packet
		if _, ok := d.SentPacket(sent.SequenceNumber, 1234, 100, &got); !ok {
			t.Fatalf("seq %d: not found", sent.SequenceNumber)
		}
		want := sent
		want.SSRC, want.PayloadType = 1234, 100
		want.Padding, want.Header.PaddingSize, want.PaddingSize = false, 0, 0 //nolint:staticcheck // both fields
		if !equalPackets(t, &got, &want) {
			t.Fatalf("seq %d: got %+v, want %+v", sent.SequenceNumber, got.Header, want.Header)
		}
	}
	if _, ok := d.SentPacket(w.pkts[len(w.pkts)-1].SequenceNumber+1, 1, 1, &rtp.Packet{}); ok {
		t.Fatal("a sequence number never sent was found")
	}
}

// TestSentAgeFromSend: the age a NACK is judged by counts from when the
// packet was sent to the subscriber, not from when the publisher's
// history took it: a fan-out shard that sends it late (its queue) does
// not make it too old to repair, and the history keeps it that long.
func TestSentAgeFromSend(t *testing.T) {
	a := &pubStream{kind: "video"}
	h, now := fakeClockHist()
	d, _ := newTestDest("video", a)
	w := &packetWriter{}
	d.track = w
	raw := pubPacket(t, 100, 3000, 0)
	var pkt rtp.Packet
	if err := pkt.Unmarshal(raw); err != nil {
		t.Fatal(err)
	}
	ref := h.add(raw, windowDests(200*time.Millisecond))
	*now += 300 * time.Millisecond // waited in a shard's queue
	d.write(a, 0, noTemporal, &pkt, ref.sending())
	*now += 50 * time.Millisecond // then the NACK came
	if len(w.pkts) != 1 {
		t.Fatalf("forwarded %d packets, want 1", len(w.pkts))
	}
	age, ok := d.SentPacket(w.pkts[0].SequenceNumber, 1, 96, &rtp.Packet{})
	if !ok || age != 50*time.Millisecond {
		t.Fatalf("age %v (found %v), want 50ms since it was sent", age, ok)
	}
}

// packetWriter keeps a copy of every packet written.
type packetWriter struct{ pkts []rtp.Packet }

func (w *packetWriter) WriteRTP(p *rtp.Packet) error {
	w.pkts = append(w.pkts, *p.Clone())
	return nil
}

// equalPackets compares two packets' bytes on the wire.
func equalPackets(t *testing.T, a, b *rtp.Packet) bool {
	t.Helper()
	x, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	y, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return slices.Equal(x, y)
}

// TestSentLogForgetsOldSegments: a packet sent more than sentSegs
// rewritings ago is no longer answered (and never answered wrongly).
func TestSentLogForgetsOldSegments(t *testing.T) {
	var l sentLog
	hs := make([]*pubHistory, sentSegs+1)
	for i := range hs {
		hs[i], _ = fakeClockHist()
		l.record(uint16(i), hs[i].add(pubPacket(t, uint16(i), 0, 0), nil), 0)
	}
	if _, _, ok := l.lookup(0); ok {
		t.Fatal("seq 0, sentSegs+1 segments ago, still found")
	}
	for i := 1; i < len(hs); i++ {
		if s, _, ok := l.lookup(uint16(i)); !ok || s.h != hs[i] {
			t.Fatalf("seq %d: not found in its own history", i)
		}
	}
}

// received records what a pion client's remote track read, by sequence
// number, in order of arrival.
type received struct {
	mu   sync.Mutex
	pkts map[uint16][]rtp.Packet
	ssrc uint32
	rtx  bool
	got  chan struct{}
}

func (r *received) read(tr *pion.TrackRemote) {
	r.mu.Lock()
	r.ssrc, r.rtx = uint32(tr.SSRC()), tr.HasRTX()
	r.mu.Unlock()
	for {
		p, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		r.mu.Lock()
		r.pkts[p.SequenceNumber] = append(r.pkts[p.SequenceNumber], *p)
		r.mu.Unlock()
		select {
		case r.got <- struct{}{}:
		default:
		}
	}
}

func (r *received) copies(seq uint16) []rtp.Packet {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.pkts[seq])
}

// TestNACKAnsweredFromPublisherHistory: a pion client subscribed through
// a real Peer (SRTP, core/webrtc's NACK responder, RTX as negotiated)
// NACKs packets sent before and after a simulcast layer switch and gets
// each back, with the same header and payload as the first time (padding
// aside), from the publisher's history: the subscriber keeps no copy.
func TestNACKAnsweredFromPublisherHistory(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	rig := newNACKRig(ctx, t)
	d, rec, client, asked := rig.d, rig.rec, rig.client, rig.asked
	ps := &pubStream{kind: "video", codec: rig.codec}
	ps.simulcast.Store(true)
	ps.top.Store(1)
	d.src.Store(ps)

	// The publisher's two layers, each with its history; the clock stands
	// still, so every packet is within the window.
	h0, _ := fakeClockHist()
	h1, _ := fakeClockHist()
	var seq0, seq1 uint16 = 1000, 40000
	send := func(layer int) {
		h, seq := h0, &seq0
		if layer == 1 {
			h, seq = h1, &seq1
		}
		*seq++
		raw := pubPacketTagged(t, *seq, 90*uint32(*seq), byte(*seq%3), byte(layer))
		var pkt rtp.Packet
		if err := pkt.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		d.write(ps, layer, noTemporal, &pkt, h.add(raw, []*subStream{d}))
	}
	// Layer 0 until the client has 20 packets (writes before DTLS is up
	// are lost), then layer 1 for 20 more.
	for _, layer := range []int{0, 1} {
		d.target.Store(int32(layer))
		first := len(rec.copiesAll())
		for len(rec.copiesAll()) < first+20 {
			send(0)
			send(1)
			select {
			case <-ctx.Done():
				t.Fatalf("layer %d: client got %d packets", layer, len(rec.copiesAll())-first)
			case <-rec.got:
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	rec.mu.Lock()
	ssrc, rtx := rec.ssrc, rec.rtx
	rec.mu.Unlock()
	if !rtx {
		t.Error("RTX not negotiated: retransmissions are plain resends")
	}
	// Sequence numbers around the switch: the last three of layer 0, the
	// first three of layer 1.
	all := rec.copiesAll()
	var nack []uint16
	for i := 1; i < len(all); i++ {
		if all[i].Payload[4] != all[i-1].Payload[4] && i >= 3 && i+2 < len(all) && int16(all[i].SequenceNumber-all[i-1].SequenceNumber) == 1 {
			nack = append(nack, all[i-3].SequenceNumber, all[i-2].SequenceNumber, all[i-1].SequenceNumber,
				all[i].SequenceNumber, all[i+1].SequenceNumber, all[i+2].SequenceNumber)
			break
		}
	}
	if len(nack) == 0 {
		t.Fatal("no layer switch seen by the client")
	}
	if err := client.WriteRTCP([]rtcp.Packet{&rtcp.TransportLayerNack{SenderSSRC: 1, MediaSSRC: ssrc, Nacks: rtcp.NackPairsFromSequenceNumbers(nack)}}); err != nil {
		t.Fatal(err)
	}
	for _, seq := range nack {
		// pion's remote track returns a repaired packet on its next read of
		// the media stream, so media keeps flowing meanwhile.
		for len(rec.copies(seq)) < 2 {
			send(1)
			select {
			case <-ctx.Done():
				t.Fatalf("seq %d not retransmitted (NACKed %v)", seq, nack)
			case <-rec.got:
			case <-time.After(5 * time.Millisecond):
			}
		}
		c := rec.copies(seq)
		orig, again := c[0], c[1]
		orig.Padding, orig.Header.PaddingSize, orig.PaddingSize = false, 0, 0 //nolint:staticcheck // both fields
		if !equalPackets(t, &orig, &again) {
			t.Fatalf("seq %d: retransmitted %+v %x, first sent %+v %x", seq, again.Header, again.Payload, orig.Header, orig.Payload)
		}
	}
	if n := asked.found.Load(); n < int64(len(nack)) {
		t.Fatalf("the track's history answered %d of %d NACKed packets", n, len(nack))
	}
}

// nackRig is a subscriber stream d whose track is sent by a real Peer
// (SRTP, core/webrtc's NACK responder asking d's SentPacket, RTX as
// negotiated) to a pion client, which records what it receives (rec)
// and sends its NACKs by hand. d has no source yet.
type nackRig struct {
	d      *subStream
	codec  pion.RTPCodecParameters // the engine's VP8, with NACK
	rec    *received
	client *pion.PeerConnection
	asked  *countingHistory // what d's history answered
}

// newNACKRig connects a nackRig; it is closed with the test.
func newNACKRig(ctx context.Context, t *testing.T) *nackRig {
	t.Helper()
	eng := coretest.Engine(t, webrtc.Config{})
	peer, err := eng.NewPeer(webrtc.PeerParams{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close("test"); <-peer.Done() })
	pc := peer.PeerConnection()

	track, err := mediakit.NewSendTrack(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "video", "argus-1")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := pc.AddTransceiverFromTrack(track, pion.RTPTransceiverInit{Direction: pion.RTPTransceiverDirectionSendonly})
	if err != nil {
		t.Fatal(err)
	}
	var codec pion.RTPCodecParameters
	for _, c := range codecsOf(pc, tr) {
		if strings.EqualFold(c.MimeType, pion.MimeTypeVP8) {
			codec = c
			break
		}
	}
	if !wantsHistory(codec) {
		t.Fatalf("engine VP8 %+v has no NACK", codec)
	}
	if err := tr.SetCodecPreferences(mediakit.WithRTX(codecsOf(pc, tr), codec)); err != nil {
		t.Fatal(err)
	}
	d := &subStream{sub: &subscriber{}, kind: "video", codec: codec, track: track, transceiver: tr, sender: tr.Sender()}
	d.send.Store(true)
	d.temporal.Store(topLayer)
	track.SetHistory(d)
	asked := &countingHistory{SentHistory: track}
	peer.UseSentHistory(tr.Sender(), asked)
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	wg.Add(1)
	go func() { // the responder answers NACKs as the sender's RTCP is read
		defer wg.Done()
		for {
			if _, _, err := tr.Sender().ReadRTCP(); err != nil {
				return
			}
		}
	}()

	api, err := testpeer.NewAPI(testpeer.Config{Codecs: testpeer.CodecsPion, AnyAddress: true})
	if err != nil {
		t.Fatal(err)
	}
	client, err := api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	rec := &received{pkts: map[uint16][]rtp.Packet{}, got: make(chan struct{}, 1)}
	client.OnTrack(func(remote *pion.TrackRemote, _ *pion.RTPReceiver) { rec.read(remote) })
	offer, err := peer.CreateOffer(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	answer, err := client.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	sdp, err := testpeer.Gathered(ctx, client, answer)
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.SetRemoteDescription(ctx, "answer", sdp); err != nil {
		t.Fatal(err)
	}
	return &nackRig{d: d, codec: codec, rec: rec, client: client, asked: asked}
}

// countingHistory counts the packets a SentHistory found.
type countingHistory struct {
	webrtc.SentHistory
	found atomic.Int64
}

func (c *countingHistory) SentPacket(seq uint16, pkt *rtp.Packet) (time.Duration, bool) {
	age, ok := c.SentHistory.SentPacket(seq, pkt)
	if ok {
		c.found.Add(1)
	}
	return age, ok
}

// copiesAll is every first copy received, in sequence order from the
// first.
func (r *received) copiesAll() []rtp.Packet {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]rtp.Packet, 0, len(r.pkts))
	for _, c := range r.pkts {
		out = append(out, c[0])
	}
	slices.SortFunc(out, func(a, b rtp.Packet) int { return int(int16(a.SequenceNumber - b.SequenceNumber)) })
	return out
}

// BenchmarkSharedHistoryMemory reports the heap the NACK history costs
// per subscriber stream when one publisher video stream (300 packets/s of
// 1000 bytes, the argus-load default) is forwarded to subs subscribers for
// 4 s of a fake clock: the publisher's one history plus each subscriber's
// sent log. core/webrtc's BenchmarkNACKHistoryMemory gives what the
// responder's own copy cost per stream for the same stream, which a
// subscriber with a SentHistory no longer pays.
func BenchmarkSharedHistoryMemory(b *testing.B) {
	const pps, seconds = 300, 4
	for _, subs := range []int{1, 10, 300} {
		b.Run("subs="+strconv.Itoa(subs), func(b *testing.B) {
			raw := make([]byte, 1012)
			copy(raw, pubPacket(b, 0, 0, 0))
			var perSub float64
			for b.Loop() {
				b.StopTimer()
				base := testkit.HeapInUse()
				b.StartTimer()
				ps := &pubStream{kind: "video"}
				h, now := fakeClockHist()
				dests := make([]*subStream, subs)
				for i := range dests {
					d, _ := newTestDest("video", ps)
					d.track = nopWriter{}
					d.nackWindow.Store(int64(webrtc.DefaultNACKWindow))
					dests[i] = d
				}
				var pkt rtp.Packet
				for n := range pps * seconds {
					raw[2], raw[3] = byte(n>>8), byte(n)
					if err := pkt.Unmarshal(raw); err != nil {
						b.Fatal(err)
					}
					ref := h.add(raw, dests)
					for _, d := range dests {
						d.write(ps, 0, noTemporal, &pkt, ref)
					}
					*now += time.Second / pps
				}
				b.StopTimer()
				perSub = float64(testkit.HeapInUse()-base) / float64(subs)
				runtime.KeepAlive(dests)
				b.StartTimer()
			}
			b.ReportMetric(perSub/1024, "heap-KiB/subscriber")
		})
	}
}
