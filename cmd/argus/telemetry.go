package main

import (
	"log/slog"
	nethttp "net/http"

	"github.com/argusrtc/argus/telemetry"
)

// newTelemetry builds the event bus every component emits into.
//
// Hook: sinks are attached here (bus.Attach) and sinks that serve HTTP
// (Prometheus /metrics, the history console) mount their handlers on
// adminMux, the Admin listener's mux. The first milestone attaches none,
// so events cost one atomic load and are dropped.
func newTelemetry(_ config, logger *slog.Logger, _ *nethttp.ServeMux) (*telemetry.Bus, error) {
	bus := telemetry.NewBus(telemetry.WithLogger(logger.With("component", "telemetry")))
	return bus, nil
}
