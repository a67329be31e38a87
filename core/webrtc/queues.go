package webrtc

import (
	"errors"
	"io"
	"sync"
	"time"

	"github.com/pion/transport/v5/deadline"
	"github.com/pion/transport/v5/packetio"
)

// Receive queue limits per incoming SSRC. pion queues every decrypted
// packet of an SSRC until the track's reader takes it; its own queue
// (packetio.Buffer) grows while the reader lags and never shrinks, up to
// 1 MB for RTP and 100 kB for RTCP. On a starved core that is what most of
// a PeerConnection's heap becomes: 1 MB is 3.3 s of the load tool's
// 2.4 Mbit/s video, packets far too old for a jitter buffer or a NACK to
// help with. A forwarding gateway needs to absorb a scheduling gap, not
// seconds of media, so Argus caps them:
//
//   - rtpQueueBytes: 256 KiB, 0.85 s of 2.4 Mbit/s video, 0.5 s of 4 Mbit/s,
//     a key frame burst many times over; a full queue drops the newest packet
//     (pion's behaviour at its own limit), which the NACK generator then
//     asks the sender for like any other loss.
//   - rtcpQueueBytes: 32 KiB, a few hundred receiver reports, NACKs and TWCC
//     feedback packets; the RTCP reader (FeedbackReader) drains it at once.
//
// The limits count the memory a queued packet holds: its pooled buffer
// and its slot (packetCost), so that no stream of packets, however small,
// makes a queue hold more than its limit. packetio.Buffer counts payload
// plus 2 bytes a packet, so at video sizes (a 1 200-byte packet takes a
// 1 280-byte buffer) a queue holds about a tenth fewer packets than
// pion's did at the same limit.
const (
	rtpQueueBytes  = 256 * 1024
	rtcpQueueBytes = 32 * 1024
)

// Queue memory follows the backlog, not its high-water mark. A
// packetio.Buffer is one ring that doubles while packets wait and keeps
// its size for the PeerConnection's life: every scheduling gap, key frame
// or GC pause that once held up a reader leaves its largest backlog
// allocated: 3.2 MB at EchoTest 40, 40 KiB per received stream, of the
// 7.5 MB that waited in pion's and Argus's queues at the RSS peak
// (docs/BENCHMARKS.md, Round 6 — memory). Here a
// queued packet sits in a buffer taken from pools the Engine's queues
// share and given back when the packet is read, so the queues together
// hold what is waiting across all of them at the moment (a burst of one
// PeerConnection reuses another's buffers), and the pool's spare buffers
// go back to the heap at the next GCs. Per packet that is a pool Get and
// Put in place of the ring's bookkeeping: still one copy in and one out,
// one lock, no allocation once the pools are warm.
// packetSizes are the pooled buffer sizes: a packet takes the smallest
// that holds it (RTCP and audio in the first, video in the last three);
// a larger packet gets a buffer of its own. What a buffer leaves unused
// counts against the queue's limit (packetCost).
var packetSizes = [...]int{256, 512, 1024, 1280, 1500} //nolint:gochecknoglobals // a constant table

const (
	// A queue's slot ring (40 bytes a packet) starts at firstSlots and
	// doubles with the backlog; once drained, a ring grown past keptSlots
	// is cut back to keptSlots, which absorbs a normal stream's bursts
	// without reallocating.
	firstSlots = 16
	keptSlots  = 64
	// slotBytes is what a queued packet costs besides its buffer: its
	// slot in the ring.
	slotBytes = 40
)

// packetCost is what a queued packet in buf counts against the limit.
func packetCost(buf *[]byte) int { return cap(*buf) + slotBytes }

// packetPools are the packet buffers the Engine's receive queues share,
// one pool per size of packetSizes.
type packetPools struct {
	pools [len(packetSizes)]sync.Pool
}

func newPacketPools() *packetPools {
	p := &packetPools{}
	for i, size := range packetSizes {
		p.pools[i].New = func() any { b := make([]byte, size); return &b }
	}
	return p
}

// get returns a buffer of at least n bytes.
func (p *packetPools) get(n int) *[]byte {
	for i, size := range packetSizes {
		if n <= size {
			return p.pools[i].Get().(*[]byte) //nolint:forcetypeassert // New makes only *[]byte
		}
	}
	b := make([]byte, n)
	return &b
}

// put gives back a buffer from get; one of no pool's size is dropped.
func (p *packetPools) put(b *[]byte) {
	for i, size := range packetSizes {
		if cap(*b) == size {
			p.pools[i].Put(b)
			return
		}
	}
}

// newQueue is the SettingEngine's BufferFactory. Setting a factory also
// changes one pion default: an RTX repair stream's reader starts when the
// track is first read rather than at once; every Argus plugin reads the
// tracks it receives.
func (p *packetPools) newQueue(kind packetio.BufferPacketType, _ uint32) io.ReadWriteCloser {
	limit := rtpQueueBytes
	if kind == packetio.RTCPBufferPacket {
		limit = rtcpQueueBytes
	}
	return &receiveQueue{
		pools:    p,
		limit:    limit,
		notify:   make(chan struct{}, 1),
		done:     make(chan struct{}),
		deadline: deadline.New(),
	}
}

// queuedPacket is one slot of a receiveQueue.
type queuedPacket struct {
	buf   *[]byte
	n     int
	attrs packetio.Attributes
}

// receiveQueue is what SRTP expects of a factory's buffer: io.ReadWriteCloser
// plus the attribute-carrying read and write it uses when present (packet
// attributes pass through as with pion's own buffer) and SetReadDeadline.
// It behaves as packetio.Buffer: a write past the limit fails with
// packetio.ErrFull and queues nothing; a read blocks until a packet, the
// deadline (an error that is a timeout and packetio.ErrTimeout) or the
// close; after Close writes fail with io.ErrClosedPipe and reads return
// what is queued, then io.EOF; a read into a short buffer consumes the
// packet and returns io.ErrShortBuffer.
type receiveQueue struct {
	pools    *packetPools
	limit    int
	notify   chan struct{} // one token: the reader may find a packet
	done     chan struct{} // closed by Close: every waiting reader wakes
	deadline *deadline.Deadline

	mu     sync.Mutex
	ring   []queuedPacket // nil until the first write
	head   int            // next slot to read
	count  int            // packets queued
	size   int            // packetCost of the packets queued
	closed bool
}

// timeoutError is a read deadline's error, as packetio.Buffer's: a net.Error
// that is a timeout and wraps packetio.ErrTimeout.
type timeoutError struct{}

func (timeoutError) Error() string   { return packetio.ErrTimeout.Error() }
func (timeoutError) Unwrap() error   { return packetio.ErrTimeout }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// errPacketTooBig: a packet no UDP datagram can carry.
var errPacketTooBig = errors.New("webrtc: receive queue: packet too big")

// Read reads one packet.
func (q *receiveQueue) Read(p []byte) (int, error) {
	n, _, err := q.ReadWithAttributes(p, nil)
	return n, err
}

// Write queues one packet.
func (q *receiveQueue) Write(p []byte) (int, error) { return q.WriteWithAttributes(p, nil) }

// WriteWithAttributes queues a copy of one packet and its attributes.
func (q *receiveQueue) WriteWithAttributes(p []byte, attrs packetio.Attributes) (int, error) {
	if len(p) >= 0x10000 {
		return 0, errPacketTooBig
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return 0, io.ErrClosedPipe
	}
	buf := q.pools.get(len(p))
	if q.size+packetCost(buf) > q.limit {
		q.pools.put(buf)
		return 0, packetio.ErrFull
	}
	if q.count == len(q.ring) {
		q.grow()
	}
	n := copy(*buf, p)
	i := q.head + q.count
	if i >= len(q.ring) {
		i -= len(q.ring)
	}
	s := &q.ring[i]
	s.buf, s.n = buf, n
	s.attrs = append(s.attrs[:0], attrs...)
	q.count++
	q.size += packetCost(buf)
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return n, nil
}

// grow doubles the slot ring (the first write makes it firstSlots long).
// Requires the lock.
func (q *receiveQueue) grow() {
	ring := make([]queuedPacket, max(firstSlots, 2*len(q.ring)))
	n := copy(ring, q.ring[q.head:])
	copy(ring[n:], q.ring[:q.head])
	q.ring, q.head = ring, 0
}

// ReadWithAttributes reads one packet into p and its attributes into
// attrs (replacing what attrs held).
func (q *receiveQueue) ReadWithAttributes(p []byte, attrs packetio.Attributes) (int, packetio.Attributes, error) {
	clear(attrs)
	select {
	case <-q.deadline.Done():
		return 0, nil, timeoutError{}
	default:
	}
	for {
		q.mu.Lock()
		if q.count > 0 {
			n, attrs, err := q.pop(p, attrs)
			q.mu.Unlock()
			return n, attrs, err
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return 0, nil, io.EOF
		}
		select {
		case <-q.deadline.Done():
			return 0, nil, timeoutError{}
		case <-q.notify:
		case <-q.done:
		}
	}
}

// pop takes the oldest packet. Requires the lock and a packet.
func (q *receiveQueue) pop(p []byte, attrs packetio.Attributes) (int, packetio.Attributes, error) {
	s := &q.ring[q.head]
	n := copy(p, (*s.buf)[:s.n])
	short := n < s.n
	q.size -= packetCost(s.buf)
	q.pools.put(s.buf)
	s.buf = nil
	attrs = append(attrs[:0], s.attrs...)
	clear(s.attrs)
	s.attrs = s.attrs[:0]
	q.count--
	q.head++
	if q.head == len(q.ring) {
		q.head = 0
	}
	if q.count == 0 {
		q.head = 0
		if len(q.ring) > keptSlots {
			q.ring = make([]queuedPacket, keptSlots)
		}
	} else {
		select { // more waiting: the next read need not wait for a write
		case q.notify <- struct{}{}:
		default:
		}
	}
	if short {
		return n, attrs, io.ErrShortBuffer
	}
	return n, attrs, nil
}

// Close stops writes and wakes every waiting reader; queued packets stay
// readable.
func (q *receiveQueue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.done)
	}
	return nil
}

// SetReadDeadline bounds reads, including one waiting now; the zero time
// removes the bound.
func (q *receiveQueue) SetReadDeadline(t time.Time) error {
	q.deadline.Set(t)
	return nil
}
