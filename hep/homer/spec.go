package homer

import "github.com/argusrtc/argus/telemetry"

// HandlerPackage is the module name the sink is listed under in
// server_info "events" (Argus's own: Janus has no HEP event handler).
const HandlerPackage = "argus.eventhandler.hep"

// urlKey is the setting the sink's flag sets: heplify-server's URL.
const urlKey = "url"

// The flag, options, factory and module of the sink, for cmd/argus and
// -help; the options are documented with defaultSinkConfig's values.
func init() {
	telemetry.RegisterSinkSpec(telemetry.SinkSpec{
		Name:    SinkName,
		Factory: FromSettings,
		Flag: telemetry.SinkFlag{Name: "hep", Kind: telemetry.FlagURL, Setting: urlKey,
			Usage: "send events to Homer as HEP v3 (`URL` udp://host:9060, tcp://host:9061 or tls://host:9061)"},
		Options: telemetry.OptionDocs(defaultSinkConfig(), options),
		Handler: telemetry.ArgusHandler(HandlerPackage, "Argus HEP event handler", "Sends events to Homer as HEP v3."),
	})
}
