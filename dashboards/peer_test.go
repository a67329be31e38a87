package dashboards

import (
	"context"

	"github.com/pion/interceptor"
	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testpeer"
)

// peer is the client's PeerConnection (internal/testpeer): an Opus and a
// VP8 track filled with generated RTP, pion's default codecs and
// interceptors so it sends RTCP receiver/sender reports and NACKs like a
// browser, and the impairments of impair_test.go.
type peer struct {
	*testpeer.Peer
	pc *pion.PeerConnection
}

// newPeer returns a sending peer (an Opus and a VP8 track).
func newPeer() (*peer, error) { return newPeerWith(true) }

// newReceiver returns a peer with no tracks, to answer a gateway's offer.
func newReceiver() (*peer, error) { return newPeerWith(false) }

func newPeerWith(tracks bool) (*peer, error) {
	p, err := testpeer.New(testpeer.Config{
		Codecs:       testpeer.CodecsPion,
		Interceptors: true,
		// First: the innermost RTCP writer, so the RTCP that the other
		// interceptors generate (receiver/sender reports, NACKs) waits too.
		Extra:    []interceptor.Factory{rtcpDelayerFactory{}},
		Audio:    tracks,
		Video:    tracks,
		StreamID: "dashboards",
	})
	if err != nil {
		return nil, err
	}
	return &peer{Peer: p, pc: p.PC}, nil
}

// offer returns a complete (non-trickle) offer: it waits for ICE gathering.
func (p *peer) offer(ctx context.Context) (string, error) { return p.Offer(ctx, true) }

// answer applies the gateway's offer and returns a complete answer.
func (p *peer) answer(ctx context.Context, offer string) (string, error) { return p.Answer(ctx, offer) }

// waitConnected waits for the PeerConnection to be connected.
func (p *peer) waitConnected(ctx context.Context) error { return p.WaitConnected(ctx) }

// send writes an Opus-sized and a VP8-sized packet every 20 ms until
// stopSending, losing one in lossEvery (impair_test.go).
func (p *peer) send() {
	m := testpeer.Browser20ms()
	m.LossEvery = lossEvery
	p.Start(m)
}

func (p *peer) stopSending() { p.StopSending() }

func (p *peer) close() error { return p.Close() }
