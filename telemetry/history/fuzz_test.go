package history_test

import (
	"encoding/json"
	"testing"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/history"
)

// FuzzDerive files events whose bodies are arbitrary JSON (client-fed
// display names, room ids and streams reach the store inside plugin
// events) and checks the store neither panics nor exceeds its bounds.
func FuzzDerive(f *testing.F) {
	f.Add(uint8(64), uint8(0), []byte(`{"plugin":"janus.plugin.videoroom","data":{"event":"joined","room":1,"id":2,"display":"x"}}`))
	f.Add(uint8(64), uint8(0), []byte(`{"plugin":"p","data":{"event":"published","room":"r","id":"i","streams":[{"type":"audio"},1,"s",null]}}`))
	f.Add(uint8(1), uint8(0), []byte(`{"name":"created","transport":{"transport":"t","id":"1"}}`))
	f.Add(uint8(1), uint8(0), []byte(`{"name":"created","transport":"t"}`))
	f.Add(uint8(128), uint8(0), []byte(`{"transport":"t","id":"1","data":{"ip":"::1","port":-1}}`))
	f.Add(uint8(16), uint8(6), []byte(`{"connection":7}`))
	f.Add(uint8(2), uint8(0), []byte(`{"name":"detached","plugin":["x"]}`))
	types := []telemetry.Type{telemetry.TypeSession, telemetry.TypeHandle, telemetry.TypeWebRTC, telemetry.TypePlugin, telemetry.TypeTransport}
	f.Fuzz(func(t *testing.T, typ, sub uint8, body []byte) {
		var b any
		if json.Unmarshal(body, &b) != nil {
			return
		}
		s := history.New(history.Config{MaxSessions: 4})
		e := &telemetry.Event{Type: types[int(typ)%len(types)], Subtype: int(sub % 8), SessionID: 1, HandleID: uint64(typ%3) + 1, Body: b}
		for range 3 {
			export(t, s, e)
		}
		export(t, s, &telemetry.Event{Type: telemetry.TypeTransport, Body: b}, &telemetry.Event{Type: telemetry.TypePlugin, Body: b})
		for _, sum := range s.Sessions() {
			if len([]rune(sum.Display)) > 256 || sum.State == "" {
				t.Fatalf("summary %+v", sum)
			}
		}
		for _, r := range s.Rooms() {
			for _, p := range r.Participants {
				if len(p.Streams) > 32 {
					t.Fatalf("%d streams", len(p.Streams))
				}
			}
		}
		if _, err := json.Marshal(s.Rooms()); err != nil {
			t.Fatalf("rooms do not encode: %v", err)
		}
	})
}
