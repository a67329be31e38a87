package otel

import (
	"context"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/argusrtc/argus/telemetry"
)

const (
	server      = "argus-test"
	testSession = uint64(1234)
	testHandle  = uint64(5678)
	t0          = int64(1_700_000_000_000_000) // µs
)

type obj = map[string]any

type spanStub = tracetest.SpanStub

func ev(typ telemetry.Type, sub int, session, handle uint64, atMS int64, body any) *telemetry.Event {
	e := &telemetry.Event{Emitter: server, Type: typ, Subtype: sub, Timestamp: t0 + atMS*1000,
		SessionID: session, HandleID: handle, Body: body}
	if handle != 0 {
		e.OpaqueID = "opaque-" + string(rune('a'+handle%26))
	}
	return e
}

func ms(n int64) time.Time { return time.UnixMicro(t0 + n*1000) }

// echoTestScript is one EchoTest call (same as the prom package's script).
func echoTestScript() []*telemetry.Event {
	s, h := testSession, testHandle
	return []*telemetry.Event{
		ev(telemetry.TypeSession, 0, s, 0, 0, obj{"name": "created",
			"transport": obj{"transport": "janus.transport.http", "id": "42"}}),
		ev(telemetry.TypeHandle, 0, s, h, 10, obj{"name": "attached", "plugin": "janus.plugin.echotest"}),
		ev(telemetry.TypeJSEP, 0, s, h, 20, obj{"owner": "remote", "jsep": obj{"type": "offer", "sdp": "v=0"}}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, s, h, 30, obj{"ice": "gathering"}),
		ev(telemetry.TypeJSEP, 0, s, h, 35, obj{"owner": "local", "jsep": obj{"type": "answer", "sdp": "v=0"}}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, s, h, 40, obj{"ice": "connecting"}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCSelectedPair, s, h, 140, obj{
			"selected-pair": "127.0.0.1:5000 [host,udp] <-> 127.0.0.1:6000 [host,udp]"}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, s, h, 140, obj{"ice": "connected"}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCDTLS, s, h, 150, obj{"dtls": "trying"}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, s, h, 150, obj{"ice": "ready"}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCDTLS, s, h, 200, obj{"dtls": "connected", "retransmissions": 1}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCPeerConnection, s, h, 200, obj{"connection": "webrtcup"}),
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaState, s, h, 250, obj{"media": "audio", "mid": "0", "receiving": true}),
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaState, s, h, 260, obj{"media": "video", "mid": "1", "receiving": true}),
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, s, h, 1000, obj{"mid": "0", "media": "audio",
			"packets-received": 50}),
		ev(telemetry.TypePlugin, 0, s, h, 1500, telemetry.PluginBody{Plugin: "janus.plugin.echotest",
			Data: obj{"audio_active": true}}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCPeerConnection, s, h, 3000,
			obj{"connection": "hangup", "reason": "Janus API"}),
		ev(telemetry.TypeHandle, 0, s, h, 3100, obj{"name": "detached", "plugin": "janus.plugin.echotest"}),
		ev(telemetry.TypeSession, 0, s, 0, 3200, obj{"name": "destroyed"}),
	}
}

// recorder is a sink over a synchronous in-memory exporter.
type recorder struct {
	exp  *tracetest.InMemoryExporter
	tp   *sdktrace.TracerProvider
	sink *Sink
}

func newRecorder(t *testing.T, opts ...Option) *recorder {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithIDGenerator(NewIDGenerator()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return &recorder{exp: exp, tp: tp, sink: New(tp, opts...)}
}

func (r *recorder) export(t *testing.T, evs ...*telemetry.Event) {
	t.Helper()
	if err := r.sink.Export(context.Background(), evs); err != nil {
		t.Fatalf("Export: %v", err)
	}
}

// byName indexes ended spans by name; names must be unique.
func (r *recorder) byName(t *testing.T) map[string]tracetest.SpanStub {
	t.Helper()
	out := make(map[string]tracetest.SpanStub)
	for _, s := range r.exp.GetSpans() {
		if _, dup := out[s.Name]; dup {
			t.Fatalf("span %q recorded twice", s.Name)
		}
		out[s.Name] = s
	}
	return out
}

func attrs(s tracetest.SpanStub) map[string]any {
	m := make(map[string]any)
	for _, kv := range s.Attributes {
		m[string(kv.Key)] = kv.Value.AsInterface()
	}
	return m
}
