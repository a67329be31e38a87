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

// dropSubscribers detaches the subscriber streams of sources that went
// away (unpublished, or dropped by a renegotiation) and queues each
// subscriber's auto update with the source each of its streams lost
// (streamsGone): a stream a switch or an update moved to another source
// meanwhile stays.
func dropSubscribers(gone []*pubStream) {
	bySub := map[*subscriber]map[*subStream]*pubStream{}
	for _, ps := range gone {
		for _, d := range ps.detachAll() {
			if bySub[d.sub] == nil {
				bySub[d.sub] = map[*subStream]*pubStream{}
			}
			bySub[d.sub][d] = ps
		}
	}
	for sub, lost := range bySub {
		sub.streamsGone(lost)
	}
}
