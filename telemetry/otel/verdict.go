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

// maxEndedPerSession bounds the ended handles whose span contexts a session
// keeps for its verdicts, so a client that attaches and detaches handles in
// a loop cannot crowd the other sessions' out of endedHandles. A handle's
// last verdict comes at its detach, or verdict.FinalReportGrace after its
// hangup while events flow: a session whose handles end this many at a
// time is a loop, not a call.
const maxEndedPerSession = 128

// endedHandle is the span context of an ended handle span, kept for the
// verdicts of its PeerConnections until its session's verdict.
type endedHandle struct {
	session uint64
	span    trace.SpanContext
}

// endedSession is the span context of an ended session span, kept for its
// verdict, and its ended handles, forgotten with it.
type endedSession struct {
	span    trace.SpanContext
	handles []uint64
}

// verdict records a verdict event as a "verdict" span under the span of
// what it judges: the handle span for a PeerConnection, the session span
// for a session. Verdicts come after the end they judge, so the parent is
// looked up among live spans first, then among ended ones. A verdict other
// than "ok" has error status with the outcome as its description.
//
// A handle can have several PeerConnections, each with its verdict (a new
// negotiation after a hangup, a VideoRoom subscriber's offer that lands
// after its hangup), and the verdict sink's events reach this sink late,
// after the handle's detach, even after the session's end. So a
// PeerConnection verdict keeps the handle's span context; the session's
// verdict, which follows those of its PeerConnections, forgets the
// session's and its handles'.
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
		s.forgetEnded(e.SessionID)
	}
}

// forgetEnded drops the span contexts of ended session id and of its
// ended handles.
func (s *Sink) forgetEnded(id uint64) {
	es, ok := s.endedSessions.Get(id)
	if !ok {
		return
	}
	s.endedSessions.Delete(id)
	for _, h := range es.handles {
		s.forgetHandle(id, h)
	}
}

// forgetHandle drops the span context of ended handle h of session id.
func (s *Sink) forgetHandle(id, h uint64) {
	if eh, ok := s.endedHandles.Get(h); ok && eh.session == id {
		s.endedHandles.Delete(h)
	}
}

// keepEnded records that handle h of st ended, forgetting the oldest ended
// handle of st past maxEndedPerSession.
func (s *Sink) keepEnded(st *sessionState, h uint64) {
	if len(st.ended) >= maxEndedPerSession {
		s.forgetHandle(st.id, st.ended[0])
		st.ended = append(st.ended[:0], st.ended[1:]...)
	}
	st.ended = append(st.ended, h)
}

// spanContextOf finds the span a verdict belongs to, live or ended.
func (s *Sink) spanContextOf(scope string, id uint64) (trace.SpanContext, bool) {
	if scope == verdict.ScopePeerConnection {
		if h, ok := s.handles.Get(id); ok {
			return h.span.SpanContext(), true
		}
		eh, ok := s.endedHandles.Get(id)
		return eh.span, ok
	}
	if st, ok := s.sessions.Get(id); ok {
		return st.span.SpanContext(), true
	}
	es, ok := s.endedSessions.Get(id)
	return es.span, ok
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
