package otel

import (
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

// Bodies as the core and plugins may build them: structs, named id types,
// typed slices. The sink must read them like wire JSON.
type (
	roomID uint64
	feedID uint64

	transportInfo struct {
		Transport string `json:"transport"`
		ID        string `json:"id"`
	}
	sessionBody struct {
		Name      string         `json:"name"`
		Transport *transportInfo `json:"transport,omitempty"`
	}
	subStream struct {
		Type   string `json:"type"`
		FeedID feedID `json:"feed_id"`
	}
)

func TestTypedBodies(t *testing.T) {
	r := newRecorder(t)
	r.export(t,
		ev(telemetry.TypeSession, 0, 1, 0, 0, sessionBody{Name: "created",
			Transport: &transportInfo{"janus.transport.websockets", "9"}}),
		ev(telemetry.TypeHandle, 0, 1, 10, 1, obj{"name": "attached", "plugin": "janus.plugin.videoroom"}),
		vr(1, 10, 2, obj{"event": "joined", "room": roomID(7), "id": feedID(55)}),
		ev(telemetry.TypeHandle, 0, 1, 20, 3, obj{"name": "attached", "plugin": "janus.plugin.videoroom"}),
		vr(1, 20, 4, obj{"event": "subscribing", "room": roomID(7), "streams": []subStream{{"video", 55}}}),
		ev(telemetry.TypeSession, 0, 1, 0, 10, &sessionBody{Name: "destroyed"}),
	)
	var sub, session spanStub
	for _, s := range r.exp.GetSpans() {
		switch s.Name {
		case "subscribe":
			sub = s
		case "session":
			session = s
		}
	}
	if a := attrs(session); a["argus.transport"] != "janus.transport.websockets" || a["argus.end_reason"] != "destroyed" {
		t.Errorf("session attrs %v", a)
	}
	if len(sub.Links) != 1 {
		t.Errorf("subscribe span has %d links, want 1", len(sub.Links))
	}
}
