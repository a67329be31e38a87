package videoroom

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/argusrtc/argus/internal/testkit"
)

// gateWriter blocks every write until gate is closed, telling entered
// each time it starts waiting; it records sequence numbers like
// recordWriter.
type gateWriter struct {
	entered chan<- struct{}
	gate    <-chan struct{}
	mu      sync.Mutex
	seqs    []uint16
}

func (w *gateWriter) WriteRTP(p *rtp.Packet) error {
	select {
	case w.entered <- struct{}{}:
	default:
	}
	<-w.gate
	w.mu.Lock()
	w.seqs = append(w.seqs, p.SequenceNumber)
	w.mu.Unlock()
	return nil
}

// fanDests makes n video destinations of ps with shard keys 0..n-1.
func fanDests(ps *pubStream, n int) ([]*subStream, []*recordWriter) {
	dests := make([]*subStream, n)
	ws := make([]*recordWriter, n)
	for i := range dests {
		dests[i], ws[i] = newTestDest("video", ps)
		dests[i].shard = uint32(i)
	}
	ps.dests.Store(&dests)
	return dests, ws
}

// sendSeq queues one marshalled packet with sequence number seq.
func sendSeq(t *testing.T, fo *fanout, ps *pubStream, seq uint16) {
	t.Helper()
	fp := fo.get()
	n, err := videoPacket(seq, uint32(seq)*3000).MarshalTo(fp.buf[:])
	if err != nil {
		t.Fatal(err)
	}
	fp.n, fp.layer, fp.ti, fp.dests = n, 0, noTemporal, ps.dests.Load()
	fo.send(fp)
}

// sendKept queues the packet raw to fo's shards as the reader does, kept
// in the publisher history h.
func sendKept(fo *fanout, ps *pubStream, h *pubHistory, raw []byte) {
	fp := fo.get()
	fp.n = copy(fp.buf[:], raw)
	fp.layer, fp.ti, fp.dests = 0, noTemporal, ps.dests.Load()
	fp.sent = h.add(raw, *fp.dests)
	fo.send(fp)
}

// waitDrained waits until every shard queue of fo is empty.
func waitDrained(t *testing.T, fo *fanout) {
	t.Helper()
	testkit.Until(t, 10*time.Second, "shard queues drained", func() bool {
		for _, q := range fo.queues {
			if len(q) > 0 {
				return false
			}
		}
		return true
	})
}

func TestFanoutInlineBelowThreshold(t *testing.T) {
	fo := newFanout(&pubStream{kind: "video"})
	fo.procs = 2 // two shards whatever the machine
	if fo.sharded(fanoutMin - 1) {
		t.Fatalf("sharded with %d destinations, want inline below %d", fanoutMin-1, fanoutMin)
	}
	if !fo.sharded(fanoutMin) {
		t.Fatalf("not sharded with %d destinations", fanoutMin)
	}
	// Once sharded, a stream stays sharded, so no packet overtakes a queued one.
	if !fo.sharded(1) {
		t.Fatal("went back to inline after sharding")
	}
	fo.stop()
}

// TestFanoutInlineOnOneProcessor: with one processor a stream never
// shards, however many destinations it has.
func TestFanoutInlineOnOneProcessor(t *testing.T) {
	fo := newFanout(&pubStream{kind: "video"})
	fo.procs = 1
	if fo.sharded(10 * fanoutMin) {
		fo.stop()
		t.Fatal("sharded with one processor")
	}
}

// TestFanoutEveryDestinationInOrder: every subscriber stream gets every
// packet once, in order, whichever shard writes it.
func TestFanoutEveryDestinationInOrder(t *testing.T) {
	ps := &pubStream{kind: "video"}
	_, ws := fanDests(ps, 3*fanoutMin)
	fo := newFanout(ps)
	fo.procs = 2 // two shards whatever the machine
	if !fo.sharded(3 * fanoutMin) {
		t.Fatal("not sharded")
	}
	const packets = 100 // below fanoutQueue: nothing may be dropped
	for seq := uint16(1); seq <= packets; seq++ {
		sendSeq(t, fo, ps, seq)
	}
	fo.stop()
	if d := fo.drops; d != 0 {
		t.Fatalf("%d packets dropped with room in the queues", d)
	}
	for i, w := range ws {
		if len(w.seqs) != packets {
			t.Fatalf("destination %d got %d packets, want %d", i, len(w.seqs), packets)
		}
		for j, s := range w.seqs {
			if s != uint16(j+1) {
				t.Fatalf("destination %d: packet %d has seq %d, want %d (out of order)", i, j, s, j+1)
			}
		}
	}
}

// TestFanoutFullQueueDropsAndCounts: a shard stuck in a write never
// blocks the reader; what its full queue cannot take is dropped for its
// destinations only and counted, and reported to onDrops (the
// "fanout-dropped" event): the first drop at once, the rest of the second
// with the first packet a second later, every drop once.
func TestFanoutFullQueueDropsAndCounts(t *testing.T) {
	ps := &pubStream{kind: "video"}
	dests, _ := fanDests(ps, fanoutMin)
	fo := newFanout(ps)
	fo.procs = 2 // two shards whatever the machine
	var reports []uint64
	fo.onDrops = func(n uint64) { reports = append(reports, n) }
	if !fo.sharded(fanoutMin) {
		t.Fatal("not sharded")
	}
	shards := len(fo.queues)
	entered := make(chan struct{}, shards)
	gate := make(chan struct{})
	gated := make([]*gateWriter, shards)
	for k := range shards { // the first destination of each shard blocks
		gated[k] = &gateWriter{entered: entered, gate: gate}
		dests[k].track = gated[k]
	}
	sendSeq(t, fo, ps, 1)
	for range shards {
		<-entered // every shard holds packet 1, its queue is empty
	}
	const extra = 5
	for seq := uint16(2); seq <= fanoutQueue+1+extra; seq++ {
		sendSeq(t, fo, ps, seq) // returns at once although no shard writes
	}
	if got, want := fo.drops, uint64(extra*shards); got != want {
		t.Fatalf("drops = %d, want %d (%d per shard)", got, want, extra)
	}
	if len(reports) != 1 || reports[0] != uint64(shards) {
		t.Fatalf("drop reports %v before stop, want [%d] (the first packet lost, once per shard)", reports, shards)
	}
	close(gate)
	waitDrained(t, fo)
	fo.lastDrop = fo.lastDrop.Add(-fanoutDropReport) // a second has passed
	last := uint16(fanoutQueue + 2 + extra)
	sendSeq(t, fo, ps, last) // dropped nowhere, it carries the waiting drops
	if len(reports) != 2 || reports[1] != uint64((extra-1)*shards) {
		t.Fatalf("drop reports %v a second later, want [%d %d]", reports, shards, (extra-1)*shards)
	}
	fo.stop()
	if len(reports) != 2 {
		t.Fatalf("drop reports %v after stop, want no more", reports)
	}
	for k, w := range gated {
		if len(w.seqs) != fanoutQueue+2 {
			t.Fatalf("shard %d wrote %d packets, want %d", k, len(w.seqs), fanoutQueue+2)
		}
		for j, s := range w.seqs[:fanoutQueue+1] {
			if s != uint16(j+1) {
				t.Fatalf("shard %d: packet %d has seq %d, want %d", k, j, s, j+1)
			}
		}
		if s := w.seqs[fanoutQueue+1]; s != last {
			t.Fatalf("shard %d: last packet has seq %d, want %d", k, s, last)
		}
	}
}

// TestFanoutFollowsDestinationChanges: a sharded stream writes to a
// destination attached while it runs from the next packet on, and no more
// to one detached; the others get every packet.
func TestFanoutFollowsDestinationChanges(t *testing.T) {
	ps := &pubStream{kind: "video"}
	dests, ws := fanDests(ps, 2*fanoutMin)
	fo := newFanout(ps)
	fo.procs = 2 // two shards whatever the machine
	if !fo.sharded(len(dests)) {
		t.Fatal("not sharded")
	}
	for seq := uint16(1); seq <= 10; seq++ {
		sendSeq(t, fo, ps, seq)
	}
	added, aw := newTestDest("video", ps)
	added.shard = 7
	ps.attach(added)
	ps.detach(dests[3])
	for seq := uint16(11); seq <= 20; seq++ {
		sendSeq(t, fo, ps, seq)
	}
	fo.stop()
	for i, w := range ws {
		want := 20
		if i == 3 {
			want = 10
		}
		if len(w.seqs) != want {
			t.Fatalf("destination %d got %d packets, want %d", i, len(w.seqs), want)
		}
	}
	if len(aw.seqs) != 10 || aw.seqs[0] != 11 {
		t.Fatalf("attached destination got %v, want 11..20", aw.seqs)
	}
}

// TestFanoutLostPacketsRecorded: packets a full shard queue lost are
// written to none of the shard's destinations, but each destination's
// NACK for them is answered from the publisher's history, with the
// numbers they would have had; the other destinations are unaffected.
func TestFanoutLostPacketsRecorded(t *testing.T) {
	ps := &pubStream{kind: "video"}
	dests, ws := fanDests(ps, fanoutMin)
	fo := newFanout(ps)
	fo.procs = 2 // two shards whatever the machine
	if !fo.sharded(fanoutMin) {
		t.Fatal("not sharded")
	}
	h, _ := fakeClockHist()
	raws := map[uint16][]byte{}
	send := func(seq uint16) {
		raw := pubPacket(t, seq, 3000*uint32(seq), 0)
		raws[seq] = raw
		sendKept(fo, ps, h, raw)
	}
	shards := len(fo.queues)
	entered := make(chan struct{}, shards)
	gate := make(chan struct{})
	for k := range shards { // the first destination of each shard blocks
		dests[k].track = &gateWriter{entered: entered, gate: gate}
	}
	send(1)
	for range shards {
		<-entered // every shard holds packet 1, its queue is empty
	}
	for seq := uint16(2); seq <= fanoutQueue+1; seq++ {
		send(seq)
	}
	lost := []uint16{fanoutQueue + 2, fanoutQueue + 3, fanoutQueue + 4}
	for _, seq := range lost {
		send(seq)
	}
	if got, want := fo.drops, uint64(len(lost)*shards); got != want {
		t.Fatalf("drops = %d, want %d", got, want)
	}
	close(gate)
	waitDrained(t, fo)
	last := lost[len(lost)-1] + 1
	send(last) // carries what each shard lost
	fo.stop()
	for i, d := range dests {
		var seqs []uint16
		if i < shards {
			seqs = d.track.(*gateWriter).seqs
		} else {
			seqs = ws[i].seqs
		}
		if len(seqs) != fanoutQueue+2 || seqs[len(seqs)-1] != last {
			t.Fatalf("destination %d wrote %d packets ending with %d, want %d ending with %d", i, len(seqs), seqs[len(seqs)-1], fanoutQueue+2, last)
		}
		for _, seq := range lost {
			var got rtp.Packet
			if _, ok := d.SentPacket(seq, 1234, 100, &got); !ok {
				t.Fatalf("destination %d: lost seq %d not answered", i, seq)
			}
			var want rtp.Packet
			if err := want.Unmarshal(raws[seq]); err != nil {
				t.Fatal(err)
			}
			want.SSRC, want.PayloadType = 1234, 100
			want.Extension, want.Extensions, want.ExtensionProfile = false, nil, 0
			if !equalPackets(t, &got, &want) {
				t.Fatalf("destination %d: seq %d answered %+v, want %+v", i, seq, got.Header, want.Header)
			}
		}
	}
}
