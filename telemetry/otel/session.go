package otel

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/argusrtc/argus/telemetry"
)

// Attribute keys shared by the sink's spans.
const (
	attrSessionID = attribute.Key("janus.session_id")
	attrHandleID  = attribute.Key("janus.handle_id")
	attrOpaqueID  = attribute.Key("janus.opaque_id")
	attrPlugin    = attribute.Key("janus.plugin")
	attrServer    = attribute.Key("argus.server")
	attrTransport = attribute.Key("argus.transport")
	attrTransID   = attribute.Key("argus.transport.id")
	attrEnd       = attribute.Key("argus.end_reason")
)

// sessionState is a live session's root span, its live handles and the
// handles that ended (whose entries in endedHandles its verdict removes).
type sessionState struct {
	id      uint64
	span    trace.Span
	handles map[uint64]struct{}
	ended   []uint64
}

// session handles type 1 events: created starts the root span, destroyed
// and timeout end it (janus-reference.md 4.4).
func (s *Sink) session(e *telemetry.Event, b telemetry.SessionBody) {
	if e.SessionID == 0 {
		return
	}
	switch name := b.Name; name {
	case "created":
		if old, ok := s.sessions.Get(e.SessionID); ok {
			s.endSession(old, at(e), "replaced")
		}
		attrs := []attribute.KeyValue{
			attrSessionID.Int64(int64(e.SessionID)), attrServer.String(e.Emitter),
		}
		if t := b.Transport; t != nil {
			attrs = append(attrs, attrTransport.String(t.Transport), attrTransID.String(t.ID))
		}
		ctx := withTraceID(context.Background(), TraceID(s.serverID(e), e.SessionID))
		_, sp := s.tracer.Start(ctx, "session", trace.WithNewRoot(), trace.WithTimestamp(at(e)),
			trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
		s.sessions.Put(e.SessionID, &sessionState{id: e.SessionID, span: sp, handles: make(map[uint64]struct{})})
	case "destroyed", "timeout":
		if st, ok := s.sessions.Get(e.SessionID); ok {
			s.endSession(st, at(e), name)
		}
	}
}

// endSession ends the session's remaining handles and its root span, and
// forgets it.
func (s *Sink) endSession(st *sessionState, t time.Time, reason string) {
	for id := range st.handles {
		if h, ok := s.handles.Get(id); ok {
			s.endHandle(h, t, reason)
		}
	}
	st.span.SetAttributes(attrEnd.String(reason))
	st.span.End(trace.WithTimestamp(t))
	s.endedSessions.Put(st.id, endedSession{span: st.span.SpanContext(), handles: st.ended})
	s.sessions.Delete(st.id)
	if reason == "evicted" {
		s.cfg.logger.Debug("otel: session span evicted", "session_id", st.id)
	}
}

// parentOf returns the context new handle spans of sessionID start from:
// the session span, or, when the sink never saw the session created, a
// context that still puts the handle in the session's trace.
func (s *Sink) parentOf(e *telemetry.Event) (context.Context, *sessionState) {
	if st, ok := s.sessions.Get(e.SessionID); ok {
		return trace.ContextWithSpan(context.Background(), st.span), st
	}
	return withTraceID(context.Background(), TraceID(s.serverID(e), e.SessionID)), nil
}
