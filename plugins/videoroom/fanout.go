package videoroom

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
)

// Fan-out sharding. A publisher stream with many subscribers hands each
// packet to writer goroutines (shards), each writing to its own part of
// the subscribers, so the reader goes straight back to reading: a long
// fan-out never leaves the publisher's packets waiting in pion's receive
// queue or the socket (where they were dropped and NACKed), and a large
// room uses every core. Small rooms forward inline, as before.
const (
	// fanoutMin is the number of subscriber streams from which a stream
	// forwards through shards; once it did, it stays sharded, so a
	// subscriber never gets a newer packet inline ahead of an older one
	// still queued.
	fanoutMin = 16
	// fanoutMaxShards caps the writer goroutines of one stream.
	fanoutMaxShards = 4
	// fanoutQueue bounds each shard's queue: about what core/webrtc's
	// receive queue held before (256 KiB), ≈ 0.7 s of 350 packets/s video,
	// so a burst (a round of DTLS handshakes, a GC) is absorbed as before;
	// a packet that finds it full is dropped for that shard's subscribers
	// and counted.
	fanoutQueue = 256
	// fanoutFree bounds the free list: enough for a stream that keeps up;
	// the buffers of a backlog beyond it go back to the GC.
	fanoutFree = 32
	// fanoutDropReport is the shortest time between two reports of a
	// stream's drops (the "fanout-dropped" event): a stream that keeps
	// dropping is reported once per second, one that drops nothing never.
	fanoutDropReport = time.Second
)

// fanPacket is one received packet shared read-only by the shards; the
// last shard done with it returns it to the free list.
type fanPacket struct {
	buf   [maxRTPPacket]byte
	n     int
	layer int
	ti    temporalInfo
	dests *[]*subStream // the destinations when it was read
	sent  sentRef       // where the publisher's history keeps it
	refs  atomic.Int32
	// lost is, per shard, the packets its full queue lost just before
	// this one; the reader sets a shard's entry before queueing and takes
	// it back when that shard's queue is full too, the shard clears it
	// when it takes the packet.
	lost [fanoutMaxShards]lostRun
}

// lostRun is the packets a shard's full queue lost in a row, as indexes
// [from, to) in the publisher's history h (h nil: none). The history
// takes packets in the order they are queued, so every packet kept in
// that span is one the shard lost: one it took in between would have
// carried the run before it.
//
// Why a shard replays what it lost. A lost packet's subscribers would
// see a gap in their sequence numbers and NACK it, and the sent log has
// no entry for a number never written. Deriving the missing publisher
// packet from a neighbour's entry at NACK time would have to redo the
// rewriting: a temporal-layer drop between the neighbour and the gap
// moves the offset, and a lost packet of a dropped layer should take no
// number at all. Instead the shard puts each lost packet, from the
// history, through its subscribers' own rewriting (subStream.rewrite,
// everything write does but the write) before the next packet it
// takes: in order, as if it had waited in the queue (the subscribers'
// state as the shard finds it then, the destinations that were there
// when the run began and still are), so a lost packet gets the number,
// timestamp and segment it would have had had it been queued (or none,
// when the temporal layer or a switch drops it), and SentPacket answers
// its NACK as for a packet sent. This costs only on
// a loss; a lost packet already out of the history is skipped, and its
// NACK stays unanswered as before.
type lostRun struct {
	h        *pubHistory
	from, to uint64
	dests    *[]*subStream // the destinations when the run's first packet was lost
}

// add appends the packet ref names, lost for the destinations dests, to
// the run (nothing when it is not kept).
func (r *lostRun) add(ref sentRef, dests *[]*subStream) {
	if ref.h == nil {
		return
	}
	if r.h != ref.h {
		*r = lostRun{h: ref.h, from: ref.idx, dests: dests}
	}
	r.to = ref.idx + 1
}

// fanout is the writer side of one forwarding goroutine. It is owned by
// pubStream.forward: started lazily, stopped (and waited for) when the
// reader ends.
type fanout struct {
	ps *pubStream
	// hist is the stream layer's NACK history, nil while neither the
	// publisher nor a subscriber stream negotiated NACK (historyFor).
	hist   *pubHistory
	queues []chan *fanPacket // nil until the stream needs shards
	free   chan *fanPacket   // bounded free list; beyond it, the GC
	spare  *fanPacket        // the reader's last buffer no shard saw (reader only)
	drops  uint64            // packets lost at full shard queues, once per shard
	procs  int               // GOMAXPROCS when the stream started
	vp8    bool              // the stream is VP8: packets carry temporal layers
	wg     sync.WaitGroup
	// pend is, per shard, the run its queue lost since it last took a
	// packet (reader only); it leaves with the next packet it takes.
	pend [fanoutMaxShards]lostRun

	// onDrops, if set, is told the drops since its last call, at most
	// once per fanoutDropReport while drops wait to be told and once at
	// stop; the reader calls it.
	onDrops  func(n uint64)
	reported uint64    // drops already passed to onDrops
	lastDrop time.Time // when onDrops was last called
}

func newFanout(ps *pubStream) *fanout {
	return &fanout{ps: ps, free: make(chan *fanPacket, fanoutFree), procs: runtime.GOMAXPROCS(0),
		vp8: strings.EqualFold(ps.codec.MimeType, pion.MimeTypeVP8)}
}

// get returns a packet buffer for the reader: its spare one, else one
// from the free list, else a new one. Inline forwarding always hands its
// buffer back as the spare, so a stream that never shards touches no
// channel per packet.
func (f *fanout) get() *fanPacket {
	if p := f.spare; p != nil {
		f.spare = nil
		return p
	}
	select {
	case p := <-f.free:
		return p
	default:
		return &fanPacket{}
	}
}

// keep gives the reader back a buffer that no shard saw (a packet skipped
// or forwarded inline); only the reader calls it.
func (f *fanout) keep(p *fanPacket) {
	p.dests, p.sent = nil, sentRef{}
	f.spare = p
}

// put gives a buffer back to the free list (or to the GC when it is full).
func (f *fanout) put(p *fanPacket) {
	p.dests, p.sent = nil, sentRef{}
	select {
	case f.free <- p:
	default:
	}
}

// release drops one shard's reference to p.
func (f *fanout) release(p *fanPacket) {
	if p.refs.Add(-1) == 0 {
		f.put(p)
	}
}

// sharded reports whether packets go through shards, starting them the
// first time the stream has fanoutMin destinations. With one processor
// it never shards: a writer goroutine on the reader's only core adds no
// throughput.
func (f *fanout) sharded(dests int) bool {
	if f.queues != nil {
		return true
	}
	if dests < fanoutMin || f.procs < 2 {
		return false
	}
	n := min(f.procs, fanoutMaxShards)
	f.queues = make([]chan *fanPacket, n)
	for k := range f.queues {
		q := make(chan *fanPacket, fanoutQueue)
		f.queues[k] = q
		f.wg.Add(1)
		go f.shard(newShardWriter(f, uint32(k), uint32(n)), q)
	}
	return true
}

// send queues p to every shard; a shard whose queue is full loses it,
// and gets it with the next packet it takes, to replay (lostRun).
func (f *fanout) send(p *fanPacket) {
	p.refs.Store(int32(len(f.queues)))
	dropped := false
	for k, q := range f.queues {
		run := f.pend[k].h != nil
		if run {
			p.lost[k], f.pend[k] = f.pend[k], lostRun{}
		}
		select {
		case q <- p:
		default:
			if run {
				f.pend[k], p.lost[k] = p.lost[k], lostRun{}
			}
			f.pend[k].add(p.sent, p.dests)
			f.drops++
			dropped = true
			f.release(p)
		}
	}
	// Drops not yet reported leave with the first packet at least a second
	// after the last report, dropped or not, so the end of a burst is not
	// held until the stream ends. Only while some wait is the clock read.
	if dropped || f.drops != f.reported {
		if now := time.Now(); now.Sub(f.lastDrop) >= fanoutDropReport {
			f.lastDrop = now
			f.reportDrops()
		}
	}
}

// reportDrops passes the drops not yet reported to onDrops.
func (f *fanout) reportDrops() {
	if n := f.drops - f.reported; n > 0 && f.onDrops != nil {
		f.reported = f.drops
		f.onDrops(n)
	}
}

// shard writes the packets of its queue to the destinations whose shard
// key falls on it; each destination always lands on the same shard, so
// its packets stay in order.
func (f *fanout) shard(s *shardWriter, q chan *fanPacket) {
	defer f.wg.Done()
	for p := range q {
		s.take(p)
		f.release(p)
	}
}

// shardWriter is one shard's state, owned by its goroutine. It keeps its
// own part of the destination list, picked again only when the list
// changes (copy on write: a new slice), so a packet costs no pass over
// the other shards' destinations and no division per destination.
type shardWriter struct {
	f    *fanout
	k, n uint32
	pkt  rtp.Packet
	from *[]*subStream // the list mine was picked from
	mine []*subStream
	buf  []byte    // a lost packet read back from the history
	vp8  vp8Parser // a lost packet's temporal layer
}

func newShardWriter(f *fanout, k, n uint32) *shardWriter {
	return &shardWriter{f: f, k: k, n: n}
}

// take writes p to the shard's destinations, after replaying what the
// shard's queue lost just before it.
func (s *shardWriter) take(p *fanPacket) {
	if p.dests != s.from {
		clear(s.mine)
		s.from, s.mine = p.dests, s.mine[:0]
		for _, d := range *p.dests {
			if d.shard%s.n == s.k {
				s.mine = append(s.mine, d)
			}
		}
	}
	if r := p.lost[s.k]; r.h != nil {
		p.lost[s.k] = lostRun{}
		s.replay(r, p.layer)
	}
	if s.pkt.Unmarshal(p.buf[:p.n]) == nil {
		sent := p.sent.sending()
		for _, d := range s.mine {
			d.write(s.f.ps, p.layer, p.ti, &s.pkt, sent)
		}
	}
}

// replay puts the packets of r, which the shard's queue lost, through
// its destinations' rewriting without writing them (lostRun says why):
// the destinations of the packet that carries r that were already
// destinations when the run began (one that came meanwhile, e.g. by a
// switch, starts with the carrier, as a packet queued then would have
// found it missing); those no longer in the history are skipped.
func (s *shardWriter) replay(r lostRun, layer int) {
	dests := s.mine
	if r.dests != nil && r.dests != s.from {
		dests = s.stayed(r.dests)
	}
	if r.to-r.from > pubHistoryMax {
		r.from = r.to - pubHistoryMax // the older ones are out of it
	}
	if s.buf == nil {
		s.buf = make([]byte, 0, maxRTPPacket)
	}
	for idx := r.from; idx < r.to; idx++ {
		raw, ref, ok := r.h.lost(s.buf[:0], idx)
		s.buf = raw[:0]
		if !ok || s.pkt.Unmarshal(raw) != nil {
			continue
		}
		ti := noTemporal
		if s.f.vp8 {
			ti = s.vp8.parse(s.pkt.Payload)
		}
		ref = ref.sending()
		for _, d := range dests {
			d.rewrite(s.f.ps, layer, ti, &s.pkt, ref)
		}
	}
}

// stayed is the shard's destinations that are also in before (a list of
// an earlier packet): only where the list changed during a lost run.
func (s *shardWriter) stayed(before *[]*subStream) []*subStream {
	was := make(map[*subStream]bool, len(*before))
	for _, d := range *before {
		was[d] = true
	}
	var out []*subStream
	for _, d := range s.mine {
		if was[d] {
			out = append(out, d)
		}
	}
	return out
}

// stop ends the shards after they drained their queues.
func (f *fanout) stop() {
	for _, q := range f.queues {
		close(q)
	}
	f.wg.Wait()
	f.reportDrops()
}
