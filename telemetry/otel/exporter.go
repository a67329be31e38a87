package otel

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// ExporterFromEnv builds the span exporter the standard environment asks
// for:
//
//   - OTEL_TRACES_EXPORTER: "otlp" (default), "console" or "stdout" (pretty
//     JSON on standard output), "none" (ErrExporterDisabled).
//   - OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL:
//     "http/protobuf" (default, as the specification says), "grpc", or the
//     Argus shorthand "stdout".
//   - Endpoint, headers, TLS, compression and timeout come from
//     OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, _HEADERS, _CERTIFICATE,
//     _COMPRESSION, _TIMEOUT, _INSECURE, read by the otlptracehttp and
//     otlptracegrpc packages themselves.
//
// Creating an OTLP exporter does not connect; export errors surface later.
func ExporterFromEnv(ctx context.Context) (sdktrace.SpanExporter, error) {
	switch kind := strings.ToLower(strings.TrimSpace(os.Getenv("OTEL_TRACES_EXPORTER"))); kind {
	case "", "otlp":
	case "console", "stdout":
		return stdoutExporter()
	case "none":
		return nil, ErrExporterDisabled
	default:
		return nil, fmt.Errorf("%w: OTEL_TRACES_EXPORTER=%q", ErrUnknownProtocol, kind)
	}
	proto := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if proto == "" {
		proto = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch p := strings.ToLower(strings.TrimSpace(proto)); p {
	case "", "http/protobuf":
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("otel: OTLP/HTTP exporter: %w", err)
		}
		return exp, nil
	case "grpc":
		exp, err := otlptracegrpc.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("otel: OTLP/gRPC exporter: %w", err)
		}
		return exp, nil
	case "stdout", "console":
		return stdoutExporter()
	default:
		return nil, fmt.Errorf("%w: %q (want grpc, http/protobuf or stdout)", ErrUnknownProtocol, p)
	}
}

func stdoutExporter() (sdktrace.SpanExporter, error) {
	exp, err := stdouttrace.New(stdouttrace.WithPrettyPrint())
	if err != nil {
		return nil, fmt.Errorf("otel: stdout exporter: %w", err)
	}
	return exp, nil
}
