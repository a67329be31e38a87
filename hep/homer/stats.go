package homer

import "sync/atomic"

// Stats are the sink's cumulative counters. A packet counted in Packets was
// written to the socket: over UDP that is sent, over TCP/TLS it is only
// accepted by the kernel. When the connection then dies, what the kernel
// had not delivered yet (at most a socket send buffer) is lost without any
// error reaching Argus; ConnectionsLost counts those events, and
// heplify-server's heplify_packets_total is the count actually received.
type Stats struct {
	Events  uint64 // events given to Export
	Packets uint64 // HEP packets written to the socket without error
	Bytes   uint64 // bytes of the packets written
	// Writes are the system calls that wrote packets: a sendmmsg(2) of up
	// to 64 datagrams over UDP, a write of a batch over TCP/TLS. Packets /
	// Writes is the packets per call.
	Writes       uint64
	Dropped      uint64 // packets not written: connect or write failure, backoff, ctx done, shut down
	Truncated    uint64 // type 100 payloads shrunk to fit 65507 bytes
	EncodeErrors uint64 // events that could not be marshalled or encoded (not sent)
	WriteErrors  uint64 // failed writes (write timeouts included)
	// WriteTimeouts are writes that hit the write deadline (a receiver that
	// stopped reading); each also counts in WriteErrors.
	WriteTimeouts uint64
	DialErrors    uint64 // failed TCP/TLS connects
	Connects      uint64 // successful connects (UDP: the socket; TCP/TLS: each (re)connect)
	// Reconnects are TCP/TLS connects after the first one.
	Reconnects uint64
	// ConnectionsLost are TCP/TLS connections that ended under the sink:
	// closed by the peer or failed on a write. Packets written to such a
	// connection shortly before may never have arrived.
	ConnectionsLost uint64
	Handles         uint64 // handles in the sink's bounded state table right now
}

type counters struct {
	events, packets, bytes, writes, dropped, truncated, encodeErrors atomic.Uint64
	writeErrors, writeTimeouts, dialErrors, connects, lost           atomic.Uint64
	handles                                                          atomic.Uint64
}

func (c *counters) snapshot() Stats {
	st := Stats{
		Events: c.events.Load(), Packets: c.packets.Load(), Bytes: c.bytes.Load(), Writes: c.writes.Load(),
		Dropped: c.dropped.Load(), Truncated: c.truncated.Load(), EncodeErrors: c.encodeErrors.Load(),
		WriteErrors: c.writeErrors.Load(), WriteTimeouts: c.writeTimeouts.Load(), DialErrors: c.dialErrors.Load(),
		Connects: c.connects.Load(), ConnectionsLost: c.lost.Load(), Handles: c.handles.Load(),
	}
	if st.Connects > 1 {
		st.Reconnects = st.Connects - 1
	}
	return st
}
