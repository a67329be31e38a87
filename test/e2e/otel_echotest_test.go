package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/otel"
)

// TestEchoTestOTel runs a real EchoTest per transport with the
// OpenTelemetry sink attached to the server's event bus, as cmd/argus
// wires it, and checks the exported span tree: one trace per session with
// the derived trace id, the "session" root, the handle span under it and
// the operation spans under the handle, all ended once the session is
// destroyed (telemetry/otel/README.md).
func TestEchoTestOTel(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			exp := tracetest.NewInMemoryExporter()
			tp := otel.NewTracerProvider(context.Background(), "argus-e2e", exp)
			bus := telemetry.NewBus()
			sink := otel.New(tp, otel.WithServerID("argus-e2e"), otel.WithLogger(testLogger()))
			if err := bus.Attach("otel", sink, telemetry.MaskAll); err != nil {
				t.Fatal(err)
			}
			// Cleanups run last-in first-out: the server stops before
			// the bus, the bus (and its sink) before the provider.
			testkit.ShutdownAtEnd(t, "tracer provider shutdown", 5*time.Second, tp.Shutdown)
			testkit.ShutdownAtEnd(t, "bus shutdown", 5*time.Second, bus.Shutdown)
			srv := startServer(t, serverOptions{emitter: bus})
			c := srv.dial(t, tr)
			ctx, cancel := context.WithTimeout(context.Background(), 4*stepTimeout)
			defer cancel()

			start := time.Now()
			s := connectedEcho(ctx, t, c)
			if err := s.peer.waitReceived(ctx, 10); err != nil {
				t.Fatal(err)
			}
			if err := s.hangup(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.detachAndDestroy(ctx); err != nil {
				t.Fatal(err)
			}
			// Flush the bus, then the provider's batcher, until the session
			// span (ended by the destroyed event) is exported. The sink is
			// not shut down, so only spans the events ended are there.
			if err := flushUntil(ctx, bus, tp, exp, "session"); err != nil {
				t.Fatal(err)
			}
			end := time.Now()
			checkEchoSpans(t, tr, s, exp.GetSpans(), start, end)
		})
	}
}

// flushUntil flushes the bus and the provider until a span named name was
// exported, or ctx ends.
func flushUntil(ctx context.Context, bus *telemetry.Bus, tp *sdktrace.TracerProvider, exp *tracetest.InMemoryExporter, name string) error {
	for {
		if err := bus.ForceFlush(ctx); err != nil {
			return fmt.Errorf("bus flush: %w", err)
		}
		if err := tp.ForceFlush(ctx); err != nil {
			return fmt.Errorf("provider flush: %w", err)
		}
		for _, sp := range exp.GetSpans() {
			if sp.Name == name {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no %q span exported (%v): %w", name, names(exp.GetSpans()), ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// spanAttrs is a span's attributes by key.
func spanAttrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(s.Attributes))
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

// checkEchoSpans asserts the span tree of one EchoTest session.
func checkEchoSpans(t *testing.T, tr string, s *echoSession, spans tracetest.SpanStubs, start, end time.Time) {
	t.Helper()
	wantTrace := otel.TraceID("argus-e2e", s.sid)
	t.Logf("trace %s: %d spans %v", wantTrace, len(spans), names(spans))
	byName := map[string][]tracetest.SpanStub{}
	for _, sp := range spans {
		if got := sp.SpanContext.TraceID(); got != wantTrace {
			t.Errorf("span %q in trace %s, want the session's %s (one trace per session)", sp.Name, got, wantTrace)
		}
		if sp.StartTime.Before(start.Add(-time.Millisecond)) || sp.EndTime.After(end) || sp.EndTime.Before(sp.StartTime) {
			t.Errorf("span %q runs %s → %s, outside the test's window %s → %s", sp.Name, sp.StartTime, sp.EndTime, start, end)
		}
		if v, ok := spanAttrs(sp)["argus.aborted"]; ok && v.AsBool() {
			t.Errorf("span %q was aborted: %v", sp.Name, sp.Attributes)
		}
		byName[sp.Name] = append(byName[sp.Name], sp)
	}
	one := func(name string) (tracetest.SpanStub, bool) {
		if n := len(byName[name]); n != 1 {
			t.Errorf("%d %q spans, want 1 (spans: %v)", n, name, names(spans))
			return tracetest.SpanStub{}, false
		}
		return byName[name][0], true
	}
	wantAttr := func(sp tracetest.SpanStub, key string, want any) {
		t.Helper()
		v, ok := spanAttrs(sp)[attribute.Key(key)]
		if !ok {
			t.Errorf("span %q has no %s attribute: %v", sp.Name, key, sp.Attributes)
			return
		}
		var got any
		switch v.Type() {
		case attribute.INT64:
			got = v.AsInt64()
		case attribute.BOOL:
			got = v.AsBool()
		default:
			got = v.AsString()
		}
		if got != want {
			t.Errorf("span %q: %s = %v (%T), want %v (%T)", sp.Name, key, got, got, want, want)
		}
	}
	childOf := func(sp, parent tracetest.SpanStub) {
		t.Helper()
		if sp.Parent.SpanID() != parent.SpanContext.SpanID() || sp.Parent.TraceID() != parent.SpanContext.TraceID() {
			t.Errorf("span %q parent %s, want %q %s", sp.Name, sp.Parent.SpanID(), parent.Name, parent.SpanContext.SpanID())
		}
		if sp.StartTime.Before(parent.StartTime) || sp.EndTime.After(parent.EndTime) {
			t.Errorf("span %q (%s → %s) outside its parent %q (%s → %s)", sp.Name, sp.StartTime, sp.EndTime,
				parent.Name, parent.StartTime, parent.EndTime)
		}
	}

	sess, ok := one("session")
	if !ok {
		return
	}
	if sess.Parent.IsValid() {
		t.Errorf("session span has a parent %s, want a root", sess.Parent.SpanID())
	}
	if sess.SpanKind != trace.SpanKindServer {
		t.Errorf("session span kind %s, want server", sess.SpanKind)
	}
	wantAttr(sess, "janus.session_id", int64(s.sid))
	wantAttr(sess, "argus.server", "argus-e2e")
	wantAttr(sess, "argus.transport", map[string]string{"http": "janus.transport.http", "ws": "janus.transport.websockets"}[tr])
	wantAttr(sess, "argus.end_reason", "destroyed")
	if v := spanAttrs(sess)["argus.transport.id"]; v.AsString() == "" {
		t.Errorf("session span has no argus.transport.id: %v", sess.Attributes)
	}

	h, ok := one("handle janus.plugin.echotest")
	if !ok {
		return
	}
	childOf(h, sess)
	wantAttr(h, "janus.session_id", int64(s.sid))
	wantAttr(h, "janus.handle_id", int64(s.hid))
	wantAttr(h, "janus.opaque_id", "echotest-e2e")
	wantAttr(h, "janus.plugin", "janus.plugin.echotest")
	wantAttr(h, "janus.hangup.reason", "Janus API")
	wantAttr(h, "argus.end_reason", "detached")
	if v := spanAttrs(h)["janus.ice.selected_pair"]; v.AsString() == "" {
		t.Errorf("handle span has no janus.ice.selected_pair: %v", h.Attributes)
	}
	webrtcup := false
	for _, ev := range h.Events {
		webrtcup = webrtcup || ev.Name == "webrtcup"
	}
	if !webrtcup {
		t.Errorf("handle span has no webrtcup event: %v", h.Events)
	}

	ops := map[string]codes.Code{
		"attach": codes.Unset, "jsep offer/answer": codes.Ok, "ice": codes.Ok, "dtls": codes.Ok,
		"first media": codes.Ok, "hangup": codes.Unset,
	}
	for name, status := range ops {
		sp, ok := one(name)
		if !ok {
			continue
		}
		childOf(sp, h)
		if sp.Status.Code != status {
			t.Errorf("span %q status %s (%s), want %s", name, sp.Status.Code, sp.Status.Description, status)
		}
	}
	if sp, ok := one("attach"); ok {
		wantAttr(sp, "janus.plugin", "janus.plugin.echotest")
	}
	if sp, ok := one("jsep offer/answer"); ok {
		wantAttr(sp, "janus.jsep.offer_owner", "remote")
		wantAttr(sp, "janus.jsep.offer_type", "offer")
		wantAttr(sp, "janus.jsep.answer_owner", "local")
		wantAttr(sp, "janus.jsep.answer_type", "answer")
	}
	if sp, ok := one("ice"); ok {
		if st := spanAttrs(sp)["janus.ice.state"].AsString(); st != "connected" && st != "ready" {
			t.Errorf("ice span: janus.ice.state %q, want connected or ready", st)
		}
		if spanAttrs(sp)["janus.ice.selected_pair"].AsString() == "" {
			// Argus emits the selected pair (16/4) after ICE connected
			// (events_order_test.go, knownOrderDiffs), so the ice span has
			// usually ended when it arrives and only the handle span
			// carries the pair.
			t.Logf("known: ice span ended before the selected pair event, no janus.ice.selected_pair on it")
		}
	}
	if sp, ok := one("dtls"); ok {
		wantAttr(sp, "janus.dtls.state", "connected")
		wantAttr(sp, "janus.dtls.retransmissions", int64(0))
	}
	if sp, ok := one("first media"); ok {
		if m := spanAttrs(sp)["janus.media"].AsString(); m != "audio" && m != "video" {
			t.Errorf("first media span: janus.media %q, want audio or video", m)
		}
		if spanAttrs(sp)["janus.mid"].AsString() == "" {
			t.Errorf("first media span has no janus.mid: %v", sp.Attributes)
		}
	}
	if sp, ok := one("hangup"); ok {
		wantAttr(sp, "janus.hangup.reason", "Janus API")
		if !sp.StartTime.Equal(sp.EndTime) {
			t.Errorf("hangup span lasts %s, want an instant", sp.EndTime.Sub(sp.StartTime))
		}
	}
	if t.Failed() {
		for _, sp := range spans {
			t.Logf("span %q id %s parent %s %s → %s attrs %v", sp.Name, sp.SpanContext.SpanID(), sp.Parent.SpanID(),
				sp.StartTime.Format(time.StampMicro), sp.EndTime.Format(time.StampMicro), sp.Attributes)
		}
	}
}

// names lists span names, for failure messages.
func names(spans tracetest.SpanStubs) []string {
	out := make([]string, 0, len(spans))
	for _, sp := range spans {
		out = append(out, sp.Name)
	}
	return out
}
