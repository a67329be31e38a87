package httpevh

import "github.com/argusrtc/argus/telemetry"

// backendKey is the setting the sink's flag sets: the backend URL.
const backendKey = "backend"

// The flag, options, factory and Janus module of the sink, for cmd/argus
// and -help; the options are documented with DefaultConfig's values.
func init() {
	telemetry.RegisterSinkSpec(telemetry.SinkSpec{
		Name:    SinkName,
		Factory: FromSettings,
		Flag: telemetry.SinkFlag{Name: "event-http", Kind: telemetry.FlagURL, Setting: backendKey,
			Usage: "POST events to this `URL` in Janus's sample event handler format"},
		Options: telemetry.OptionDocs(DefaultConfig(""), options),
		Handler: telemetry.ArgusHandler(HandlerName, "JANUS SampleEventHandler plugin",
			"Janus sample event handler: POSTs events to an HTTP backend."),
	})
}
