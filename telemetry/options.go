package telemetry

import (
	"log/slog"
	"time"
)

// Queue defaults, modelled on the OpenTelemetry SDK's batch span processor.
const (
	// DefaultQueueSize is the per-sink queue capacity. 2048 events is about
	// two seconds of a busy gateway's events (hundreds of PeerConnections,
	// one media report per second each) and about 16 KiB of pointers.
	DefaultQueueSize = 2048
	// DefaultQueueBytes bounds what a sink's queue holds by size too
	// (estimated, see WithQueueBytes): JSEP events carry whole SDPs (up to
	// 512 KiB each), so 2048 of them queued for a dead backend would be
	// about 1 GB; a healthy queue holds well under 1 MiB.
	DefaultQueueBytes = 64 << 20
	// DefaultBatchSize is the most events handed to one Export call.
	DefaultBatchSize = 512
	// DefaultBatchTimeout bounds how long an event waits in a partial batch.
	// OpenTelemetry uses 5 s for spans; events feed live views (the
	// console's tail, Homer, a Janus HTTP consumer) where one second is the
	// most a human waits without noticing, while a burst (a session set up
	// emits dozens of events at once) still leaves in one export.
	DefaultBatchTimeout = time.Second
	// DefaultExportTimeout bounds one Export call, retries included.
	DefaultExportTimeout = 30 * time.Second
)

// BusOption configures a Bus.
type BusOption interface{ applyBus(*busConfig) }

// QueueOption configures one sink's queue at Attach.
type QueueOption interface{ applyQueue(*queueConfig) }

type busConfig struct {
	logger   *slog.Logger
	observer Observer
}

type queueConfig struct {
	size          int
	maxBytes      int64
	batchSize     int
	batchTimeout  time.Duration
	exportTimeout time.Duration
	derives       bool
}

type busOptionFunc func(*busConfig)

func (f busOptionFunc) applyBus(c *busConfig) { f(c) }

type queueOptionFunc func(*queueConfig)

func (f queueOptionFunc) applyQueue(c *queueConfig) { f(c) }

func newBusConfig(opts []BusOption) busConfig {
	var c busConfig
	for _, o := range opts {
		if o != nil {
			o.applyBus(&c)
		}
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func newQueueConfig(opts []QueueOption) queueConfig {
	c := queueConfig{
		size:          DefaultQueueSize,
		maxBytes:      DefaultQueueBytes,
		batchSize:     DefaultBatchSize,
		batchTimeout:  DefaultBatchTimeout,
		exportTimeout: DefaultExportTimeout,
	}
	for _, o := range opts {
		if o != nil {
			o.applyQueue(&c)
		}
	}
	if c.size <= 0 {
		c.size = DefaultQueueSize
	}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultQueueBytes
	}
	if c.batchSize <= 0 {
		c.batchSize = DefaultBatchSize
	}
	if c.batchSize > c.size {
		c.batchSize = c.size
	}
	if c.batchTimeout <= 0 {
		c.batchTimeout = DefaultBatchTimeout
	}
	if c.exportTimeout <= 0 {
		c.exportTimeout = DefaultExportTimeout
	}
	return c
}

// WithLogger sets the logger for export errors and drop warnings; each
// sink's records carry a "sink" attribute. Default: discard.
func WithLogger(l *slog.Logger) BusOption {
	return busOptionFunc(func(c *busConfig) { c.logger = l })
}

// WithObserver sets an Observer told about every export (for a duration
// histogram). Default: none, so the hot path pays nothing.
func WithObserver(o Observer) BusOption {
	return busOptionFunc(func(c *busConfig) { c.observer = o })
}

// WithQueueSize sets the queue capacity (default DefaultQueueSize). When the
// queue is full, Emit drops the event for this sink and counts it.
func WithQueueSize(n int) QueueOption {
	return queueOptionFunc(func(c *queueConfig) { c.size = n })
}

// WithQueueBytes bounds the estimated size of the events in the queue
// (default DefaultQueueBytes): an event that would take it past n is
// dropped for this sink and counted, as on a full queue, unless the queue
// holds no event of 1 KiB or more. The estimate encodes nothing: a JSEP
// event counts its SDP, raw JSON bodies their length, a combined media
// report 256 bytes a stream, every other event a fixed 512 bytes; events
// estimated under 1 KiB are left to the count bound. A JSON encoding that
// another sink already made of a queued event (Event.JSON) is not counted.
func WithQueueBytes(n int) QueueOption {
	return queueOptionFunc(func(c *queueConfig) { c.maxBytes = int64(n) })
}

// WithBatchSize sets the most events per Export (default DefaultBatchSize,
// capped at the queue size).
func WithBatchSize(n int) QueueOption {
	return queueOptionFunc(func(c *queueConfig) { c.batchSize = n })
}

// WithBatchTimeout sets how long a partial batch waits before it is exported
// (default DefaultBatchTimeout). Lower it for live views such as the history
// sink's tail.
func WithBatchTimeout(d time.Duration) QueueOption {
	return queueOptionFunc(func(c *queueConfig) { c.batchTimeout = d })
}

// WithDerivedEvents marks a sink that emits events derived from those it
// exports back onto the bus (telemetry/verdict judges the sessions that end
// and emits verdicts). Shutdown drains such sinks first, while the bus still
// accepts what they emit, so the other sinks export it; a drain returns
// once it finds the sink's queue empty after an export, so what the sink
// derives for itself is exported too (up to drainRounds exports).
func WithDerivedEvents() QueueOption {
	return queueOptionFunc(func(c *queueConfig) { c.derives = true })
}

// WithExportTimeout bounds each Export call (default DefaultExportTimeout).
func WithExportTimeout(d time.Duration) QueueOption {
	return queueOptionFunc(func(c *queueConfig) { c.exportTimeout = d })
}
