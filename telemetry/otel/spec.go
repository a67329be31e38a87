package otel

import "github.com/argusrtc/argus/telemetry"

// HandlerPackage is the module name the sink is listed under in
// server_info "events" (Argus's own: Janus has no such handler).
const HandlerPackage = "argus.eventhandler.otel"

// The flag and module of the sink, for cmd/argus and -help. It takes no
// -sink-opt: the OTEL_* environment configures it.
func init() {
	telemetry.DescribeSink(telemetry.SinkSpec{
		Name: SinkName,
		Flag: telemetry.SinkFlag{Name: "otel", Kind: telemetry.FlagBool,
			Usage: "export traces with OpenTelemetry (configured by the OTEL_EXPORTER_OTLP_* variables)"},
		Handler: telemetry.ArgusHandler(HandlerPackage, "Argus OpenTelemetry event handler",
			"Exports sessions, handles and PeerConnections as OpenTelemetry traces."),
	})
}
