package telemetry_test

import (
	"encoding/json"
	"testing"

	"github.com/argusrtc/argus/telemetry"
)

// BenchmarkEventMarshalJSON is the Janus event-handler JSON of one event,
// done once per event by the JSON sinks (HTTP, WebSocket, brokers) and
// the HEP log mapping: a media report (the most frequent event under
// load: one per stream per period) and a plugin event.
func BenchmarkEventMarshalJSON(b *testing.B) {
	media := map[string]any{
		"mid": "1", "mindex": 1, "media": "video", "codec": "vp8", "base": 90000, "rtt": 12,
		"lost": 0, "lost-by-remote": 0, "jitter-local": 2.0, "jitter-remote": 3.0,
		"in-link-quality": 100, "in-media-link-quality": 100, "out-link-quality": 100, "out-media-link-quality": 100,
		"packets-received": 6000, "packets-sent": 6000, "bytes-received": 6000000, "bytes-sent": 6000000,
		"bytes-received-lastsec": 300000, "bytes-sent-lastsec": 300000,
		"nacks-received": 3, "nacks-sent": 2, "retransmissions-received": 2,
	}
	for _, bc := range []struct {
		name string
		e    *telemetry.Event
	}{
		{"media", &telemetry.Event{Emitter: "argus-1", Type: telemetry.TypeMedia, Subtype: telemetry.SubtypeMediaReport,
			Timestamp: telemetry.Now(), SessionID: 1234567890, HandleID: 987654321, Body: media}},
		{"plugin", &telemetry.Event{Emitter: "argus-1", Type: telemetry.TypePlugin, Timestamp: telemetry.Now(),
			SessionID: 1234567890, HandleID: 987654321, OpaqueID: "echotest-abc",
			Body: telemetry.PluginBody{Plugin: "janus.plugin.echotest", Data: map[string]any{"audio_active": true, "video_active": true, "bitrate": 0}}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				out, err := json.Marshal(bc.e)
				if err != nil {
					b.Fatal(err)
				}
				n = len(out)
			}
			b.SetBytes(int64(n))
		})
	}
}
