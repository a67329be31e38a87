package telemetry

import "context"

// Sink exports batches of events. The bus runs one goroutine per sink, so
// Export is never called concurrently for one sink. Export retries inside
// itself, within ctx; Shutdown flushes what it holds within ctx. Calls after
// Shutdown are ignored. A Sink must not modify the events it is given.
type Sink interface {
	Export(ctx context.Context, batch []*Event) error
	Shutdown(ctx context.Context) error
}

// JSONSink is implemented by sinks that export every event's Janus JSON
// (Event.JSON): the HTTP event handler, HEP's log records, the brokers.
// When one or more of them take an event, the bus has it encoded once for
// all of them instead of once per sink. SharesJSON is read once, at Attach.
type JSONSink interface {
	Sink
	SharesJSON() bool
}
