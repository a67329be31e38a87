package history

import (
	"encoding/json"
	"strings"

	"github.com/argusrtc/argus/telemetry"
)

// ring keeps the last cap events, and at most maxBytes of them by their
// estimated size (eventBytes; 0: no byte bound); the oldest go first. The
// newest event is always kept.
type ring struct {
	buf      []slot
	start    int // index of the oldest event
	n        int
	cap      int
	bytes    int // of the kept events
	maxBytes int
	trimmed  int // events dropped for maxBytes
}

type slot struct {
	e    *telemetry.Event
	size int
}

func newRing(capacity, maxBytes int) ring { return ring{cap: capacity, maxBytes: maxBytes} }

func (r *ring) push(e *telemetry.Event, size int) {
	s := slot{e: e, size: size}
	switch {
	case r.n < len(r.buf): // room left by byte trims
		r.buf[(r.start+r.n)%len(r.buf)] = s
		r.n++
	case r.n < r.cap: // grow lazily: most sessions are short
		if r.start != 0 {
			r.buf = append(append(make([]slot, 0, len(r.buf)+1), r.buf[r.start:]...), r.buf[:r.start]...)
			r.start = 0
		}
		r.buf = append(r.buf, s)
		r.n++
	default: // full: overwrite the oldest
		r.bytes -= r.buf[r.start].size
		r.buf[r.start] = s
		r.start = (r.start + 1) % len(r.buf)
	}
	r.bytes += size
	for r.maxBytes > 0 && r.bytes > r.maxBytes && r.n > 1 {
		r.bytes -= r.buf[r.start].size
		r.buf[r.start] = slot{}
		r.start = (r.start + 1) % len(r.buf)
		r.n--
		r.trimmed++
	}
}

// slice returns the events oldest first, in a new slice.
func (r *ring) slice() []*telemetry.Event {
	out := make([]*telemetry.Event, 0, r.n)
	for i := range r.n {
		out = append(out, r.buf[(r.start+i)%len(r.buf)].e)
	}
	return out
}

// Estimated sizes: an event's fixed cost (the Event, its header fields)
// and a media report's body (fixed fields, a few hundred bytes of JSON).
const (
	eventOverhead    = 256
	mediaReportBytes = 768
)

// eventBytes estimates what keeping e costs: its Janus JSON (the encoding
// a JSON sink shares, when one took e) plus a fixed overhead. Media
// events, the bulk of a timeline and of fixed size, are not encoded.
func eventBytes(e *telemetry.Event) int {
	n := eventOverhead + len(e.Emitter) + len(e.OpaqueID)
	if e.Type == telemetry.TypeMedia {
		switch b := e.Body.(type) {
		case telemetry.MediaReports:
			return n + len(b)*mediaReportBytes
		case json.RawMessage:
			return n + len(b)
		default:
			return n + mediaReportBytes
		}
	}
	if b, ok := e.Body.(telemetry.JSEPBody); ok {
		// Not encoded either: an SDP of hundreds of KB would take a while
		// for one number. Its JSON is the SDP with each CR and LF escaped
		// in two bytes, and a few fixed keys.
		sdp := b.JSEP.SDP
		return n + jsepOverhead + len(b.Owner) + len(b.JSEP.Type) + len(sdp) +
			strings.Count(sdp, "\r") + strings.Count(sdp, "\n")
	}
	b, err := e.JSON()
	if err != nil {
		return n
	}
	return n + len(b)
}

// jsepOverhead is the JSON of a JSEP body beside its strings.
const jsepOverhead = 64
