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

// Admin query_eventhandler error codes, as Janus's event handlers use them.
const (
	QueryErrUnknownRequest = 411
	QueryErrMissingElement = 412
	QueryErrInvalidElement = 413
)

// QueryError is a query_eventhandler error response.
type QueryError struct {
	Code  int    `json:"error_code"`
	Error string `json:"error"`
}

// NewQueryError is the error response with code and message.
func NewQueryError(code int, msg string) QueryError { return QueryError{Code: code, Error: msg} }
