package load

import (
	"github.com/argusrtc/argus/internal/testpeer"
)

// peerConfig is the client PeerConnection of cfg: sending (Opus and VP8
// tracks) or receive-only, with a browser's RTCP feedback when cfg asks.
func peerConfig(cfg *Config, send bool) testpeer.Config {
	pc := testpeer.Config{
		Audio: send, Video: send, StreamID: "argus-load",
		Interceptors: cfg.Interceptors,
	}
	switch {
	case cfg.udpMux != nil:
		pc.UDPMux = cfg.udpMux // its addresses are the ones below (sharedPort)
	case cfg.ICELoopback:
	case cfg.ICENet != nil:
		pc.Network = cfg.ICENet
	default:
		pc.AnyAddress = true
	}
	if cfg.Feedback {
		pc.Feedback = testpeer.BrowserFeedback()
		pc.AnswerPLI = true
		// No RTX is offered: a repaired packet keeps its sequence number,
		// which SRTP replay protection (64 packets) would drop once the
		// round trip exceeds its window, where a browser's RTX stream passes.
		pc.NoReplayProtection = true
		if !cfg.Interceptors { // pion's NACK responder answers otherwise
			pc.History = cfg.NACKHistory
		}
	}
	return pc
}

// media is what a sending client generates; n seeds its loss.
func media(cfg *Config, n int) testpeer.Media {
	m := testpeer.Media{
		AudioPPS: cfg.AudioPPS, AudioSize: cfg.AudioSize,
		VideoSize: cfg.VideoSize, DeltaFrames: cfg.Feedback,
		LossPercent: cfg.LossPercent, Seed: cfg.Seed + uint64(n),
	}
	if cfg.VideoPPS > 0 {
		m.VideoFPS = cfg.VideoFPS
		m.VideoPerFrame = cfg.VideoPPS / cfg.VideoFPS
	}
	return m
}

// kinds are the media kinds counted.
var kinds = [2]string{"audio", "video"} //nolint:gochecknoglobals // constant table

// counts is a snapshot of packets, bytes, failed writes and packets
// dropped on purpose.
type counts struct{ packets, bytes, errors, dropped int64 }

func snapshot(c *testpeer.Counter) counts {
	return counts{c.Packets.Load(), c.Bytes.Load(), c.Errors.Load(), c.Dropped.Load()}
}

// rtcpCounts sums what the server's RTCP asked of the clients.
type rtcpCounts struct {
	NACKs         int64 `json:"nacks"`
	NACKed        int64 `json:"nacked_packets"`
	Retransmitted int64 `json:"retransmitted"`
	PLIs          int64 `json:"plis"`
	FIRs          int64 `json:"firs"`
	KeyFrames     int64 `json:"keyframes_sent"`
}

func (r *rtcpCounts) add(p *testpeer.Peer) {
	r.NACKs += p.RTCP.NACKs.Load()
	r.NACKed += p.RTCP.NACKed.Load()
	r.Retransmitted += p.RTCP.Retransmitted.Load()
	r.PLIs += p.RTCP.PLIs.Load()
	r.FIRs += p.RTCP.FIRs.Load()
	r.KeyFrames += p.RTCP.KeyFrames.Load()
}
