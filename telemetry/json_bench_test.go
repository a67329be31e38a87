package telemetry

import "testing"

// BenchmarkSharedJSON is the JSON of one media report for two JSON sinks
// (HEP's log records and the HTTP event handler): encoded by each sink
// (per-sink, as before Event.JSON) or once on the bus and read by both
// (shared; the wire cache's allocation included).
func BenchmarkSharedJSON(b *testing.B) {
	tmpl := Event{
		Emitter: "argus-1", Type: TypeMedia, Subtype: SubtypeMediaReport, Timestamp: Now(),
		SessionID: 1234567890, HandleID: 987654321,
		Body: MediaReportBody{
			Mid: "1", MIndex: 1, Media: "video", PacketsReceived: 6000, PacketsSent: 6000, BytesReceived: 6000000, BytesSent: 6000000,
			RTPStats: &RTPStats{Codec: "vp8", Base: 90000, RTT: 12, JitterLocal: 2, JitterRemote: 3,
				InLinkQuality: 100, InMediaLinkQuality: 100, OutLinkQuality: 100, OutMediaLinkQuality: 100,
				BytesReceivedLastSec: 300000, BytesSentLastSec: 300000, NACKsReceived: 3, NACKsSent: 2, RetransmissionsReceived: 2},
		},
	}
	const sinks = 2
	for _, bc := range []struct {
		name   string
		shared bool
	}{{"per-sink", false}, {"shared", true}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e := tmpl
				if bc.shared {
					e.shareJSON()
				}
				for range sinks {
					if _, err := e.JSON(); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
