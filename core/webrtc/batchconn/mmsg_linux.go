package batchconn

import (
	"net"
	"net/netip"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/argusrtc/argus/internal/mmsg"
)

// mmsgVec is a vector of message headers for sendmmsg(2) or recvmmsg(2),
// each with one buffer and its own address, built once.
type mmsgVec struct {
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet6 // large enough for either family

	// One system call's results, and the function that makes it, built
	// once so that RawConn.Read/Write get the same func value every time
	// (no allocation).
	res   int
	errno unix.Errno
	fn    func(fd uintptr) bool
}

func (v *mmsgVec) init(batch int) {
	v.hdrs = make([]unix.Mmsghdr, batch)
	v.iovs = make([]unix.Iovec, batch)
	v.names = make([]unix.RawSockaddrInet6, batch)
	for i := range v.hdrs {
		h := &v.hdrs[i].Hdr
		h.Iov = &v.iovs[i]
		h.SetIovlen(1)
		h.Name = (*byte)(unsafe.Pointer(&v.names[i]))
	}
}

// sendState is the sender's sendmmsg(2) vector, refilled for every batch.
// Only the holder of Conn.sendMu uses it.
type sendState struct {
	c *Conn
	mmsgVec
	n int // packets in this call
}

func (s *sendState) init(c *Conn, batch int) {
	s.c = c
	s.mmsgVec.init(batch)
	s.fn = s.call
}

// send hands the n queued packets from ring index head to the kernel,
// without waiting. used is how many left the queue (sent, or refused and
// dropped); busy reports that the socket buffer was full.
func (s *sendState) send(head, n int) (used int, busy bool) {
	ring := s.c.ring
	for i := range n {
		j := head + i
		if j >= len(ring) {
			j -= len(ring)
		}
		sl := &ring[j]
		iov := &s.iovs[i]
		iov.Base = nil
		if len(sl.buf) > 0 {
			iov.Base = &sl.buf[0]
		}
		iov.SetLen(len(sl.buf))
		s.hdrs[i].Hdr.Namelen = putSockaddr(&s.names[i], sl.addr, s.c.v6)
	}
	s.n, s.res, s.errno = n, 0, 0
	if err := s.c.raw.Write(s.fn); err != nil {
		// Closed: these packets are lost.
		s.c.sendErrors.Add(uint64(n))
		return n, false
	}
	switch {
	case s.res > 0:
		s.c.sent.Add(uint64(s.res))
		s.c.sendCalls.Add(1)
		return s.res, false
	case s.errno == unix.EAGAIN:
		return 0, true
	default:
		// The kernel refused the first packet (e.g. no route to its
		// destination); drop it and go on with the rest.
		s.c.sendErrors.Add(1)
		return 1, false
	}
}

func (s *sendState) call(fd uintptr) bool {
	s.res, s.errno = mmsg.Send(fd, s.hdrs[:s.n]) // EAGAIN included: never wait for the socket
	return true
}

// recvState is the reader's recvmmsg(2) vector and its packet buffers.
// Only the holder of Conn.readMu uses it.
type recvState struct {
	c *Conn
	mmsgVec
	bufs [][]byte
}

func (r *recvState) init(c *Conn, batch int) {
	r.c = c
	r.mmsgVec.init(batch)
	r.bufs = make([][]byte, batch)
	backing := make([]byte, batch*readSize)
	for i := range r.hdrs {
		r.bufs[i] = backing[i*readSize : (i+1)*readSize : (i+1)*readSize]
		r.iovs[i].Base = &r.bufs[i][0]
		r.iovs[i].SetLen(readSize)
	}
	r.fn = r.call
}

// recv reads up to one batch of packets, waiting for the first.
func (r *recvState) recv() (int, error) {
	for i := range r.hdrs {
		r.hdrs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
		r.hdrs[i].Len = 0
	}
	r.res, r.errno = 0, 0
	if err := r.c.raw.Read(r.fn); err != nil {
		return 0, err
	}
	if r.errno != 0 {
		return 0, os.NewSyscallError("recvmmsg", r.errno)
	}
	r.c.received.Add(uint64(r.res))
	r.c.recvCalls.Add(1)
	return r.res, nil
}

func (r *recvState) call(fd uintptr) bool {
	for {
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hdrs[0])), uintptr(len(r.hdrs)),
			unix.MSG_DONTWAIT, 0, 0)
		switch {
		case e == unix.EINTR:
			continue
		case e == unix.EAGAIN:
			return false // wait until the socket is readable
		case e != 0:
			r.errno = e
		default:
			r.res = int(n)
		}
		return true
	}
}

// packet copies received packet i into b.
func (r *recvState) packet(i int, b []byte) (int, netip.AddrPort) {
	n := copy(b, r.bufs[i][:min(int(r.hdrs[i].Len), readSize)])
	return n, getSockaddr(&r.names[i])
}

// putSockaddr encodes addr for a socket of the given family and returns
// the encoded length.
func putSockaddr(sa *unix.RawSockaddrInet6, addr netip.AddrPort, v6 bool) uint32 {
	ip := addr.Addr()
	if !v6 {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: ip.Unmap().As4()}
		putPort(&sa4.Port, addr.Port())
		return unix.SizeofSockaddrInet4
	}
	*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: ip.As16()}
	if z := ip.Zone(); z != "" {
		if ifi, err := net.InterfaceByName(z); err == nil {
			sa.Scope_id = uint32(ifi.Index)
		}
	}
	putPort(&sa.Port, addr.Port())
	return unix.SizeofSockaddrInet6
}

// getSockaddr decodes a received source address; IPv4-mapped IPv6
// addresses come back as IPv4.
func getSockaddr(sa *unix.RawSockaddrInet6) netip.AddrPort {
	if sa.Family == unix.AF_INET {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), getPort(&sa4.Port))
	}
	return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), getPort(&sa.Port))
}

// Ports are in network byte order in a sockaddr.
func putPort(p *uint16, port uint16) {
	b := (*[2]byte)(unsafe.Pointer(p))
	b[0], b[1] = byte(port>>8), byte(port)
}

func getPort(p *uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(p))
	return uint16(b[0])<<8 | uint16(b[1])
}
