package webrtc

import (
	"errors"
	"io"
	"sync"
	"time"

	"github.com/pion/transport/v5/packetio"
)

// Receive queue limits per incoming SSRC. pion queues every decrypted
// packet of an SSRC in a packetio.Buffer until the track's reader takes it;
// the buffer grows while the reader lags (doubling, then by a quarter) and
// never shrinks, up to 1 MB for RTP and 100 kB for RTCP. On a starved core
// that is what most of a PeerConnection's heap becomes: 1 MB is 3.3 s of the
// load tool's 2.4 Mbit/s video, packets far too old for a jitter buffer or a
// NACK to help with. A forwarding gateway needs to absorb a scheduling gap,
// not seconds of media, so Argus caps them:
//
//   - rtpQueueBytes: 256 KiB, 0.85 s of 2.4 Mbit/s video, 0.5 s of 4 Mbit/s,
//     a key frame burst many times over; a full queue drops the newest packet
//     (pion's behaviour at its own limit), which the NACK generator then
//     asks the sender for like any other loss.
//   - rtcpQueueBytes: 32 KiB, a few hundred receiver reports, NACKs and TWCC
//     feedback packets; the RTCP reader (FeedbackReader) drains it at once.
//
// A queue also gives its memory back: packetio.Buffer never shrinks, so one
// scheduling gap would leave every SSRC's queue at its high-water mark (up
// to the limit) for the rest of the call. When a read empties a queue whose
// backlog went past shrinkAbove since its buffer was made, the buffer is
// replaced by a fresh one (2 KiB, growing again only if packets wait).
// A reader that keeps up never queues that much, so the swap happens after
// a stall, not per packet.
const (
	rtpQueueBytes  = 256 * 1024
	rtcpQueueBytes = 32 * 1024
	shrinkAbove    = 16 * 1024
)

// newReceiveQueue is the SettingEngine's BufferFactory: pion's own buffer
// with Argus's limits. Setting a factory also changes one pion default:
// an RTX repair stream's reader starts when the track is first read rather
// than at once; every Argus plugin reads the tracks it receives.
func newReceiveQueue(kind packetio.BufferPacketType, _ uint32) io.ReadWriteCloser {
	q := &receiveQueue{limit: rtpQueueBytes}
	if kind == packetio.RTCPBufferPacket {
		q.limit = rtcpQueueBytes
	}
	q.buf = q.newBuffer()
	return q
}

// receiveQueue adapts packetio.Buffer to what SRTP expects of a factory's
// buffer: io.ReadWriteCloser plus the attribute-carrying read and write it
// uses when present (so packet attributes pass through as with pion's own
// buffer) and SetReadDeadline; and it replaces the buffer once drained
// after a backlog (see shrinkAbove).
type receiveQueue struct {
	limit int

	mu       sync.Mutex // guards the fields below; held across buf.Write, never across a blocking Read
	buf      *packetio.Buffer
	deadline time.Time
	closed   bool
	readers  int // reads in progress on buf
	packets  int // packets queued in buf (what Write added, Read took)
	backlog  int // bytes queued in buf, 0 when packets is 0
	peak     int // largest backlog since buf was made
}

// newBuffer makes an empty packetio.Buffer with the queue's limit and
// deadline; callers hold mu or own q alone.
func (q *receiveQueue) newBuffer() *packetio.Buffer {
	b := packetio.NewBuffer()
	b.SetLimitSize(q.limit)
	if !q.deadline.IsZero() {
		_ = b.SetReadDeadline(q.deadline)
	}
	return b
}

// Read reads one packet.
func (q *receiveQueue) Read(p []byte) (int, error) {
	n, _, err := q.ReadWithAttributes(p, nil)
	return n, err
}

// Write queues one packet.
func (q *receiveQueue) Write(p []byte) (int, error) { return q.WriteWithAttributes(p, nil) }

// ReadWithAttributes reads one packet and its attributes.
func (q *receiveQueue) ReadWithAttributes(p []byte, attrs packetio.Attributes) (int, packetio.Attributes, error) {
	q.mu.Lock()
	buf := q.buf
	q.readers++
	q.mu.Unlock()

	n, attrs, err := buf.Read(p, attrs)

	q.mu.Lock()
	defer q.mu.Unlock()
	q.readers--
	if buf != q.buf || (err != nil && !errors.Is(err, io.ErrShortBuffer)) {
		return n, attrs, err
	}
	if q.packets--; q.packets <= 0 {
		q.packets, q.backlog = 0, 0
		// Drained: no other read is in progress (it would wait on the old
		// buffer) and the writer waits on mu, so the swap loses nothing.
		if q.peak > shrinkAbove && q.readers == 0 && !q.closed {
			q.buf, q.peak = q.newBuffer(), 0
		}
	} else if err == nil {
		q.backlog -= n + 2 // packetio's framing: 2 bytes per packet
	}
	return n, attrs, err
}

// WriteWithAttributes queues one packet with its attributes.
func (q *receiveQueue) WriteWithAttributes(p []byte, attrs packetio.Attributes) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n, err := q.buf.Write(p, attrs)
	if err == nil {
		q.packets++
		q.backlog += n + 2
		q.peak = max(q.peak, q.backlog)
	}
	return n, err
}

// SetReadDeadline sets the deadline of pending and future reads.
func (q *receiveQueue) SetReadDeadline(t time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.deadline = t
	return q.buf.SetReadDeadline(t)
}

// Close closes the queue: queued packets stay readable, then reads return
// io.EOF and writes io.ErrClosedPipe.
func (q *receiveQueue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	return q.buf.Close()
}
