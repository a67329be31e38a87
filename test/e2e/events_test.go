package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
)

// wireEvent is an event as every sink exports it: the Janus event-handler
// JSON (janus-reference.md 4.2, 4.4).
type wireEvent struct {
	Type      int
	Subtype   int
	SessionID uint64
	HandleID  uint64
	OpaqueID  string
	Body      any
	raw       string
}

func toWire(t *testing.T, e *telemetry.Event) wireEvent {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatalf("marshal event: %v", err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decode event %s: %v", b, err)
	}
	return wireEvent{
		Type: int(u64(m["type"])), Subtype: int(u64(m["subtype"])), SessionID: u64(m["session_id"]),
		HandleID: u64(m["handle_id"]), OpaqueID: fmt.Sprint(m["opaque_id"]), Body: m["event"], raw: string(b),
	}
}

// bodyField reads a field of an object body.
func (w wireEvent) bodyField(path ...string) any {
	obj, ok := w.Body.(map[string]any)
	if !ok {
		return nil
	}
	return field(msg(obj), path...)
}

// recordedClient starts a server whose events rec records and dials it
// over the transport tr; ctx ends after 4 steps or with the test.
func recordedClient(t *testing.T, tr string) (context.Context, janusClient, *telemetrytest.Emitter) {
	t.Helper()
	rec := telemetrytest.NewEmitter()
	srv := startServer(t, serverOptions{emitter: rec})
	c := srv.dial(t, tr)
	ctx, cancel := context.WithTimeout(context.Background(), 4*stepTimeout)
	t.Cleanup(cancel)
	return ctx, c, rec
}

// TestEchoTestEvents runs an EchoTest and checks the events every sink
// would receive for it: session, handle, jsep, webrtc, media and plugin
// events in the Janus event-handler shapes, with the session's ids.
func TestEchoTestEvents(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			ctx, c, rec := recordedClient(t, tr)

			s := connectedEcho(ctx, t, c)
			if err := s.peer.waitReceived(ctx, 10); err != nil {
				t.Fatal(err)
			}
			// A media report comes every stats period (1 s) while media flows.
			if _, err := rec.WaitFor(func(e *telemetry.Event) bool {
				return e.HandleID == s.hid && e.Type == telemetry.TypeMedia && e.Subtype == telemetry.SubtypeMediaReport
			}, 5*time.Second); err != nil {
				t.Fatalf("media report: %v", err)
			}
			s.end(ctx, t, rec)

			var evs []wireEvent
			for _, e := range rec.Events() {
				if e.SessionID == s.sid {
					evs = append(evs, toWire(t, e))
				}
			}
			checkEchoEvents(t, tr, s, evs)
		})
	}
}

// checkEchoEvents asserts the events of one EchoTest session.
func checkEchoEvents(t *testing.T, tr string, s *echoSession, evs []wireEvent) {
	t.Helper()
	if len(evs) == 0 {
		t.Fatal("no events for the session")
	}
	if evs[0].Type != 1 || evs[0].bodyField("name") != "created" {
		t.Fatalf("first event is not session created: %s", evs[0].raw)
	}
	wantTransport := map[string]string{"http": "janus.transport.http", "ws": "janus.transport.websockets"}[tr]
	if got := evs[0].bodyField("transport", "transport"); got != wantTransport {
		t.Errorf("created event transport %v, want %s: %s", got, wantTransport, evs[0].raw)
	}
	type want struct {
		what string
		ok   func(w wireEvent) bool
	}
	wants := []want{
		{"handle attached (echotest, opaque id)", func(w wireEvent) bool {
			return w.Type == 2 && w.bodyField("name") == "attached" && w.bodyField("plugin") == "janus.plugin.echotest" && w.OpaqueID == "echotest-e2e"
		}},
		{"remote offer", func(w wireEvent) bool {
			return w.Type == 8 && w.bodyField("owner") == "remote" && w.bodyField("jsep", "type") == "offer"
		}},
		{"local answer", func(w wireEvent) bool {
			return w.Type == 8 && w.bodyField("owner") == "local" && w.bodyField("jsep", "type") == "answer"
		}},
		{"ICE connected or ready", func(w wireEvent) bool {
			return w.Type == 16 && w.Subtype == 1 && (w.bodyField("ice") == "connected" || w.bodyField("ice") == "ready")
		}},
		{"DTLS connected", func(w wireEvent) bool {
			return w.Type == 16 && w.Subtype == 5 && w.bodyField("dtls") == "connected"
		}},
		{"webrtcup", func(w wireEvent) bool {
			return w.Type == 16 && w.Subtype == 6 && w.bodyField("connection") == "webrtcup"
		}},
		{"hangup (Janus API)", func(w wireEvent) bool {
			return w.Type == 16 && w.Subtype == 6 && w.bodyField("connection") == "hangup" && w.bodyField("reason") == "Janus API"
		}},
		{"media audio receiving", func(w wireEvent) bool {
			return w.Type == 32 && w.Subtype == 1 && w.bodyField("media") == "audio" && w.bodyField("receiving") == true
		}},
		{"media video receiving", func(w wireEvent) bool {
			return w.Type == 32 && w.Subtype == 1 && w.bodyField("media") == "video" && w.bodyField("receiving") == true
		}},
		{"media report with received packets", func(w wireEvent) bool {
			reports := []any{w.Body}
			if arr, ok := w.Body.([]any); ok {
				reports = arr
			}
			for _, r := range reports {
				if m, ok := r.(map[string]any); ok && u64(m["packets-received"]) > 0 {
					return w.Type == 32 && w.Subtype == 3
				}
			}
			return false
		}},
		{"echotest plugin event", func(w wireEvent) bool {
			return w.Type == 64 && w.bodyField("plugin") == "janus.plugin.echotest" && w.bodyField("data", "audio_active") == true
		}},
		{"handle detached", func(w wireEvent) bool {
			return w.Type == 2 && w.bodyField("name") == "detached"
		}},
		{"session destroyed", func(w wireEvent) bool {
			return w.Type == 1 && w.bodyField("name") == "destroyed"
		}},
	}
	for _, wt := range wants {
		found := false
		for _, w := range evs {
			if wt.ok(w) {
				found = true
				if w.Type != 1 && w.HandleID != s.hid {
					t.Errorf("%s: handle_id %d, want %d: %s", wt.what, w.HandleID, s.hid, w.raw)
				}
				break
			}
		}
		if !found {
			t.Errorf("no %s event among the session's %d events", wt.what, len(evs))
		}
	}
	if t.Failed() {
		for _, w := range evs {
			t.Log(w.raw)
		}
	}
}
