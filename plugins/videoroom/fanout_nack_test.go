package videoroom

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/argusrtc/argus/internal/testkit"
)

// holdWriter blocks a write while held, telling entered when it starts
// waiting; otherwise it writes nothing.
type holdWriter struct {
	hold    atomic.Pointer[chan struct{}]
	entered chan struct{}
}

func (w *holdWriter) WriteRTP(*rtp.Packet) error {
	if c := w.hold.Load(); c != nil {
		w.entered <- struct{}{}
		<-*c
	}
	return nil
}

// TestNACKAnsweredForShardLoss: a pion client subscribed through a real
// Peer, on a sharded publisher stream whose shard queue is full (another
// subscriber of the shard blocks its write), misses the packets the
// queue lost; its NACK for them gets each back, rewritten exactly as the
// subscriber would have got it (its SSRC, payload type, sequence number
// and timestamp; the publisher's payload, marker and CSRC; no header
// extension, no padding), from the publisher's history.
func TestNACKAnsweredForShardLoss(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	rig := newNACKRig(ctx, t)
	ps := &pubStream{kind: "video", codec: rig.codec}
	d, rec := rig.d, rig.rec
	d.src.Store(ps)

	// fanoutMin destinations: one that blocks on demand and d on shard 0
	// (in that order), the rest writing nowhere.
	hw := &holdWriter{entered: make(chan struct{}, 1)}
	blocker, _ := newTestDest("video", ps)
	blocker.track = hw
	dests := []*subStream{blocker, d}
	for i := 2; i < fanoutMin; i++ {
		o, _ := newTestDest("video", ps)
		o.track, o.shard = nopWriter{}, uint32(i)
		dests = append(dests, o)
	}
	ps.dests.Store(&dests)
	fo := newFanout(ps)
	fo.procs = 2 // two shards whatever the machine
	if !fo.sharded(len(dests)) {
		t.Fatal("not sharded")
	}
	defer fo.stop()
	h, _ := fakeClockHist() // the clock stands still: every packet is kept
	raws := map[uint16][]byte{}
	seq := uint16(2000)
	send := func() {
		seq++
		raw := pubPacketTagged(t, seq, 90*uint32(seq), byte(seq%3), 0)
		raws[seq] = raw
		sendKept(fo, ps, h, raw)
	}
	pubSeq := func(p *rtp.Packet) uint16 { return uint16(p.Payload[2])<<8 | uint16(p.Payload[3]) }
	// flow sends until the client has a packet of publisher sequence
	// number at least want.
	flow := func(what string, want uint16) {
		t.Helper()
		for {
			all := rec.copiesAll()
			if len(all) > 0 && int16(pubSeq(&all[len(all)-1])-want) >= 0 {
				return
			}
			send()
			select {
			case <-ctx.Done():
				t.Fatalf("%s: the client got %d packets", what, len(all))
			case <-rec.got:
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	flow("before DTLS", seq+20) // writes before DTLS is up are lost

	// Shard 0 blocks in the blocker's write of one packet; its queue
	// fills, and the next packets are lost for it.
	c := make(chan struct{})
	hw.hold.Store(&c)
	send()
	select {
	case <-hw.entered:
	case <-ctx.Done():
		t.Fatal("shard 0 never wrote")
	}
	for range fanoutQueue {
		send()
	}
	drops := fo.drops
	var lost []uint16
	for range 3 {
		send()
		lost = append(lost, seq)
	}
	if fo.drops-drops < uint64(len(lost)) {
		t.Fatalf("%d packets lost for shard 0, want %d", fo.drops-drops, len(lost))
	}
	hw.hold.Store(nil)
	close(c)
	flow("after the loss", lost[len(lost)-1]+1)

	// The client's sequence numbers are the publisher's plus an offset.
	all := rec.copiesAll()
	last := all[len(all)-1]
	off := last.SequenceNumber - pubSeq(&last)
	var orig rtp.Packet
	if err := orig.Unmarshal(raws[pubSeq(&last)]); err != nil {
		t.Fatal(err)
	}
	tsOff := last.Timestamp - orig.Timestamp
	var nack []uint16
	for _, s := range lost {
		if n := len(rec.copies(s + off)); n != 0 {
			t.Fatalf("publisher packet %d (seq %d) received %d times before any NACK, want lost", s, s+off, n)
		}
		nack = append(nack, s+off)
	}
	found := rig.asked.found.Load()
	if err := rig.client.WriteRTCP([]rtcp.Packet{&rtcp.TransportLayerNack{SenderSSRC: 1, MediaSSRC: last.SSRC, Nacks: rtcp.NackPairsFromSequenceNumbers(nack)}}); err != nil {
		t.Fatal(err)
	}
	// The responder answers before more media goes: a starved responder
	// must not let the lost packets age out of the history meanwhile.
	testkit.Until(t, 10*time.Second, "the NACKed packets found in the history", func() bool {
		return rig.asked.found.Load()-found >= int64(len(nack))
	})
	for i, s := range nack {
		// pion's remote track returns a repaired packet on its next read
		// of the media stream, so media keeps flowing meanwhile, paced:
		// the publisher's sequence numbers must not come round again.
		deadline := time.After(5 * time.Second)
		for len(rec.copies(s)) == 0 {
			send()
			select {
			case <-ctx.Done():
				t.Fatalf("seq %d: not retransmitted (NACKed %v)", s, nack)
			case <-deadline:
				t.Fatalf("seq %d: not retransmitted within 5 s (NACKed %v)", s, nack)
			case <-time.After(5 * time.Millisecond):
			}
		}
		var want rtp.Packet
		if err := want.Unmarshal(raws[lost[i]]); err != nil {
			t.Fatal(err)
		}
		want.SequenceNumber, want.Timestamp = s, want.Timestamp+tsOff
		// SSRC, payload type and header extensions (the Peer's, none of
		// the publisher's) are as on every packet the client got.
		want.SSRC, want.PayloadType = last.SSRC, last.PayloadType
		want.Extension, want.Extensions, want.ExtensionProfile = last.Extension, last.Extensions, last.ExtensionProfile
		want.Padding, want.Header.PaddingSize, want.PaddingSize = false, 0, 0 //nolint:staticcheck // both fields
		got := rec.copies(s)[0]
		if !equalPackets(t, &got, &want) {
			t.Fatalf("seq %d: retransmitted %+v %x, want %+v %x", s, got.Header, got.Payload, want.Header, want.Payload)
		}
	}
	if n := rig.asked.found.Load(); n < int64(len(nack)) {
		t.Fatalf("the track's history answered %d of %d NACKed packets", n, len(nack))
	}
}
