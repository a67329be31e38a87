package otel

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// NewTracerProvider returns an SDK TracerProvider for the sink: batched
// export to exporter (none if nil), NewIDGenerator for deterministic
// session trace ids, and a resource with service.name "argus" and
// service.instance.id serverName, overridable by OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES. The sampler follows OTEL_TRACES_SAMPLER
// (default: parent-based always-on). It does not set the global provider;
// the caller shuts it down after the sink.
func NewTracerProvider(ctx context.Context, serverName string, exporter sdktrace.SpanExporter) *sdktrace.TracerProvider {
	tp, _ := newCountedProvider(ctx, serverName, exporter)
	return tp
}

// newCountedProvider is NewTracerProvider that also returns the counters of
// its exports (nil without an exporter).
func newCountedProvider(ctx context.Context, serverName string, exporter sdktrace.SpanExporter) (*sdktrace.TracerProvider, *exportCounters) {
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(
			attribute.String("service.name", "argus"),
			attribute.String("service.instance.id", serverName),
		),
		resource.WithFromEnv(),
	)
	if err != nil && res == nil { // a partial resource is still usable
		res = resource.Default()
	}
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithIDGenerator(NewIDGenerator()),
	}
	var counters *exportCounters
	if exporter != nil {
		var bsp sdktrace.SpanProcessor
		bsp, counters = countedBatcher(exporter)
		opts = append(opts, sdktrace.WithSpanProcessor(bsp))
	}
	return sdktrace.NewTracerProvider(opts...), counters
}
