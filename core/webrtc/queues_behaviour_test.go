package webrtc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/transport/v5/packetio"
)

// TestPacketPoolSizes checks that a packet gets the smallest pooled
// buffer that holds it, or one of its own past the largest.
func TestPacketPoolSizes(t *testing.T) {
	p := newPacketPools()
	for _, tc := range []struct{ n, want int }{
		{0, 256}, {1, 256}, {256, 256}, {257, 512}, {1000, 1024}, {1200, 1280}, {1460, 1500}, {1500, 1500}, {1501, 1501}, {9000, 9000},
	} {
		b := p.get(tc.n)
		if cap(*b) != tc.want || len(*b) < tc.n {
			t.Errorf("get(%d): len %d cap %d, want cap %d", tc.n, len(*b), cap(*b), tc.want)
		}
		p.put(b)
	}
}

// TestReceiveQueueOrder queues more packets than the ring starts with,
// reads them back in order with their attributes, and checks that the
// drained queue holds no packet buffer and a ring cut back to keptSlots.
func TestReceiveQueueOrder(t *testing.T) {
	for _, n := range []int{1, firstSlots, keptSlots + 1, 200} {
		q, ok := newPacketPools().newQueue(packetio.RTPBufferPacket, 1).(*receiveQueue)
		if !ok {
			t.Fatal("factory returned no *receiveQueue")
		}
		for i := range n {
			pkt := make([]byte, 100+i)
			pkt[0] = byte(i)
			if _, err := q.WriteWithAttributes(pkt, packetio.Attributes{{Key: "i", Value: i}}); err != nil {
				t.Fatalf("n=%d: write %d: %v", n, i, err)
			}
		}
		buf := make([]byte, 1500)
		var attrs packetio.Attributes
		for i := range n {
			m, a, err := q.ReadWithAttributes(buf, attrs)
			attrs = a
			if err != nil || m != 100+i || buf[0] != byte(i) || a.Get("i") != i {
				t.Fatalf("n=%d: read %d = %d bytes, first %d, attrs %v, %v", n, i, m, buf[0], a, err)
			}
		}
		if q.count != 0 || q.size != 0 {
			t.Errorf("n=%d: drained queue counts %d packets, %d bytes", n, q.count, q.size)
		}
		if len(q.ring) > keptSlots {
			t.Errorf("n=%d: drained ring has %d slots, want at most %d", n, len(q.ring), keptSlots)
		}
		for i, s := range q.ring {
			if s.buf != nil {
				t.Fatalf("n=%d: slot %d still holds a buffer", n, i)
			}
		}
	}
}

// TestReceiveQueueReads covers the read outcomes other than a packet: a
// short buffer, an expired deadline, a deadline or a close that ends a
// waiting read, and the writes after a close.
func TestReceiveQueueReads(t *testing.T) {
	newQ := func() *receiveQueue {
		return newPacketPools().newQueue(packetio.RTPBufferPacket, 1).(*receiveQueue) //nolint:forcetypeassert // the factory's type
	}
	t.Run("short buffer", func(t *testing.T) {
		q := newQ()
		_, _ = q.Write([]byte{1, 2, 3, 4})
		_, _ = q.Write([]byte{5})
		buf := make([]byte, 2)
		if n, err := q.Read(buf); n != 2 || !errors.Is(err, io.ErrShortBuffer) || buf[1] != 2 {
			t.Errorf("short read = %d %v %v, want 2 bytes and io.ErrShortBuffer", n, buf, err)
		}
		if n, err := q.Read(buf); n != 1 || err != nil || buf[0] != 5 {
			t.Errorf("next read = %d %v %v, want the next packet", n, buf[:n], err)
		}
	})
	t.Run("expired deadline", func(t *testing.T) {
		q := newQ()
		_, _ = q.Write([]byte{1})
		_ = q.SetReadDeadline(time.Now().Add(-time.Second))
		n, err := q.Read(make([]byte, 10))
		var ne net.Error
		if n != 0 || !errors.Is(err, packetio.ErrTimeout) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("read past the deadline = %d, %v; want a timeout", n, err)
		}
		_ = q.SetReadDeadline(time.Time{})
		if n, err := q.Read(make([]byte, 10)); n != 1 || err != nil {
			t.Errorf("read without deadline = %d, %v; want the queued packet", n, err)
		}
	})
	for _, tc := range []struct {
		name string
		end  func(q *receiveQueue)
		want error
	}{
		{"deadline ends a waiting read", func(q *receiveQueue) { _ = q.SetReadDeadline(time.Now()) }, packetio.ErrTimeout},
		{"close ends a waiting read", func(q *receiveQueue) { _ = q.Close() }, io.EOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := newQ()
			done := make(chan error)
			go func() {
				_, err := q.Read(make([]byte, 10))
				done <- err
			}()
			tc.end(q) // before or after the read starts waiting: same result
			if err := <-done; !errors.Is(err, tc.want) {
				t.Errorf("read = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("close", func(t *testing.T) {
		q := newQ()
		_, _ = q.Write([]byte{7})
		_ = q.Close()
		if _, err := q.Write([]byte{8}); !errors.Is(err, io.ErrClosedPipe) {
			t.Errorf("write after close = %v, want io.ErrClosedPipe", err)
		}
		buf := make([]byte, 10)
		if n, err := q.Read(buf); n != 1 || err != nil || buf[0] != 7 {
			t.Errorf("read after close = %d %v, want the queued packet", n, err)
		}
		if _, err := q.Read(buf); !errors.Is(err, io.EOF) {
			t.Errorf("read of a drained closed queue = %v, want io.EOF", err)
		}
	})
	t.Run("packet too big", func(t *testing.T) {
		if _, err := newQ().Write(make([]byte, 0x10000)); !errors.Is(err, errPacketTooBig) {
			t.Errorf("write of 64 KiB = %v, want errPacketTooBig", err)
		}
	})
}

// TestReceiveQueueConcurrent passes packets from a writer to a reader
// (run with -race): every packet the queue accepted arrives, in order.
func TestReceiveQueueConcurrent(t *testing.T) {
	q := newPacketPools().newQueue(packetio.RTPBufferPacket, 1)
	const n = 20000
	var wg sync.WaitGroup
	var accepted []uint16
	wg.Go(func() {
		pkt := make([]byte, 1200)
		for i := range n {
			pkt[0], pkt[1] = byte(i>>8), byte(i)
			if _, err := q.Write(pkt); err == nil {
				accepted = append(accepted, uint16(i))
			} else if !errors.Is(err, packetio.ErrFull) {
				t.Error(err)
				return
			}
		}
		_ = q.Close()
	})
	var got []uint16
	buf := make([]byte, 1500)
	for {
		m, err := q.Read(buf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || m != 1200 {
			t.Fatalf("read = %d, %v", m, err)
		}
		got = append(got, uint16(buf[0])<<8|uint16(buf[1]))
	}
	wg.Wait()
	if len(got) != len(accepted) {
		t.Fatalf("read %d packets, %d accepted", len(got), len(accepted))
	}
	for i := range got {
		if got[i] != accepted[i] {
			t.Fatalf("packet %d is %d, want %d", i, got[i], accepted[i])
		}
	}
}

// BenchmarkReceiveQueue writes and reads packets of a video stream's size
// through Argus's queue and through packetio.Buffer (what pion uses
// without a factory), in bursts of burst packets: the per-packet cost
// and allocations of each.
func BenchmarkReceiveQueue(b *testing.B) {
	type queue interface {
		WriteWithAttributes([]byte, packetio.Attributes) (int, error)
		ReadWithAttributes([]byte, packetio.Attributes) (int, packetio.Attributes, error)
	}
	for _, tc := range []struct {
		name string
		make func() queue
	}{
		{"argus", func() queue {
			return newPacketPools().newQueue(packetio.RTPBufferPacket, 1).(queue) //nolint:forcetypeassert // it is one
		}},
		{"packetio", func() queue {
			buf := packetio.NewBuffer()
			buf.SetLimitSize(rtpQueueBytes)
			return pionQueue{buf}
		}},
	} {
		for _, burst := range []int{1, 40} {
			b.Run(fmt.Sprintf("%s/burst=%d", tc.name, burst), func(b *testing.B) {
				q := tc.make()
				pkt := make([]byte, 1200)
				buf := make([]byte, 1500)
				attrs := packetio.Attributes{{Key: "k", Value: 1}}
				var out packetio.Attributes
				b.ReportAllocs()
				b.SetBytes(int64(len(pkt)))
				for i := 0; b.Loop(); i++ {
					if _, err := q.WriteWithAttributes(pkt, attrs); err != nil {
						b.Fatal(err)
					}
					if i%burst == burst-1 {
						for range burst {
							if _, out, _ = q.ReadWithAttributes(buf, out); len(out) != 1 {
								b.Fatal("attributes lost")
							}
						}
					}
				}
			})
		}
	}
}

// pionQueue gives packetio.Buffer the attribute methods' names.
type pionQueue struct{ *packetio.Buffer }

func (q pionQueue) WriteWithAttributes(p []byte, attrs packetio.Attributes) (int, error) {
	return q.Write(p, attrs)
}

func (q pionQueue) ReadWithAttributes(p []byte, attrs packetio.Attributes) (int, packetio.Attributes, error) {
	return q.Read(p, attrs)
}
