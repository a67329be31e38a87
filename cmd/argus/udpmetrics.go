package main

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/core/webrtc/sharedport"
)

// registerSharedUDPMetrics exports the counters of the engine's shared
// ICE UDP port (the default; absent with a socket per PeerConnection):
// packets and system calls each way, packets dropped by the send queue or
// refused by the kernel, failed reads, and addresses that moved between
// PeerConnections; and, where the platform tells, the kernel buffers the
// sockets got.
func registerSharedUDPMetrics(reg prometheus.Registerer, eng *webrtc.Engine) error {
	if _, _, ok := eng.SharedUDP(); !ok {
		return nil
	}
	stat := func(f func(sharedport.Stats) uint64) func() float64 {
		return func() float64 {
			_, st, _ := eng.SharedUDP()
			return float64(f(st))
		}
	}
	var errs []error
	for _, c := range []struct {
		name, help string
		f          func(sharedport.Stats) uint64
	}{
		{"argus_ice_udp_sent_packets_total", "Packets sent on the shared ICE UDP port.", func(s sharedport.Stats) uint64 { return s.Sent }},
		{"argus_ice_udp_send_calls_total", "sendmmsg system calls on the shared ICE UDP port that sent packets (packets per call = sent / calls); calls that found the socket buffer full are not counted.", func(s sharedport.Stats) uint64 { return s.SendCalls }},
		{"argus_ice_udp_send_dropped_packets_total", "Packets dropped on the shared ICE UDP port: send queue full.", func(s sharedport.Stats) uint64 { return s.Dropped }},
		{"argus_ice_udp_send_errors_total", "Packets the kernel refused on the shared ICE UDP port.", func(s sharedport.Stats) uint64 { return s.SendErrors }},
		{"argus_ice_udp_unrouted_packets_total", "Packets received on the shared ICE UDP port for no PeerConnection (dropped).", func(s sharedport.Stats) uint64 { return s.Unrouted }},
		{"argus_ice_udp_receive_overflow_packets_total", "Packets dropped on the shared ICE UDP port because a PeerConnection's receive queue was full.", func(s sharedport.Stats) uint64 { return s.Overflow }},
		{"argus_ice_udp_read_errors_total", "Failed reads of the shared ICE UDP port's sockets (the port reads on).", func(s sharedport.Stats) uint64 { return s.ReadErrors }},
		{"argus_ice_udp_address_moves_total", "Remote addresses on the shared ICE UDP port that passed from one open PeerConnection to another: once when a client restarted on the same port (its old PeerConnection then times out), continually for a client running several PeerConnections from one UDP socket, which the shared port cannot tell apart; only a steadily growing count calls for -ice-udp-shared=false.", func(s sharedport.Stats) uint64 { return s.Moved }},
		{"argus_ice_udp_received_packets_total", "Packets received on the shared ICE UDP port.", func(s sharedport.Stats) uint64 { return s.Received }},
		{"argus_ice_udp_receive_calls_total", "recvmmsg system calls on the shared ICE UDP port.", func(s sharedport.Stats) uint64 { return s.ReceiveCall }},
	} {
		if err := reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: c.name, Help: c.help}, stat(c.f))); err != nil {
			errs = append(errs, err)
		}
	}
	// The kernel buffers the sockets got (fixed at start): below what
	// was asked, the kernel capped them at net.core.rmem_max / wmem_max.
	if b, ok := eng.SharedUDPBuffers(); ok && b.Read > 0 {
		for _, g := range []struct {
			name, help string
			v          int
		}{
			{"argus_ice_udp_receive_buffer_bytes", "Kernel receive buffer of the shared ICE UDP port's sockets (the smallest), as read back; capped by net.core.rmem_max.", b.Read},
			{"argus_ice_udp_send_buffer_bytes", "Kernel send buffer of the shared ICE UDP port's sockets (the smallest), as read back; capped by net.core.wmem_max.", b.Write},
		} {
			v := float64(g.v)
			if err := reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: g.name, Help: g.help}, func() float64 { return v })); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
