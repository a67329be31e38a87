package otel

import (
	"context"
	"crypto/sha256"
	"math/rand/v2"
	"strconv"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TraceID returns the trace id of a Janus session: the first 16 bytes of
// SHA-256(serverID + ":" + decimal sessionID). Anything that knows the
// server id (the event emitter, Janus server_name) and a session_id (logs,
// HEP records, Prometheus exemplars, the Admin API) can name the session's
// trace without asking the tracer. Render it with TraceID(...).String().
func TraceID(serverID string, sessionID uint64) trace.TraceID {
	sum := sha256.Sum256([]byte(serverID + ":" + strconv.FormatUint(sessionID, 10)))
	var id trace.TraceID
	copy(id[:], sum[:16])
	if !id.IsValid() { // all zero: astronomically unlikely, but must stay valid
		id[15] = 1
	}
	return id
}

type traceIDKey struct{}

// withTraceID asks the IDGenerator for trace id id when a root span is
// started with the returned context.
func withTraceID(ctx context.Context, id trace.TraceID) context.Context {
	return context.WithValue(ctx, traceIDKey{}, id)
}

// idGenerator is an sdktrace.IDGenerator that takes a root span's trace id
// from the start context when the sink put one there, and is random
// otherwise.
type idGenerator struct{}

// NewIDGenerator returns the IDGenerator that lets the sink give each
// session's root span the trace id TraceID(serverID, session_id). A
// TracerProvider built without it (sdktrace.WithIDGenerator) still works but
// gives sessions random trace ids. NewTracerProvider installs it.
func NewIDGenerator() sdktrace.IDGenerator { return idGenerator{} }

func (idGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	tid, ok := ctx.Value(traceIDKey{}).(trace.TraceID)
	if !ok || !tid.IsValid() {
		for !tid.IsValid() {
			putUint64(tid[:8], rand.Uint64())
			putUint64(tid[8:], rand.Uint64())
		}
	}
	return tid, newSpanID()
}

func (idGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID { return newSpanID() }

func newSpanID() trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		putUint64(sid[:], rand.Uint64())
	}
	return sid
}

func putUint64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (56 - 8*i))
	}
}

var _ sdktrace.IDGenerator = idGenerator{}

// TraceIDFunc returns a function giving the hex trace id of a session of
// serverID, the shape prom.WithTraceID and log helpers take.
func TraceIDFunc(serverID string) func(sessionID uint64) string {
	return func(sessionID uint64) string { return TraceID(serverID, sessionID).String() }
}
