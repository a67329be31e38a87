package videoroom

import (
	"sync"
	"time"

	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/internal/shrink"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
)

// NACK history shared by a publisher stream's subscribers.
//
// core/webrtc's NACK responder would keep, per subscriber stream, a copy
// of every packet sent to it: with one publisher and 300 subscribers, 300
// copies of each packet (a ~1 KB memmove per packet and subscriber on the
// forwarding path). Instead each publisher stream layer keeps the packets
// it received once (pubHistory), each subscriber stream remembers only
// which publisher packet it sent under which of its own sequence numbers
// (sentLog, 12 bytes per packet), and a NACK is answered by rewriting the
// publisher's packet as the forward path did (sendTrack.SentPacket).
const (
	// pubWindowEvery is how often a publisher stream's history takes the
	// longest window its subscribers' NACK responders use (the configured
	// minimum, or twice the RTT, at most webrtc.MaxNACKWindow) as its
	// own; each responder still applies its subscriber's window.
	pubWindowEvery = time.Second
	// pubHistoryMax bounds the packets kept per publisher stream layer
	// (a burst), as the responder's own history does.
	pubHistoryMax = 1024
	// pubHistoryMin is the smallest ring (a power of two).
	pubHistoryMin = 16
	// pubLagMargin is how much longer than the window a publisher's
	// history keeps a packet: a fan-out shard may send it that much
	// later (its queue, fanoutQueue packets), and a subscriber's NACK
	// window counts from when the packet was sent to it.
	pubLagMargin = 500 * time.Millisecond
	// sentLogSize is the number of sequence numbers a subscriber stream
	// remembers (a power of two, at least pubHistoryMax).
	sentLogSize = 1024
	// sentSegs is how many rewritings (source, layer, timestamp offset) a
	// subscriber stream remembers; a packet sent before the last sentSegs
	// switches is no longer answered.
	sentSegs = 16
)

// pubHistory is one publisher stream layer's recently received packets.
// Packets get consecutive absolute indexes; the live ones, [first, next),
// sit in a power-of-two ring at index & (len(slots)-1), so a subscriber
// finds its packet by index in O(1) whatever the order the publisher's
// sequence numbers came in. The ring grows with the packet rate up to
// pubHistoryMax and shrinks when the rate falls, as core/webrtc's send
// history does.
type pubHistory struct {
	now func() time.Duration // monotonic clock

	mu          sync.Mutex
	window      time.Duration // packets older are evicted
	windowAt    time.Duration // when window was last taken from the subscribers
	windowSet   bool
	slots       []pubSlot
	first, next uint64
	free        shrink.Spares // evicted packets' buffers, for add to reuse
	shrink      shrink.Gate   // when evict halves the ring
}

// pubSlot is one received packet, as read (header extensions, padding).
type pubSlot struct {
	at  time.Duration
	buf []byte
}

func newPubHistory() *pubHistory {
	start := time.Now()
	return &pubHistory{now: func() time.Duration { return time.Since(start) }}
}

// longestWindow is the longest NACK window of dests, at least
// webrtc.DefaultNACKWindow (a subscriber whose responder is not bound yet
// tells none; the history follows it only every pubWindowEvery) and at
// most webrtc.MaxNACKWindow.
func longestWindow(dests []*subStream) time.Duration {
	w := int64(webrtc.DefaultNACKWindow)
	for _, d := range dests {
		w = max(w, d.nackWindow.Load())
	}
	return min(time.Duration(w), webrtc.MaxNACKWindow)
}

// historyFor returns a new history when the stream of codec, or one of
// dests, negotiated NACK, else nil. A subscriber stream keeps the codec
// it negotiated with its first publisher: switched to a publisher that
// did not negotiate NACK, it may still ask for retransmissions, which
// Janus answers from the subscriber's own buffer and Argus from this
// history.
func historyFor(codec pion.RTPCodecParameters, dests []*subStream) *pubHistory {
	if wantsHistory(codec) {
		return newPubHistory()
	}
	for _, d := range dests {
		if wantsHistory(d.codec) {
			return newPubHistory()
		}
	}
	return nil
}

// wantsHistory reports whether a codec negotiated generic NACK: a
// subscriber stream of it may ask for retransmissions.
func wantsHistory(c pion.RTPCodecParameters) bool {
	for _, fb := range c.RTCPFeedback {
		if fb.Type == "nack" && fb.Parameter == "" {
			return true
		}
	}
	return false
}

// add stores a copy of one received packet and returns where it is; dests
// are the stream's subscribers, whose longest NACK window the history
// keeps (taken again every pubWindowEvery). Only the stream's forwarding
// goroutine adds.
func (h *pubHistory) add(raw []byte, dests []*subStream) sentRef {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.windowSet || now-h.windowAt >= pubWindowEvery {
		h.window, h.windowAt, h.windowSet = longestWindow(dests), now, true
	}
	h.evict(now)
	if h.next-h.first == uint64(len(h.slots)) {
		if len(h.slots) < pubHistoryMax {
			h.resize(max(pubHistoryMin, 2*len(h.slots)))
		} else {
			h.first++ // full: the oldest's slot (and buffer) is reused
		}
	}
	s := &h.slots[h.next&uint64(len(h.slots)-1)]
	if s.buf == nil {
		s.buf = h.free.Take()
	}
	s.buf = append(s.buf[:0], raw...)
	s.at = now
	idx := h.next
	h.next++
	return sentRef{h: h, idx: idx, at: now}
}

// evict drops packets older than the window (and pubLagMargin), and
// halves a ring that has
// been under a quarter full for a whole window (the rate fell; a pause
// alone does not shrink it).
func (h *pubHistory) evict(now time.Duration) {
	mask := uint64(len(h.slots) - 1)
	for h.first < h.next && now-h.slots[h.first&mask].at > h.window+pubLagMargin {
		s := &h.slots[h.first&mask]
		h.free.Give(s.buf)
		s.buf = nil
		h.first++
	}
	if h.shrink.Halve(int(h.next-h.first), len(h.slots), pubHistoryMin, now, h.window) {
		h.resize(len(h.slots) / 2)
	}
}

// resize moves the live packets into a ring of size slots (a power of
// two, at least the live count); spare buffers beyond it are released.
func (h *pubHistory) resize(size int) {
	next := make([]pubSlot, size)
	for i := h.first; i < h.next; i++ {
		next[i&uint64(size-1)] = h.slots[i&uint64(len(h.slots)-1)]
	}
	h.slots = next
	h.free.Trim(size - int(h.next-h.first))
}

// appendPacket appends the packet with index idx (its low 32 bits) to
// dst and returns it with its age; ok is false once it left the history.
func (h *pubHistory) appendPacket(dst []byte, idx uint32) (pkt []byte, age time.Duration, ok bool) {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	full := h.next - uint64(uint32(h.next)-idx)
	if full < h.first || full >= h.next {
		return dst, 0, false
	}
	s := &h.slots[full&uint64(len(h.slots)-1)]
	return append(dst, s.buf...), now - s.at, true
}

// lost appends the packet with index idx to dst and returns it with the
// sentRef that names it (when it was taken), for a fan-out shard that
// lost it in its full queue; ok is false once it left the history.
func (h *pubHistory) lost(dst []byte, idx uint64) (pkt []byte, ref sentRef, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if idx < h.first || idx >= h.next {
		return dst, sentRef{}, false
	}
	s := &h.slots[idx&uint64(len(h.slots)-1)]
	return append(dst, s.buf...), sentRef{h: h, idx: idx, at: s.at}, true
}

// close drops every packet (the publisher stream ended).
func (h *pubHistory) close() {
	h.mu.Lock()
	h.slots, h.first = nil, h.next
	h.free.Reset()
	h.mu.Unlock()
}

// held is the number of packets kept (tests).
func (h *pubHistory) held() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return int(h.next - h.first)
}

// sentRef names the publisher packet being forwarded: its history and
// index there (h nil: not kept), when the history took it (at, on the
// history's clock) and, once a fan-out shard sends it, how long after
// that (lag).
type sentRef struct {
	h   *pubHistory
	idx uint64
	at  time.Duration
	lag time.Duration
}

// sending returns r with its lag set to now: a fan-out shard calls it
// once per packet, before writing it to its destinations.
func (r sentRef) sending() sentRef {
	if r.h != nil {
		r.lag = max(0, r.h.now()-r.at)
	}
	return r
}

// sentEntry maps one of the subscriber's sequence numbers to the
// publisher packet sent under it (seg 0: unused) and how many ms after
// the history took it the packet was sent (a fan-out shard's lag).
type sentEntry struct {
	seq   uint16
	seg   uint16
	idx   uint32
	lagMs uint16
}

// sentSeg is one rewriting: the history the packets came from (source
// and layer) and the timestamp offset added. n is the segment's number.
type sentSeg struct {
	h     *pubHistory
	tsOff uint32
	n     uint16
}

// sentLog is what a subscriber stream sent, by its own sequence number;
// guarded by subStream.rw.
type sentLog struct {
	e    [sentLogSize]sentEntry
	segs [sentSegs]sentSeg
	cur  uint16 // current segment number (0: none yet)
}

// record notes that seq carried the packet ref names, rewritten with
// tsOff. Called under subStream.rw.
func (l *sentLog) record(seq uint16, ref sentRef, tsOff uint32) {
	e := &l.e[seq&(sentLogSize-1)]
	if ref.h == nil {
		*e = sentEntry{}
		return
	}
	if s := &l.segs[l.cur&(sentSegs-1)]; l.cur == 0 || s.h != ref.h || s.tsOff != tsOff {
		l.cur++
		if l.cur == 0 {
			l.cur = 1
		}
		l.segs[l.cur&(sentSegs-1)] = sentSeg{h: ref.h, tsOff: tsOff, n: l.cur}
	}
	*e = sentEntry{seq: seq, seg: l.cur, idx: uint32(ref.idx), lagMs: uint16(min(ref.lag/time.Millisecond, 0xffff))}
}

// lookup returns where the packet sent as seq came from. Called under
// subStream.rw.
func (l *sentLog) lookup(seq uint16) (sentSeg, sentEntry, bool) {
	e := l.e[seq&(sentLogSize-1)]
	if e.seg == 0 || e.seq != seq {
		return sentSeg{}, sentEntry{}, false
	}
	s := l.segs[e.seg&(sentSegs-1)]
	if s.n != e.seg || s.h == nil {
		return sentSeg{}, sentEntry{}, false
	}
	return s, e, true
}

// SentPacket implements mediakit.History: it rebuilds the packet d sent
// as seq, with the binding's SSRC and payload type: the forward path's
// rewriting (sequence number, timestamp, no header extensions) of the
// publisher's packet, without padding.
func (d *subStream) SentPacket(seq uint16, ssrc uint32, pt uint8, pkt *rtp.Packet) (time.Duration, bool) {
	d.rw.Lock()
	if d.log == nil {
		d.rw.Unlock()
		return 0, false
	}
	seg, e, ok := d.log.lookup(seq)
	d.rw.Unlock()
	if !ok {
		return 0, false
	}
	raw, age, ok := seg.h.appendPacket(nil, e.idx)
	if !ok || pkt.Unmarshal(raw) != nil {
		return 0, false
	}
	// The age the responder compares with the window is the time since
	// the packet was sent to this subscriber.
	age = max(0, age-time.Duration(e.lagMs)*time.Millisecond)
	pkt.SequenceNumber = seq
	pkt.Timestamp += seg.tsOff
	pkt.SSRC, pkt.PayloadType = ssrc, pt
	pkt.Extension, pkt.Extensions, pkt.ExtensionProfile = false, nil, 0
	pkt.Padding, pkt.Header.PaddingSize, pkt.PaddingSize = false, 0, 0 //nolint:staticcheck // both padding fields, as pion sets them
	return age, true
}

// NACKWindow implements mediakit.History: the subscriber's responder
// window, which its publisher's history follows.
func (d *subStream) NACKWindow(w time.Duration) { d.nackWindow.Store(int64(w)) }
