package load

import (
	"fmt"
	"net"
	"net/url"
	"time"
)

// Config is one load run.
type Config struct {
	URL      string        // ws://host:8188/ or http://host:8088/janus
	Sessions int           // concurrent EchoTest sessions
	Duration time.Duration // media time per session once connected
	Ramp     time.Duration // sessions start evenly spread over this time
	Drain    time.Duration // wait after sending stops for in-flight echoes

	// ICELoopback gathers only loopback candidates (in-process tests and
	// servers on 127.0.0.1). Otherwise ICENet, if set, limits candidates to
	// that network (e.g. a benchmark's veth /30).
	ICELoopback bool
	ICENet      *net.IPNet

	AudioPPS, AudioSize int // Opus: packets per second, payload bytes
	VideoPPS, VideoSize int // VP8: packets per second, payload bytes
	VideoFPS            int // video frames per second (VideoPPS/VideoFPS packets per frame)

	SetupTimeout time.Duration // bound on create..connected per session
}

// DefaultConfig is 10 sessions × 20 s with realistic Opus and VP8 rates.
func DefaultConfig() Config {
	return Config{
		URL: "ws://127.0.0.1:8188/", Sessions: 10, Duration: 20 * time.Second,
		Ramp: 2 * time.Second, Drain: time.Second,
		AudioPPS: 50, AudioSize: 160, VideoPPS: 300, VideoSize: 1000, VideoFPS: 30,
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
	case c.Sessions < 1:
		return fmt.Errorf("%w: sessions %d < 1", errBadConfig, c.Sessions)
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
	case c.SetupTimeout <= 0:
		return fmt.Errorf("%w: setup timeout %v", errBadConfig, c.SetupTimeout)
	}
	return nil
}
