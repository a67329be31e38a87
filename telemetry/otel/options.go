package otel

import "log/slog"

// DefaultMaxTracked bounds each table of live spans (sessions, handles,
// VideoRoom feeds). Past it an arbitrary entry is ended and forgotten, so
// lost events can never make the sink grow without bound.
const DefaultMaxTracked = 1 << 16

// Option configures New.
type Option interface {
	apply(c *config)
}

type config struct {
	serverID   string
	maxTracked int
	logger     *slog.Logger
}

type optionFunc func(c *config)

func (f optionFunc) apply(c *config) { f(c) }

func newConfig(opts []Option) config {
	c := config{maxTracked: DefaultMaxTracked}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.maxTracked < 1 {
		c.maxTracked = DefaultMaxTracked
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// WithServerID sets the server id hashed into session trace ids (see
// TraceID). Without it the sink uses each event's Emitter (the server name),
// which is what cmd/argus should pass anyway.
func WithServerID(id string) Option {
	return optionFunc(func(c *config) { c.serverID = id })
}

// WithMaxTracked bounds the tables of live spans (default DefaultMaxTracked).
func WithMaxTracked(n int) Option {
	return optionFunc(func(c *config) { c.maxTracked = n })
}

// WithLogger sets the sink's logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) { c.logger = l })
}
