package batchconn

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/argusrtc/argus/internal/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// listen opens a loopback UDP socket closed with the test.
func listen(t *testing.T) *net.UDPConn { return testkit.LoopbackUDP(t) }

// newConn wraps a fresh loopback socket.
func newConn(t *testing.T, o Options) *Conn {
	t.Helper()
	c, err := New(listen(t), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func addrOf(u interface{ LocalAddr() net.Addr }) netip.AddrPort {
	return u.LocalAddr().(*net.UDPAddr).AddrPort()
}

// readSeqs reads n packets carrying a sequence number from u.
func readSeqs(t *testing.T, u *net.UDPConn, n int) []uint32 {
	t.Helper()
	_ = u.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	got := make([]uint32, 0, n)
	for range n {
		k, err := u.Read(buf)
		if err != nil {
			t.Fatalf("after %d packets: %v", len(got), err)
		}
		got = append(got, binary.BigEndian.Uint32(buf[:k]))
	}
	return got
}

func TestWriteKeepsOrderAcrossBatches(t *testing.T) {
	for _, tc := range []struct {
		name    string
		batch   int
		packets int
	}{
		{"one packet", 8, 1},
		{"exactly one batch", 8, 8},
		{"several batches and a tail", 8, 83},
		{"ring wraps", 4, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConn(t, Options{Batch: tc.batch, Queue: 64})
			sink := listen(t)
			_ = sink.SetReadBuffer(1 << 20)
			pkt := make([]byte, 100)
			for i := range tc.packets {
				binary.BigEndian.PutUint32(pkt, uint32(i))
				if _, err := c.WriteToAddrPort(pkt, addrOf(sink)); err != nil {
					t.Fatal(err)
				}
				pkt[0] = 0xff // the caller reuses its buffer: the queue kept a copy
			}
			got := readSeqs(t, sink, tc.packets)
			for i, seq := range got {
				if seq != uint32(i) {
					t.Fatalf("packet %d carries %d; order lost: %v", i, seq, got)
				}
			}
			// The counters move just after the system call returns.
			testkit.Until(t, 5*time.Second, "the counters", func() bool { return c.Stats().Sent == uint64(tc.packets) })
			if st := c.Stats(); st.Dropped != 0 || st.SendErrors != 0 {
				t.Fatalf("stats %+v, want %d sent and nothing lost", st, tc.packets)
			}
		})
	}
}

// fullSocket makes c's sends find the socket buffer full (as sendmmsg
// failing with EAGAIN) until the returned func is called.
func fullSocket(c *Conn) (release func()) {
	var free atomic.Bool
	real := c.send
	c.sendMu.Lock()
	c.send = func(head, n int) (int, bool) {
		if !free.Load() {
			return 0, true
		}
		return real(head, n)
	}
	c.sendMu.Unlock()
	return func() { free.Store(true) }
}

func TestFullBatchesShareASystemCall(t *testing.T) {
	c := newConn(t, Options{Batch: 16, Queue: 64})
	sink := listen(t)
	_ = sink.SetReadBuffer(1 << 20)
	// The queue fills while the socket is full; then every call carries
	// a whole batch.
	release := fullSocket(c)
	for i := range 48 {
		if _, err := c.WriteTo([]byte{0, 0, 0, byte(i)}, sink.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	release()
	got := readSeqs(t, sink, 48)
	if got[0] != 0 || got[47] != 47 {
		t.Fatalf("order lost: %v", got)
	}
	testkit.Until(t, 5*time.Second, "the counters", func() bool { return c.Stats().Sent == 48 })
	if st := c.Stats(); st.SendCalls != 3 {
		t.Fatalf("stats %+v, want 48 packets in 3 calls of 16", st)
	}
}

func TestIdleWriterIsFlushed(t *testing.T) {
	c := newConn(t, Options{Batch: 32})
	sink := listen(t)
	if _, err := c.WriteToAddrPort([]byte{0, 0, 0, 7}, addrOf(sink)); err != nil {
		t.Fatal(err)
	}
	// A lone packet must not wait for 31 others: the flusher sends it.
	_ = sink.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 64)
	n, err := sink.Read(buf)
	if err != nil || n != 4 || buf[3] != 7 {
		t.Fatalf("read %d bytes %v, err %v", n, buf[:n], err)
	}
}

func TestFullQueueDropsAndCounts(t *testing.T) {
	c := newConn(t, Options{Batch: 4, Queue: 16})
	sink := listen(t)
	release := fullSocket(c)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20 {
			_, _ = c.WriteToAddrPort([]byte{0, 0, 0, byte(i)}, addrOf(sink))
		}
	}()
	select {
	case <-done: // the writer never blocked
	case <-time.After(5 * time.Second):
		t.Fatal("a writer blocked on a full socket")
	}
	if st := c.Stats(); st.Dropped != 4 || st.Sent != 0 {
		t.Fatalf("stats %+v, want 4 dropped (20 written into a queue of 16), none sent", st)
	}
	// The socket drains: the flusher retries and sends what was queued.
	release()
	got := readSeqs(t, sink, 16)
	if got[0] != 0 || got[15] != 15 {
		t.Fatalf("sent %v, want the first 16 packets", got)
	}
}

func TestCloseStopsFlusherAndIO(t *testing.T) {
	c, err := New(listen(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error, 1)
	go func() {
		_, _, err := c.ReadFromAddrPort(make([]byte, 10))
		readErr <- err
	}()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.exited:
	default:
		t.Fatal("Close returned before the flusher exited")
	}
	if err := <-readErr; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("blocked read ended with %v, want net.ErrClosed", err)
	}
	if _, err := c.WriteToAddrPort([]byte{1}, netip.MustParseAddrPort("127.0.0.1:9")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestReadsReturnEachPacketWithItsSource(t *testing.T) {
	c := newConn(t, Options{Batch: 8})
	senders := []*net.UDPConn{listen(t), listen(t), listen(t)}
	const each = 5
	want := map[string]netip.AddrPort{}
	for s, u := range senders {
		for i := range each {
			p := []byte{byte(s), byte(i), 0xaa}
			want[string(p)] = addrOf(u)
			if _, err := u.WriteTo(p, c.LocalAddr()); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	for range len(senders) * each {
		n, from, err := c.ReadFromAddrPort(buf)
		if err != nil {
			t.Fatal(err)
		}
		src, ok := want[string(buf[:n])]
		if !ok {
			t.Fatalf("unexpected packet %v", buf[:n])
		}
		if from != src {
			t.Fatalf("packet %v from %v, want %v", buf[:n], from, src)
		}
		delete(want, string(buf[:n]))
	}
	if len(want) != 0 {
		t.Fatalf("missing %d packets", len(want))
	}
	// 15 packets waiting in the socket: batches of 8, not 15 calls.
	if st := c.Stats(); st.Received != 15 || st.ReceiveCall > 3 {
		t.Fatalf("stats %+v, want 15 packets in at most 3 reads", st)
	}
	// Deadlines still reach the socket, as pion's mux expects.
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	var ne net.Error
	if _, _, err := c.ReadFrom(buf); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
}

func TestShortReadBufferTruncates(t *testing.T) {
	c := newConn(t, Options{})
	u := listen(t)
	if _, err := u.WriteTo([]byte("0123456789"), c.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	n, _, err := c.ReadFrom(buf)
	if err != nil || n != 4 || string(buf) != "0123" {
		t.Fatalf("read %d %q %v", n, buf[:n], err)
	}
}

func TestNoAllocationPerPacket(t *testing.T) {
	c := newConn(t, Options{Batch: 8})
	peer := newConn(t, Options{Batch: 8})
	pkt := make([]byte, 200)
	buf := make([]byte, 1500)
	to := addrOf(peer)
	_ = peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	// A queue slot allocates its copy buffer on first use.
	for range 2 * DefaultBatch {
		_, _ = c.WriteToAddrPort(pkt, to)
		_, _, _ = peer.ReadFromAddrPort(buf)
	}
	allocs := testing.AllocsPerRun(500, func() {
		if _, err := c.WriteToAddrPort(pkt, to); err != nil {
			t.Fatal(err)
		}
		if _, _, err := peer.ReadFromAddrPort(buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per packet written and read, want 0", allocs)
	}
}

func TestIPv6Socket(t *testing.T) {
	u, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skip("no IPv6 loopback on this machine:", err)
	}
	c, err := New(u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	sink, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sink.Close() }()
	if _, err := c.WriteTo([]byte{0, 0, 0, 9}, sink.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	_ = sink.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 8)
	n, from, err := sink.ReadFromUDPAddrPort(buf)
	if err != nil || n != 4 || from != addrOf(c) {
		t.Fatalf("read %d from %v (want %v): %v", n, from, addrOf(c), err)
	}
	if _, err := sink.WriteToUDPAddrPort([]byte{1, 2}, addrOf(c)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	n, from, err = c.ReadFromAddrPort(buf)
	if err != nil || n != 2 || from != addrOf(sink) {
		t.Fatalf("read %d from %v (want %v): %v", n, from, addrOf(sink), err)
	}
}

// BenchmarkWrite compares a packet per sendto with the batched Conn, both
// sending bursts of 64 packets to 64 destinations in turn, as a fan-out
// does; the batched case waits for each burst to leave the queue, so the
// flusher's work is in the time.
func BenchmarkWrite(b *testing.B) {
	const burst = 64
	dsts := make([]netip.AddrPort, burst)
	for i := range dsts {
		dsts[i] = addrOf(testkit.LoopbackUDP(b))
	}
	pkt := make([]byte, 1100)
	b.Run("sendto", func(b *testing.B) {
		u := testkit.LoopbackUDP(b)
		for b.Loop() {
			for _, d := range dsts {
				_, _ = u.WriteToUDPAddrPort(pkt, d)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*burst), "ns/pkt")
	})
	b.Run("batched", func(b *testing.B) {
		c, err := New(testkit.LoopbackUDP(b), Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		for b.Loop() {
			for _, d := range dsts {
				_, _ = c.WriteToAddrPort(pkt, d)
			}
			for c.queued() > 0 {
				runtime.Gosched()
			}
		}
		st := c.Stats()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*burst), "ns/pkt")
		b.ReportMetric(float64(st.Sent)/float64(max(st.SendCalls, 1)), "pkts/call")
		b.ReportMetric(float64(st.Dropped), "dropped")
	})
}

func (c *Conn) queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// heldBuffers counts the send ring's slots that hold a packet buffer.
func (c *Conn) heldBuffers() (slots int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.ring {
		if s.buf != nil {
			slots++
		}
	}
	return slots
}

// TestSendRingMemoryFollowsBacklog: packets written one at a time, each
// sent before the next, leave one slot buffer in the ring, not one per
// slot of the queue.
func TestSendRingMemoryFollowsBacklog(t *testing.T) {
	c := newConn(t, Options{})
	peer := listen(t)
	pkt := make([]byte, 1200)
	for range 1000 {
		if _, err := c.WriteToAddrPort(pkt, addrOf(peer)); err != nil {
			t.Fatal(err)
		}
		readSeqs(t, peer, 1)
		testkit.Until(t, 5*time.Second, "the send queue empty", func() bool { return c.queued() == 0 })
	}
	if slots := c.heldBuffers(); slots != 1 {
		t.Fatalf("%d send slots hold a buffer after 1000 packets sent one at a time, want 1", slots)
	}
}

// TestWriteRefusesWhatTheSocketCannotSend: an invalid destination, or an
// IPv6 one on an IPv4 socket, is an error for the writer, never a panic in
// the flusher that sends for everyone.
func TestWriteRefusesWhatTheSocketCannotSend(t *testing.T) {
	c, err := New(testkit.LoopbackUDP(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	for _, to := range []netip.AddrPort{{}, netip.MustParseAddrPort("[2001:db8::1]:5000")} {
		if _, err := c.WriteToAddrPort([]byte("x"), to); !errors.Is(err, errBadAddress) {
			t.Errorf("write to %v: %v, want errBadAddress", to, err)
		}
	}
	// An IPv4-mapped destination is IPv4.
	peer := testkit.LoopbackUDP(t)
	mapped := netip.AddrPortFrom(netip.AddrFrom16(netip.MustParseAddr("127.0.0.1").As16()), uint16(peer.LocalAddr().(*net.UDPAddr).Port))
	if _, err := c.WriteToAddrPort([]byte("mapped"), mapped); err != nil {
		t.Fatal(err)
	}
	_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 16)
	if n, _, err := peer.ReadFrom(buf); err != nil || string(buf[:n]) != "mapped" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
}
