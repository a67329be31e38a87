package webrtc

import (
	"io"

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
// Queues below the limit cost the same as pion's: a buffer starts at 2 KiB
// and grows only when packets wait.
const (
	rtpQueueBytes  = 256 * 1024
	rtcpQueueBytes = 32 * 1024
)

// newReceiveQueue is the SettingEngine's BufferFactory: pion's own buffer
// with Argus's limits. Setting a factory also changes one pion default:
// an RTX repair stream's reader starts when the track is first read rather
// than at once; every Argus plugin reads the tracks it receives.
func newReceiveQueue(kind packetio.BufferPacketType, _ uint32) io.ReadWriteCloser {
	q := &receiveQueue{Buffer: packetio.NewBuffer()}
	if kind == packetio.RTCPBufferPacket {
		q.SetLimitSize(rtcpQueueBytes)
	} else {
		q.SetLimitSize(rtpQueueBytes)
	}
	return q
}

// receiveQueue adapts packetio.Buffer to what SRTP expects of a factory's
// buffer: io.ReadWriteCloser plus the attribute-carrying read and write it
// uses when present (so packet attributes pass through as with pion's own
// buffer), and SetReadDeadline, promoted from packetio.Buffer.
type receiveQueue struct {
	*packetio.Buffer
}

// Read reads one packet.
func (q *receiveQueue) Read(p []byte) (int, error) {
	n, _, err := q.Buffer.Read(p, nil)
	return n, err
}

// Write queues one packet.
func (q *receiveQueue) Write(p []byte) (int, error) { return q.Buffer.Write(p, nil) }

// ReadWithAttributes reads one packet and its attributes.
func (q *receiveQueue) ReadWithAttributes(p []byte, attrs packetio.Attributes) (int, packetio.Attributes, error) {
	return q.Buffer.Read(p, attrs)
}

// WriteWithAttributes queues one packet with its attributes.
func (q *receiveQueue) WriteWithAttributes(p []byte, attrs packetio.Attributes) (int, error) {
	return q.Buffer.Write(p, attrs)
}
