package telemetry

import "sync"

// Serial is the lock of a sink that applies a batch's events one at a
// time: Each applies a batch with the lock held, and after Close later
// batches are ignored (a Sink's Export after Shutdown does nothing). The
// embedded Mutex also guards the sink's own state, e.g. for a scrape.
type Serial struct {
	sync.Mutex
	closed bool
}

// Each calls apply for each non-nil event of batch, in order, with the
// lock held, unless Close was called.
func (s *Serial) Each(batch []*Event, apply func(*Event)) {
	s.Lock()
	defer s.Unlock()
	if s.closed {
		return
	}
	for _, e := range batch {
		if e != nil {
			apply(e)
		}
	}
}

// Close ignores every later batch; release, if not nil, runs with the
// lock held (to drop what only Each needed).
func (s *Serial) Close(release func()) {
	s.Lock()
	defer s.Unlock()
	s.closed = true
	if release != nil {
		release()
	}
}
