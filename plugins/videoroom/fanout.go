package videoroom

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
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
	wg     sync.WaitGroup

	// onDrops, if set, is told the drops since its last call, at most
	// once per fanoutDropReport while drops wait to be told and once at
	// stop; the reader calls it.
	onDrops  func(n uint64)
	reported uint64    // drops already passed to onDrops
	lastDrop time.Time // when onDrops was last called
}

func newFanout(ps *pubStream) *fanout {
	return &fanout{ps: ps, free: make(chan *fanPacket, fanoutFree), procs: runtime.GOMAXPROCS(0)}
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
// throughput, and a packet lost at ingress is repaired by a NACK to the
// publisher, which a packet lost in a full shard queue is not.
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
		go f.shard(uint32(k), uint32(n), q)
	}
	return true
}

// send queues p to every shard; a shard whose queue is full loses it.
func (f *fanout) send(p *fanPacket) {
	p.refs.Store(int32(len(f.queues)))
	dropped := false
	for _, q := range f.queues {
		select {
		case q <- p:
		default:
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
// It keeps its own part of the destination list, picked again only when
// the list changes (copy on write: a new slice), so a packet costs no
// pass over the other shards' destinations and no division per
// destination.
func (f *fanout) shard(k, n uint32, q chan *fanPacket) {
	defer f.wg.Done()
	var pkt rtp.Packet
	var from *[]*subStream // the list mine was picked from
	var mine []*subStream
	for p := range q {
		if p.dests != from {
			clear(mine)
			from, mine = p.dests, mine[:0]
			for _, d := range *p.dests {
				if d.shard%n == k {
					mine = append(mine, d)
				}
			}
		}
		if pkt.Unmarshal(p.buf[:p.n]) == nil {
			sent := p.sent.sending()
			for _, d := range mine {
				d.write(f.ps, p.layer, p.ti, &pkt, sent)
			}
		}
		f.release(p)
	}
}

// stop ends the shards after they drained their queues.
func (f *fanout) stop() {
	for _, q := range f.queues {
		close(q)
	}
	f.wg.Wait()
	f.reportDrops()
}
