package slownet

import (
	"encoding/binary"
	"errors"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/pion/transport/v5/stdnet"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newNet(t *testing.T, up, down Link) *Net {
	t.Helper()
	inner, err := stdnet.NewNet()
	if err != nil {
		t.Fatal(err)
	}
	return New(inner, up, down)
}

// pairUDP opens a slowed socket of n and a plain loopback socket.
func pairUDP(t *testing.T, n *Net) (slow net.PacketConn, plain *net.UDPConn) {
	t.Helper()
	slow, err := n.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = slow.Close() })
	plain, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = plain.Close() })
	return slow, plain
}

// arrival is one packet as received: its index and its one-way delay.
type arrival struct {
	i     int
	delay time.Duration
}

// stamp writes index i and the send time into a 64-byte packet.
func stamp(i int) []byte {
	b := make([]byte, 64)
	binary.BigEndian.PutUint32(b, uint32(i))
	binary.BigEndian.PutUint64(b[4:], uint64(time.Now().UnixNano()))
	return b
}

// receive reads want packets (or until 10 s pass) and returns them in
// arrival order.
func receive(t *testing.T, c net.PacketConn, want int) []arrival {
	t.Helper()
	var out []arrival
	buf := make([]byte, 1500)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for len(out) < want {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			break
		}
		if n < 12 {
			t.Fatalf("short packet of %d bytes", n)
		}
		sent := time.Unix(0, int64(binary.BigEndian.Uint64(buf[4:])))
		out = append(out, arrival{int(binary.BigEndian.Uint32(buf)), time.Since(sent)})
	}
	return out
}

// delivered waits (10 s at most) until the link counted n packets
// delivered: it counts a packet after handing it on.
func delivered(st *Stats, n int64) bool {
	for deadline := time.Now().Add(10 * time.Second); st.Delivered.Load() < n && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	return st.Delivered.Load() == n
}

// TestDelayAndJitter sends 100 stamped packets each way and reads the
// delay and the order they arrived in.
func TestDelayAndJitter(t *testing.T) {
	for _, tc := range []struct {
		name         string
		link         Link
		minDelay     time.Duration // nothing may arrive sooner
		wantReorders bool
	}{
		{"delay only", Link{Delay: 40 * time.Millisecond}, 40 * time.Millisecond, false},
		{"delay and jitter", Link{Delay: 60 * time.Millisecond, Jitter: 30 * time.Millisecond, Seed: 1}, 30 * time.Millisecond, true},
	} {
		for _, dir := range []string{"up", "down"} {
			t.Run(tc.name+" "+dir, func(t *testing.T) {
				n := newNet(t, tc.link, tc.link)
				slow, plain := pairUDP(t, n)
				from, to, st := slow, net.PacketConn(plain), &n.Up
				dst := plain.LocalAddr()
				if dir == "down" {
					from, to, st, dst = plain, slow, &n.Down, slow.LocalAddr()
				}
				const count = 100
				for i := range count {
					if _, err := from.WriteTo(stamp(i), dst); err != nil {
						t.Fatal(err)
					}
					time.Sleep(time.Millisecond)
				}
				got := receive(t, to, count)
				if len(got) != count {
					t.Fatalf("%d of %d packets arrived", len(got), count)
				}
				reorders := 0
				lo, hi := got[0].delay, got[0].delay
				for k, a := range got {
					if a.delay < tc.minDelay {
						t.Errorf("packet %d arrived after %v, before the link's %v", a.i, a.delay, tc.minDelay)
					}
					lo, hi = min(lo, a.delay), max(hi, a.delay)
					if k > 0 && a.i < got[k-1].i {
						reorders++
					}
				}
				if (reorders > 0) != tc.wantReorders {
					t.Errorf("%d packets overtaken, want reordering %v (delays %v to %v)", reorders, tc.wantReorders, lo, hi)
				}
				if tc.link.Jitter > 0 && hi-lo < tc.link.Jitter {
					t.Errorf("delays spread over %v (%v to %v), want at least the jitter %v", hi-lo, lo, hi, tc.link.Jitter)
				}
				if st.Packets.Load() != count || !delivered(st, count) || st.Dropped.Load() != 0 {
					t.Errorf("stats %d handed, %d delivered, %d dropped; want %d, %d, 0",
						st.Packets.Load(), st.Delivered.Load(), st.Dropped.Load(), count, count)
				}
				if time.Duration(st.MaxDelay.Load()) < tc.minDelay {
					t.Errorf("MaxDelay %v below %v", time.Duration(st.MaxDelay.Load()), tc.minDelay)
				}
			})
		}
	}
}

// TestRateAndTailDrop writes a burst into a 80 kbit/s link with a queue
// of 5000 bytes: 1000-byte packets leave one per 100 ms, and what does
// not fit in the queue is dropped.
func TestRateAndTailDrop(t *testing.T) {
	link := Link{Rate: 80_000, Queue: 5000}
	n := newNet(t, link, Link{})
	slow, plain := pairUDP(t, n)
	const burst = 40
	for i := range burst {
		b := make([]byte, 1000)
		copy(b, stamp(i))
		if _, err := slow.WriteTo(b, plain.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	// The queue holds 5000 bytes, the packet on the wire included: 5
	// packets, then one more per 100 ms. A writer slowed by load lets a few
	// more in, never most.
	st := &n.Up
	if d := st.Dropped.Load(); d < burst/2 || d > burst-5 {
		t.Fatalf("%d of %d dropped, want from %d to %d", d, burst, burst/2, burst-5)
	}
	kept := int(burst - st.Dropped.Load())
	got := receive(t, plain, kept)
	if len(got) != kept || !delivered(st, int64(kept)) {
		t.Fatalf("%d packets arrived, %d delivered, want %d", len(got), st.Delivered.Load(), kept)
	}
	// Serialisation: the last of them waited for the kept-1 before it.
	if last, want := got[len(got)-1].delay, time.Duration(kept-1)*90*time.Millisecond; last < want {
		t.Errorf("last packet after %v, want at least %v at 80 kbit/s", last, want)
	}
	for k := 1; k < len(got); k++ {
		if got[k].i < got[k-1].i {
			t.Errorf("packet %d overtook %d without jitter", got[k].i, got[k-1].i)
		}
	}
}

// TestBounds fills the packets in flight and a socket's receive buffer:
// what does not fit is dropped and counted, nothing grows.
func TestBounds(t *testing.T) {
	n := newNet(t, Link{Delay: time.Hour}, Link{})
	slow, _ := pairUDP(t, n)
	c := slow.(*conn) //nolint:forcetypeassert // ListenPacket returns *conn
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}
	for range MaxInFlight + 10 {
		if _, err := c.WriteTo([]byte{1}, to); err != nil {
			t.Fatal(err)
		}
	}
	if d := n.Up.Dropped.Load(); d != 10 {
		t.Errorf("%d dropped past %d packets in flight, want 10", d, MaxInFlight)
	}
	// The down line delivers into a receive buffer nobody reads.
	from := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 7}
	for range RecvBuffer + 20 {
		c.down.push(time.Now(), []byte{2}, from)
	}
	deadline := time.Now().Add(10 * time.Second)
	for n.Down.Delivered.Load()+n.Down.Dropped.Load() < RecvBuffer+20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n.Down.Delivered.Load() != RecvBuffer || n.Down.Dropped.Load() != 20 {
		t.Errorf("receive buffer: %d delivered, %d dropped; want %d and 20", n.Down.Delivered.Load(), n.Down.Dropped.Load(), RecvBuffer)
	}
}

// TestDeadlinesAndClose: a read deadline ends a blocked ReadFrom with a
// timeout, Close ends one with net.ErrClosed and stops the socket's three
// goroutines (TestMain checks that none is left).
func TestDeadlinesAndClose(t *testing.T) {
	n := newNet(t, Link{Delay: time.Hour}, Link{Delay: time.Hour})
	before := runtime.NumGoroutine()
	conns := make([]net.PacketConn, 8)
	for i := range conns {
		c, err := n.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	if grown := runtime.NumGoroutine() - before; grown > 3*len(conns) {
		t.Errorf("%d goroutines for %d sockets, want at most 3 each", grown, len(conns))
	}
	c := conns[0]
	if err := c.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	var ne net.Error
	if _, _, err := c.ReadFrom(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("read past the deadline: %v, want a timeout", err)
	}
	errc := make(chan error, 1)
	_ = c.SetReadDeadline(time.Time{})
	go func() {
		_, _, err := c.ReadFrom(make([]byte, 10))
		errc <- err
	}()
	_ = c.SetReadDeadline(time.Now()) // moved while blocked
	if err := <-errc; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("blocked read after SetReadDeadline(now): %v", err)
	}
	_ = c.SetReadDeadline(time.Time{})
	go func() {
		_, _, err := c.ReadFrom(make([]byte, 10))
		errc <- err
	}()
	for _, c := range conns {
		if _, err := c.WriteTo([]byte{1}, c.LocalAddr()); err != nil { // stays in flight for an hour
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Errorf("blocked read after Close: %v, want net.ErrClosed", err)
	}
	if _, err := c.WriteTo([]byte{1}, c.LocalAddr()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after Close: %v, want net.ErrClosed", err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v, want net.ErrClosed", err)
	}
}
