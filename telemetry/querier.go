package telemetry

import (
	"context"
	"encoding/json"
)

// Querier is implemented by sinks that answer the Admin API's
// query_eventhandler request (janus-reference.md section 3.1).
type Querier interface {
	// EventHandlerName is the package name the Admin request names in
	// "handler", e.g. "janus.eventhandler.sampleevh".
	EventHandlerName() string
	// Query answers the request's "request" object; the result becomes the
	// Admin response's "response".
	Query(ctx context.Context, req json.RawMessage) any
}

// Querier returns the attached sink whose EventHandlerName is handler.
func (b *Bus) Querier(handler string) (Querier, bool) {
	for _, r := range *b.all.Load() {
		if q, ok := r.sink.(Querier); ok && q.EventHandlerName() == handler {
			return q, true
		}
	}
	return nil, false
}
