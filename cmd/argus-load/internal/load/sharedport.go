package load

import (
	"fmt"
	"net/netip"

	"github.com/argusrtc/argus/core/webrtc/sharedport"
)

// openSharedPort opens the run's shared UDP port on the addresses the
// clients would gather from without it: loopback only (ICELoopback), the
// addresses of ICENet, or every IPv4 address (the clients gather IPv4
// only). It returns nil, nil when no address qualifies.
func openSharedPort(cfg *Config) (*sharedport.Port, error) {
	keep := func(_ string, a netip.Addr) bool { return a.Is4() }
	loopback := true
	switch {
	case cfg.ICELoopback:
		keep = func(_ string, a netip.Addr) bool { return a.Is4() && a.IsLoopback() }
	case cfg.ICENet != nil:
		n := cfg.ICENet
		loopback = n.IP.IsLoopback()
		keep = func(_ string, a netip.Addr) bool { return a.Is4() && n.Contains(a.AsSlice()) }
	}
	p, err := sharedport.Open(sharedport.Config{Loopback: loopback, Keep: keep})
	if err != nil {
		return nil, fmt.Errorf("shared port: %w", err)
	}
	return p, nil
}

// PortStats are the shared port's counters over the whole run, every
// packet kind (STUN, DTLS, RTCP, RTP; setup and teardown included), so
// they bound but do not equal the RTP loss of the measurement window. A
// received packet the port dropped (Overflow: a client's queue was full;
// Unrouted: for no client) never reached a client and counts as lost
// there. A packet a client sent that the port dropped (SendDropped: its
// send queue was full, or the write failed) still counts as sent, so
// its loss is charged to the server: a run's loss is the server's only
// when SendDropped is 0 (the load tool warns otherwise).
type PortStats struct {
	Received     uint64 `json:"received_packets"`
	ReceiveCalls uint64 `json:"receive_calls"`
	Sent         uint64 `json:"sent_packets"`
	SendCalls    uint64 `json:"send_calls"`
	SendDropped  uint64 `json:"send_dropped"`
	Overflow     uint64 `json:"overflow_dropped"`
	Unrouted     uint64 `json:"unrouted"`
	ReadErrors   uint64 `json:"read_errors"`
}

func portStats(s sharedport.Stats) *PortStats {
	return &PortStats{
		Received: s.Received, ReceiveCalls: s.ReceiveCall, Sent: s.Sent, SendCalls: s.SendCalls,
		SendDropped: s.Dropped + s.SendErrors, Overflow: s.Overflow, Unrouted: s.Unrouted,
		ReadErrors: s.ReadErrors,
	}
}
