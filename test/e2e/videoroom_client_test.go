package e2e

import (
	"context"
	"slices"
	"sync/atomic"

	pion "github.com/pion/webrtc/v4"

	"github.com/argusrtc/argus/internal/testpeer"
)

// vrPeerConfig is the VideoRoom clients' pion setup: Opus (with the
// audio level extension) and VP8 with NACK, PLI, FIR and REMB feedback,
// no RTX, no transport-cc and no interceptors, so the tests see raw RTCP
// and every packet, retransmissions included. A NACKed packet comes back
// with its original sequence number (no RTX negotiated): SRTP replay
// protection would drop it.
func vrPeerConfig() testpeer.Config {
	return testpeer.Config{
		Feedback:           []pion.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}},
		AudioLevel:         true,
		NoReplayProtection: true,
	}
}

// gathered sets a local description and waits for ICE gathering, so the
// SDP carries the candidates (no trickle needed).
func gathered(ctx context.Context, pc *pion.PeerConnection, d pion.SessionDescription) (string, error) {
	return testpeer.Gathered(ctx, pc, d)
}

// waitPCConnected waits for a PeerConnection to be connected.
func waitPCConnected(ctx context.Context, pc *pion.PeerConnection) error {
	return testpeer.WaitConnected(ctx, pc)
}

// vrPublisherPeer sends Opus- and VP8-sized RTP whose last payload byte
// is the publisher's marker, sends its name on the data channel, and
// counts the RTCP Argus sends it.
type vrPublisherPeer struct {
	*testpeer.Peer
	pc           *pion.PeerConnection
	audio, video *pion.TrackLocalStaticRTP
	marker       byte
	name         string
	loud         *atomic.Bool   // audio level 10 -dBov instead of 127 (silence)
	plis         *atomic.Int64  // PLIs received
	remb         *atomic.Uint64 // last REMB bitrate
}

// newVRPublisherPeer builds a publisher client; without nack its VP8
// offers PLI, FIR and REMB but no generic NACK.
func newVRPublisherPeer(name string, marker byte, nack bool) (*vrPublisherPeer, error) {
	cfg := vrPeerConfig()
	if !nack {
		cfg.Feedback = slices.DeleteFunc(cfg.Feedback, func(fb pion.RTCPFeedback) bool { return fb.Type == "nack" && fb.Parameter == "" })
	}
	cfg.Audio, cfg.Video, cfg.DataChannel, cfg.StreamID = true, true, true, "pub"
	p, err := testpeer.New(cfg)
	if err != nil {
		return nil, err
	}
	return &vrPublisherPeer{Peer: p, pc: p.PC, audio: p.Audio, video: p.Video, marker: marker, name: name,
		loud: &p.Loud, plis: &p.RTCP.PLIs, remb: &p.RTCP.REMB}, nil
}

// startSending writes one audio and one video packet every rtpInterval,
// and the publisher's name on the data channel every fifth.
func (p *vrPublisherPeer) startSending() {
	m := testpeer.Browser20ms()
	m.Tag, m.SeqBase = p.marker, 1000*uint16(p.marker)
	m.DataText, m.DataEvery = p.name, 5
	p.Start(m)
}

func (p *vrPublisherPeer) close() { _ = p.Close() }

// vrTrack is what a subscriber received on one m-line.
type vrTrack struct {
	t          *testpeer.Track
	ssrc       *atomic.Uint32
	packets    *atomic.Int64
	bytes      *atomic.Int64
	lastMarker *atomic.Int32
}

// seen returns how often seq arrived and the last sequence number.
func (t *vrTrack) seen(seq uint16) (int, uint16) { return t.t.Seen(seq) }

// vrSubscriberPeer is a receive-only client PeerConnection.
type vrSubscriberPeer struct {
	*testpeer.Peer
	pc *pion.PeerConnection
}

func newVRSubscriberPeer() (*vrSubscriberPeer, error) {
	cfg := vrPeerConfig()
	cfg.TrackSeqs = true
	p, err := testpeer.New(cfg)
	if err != nil {
		return nil, err
	}
	return &vrSubscriberPeer{Peer: p, pc: p.PC}, nil
}

// track returns (creating) the stats of a mid.
func (s *vrSubscriberPeer) track(mid string) *vrTrack {
	t := s.Track(mid)
	return &vrTrack{t: t, ssrc: &t.SSRC, packets: &t.Packets, bytes: &t.Bytes, lastMarker: &t.LastMarker}
}

func (s *vrSubscriberPeer) close() { _ = s.Close() }

// dataFrom returns how many data channel messages with text arrived.
func (s *vrSubscriberPeer) dataFrom(text string) int { return s.DataFrom(text) }
