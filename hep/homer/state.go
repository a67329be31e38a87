package homer

import "net/netip"

// streamKey names one medium (and simulcast layer) of a handle.
type streamKey struct {
	mindex int
	media  string
}

// streamCounters are the previous media report's cumulative counters, for
// per-interval loss and packet deltas.
type streamCounters struct {
	timestamp int64 // µs
	lost      float64
	received  float64
}

// handleState is what the sink remembers about one handle.
type handleState struct {
	seq     uint64 // insertion sequence, for FIFO eviction
	session uint64
	opaque  string
	// local is the gateway side, remote the client side of the ICE selected
	// pair (type 16 subtype 4); valid only when hasPair.
	local, remote netip.AddrPort
	hasPair       bool
	streams       map[streamKey]streamCounters
}

// handleTable is a bounded map of handle id → state. Beyond max entries the
// oldest is evicted; entries are removed on "detached".
type handleTable struct {
	max   int
	seq   uint64
	m     map[uint64]*handleState
	order []tableEntry // insertion order; may hold stale entries
}

type tableEntry struct {
	id, seq uint64
}

func newHandleTable(max int) *handleTable {
	return &handleTable{max: max, m: make(map[uint64]*handleState)}
}

// get returns the state of id, or nil.
func (t *handleTable) get(id uint64) *handleState { return t.m[id] }

// ensure returns the state of id, creating it (and evicting the oldest entry
// when full).
func (t *handleTable) ensure(id uint64) *handleState {
	if hs := t.m[id]; hs != nil {
		return hs
	}
	for len(t.m) >= t.max && len(t.order) > 0 {
		e := t.order[0]
		t.order = t.order[1:]
		if hs := t.m[e.id]; hs != nil && hs.seq == e.seq {
			delete(t.m, e.id)
		}
	}
	t.seq++
	hs := &handleState{seq: t.seq}
	t.m[id] = hs
	t.order = append(t.order, tableEntry{id: id, seq: t.seq})
	t.compact()
	return hs
}

// remove forgets id.
func (t *handleTable) remove(id uint64) {
	delete(t.m, id)
	t.compact()
}

// compact drops stale order entries once they outnumber live ones, keeping
// the order slice within 2×len(m)+16 (amortised O(1)).
func (t *handleTable) compact() {
	if len(t.order) <= 2*len(t.m)+16 {
		return
	}
	live := make([]tableEntry, 0, len(t.m))
	for _, e := range t.order {
		if hs := t.m[e.id]; hs != nil && hs.seq == e.seq {
			live = append(live, e)
		}
	}
	t.order = live
}

// len returns the number of handles tracked.
func (t *handleTable) len() int { return len(t.m) }
