// Package shrink keeps a packet ring that grows with a packet rate no
// larger than the rate needs. Gate decides when the ring may halve: only
// after a whole window under a quarter full, so that it follows a
// sustained fall of the rate and not a pause (a stalled sender's next
// packet finds the window empty, and shrinking then would drop the buffers
// the burst that follows needs again). Spares keeps evicted slots' packet
// buffers for the next packets, so the buffers held follow the packets in
// the window, not the ring's size. core/webrtc's NACK send history and
// VideoRoom's publisher history use both.
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

// Spares holds the buffers of a ring's evicted slots for the next packets
// to reuse. The zero value is ready; like Gate it belongs to one ring.
type Spares struct {
	bufs [][]byte
}

// Take returns a spare buffer (of length 0), or nil when there is none.
func (s *Spares) Take() []byte {
	n := len(s.bufs)
	if n == 0 {
		return nil
	}
	b := s.bufs[n-1]
	s.bufs[n-1] = nil
	s.bufs = s.bufs[:n-1]
	return b
}

// Give keeps b's storage for a later Take.
func (s *Spares) Give(b []byte) { s.bufs = append(s.bufs, b[:0]) }

// Trim releases the spares beyond keep (a ring halved: its free slots).
func (s *Spares) Trim(keep int) {
	if len(s.bufs) > keep {
		clear(s.bufs[keep:])
		s.bufs = s.bufs[:keep]
	}
}

// Reset releases every spare.
func (s *Spares) Reset() { s.bufs = nil }

// Len is the number of spares held.
func (s *Spares) Len() int { return len(s.bufs) }
