package otel

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/argusrtc/argus/telemetry"
)

// Operation span names (the keys of handleState.ops).
const (
	opJSEP  = "jsep offer/answer"
	opICE   = "ice"
	opDTLS  = "dtls"
	opMedia = "first media"
)

// handleState is a live handle's span, its open operation spans and its
// VideoRoom role.
type handleState struct {
	id, session uint64
	span        trace.Span
	ops         map[string]trace.Span
	offerOwner  string // owner of the pending offer, while opJSEP is open
	mediaSeen   bool   // first media of the current PeerConnection recorded
	role        string // VideoRoom: "publisher" or "subscriber"
	feeds       []feedKey
	linked      map[feedKey]bool
}

// handle handles type 2 events: attached starts the handle span (child of
// the session span) and an "attach" span; detached ends it.
func (s *Sink) handle(e *telemetry.Event, b telemetry.HandleBody) {
	if e.HandleID == 0 {
		return
	}
	switch b.Name {
	case "attached":
		if old, ok := s.handles.Get(e.HandleID); ok {
			s.endHandle(old, at(e), "replaced")
		}
		plugin := b.Plugin
		opaque := e.OpaqueID
		if opaque == "" {
			opaque = b.OpaqueID
		}
		attrs := []attribute.KeyValue{
			attrSessionID.Int64(int64(e.SessionID)), attrHandleID.Int64(int64(e.HandleID)),
			attrPlugin.String(plugin),
		}
		if opaque != "" {
			attrs = append(attrs, attrOpaqueID.String(opaque))
		}
		ctx, st := s.parentOf(e)
		name := "handle"
		if plugin != "" {
			name += " " + plugin
		}
		_, sp := s.tracer.Start(ctx, name, trace.WithTimestamp(at(e)), trace.WithAttributes(attrs...))
		h := &handleState{id: e.HandleID, session: e.SessionID, span: sp, ops: make(map[string]trace.Span)}
		s.handles.Put(e.HandleID, h)
		if st != nil {
			st.handles[e.HandleID] = struct{}{}
		}
		s.instant(sp, "attach", at(e), []attribute.KeyValue{attrPlugin.String(plugin)}, "")
	case "detached":
		if h, ok := s.handles.Get(e.HandleID); ok {
			s.endHandle(h, at(e), "detached")
		}
	}
}

// endHandle aborts the handle's open operations, ends its span and forgets
// it, with the feeds it published.
func (s *Sink) endHandle(h *handleState, t time.Time, reason string) {
	s.abortOps(h, t, reason)
	for _, k := range h.feeds {
		if ref, ok := s.feeds.Get(k); ok && ref.handle == h.id {
			s.feeds.Delete(k)
		}
	}
	h.span.SetAttributes(attrEnd.String(reason))
	h.span.End(trace.WithTimestamp(t))
	s.endedHandles.Put(h.id, endedHandle{session: h.session, span: h.span.SpanContext()})
	s.handles.Delete(h.id)
	if st, ok := s.sessions.Get(h.session); ok {
		delete(st.handles, h.id)
		s.keepEnded(st, h.id)
	}
}

// abortOps ends every open operation span of h as failed.
func (s *Sink) abortOps(h *handleState, t time.Time, reason string) {
	for name, sp := range h.ops {
		sp.SetAttributes(attribute.Bool("argus.aborted", true))
		endWithError(sp, t, "aborted: "+reason)
		delete(h.ops, name)
	}
}

// startOp starts operation name under h unless it is already open.
func (s *Sink) startOp(h *handleState, name string, t time.Time, attrs ...attribute.KeyValue) trace.Span {
	if sp, ok := h.ops[name]; ok {
		return sp
	}
	ctx := trace.ContextWithSpan(context.Background(), h.span)
	_, sp := s.tracer.Start(ctx, name, trace.WithTimestamp(t), trace.WithAttributes(attrs...))
	h.ops[name] = sp
	return sp
}

// endOp ends operation name of h, if open; failed marks it as an error.
func (s *Sink) endOp(h *handleState, name string, t time.Time, failed string, attrs ...attribute.KeyValue) {
	sp, ok := h.ops[name]
	if !ok {
		return
	}
	delete(h.ops, name)
	sp.SetAttributes(attrs...)
	if failed != "" {
		endWithError(sp, t, failed)
		return
	}
	sp.SetStatus(codes.Ok, "")
	sp.End(trace.WithTimestamp(t))
}

// jsep handles type 8 events: a negotiation span runs from an offer (or the
// first description) of one side to the next description of the other.
func (s *Sink) jsep(h *handleState, e *telemetry.Event, b telemetry.JSEPBody) {
	owner, typ := b.Owner, b.JSEP.Type
	if _, open := h.ops[opJSEP]; open {
		if owner != h.offerOwner {
			s.endOp(h, opJSEP, at(e), "", attribute.String("janus.jsep.answer_owner", owner),
				attribute.String("janus.jsep.answer_type", typ))
			return
		}
		s.endOp(h, opJSEP, at(e), "superseded by a new offer")
	}
	h.offerOwner = owner
	s.startOp(h, opJSEP, at(e), attribute.String("janus.jsep.offer_owner", owner),
		attribute.String("janus.jsep.offer_type", typ))
}
