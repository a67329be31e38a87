package httpevh

import "github.com/argusrtc/argus/telemetry"

// The flag, options and Janus module of the sink, for cmd/argus and -help.
func init() {
	telemetry.DescribeSink(telemetry.SinkSpec{
		Name: SinkName,
		Flag: telemetry.SinkFlag{Name: "event-http", Kind: telemetry.FlagURL, Setting: "backend",
			Usage: "POST events to this `URL` in Janus's sample event handler format"},
		Options: []telemetry.SinkOption{
			{Key: "events", Default: "all", Usage: "Janus event mask"},
			{Key: "grouping", Default: "true", Usage: "POST arrays of up to 100 events"},
			{Key: "json", Default: "indented", Usage: "indented, plain or compact"},
			{Key: "compress", Default: "false", Usage: "gzip the body"},
			{Key: "compression", Default: "6", Usage: "gzip level 0-9"},
			{Key: "backend_user", Usage: "HTTP Basic user"},
			{Key: "backend_pwd", Usage: "HTTP Basic password"},
			{Key: "max_retransmissions", Default: "5", Usage: "retries of a failed POST"},
			{Key: "retransmissions_backoff", Default: "100", Usage: "ms before the first retry, doubling"},
			{Key: "timeout", Default: "10000", Usage: "ms per POST"},
		},
		Handler: telemetry.HandlerInfo{Package: HandlerName, Name: "JANUS SampleEventHandler plugin",
			Author: "Argus", Description: "Janus sample event handler: POSTs events to an HTTP backend.",
			VersionString: "0.0.1", Version: 1},
	})
}
