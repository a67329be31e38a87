package otel

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/verdict"
)

func TestVerdictSpans(t *testing.T) {
	// The verdict sink's tracker judges the same events the otel sink sees;
	// its verdict events come after the ends they judge.
	evs := echoTestScript()
	tr := verdict.NewTracker(verdict.DefaultThresholds(), verdict.DefaultLimits())
	var verdicts []*telemetry.Event
	for _, e := range evs {
		for _, v := range tr.Observe(e) {
			verdicts = append(verdicts, verdict.Event(v, server))
		}
	}
	if len(verdicts) != 2 {
		t.Fatalf("%d verdicts, want 2", len(verdicts))
	}
	r := newRecorder(t)
	r.export(t, append(evs, verdicts...)...)
	spans := r.byName(t)
	sess, handle := spans["session"], spans["handle janus.plugin.echotest"]
	for _, tc := range []struct {
		name   string
		parent interface{ String() string }
	}{
		{"verdict peerconnection", handle.SpanContext.SpanID()},
		{"verdict session", sess.SpanContext.SpanID()},
	} {
		sp, ok := spans[tc.name]
		if !ok {
			t.Fatalf("no %q span (have %v)", tc.name, keys(spans))
		}
		if sp.Parent.SpanID().String() != tc.parent.String() || sp.SpanContext.TraceID() != TraceID(server, testSession) {
			t.Errorf("%s: parent %s trace %s, want parent %s in the session's trace", tc.name, sp.Parent.SpanID(), sp.SpanContext.TraceID(), tc.parent)
		}
		// The script's client sent audio that never went back: one-way.
		if sp.Status.Code != codes.Error || sp.Status.Description != "one-way" {
			t.Errorf("%s: status %v %q, want Error one-way", tc.name, sp.Status.Code, sp.Status.Description)
		}
		if !hasAttr(sp.Attributes, attribute.String("argus.verdict.outcome", "one-way")) {
			t.Errorf("%s: attributes %v lack the outcome", tc.name, sp.Attributes)
		}
	}
	if _, _, n := r.sink.open(); n != 0 {
		t.Errorf("%d feeds left open", n)
	}
	if n := r.sink.ended.Len(); n != 0 {
		t.Errorf("%d ended span contexts kept after the session verdict, want 0", n)
	}
}

func hasAttr(attrs []attribute.KeyValue, want attribute.KeyValue) bool {
	for _, a := range attrs {
		if a == want {
			return true
		}
	}
	return false
}
