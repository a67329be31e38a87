// Package batchconn wraps one UDP socket shared by many PeerConnections so
// that their packets leave in batches, one sendmmsg(2) system call per batch
// instead of one sendto(2) per packet, and arrive in batches read by one
// recvmmsg(2) call.
//
// Writes never block the caller: a packet is copied into a bounded queue and
// the call returns. A writer that fills a batch sends it itself; an owned
// flusher goroutine sends what is pending when the writers pause. When the
// queue is full (the socket cannot keep up) the packet is dropped and
// counted, as the network would drop it.
//
// On systems without sendmmsg/recvmmsg the Conn sends and receives one packet
// per system call with the same queueing.
package batchconn

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Default sizes: 32 packets per system call is where bench/udpbatch
// measured most of the saving; the queue holds 16 such batches.
const (
	DefaultBatch = 32
	DefaultQueue = 512
	// readSize is the largest datagram a read slot keeps whole; larger ones
	// are truncated, as a UDP read into a short buffer is.
	readSize = 8192
)

// Options size a Conn. Zero values take the defaults.
type Options struct {
	Batch int // packets per system call (send and receive)
	Queue int // packets waiting to be sent; more are dropped
}

// Stats are a Conn's counters since it was created.
type Stats struct {
	Sent        uint64 // packets handed to the kernel
	SendCalls   uint64 // send system calls that sent at least one packet
	Dropped     uint64 // packets dropped because the queue was full
	SendErrors  uint64 // packets the kernel refused (dropped)
	Received    uint64 // packets read
	ReceiveCall uint64 // receive system calls that returned packets
}

// slot is one queued packet: its own copy of the bytes and the destination.
type slot struct {
	buf  []byte
	addr netip.AddrPort
}

// Conn is a net.PacketConn over a *net.UDPConn with batched I/O. It also
// implements ReadFromAddrPort and WriteToAddrPort, which pion's ICE UDP mux
// uses to avoid allocating an address per packet.
type Conn struct {
	udp   *net.UDPConn
	raw   syscall.RawConn
	batch int
	v6    bool // the socket is AF_INET6

	// mu guards the send ring: n packets from head. Slots outside
	// [head, head+n) belong to the writers; the slots inside are read by
	// the one sender holding sendMu, and head only moves once they are
	// sent (back to 0 when the ring empties, so that slot buffers follow
	// the deepest backlog rather than the ring's size).
	mu   sync.Mutex
	ring []slot
	head int
	n    int

	sendMu sync.Mutex // one system call at a time; guards out and send
	out    sendState
	send   func(head, n int) (used int, busy bool) // out.send; tests stand in for a full socket

	readMu sync.Mutex // guards in, next, count
	in     recvState
	next   int
	count  int

	kick   chan struct{} // 1-slot: the first packet of a batch wakes the flusher
	done   chan struct{}
	exited chan struct{}
	closed atomic.Bool
	once   sync.Once

	sent, sendCalls, dropped, sendErrors, received, recvCalls atomic.Uint64
}

// New wraps udp and starts the flusher goroutine; Close stops it and closes
// udp. udp must not be used directly afterwards.
func New(udp *net.UDPConn, o Options) (*Conn, error) {
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Queue < o.Batch {
		o.Queue = max(DefaultQueue, o.Batch)
	}
	raw, err := udp.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("batchconn: %w", err)
	}
	c := &Conn{
		udp: udp, raw: raw, batch: o.Batch,
		ring:   make([]slot, o.Queue),
		kick:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	if la, ok := udp.LocalAddr().(*net.UDPAddr); ok && la.IP.To4() == nil {
		c.v6 = true
	}
	c.out.init(c, o.Batch)
	c.send = c.out.send
	c.in.init(c, o.Batch)
	go c.flusher()
	return c, nil
}

// WriteToAddrPort queues a copy of p for addr and returns at once. It
// fails only when the Conn is closed or addr cannot be sent to from this
// socket (invalid, or IPv6 on an IPv4 socket); a packet dropped because the
// queue is full counts in Stats.Dropped and reports success, as UDP would.
func (c *Conn) WriteToAddrPort(p []byte, addr netip.AddrPort) (int, error) {
	if c.closed.Load() {
		return 0, net.ErrClosed
	}
	if !addr.IsValid() || (!c.v6 && !addr.Addr().Unmap().Is4()) {
		return 0, fmt.Errorf("batchconn: %w: %v", errBadAddress, addr)
	}
	c.mu.Lock()
	if c.n == len(c.ring) {
		c.mu.Unlock()
		c.dropped.Add(1)
		return len(p), nil
	}
	i := c.head + c.n
	if i >= len(c.ring) {
		i -= len(c.ring)
	}
	s := &c.ring[i]
	s.buf = append(s.buf[:0], p...) // the slot's buffer is reused
	s.addr = addr
	c.n++
	n := c.n
	c.mu.Unlock()
	switch {
	case n == 1:
		select {
		case c.kick <- struct{}{}:
		default:
		}
	case n >= c.batch:
		// A full batch: send it from this goroutine. This waits at most
		// for another sender's non-blocking system call, never for the
		// socket (a full socket buffer leaves the packets to the flusher).
		c.flush(c.batch)
	}
	return len(p), nil
}

// WriteTo is WriteToAddrPort for a *net.UDPAddr.
func (c *Conn) WriteTo(p []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, fmt.Errorf("batchconn: %w: %T", errNotUDP, addr)
	}
	return c.WriteToAddrPort(p, ua.AddrPort())
}

var (
	errNotUDP     = errors.New("not a UDP address")
	errBadAddress = errors.New("no such destination for this socket")
)

// flush sends pending packets, a batch per system call, while there are
// at least least packets. busy reports that the socket buffer was full.
// sendMu is held for one system call at a time, so a writer that flushes
// waits at most for one call of another sender.
func (c *Conn) flush(least int) (busy bool) {
	for {
		c.sendMu.Lock()
		c.mu.Lock()
		head, n := c.head, min(c.n, c.batch)
		c.mu.Unlock()
		if n == 0 || n < least {
			c.sendMu.Unlock()
			return false
		}
		used, busy := c.send(head, n)
		if used > 0 {
			c.mu.Lock()
			c.head = (c.head + used) % len(c.ring)
			c.n -= used
			if c.n == 0 {
				// Restart at slot 0: only as many slots as the deepest
				// backlog get a buffer, not the whole ring.
				c.head = 0
			}
			c.mu.Unlock()
		}
		c.sendMu.Unlock()
		if busy {
			select { // the flusher retries
			case c.kick <- struct{}{}:
			default:
			}
			return true
		}
	}
}

// busyRetry is how long the flusher waits before retrying a socket whose
// buffer was full.
const busyRetry = 200 * time.Microsecond

// flusher sends what the writers left pending when they pause.
func (c *Conn) flusher() {
	defer close(c.exited)
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-c.kick:
		}
		// Let the goroutines that are ready run first (the scheduler
		// would run this one next): the packets they write join this
		// batch instead of each waking the flusher for a call of its own.
		runtime.Gosched()
		for c.flush(1) {
			// The socket buffer is full: retry shortly rather than wait
			// for the socket, which would hold its write lock against
			// the writers.
			retry.Reset(busyRetry)
			select {
			case <-c.done:
				return
			case <-retry.C:
			}
		}
	}
}

// ReadFromAddrPort returns the next received packet, reading a new batch
// from the socket when the last one is used up.
func (c *Conn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	for c.next == c.count {
		n, err := c.in.recv()
		if err != nil {
			return 0, netip.AddrPort{}, err
		}
		c.next, c.count = 0, n
	}
	i := c.next
	c.next++
	n, addr := c.in.packet(i, b)
	return n, addr, nil
}

// ReadFrom is ReadFromAddrPort returning a *net.UDPAddr.
func (c *Conn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, addr, err := c.ReadFromAddrPort(b)
	if err != nil {
		return 0, nil, err
	}
	return n, net.UDPAddrFromAddrPort(addr), nil
}

// Close stops the flusher and closes the socket; packets still queued are
// dropped. It is safe to call more than once.
func (c *Conn) Close() error {
	var err error
	c.once.Do(func() {
		c.closed.Store(true)
		close(c.done)
		err = c.udp.Close() // ends a blocked read
		<-c.exited
	})
	return err
}

// LocalAddr is the socket's address.
func (c *Conn) LocalAddr() net.Addr { return c.udp.LocalAddr() }

// SetDeadline sets the socket's read and write deadlines. Writes never
// wait for the socket, so only the read deadline matters.
func (c *Conn) SetDeadline(t time.Time) error { return c.udp.SetDeadline(t) }

// SetReadDeadline sets the socket's read deadline.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.udp.SetReadDeadline(t) }

// SetWriteDeadline sets the socket's write deadline.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.udp.SetWriteDeadline(t) }

// Stats returns the counters.
func (c *Conn) Stats() Stats {
	return Stats{
		Sent: c.sent.Load(), SendCalls: c.sendCalls.Load(), Dropped: c.dropped.Load(),
		SendErrors: c.sendErrors.Load(), Received: c.received.Load(), ReceiveCall: c.recvCalls.Load(),
	}
}

var _ net.PacketConn = (*Conn)(nil)
