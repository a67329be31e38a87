package httpevh

import (
	"math"

	"github.com/argusrtc/argus/telemetry"
)

// SinkName is the name this sink registers under in telemetry's registry.
const SinkName = "http"

// FromSettings builds a sink from Janus's sampleevh keys
// (janus-reference.md 4.5) plus timeout, as declared in options. "events"
// becomes the sink's own mask (cmd/argus also uses it as the bus mask);
// "enabled" is ignored. Unknown keys are errors (wrapping ErrBadConfig).
func FromSettings(sc telemetry.SinkConfig) (telemetry.Sink, error) {
	cfg := DefaultConfig("")
	cfg.Logger = sc.Logger
	return telemetry.BuildSink(cfg, sc.Settings, options, New)
}

// options are the sink's settings, read into c. The two ms settings take
// any whole number, as before: New turns one <= 0 into the default.
func options(c *Config) *telemetry.SinkOptions {
	o := telemetry.NewSinkOptions(ErrBadConfig)
	o.FlagSetting(backendKey, &c.URL)
	o.Events(&c.Events)
	o.Bool("grouping", &c.Grouping, "POST arrays of up to 100 events")
	o.Func("json", string(c.Format), "indented, plain or compact", func(v string) error {
		c.Format = Format(v) // New validates it
		return nil
	})
	o.Bool("compress", &c.Compress, "gzip the body")
	o.Int("compression", &c.CompressionLevel, 0, 9, "gzip level 0-9")
	o.String("backend_user", &c.User, "HTTP Basic user")
	o.String("backend_pwd", &c.Password, "HTTP Basic password")
	o.Int("max_retransmissions", &c.MaxRetransmissions, 0, math.MaxInt, "retries of a failed POST")
	o.Millis("retransmissions_backoff", &c.Backoff, math.MinInt64, math.MaxInt64, "ms before the first retry, doubling")
	o.Millis("timeout", &c.Timeout, math.MinInt64, math.MaxInt64, "ms per POST")
	return o
}
