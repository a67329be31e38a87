package otel

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/verdict"
)

// verdict records a verdict event as a "verdict" span under the span of
// what it judges: the handle span for a PeerConnection, the session span
// for a session. Verdicts come after the end they judge, so the parent is
// looked up among live spans first, then among ended ones. A verdict other
// than "ok" has error status with the outcome as its description.
func (s *Sink) verdict(e *telemetry.Event, d verdict.Verdict) {
	scope, outcome := d.Scope, string(d.Outcome)
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
		attribute.StringSlice("argus.verdict.findings", d.Findings),
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
func evidenceAttrs(d verdict.Verdict) []attribute.KeyValue {
	var out []attribute.KeyValue
	if pc := d.PeerConnection; pc != nil {
		out = append(out, attribute.String("argus.verdict.milestone", pc.Milestone),
			attribute.Float64("argus.verdict.loss_in_pct", pc.LossInPct),
			attribute.Float64("argus.verdict.loss_out_pct", pc.LossOutPct),
			attribute.Float64("argus.verdict.jitter_ms", pc.JitterMs),
			attribute.Float64("argus.verdict.rtt_ms", float64(pc.RTTMs)))
	}
	if sum := d.Session; sum != nil {
		num := func(k string, v float64) {
			out = append(out, attribute.Float64("argus.session."+k, v))
		}
		num("duration_ms", float64(sum.DurationMs))
		if sum.SetupMs != nil {
			num("setup_ms", float64(*sum.SetupMs))
		}
		num("peerconnections", float64(sum.PeerConnections))
		num("packets_in", float64(sum.PacketsIn))
		num("packets_out", float64(sum.PacketsOut))
		num("bytes_in", float64(sum.BytesIn))
		num("bytes_out", float64(sum.BytesOut))
		num("worst_loss_pct", sum.WorstLossPct)
		num("worst_jitter_ms", sum.WorstJitterMs)
		num("max_rtt_ms", float64(sum.MaxRTTMs))
	}
	return out
}
