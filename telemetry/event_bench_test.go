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
	media := telemetry.MediaReportBody{
		Mid: "1", MIndex: 1, Media: "video", PacketsReceived: 6000, PacketsSent: 6000, BytesReceived: 6000000, BytesSent: 6000000,
		RTPStats: &telemetry.RTPStats{Codec: "vp8", Base: 90000, RTT: 12, JitterLocal: 2, JitterRemote: 3,
			InLinkQuality: 100, InMediaLinkQuality: 100, OutLinkQuality: 100, OutMediaLinkQuality: 100,
			BytesReceivedLastSec: 300000, BytesSentLastSec: 300000, NACKsReceived: 3, NACKsSent: 2, RetransmissionsReceived: 2},
	}
	for _, bc := range []struct {
		name string
		e    *telemetry.Event
	}{
		{"media", &telemetry.Event{Emitter: "argus-1", Type: telemetry.TypeMedia, Subtype: telemetry.SubtypeMediaReport,
			Timestamp: telemetry.Now(), SessionID: 1234567890, HandleID: 987654321, Body: media}},
		{"plugin", &telemetry.Event{Emitter: "argus-1", Type: telemetry.TypePlugin, Timestamp: telemetry.Now(),
			SessionID: 1234567890, HandleID: 987654321, OpaqueID: "echotest-abc",
			Body: telemetry.PluginBody{Plugin: "janus.plugin.echotest", Data: telemetry.EchoTestData{AudioActive: true, VideoActive: true}}}},
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
