package webrtc

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/argusrtc/argus/core/webrtc/batchconn"
	"github.com/pion/ice/v4"
)

// socketBuffer is the kernel buffer asked for each shared socket, in each
// direction: every PeerConnection's media goes through it (the kernel caps
// it at net.core.rmem_max / wmem_max).
const socketBuffer = 4 << 20

// sharedUDP is the Engine's media port: one UDP socket per local address,
// all on the same port, each wrapped in a batchconn.Conn so that packets to
// many PeerConnections leave in one sendmmsg call, and pion's ICE UDP mux
// over them, which routes packets to PeerConnections by ICE ufrag and then
// by remote address. Sockets are bound to each address rather than to the
// unspecified one so that replies leave from the address the client used.
type sharedUDP struct {
	conns []*batchconn.Conn
	mux   *ice.MultiUDPMuxDefault
}

// openSharedUDP binds port (0: one ephemeral port, reused for every
// address when free) on the local addresses pion would gather host
// candidates from, as they are at the call. With no such address it
// returns nil: PeerConnections then gather as without the mux.
func openSharedUDP(cfg Config, port uint16) (*sharedUDP, error) {
	addrs, err := localAddrs(cfg.IncludeLoopback)
	if err != nil || len(addrs) == 0 {
		return nil, err
	}
	s := &sharedUDP{}
	logs := pionLogs{log: cfg.Logger}
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
		_ = udp.SetReadBuffer(socketBuffer)
		_ = udp.SetWriteBuffer(socketBuffer)
		c, err := batchconn.New(udp, batchconn.Options{})
		if err != nil {
			_ = udp.Close()
			_ = s.close(muxes)
			return nil, err
		}
		s.conns = append(s.conns, c)
		muxes = append(muxes, ice.NewUDPMuxDefault(ice.UDPMuxParams{Logger: logs.NewLogger("ice-mux"), UDPConn: c}))
	}
	s.mux = ice.NewMultiUDPMuxDefault(muxes...)
	return s, nil
}

// listenShared binds addr:port; an ephemeral choice taken on another
// address may be busy on this one, and then any port will do.
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
// 5.1.1.1 forbids them next to others) nor deprecated IPv6 forms.
func localAddrs(loopback bool) ([]netip.Addr, error) {
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
			if usableHostAddr(ip, loopback) {
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
	// IPv4-compatible (::a.b.c.d, deprecated) addresses.
	b := ip.As16()
	siteLocal := b[0] == 0xfe && b[1]&0xc0 == 0xc0
	v4compat := [12]byte(b[:12]) == [12]byte{} && !ip.IsLoopback()
	return !ip.IsLinkLocalUnicast() && !siteLocal && !v4compat
}

// Stats sums the sockets' counters.
func (s *sharedUDP) Stats() batchconn.Stats {
	var t batchconn.Stats
	for _, c := range s.conns {
		st := c.Stats()
		t.Sent += st.Sent
		t.SendCalls += st.SendCalls
		t.Dropped += st.Dropped
		t.SendErrors += st.SendErrors
		t.Received += st.Received
		t.ReceiveCall += st.ReceiveCall
	}
	return t
}

// Port is the shared port (the first socket's).
func (s *sharedUDP) Port() int {
	return s.conns[0].LocalAddr().(*net.UDPAddr).Port
}

// Close closes the mux, which closes the sockets and stops their flushers.
func (s *sharedUDP) Close() error { return s.close(nil) }

func (s *sharedUDP) close(muxes []ice.UDPMux) error {
	if s.mux != nil {
		return s.mux.Close()
	}
	var errs []error
	for _, m := range muxes {
		errs = append(errs, m.Close())
	}
	return errors.Join(errs...)
}

// SharedUDP describes the Engine's shared ICE UDP port: the port and the
// sockets' counters. ok is false when PeerConnections have their own
// sockets (an ICE port range, or no local address at start).
func (e *Engine) SharedUDP() (port int, st batchconn.Stats, ok bool) {
	if e.udp == nil {
		return 0, batchconn.Stats{}, false
	}
	return e.udp.Port(), e.udp.Stats(), true
}
