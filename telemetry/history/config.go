package history

import (
	"log/slog"
)

// Defaults: about 1000 sessions × up to 5000 events bounds the store; most
// sessions hold far fewer (a 10-minute call with 1 s media reports for two
// media is about 1200 events).
const (
	DefaultMaxSessions         = 1000
	DefaultMaxEventsPerSession = 5000
	// DefaultMaxBytesPerSession bounds a session's events by size too:
	// JSEP events carry whole SDPs (up to 512 KiB each), so 5000 events
	// could be GBs; a real session's timeline is well under 8 MiB.
	DefaultMaxBytesPerSession = 8 << 20
	// DefaultMaxBytes bounds every session's events together: 1000
	// sessions at their 8 MiB would be 8 GB.
	DefaultMaxBytes         = 256 << 20
	DefaultMaxGlobalEvents  = 5000
	DefaultSubscriberBuffer = 256
)

// Config bounds the store. Zero fields take the defaults.
type Config struct {
	// MaxSessions is the most sessions kept; past it the least recently
	// active ended session is evicted first, then the least recently
	// active live one.
	MaxSessions int
	// MaxEventsPerSession keeps the last N events of each session.
	MaxEventsPerSession int
	// MaxBytesPerSession keeps at most this many bytes of each session's
	// events (their JSON, estimated), dropping the oldest; the newest
	// event is always kept.
	MaxBytesPerSession int
	// MaxBytes bounds the kept events of all sessions together (the sum
	// of their estimated sizes); past it whole sessions are evicted in
	// the MaxSessions order, never the one just filed to.
	MaxBytes int
	// MaxGlobalEvents keeps the last N events with no session (core,
	// transport, external, session-less plugin events).
	MaxGlobalEvents int
	// SubscriberBuffer is each live-tail subscriber's channel size; a
	// subscriber that falls behind loses events, never slows the store.
	SubscriberBuffer int
	// Logger; default discard.
	Logger *slog.Logger

	// TraceID names a session's OpenTelemetry trace (otel.TraceIDFunc of
	// the server name); nil leaves SessionSummary.TraceID empty.
	TraceID func(sessionID uint64) string
	// HomerCorrelation is how the Homer sink forms a session's correlation
	// id: "session" (default, the decimal session_id) or "opaque" (the
	// first opaque_id, else the session_id), as hep/homer's Correlation.
	HomerCorrelation string
	// JaegerURL is the Jaeger UI's base URL (the console links
	// JaegerURL + "/trace/" + trace id); empty shows the id without a link.
	JaegerURL string
	// HomerURL is a Homer UI link template: "{cid}" becomes the session's
	// correlation id and "{from_ms}"/"{to_ms}" the session's first and
	// last event time in ms; empty shows the id without a link.
	HomerURL string
}

func (c *Config) defaults() {
	if c.MaxSessions <= 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.MaxEventsPerSession <= 0 {
		c.MaxEventsPerSession = DefaultMaxEventsPerSession
	}
	if c.MaxBytesPerSession <= 0 {
		c.MaxBytesPerSession = DefaultMaxBytesPerSession
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.MaxGlobalEvents <= 0 {
		c.MaxGlobalEvents = DefaultMaxGlobalEvents
	}
	if c.SubscriberBuffer <= 0 {
		c.SubscriberBuffer = DefaultSubscriberBuffer
	}
	if c.HomerCorrelation == "" {
		c.HomerCorrelation = CorrelationSession
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}
