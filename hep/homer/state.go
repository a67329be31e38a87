package homer

import "net/netip"

// streamKey names one medium (and simulcast layer) of a handle.
type streamKey struct {
	mindex int
	media  string
}

// streamCounters are the previous media report's cumulative counters of
// one direction, for per-interval loss and packet deltas.
type streamCounters struct {
	timestamp int64 // µs
	lost      float64
	sent      float64
	// reported: rows of this direction were sent (for the downlink: the
	// client's receiver reports were seen), so later reports are sent even
	// when they read all zeros.
	reported bool
}

// endpoints are the client and gateway addresses of signalling rows.
type endpoints struct {
	client, server netip.AddrPort
}

// handleState is what the sink remembers about one handle.
type handleState struct {
	session uint64
	opaque  string
	room    string // "room-<id>" once a plugin event named a room
	// local is the gateway side, remote the client side of the ICE selected
	// pair (type 16 subtype 4); valid only when hasPair.
	local, remote netip.AddrPort
	hasPair       bool
	// addr is the session's transport addresses, kept so that the handle's
	// last events (after its session's state is gone) still carry them.
	addr    endpoints
	hasAddr bool
	// streams holds, per medium, the counters of each direction (true:
	// uplink).
	streams map[streamKey]map[bool]streamCounters
}

// fifoMap is a map bounded to max entries: beyond it the oldest entry is
// evicted. Entries are also removed explicitly (detached, destroyed,
// disconnected), so nothing outlives its session for long.
type fifoMap[K comparable, V any] struct {
	max   int
	seq   uint64
	m     map[K]fifoEntry[V]
	order []fifoKey[K] // insertion order; may hold stale keys
}

type fifoEntry[V any] struct {
	seq uint64
	v   V
}

type fifoKey[K comparable] struct {
	k   K
	seq uint64
}

func newFIFOMap[K comparable, V any](max int) *fifoMap[K, V] {
	return &fifoMap[K, V]{max: max, m: make(map[K]fifoEntry[V])}
}

// get returns the value of k.
func (t *fifoMap[K, V]) get(k K) (V, bool) {
	e, ok := t.m[k]
	return e.v, ok
}

// put sets k to v; a new key may evict the oldest entry.
func (t *fifoMap[K, V]) put(k K, v V) {
	if e, ok := t.m[k]; ok {
		e.v = v
		t.m[k] = e
		return
	}
	for len(t.m) >= t.max && len(t.order) > 0 {
		o := t.order[0]
		t.order = t.order[1:]
		if e, ok := t.m[o.k]; ok && e.seq == o.seq {
			delete(t.m, o.k)
		}
	}
	t.seq++
	t.m[k] = fifoEntry[V]{seq: t.seq, v: v}
	t.order = append(t.order, fifoKey[K]{k: k, seq: t.seq})
	t.compact()
}

// remove forgets k.
func (t *fifoMap[K, V]) remove(k K) {
	delete(t.m, k)
	t.compact()
}

// compact drops stale order entries once they outnumber live ones, keeping
// the order slice within 2×len+16 (amortised O(1)).
func (t *fifoMap[K, V]) compact() {
	if len(t.order) <= 2*len(t.m)+16 {
		return
	}
	live := make([]fifoKey[K], 0, len(t.m))
	for _, o := range t.order {
		if e, ok := t.m[o.k]; ok && e.seq == o.seq {
			live = append(live, o)
		}
	}
	t.order = live
}

// len returns the number of entries.
func (t *fifoMap[K, V]) len() int { return len(t.m) }

// handleTable maps handle ids to their state.
type handleTable struct{ *fifoMap[uint64, *handleState] }

func newHandleTable(max int) handleTable {
	return handleTable{newFIFOMap[uint64, *handleState](max)}
}

// state returns the handle's state or nil.
func (t handleTable) state(id uint64) *handleState {
	hs, _ := t.get(id)
	return hs
}

// ensure returns the handle's state, creating it.
func (t handleTable) ensure(id uint64) *handleState {
	if hs := t.state(id); hs != nil {
		return hs
	}
	hs := &handleState{}
	t.put(id, hs)
	return hs
}
