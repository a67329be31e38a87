package videoroom

import (
	"github.com/pion/rtp/codecs"
)

// topLayer is the highest simulcast or temporal layer, and the default
// target of a new subscriber stream (every layer, as Janus).
const topLayer = 2

// temporalInfo is what the forwarder needs of a packet's VP8 payload
// descriptor: its temporal layer (-1 when the descriptor carries none, or
// the codec is not VP8) and whether it starts a frame.
type temporalInfo struct {
	tid   int8
	start bool
}

// noTemporal marks a packet without temporal layer information: always
// forwarded.
var noTemporal = temporalInfo{tid: -1} //nolint:gochecknoglobals // a constant value

// vp8Parser reads VP8 payload descriptors; one per forwarding goroutine,
// so the VP8Packet is reused and nothing is allocated per packet.
type vp8Parser struct {
	p codecs.VP8Packet
}

// parse returns the temporal layer information of a VP8 payload.
func (v *vp8Parser) parse(payload []byte) temporalInfo {
	if _, err := v.p.Unmarshal(payload); err != nil || v.p.T == 0 {
		return noTemporal
	}
	return temporalInfo{tid: int8(v.p.TID), start: v.p.S == 1 && v.p.PID == 0}
}

// temporalPass decides, under d.rw, whether a packet of temporal layer ti
// is forwarded. The forwarded layer moves to the target at a frame start
// (or at the first packet with a layer), so no partial frame gets through; reached is
// the layer just reached, or -1. A dropped packet shifts the sequence
// offset so the subscriber sees no gap (which it would NACK).
func (d *subStream) temporalPass(ps *pubStream, layer int, ti temporalInfo, seq uint16) (pass bool, reached int) {
	reached = -1
	if ti.tid < 0 {
		return true, reached
	}
	target := int8(d.temporal.Load())
	if !d.tKnown || (d.tCur != target && ti.start) {
		d.tCur, d.tKnown = target, true
		reached = int(target)
	}
	if ti.tid <= d.tCur {
		return true, reached
	}
	// Only a packet newer than the last one sent takes a sequence number
	// away; a late one would otherwise collide with one already sent.
	if d.started && ps == d.lastSrc && layer == d.lastLayer && int16(seq+d.seqOff-d.lastSeq) > 0 {
		d.seqOff--
	}
	return false, reached
}

// temporalTurn takes the next place in the order of d's temporal notices,
// under d.rw, where the layers are reached: the notice waits for prev
// and closes done once pushed.
func (d *subStream) temporalTurn() (prev, done chan struct{}) {
	prev, done = d.tNoticed, make(chan struct{})
	d.tNoticed = done
	return prev, done
}

// notifyTemporal tells the subscriber that temporal layer n is now being
// forwarded on d (janus-reference.md 6.5). It runs off the media path, in
// a goroutine of its own that waits for the notice before it (prev), so
// that the subscriber hears the layers in the order they were reached (a
// 2 pushed after a later 0 would leave it with the wrong layer).
func (d *subStream) notifyTemporal(n int, prev, done chan struct{}) {
	sub := d.sub
	if sub.s == nil || sub.room == nil {
		close(done)
		return
	}
	sub.s.goAfter(prev, done, func() {
		sub.mu.Lock()
		mid := d.mid
		sub.mu.Unlock()
		sub.s.push("", map[string]any{"videoroom": "event", "room": sub.room.id, "mid": mid, "temporal": n}, nil)
	})
}

// layer reads an optional layer target (0-2) of a subscription stream
// object; 2 when absent.
func (f *fields) layer(name string) uint64 {
	v, ok := read(f, params.uint, name, false)
	if !ok {
		return topLayer
	}
	if v > 2 {
		f.err = newErr(errInvalidElement, "Invalid element (%s should be 0, 1 or 2)", name)
	}
	return v
}
