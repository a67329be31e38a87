// Package sharedport opens one UDP port shared by many ICE agents: a
// socket per local address, all on the same port, each a batchconn.Conn
// (sendmmsg and recvmmsg batches across PeerConnections) under a mux that
// routes packets to agents by ICE ufrag and then by remote address, into a
// bounded queue per agent (mux.go). pion's MultiUDPMuxDefault picks the
// socket by local address.
package sharedport

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/pion/ice/v4"

	"github.com/argusrtc/argus/core/webrtc/batchconn"
)

// Config says where to listen.
type Config struct {
	Port     uint16 // 0: an ephemeral port, reused for every address when free
	Loopback bool   // listen on loopback addresses too
	// Keep, if set, filters the local addresses, each with the name of its
	// interface.
	Keep func(iface string, addr netip.Addr) bool
	// ICELite says the agents are ICE-lite: they send no checks of their
	// own, so an agent's answer to a check is the only proof that a client
	// holds its credentials, and it moves an address confirmed to another
	// agent, even from a spoofed source (see mux).
	ICELite bool
}

// SocketBuffer is the kernel buffer asked for each shared socket, in each
// direction: every PeerConnection's media goes through it, so a short
// stall of the reader overflows a small one for everybody (the kernel
// caps it at net.core.rmem_max / wmem_max, 212992 bytes on a stock
// Linux, and drops what does not fit without a counter of ours).
const SocketBuffer = 4 << 20

// Port is the shared port. Sockets are bound to each address rather than
// to the unspecified one so that replies leave from the address the client
// used.
type Port struct {
	conns []*batchconn.Conn
	muxes []*mux
	mux   *ice.MultiUDPMuxDefault
	bufs  Buffers
}

// Buffers are the kernel buffers of the port's sockets, as read back after
// asking for SocketBuffer.
type Buffers struct {
	Wanted int // asked for, each way (SocketBuffer)
	// Read and Write are the smallest achieved over the sockets, in bytes;
	// 0 when the platform cannot tell.
	Read, Write int
}

// Short reports whether the kernel gave less than Wanted either way.
func (b Buffers) Short() bool {
	return (b.Read > 0 && b.Read < b.Wanted) || (b.Write > 0 && b.Write < b.Wanted)
}

// Open binds the port on the local addresses pion would gather host
// candidates from, as they are at the call. With no such address it
// returns nil: agents then gather as without a mux.
func Open(cfg Config) (*Port, error) {
	addrs, err := localAddrs(cfg.Loopback, cfg.Keep)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, nil //nolint:nilnil // no address: no port, and no error
	}
	// An ephemeral port is the first address's choice, which another
	// address may have taken already: then all start again with another.
	for attempt := 1; ; attempt++ {
		s, err := openOn(addrs, cfg.Port, cfg.ICELite)
		if err == nil || cfg.Port != 0 || attempt == ephemeralAttempts {
			return s, err
		}
	}
}

// ephemeralAttempts is how many ephemeral ports Open tries.
const ephemeralAttempts = 3

// openOn binds port (0: the first address's ephemeral choice) on every
// address in addrs, for ICE-lite agents if lite.
func openOn(addrs []netip.Addr, port uint16, lite bool) (*Port, error) {
	s := &Port{bufs: Buffers{Wanted: SocketBuffer}}
	muxes := make([]ice.UDPMux, 0, len(addrs))
	for _, a := range addrs {
		udp, err := listenShared(a, port)
		if err != nil {
			_ = s.close(muxes)
			return nil, err
		}
		if port == 0 {
			port = uint16(udp.LocalAddr().(*net.UDPAddr).Port)
		}
		_ = udp.SetReadBuffer(SocketBuffer)
		_ = udp.SetWriteBuffer(SocketBuffer)
		if r, w, ok, err := socketBuffers(udp); err == nil && ok {
			s.bufs.Read = smallest(s.bufs.Read, r)
			s.bufs.Write = smallest(s.bufs.Write, w)
		}
		c, err := batchconn.New(udp, batchconn.Options{})
		if err != nil {
			_ = udp.Close()
			_ = s.close(muxes)
			return nil, err
		}
		s.conns = append(s.conns, c)
		m := newMux(c, lite)
		s.muxes = append(s.muxes, m)
		muxes = append(muxes, m)
	}
	s.mux = ice.NewMultiUDPMuxDefault(muxes...)
	return s, nil
}

// smallest is the smaller of a and b, where a 0 a is not yet known.
func smallest(a, b int) int {
	if a == 0 {
		return b
	}
	return min(a, b)
}

// listenShared binds addr:port.
func listenShared(addr netip.Addr, port uint16) (*net.UDPConn, error) {
	network := "udp4"
	if addr.Is6() {
		network = "udp6"
	}
	udp, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, port)))
	if err != nil && port != 0 {
		return nil, fmt.Errorf("ICE UDP port %d on %s: %w", port, addr, err)
	}
	if err != nil {
		return nil, fmt.Errorf("ICE UDP socket on %s: %w", addr, err)
	}
	return udp, nil
}

// localAddrs lists the addresses of the interfaces that are up, as pion's
// gatherer would: loopback only when asked, no IPv6 link-local (RFC 8445
// 5.1.1.1 forbids them next to others) nor deprecated IPv6 forms; and of
// those only the ones keep (if not nil) accepts.
func localAddrs(loopback bool, keep func(string, netip.Addr) bool) ([]netip.Addr, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("local interfaces: %w", err)
	}
	var out []netip.Addr
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || (ifc.Flags&net.FlagLoopback != 0 && !loopback) {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			pfx, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(pfx.IP)
			if !ok {
				continue
			}
			ip = ip.Unmap()
			if usableHostAddr(ip, loopback) && (keep == nil || keep(ifc.Name, ip)) {
				out = append(out, ip)
			}
		}
	}
	return out, nil
}

// usableHostAddr reports whether ip can carry a host candidate.
func usableHostAddr(ip netip.Addr, loopback bool) bool {
	switch {
	case ip.IsLoopback() && !loopback, ip.IsUnspecified(), ip.IsMulticast():
		return false
	case ip.Is4():
		return true
	}
	// IPv6: no link-local, site-local (fec0::/10, deprecated) or
	// IPv4-compatible (::a.b.c.d, deprecated) addresses; like pion, that
	// last rule leaves out ::1 too.
	b := ip.As16()
	siteLocal := b[0] == 0xfe && b[1]&0xc0 == 0xc0
	v4compat := [12]byte(b[:12]) == [12]byte{}
	return !ip.IsLinkLocalUnicast() && !siteLocal && !v4compat
}

// Stats are the port's counters: its sockets' and its muxes'.
type Stats struct {
	batchconn.Stats
	Unrouted   uint64 // packets received for no agent, or a closing one (dropped)
	Overflow   uint64 // packets dropped because an agent's queue was full
	ReadErrors uint64 // failed socket reads, other than the socket's close
	Moved      uint64 // remote addresses taken over from another open PeerConnection (a client restarted on one port, or several on one socket)
}

// Stats sums the counters of the sockets and muxes.
func (s *Port) Stats() Stats {
	var t Stats
	for _, c := range s.conns {
		st := c.Stats()
		t.Sent += st.Sent
		t.SendCalls += st.SendCalls
		t.Dropped += st.Dropped
		t.SendErrors += st.SendErrors
		t.Received += st.Received
		t.ReceiveCall += st.ReceiveCall
	}
	for _, m := range s.muxes {
		t.Unrouted += m.unrouted.Load()
		t.Overflow += m.dropped.Load()
		t.ReadErrors += m.readErrors.Load()
		t.Moved += m.moved.Load()
	}
	return t
}

// Number is the port number (the first socket's).
func (s *Port) Number() int {
	return s.conns[0].LocalAddr().(*net.UDPAddr).Port
}

// Addrs are the local addresses the port is bound on, fixed at Open.
func (s *Port) Addrs() []netip.AddrPort {
	out := make([]netip.AddrPort, 0, len(s.conns))
	for _, c := range s.conns {
		ap := c.LocalAddr().(*net.UDPAddr).AddrPort()
		out = append(out, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
	}
	return out
}

// Buffers are the kernel buffers the sockets got (see SocketBuffer).
func (s *Port) Buffers() Buffers { return s.bufs }

// Mux is pion's ICE UDP mux over the sockets, for
// SettingEngine.SetICEUDPMux.
func (s *Port) Mux() ice.UDPMux { return s.mux }

// Close closes the mux, which closes the sockets and stops their flushers.
func (s *Port) Close() error { return s.close(nil) }

func (s *Port) close(muxes []ice.UDPMux) error {
	if s.mux != nil {
		return s.mux.Close()
	}
	var errs []error
	for _, m := range muxes {
		errs = append(errs, m.Close())
	}
	return errors.Join(errs...)
}
