package webrtc

import (
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// RTCPSource is the part of a pion RTPSender (or RTPReceiver) that
// FeedbackReader reads from.
type RTCPSource interface {
	Read(b []byte) (int, interceptor.Attributes, error)
}

// FeedbackReader reads a sender's incoming RTCP (the peer's PLIs, REMBs,
// NACKs, reports) into one reused buffer. pion's RTPSender.ReadRTCP
// allocates an MTU-sized buffer per call and parses the packets again
// after the interceptors already did; this returns the packets they
// parsed. One goroutine reads; the packets are valid until the next Read.
type FeedbackReader struct {
	src RTCPSource
	buf []byte
}

// NewFeedbackReader reads src with a buffer of the receive MTU.
func NewFeedbackReader(src RTCPSource) *FeedbackReader {
	return &FeedbackReader{src: src, buf: make([]byte, receiveMTU)}
}

// receiveMTU is pion's default receive MTU, the largest RTCP compound
// packet it reads.
const receiveMTU = 1460

// Read returns the next compound RTCP packet's packets, or the source's
// error (the sender stopped). A malformed packet is skipped.
func (f *FeedbackReader) Read() ([]rtcp.Packet, error) {
	for {
		n, attr, err := f.src.Read(f.buf)
		if err != nil {
			return nil, err
		}
		pkts, err := attr.GetRTCPPackets(f.buf[:n])
		if err == nil {
			return pkts, nil
		}
	}
}
