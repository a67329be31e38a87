package history

import "github.com/argusrtc/argus/telemetry"

// ring keeps the last cap events; the oldest are overwritten.
type ring struct {
	buf   []*telemetry.Event
	start int // index of the oldest event
	n     int
	cap   int
}

func newRing(capacity int) ring { return ring{cap: capacity} }

func (r *ring) push(e *telemetry.Event) {
	if r.n < r.cap {
		if len(r.buf) < r.cap {
			// Grow lazily: most sessions are short.
			r.buf = append(r.buf, e)
		} else {
			r.buf[(r.start+r.n)%r.cap] = e
		}
		r.n++
		return
	}
	r.buf[r.start] = e
	r.start = (r.start + 1) % r.cap
}

// slice returns the events oldest first, in a new slice.
func (r *ring) slice() []*telemetry.Event {
	out := make([]*telemetry.Event, 0, r.n)
	for i := range r.n {
		out = append(out, r.buf[(r.start+i)%len(r.buf)])
	}
	return out
}
