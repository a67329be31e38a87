package load

import (
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/pion/ice/v4"
)

// Modes of a load run.
const (
	ModeEchoTest  = "echotest"  // each session echoes its own media
	ModeVideoRoom = "videoroom" // each session publishes to Subscribers subscribers
)

// Config is one load run.
type Config struct {
	URL      string        // ws://host:8188/ or http://host:8088/janus
	Mode     string        // ModeEchoTest (default) or ModeVideoRoom
	Sessions int           // concurrent EchoTest sessions, or VideoRoom publishers
	Duration time.Duration // media time per session once connected
	Ramp     time.Duration // sessions start evenly spread over this time
	Drain    time.Duration // wait after sending stops for in-flight media

	// Subscribers per VideoRoom publisher, each with its own Janus API
	// connection, session and PeerConnection, as browsers have.
	Subscribers int
	// Room is the VideoRoom room the publishers join; 0 creates one room
	// per publisher (and destroys it at the end).
	Room uint64

	// ICELoopback gathers only loopback candidates (in-process tests and
	// servers on 127.0.0.1). Otherwise ICENet, if set, limits candidates to
	// that network (e.g. a benchmark's veth /30).
	ICELoopback bool
	ICENet      *net.IPNet
	// SharedPort gives every client of the run one UDP socket per local
	// address (core/webrtc/sharedport: recvmmsg batches, routed to each
	// PeerConnection's ICE agent by ufrag and remote address) instead of a
	// socket per PeerConnection: at 1 -> 500 the clients' receive system
	// calls and wake-ups cost the host's CPU that the server shares. What
	// is negotiated (SDP, ICE, DTLS-SRTP) and what is counted are the same.
	// Not against Argus's default shared port (one port for every
	// PeerConnection): all PeerConnections then share one 5-tuple, which
	// neither side's mux can route by; run Argus with -ice-udp-shared=false.
	SharedPort bool

	// udpMux is the shared port's ICE mux while Run runs (SharedPort).
	udpMux ice.UDPMux

	AudioPPS, AudioSize int // Opus: packets per second, payload bytes
	VideoPPS, VideoSize int // VP8: packets per second, payload bytes
	VideoFPS            int // video frames per second (VideoPPS/VideoFPS packets per frame)

	// Feedback offers a browser's RTCP feedback with VP8 (nack, nack pli,
	// ccm fir, goog-remb, transport-cc), answers NACKs from a send history
	// of NACKHistory video packets, sends key frames only first and on
	// PLI/FIR. Off: no feedback offered, every frame a key frame.
	Feedback    bool
	NACKHistory int
	// Interceptors runs pion's default interceptors in every client
	// (receiver reports, NACK generator, TWCC feedback) at their CPU cost.
	Interceptors bool
	// LossPercent drops that share of the packets a client sends (seeded
	// by Seed plus the client's number), so the server sees loss and NACKs.
	LossPercent float64
	Seed        uint64

	SetupTimeout time.Duration // bound on create..connected per session
}

// DefaultConfig is 10 EchoTest sessions × 20 s with realistic Opus and VP8
// rates and a browser's RTCP feedback.
func DefaultConfig() Config {
	return Config{
		URL: "ws://127.0.0.1:8188/", Mode: ModeEchoTest, Sessions: 10, Duration: 20 * time.Second,
		Ramp: 2 * time.Second, Drain: time.Second, Subscribers: 10,
		AudioPPS: 50, AudioSize: 160, VideoPPS: 300, VideoSize: 1000, VideoFPS: 30,
		Feedback: true, NACKHistory: 256,
		SetupTimeout: 20 * time.Second,
	}
}

// validate reports the first unusable setting.
func (c *Config) validate() error {
	u, err := url.Parse(c.URL)
	if err != nil {
		return fmt.Errorf("%w: url: %w", errBadConfig, err)
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
	default:
		return fmt.Errorf("%w: url scheme %q (want ws, wss, http or https)", errBadConfig, u.Scheme)
	}
	switch {
	case c.Mode != ModeEchoTest && c.Mode != ModeVideoRoom:
		return fmt.Errorf("%w: mode %q (want %s or %s)", errBadConfig, c.Mode, ModeEchoTest, ModeVideoRoom)
	case c.Sessions < 1:
		return fmt.Errorf("%w: sessions %d < 1", errBadConfig, c.Sessions)
	case c.Mode == ModeVideoRoom && (c.Subscribers < 1 || c.Subscribers > 5000):
		return fmt.Errorf("%w: subscribers %d (1..5000)", errBadConfig, c.Subscribers)
	case c.Duration <= 0:
		return fmt.Errorf("%w: duration %v", errBadConfig, c.Duration)
	case c.Ramp < 0 || c.Drain < 0:
		return fmt.Errorf("%w: negative ramp or drain", errBadConfig)
	case c.AudioPPS < 0 || c.VideoPPS < 0 || c.AudioPPS+c.VideoPPS == 0:
		return fmt.Errorf("%w: packet rates audio %d video %d", errBadConfig, c.AudioPPS, c.VideoPPS)
	case c.AudioSize < 1 || c.VideoSize < 12 || c.AudioSize > 1200 || c.VideoSize > 1200:
		return fmt.Errorf("%w: payload sizes audio %d video %d (1..1200, video >= 12)", errBadConfig, c.AudioSize, c.VideoSize)
	case c.VideoPPS > 0 && (c.VideoFPS < 1 || c.VideoFPS > c.VideoPPS):
		return fmt.Errorf("%w: video fps %d (1..video pps)", errBadConfig, c.VideoFPS)
	case c.NACKHistory < 0 || c.NACKHistory > 1<<15:
		return fmt.Errorf("%w: nack history %d (0..32768)", errBadConfig, c.NACKHistory)
	case c.LossPercent < 0 || c.LossPercent >= 100:
		return fmt.Errorf("%w: loss %v%% (0..<100)", errBadConfig, c.LossPercent)
	case c.SetupTimeout <= 0:
		return fmt.Errorf("%w: setup timeout %v", errBadConfig, c.SetupTimeout)
	}
	return nil
}
