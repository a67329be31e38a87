package sharedport

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/argusrtc/argus/core/webrtc/batchconn"
	"github.com/argusrtc/argus/internal/testkit"
)

// stunRequest builds a STUN Binding request with a USERNAME attribute
// (and a 2-byte attribute before it, to exercise the padding).
func stunRequest(username string) []byte {
	b := []byte{0, 1, 0, 0} // Binding request, length set below
	b = binary.BigEndian.AppendUint32(b, stunCookie)
	b = append(b, "transaction!"...)                // 12-byte transaction ID
	b = append(b, 0x80, 0x22, 0, 2, 'a', 'b', 0, 0) // SOFTWARE "ab", padded
	b = binary.BigEndian.AppendUint16(b, stunUsername)
	b = binary.BigEndian.AppendUint16(b, uint16(len(username)))
	b = append(b, username...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)-20))
	return b
}

func TestStunUfrag(t *testing.T) {
	truncated := stunRequest("abcd:efgh")
	truncated = truncated[:len(truncated)-4]
	for _, tc := range []struct {
		name  string
		pkt   []byte
		ufrag string
		ok    bool
	}{
		{"binding request", stunRequest("local:remote"), "local", true},
		{"username without colon", stunRequest("solo"), "solo", true},
		{"empty ufrag", stunRequest(":remote"), "", false},
		{"RTP", append([]byte{0x80, 96}, make([]byte, 30)...), "", false},
		{"no cookie", append([]byte{0, 1, 0, 0, 1, 2, 3, 4}, make([]byte, 12)...), "", false},
		{"attribute past the end", truncated, "", false},
		{"short", []byte{0, 1}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := stunUfrag(tc.pkt)
			if got != tc.ufrag || ok != tc.ok {
				t.Fatalf("stunUfrag = %q, %v; want %q, %v", got, ok, tc.ufrag, tc.ok)
			}
		})
	}
}

// newTestMux is a mux for full ICE agents on a loopback socket, closed
// with the test.
func newTestMux(t *testing.T) *mux { t.Helper(); return newTestMuxOf(t, false) }

// newTestMuxOf is newTestMux, for ICE-lite agents if lite.
func newTestMuxOf(t *testing.T, lite bool) *mux {
	t.Helper()
	c, err := batchconn.New(testkit.LoopbackUDP(t), batchconn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := newMux(c, lite)
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func peerSocket(t *testing.T) *net.UDPConn { return testkit.LoopbackUDP(t) }

func getConn(t *testing.T, m *mux, ufrag string) *muxConn {
	t.Helper()
	pc, err := m.GetConn(ufrag, m.local)
	if err != nil {
		t.Fatal(err)
	}
	return pc.(*muxConn)
}

func readOne(t *testing.T, c *muxConn) (string, netip.AddrPort) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	n, from, err := c.ReadFromAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n]), from
}

func addrOf(u *net.UDPConn) netip.AddrPort { return u.LocalAddr().(*net.UDPAddr).AddrPort() }

func TestMuxRoutesByUfragThenAddress(t *testing.T) {
	m := newTestMux(t)
	a, b := getConn(t, m, "ua"), getConn(t, m, "ub")
	alice, bob, stranger := peerSocket(t), peerSocket(t), peerSocket(t)

	// Alice's STUN request names ua: it goes to a. Once a answered her
	// (as its agent does when the request passed its integrity check),
	// what follows from her address goes to a too.
	req := stunRequest("ua:alice")
	if _, err := alice.WriteTo(req, m.local); err != nil {
		t.Fatal(err)
	}
	if got, from := readOne(t, a); got != string(req) || from != addrOf(alice) {
		t.Fatalf("a read %q from %v", got, from)
	}
	if _, err := a.WriteTo([]byte("response"), alice.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.WriteTo([]byte("media for a"), m.local); err != nil {
		t.Fatal(err)
	}
	if got, _ := readOne(t, a); got != "media for a" {
		t.Fatalf("a read %q", got)
	}
	// b writes to Bob first (its connectivity check): Bob's reply, with
	// no USERNAME, goes to b.
	if _, err := b.WriteTo([]byte("check"), bob.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	_ = bob.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	if n, _, err := bob.ReadFrom(buf); err != nil || string(buf[:n]) != "check" {
		t.Fatalf("bob read %q, %v", buf[:n], err)
	}
	if _, err := bob.WriteTo([]byte("reply for b"), m.local); err != nil {
		t.Fatal(err)
	}
	if got, from := readOne(t, b); got != "reply for b" || from != addrOf(bob) {
		t.Fatalf("b read %q from %v", got, from)
	}
	// A stranger's packet (no known address, no STUN) reaches nobody.
	if _, err := stranger.WriteTo([]byte("who?"), m.local); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, 5*time.Second, "the stranger's packet counted", func() bool { return m.unrouted.Load() == 1 })
	if a.n != 0 || b.n != 0 {
		t.Fatalf("queued a %d, b %d after the stranger's packet", a.n, b.n)
	}
	// Closing a forgets its ufrag and addresses.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	_, ufrag := m.byUfrag["ua"]
	_, addr := m.byAddr[addrOf(alice)]
	m.mu.Unlock()
	if ufrag || addr {
		t.Fatalf("after Close the mux still routes to a (ufrag %v, address %v)", ufrag, addr)
	}
	if _, _, err := a.ReadFromAddrPort(buf); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after Close: %v", err)
	}
}

func TestMuxQueueIsBounded(t *testing.T) {
	m := newTestMux(t)
	c := getConn(t, m, "u")
	from := netip.MustParseAddrPort("192.0.2.1:5000")
	pkt := make([]byte, 4)
	for i := range connQueue + 44 {
		binary.BigEndian.PutUint32(pkt, uint32(i))
		if ok := c.push(pkt, from) == pushQueued; ok != (i < connQueue) {
			t.Fatalf("push %d queued %v with a queue of %d", i, ok, connQueue)
		}
	}
	buf := make([]byte, 8)
	for i := range connQueue {
		n, _, err := c.ReadFromAddrPort(buf)
		if err != nil || n != 4 || binary.BigEndian.Uint32(buf) != uint32(i) {
			t.Fatalf("read %d: %v %v", i, buf[:n], err)
		}
	}
}

func TestMuxReadDeadlineAndClose(t *testing.T) {
	m := newTestMux(t)
	c := getConn(t, m, "u")
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, _, err := c.ReadFrom(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v", err)
	}
	_ = c.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() {
		_, _, err := c.ReadFrom(make([]byte, 8))
		done <- err
	}()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("blocked read ended with %v, want net.ErrClosed", err)
	}
	if _, err := m.GetConn("v", m.local); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("GetConn after Close: %v", err)
	}
}

func TestMuxNoAllocationPerPacket(t *testing.T) {
	m := newTestMux(t)
	c := getConn(t, m, "u")
	client := peerSocket(t)
	// The client's address is learnt from c's first write.
	if _, err := c.WriteToAddrPort([]byte("check"), addrOf(client)); err != nil {
		t.Fatal(err)
	}
	pkt, buf := make([]byte, 1000), make([]byte, 1500)
	roundTrip := func() {
		if _, err := client.WriteToUDPAddrPort(pkt, m.local.AddrPort()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.ReadFromAddrPort(buf); err != nil {
			t.Fatal(err)
		}
		if _, err := c.WriteToAddrPort(pkt, addrOf(client)); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 * minQueue { // the slots used have their buffers
		roundTrip()
	}
	if allocs := testing.AllocsPerRun(300, roundTrip); allocs != 0 {
		t.Fatalf("%.1f allocations per packet received and sent through the mux, want 0", allocs)
	}
}

// heldBuffers counts c's queue slots that hold a packet buffer, and their
// bytes.
func heldBuffers(c *muxConn) (slots, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.q {
		if s.buf != nil {
			slots++
			bytes += cap(s.buf)
		}
	}
	return slots, bytes
}

// TestMuxQueueMemoryFollowsBacklog: a reader that keeps up leaves one slot
// buffer however many packets pass; a 256-packet backlog holds 256
// buffers while it lasts, and at most minQueue once it drains.
func TestMuxQueueMemoryFollowsBacklog(t *testing.T) {
	const size = 1200
	m := newTestMux(t)
	c := getConn(t, m, "u")
	from := netip.MustParseAddrPort("192.0.2.1:5000")
	pkt, buf := make([]byte, size), make([]byte, 1500)
	read := func(i int) {
		t.Helper()
		n, _, err := c.ReadFromAddrPort(buf)
		if err != nil || n != size || binary.BigEndian.Uint32(buf) != uint32(i) {
			t.Fatalf("read %d: %d bytes, seq %d, %v", i, n, binary.BigEndian.Uint32(buf), err)
		}
	}
	for i := range 1000 {
		binary.BigEndian.PutUint32(pkt, uint32(i))
		if c.push(pkt, from) != pushQueued {
			t.Fatalf("push %d refused", i)
		}
		read(i)
	}
	if slots, bytes := heldBuffers(c); slots != 1 || bytes > 2*size {
		t.Fatalf("after 1000 packets one at a time: %d slot buffers, %d bytes; want 1", slots, bytes)
	}
	// A backlog: the reader falls behind by a packet every other packet,
	// up to a queue of connQueue-1.
	seq, next := 0, 0
	for range 2 * (connQueue - 1) {
		binary.BigEndian.PutUint32(pkt, uint32(seq))
		if c.push(pkt, from) != pushQueued {
			t.Fatalf("push %d refused", seq)
		}
		seq++
		if seq%2 == 0 {
			read(next)
			next++
		}
	}
	if slots, bytes := heldBuffers(c); slots < connQueue/2 || bytes > connQueue*2*size {
		t.Fatalf("backlog of %d: %d slot buffers, %d bytes", seq-next, slots, bytes)
	}
	for next < seq {
		read(next)
		next++
	}
	if slots, bytes := heldBuffers(c); slots > minQueue || bytes > minQueue*2*size || len(c.q) != minQueue {
		t.Fatalf("backlog drained: %d slot buffers, %d bytes, %d slots; want at most %d", slots, bytes, len(c.q), minQueue)
	}
	// The queue still keeps order and its bound after shrinking.
	for i := range connQueue + 1 {
		binary.BigEndian.PutUint32(pkt, uint32(i))
		if ok := c.push(pkt, from) == pushQueued; ok != (i < connQueue) {
			t.Fatalf("push %d queued %v", i, ok)
		}
	}
	for i := range connQueue {
		read(i)
	}
}

// TestMuxLearnsOnlyFromWrites: STUN requests naming a ufrag reach its
// connection from any address, but teach the mux no address (they are not
// authenticated yet): 200 source ports leave no route behind, and media
// from them reaches nobody.
func TestMuxLearnsOnlyFromWrites(t *testing.T) {
	m := newTestMux(t)
	a := getConn(t, m, "ua")
	req := stunRequest("ua:mallory")
	const sources = 200
	for range sources {
		u := peerSocket(t)
		if _, err := u.WriteTo(req, m.local); err != nil {
			t.Fatal(err)
		}
		if got, _ := readOne(t, a); got != string(req) {
			t.Fatalf("a read %q", got)
		}
		if _, err := u.WriteTo([]byte("media"), m.local); err != nil {
			t.Fatal(err)
		}
	}
	testkit.Until(t, 5*time.Second, "the media counted unrouted", func() bool { return m.unrouted.Load() == sources })
	m.mu.Lock()
	routes, learnt := len(m.byAddr), len(a.addrs)
	m.mu.Unlock()
	if routes != 0 || learnt != 0 {
		t.Fatalf("after %d STUN requests: %d routes, %d addresses learnt for a; want none", sources, routes, learnt)
	}
}

// TestMuxAddressComesBack: when another connection writes to an address,
// packets from it go there; when the first writes to it again, they come
// back to the first (it must not keep believing the address is its own).
func TestMuxAddressComesBack(t *testing.T) {
	m := newTestMux(t)
	a, b := getConn(t, m, "ua"), getConn(t, m, "ub")
	x := peerSocket(t)
	routeOf := func() *muxConn {
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.byAddr[addrOf(x)]
	}
	for i, step := range []struct {
		writer *muxConn
		want   string
	}{{a, "a"}, {b, "b"}, {a, "a"}, {a, "a"}, {b, "b"}} {
		if _, err := step.writer.WriteToAddrPort([]byte("check"), addrOf(x)); err != nil {
			t.Fatal(err)
		}
		got := map[*muxConn]string{a: "a", b: "b"}[routeOf()]
		if got != step.want {
			t.Fatalf("write %d by %s: %s's address routes to %q", i, step.want, "x", got)
		}
	}
}

// TestMuxAddressesBounded: a connection keeps at most maxAddrs routes, the
// oldest going first, however many addresses its agent writes to.
func TestMuxAddressesBounded(t *testing.T) {
	m := newTestMux(t)
	a := getConn(t, m, "ua")
	const extra = 10
	for i := range maxAddrs + extra {
		to := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), uint16(10000+i))
		if _, err := a.WriteToAddrPort([]byte("check"), to); err != nil {
			t.Fatal(err)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(a.addrs) != maxAddrs || len(m.byAddr) != maxAddrs {
		t.Fatalf("%d addresses, %d routes; want %d", len(a.addrs), len(m.byAddr), maxAddrs)
	}
	oldest := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), 10000)
	newest := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), uint16(10000+maxAddrs+extra-1))
	if m.byAddr[oldest] != nil || m.byAddr[newest] != a {
		t.Fatalf("oldest still routed %v, newest routed %v", m.byAddr[oldest] != nil, m.byAddr[newest] == a)
	}
}

// TestMuxAddressMoves: a client that runs two PeerConnections from one
// socket cannot be told apart; the second agent's write takes the address
// over, and the move is counted so that an operator can see it. An agent
// writing again to an address it already has moves nothing.
func TestMuxAddressMoves(t *testing.T) {
	m := newTestMux(t)
	a, b := getConn(t, m, "a"), getConn(t, m, "b")
	client := peerSocket(t)
	write := func(c *muxConn) {
		t.Helper()
		if _, err := c.WriteToAddrPort([]byte("check"), addrOf(client)); err != nil {
			t.Fatal(err)
		}
	}
	write(a)
	write(a)
	if n := m.moved.Load(); n != 0 {
		t.Fatalf("after one agent's writes: %d moves, want 0", n)
	}
	write(b)
	if n := m.moved.Load(); n != 1 {
		t.Fatalf("after a second agent wrote to the same address: %d moves, want 1", n)
	}
	if _, err := client.WriteToUDPAddrPort([]byte("media"), m.local.AddrPort()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	if err := b.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.ReadFromAddrPort(buf); err != nil {
		t.Fatalf("the address's packet did not reach the agent that took it over: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	write(a) // b is gone: the address is free, no move
	if n := m.moved.Load(); n != 1 {
		t.Fatalf("after the other agent closed: %d moves, want still 1", n)
	}
}

// withTxID sets STUN message p's 12-byte transaction ID.
func withTxID(p []byte, txid string) []byte {
	copy(p[8:stunHeader], txid)
	return p
}

// stunSuccess builds a STUN Binding success response (no attributes) with
// a 12-byte transaction ID; stunRequest's is "transaction!".
func stunSuccess(txid string) []byte {
	b := []byte{0x01, 0x01, 0, 0}
	b = binary.BigEndian.AppendUint32(b, stunCookie)
	return append(b, txid...)
}

// stunError builds a STUN Binding error response (no attributes) with a
// 12-byte transaction ID.
func stunError(txid string) []byte {
	b := []byte{0x01, 0x11, 0, 0}
	b = binary.BigEndian.AppendUint32(b, stunCookie)
	return append(b, txid...)
}

func TestIsBinding(t *testing.T) {
	for _, tc := range []struct {
		name             string
		pkt              []byte
		request, success bool
	}{
		{"request", stunRequest("a:x"), true, false},
		{"success", stunSuccess("transaction!"), false, true},
		{"error response", append([]byte{0x01, 0x11, 0, 0, 0x21, 0x12, 0xa4, 0x42}, "transaction!"...), false, false},
		{"indication", append([]byte{0x00, 0x11, 0, 0, 0x21, 0x12, 0xa4, 0x42}, "transaction!"...), false, false},
		{"no cookie", append([]byte{0x01, 0x01, 0, 0, 1, 2, 3, 4}, "transaction!"...), false, false},
		{"short", stunSuccess("tx"), false, false},
		{"media", []byte("media that is long enough"), false, false},
	} {
		if r, s := isBindingRequest(tc.pkt), isBindingSuccess(tc.pkt); r != tc.request || s != tc.success {
			t.Errorf("%s: request %v, success %v; want %v, %v", tc.name, r, s, tc.request, tc.success)
		}
	}
}

// confirmedSetup is a mux (for ICE-lite agents if lite) with connections a
// and b and a client socket whose address a confirmed (a answered its
// check); b's checks and media to that address do not take it.
type confirmedSetup struct {
	m      *mux
	a, b   *muxConn
	client *net.UDPConn
}

func newConfirmedSetup(t *testing.T, lite bool) *confirmedSetup {
	t.Helper()
	s := &confirmedSetup{m: newTestMuxOf(t, lite), client: peerSocket(t)}
	s.a, s.b = getConn(t, s.m, "a"), getConn(t, s.m, "b")
	s.write(t, s.a, stunSuccess("a's answer..")) // a answered the client's check: confirmed
	s.write(t, s.b, []byte("check"))
	s.write(t, s.b, []byte("media"))
	s.from(t, []byte("media 1"))
	s.expect(t, s.a, "media 1")
	if n := s.m.moved.Load(); n != 0 {
		t.Fatalf("%d moves after another agent's check and media to a confirmed address, want 0", n)
	}
	return s
}

// from sends pkt from the client to the mux.
func (s *confirmedSetup) from(t *testing.T, pkt []byte) {
	t.Helper()
	if _, err := s.client.WriteToUDPAddrPort(pkt, s.m.local.AddrPort()); err != nil {
		t.Fatal(err)
	}
}

// write has c send pkt to the client.
func (s *confirmedSetup) write(t *testing.T, c *muxConn, pkt []byte) {
	t.Helper()
	if _, err := c.WriteToAddrPort(pkt, addrOf(s.client)); err != nil {
		t.Fatal(err)
	}
}

// expect reads the next packet c got; it must be want.
func (s *confirmedSetup) expect(t *testing.T, c *muxConn, want string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1500)
	n, _, err := c.ReadFromAddrPort(buf)
	if err != nil {
		t.Fatalf("%s got nothing (%v), want %q", c.ufrag, err, want)
	}
	if got := string(buf[:n]); got != want {
		t.Fatalf("%s read %q, want %q", c.ufrag, got, want)
	}
}

// route is the connection the client's address routes to, and whether
// it is confirmed.
func (s *confirmedSetup) route() (*muxConn, bool) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.m.byAddr[addrOf(s.client)], s.m.confirmed[addrOf(s.client)]
}

// TestMuxConfirmedAddressLite: with ICE-lite agents (which send no checks),
// once an agent answered a check from an address (a Binding success
// response), another agent's checks and media to that address do not take
// it; only another agent's answer to a check from it does. A STUN request
// goes to the agent its USERNAME names even from an address another agent
// has.
func TestMuxConfirmedAddressLite(t *testing.T) {
	s := newConfirmedSetup(t, true)
	m, a, b := s.m, s.a, s.b
	s.from(t, stunRequest("b:x")) // the client's check for b, from a's address
	s.expect(t, b, string(stunRequest("b:x")))
	s.write(t, b, stunSuccess("b's answer..")) // b answers it: the address is b's now
	s.from(t, []byte("media 2"))
	s.expect(t, b, "media 2")
	if n := m.moved.Load(); n != 1 {
		t.Fatalf("%d moves, want 1", n)
	}
	s.write(t, a, []byte("media")) // a's media does not take it back
	s.from(t, []byte("media 3"))
	s.expect(t, b, "media 3")
	if len(m.confirmed) != 1 || len(m.byAddr) != 1 {
		t.Fatalf("%d confirmed, %d routes; want 1 and 1", len(m.confirmed), len(m.byAddr))
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if len(m.confirmed) != 0 {
		t.Fatalf("%d confirmed addresses after their agent closed, want 0", len(m.confirmed))
	}
}

// TestMuxConfirmedAddressMovesOnAnsweredCheck: with full ICE agents, an
// agent's answer to a check "from" an address another agent confirmed
// does not take it (whoever can spoof that source can make the agent
// answer there); the address moves only when a Binding success response
// from it carries the transaction ID of a Binding request the new agent
// sent there, which only the party there can have seen. That response
// reaches the agent that sent the request, even while the address is
// another's; one with another transaction ID, or with the right one from
// another address, moves nothing.
func TestMuxConfirmedAddressMovesOnAnsweredCheck(t *testing.T) {
	s := newConfirmedSetup(t, false)
	m, a, b := s.m, s.a, s.b
	s.from(t, stunRequest("b:x")) // a (spoofed) check for b, from a's address
	s.expect(t, b, string(stunRequest("b:x")))
	s.write(t, b, stunSuccess("b's answer..")) // b answers it
	s.from(t, []byte("media 2"))
	s.expect(t, a, "media 2")
	if owner, _ := s.route(); owner != a || m.moved.Load() != 0 {
		t.Fatalf("after b's answer the address routes to a: %v, %d moves; want a, 0 moves", owner == a, m.moved.Load())
	}

	// b's own check to the client: "transaction!" is its ID.
	s.write(t, b, stunRequest("x:b"))
	s.from(t, stunSuccess("other txid..")) // an answer to nobody's check
	s.from(t, []byte("media 3"))
	s.expect(t, a, string(stunSuccess("other txid..")))
	s.expect(t, a, "media 3")
	elsewhere := peerSocket(t) // the right ID from another address
	if _, err := elsewhere.WriteToUDPAddrPort(stunSuccess("transaction!"), m.local.AddrPort()); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, 5*time.Second, "the answer from elsewhere unrouted", func() bool { return m.unrouted.Load() == 1 })
	if owner, _ := s.route(); owner != a || m.moved.Load() != 0 {
		t.Fatalf("after answers to unknown checks the address routes to a: %v, %d moves; want a, 0 moves", owner == a, m.moved.Load())
	}

	// An error response to b's check (a role conflict, say) is b's to
	// read, and moves nothing.
	s.from(t, stunError("transaction!"))
	s.expect(t, b, string(stunError("transaction!")))
	if owner, _ := s.route(); owner != a || m.moved.Load() != 0 {
		t.Fatalf("after an error answer to b's check the address routes to a: %v, %d moves; want a, 0 moves", owner == a, m.moved.Load())
	}

	s.from(t, stunSuccess("transaction!")) // the client answers b's check
	s.expect(t, b, string(stunSuccess("transaction!")))
	s.from(t, []byte("media 4"))
	s.expect(t, b, "media 4")
	if owner, confirmed := s.route(); owner != b || !confirmed || m.moved.Load() != 1 {
		t.Fatalf("after the client answered b's check: routes to b %v, confirmed %v, %d moves; want b, confirmed, 1 move",
			owner == b, confirmed, m.moved.Load())
	}
	// a's checks, media and answers do not take it back.
	s.write(t, a, withTxID(stunRequest("x:a"), "a's check..."))
	s.write(t, a, []byte("media"))
	s.write(t, a, stunSuccess("a's answer.."))
	s.from(t, []byte("media 5"))
	s.expect(t, b, "media 5")
	if m.moved.Load() != 1 {
		t.Fatalf("%d moves, want 1", m.moved.Load())
	}
	if a.n != 0 {
		t.Fatalf("a has %d packets queued, want none", a.n)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if len(m.confirmed) != 0 || len(m.checks) != 1 {
		t.Fatalf("after b closed: %d confirmed addresses, %d checks; want 0 and a's one", len(m.confirmed), len(m.checks))
	}
}

// TestMuxAnswerConfirmsFreeAddress: with full ICE agents an agent's answer
// still confirms an address nobody has, or one it or another has
// unconfirmed (a client's first PeerConnection, checks crossing).
func TestMuxAnswerConfirmsFreeAddress(t *testing.T) {
	m := newTestMux(t)
	a, b := getConn(t, m, "a"), getConn(t, m, "b")
	free, mine, theirs := peerSocket(t), peerSocket(t), peerSocket(t)
	if _, err := a.WriteToAddrPort([]byte("check"), addrOf(mine)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WriteToAddrPort([]byte("check"), addrOf(theirs)); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*net.UDPConn{free, mine, theirs} {
		if _, err := a.WriteToAddrPort(stunSuccess("a's answer.."), addrOf(u)); err != nil {
			t.Fatal(err)
		}
		m.mu.Lock()
		owner, confirmed := m.byAddr[addrOf(u)], m.confirmed[addrOf(u)]
		m.mu.Unlock()
		if owner != a || !confirmed {
			t.Fatalf("after a answered %v: routed to a %v, confirmed %v", addrOf(u), owner == a, confirmed)
		}
	}
	if n := m.moved.Load(); n != 1 {
		t.Fatalf("%d moves, want 1 (the address b had)", n)
	}
}

// TestMuxChecksBounded: a connection remembers its last txRing checks,
// however many its agent sends; an answer to an older one is routed by
// address only and moves nothing; a closed connection's are forgotten.
func TestMuxChecksBounded(t *testing.T) {
	s := newConfirmedSetup(t, false)
	m, b := s.m, s.b
	check := func(i int) []byte { return withTxID(stunRequest("x:b"), fmt.Sprintf("check %6d", i)) }
	const extra = 5
	for i := range txRing + extra {
		s.write(t, b, check(i))
		s.write(t, b, check(i)) // sent again: the same one
	}
	m.mu.Lock()
	n := len(m.checks)
	m.mu.Unlock()
	if n != txRing {
		t.Fatalf("%d checks remembered after %d sent, want %d", n, txRing+extra, txRing)
	}
	old := stunSuccess(string(check(extra - 1)[8:stunHeader]))
	s.from(t, old)
	s.expect(t, s.a, string(old))
	if owner, _ := s.route(); owner != s.a {
		t.Fatal("an answer to a forgotten check moved the address")
	}
	recent := stunSuccess(string(check(extra)[8:stunHeader]))
	s.from(t, recent)
	s.expect(t, b, string(recent))
	if owner, _ := s.route(); owner != b {
		t.Fatal("an answer to a remembered check did not move the address")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if len(m.checks) != 0 {
		t.Fatalf("%d checks remembered after their connection closed, want 0", len(m.checks))
	}
}
