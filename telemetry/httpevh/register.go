package httpevh

import (
	"fmt"
	"strconv"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// SinkName is the name this sink registers under in telemetry's registry.
const SinkName = "http"

func init() { telemetry.RegisterSink(SinkName, FromSettings) }

// FromSettings builds a sink from Janus's sampleevh keys (janus-reference.md
// 4.5): backend (required), grouping, json, compress, compression,
// backend_user, backend_pwd, max_retransmissions, retransmissions_backoff
// (ms), plus timeout (ms). "events" is accepted and becomes the sink's own
// mask (cmd/argus also uses it as the bus mask); "enabled" is ignored.
// Unknown keys are errors.
func FromSettings(sc telemetry.SinkConfig) (telemetry.Sink, error) {
	cfg := DefaultConfig(sc.Settings["backend"])
	cfg.Logger = sc.Logger
	for k, v := range sc.Settings {
		var err error
		switch k {
		case "backend", "enabled":
		case "events":
			cfg.Events = telemetry.ParseMask(v)
		case "grouping":
			cfg.Grouping, err = strconv.ParseBool(v)
		case "json":
			cfg.Format = Format(v)
		case "compress":
			cfg.Compress, err = strconv.ParseBool(v)
		case "compression":
			cfg.CompressionLevel, err = strconv.Atoi(v)
		case "backend_user":
			cfg.User = v
		case "backend_pwd":
			cfg.Password = v
		case "max_retransmissions":
			cfg.MaxRetransmissions, err = strconv.Atoi(v)
		case "retransmissions_backoff":
			cfg.Backoff, err = msSetting(v)
		case "timeout":
			cfg.Timeout, err = msSetting(v)
		default:
			return nil, fmt.Errorf("unknown setting %q: %w", k, ErrBadConfig)
		}
		if err != nil {
			return nil, fmt.Errorf("setting %s=%q: %w: %w", k, v, ErrBadConfig, err)
		}
	}
	return New(cfg)
}

func msSetting(v string) (time.Duration, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("milliseconds: %w", err)
	}
	return time.Duration(n) * time.Millisecond, nil
}
