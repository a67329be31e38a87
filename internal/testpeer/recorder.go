package testpeer

import (
	"context"
	"fmt"
	"sync"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// Received is one RTP packet that arrived at a Peer, in arrival order.
type Received struct {
	SSRC      uint32
	Seq       uint16
	Timestamp uint32
	Marker    bool
	Last      byte // last payload byte (the sender's tag)
	KeyFrame  bool // a VP8 payload starting a key frame
}

// Recorder is an interceptor factory (put it in Config.Extra) that keeps,
// in arrival order, the first n RTP packets with a payload the Peer
// receives on any m-line; later ones are only counted as Dropped. It is
// for tests that look at the order of packets: sequence continuity, layer
// switches, key frames.
type Recorder struct {
	interceptor.NoOp
	max int

	mu      sync.Mutex
	pkts    []Received
	dropped int
	wake    chan struct{} // signalled on every recorded packet
}

// NewRecorder keeps up to n packets (at least 1).
func NewRecorder(n int) *Recorder {
	return &Recorder{max: max(n, 1), wake: make(chan struct{}, 1)}
}

// NewInterceptor implements interceptor.Factory: one Recorder serves one
// PeerConnection (the id is ignored).
func (r *Recorder) NewInterceptor(string) (interceptor.Interceptor, error) { return r, nil }

// BindRemoteStream records what the stream's reader returns.
func (r *Recorder) BindRemoteStream(_ *interceptor.StreamInfo, reader interceptor.RTPReader) interceptor.RTPReader {
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := reader.Read(b, a)
		if err == nil {
			r.record(b[:n])
		}
		return n, a, err
	})
}

func (r *Recorder) record(b []byte) {
	var pkt rtp.Packet
	if pkt.Unmarshal(b) != nil || len(pkt.Payload) == 0 {
		return // not RTP, or padding only
	}
	r.mu.Lock()
	if len(r.pkts) < r.max {
		r.pkts = append(r.pkts, Received{
			SSRC: pkt.SSRC, Seq: pkt.SequenceNumber, Timestamp: pkt.Timestamp, Marker: pkt.Marker,
			Last: pkt.Payload[len(pkt.Payload)-1], KeyFrame: IsVP8KeyFrame(pkt.Payload),
		})
	} else {
		r.dropped++
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Packets returns a copy of what was recorded so far.
func (r *Recorder) Packets() []Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Received(nil), r.pkts...)
}

// Dropped is how many packets arrived past the bound.
func (r *Recorder) Dropped() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dropped
}

// Wait returns the recorded packets once cond holds on them, or an error
// when ctx ends first.
func (r *Recorder) Wait(ctx context.Context, cond func([]Received) bool) ([]Received, error) {
	for {
		if got := r.Packets(); cond(got) {
			return got, nil
		}
		select {
		case <-r.wake:
		case <-ctx.Done():
			return nil, fmt.Errorf("recorded %d packets: %w", len(r.Packets()), ctx.Err())
		}
	}
}
