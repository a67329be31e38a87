package evhkit

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// MaxGroup is the most events in one grouped message, as in Janus.
const MaxGroup = 100

// Publish sends evs over c: one message when grouped, else one message per
// event (a single event unless CoreConfig.PerCall). An error marks c
// broken and counts evs as dropped.
type Publish[C Conn] func(ctx context.Context, c C, evs []*telemetry.Event, grouped bool) error

// Core is the common part of a broker sink: its own mask and grouping
// (both changed by Admin "tweak"), the connection, and the counters.
type Core[C Conn] struct {
	handler  string // Janus package name, for query_eventhandler
	mask     atomic.Uint32
	grouping atomic.Bool
	canGroup bool
	multi    bool
	conn     *Reconnector[C]
	publish  Publish[C]
	timeout  time.Duration
	log      *slog.Logger

	published, dropped atomic.Uint64
}

// CoreConfig configures a Core.
type CoreConfig[C Conn] struct {
	Handler  string         // Janus package name
	Events   telemetry.Mask // the sink's own mask
	Grouping bool           // start grouped (only when CanGroup)
	CanGroup bool           // the module groups (wsevh, rabbitmqevh) or sends one event per message
	// PerCall hands Publish up to MaxGroup events at once even when not
	// grouping, for publishers that send each event as its own message
	// but wait for the broker's acknowledgements once per call.
	PerCall bool
	Conn    *Reconnector[C]
	Publish Publish[C]
	// PublishTimeout bounds one Publish call (a broker that stops
	// acknowledging must not hold the sink); default DefaultDialTimeout.
	PublishTimeout time.Duration
	Logger         *slog.Logger
}

// NewCore returns a Core.
func NewCore[C Conn](cfg CoreConfig[C]) *Core[C] {
	c := &Core[C]{handler: cfg.Handler, canGroup: cfg.CanGroup, multi: cfg.PerCall, conn: cfg.Conn, publish: cfg.Publish, log: cfg.Logger}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.timeout = cfg.PublishTimeout
	if c.timeout <= 0 {
		c.timeout = DefaultDialTimeout
	}
	c.mask.Store(uint32(cfg.Events))
	c.grouping.Store(cfg.Grouping && cfg.CanGroup)
	return c
}

// Export publishes the events that pass the sink's mask, in messages of
// up to MaxGroup events when grouping. While the connection is down the
// rest of the batch is dropped, counted, and the error returned (the bus
// counts the batch as failed); it never waits for the broker beyond one
// bounded dial.
func (c *Core[C]) Export(ctx context.Context, batch []*telemetry.Event) error {
	mask := telemetry.Mask(c.mask.Load())
	evs := make([]*telemetry.Event, 0, len(batch))
	for _, e := range batch {
		if mask.Has(e.Type) {
			evs = append(evs, e)
		}
	}
	grouped := c.grouping.Load()
	group := 1
	if grouped || c.multi {
		group = MaxGroup
	}
	var errs []error
	for len(evs) > 0 {
		conn, err := c.conn.Get(ctx)
		if err != nil {
			c.dropped.Add(uint64(len(evs)))
			return errors.Join(append(errs, err)...)
		}
		n := min(group, len(evs))
		if err := c.publishOne(ctx, conn, evs[:n], grouped); err != nil {
			c.conn.Drop(conn)
			c.dropped.Add(uint64(n))
			errs = append(errs, err)
		} else {
			c.published.Add(1)
		}
		evs = evs[n:]
	}
	return errors.Join(errs...)
}

// publishOne runs Publish within the publish timeout.
func (c *Core[C]) publishOne(ctx context.Context, conn C, evs []*telemetry.Event, grouped bool) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	return c.publish(ctx, conn, evs, grouped)
}

// Shutdown closes the connection; the bus has drained the queue into
// Export before.
func (c *Core[C]) Shutdown(context.Context) error {
	return c.conn.Close()
}

// ConnectionFailures counts failed connection attempts (exported as
// argus_event_sink_connection_failures_total by cmd/argus).
func (c *Core[C]) ConnectionFailures() uint64 { return c.conn.Failures() }

// Stats are the sink's own counters.
type Stats struct {
	Published          uint64 // messages the broker accepted
	Dropped            uint64 // events not delivered
	Connects           uint64
	ConnectionFailures uint64
}

// Stats returns the counters.
func (c *Core[C]) Stats() Stats {
	return Stats{Published: c.published.Load(), Dropped: c.dropped.Load(),
		Connects: c.conn.Connects(), ConnectionFailures: c.conn.Failures()}
}

// Mask returns the sink's own mask.
func (c *Core[C]) Mask() telemetry.Mask { return telemetry.Mask(c.mask.Load()) }

// EventHandlerName is the Janus package name.
func (c *Core[C]) EventHandlerName() string { return c.handler }

// Admin query_eventhandler error codes, as Janus's event handlers.
const (
	ErrCodeInvalidRequest = 411
	ErrCodeMissingElement = 412
	ErrCodeInvalidElement = 413
)

// Query answers Admin query_eventhandler like Janus's broker handlers:
// {"request":"tweak", "events"?: mask string, "grouping"?: bool (handlers
// that group)} → {"result":200}, or {"error_code","error"}.
func (c *Core[C]) Query(_ context.Context, req json.RawMessage) any {
	var r struct {
		Request  *string         `json:"request"`
		Events   json.RawMessage `json:"events"`
		Grouping json.RawMessage `json:"grouping"`
	}
	if err := json.Unmarshal(req, &r); err != nil {
		return queryError(ErrCodeInvalidElement, "Invalid request")
	}
	if r.Request == nil {
		return queryError(ErrCodeMissingElement, "Missing mandatory element (request)")
	}
	if !strings.EqualFold(*r.Request, "tweak") {
		return queryError(ErrCodeInvalidRequest, "Unknown request '"+*r.Request+"'")
	}
	var events string
	var grouping bool
	if r.Events != nil && json.Unmarshal(r.Events, &events) != nil {
		return queryError(ErrCodeInvalidElement, "Invalid element type (events should be a string)")
	}
	if r.Grouping != nil && (!c.canGroup || json.Unmarshal(r.Grouping, &grouping) != nil) {
		return queryError(ErrCodeInvalidElement, "Invalid element (grouping)")
	}
	if r.Events != nil {
		c.mask.Store(uint32(telemetry.ParseMask(events)))
	}
	if r.Grouping != nil {
		c.grouping.Store(grouping)
	}
	return map[string]any{"result": 200}
}

func queryError(code int, msg string) map[string]any {
	return map[string]any{"error_code": code, "error": msg}
}
