package homer

import "github.com/argusrtc/argus/telemetry"

// HandlerPackage is the module name the sink is listed under in
// server_info "events" (Argus's own: Janus has no HEP event handler).
const HandlerPackage = "argus.eventhandler.hep"

// The flag, options and module of the sink, for cmd/argus and -help.
func init() {
	telemetry.DescribeSink(telemetry.SinkSpec{
		Name: SinkName,
		Flag: telemetry.SinkFlag{Name: "hep", Kind: telemetry.FlagURL, Setting: "url",
			Usage: "send events to Homer as HEP v3 (`URL` udp://host:9060, tcp://host:9061 or tls://host:9061)"},
		Options: []telemetry.SinkOption{
			{Key: "events", Default: "all", Usage: "Janus event mask"},
			{Key: "capture_id", Default: "2001", Usage: "HEP capture agent id"},
			{Key: "password", Usage: "HEP auth key"},
			{Key: "node_name", Usage: "capture agent name (default: the server name)"},
			{Key: "correlation", Default: "session", Usage: "session or opaque"},
			{Key: "room_correlation", Default: "true", Usage: "also send room events under room-<id>"},
			{Key: "server_addr", Usage: "gateway ip:port used as dst (default: the listener that accepted each connection)"},
			{Key: "dial_timeout", Default: "3000", Usage: "ms"},
			{Key: "write_timeout", Default: "2000", Usage: "ms"},
			{Key: "max_handles", Default: "65536", Usage: "bound of the per-handle state"},
			{Key: "tls_ca_file", Usage: "PEM CAs for tls://"},
			{Key: "tls_server_name", Usage: "name to verify instead of the URL host"},
			{Key: "tls_skip_verify", Default: "false", Usage: "accept any certificate"},
		},
		Handler: telemetry.HandlerInfo{Package: HandlerPackage, Name: "Argus HEP event handler",
			Author: "Argus", Description: "Sends events to Homer as HEP v3.", VersionString: "0.0.1", Version: 1},
	})
}
