package otel

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/argusrtc/argus/telemetry"
)

func TestTraceID(t *testing.T) {
	sum := sha256.Sum256([]byte("MyJanusInstance:1234"))
	want := hex.EncodeToString(sum[:16])
	if got := TraceID("MyJanusInstance", 1234).String(); got != want {
		t.Errorf("TraceID = %s, want %s", got, want)
	}
	if TraceID("a", 1) == TraceID("b", 1) || TraceID("a", 1) == TraceID("a", 2) {
		t.Error("TraceID collides across servers or sessions")
	}
}

func TestEchoTestSpanTree(t *testing.T) {
	r := newRecorder(t)
	r.export(t, echoTestScript()...)
	spans := r.byName(t)
	want := []string{"session", "handle janus.plugin.echotest", "attach", "jsep offer/answer", "ice", "dtls",
		"first media", "hangup"}
	if len(spans) != len(want) {
		t.Errorf("got %d spans, want %d: %v", len(spans), len(want), keys(spans))
	}
	tid := TraceID(server, testSession)
	sess, handle := spans["session"], spans["handle janus.plugin.echotest"]
	for _, name := range want {
		s, ok := spans[name]
		if !ok {
			t.Fatalf("no span %q (have %v)", name, keys(spans))
		}
		if s.SpanContext.TraceID() != tid {
			t.Errorf("%s: trace id %s, want %s", name, s.SpanContext.TraceID(), tid)
		}
		var parent trace.SpanID
		switch name {
		case "session":
		case "handle janus.plugin.echotest":
			parent = sess.SpanContext.SpanID()
		default:
			parent = handle.SpanContext.SpanID()
		}
		if s.Parent.SpanID() != parent {
			t.Errorf("%s: parent %s, want %s", name, s.Parent.SpanID(), parent)
		}
	}
	for _, tc := range []struct {
		name       string
		start, end int64 // ms after t0
		attrs      map[string]any
		status     codes.Code
	}{
		{"session", 0, 3200, map[string]any{"janus.session_id": int64(testSession),
			"argus.transport": "janus.transport.http", "argus.transport.id": "42", "argus.end_reason": "destroyed",
			"argus.server": server}, codes.Unset},
		{"handle janus.plugin.echotest", 10, 3100, map[string]any{"janus.session_id": int64(testSession),
			"janus.handle_id": int64(testHandle), "janus.opaque_id": "opaque-" + string(rune('a'+testHandle%26)),
			"janus.plugin": "janus.plugin.echotest", "janus.hangup.reason": "Janus API",
			"janus.ice.selected_pair": "127.0.0.1:5000 [host,udp] <-> 127.0.0.1:6000 [host,udp]"}, codes.Unset},
		{"attach", 10, 10, map[string]any{"janus.plugin": "janus.plugin.echotest"}, codes.Unset},
		{"jsep offer/answer", 20, 35, map[string]any{"janus.jsep.offer_owner": "remote",
			"janus.jsep.offer_type": "offer", "janus.jsep.answer_owner": "local", "janus.jsep.answer_type": "answer"}, codes.Ok},
		{"ice", 30, 140, map[string]any{"janus.ice.state": "connected"}, codes.Ok},
		{"dtls", 150, 200, map[string]any{"janus.dtls.state": "connected", "janus.dtls.retransmissions": int64(1)}, codes.Ok},
		{"first media", 200, 250, map[string]any{"janus.media": "audio", "janus.mid": "0"}, codes.Ok},
		{"hangup", 3000, 3000, map[string]any{"janus.hangup.reason": "Janus API"}, codes.Unset},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spans[tc.name]
			if !s.StartTime.Equal(ms(tc.start)) || !s.EndTime.Equal(ms(tc.end)) {
				t.Errorf("time %v..%v, want %v..%v", s.StartTime, s.EndTime, ms(tc.start), ms(tc.end))
			}
			got := attrs(s)
			for k, v := range tc.attrs {
				if got[k] != v {
					t.Errorf("attribute %s = %v, want %v", k, got[k], v)
				}
			}
			if s.Status.Code != tc.status {
				t.Errorf("status %v, want %v", s.Status.Code, tc.status)
			}
		})
	}
	// Only the webrtcup state event; media reports never become span events.
	for name, s := range spans {
		for _, e := range s.Events {
			if e.Name != "webrtcup" {
				t.Errorf("%s: unexpected span event %q", name, e.Name)
			}
		}
	}
	if s, h, f := r.sink.open(); s+h+f != 0 {
		t.Errorf("open after destroy: %d sessions %d handles %d feeds", s, h, f)
	}
}

func TestFailuresAndAbort(t *testing.T) {
	r := newRecorder(t)
	s, h := testSession, testHandle
	r.export(t,
		ev(telemetry.TypeSession, 0, s, 0, 0, obj{"name": "created"}),
		ev(telemetry.TypeHandle, 0, s, h, 10, obj{"name": "attached", "plugin": "janus.plugin.echotest"}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, s, h, 30, obj{"ice": "gathering"}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, s, h, 5030, obj{"ice": "failed"}),
		ev(telemetry.TypeJSEP, 0, s, h, 40, obj{"owner": "remote", "jsep": obj{"type": "offer"}}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCPeerConnection, s, h, 5500,
			obj{"connection": "hangup", "reason": "ICE failed"}),
		ev(telemetry.TypeSession, 0, s, 0, 60000, obj{"name": "timeout"}),
	)
	spans := r.byName(t)
	if ice := spans["ice"]; ice.Status.Code != codes.Error || attrs(ice)["janus.ice.state"] != "failed" {
		t.Errorf("ice: status %v attrs %v, want Error, failed", ice.Status, attrs(ice))
	}
	if j := spans["jsep offer/answer"]; j.Status.Code != codes.Error || attrs(j)["argus.aborted"] != true ||
		!j.EndTime.Equal(ms(5500)) {
		t.Errorf("jsep: status %v attrs %v end %v, want aborted at hangup", j.Status, attrs(j), j.EndTime)
	}
	if hg := spans["hangup"]; hg.Status.Code != codes.Error {
		t.Errorf("hangup after ICE failure: status %v, want Error", hg.Status)
	}
	// The session timed out without detach: the handle ends with it.
	hs := spans["handle janus.plugin.echotest"]
	if !hs.EndTime.Equal(ms(60000)) || attrs(hs)["argus.end_reason"] != "timeout" {
		t.Errorf("handle end %v reason %v, want session timeout", hs.EndTime, attrs(hs)["argus.end_reason"])
	}
	if a := attrs(spans["session"])["argus.end_reason"]; a != "timeout" {
		t.Errorf("session end reason %v", a)
	}
}

func TestHandleOfUnknownSessionStaysInTrace(t *testing.T) {
	r := newRecorder(t)
	r.export(t,
		ev(telemetry.TypeHandle, 0, 99, 7, 0, obj{"name": "attached", "plugin": "janus.plugin.echotest"}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, 99, 8, 1, obj{"ice": "gathering"}), // unknown handle
		ev(telemetry.TypeHandle, 0, 99, 7, 5, obj{"name": "detached"}),
	)
	spans := r.byName(t)
	hs, ok := spans["handle janus.plugin.echotest"]
	if !ok || len(spans) != 2 {
		t.Fatalf("spans %v, want handle + attach", keys(spans))
	}
	if hs.SpanContext.TraceID() != TraceID(server, 99) || hs.Parent.IsValid() {
		t.Errorf("trace %s parent %v, want %s and no parent", hs.SpanContext.TraceID(), hs.Parent, TraceID(server, 99))
	}
}

func TestServerIDOption(t *testing.T) {
	r := newRecorder(t, WithServerID("node-7"))
	r.export(t, echoTestScript()...)
	if got := r.byName(t)["session"].SpanContext.TraceID(); got != TraceID("node-7", testSession) {
		t.Errorf("trace id %s, want TraceID(node-7, ...)", got)
	}
}

func TestBoundedTables(t *testing.T) {
	r := newRecorder(t, WithMaxTracked(3))
	for i := uint64(1); i <= 10; i++ {
		r.export(t,
			ev(telemetry.TypeSession, 0, i, 0, 0, obj{"name": "created"}),
			ev(telemetry.TypeHandle, 0, i, 100+i, 1, obj{"name": "attached", "plugin": "p"}),
		)
	}
	if s, h, _ := r.sink.open(); s > 3 || h > 3 {
		t.Errorf("open: %d sessions %d handles, want <= 3", s, h)
	}
	evicted := 0
	for _, s := range r.exp.GetSpans() {
		if s.Name == "session" && attrs(s)["argus.end_reason"] == "evicted" {
			evicted++
		}
	}
	if evicted != 7 {
		t.Errorf("%d evicted session spans ended, want 7", evicted)
	}
}

func TestShutdownEndsOpenSpans(t *testing.T) {
	r := newRecorder(t)
	r.export(t, echoTestScript()[:4]...) // session, handle, jsep offer, ice gathering
	before := len(r.exp.GetSpans())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.sink.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	spans := r.byName(t)
	for name, reason := range map[string]string{
		"session": "shutdown", "handle janus.plugin.echotest": "shutdown", "ice": "", "jsep offer/answer": "",
	} {
		sp, ok := spans[name]
		if !ok {
			t.Errorf("%s not ended by Shutdown", name)
			continue
		}
		if got, _ := attrs(sp)["argus.end_reason"].(string); got != reason {
			t.Errorf("%s: end reason %q, want %q", name, got, reason)
		}
	}
	if len(r.exp.GetSpans()) <= before {
		t.Error("Shutdown ended no span")
	}
	r.export(t, echoTestScript()...)
	if n := len(r.byName(t)); n != len(spans) {
		t.Errorf("Export after Shutdown recorded spans: %d -> %d", len(spans), n)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
