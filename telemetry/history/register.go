package history

import (
	"fmt"
	"strconv"

	"github.com/argusrtc/argus/telemetry"
)

// SinkName is the name this sink registers under in telemetry's registry.
const SinkName = "history"

func init() { telemetry.RegisterSink(SinkName, FromSettings) }

// FromSettings builds a store from settings max_sessions,
// max_events_per_session, max_global_events and subscriber_buffer
// (integers); "events" and "enabled" are read by cmd/argus and ignored.
// It returns the *Store as a telemetry.Sink; cmd/argus type-asserts it to
// mount Handler.
func FromSettings(sc telemetry.SinkConfig) (telemetry.Sink, error) {
	cfg := Config{Logger: sc.Logger}
	for k, v := range sc.Settings {
		var dst *int
		switch k {
		case "events", "enabled", sourceKey, sourceStreamKey, sourceDeliverKey: // source.go
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
