package prom

// DefaultMaxTracked bounds each per-handle table of the sink (connection
// funnel starts, last media counters). 65536 handles is well above what one
// gateway process serves; past it an arbitrary entry is forgotten, so a lost
// detach event can never make the sink grow without bound.
const DefaultMaxTracked = 1 << 16

// Option configures New.
type Option interface {
	apply(c *config)
}

type config struct {
	traceID    func(sessionID uint64) string
	maxTracked int
	plugins    []string
}

type optionFunc func(c *config)

func (f optionFunc) apply(c *config) { f(c) }

func newConfig(opts []Option) config {
	c := config{maxTracked: DefaultMaxTracked, plugins: defaultKnownPlugins}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.maxTracked < 1 {
		c.maxTracked = DefaultMaxTracked
	}
	return c
}

// WithTraceID makes histogram observations carry an exemplar
// {trace_id="..."} naming the trace of the event's session. fn returns the
// hex trace id of a session, or "" for none; cmd/argus passes a closure over
// telemetry/otel.TraceID. Exemplars appear only in OpenMetrics output.
func WithTraceID(fn func(sessionID uint64) string) Option {
	return optionFunc(func(c *config) { c.traceID = fn })
}

// WithMaxTracked bounds the per-handle tables (default DefaultMaxTracked).
func WithMaxTracked(n int) Option {
	return optionFunc(func(c *config) { c.maxTracked = n })
}
