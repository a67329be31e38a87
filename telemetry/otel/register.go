package otel

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/argusrtc/argus/telemetry"
)

// SinkName is the name the sink registers under (telemetry.RegisterSink).
const SinkName = "otel"

func init() {
	telemetry.RegisterSink(SinkName, newFromConfig)
}

// newFromConfig builds a self-contained sink: exporter from the standard
// OTEL_* environment (ExporterFromEnv), its own TracerProvider
// (NewTracerProvider), shut down with the sink. It takes no settings.
func newFromConfig(cfg telemetry.SinkConfig) (telemetry.Sink, error) {
	if len(cfg.Settings) > 0 {
		return nil, fmt.Errorf("%w: %q (configure with OTEL_* environment variables)", ErrUnknownSetting,
			slices.Sorted(maps.Keys(cfg.Settings)))
	}
	ctx := context.Background() // building an exporter does not connect
	exp, err := ExporterFromEnv(ctx)
	if err != nil {
		return nil, err
	}
	tp, counters := newCountedProvider(ctx, cfg.ServerName, exp)
	return &ownedSink{
		Sink:     New(tp, WithServerID(cfg.ServerName), WithLogger(cfg.Logger)),
		tp:       tp,
		counters: counters,
	}, nil
}

// ownedSink is a Sink that also owns its TracerProvider.
type ownedSink struct {
	*Sink
	tp       *sdktrace.TracerProvider
	counters *exportCounters // nil without an exporter
}

// ExportStats reports what the provider's exporter accepted, failed and
// what was dropped before it (cmd/argus exports them to /metrics).
func (s *ownedSink) ExportStats() ExportStats {
	if s.counters == nil {
		return ExportStats{}
	}
	return s.counters.stats()
}

// Shutdown ends open spans, then flushes and shuts the provider down. A
// collector that is down loses the last spans: that is counted
// (argus_otel_export_errors_total) and logged like every failed export,
// not a failed shutdown; running out of time still is.
func (s *ownedSink) Shutdown(ctx context.Context) error {
	err := errors.Join(s.Sink.Shutdown(ctx), s.tp.Shutdown(ctx))
	if err != nil && ctx.Err() == nil && s.counters != nil {
		s.cfg.logger.Warn("otel: the last spans could not be exported", "error", err)
		return nil
	}
	return err
}

var _ telemetry.Sink = (*ownedSink)(nil)
