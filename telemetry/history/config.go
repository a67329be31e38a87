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
	DefaultMaxGlobalEvents     = 5000
	DefaultSubscriberBuffer    = 256
)

// Config bounds the store. Zero fields take the defaults.
type Config struct {
	// MaxSessions is the most sessions kept; past it the least recently
	// active ended session is evicted first, then the least recently
	// active live one.
	MaxSessions int
	// MaxEventsPerSession keeps the last N events of each session.
	MaxEventsPerSession int
	// MaxGlobalEvents keeps the last N events with no session (core,
	// transport, external, session-less plugin events).
	MaxGlobalEvents int
	// SubscriberBuffer is each live-tail subscriber's channel size; a
	// subscriber that falls behind loses events, never slows the store.
	SubscriberBuffer int
	// Logger; default discard.
	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.MaxSessions <= 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.MaxEventsPerSession <= 0 {
		c.MaxEventsPerSession = DefaultMaxEventsPerSession
	}
	if c.MaxGlobalEvents <= 0 {
		c.MaxGlobalEvents = DefaultMaxGlobalEvents
	}
	if c.SubscriberBuffer <= 0 {
		c.SubscriberBuffer = DefaultSubscriberBuffer
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}
