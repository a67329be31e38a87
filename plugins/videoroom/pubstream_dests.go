package videoroom

// attach adds a subscriber stream to the destinations.
func (ps *pubStream) attach(d *subStream) {
	ps.destMu.Lock()
	defer ps.destMu.Unlock()
	cur := *ps.dests.Load()
	next := make([]*subStream, 0, len(cur)+1)
	next = append(next, cur...)
	next = append(next, d)
	ps.dests.Store(&next)
}

// detach removes a subscriber stream from the destinations.
func (ps *pubStream) detach(d *subStream) {
	ps.destMu.Lock()
	defer ps.destMu.Unlock()
	cur := *ps.dests.Load()
	next := make([]*subStream, 0, len(cur))
	for _, x := range cur {
		if x != d {
			next = append(next, x)
		}
	}
	ps.dests.Store(&next)
}

// detachAll removes and returns every destination.
func (ps *pubStream) detachAll() []*subStream {
	ps.destMu.Lock()
	defer ps.destMu.Unlock()
	cur := *ps.dests.Load()
	empty := []*subStream{}
	ps.dests.Store(&empty)
	return cur
}

// subscriberCount is the number of subscriber streams attached.
func (ps *pubStream) subscriberCount() int { return len(*ps.dests.Load()) }
