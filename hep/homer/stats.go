package homer

import "sync/atomic"

// Stats are the sink's cumulative counters.
type Stats struct {
	Events       uint64 // events given to Export
	Packets      uint64 // HEP packets sent (written without error)
	Bytes        uint64 // bytes of the packets sent
	Dropped      uint64 // packets dropped: write or connect failure, backoff, ctx done, shut down
	Truncated    uint64 // type 100 payloads shrunk to fit 65507 bytes
	EncodeErrors uint64 // events that could not be marshalled or encoded (not sent)
	WriteErrors  uint64 // failed writes
	DialErrors   uint64 // failed TCP/TLS connects
	Connects     uint64 // successful connects (UDP: the socket; TCP/TLS: each (re)connect)
	Handles      uint64 // handles in the sink's bounded state table right now
}

type counters struct {
	events, packets, bytes, dropped, truncated, encodeErrors atomic.Uint64
	writeErrors, dialErrors, connects, handles               atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Events: c.events.Load(), Packets: c.packets.Load(), Bytes: c.bytes.Load(),
		Dropped: c.dropped.Load(), Truncated: c.truncated.Load(), EncodeErrors: c.encodeErrors.Load(),
		WriteErrors: c.writeErrors.Load(), DialErrors: c.dialErrors.Load(), Connects: c.connects.Load(),
		Handles: c.handles.Load(),
	}
}
