package homer

import (
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// drain reads and discards datagrams or stream bytes until closed.
func drainUDP(b *testing.B) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		buf := make([]byte, 65535)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	b.Cleanup(func() { _ = pc.Close() })
	return pc.LocalAddr().String()
}

func drainTCP(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				buf := make([]byte, 65536)
				for {
					if _, err := c.Read(buf); err != nil {
						_ = c.Close()
						return
					}
				}
			}()
		}
	}()
	b.Cleanup(func() { _ = ln.Close() })
	return ln.Addr().String()
}

// BenchmarkSinkExport measures events and HEP packets per second through
// the sink (mapping, JSON, encoding and the socket write) for a batch of 100
// typical events (a plugin event, ~200 bytes of JSON) and for media reports
// (1 event → 3 packets; typed-media: core's typed body, as Argus emits
// them).
func BenchmarkSinkExport(b *testing.B) {
	plugin := &telemetry.Event{Emitter: "argus-1", Type: telemetry.TypePlugin, Timestamp: telemetry.Now(),
		SessionID: testSession, HandleID: testHandle, OpaqueID: testOpaque,
		Body: telemetry.PluginBody{Plugin: "janus.plugin.echotest", Data: map[string]any{"audio_active": true, "video_active": true, "bitrate": 0}}}
	media := echoTestScript(telemetry.Now())[9]
	raw, err := json.Marshal(media.Body)
	if err != nil {
		b.Fatal(err)
	}
	typed := *media // core's typed body, as Argus emits it
	typed.Body = telemetry.DecodeBody(typed.Type, typed.Subtype, raw)
	if _, ok := typed.Body.(telemetry.MediaReportBody); !ok {
		b.Fatalf("body %T", typed.Body)
	}
	for _, bc := range []struct {
		name  string
		url   func(*testing.B) string
		event *telemetry.Event
	}{
		{"udp/log", func(b *testing.B) string { return "udp://" + drainUDP(b) }, plugin},
		{"tcp/log", func(b *testing.B) string { return "tcp://" + drainTCP(b) }, plugin},
		{"udp/media", func(b *testing.B) string { return "udp://" + drainUDP(b) }, media},
		{"udp/typed-media", func(b *testing.B) string { return "udp://" + drainUDP(b) }, &typed},
		{"tcp/typed-media", func(b *testing.B) string { return "tcp://" + drainTCP(b) }, &typed},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := newTestSink(b, bc.url(b), nil)
			batch := make([]*telemetry.Event, 100)
			for i := range batch {
				batch[i] = bc.event
			}
			ctx := context.Background()
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				_ = s.Export(ctx, batch)
			}
			st := s.Stats()
			el := time.Since(start).Seconds()
			b.ReportMetric(float64(st.Packets)/el, "pkts/s")
			b.ReportMetric(float64(st.Events)/el, "events/s")
			if st.Packets == 0 {
				b.Fatalf("nothing sent: %+v", st)
			}
		})
	}
}
