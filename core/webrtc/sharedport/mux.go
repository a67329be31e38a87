package sharedport

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"

	"github.com/argusrtc/argus/core/webrtc/batchconn"
)

// connQueue is how many received packets wait for one ICE agent's reader
// before more are dropped: the bound a socket buffer of about 200 KB gave
// each PeerConnection when it had its own socket.
const connQueue = 256

// minQueue is the queue's first size, and the size it returns to when it
// empties after a deeper backlog: a frame's burst of packets fits without
// growing. Memory thus follows the real backlog: a reader that keeps up
// uses the first slots only (the queue restarts at slot 0 whenever it
// empties), and the buffers of a deep backlog are released once it drains.
const minQueue = 16

// keptSlotBuffer is the largest slot buffer a queue keeps when it returns
// to minQueue slots: an audio or video packet's, not an 8 KiB datagram's
// that passed once.
const keptSlotBuffer = 2048

// maxAddrs bounds the remote addresses routed to one connection: those its
// agent wrote to (connectivity checks to the remote candidates, replies
// to checks that passed), the oldest forgotten first. A peer's candidates
// are a handful; the bound holds however many candidates a client sends.
const maxAddrs = 64

// txRing bounds the Binding requests remembered per connection, the oldest
// forgotten first (see mux). While checking, a pion agent sends one to
// each remote candidate every 200 ms, so with a handful of candidates an
// answer has a second or so to come back; once connected, it sends one
// consent check every 2 s or less. An answer that comes too late is
// routed by address only, and the next one will do.
const txRing = 32

// mux is an ice.UDPMux over one socket: it hands a STUN request to the
// agent its USERNAME names (the ufrag), a Binding success response to the
// agent that sent the request it answers (by transaction ID, see below),
// and every other packet to the agent whose remote address it comes from.
// An address is learnt only from the agent's own writes and from answers
// to its own checks: a STUN request is not authenticated until the agent
// checked its MESSAGE-INTEGRITY, and the agent writes only to candidates
// it was given and to requests that passed, so a packet cannot claim an
// address for an agent.
//
// An address is confirmed once its agent answered a check from it (a
// Binding success response, written only for a request whose integrity
// passed) or the party there answered a check of the agent's. Another
// agent's checks and media to it do not take it over, nor (since any
// host that can spoof a source address can make an agent answer "from"
// an address it does not own) another agent's answers to checks from it:
// it moves only when the party at the address answers one of the other
// agent's own checks. That answer carries the transaction ID of a Binding
// request the agent sent to that address, which only a party receiving
// there could see, and which a client answers only for its own
// credentials (a client with other credentials ignores the check or
// refuses it with an error response); the agent then verifies the
// answer's integrity itself. So a PeerConnection left open by a client
// that went away cannot keep the traffic of the client's new
// PeerConnection on the same address and port (the new one's checks
// there are answered, the old one's go unanswered and ICE consent ends
// it), a client cannot pull another client's traffic by naming that
// client's address in its candidates, and a blind attacker cannot pull it
// by spoofing that address as the source of checks for its own
// PeerConnection. Each connection remembers its last txRing requests.
//
// ICE-lite agents (newMux's lite) send no checks: an answer to a check is
// then the only proof, and another agent's answer to a check from a
// confirmed address moves it, spoofed source or not (docs/SECURITY.md).
//
// Each agent's packets wait in a bounded queue; when the agent falls
// behind, packets are dropped and counted, as its own socket's buffer
// would drop them. Packets nobody claims are dropped.
type mux struct {
	conn  *batchconn.Conn
	local *net.UDPAddr

	mu      sync.Mutex
	byUfrag map[string]*muxConn
	byAddr  map[netip.AddrPort]*muxConn
	// confirmed holds the addresses in byAddr whose agent answered a
	// check from them or had its check answered from them (see mux); kept
	// with byAddr, so bounded with it.
	confirmed map[netip.AddrPort]bool
	// checks are the Binding requests the connections sent, by
	// transaction ID: at most txRing per connection (muxConn.checks).
	checks map[stunTxID]sentCheck
	closed bool
	// lite: the agents are ICE-lite and send no checks, so an answer to a
	// check moves a confirmed address (see mux).
	lite bool

	exited chan struct{}
	// unrouted counts packets no agent claimed (or whose agent was
	// closing); dropped, packets an agent's full queue refused;
	// readErrors, failed reads of the socket other than its close;
	// moved, addresses an agent took over from another open agent: once
	// when a client's new PeerConnection is on the address of one not yet
	// closed, steadily for a client that runs several PeerConnections
	// from one UDP socket, which a shared port cannot tell apart.
	unrouted, dropped, readErrors, moved atomic.Uint64
}

var _ ice.UDPMux = (*mux)(nil)

// newMux starts the read loop over conn, for ICE-lite agents if lite;
// Close stops it.
func newMux(conn *batchconn.Conn, lite bool) *mux {
	m := &mux{
		conn:      conn,
		local:     conn.LocalAddr().(*net.UDPAddr),
		byUfrag:   map[string]*muxConn{},
		byAddr:    map[netip.AddrPort]*muxConn{},
		confirmed: map[netip.AddrPort]bool{},
		checks:    map[stunTxID]sentCheck{},
		lite:      lite,
		exited:    make(chan struct{}),
	}
	go m.readLoop()
	return m
}

// GetConn returns the agent's connection for ufrag on this socket,
// creating it on first use; each call must be matched by a Close.
func (m *mux) GetConn(ufrag string, addr net.Addr) (net.PacketConn, error) {
	if ua, ok := addr.(*net.UDPAddr); !ok || ua.AddrPort() != m.local.AddrPort() {
		return nil, fmt.Errorf("sharedport: %w: %v is not %v", errWrongAddress, addr, m.local)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, net.ErrClosed
	}
	c := m.byUfrag[ufrag]
	if c == nil || c.closed.Load() {
		c = &muxConn{m: m, ufrag: ufrag, q: make([]queued, minQueue), notify: make(chan struct{}, 1), done: make(chan struct{})}
		m.byUfrag[ufrag] = c
	}
	c.refs++
	return c, nil
}

var errWrongAddress = errors.New("address not served by this mux")

// RemoveConnByUfrag closes the agent's connection (the agent is closing).
func (m *mux) RemoveConnByUfrag(ufrag string) {
	m.mu.Lock()
	c := m.byUfrag[ufrag]
	m.mu.Unlock()
	if c != nil {
		c.shut()
	}
}

// GetListenAddresses is the socket's address.
func (m *mux) GetListenAddresses() []net.Addr { return []net.Addr{m.local} }

// Close closes every connection and the socket, and waits for the read
// loop to end.
func (m *mux) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	conns := make([]*muxConn, 0, len(m.byUfrag))
	for _, c := range m.byUfrag {
		conns = append(conns, c)
	}
	m.mu.Unlock()
	for _, c := range conns {
		c.shut()
	}
	err := m.conn.Close()
	<-m.exited
	return err
}

// readLoop routes received packets until the socket closes.
func (m *mux) readLoop() {
	defer close(m.exited)
	buf := make([]byte, 1<<16)
	for {
		n, from, err := m.conn.ReadFromAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Anything else (a deadline, an ICMP error reported on the
			// socket) concerns one read, not the socket: count it and
			// read on, after a pause so that a persistent error does
			// not spin.
			m.readErrors.Add(1)
			time.Sleep(readErrorPause)
			continue
		}
		pkt := buf[:n]
		m.mu.Lock()
		var c *muxConn
		if isBindingSuccess(pkt) {
			c = m.answeredLocked(stunTxID(pkt[8:stunHeader]), from)
		} else if isBindingError(pkt) {
			// To the agent whose check it refuses (a 487 role
			// conflict, say), which alone can act on it; an error
			// moves no address.
			c = m.senderLocked(stunTxID(pkt[8:stunHeader]), from)
		} else if ufrag, ok := stunUfrag(pkt); ok {
			c = m.byUfrag[ufrag] // routed, not learnt: see mux
		}
		if c == nil {
			c = m.byAddr[from]
		}
		m.mu.Unlock()
		if c == nil {
			m.unrouted.Add(1)
			continue
		}
		switch c.push(pkt, from) {
		case pushFull:
			m.dropped.Add(1)
		case pushClosed:
			m.unrouted.Add(1)
		}
	}
}

// readErrorPause is how long the read loop waits after a failed read.
const readErrorPause = time.Millisecond

// claimLocked routes packets from addr to c after c wrote to it, answer
// telling whether the write answered a check from addr; it reports
// whether addr is c's now. An address another open agent confirmed stays
// that agent's (see mux; with lite agents, unless c answers a check from
// it). The caller holds m.mu.
func (m *mux) claimLocked(c *muxConn, addr netip.AddrPort, answer bool) bool {
	if c.closed.Load() {
		return false
	}
	if owner := m.byAddr[addr]; owner == c {
		if answer {
			m.confirmed[addr] = true
		}
		return true
	} else if owner != nil && m.confirmed[addr] && (!answer || !m.lite) {
		return false
	}
	m.learnLocked(c, addr, answer)
	return true
}

// sentLocked remembers that c sent the Binding request id to addr,
// forgetting the oldest of c's when it has txRing. The caller holds m.mu.
func (m *mux) sentLocked(c *muxConn, id stunTxID, addr netip.AddrPort) {
	if c.closed.Load() { // remove has run, or will after m.mu
		return
	}
	if e, ok := m.checks[id]; ok && e.c == c { // sent again: one slot
		m.checks[id] = sentCheck{c: c, to: addr}
		return
	}
	slot := &c.checks[c.nextCheck]
	if e, ok := m.checks[*slot]; ok && e.c == c {
		delete(m.checks, *slot)
	}
	*slot = id
	c.nextCheck = (c.nextCheck + 1) % txRing
	m.checks[id] = sentCheck{c: c, to: addr}
}

// answeredLocked returns the open connection that sent from the Binding
// request id (nil if none), which a Binding success response from there
// answers: the party at from saw that request, so from is that
// connection's now, and confirmed (see mux). The caller holds m.mu.
func (m *mux) answeredLocked(id stunTxID, from netip.AddrPort) *muxConn {
	c := m.senderLocked(id, from)
	if c == nil {
		return nil
	}
	if m.byAddr[from] == c {
		m.confirmed[from] = true
	} else {
		m.learnLocked(c, from, true)
	}
	return c
}

// senderLocked returns the open connection that sent the Binding request
// id to from (nil if none, or if it went elsewhere). The caller holds
// m.mu.
func (m *mux) senderLocked(id stunTxID, from netip.AddrPort) *muxConn {
	e, ok := m.checks[id]
	if !ok || e.to != from || e.c.closed.Load() {
		return nil
	}
	return e.c
}

// learnLocked routes packets from addr to c, taking it from another agent
// and forgetting c's oldest address when it has maxAddrs. The caller holds
// m.mu.
func (m *mux) learnLocked(c *muxConn, addr netip.AddrPort, confirmed bool) {
	if old := m.byAddr[addr]; old != nil && old != c {
		old.forget(addr)
		m.moved.Add(1)
	}
	if len(c.addrs) == maxAddrs {
		oldest := c.addrs[0]
		if m.byAddr[oldest] == c {
			delete(m.byAddr, oldest)
			delete(m.confirmed, oldest)
		}
		c.forget(oldest)
	}
	m.byAddr[addr] = c
	if confirmed {
		m.confirmed[addr] = true
	} else {
		delete(m.confirmed, addr)
	}
	c.addrs = append(c.addrs, addr)
}

// remove forgets c's ufrag and addresses.
func (m *mux) remove(c *muxConn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byUfrag[c.ufrag] == c {
		delete(m.byUfrag, c.ufrag)
	}
	for _, a := range c.addrs {
		if m.byAddr[a] == c {
			delete(m.byAddr, a)
			delete(m.confirmed, a)
		}
	}
	c.addrs = nil
	for _, id := range c.checks {
		if e, ok := m.checks[id]; ok && e.c == c {
			delete(m.checks, id)
		}
	}
}

// STUN (RFC 8489): a 20-byte header whose first two bits are 0 and whose
// bytes 4-7 are the magic cookie, then type-length-value attributes padded
// to 4 bytes. A Binding request's USERNAME is "receiver-ufrag:sender-ufrag".
const (
	stunHeader    = 20
	stunCookie    = 0x2112A442
	stunUsername  = 0x0006
	stunAttrAlign = 4
)

// The message types of a Binding request (a check) and of its success
// and error responses.
const (
	stunBindingRequest = 0x0001
	stunBindingSuccess = 0x0101
	stunBindingError   = 0x0111
)

// stunTxID is a STUN transaction ID: header bytes 8-19, chosen at random
// by the sender of a request and repeated by its response.
type stunTxID [stunHeader - 8]byte

// isBindingSuccess tells whether b is a STUN Binding success response: an
// agent's answer to a check whose integrity it verified.
func isBindingSuccess(b []byte) bool { return isSTUN(b, stunBindingSuccess) }

// isBindingError tells whether b is a STUN Binding error response.
func isBindingError(b []byte) bool { return isSTUN(b, stunBindingError) }

// isBindingRequest tells whether b is a STUN Binding request: a check.
func isBindingRequest(b []byte) bool { return isSTUN(b, stunBindingRequest) }

// isSTUN tells whether b is a STUN message of type typ.
func isSTUN(b []byte, typ uint16) bool {
	return len(b) >= stunHeader && binary.BigEndian.Uint16(b[0:2]) == typ &&
		binary.BigEndian.Uint32(b[4:8]) == stunCookie
}

// stunUfrag returns the local ufrag named by a STUN message's USERNAME.
func stunUfrag(b []byte) (string, bool) {
	if len(b) < stunHeader || b[0]&0xc0 != 0 || binary.BigEndian.Uint32(b[4:8]) != stunCookie {
		return "", false
	}
	attrs := b[stunHeader:]
	if l := int(binary.BigEndian.Uint16(b[2:4])); l <= len(attrs) {
		attrs = attrs[:l]
	}
	for len(attrs) >= 4 {
		typ, l := binary.BigEndian.Uint16(attrs[0:2]), int(binary.BigEndian.Uint16(attrs[2:4]))
		if 4+l > len(attrs) {
			return "", false
		}
		if typ == stunUsername {
			v := attrs[4 : 4+l]
			for i, ch := range v {
				if ch == ':' {
					v = v[:i]
					break
				}
			}
			return string(v), len(v) > 0
		}
		padded := (l + stunAttrAlign - 1) / stunAttrAlign * stunAttrAlign
		if 4+padded > len(attrs) {
			return "", false
		}
		attrs = attrs[4+padded:]
	}
	return "", false
}

// muxConn is one agent's view of the shared socket: reads come from its
// bounded queue, writes go to the socket (and teach the mux that replies
// from that address are the agent's).
type muxConn struct {
	m     *mux
	ufrag string
	refs  int              // GetConn calls not yet closed; guarded by m.mu
	addrs []netip.AddrPort // routed to this conn; guarded by m.mu

	mu sync.Mutex // guards the queue, lastDst, lastConfirmed and deadline
	// q is a ring of n packets from head; len(q) is a power of two from
	// minQueue to connQueue, doubled when full, back to minQueue when
	// empty. A slot keeps its buffer for the next packet.
	q       []queued
	head, n int
	// lastDst is the last address written to while routed to this conn
	// (zero when it is not), lastConfirmed whether this conn confirmed it:
	// writes to it need not take m.mu again.
	lastDst       netip.AddrPort
	lastConfirmed bool
	deadline      time.Time

	// checks is a ring of the transaction IDs of the last txRing Binding
	// requests written, the next to replace at nextCheck; guarded by m.mu.
	checks    [txRing]stunTxID
	nextCheck int

	notify chan struct{} // 1-slot: a packet arrived
	done   chan struct{}
	closed atomic.Bool
	once   sync.Once
}

type queued struct {
	buf  []byte
	from netip.AddrPort
}

// sentCheck is a Binding request a connection wrote, and where to.
type sentCheck struct {
	c  *muxConn
	to netip.AddrPort
}

// pushResult is what became of a received packet handed to a connection.
type pushResult int

const (
	pushQueued pushResult = iota
	pushFull              // the queue is full: dropped
	pushClosed            // the connection is closing: dropped
)

// push queues a copy of pkt.
func (c *muxConn) push(pkt []byte, from netip.AddrPort) pushResult {
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return pushClosed
	}
	if c.n == connQueue {
		c.mu.Unlock()
		return pushFull
	}
	if c.n == len(c.q) {
		c.grow()
	}
	s := &c.q[(c.head+c.n)&(len(c.q)-1)]
	s.buf = append(s.buf[:0], pkt...) // the slot's buffer is reused
	s.from = from
	c.n++
	c.mu.Unlock()
	select {
	case c.notify <- struct{}{}:
	default:
	}
	return pushQueued
}

// grow doubles the full ring, its packets in order from slot 0. The
// caller holds c.mu.
func (c *muxConn) grow() {
	q := make([]queued, 2*len(c.q))
	k := copy(q, c.q[c.head:])
	copy(q[k:], c.q[:c.head])
	c.q, c.head = q, 0
}

// restart puts the empty queue back at slot 0, and back to minQueue slots
// after a deeper backlog, releasing the rest; of the slots kept, buffers
// larger than keptSlotBuffer are released too. The caller holds c.mu.
func (c *muxConn) restart() {
	c.head = 0
	if len(c.q) <= minQueue {
		return
	}
	q := make([]queued, minQueue)
	copy(q, c.q)
	for i := range q {
		if cap(q[i].buf) > keptSlotBuffer {
			q[i].buf = nil
		}
	}
	c.q = q
}

// ReadFromAddrPort returns the next queued packet, waiting for one.
func (c *muxConn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	for {
		c.mu.Lock()
		if c.n > 0 {
			s := &c.q[c.head]
			n := copy(b, s.buf)
			from := s.from
			c.head = (c.head + 1) & (len(c.q) - 1)
			c.n--
			if c.n == 0 {
				c.restart()
			}
			c.mu.Unlock()
			return n, from, nil
		}
		deadline := c.deadline
		c.mu.Unlock()
		if c.closed.Load() {
			return 0, netip.AddrPort{}, net.ErrClosed
		}
		if err := c.wait(deadline); err != nil {
			return 0, netip.AddrPort{}, err
		}
	}
}

// wait blocks until a packet may have arrived, c closes or deadline passes.
func (c *muxConn) wait(deadline time.Time) error {
	if deadline.IsZero() {
		select {
		case <-c.notify:
		case <-c.done:
		}
		return nil
	}
	d := time.Until(deadline)
	if d <= 0 {
		return os.ErrDeadlineExceeded
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.notify:
	case <-c.done:
	case <-t.C:
		return os.ErrDeadlineExceeded
	}
	return nil
}

// ReadFrom is ReadFromAddrPort returning a *net.UDPAddr.
func (c *muxConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := c.ReadFromAddrPort(b)
	if err != nil {
		return 0, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// WriteToAddrPort sends p to addr through the shared socket, and routes
// what comes back from addr to c.
func (c *muxConn) WriteToAddrPort(p []byte, addr netip.AddrPort) (int, error) {
	if c.closed.Load() {
		return 0, net.ErrClosed
	}
	// The form the socket reports sources in: an IPv4 address unmapped,
	// no zone; otherwise a learnt address would never match a source.
	addr = netip.AddrPortFrom(addr.Addr().Unmap().WithZone(""), addr.Port())
	answer := isBindingSuccess(p)
	check := !answer && isBindingRequest(p)
	c.mu.Lock()
	known := c.lastDst == addr && (c.lastConfirmed || !answer)
	c.mu.Unlock()
	if !known || check {
		c.m.mu.Lock()
		if check { // before the write: the answer may come at once
			c.m.sentLocked(c, stunTxID(p[8:stunHeader]), addr)
		}
		if !known {
			routed := c.m.claimLocked(c, addr, answer)
			c.mu.Lock()
			if routed {
				c.lastDst, c.lastConfirmed = addr, c.m.confirmed[addr]
			} else if c.lastDst == addr {
				c.lastDst = netip.AddrPort{}
			}
			c.mu.Unlock()
		}
		c.m.mu.Unlock()
	}
	return c.m.conn.WriteToAddrPort(p, addr)
}

// WriteTo is WriteToAddrPort for a *net.UDPAddr.
func (c *muxConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, fmt.Errorf("sharedport: %w: %T", errWrongAddress, addr)
	}
	return c.WriteToAddrPort(p, ua.AddrPort())
}

// Close ends one GetConn; the last one closes the connection.
func (c *muxConn) Close() error {
	c.m.mu.Lock()
	c.refs--
	last := c.refs <= 0
	c.m.mu.Unlock()
	if last {
		c.shut()
	}
	return nil
}

// shut closes the connection: reads end, the mux forgets it.
func (c *muxConn) shut() {
	c.once.Do(func() {
		c.closed.Store(true)
		close(c.done)
		c.m.remove(c)
	})
}

// forget stops routing addr to c (another agent claimed it, or c has too
// many); c's next write to addr learns it again. The caller holds m.mu.
func (c *muxConn) forget(addr netip.AddrPort) {
	c.mu.Lock()
	if c.lastDst == addr {
		c.lastDst, c.lastConfirmed = netip.AddrPort{}, false
	}
	c.mu.Unlock()
	for i, a := range c.addrs {
		if a == addr {
			c.addrs = append(c.addrs[:i], c.addrs[i+1:]...)
			return
		}
	}
}

// LocalAddr is the shared socket's address.
func (c *muxConn) LocalAddr() net.Addr { return c.m.local }

// SetDeadline sets the read deadline; writes never wait.
func (c *muxConn) SetDeadline(t time.Time) error { return c.SetReadDeadline(t) }

// SetReadDeadline bounds ReadFrom calls (including one waiting now).
func (c *muxConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	select { // wake a waiting reader to look at the new deadline
	case c.notify <- struct{}{}:
	default:
	}
	return nil
}

// SetWriteDeadline does nothing: writes are queued, never wait.
func (c *muxConn) SetWriteDeadline(time.Time) error { return nil }
