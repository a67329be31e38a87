package homer

import (
	"net/netip"

	"github.com/argusrtc/argus/internal/boundedmap"
)

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

// handleTable maps handle ids to their state.
type handleTable struct {
	*boundedmap.Map[uint64, *handleState]
}

func newHandleTable(max int) handleTable {
	return handleTable{boundedmap.New[uint64, *handleState](max, nil)}
}

// state returns the handle's state or nil.
func (t handleTable) state(id uint64) *handleState {
	hs, _ := t.Get(id)
	return hs
}

// ensure returns the handle's state, creating it.
func (t handleTable) ensure(id uint64) *handleState {
	if hs := t.state(id); hs != nil {
		return hs
	}
	hs := &handleState{}
	t.Put(id, hs)
	return hs
}
