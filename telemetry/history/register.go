package history

import (
	"math"
	"net/url"
	"strings"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/otel"
)

// SinkName is the name this sink registers under in telemetry's registry.
const SinkName = "history"

// FromSettings builds a store from the settings declared in options (see
// Config and source.go; "events" and "enabled" are read by cmd/argus).
// Malformed values and unknown keys are errors wrapping ErrUnknownSetting.
// Trace ids are those of the otel sink for sc.ServerName.
// It returns the *Store as a telemetry.Sink; cmd/argus type-asserts it to
// mount Handler.
func FromSettings(sc telemetry.SinkConfig) (telemetry.Sink, error) {
	s := defaultSettings()
	s.store.Logger, s.store.TraceID = sc.Logger, otel.TraceIDFunc(sc.ServerName)
	return telemetry.BuildSink(s, sc.Settings, options, func(s settings) (telemetry.Sink, error) {
		return withSource(New(s.store), s.source)
	})
}

// settings are what FromSettings reads: the store's Config and the stream
// it may be fed from.
type settings struct {
	store  Config
	source source
}

// defaultSettings holds the defaults New gives zero fields, so that -help
// shows them.
func defaultSettings() settings {
	return settings{
		store: Config{MaxSessions: DefaultMaxSessions, MaxEventsPerSession: DefaultMaxEventsPerSession,
			MaxBytesPerSession: DefaultMaxBytesPerSession, MaxBytes: DefaultMaxBytes,
			MaxGlobalEvents: DefaultMaxGlobalEvents, SubscriberBuffer: DefaultSubscriberBuffer,
			HomerCorrelation: CorrelationSession},
		source: source{stream: defaultSourceStream, deliver: "all"},
	}
}

// options are the store's settings, read into s.
func options(s *settings) *telemetry.SinkOptions {
	c := &s.store
	o := telemetry.NewSinkOptions(ErrUnknownSetting)
	o.Events(nil)
	o.Int("max_sessions", &c.MaxSessions, 0, math.MaxInt, "sessions kept")
	o.Int("max_events_per_session", &c.MaxEventsPerSession, 0, math.MaxInt, "last events kept per session")
	o.Int("max_bytes_per_session", &c.MaxBytesPerSession, 0, math.MaxInt, "bytes of events kept per session (their JSON, estimated), the oldest dropped first")
	o.Int("max_bytes", &c.MaxBytes, 0, math.MaxInt, "bytes of events kept for all sessions together (estimated), the least recently active sessions evicted whole, ended ones first")
	o.Int("max_global_events", &c.MaxGlobalEvents, 0, math.MaxInt, "last session-less events kept")
	o.Int("subscriber_buffer", &c.SubscriberBuffer, 0, math.MaxInt, "live-tail buffer per console client")
	o.Func("jaeger_url", c.JaegerURL, "http(s) base URL of the Jaeger UI: the console links a session's trace id to <url>/trace/<id>",
		func(v string) error {
			c.JaegerURL = strings.TrimSuffix(v, "/")
			return webURL(v)
		})
	o.Func("homer_url", c.HomerURL, "http(s) URL template of a Homer search, with {cid}, {from_ms} and {to_ms}: the console links a session's correlation id",
		func(v string) error {
			c.HomerURL = v
			return webURL(v)
		})
	o.Func("homer_correlation", c.HomerCorrelation, "session or opaque, as hep.correlation: which id the console shows as the Homer correlation id",
		func(v string) error {
			if v != CorrelationSession && v != CorrelationOpaque {
				return errWantCorrelation
			}
			c.HomerCorrelation = v
			return nil
		})
	o.String(sourceKey, &s.source.url, "nats://host:4222: fill the store from a JetStream stream (every node's -event-nats) instead of the local bus")
	o.String(sourceStreamKey, &s.source.stream, "the stream read with source")
	o.String(sourceDeliverKey, &s.source.deliver, "all (replay the stream) or new")
	return o
}

// webURL refuses v unless it is an absolute http or https URL: the console
// puts it in links, where a javascript: URL would run.
func webURL(v string) error {
	u, err := url.Parse(v)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return nil
	}
	return errWantWebURL
}
