package transports

import (
	"slices"
	"sync/atomic"
)

// Reasons a transport refuses a connection: the reason label of
// argus_transport_connections_refused_total. A transport declares those
// it can count in Registration.Refuses.
const (
	// ReasonLimit: a connection cap was reached (a Unix socket's 256
	// connections or datagram peers; the total cap of the listeners in
	// front of HTTP and WebSocket, -max-conns and -admin-max-conns).
	ReasonLimit = "limit"
	// ReasonLimitPerIP: the per-address cap of the public listeners
	// (-max-conns-per-ip).
	ReasonLimitPerIP = "limit_per_ip"
	// ReasonClosing: the transport was shutting down.
	ReasonClosing = "closing"
	// ReasonOrigin: a WebSocket handshake whose Origin the CORS or Admin
	// origin rule refuses (403).
	ReasonOrigin = "origin"
	// ReasonSubprotocol: a WebSocket handshake offering only foreign
	// subprotocols (400).
	ReasonSubprotocol = "subprotocol"
	// ReasonHandshake: a request to a WebSocket endpoint that is not a
	// valid WebSocket upgrade.
	ReasonHandshake = "handshake"
	// ReasonTooLarge: a WebSocket connection closed (1009) because a
	// message exceeded the transport's bound.
	ReasonTooLarge = "too_large"
	// ReasonUnbound: a Unix datagram from an unbound socket, which has no
	// address to answer at.
	ReasonUnbound = "unbound"
	// ReasonOther counts a reason the transport did not declare.
	ReasonOther = "other"
)

// Refusals counts the connections every registered transport refused, by
// reason. The counters are fixed at NewRefusals (each transport's declared
// reasons and ReasonOther), so counting is one atomic add and safe for
// concurrent use.
type Refusals struct {
	by map[string]*RefusalCounter // by Janus package name; read-only
}

// NewRefusals returns the counters of every registered transport, each of
// its declared reasons at 0.
func NewRefusals() *Refusals {
	r := &Refusals{by: map[string]*RefusalCounter{}}
	for _, reg := range Registered() {
		c := &RefusalCounter{declared: slices.Clone(reg.Refuses), by: map[string]*atomic.Uint64{ReasonOther: {}}}
		for _, reason := range reg.Refuses {
			c.by[reason] = new(atomic.Uint64)
		}
		r.by[reg.Package] = c
	}
	return r
}

// For returns the counter of the transport pkg: what cmd/argus puts in
// Deps.Refusals. It is nil, which counts nothing, for an unregistered
// package or a nil Refusals.
func (r *Refusals) For(pkg string) *RefusalCounter {
	if r == nil {
		return nil
	}
	return r.by[pkg]
}

// RefusalCounter counts one transport's refused connections by reason.
// A nil *RefusalCounter counts nothing.
type RefusalCounter struct {
	declared []string
	by       map[string]*atomic.Uint64 // read-only after NewRefusals
}

// Refused counts one refused connection; a reason the transport did not
// declare counts as ReasonOther. It never blocks.
func (c *RefusalCounter) Refused(reason string) {
	if c == nil {
		return
	}
	v, ok := c.by[reason]
	if !ok {
		v = c.by[ReasonOther]
	}
	if v != nil { // nil in a zero RefusalCounter, which counts nothing
		v.Add(1)
	}
}

// Count returns the connections refused for reason so far.
func (c *RefusalCounter) Count(reason string) uint64 {
	if c == nil {
		return 0
	}
	if v, ok := c.by[reason]; ok {
		return v.Load()
	}
	return 0
}

// Counts returns the counts to export: every declared reason (0
// included), and ReasonOther once it counted something. Nil when the
// transport declares none and counted nothing.
func (c *RefusalCounter) Counts() map[string]uint64 {
	if c == nil {
		return nil
	}
	var out map[string]uint64
	for reason, v := range c.by {
		n := v.Load()
		if n == 0 && !slices.Contains(c.declared, reason) {
			continue
		}
		if out == nil {
			out = map[string]uint64{}
		}
		out[reason] = n
	}
	return out
}
