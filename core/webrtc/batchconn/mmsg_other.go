//go:build !linux

package batchconn

import "net/netip"

// sendState sends one packet per system call where sendmmsg is missing.
type sendState struct{ c *Conn }

func (s *sendState) init(c *Conn, _ int) { s.c = c }

func (s *sendState) send(head, n int) (used int, busy bool) {
	for i := range n {
		sl := &s.c.ring[(head+i)%len(s.c.ring)]
		if _, err := s.c.udp.WriteToUDPAddrPort(sl.buf, sl.addr); err != nil {
			s.c.sendErrors.Add(1)
			continue
		}
		s.c.sent.Add(1)
		s.c.sendCalls.Add(1)
	}
	return n, false
}

// recvState reads one packet per system call where recvmmsg is missing.
type recvState struct {
	c    *Conn
	buf  []byte
	n    int
	addr netip.AddrPort
}

func (r *recvState) init(c *Conn, _ int) { r.c, r.buf = c, make([]byte, readSize) }

func (r *recvState) recv() (int, error) {
	n, addr, err := r.c.udp.ReadFromUDPAddrPort(r.buf)
	if err != nil {
		return 0, err
	}
	r.n, r.addr = n, addr
	r.c.received.Add(1)
	r.c.recvCalls.Add(1)
	return 1, nil
}

func (r *recvState) packet(_ int, b []byte) (int, netip.AddrPort) {
	return copy(b, r.buf[:r.n]), r.addr
}
