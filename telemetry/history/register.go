package history

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/otel"
)

// SinkName is the name this sink registers under in telemetry's registry.
const SinkName = "history"

func init() { telemetry.RegisterSink(SinkName, FromSettings) }

// FromSettings builds a store from settings max_sessions,
// max_events_per_session, max_global_events and subscriber_buffer
// (integers), jaeger_url, homer_url and homer_correlation (see Config);
// "events" and "enabled" are read by cmd/argus and ignored. Trace ids are
// those of the otel sink for sc.ServerName.
// It returns the *Store as a telemetry.Sink; cmd/argus type-asserts it to
// mount Handler.
func FromSettings(sc telemetry.SinkConfig) (telemetry.Sink, error) {
	cfg := Config{Logger: sc.Logger, TraceID: otel.TraceIDFunc(sc.ServerName)}
	for k, v := range sc.Settings {
		var dst *int
		switch k {
		case "events", "enabled", sourceKey, sourceStreamKey, sourceDeliverKey: // source.go
			continue
		case "jaeger_url", "homer_url":
			if !isWebURL(v) {
				return nil, fmt.Errorf("%s=%q: want an http or https URL: %w", k, v, ErrUnknownSetting)
			}
			if k == "jaeger_url" {
				cfg.JaegerURL = strings.TrimSuffix(v, "/")
			} else {
				cfg.HomerURL = v
			}
			continue
		case "homer_correlation":
			if v != CorrelationSession && v != CorrelationOpaque {
				return nil, fmt.Errorf("%s=%q: %w", k, v, ErrUnknownSetting)
			}
			cfg.HomerCorrelation = v
			continue
		case "max_sessions":
			dst = &cfg.MaxSessions
		case "max_events_per_session":
			dst = &cfg.MaxEventsPerSession
		case "max_global_events":
			dst = &cfg.MaxGlobalEvents
		case "subscriber_buffer":
			dst = &cfg.SubscriberBuffer
		default:
			return nil, fmt.Errorf("%q: %w", k, ErrUnknownSetting)
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s=%q: %w", k, v, ErrUnknownSetting)
		}
		*dst = n
	}
	return withSource(New(cfg), sc)
}

// isWebURL reports whether v is an absolute http or https URL: the
// console puts it in links, where a javascript: URL would run.
func isWebURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
