package prom

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/telemetry"
)

// BenchmarkEmitAndRead builds the events Argus emits most (a media report
// per medium per stats period; ICE and PeerConnection state changes) the
// way their emitters do and runs them through the metrics sink's read
// path, as the bus hands them over.
//
// media-report-trace is media-report with trace ids (WithTraceID, as
// cmd/argus sets it when the otel sink runs), so the histogram
// observations carry exemplars; its events are a second apart, as a
// stream's media reports are.
func BenchmarkEmitAndRead(b *testing.B) {
	s, err := New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	traced, err := New(prometheus.NewRegistry(), WithTraceID(func(uint64) string { return "4bf92f3577b34da6a3ce929d0e0e4736" }))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ts := telemetry.Now()
	var n uint64
	mediaReport := func() (telemetry.Type, int, any) {
		n += 50
		return telemetry.TypeMedia, telemetry.SubtypeMediaReport, telemetry.MediaReportBody{
			Mid: "1", MIndex: 1, Media: "video", PacketsReceived: n, PacketsSent: n, BytesReceived: n * 1000, BytesSent: n * 1000,
			RTPStats: &telemetry.RTPStats{Codec: "vp8", Base: 90000, RTT: 12, JitterLocal: 2, JitterRemote: 3,
				InLinkQuality: 100, InMediaLinkQuality: 100, OutLinkQuality: 100, OutMediaLinkQuality: 100,
				BytesReceivedLastSec: 300000, BytesSentLastSec: 300000, NACKsReceived: n / 100, NACKsSent: n / 200},
		}
	}
	for _, bc := range []struct {
		name string
		body func() (telemetry.Type, int, any)
	}{
		{"media-report", mediaReport},
		{"media-report-trace", nil},
		{"ice", func() (telemetry.Type, int, any) {
			return telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE,
				telemetry.ICEBody{ICE: "connected", Stream: telemetry.Stream{StreamID: 1, ComponentID: 1}}
		}},
		{"hangup", func() (telemetry.Type, int, any) {
			return telemetry.TypeWebRTC, telemetry.SubtypeWebRTCPeerConnection,
				telemetry.PeerConnectionBody{Connection: "hangup", Reason: "Janus API"}
		}},
	} {
		sink, body, step := s, bc.body, int64(0)
		if body == nil {
			sink, body, step = traced, mediaReport, 1_000_000
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				typ, sub, body := body()
				ts += step
				if step == 0 {
					ts = telemetry.Now()
				}
				e := &telemetry.Event{Emitter: "argus-1", Type: typ, Subtype: sub, Timestamp: ts,
					SessionID: 1234567890, HandleID: 987654321, OpaqueID: "echotest-abc", Body: body}
				_ = sink.Export(ctx, []*telemetry.Event{e})
			}
		})
	}
}
