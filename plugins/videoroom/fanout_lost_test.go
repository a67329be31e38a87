package videoroom

import (
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
)

// lossStream is one publisher stream layer of a lossCase: its source (0
// or 1) and simulcast layer. Each has its own history and shard, as each
// forwarding goroutine has.
type lossStream struct{ src, layer int }

// lossStep is one step of a lossCase: a packet of stream read from the
// publisher (lost by the shard's full queue when drop); or, with stream
// -1, the subscriber switching to stream to, or time passing (age).
type lossStep struct {
	stream int
	seq    uint16
	tid    int8 // VP8 temporal layer; -1: none
	drop   bool
	to     int
	age    time.Duration
}

// pk is a packet of stream without a temporal layer.
func pk(stream int, seq uint16) lossStep { return lossStep{stream: stream, seq: seq, tid: -1} }

// lostPk is pk lost in the shard's queue.
func lostPk(stream int, seq uint16) lossStep {
	s := pk(stream, seq)
	s.drop = true
	return s
}

// tpk is a packet of stream 0 in temporal layer tid.
func tpk(seq uint16, tid int8, drop bool) lossStep { return lossStep{seq: seq, tid: tid, drop: drop} }

// pks is pk for seq from, from+1, ... to (wrapping).
func pks(stream int, from, to uint16) []lossStep {
	var out []lossStep
	for s := from; ; s++ {
		out = append(out, pk(stream, s))
		if s == to {
			return out
		}
	}
}

func switchTo(stream int) lossStep         { return lossStep{stream: -1, to: stream} }
func wait(d time.Duration) lossStep        { return lossStep{stream: -1, age: d} }
func steps(parts ...[]lossStep) []lossStep { return slices.Concat(parts...) }
func one(s ...lossStep) []lossStep         { return s }

// interleave alternates the steps of a and b.
func interleave(a, b []lossStep) []lossStep {
	var out []lossStep
	for i := range max(len(a), len(b)) {
		if i < len(a) {
			out = append(out, a[i])
		}
		if i < len(b) {
			out = append(out, b[i])
		}
	}
	return out
}

// lossPacket is a publisher's VP8 packet as read: a header extension,
// padding, a CSRC, a payload descriptor with the temporal layer (or a
// key index only, so no layer), then seq and stream in the payload.
func lossPacket(t *testing.T, st lossStep, ts uint32) []byte {
	t.Helper()
	desc := []byte{0x90, 0x10, 0} // X, S, PID 0; K: no temporal layer
	if st.tid >= 0 {
		desc = []byte{0x90, 0x20, byte(st.tid) << 6} // T: TID
	}
	p := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: st.seq, Timestamp: ts, SSRC: 0xabc, CSRC: []uint32{7}, Marker: st.seq%3 == 0},
		Payload: append(desc, byte(st.seq>>8), byte(st.seq), byte(st.stream), 0xbb)}
	if err := p.SetExtension(3, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	if pad := byte(st.seq % 3); pad > 0 {
		p.Padding, p.PaddingSize = true, pad
	}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lossPubSeq is the publisher sequence number a lossPacket carries in its
// payload.
func lossPubSeq(p *rtp.Packet) uint16 { return uint16(p.Payload[3])<<8 | uint16(p.Payload[4]) }

type lossCase struct {
	name        string
	streams     []lossStream // nil: one, source 0 layer 0
	lowTemporal bool         // the subscriber wants temporal layer 0 only
	// attach: a stream's destinations are the subscriber only while it
	// is the subscriber's source (a switch detaches it from one and
	// attaches it to the other, new lists); else always.
	attach     bool
	tsBase     uint32
	steps      []lossStep
	answered   []uint16 // publisher packets lost by the shard whose NACK is answered, in order
	unanswered []uint16 // those whose NACK is not (out of the history)
}

// TestLostPacketsAnswered: a subscriber stream whose fan-out shard lost
// packets (shardWriter.take with the run its queue lost) ends up where a
// reference stream that got every packet from the same shard does: what
// it was sent is what the reference got under the same sequence numbers,
// a NACK for a lost packet is answered with exactly the packet the
// reference got under that number (padding aside, as for any resend),
// and a NACK for a number the reference never used is not answered.
func TestLostPacketsAnswered(t *testing.T) {
	two := []lossStream{{0, 0}, {1, 0}}
	for _, tc := range []lossCase{
		{name: "lost in the middle", steps: steps(pks(0, 100, 103), one(lostPk(0, 104)), pks(0, 105, 108)),
			answered: []uint16{104}},
		{name: "lost in a row", steps: steps(pks(0, 100, 103), one(lostPk(0, 104), lostPk(0, 105), lostPk(0, 106)), pks(0, 107, 110)),
			answered: []uint16{104, 105, 106}},
		{name: "publisher loss before", steps: steps(pks(0, 100, 103), one(lostPk(0, 105)), pks(0, 106, 108)),
			answered: []uint16{105}},
		{name: "publisher loss after", steps: steps(pks(0, 100, 103), one(lostPk(0, 104)), pks(0, 106, 108)),
			answered: []uint16{104}},
		{name: "publisher loss between", steps: steps(pks(0, 100, 103), one(lostPk(0, 104), lostPk(0, 106), lostPk(0, 109)), pks(0, 110, 112)),
			answered: []uint16{104, 106, 109}},
		{name: "temporal layer drops", lowTemporal: true, steps: one(
			tpk(100, 0, false), tpk(101, 1, false), tpk(102, 0, false),
			tpk(103, 1, true), // lost, but of a dropped layer: no number
			tpk(104, 0, false), tpk(105, 1, false),
			tpk(106, 0, true), // lost after a temporal drop
			tpk(107, 0, false),
			tpk(108, 1, true), tpk(109, 0, true), // both in one run
			tpk(110, 0, false), tpk(111, 2, false), tpk(112, 0, false)),
			answered: []uint16{106, 109}},
		{name: "first packet of the new source lost", streams: two, steps: steps(
			interleave(pks(0, 100, 103), pks(1, 5000, 5003)),
			one(switchTo(1), lostPk(1, 5004), pk(0, 104), lostPk(1, 5005), pk(0, 105)),
			interleave(pks(1, 5006, 5008), pks(0, 106, 108))),
			answered: []uint16{5004, 5005}},
		{name: "last packet of the old source lost", streams: two, steps: steps(
			interleave(pks(0, 100, 103), pks(1, 5000, 5003)),
			one(lostPk(0, 104), pk(1, 5004), switchTo(1)),
			interleave(pks(1, 5005, 5008), pks(0, 105, 108))),
			// Replayed when source 0's shard takes 105, after the switch:
			// as that shard would have sent it, to nobody.
			answered: nil},
		{name: "lost at a simulcast layer switch", streams: []lossStream{{0, 0}, {0, 1}}, steps: steps(
			interleave(pks(0, 100, 103), pks(1, 7000, 7003)),
			one(switchTo(1), pk(0, 104), lostPk(1, 7004), pk(0, 105), pk(1, 7005), switchTo(0), lostPk(0, 106), lostPk(1, 7006)),
			interleave(pks(0, 107, 109), pks(1, 7007, 7009))),
			answered: []uint16{7004, 106}},
		{name: "publisher wrap-around", tsBase: 0xffff_ffff - 5*3000, steps: steps(pks(0, 65531, 65534), one(lostPk(0, 65535), lostPk(0, 0)), pks(0, 1, 3)),
			answered: []uint16{65535, 0}},
		{name: "subscriber wrap-around", streams: two, steps: steps(
			pks(0, 65530, 65533), one(switchTo(1)), pks(1, 200, 200), one(lostPk(1, 201), lostPk(1, 202)), pks(1, 203, 205)),
			answered: []uint16{201, 202}},
		{name: "switched in during the loss", streams: two, attach: true, steps: steps(
			interleave(pks(0, 100, 103), pks(1, 5000, 5003)),
			one(lostPk(1, 5004), lostPk(1, 5005), switchTo(1)),
			interleave(pks(1, 5006, 5008), pks(0, 104, 106))),
			// Queued, they would have gone to the destinations of their
			// turn, without the subscriber: it starts with 5006.
			answered: nil},
		{name: "out of the history when replayed", steps: steps(pks(0, 100, 103), one(lostPk(0, 104), wait(2*time.Second)), pks(0, 105, 107)),
			unanswered: []uint16{104}},
		{name: "out of the history when NACKed", steps: steps(pks(0, 100, 103), one(lostPk(0, 104), pk(0, 105), wait(2*time.Second)), pks(0, 106, 107)),
			unanswered: []uint16{104}},
	} {
		t.Run(tc.name, func(t *testing.T) { runLossCase(t, tc) })
	}
}

// lossState is one stream of a running lossCase.
type lossState struct {
	lossStream
	h       *pubHistory
	sw      *shardWriter
	dests   *[]*subStream // replaced, never changed (copy on write)
	run     lostRun       // lost since the shard last took a packet
	pending []lostRaw     // the same, for the reference
}

// lostRaw is a lost packet and whether the subscriber was among its
// destinations.
type lostRaw struct {
	raw  []byte
	dest bool
}

func runLossCase(t *testing.T, tc lossCase) {
	t.Helper()
	if tc.streams == nil {
		tc.streams = []lossStream{{0, 0}}
	}
	vp8 := pion.RTPCodecParameters{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}}
	var srcs [2]*pubStream
	for i := range srcs {
		srcs[i] = &pubStream{kind: "video", codec: vp8}
		srcs[i].top.Store(1)
	}
	first := tc.streams[0]
	ref, _ := newTestDest("video", srcs[first.src])
	lost, _ := newTestDest("video", srcs[first.src])
	refW, lostW := &packetWriter{}, &packetWriter{}
	ref.track, lost.track = refW, lostW
	for _, d := range []*subStream{ref, lost} {
		d.target.Store(int32(first.layer))
		if tc.lowTemporal {
			d.temporal.Store(0)
		}
	}
	var now time.Duration
	states := make([]*lossState, len(tc.streams))
	for i, s := range tc.streams {
		h := newPubHistory()
		h.now = func() time.Duration { return now }
		dests := []*subStream{lost}
		if tc.attach && i != 0 {
			dests = nil
		}
		st := &lossState{lossStream: s, h: h, dests: &dests}
		st.sw = newShardWriter(newFanout(srcs[s.src]), 0, 1)
		states[i] = st
	}
	var parser vp8Parser
	refWrite := func(st *lossState, raw []byte) {
		var pkt rtp.Packet
		if err := pkt.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		ref.write(srcs[st.src], st.layer, parser.parse(pkt.Payload), &pkt, sentRef{})
	}
	for _, step := range tc.steps {
		switch {
		case step.stream < 0 && step.age > 0:
			now += step.age
		case step.stream < 0:
			to := tc.streams[step.to]
			for _, d := range []*subStream{ref, lost} {
				d.src.Store(srcs[to.src])
				d.target.Store(int32(to.layer))
			}
			if tc.attach {
				for i, st := range states {
					dests := []*subStream{}
					if i == step.to {
						dests = append(dests, lost)
					}
					st.dests = &dests
				}
			}
		default:
			st := states[step.stream]
			raw := lossPacket(t, step, tc.tsBase+3000*uint32(step.seq))
			sent := st.h.add(raw, windowDests(time.Second))
			dest := slices.Contains(*st.dests, lost)
			if step.drop {
				st.run.add(sent, st.dests)
				st.pending = append(st.pending, lostRaw{raw: raw, dest: dest})
				continue
			}
			// The reference is the same shard without the loss: it
			// handles the lost packets when the shard takes this one, for
			// the destinations of their own turn.
			for _, r := range append(st.pending, lostRaw{raw: raw, dest: dest}) {
				if r.dest {
					refWrite(st, r.raw)
				}
			}
			st.pending = nil
			var pkt rtp.Packet
			if err := pkt.Unmarshal(raw); err != nil {
				t.Fatal(err)
			}
			fp := &fanPacket{layer: st.layer, ti: parser.parse(pkt.Payload), dests: st.dests, sent: sent}
			fp.n = copy(fp.buf[:], raw)
			fp.lost[0], st.run = st.run, lostRun{}
			st.sw.take(fp)
			if fp.lost[0].h != nil {
				t.Fatal("the shard left its lost run in the packet")
			}
		}
	}
	checkLossCase(t, tc, refW.pkts, lostW.pkts, lost)
}

// checkLossCase compares what the stream that lost packets was sent and
// answers with what the reference was sent.
func checkLossCase(t *testing.T, tc lossCase, refPkts, lostPkts []rtp.Packet, lost *subStream) {
	t.Helper()
	if len(refPkts) == 0 {
		t.Fatal("the reference got nothing")
	}
	bySeq := map[uint16]rtp.Packet{}
	for _, p := range refPkts {
		bySeq[p.SequenceNumber] = p
	}
	written := map[uint16]bool{}
	for _, p := range lostPkts {
		want, ok := bySeq[p.SequenceNumber]
		if !ok || !equalPackets(t, &p, &want) {
			t.Fatalf("seq %d: sent publisher packet %d, the reference got %d (found %v)", p.SequenceNumber, lossPubSeq(&p), lossPubSeq(&want), ok)
		}
		written[p.SequenceNumber] = true
	}
	var answered, unanswered []uint16
	for _, want := range refPkts {
		seq := want.SequenceNumber
		if written[seq] {
			continue
		}
		var got rtp.Packet
		_, ok := lost.SentPacket(seq, 1234, 100, &got)
		pub := lossPubSeq(&want)
		if slices.Contains(tc.unanswered, pub) {
			if ok {
				t.Fatalf("seq %d (publisher %d): answered, want not (out of the history)", seq, pub)
			}
			unanswered = append(unanswered, pub)
			continue
		}
		if !ok {
			t.Fatalf("seq %d (publisher %d): lost and not answered", seq, pub)
		}
		want.SSRC, want.PayloadType = 1234, 100
		want.Padding, want.Header.PaddingSize, want.PaddingSize = false, 0, 0 //nolint:staticcheck // both fields
		if !equalPackets(t, &got, &want) {
			t.Fatalf("seq %d: answered %+v %x, want %+v %x", seq, got.Header, got.Payload, want.Header, want.Payload)
		}
		answered = append(answered, pub)
	}
	if !slices.Equal(answered, tc.answered) || !slices.Equal(unanswered, tc.unanswered) {
		t.Fatalf("lost publisher packets answered %v, unanswered %v; want %v and %v", answered, unanswered, tc.answered, tc.unanswered)
	}
	// A number the reference never used (publisher loss, temporal drops,
	// beyond the ends) is never answered.
	lo, hi := refPkts[0].SequenceNumber, refPkts[len(refPkts)-1].SequenceNumber
	for seq := lo - 3; seq != hi+4; seq++ {
		if _, used := bySeq[seq]; used {
			continue
		}
		if _, ok := lost.SentPacket(seq, 1234, 100, &rtp.Packet{}); ok {
			t.Fatalf("seq %d, never used, answered", seq)
		}
	}
}
