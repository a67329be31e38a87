package history

import (
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// batchTimeout keeps the console's live tail within a tenth of a second
// of the gateway (the bus default, 1 s, suits remote exporters).
const batchTimeout = 100 * time.Millisecond

// The flag, options, factory, queue and module of the store, for cmd/argus and
// -help; the options are documented with defaultSettings' values. The
// console and its API are the Admin listener's UI of this store:
// cmd/argus mounts them behind the admin guard (console.go).
func init() {
	telemetry.RegisterSinkSpec(telemetry.SinkSpec{
		Name:    SinkName,
		Factory: FromSettings,
		Flag: telemetry.SinkFlag{Name: "history", Kind: telemetry.FlagBool, On: true,
			Usage: "keep recent sessions' events in memory; console at /console/ on the Admin listener"},
		Options: telemetry.OptionDocs(defaultSettings(), options),
		Handler: telemetry.ArgusHandler(HandlerName, "Argus history event handler",
			"Keeps recent sessions' events for the console and query_eventhandler."),
		Queue: []telemetry.QueueOption{telemetry.WithBatchTimeout(batchTimeout)},
	})
}
