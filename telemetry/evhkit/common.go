package evhkit

import (
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// Common are the settings every broker handler takes.
type Common struct {
	Events      telemetry.Mask // "events", default all
	Grouping    bool           // "grouping" (handlers that group), default true
	Format      Format         // "json"
	Backoff     time.Duration  // "reconnect_backoff" ms, the first wait
	MaxBackoff  time.Duration  // "reconnect_max" ms
	DialTimeout time.Duration  // "connect_timeout" ms
}

// DefaultCommon returns the defaults with Janus's layout def.
func DefaultCommon(def Format) Common {
	return Common{Events: telemetry.MaskAll, Grouping: true, Format: def,
		Backoff: DefaultBackoff, MaxBackoff: DefaultMaxBackoff, DialTimeout: DefaultDialTimeout}
}

// Common reads the common settings into c; grouping only when canGroup.
func (s *Settings) Common(c *Common, canGroup bool) {
	if v, ok := s.get("events"); ok {
		c.Events = telemetry.ParseMask(v)
	}
	if canGroup {
		s.Bool("grouping", &c.Grouping)
	}
	if v, ok := s.get("json"); ok {
		f, err := ParseFormat(v)
		if err != nil {
			s.fail("json", v, err)
		}
		c.Format = f
	}
	s.Millis("reconnect_backoff", &c.Backoff)
	s.Millis("reconnect_max", &c.MaxBackoff)
	s.Millis("connect_timeout", &c.DialTimeout)
}

// commonOptions documents the common settings (NewOptions).
func commonOptions(def Format, canGroup bool) []telemetry.SinkOption {
	o := []telemetry.SinkOption{{Key: "events", Default: "all", Usage: "Janus event mask"}}
	if canGroup {
		o = append(o, telemetry.SinkOption{Key: "grouping", Default: "true", Usage: "send arrays of up to 100 events"})
	}
	return append(o,
		telemetry.SinkOption{Key: "json", Default: string(def), Usage: "indented, plain or compact"},
		telemetry.SinkOption{Key: "reconnect_backoff", Default: "500", Usage: "ms before the first reconnect, doubling"},
		telemetry.SinkOption{Key: "reconnect_max", Default: "30000", Usage: "ms, the longest reconnect wait"},
		telemetry.SinkOption{Key: "connect_timeout", Default: "5000", Usage: "ms per connection attempt and per publish"},
	)
}
