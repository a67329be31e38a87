package e2e

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testpeer"
)

// rtpInterval paces the generated media: 50 packets per second per kind,
// like 20 ms Opus frames.
const rtpInterval = 20 * time.Millisecond

// counter points at the received RTP counts of one kind.
type counter struct{ packets, bytes *atomic.Int64 }

// echoPeer is the client's PeerConnection (internal/testpeer): one Opus
// and one VP8 track it fills with RTP packets it builds, a data channel,
// trickled candidates; no RTCP feedback and no interceptors.
type echoPeer struct {
	*testpeer.Peer
	pc           *pion.PeerConnection
	audio, video *pion.TrackLocalStaticRTP
	dc           *pion.DataChannel
	dcOpen       <-chan struct{}
	dcMsgs       <-chan string
	cands        <-chan *pion.ICECandidateInit // nil marks end-of-candidates
	recv         map[string]counter            // "audio", "video"
	sent         *atomic.Int64                 // packets written per kind
	// dropEvery > 0 leaves out every dropEvery-th RTP packet (its sequence
	// number is used, the packet never sent): seeded loss. Set before
	// startSending.
	dropEvery int
}

// newEchoPeer builds the PeerConnection with loopback-only UDP4 ICE.
func newEchoPeer() (*echoPeer, error) {
	p, err := testpeer.New(testpeer.Config{Audio: true, Video: true, DataChannel: true, StreamID: "argus-e2e"})
	if err != nil {
		return nil, err
	}
	kinds := map[string]counter{}
	for _, k := range []string{"audio", "video"} {
		c := p.Received(k)
		kinds[k] = counter{packets: &c.Packets, bytes: &c.Bytes}
	}
	return &echoPeer{
		Peer: p, pc: p.PC, audio: p.Audio, video: p.Video, dc: p.DC,
		dcOpen: p.DataOpen(), dcMsgs: p.DataMessages(), cands: p.Candidates(),
		recv: kinds, sent: &p.Sent("audio").Packets,
	}, nil
}

// offer creates and applies the local offer (candidates trickle later).
func (p *echoPeer) offer() (string, error) { return p.Offer(context.Background(), false) }

// startSending writes an Opus-sized and a VP8-sized RTP packet every
// rtpInterval until stopSending.
func (p *echoPeer) startSending() {
	m := testpeer.Browser20ms()
	m.LossEvery = p.dropEvery
	p.Start(m)
}

func (p *echoPeer) stopSending() { p.StopSending() }

// waitConnected waits for the PeerConnection to reach "connected".
func (p *echoPeer) waitConnected(ctx context.Context) error { return p.WaitConnected(ctx) }

// stallAfter is how long waitReceived waits without a new packet before
// it gives up: media flows at 50 packets a second per kind, so that long
// without one is a broken path, and failing then rather than at the
// deadline (when the session may have timed out meanwhile) lets the
// caller show the server's state at the stall.
const stallAfter = 15 * time.Second

// waitReceived waits until at least n packets of each kind came back.
func (p *echoPeer) waitReceived(ctx context.Context, n int64) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var seen int64
	progress := time.Now()
	for {
		a, v := p.recv["audio"].packets.Load(), p.recv["video"].packets.Load()
		if a >= n && v >= n {
			return nil
		}
		if a+v > seen {
			seen, progress = a+v, time.Now()
		} else if time.Since(progress) > stallAfter {
			return fmt.Errorf("echoed packets audio=%d video=%d, want >= %d each: none for %v", a, v, n, stallAfter)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("echoed packets audio=%d video=%d, want >= %d each: %w", a, v, n, ctx.Err())
		case <-tick.C:
		}
	}
}

// close stops sending, closes the PeerConnection and waits for every goroutine.
func (p *echoPeer) close() error { return p.Close() }
