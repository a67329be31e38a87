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
