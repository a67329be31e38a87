package otel

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/eventbody"
	"github.com/argusrtc/argus/telemetry/verdict"
)

// verdict records a verdict event as a "verdict" span under the span of
// what it judges: the handle span for a PeerConnection, the session span
// for a session. Verdicts come after the end they judge, so the parent is
// looked up among live spans first, then among ended ones. A verdict other
// than "ok" has error status with the outcome as its description.
func (s *Sink) verdict(e *telemetry.Event, b map[string]any) {
	if eventbody.String(b, "schema") != verdict.Schema {
		return
	}
	d := eventbody.Object(b["data"])
	scope, outcome := eventbody.String(d, "scope"), eventbody.String(d, "outcome")
	owner := e.SessionID
	if scope == verdict.ScopePeerConnection {
		owner = e.HandleID
	}
	// Never saw it (or evicted): the verdict, a root span then, still
	// joins the session's trace, whose id is derived from the session id.
	ctx := withTraceID(context.Background(), TraceID(s.serverID(e), e.SessionID))
	if parent, ok := s.spanContextOf(scope, owner); ok {
		ctx = trace.ContextWithSpanContext(ctx, parent)
	}
	attrs := []attribute.KeyValue{
		attrSessionID.Int64(int64(e.SessionID)),
		attribute.String("argus.verdict.scope", scope),
		attribute.String("argus.verdict.outcome", outcome),
		attribute.StringSlice("argus.verdict.findings", stringList(eventbody.List(d, "findings"))),
	}
	if e.HandleID != 0 {
		attrs = append(attrs, attrHandleID.Int64(int64(e.HandleID)))
	}
	attrs = append(attrs, evidenceAttrs(d)...)
	t := time.UnixMicro(e.Timestamp)
	_, sp := s.tracer.Start(ctx, "verdict "+scope, trace.WithTimestamp(t), trace.WithAttributes(attrs...))
	if outcome != "ok" {
		sp.SetStatus(codes.Error, outcome)
	}
	sp.End(trace.WithTimestamp(t))
	if scope == verdict.ScopeSession {
		s.ended.Delete(e.SessionID) // the session's last verdict
	} else {
		s.ended.Delete(e.HandleID)
	}
}

// spanContextOf finds the span a verdict belongs to, live or ended.
func (s *Sink) spanContextOf(scope string, id uint64) (trace.SpanContext, bool) {
	if scope == verdict.ScopePeerConnection {
		if h, ok := s.handles.Get(id); ok {
			return h.span.SpanContext(), true
		}
	} else if st, ok := s.sessions.Get(id); ok {
		return st.span.SpanContext(), true
	}
	sc, ok := s.ended.Get(id)
	return sc, ok
}

// evidenceAttrs are the numbers of a verdict worth searching spans by.
func evidenceAttrs(d map[string]any) []attribute.KeyValue {
	var out []attribute.KeyValue
	if pc := eventbody.Object(d["peerconnection"]); pc != nil {
		out = append(out, attribute.String("argus.verdict.milestone", eventbody.String(pc, "milestone")))
		for _, k := range []string{"loss_in_pct", "loss_out_pct", "jitter_ms", "rtt_ms"} {
			if v, ok := eventbody.Number(pc, k); ok {
				out = append(out, attribute.Float64("argus.verdict."+k, v))
			}
		}
	}
	if sum := eventbody.Object(d["session"]); sum != nil {
		for _, k := range []string{"duration_ms", "setup_ms", "peerconnections", "packets_in", "packets_out", "bytes_in", "bytes_out", "worst_loss_pct", "worst_jitter_ms", "max_rtt_ms"} {
			if v, ok := eventbody.Number(sum, k); ok {
				out = append(out, attribute.Float64("argus.session."+k, v))
			}
		}
	}
	return out
}

func stringList(list []any) []string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
