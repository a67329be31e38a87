package history_test

import (
	"context"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/telemetry/history"
	_ "github.com/argusrtc/argus/telemetry/natsevh" // sink "nats", the publishers
)

// TestSourceFleetView: two gateways ("node-a", "node-b") publish their
// events into one JetStream stream with the nats sink; a history store
// with source= reads the stream and lists both nodes' sessions, each
// marked with its emitter, while ignoring its own local bus.
func TestSourceFleetView(t *testing.T) {
	stream := evhtest.Name("ARGUSFLEET")
	prefix := "argustest." + evhtest.Name("fleet")
	const url = "nats://127.0.0.1:4222"
	ctx := context.Background()
	for i, node := range []string{"node-a", "node-b"} {
		s, err := telemetry.NewSink("nats", telemetry.SinkConfig{ServerName: node,
			Settings: map[string]string{"url": url, "stream": stream, "subject_prefix": prefix}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Shutdown(ctx) })
		evs := []*telemetry.Event{
			{Emitter: node, Type: telemetry.TypeSession, Timestamp: telemetry.Now(), SessionID: uint64(100 + i),
				Body: map[string]any{"name": "created"}},
			{Emitter: node, Type: telemetry.TypeHandle, Timestamp: telemetry.Now(), SessionID: uint64(100 + i), HandleID: uint64(200 + i),
				Body: map[string]any{"name": "attached", "plugin": "janus.plugin.echotest"}},
		}
		if err := s.Export(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	evhtest.NATSStream(t, url, stream) // deletes the stream at the end
	sink, err := telemetry.NewSink(history.SinkName, telemetry.SinkConfig{ServerName: "console",
		Settings: map[string]string{"source": url, "source_stream": stream}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := sink.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	// The local bus is ignored when the store reads the stream.
	if err := sink.Export(ctx, []*telemetry.Event{{Emitter: "console", Type: telemetry.TypeSession, SessionID: 999}}); err != nil {
		t.Fatal(err)
	}
	store := sink.(interface {
		Sessions() []history.SessionSummary
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := map[uint64]history.SessionSummary{}
		for _, s := range store.Sessions() {
			got[s.SessionID] = s
		}
		a, b := got[100], got[101]
		if a.Emitter == "node-a" && b.Emitter == "node-b" && a.Events == 2 && b.Events == 2 {
			if _, local := got[999]; local {
				t.Fatal("the local bus's event was filed")
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sessions %+v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSourceBadSettings(t *testing.T) {
	for _, m := range []map[string]string{{"source": "::"}, {"source": "nats://127.0.0.1:4222", "source_deliver": "x"}} {
		if _, err := telemetry.NewSink(history.SinkName, telemetry.SinkConfig{Settings: m}); err == nil {
			t.Errorf("%v accepted", m)
		}
	}
}
