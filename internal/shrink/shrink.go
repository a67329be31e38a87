// Package shrink decides when a ring that grows with a packet rate may
// halve: only after a whole window under a quarter full, so that it
// follows a sustained fall of the rate and not a pause (a stalled sender's
// next packet finds the window empty, and shrinking then would drop the
// buffers the burst that follows needs again). core/webrtc's NACK send
// history and VideoRoom's publisher history use it.
package shrink

import "time"

// Gate remembers since when a ring has been under a quarter full. The
// zero value is ready; a Gate belongs to one ring and is not safe for
// concurrent use.
type Gate struct {
	low   bool
	since time.Duration
}

// Halve reports whether a ring of size slots holding live entries should
// halve now (a monotonic time): it is larger than minSize and has been
// under a quarter full for window. After a true the next halving needs
// another window.
func (g *Gate) Halve(live, size, minSize int, now, window time.Duration) bool {
	switch {
	case size <= minSize || live >= size/4:
		g.low = false
		return false
	case !g.low:
		g.low, g.since = true, now
		return false
	case now-g.since < window:
		return false
	}
	g.since = now
	return true
}
