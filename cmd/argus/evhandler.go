package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
)

// errCodeUnsupportedQuery is the error_code a sink without Admin requests
// answers query_eventhandler with (Janus's event handlers use 411 for an
// unknown request).
const errCodeUnsupportedQuery = 411

// eventHandler presents an attached sink as a Janus event handler module:
// it describes itself in server_info "events" and answers Admin
// query_eventhandler through the sink when the sink is a Querier.
type eventHandler struct {
	info telemetry.HandlerInfo
	sink telemetry.Sink
}

func newEventHandler(info telemetry.HandlerInfo, s telemetry.Sink) *eventHandler {
	return &eventHandler{info: info, sink: s}
}

// Info describes the module in server_info "events".
func (h *eventHandler) Info() core.ModuleInfo {
	return core.ModuleInfo{
		Name: h.info.Name, Author: h.info.Author,
		Description: h.info.Description, VersionString: h.info.VersionString, Version: h.info.Version,
	}
}

// Query forwards to the sink, or answers that it takes no requests.
func (h *eventHandler) Query(ctx context.Context, req json.RawMessage) any {
	if q, ok := h.sink.(telemetry.Querier); ok {
		return q.Query(ctx, req)
	}
	return map[string]any{"error_code": errCodeUnsupportedQuery, "error": "Event handler " + h.info.Package + " takes no requests"}
}

// connectionFailer is implemented by sinks that keep a connection to a
// broker or server and count the attempts that failed.
type connectionFailer interface {
	ConnectionFailures() uint64
}

// registerSinkMetrics exports a sink's own counters, labelled with its
// name: argus_event_sink_connection_failures_total for connecting sinks.
func (o *observability) registerSinkMetrics(name string, s telemetry.Sink) error {
	if o.registry == nil {
		return nil
	}
	// A sink with delivery counters of its own (hep: written, dropped,
	// reconnects, write timeouts) shows them in /metrics.
	if c, ok := s.(prometheus.Collector); ok {
		if err := o.registry.Register(c); err != nil {
			return fmt.Errorf("sink %q metrics: %w", name, err)
		}
	}
	cf, ok := s.(connectionFailer)
	if !ok {
		return nil
	}
	return o.registry.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name:        "argus_event_sink_connection_failures_total",
		Help:        "Connection attempts of an event sink to its broker or server that failed.",
		ConstLabels: prometheus.Labels{"sink": name},
	}, func() float64 { return float64(cf.ConnectionFailures()) }))
}
