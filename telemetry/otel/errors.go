package otel

import "errors"

// ErrUnknownProtocol is returned by ExporterFromEnv for an unsupported
// OTEL_EXPORTER_OTLP_PROTOCOL or OTEL_TRACES_EXPORTER value.
var ErrUnknownProtocol = errors.New("otel: unknown trace exporter protocol")

// ErrExporterDisabled is returned by ExporterFromEnv when
// OTEL_TRACES_EXPORTER is "none".
var ErrExporterDisabled = errors.New("otel: trace exporter disabled")

// ErrUnknownSetting is returned by the registered "otel" sink factory for
// any setting: the sink is configured by the OTEL_* environment.
var ErrUnknownSetting = errors.New("otel: unknown setting")
