package history

import (
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// batchTimeout keeps the console's live tail within a tenth of a second
// of the gateway (the bus default, 1 s, suits remote exporters).
const batchTimeout = 100 * time.Millisecond

// The flag, options, queue and module of the store, for cmd/argus and
// -help. The console and its API are the Admin listener's UI of this
// store: cmd/argus mounts them behind the admin guard (console.go).
func init() {
	telemetry.DescribeSink(telemetry.SinkSpec{
		Name: SinkName,
		Flag: telemetry.SinkFlag{Name: "history", Kind: telemetry.FlagBool, On: true,
			Usage: "keep recent sessions' events in memory; console at /console/ on the Admin listener"},
		Options: []telemetry.SinkOption{
			{Key: "events", Default: "all", Usage: "Janus event mask"},
			{Key: "max_sessions", Default: "1000", Usage: "sessions kept"},
			{Key: "max_events_per_session", Default: "5000", Usage: "last events kept per session"},
			{Key: "max_global_events", Default: "5000", Usage: "last session-less events kept"},
			{Key: "subscriber_buffer", Default: "256", Usage: "live-tail buffer per console client"},
			{Key: "jaeger_url", Usage: "http(s) base URL of the Jaeger UI: the console links a session's trace id to <url>/trace/<id>"},
			{Key: "homer_url", Usage: "http(s) URL template of a Homer search, with {cid}, {from_ms} and {to_ms}: the console links a session's correlation id"},
			{Key: "homer_correlation", Default: "session", Usage: "session or opaque, as hep.correlation: which id the console shows as the Homer correlation id"},
			{Key: sourceKey, Usage: "nats://host:4222: fill the store from a JetStream stream (every node's -event-nats) instead of the local bus"},
			{Key: sourceStreamKey, Default: defaultSourceStream, Usage: "the stream read with source"},
			{Key: sourceDeliverKey, Default: "all", Usage: "all (replay the stream) or new"},
		},
		Handler: telemetry.HandlerInfo{Package: HandlerName, Name: "Argus history event handler",
			Author: "Argus", Description: "Keeps recent sessions' events for the console and query_eventhandler.",
			VersionString: "0.0.1", Version: 1},
		Queue: []telemetry.QueueOption{telemetry.WithBatchTimeout(batchTimeout)},
	})
}
