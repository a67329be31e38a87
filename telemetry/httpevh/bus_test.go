package httpevh_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/httpevh"
)

// TestThroughBus sends Janus-shaped events through a real bus and checks
// what a Janus event consumer would parse on the other side.
func TestThroughBus(t *testing.T) {
	rec, srv := newReceiver(t)
	s, err := httpevh.New(httpevh.DefaultConfig(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	bus := telemetry.NewBus()
	if err := bus.Attach("http", s, telemetry.ParseMask("sessions,webrtc,media,core")); err != nil {
		t.Fatal(err)
	}
	ts := telemetry.Now()
	bus.Emit(&telemetry.Event{Emitter: "argus-1", Type: telemetry.TypeCore, Subtype: telemetry.SubtypeCoreStartup, Timestamp: ts,
		Body: map[string]any{"status": "started", "info": map[string]any{"janus": "server_info"}}})
	bus.Emit(&telemetry.Event{Emitter: "argus-1", Type: telemetry.TypeSession, Timestamp: ts + 1, SessionID: 11,
		Body: map[string]any{"name": "created", "transport": map[string]any{"transport": "janus.transport.http", "id": "99"}}})
	bus.Emit(&telemetry.Event{Emitter: "argus-1", Type: telemetry.TypeHandle, Timestamp: ts + 2, SessionID: 11, HandleID: 22}) // masked out
	bus.Emit(&telemetry.Event{Emitter: "argus-1", Type: telemetry.TypeWebRTC, Subtype: telemetry.SubtypeWebRTCICE, Timestamp: ts + 3,
		SessionID: 11, HandleID: 22, OpaqueID: "echotest-x", Body: map[string]any{"ice": "connected", "stream_id": 1, "component_id": 1}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := bus.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	for _, r := range rec.requests() {
		var arr []map[string]any
		if err := json.Unmarshal(r.body, &arr); err != nil {
			t.Fatal(err)
		}
		got = append(got, arr...)
	}
	if len(got) != 3 {
		t.Fatalf("received %d events, want 3", len(got))
	}
	core, sess, ice := got[0], got[1], got[2]
	if core["type"] != float64(256) || core["subtype"] != float64(1) || core["session_id"] != nil || core["emitter"] != "argus-1" {
		t.Fatalf("core event %v", core)
	}
	if sess["type"] != float64(1) || sess["session_id"] != float64(11) || sess["handle_id"] != nil || sess["timestamp"] != float64(ts+1) {
		t.Fatalf("session event %v", sess)
	}
	if sess["event"].(map[string]any)["transport"].(map[string]any)["id"] != "99" {
		t.Fatalf("session body %v", sess["event"])
	}
	if ice["type"] != float64(16) || ice["subtype"] != float64(1) || ice["handle_id"] != float64(22) ||
		ice["opaque_id"] != "echotest-x" || ice["event"].(map[string]any)["ice"] != "connected" {
		t.Fatalf("webrtc event %v", ice)
	}
	if st := bus.Stats()[0]; st.Exported != 3 || st.Dropped != 0 {
		t.Fatalf("bus stats %+v", st)
	}
}
