package homer

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"reflect"
	"testing"

	"github.com/argusrtc/argus/hep"
	"github.com/argusrtc/argus/telemetry"
)

// TestMediaReportsOfTyped: reading core's typed media report bodies directly
// gives exactly what parsing their JSON gives.
func TestMediaReportsOfTyped(t *testing.T) {
	audio := telemetry.MediaReportBody{Mid: "0", MIndex: 0, Media: "audio",
		PacketsReceived: 48, PacketsSent: 50, BytesReceived: 7680, BytesSent: 8000,
		RTPStats: &telemetry.RTPStats{Codec: "opus", Base: 48000, RTT: 40, Lost: 2, LostByRemote: -1,
			JitterLocal: 12.345678901234567, JitterRemote: 0.1, InLinkQuality: 100, REMBBitrate: 300000}}
	huge := telemetry.MediaReportBody{Mid: "1", MIndex: 1, Media: "video",
		PacketsReceived: math.MaxUint64, PacketsSent: 1<<53 + 1, BytesReceived: 1<<63 + 12345, BytesSent: 3,
		RTPStats: &telemetry.RTPStats{Base: 90000, RTT: math.MinInt64, Lost: math.MaxInt64, JitterLocal: 1e-300,
			JitterRemote: 1.7976931348623157e308}}
	data := telemetry.MediaReportBody{Mid: "2", MIndex: 2, Media: "data", PacketsReceived: 7}
	for _, tc := range []struct {
		name string
		body any
		n    int
	}{
		{"value", audio, 1},
		{"pointer", &audio, 1},
		{"rounding", huge, 1},
		{"data channel", data, 1},
		{"combined", telemetry.MediaReports{audio, huge, data}, 3},
		{"untyped", map[string]any{"mid": "0", "media": "audio", "lost": 3}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := json.Marshal(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			want, err := parseMediaReports(raw)
			if err != nil {
				t.Fatal(err)
			}
			got, err := mediaReportsOf(tc.body, raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.n || !reflect.DeepEqual(got, want) {
				t.Fatalf("typed %+v\nparsed %+v", got, want)
			}
		})
	}
}

// BenchmarkMapperScript maps echoTestScript (session, handle, WebRTC,
// plugin and media report events, attach to detach) once per iteration:
// the HEP sink's per-event work without the socket write.
func BenchmarkMapperScript(b *testing.B) {
	for _, typed := range []bool{false, true} {
		name := "untyped"
		events := echoTestScript(telemetry.Now())
		if typed {
			name = "typed-media"
			for _, e := range events {
				if e.Type == telemetry.TypeMedia && e.Subtype == telemetry.SubtypeMediaReport {
					raw, err := json.Marshal(e.Body)
					if err != nil {
						b.Fatal(err)
					}
					e.Body = telemetry.DecodeBody(e.Type, e.Subtype, raw)
					if _, ok := e.Body.(telemetry.MediaReportBody); !ok {
						b.Fatalf("body %T", e.Body)
					}
				}
			}
		}
		for _, reuse := range []bool{false, true} {
			if reuse {
				if !typed {
					continue
				}
				name += "-reuse"
			}
			b.Run(name, func(b *testing.B) { benchmarkMapper(b, events, reuse) })
		}
	}
}

// benchmarkMapper maps events once per iteration; reuse: the QoS buffer
// is reused from event to event, as the Sink does.
func benchmarkMapper(b *testing.B, events []*telemetry.Event, reuse bool) {
	cfg := SinkConfig{URL: "udp://127.0.0.1:9060", NodeName: "node-a"}
	if _, _, err := cfg.withDefaults(); err != nil {
		b.Fatal(err)
	}
	m := newMapper(&cfg)
	m.reuseQoS = reuse
	var out []hep.Packet
	b.ReportAllocs()
	for b.Loop() {
		for _, e := range events {
			var err error
			if out, err = m.packets(e, out[:0]); err != nil {
				b.Fatal(err)
			}
		}
	}
	if len(out) == 0 {
		b.Fatal("no packets")
	}
}

// TestSSRCOfIsFNV: ssrcOf is FNV-1a of "<L|R> <handle> <mindex> <media>",
// as hash/fnv computes it (the SSRCs Homer already stored stay the same).
func TestSSRCOfIsFNV(t *testing.T) {
	for _, tc := range []struct {
		uplink bool
		handle uint64
		mindex int
		media  string
	}{
		{false, 0, 0, ""},
		{true, 1, 0, "audio"},
		{false, 8745512329, 1, "video"},
		{true, math.MaxUint64, 17, "video-simulcast-2"},
	} {
		side := "L"
		if tc.uplink {
			side = "R"
		}
		h := fnv.New32a()
		_, _ = fmt.Fprintf(h, "%s %d %d %s", side, tc.handle, tc.mindex, tc.media)
		if got, want := ssrcOf(tc.uplink, tc.handle, &mediaReport{MIndex: tc.mindex, Media: tc.media}), h.Sum32(); got != want {
			t.Errorf("%+v: ssrc %d, want %d", tc, got, want)
		}
	}
}

// TestBodyOfIsJSONMarshal: the body cut out of an event's JSON is
// json.Marshal(e.Body), byte for byte, whatever the header's strings hold.
func TestBodyOfIsJSONMarshal(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    telemetry.Event
	}{
		{"nil body", telemetry.Event{Emitter: "a", Type: telemetry.TypeCore}},
		{"html and unicode", telemetry.Event{Emitter: "<a&b>", Type: telemetry.TypeSession, SessionID: 1, OpaqueID: "é\u2028",
			Body: map[string]any{"name": "<created>", "x": []any{1.5, "&", nil, map[string]any{}}}}},
		{"event key in the header's strings", telemetry.Event{Emitter: `x,"event":`, Type: telemetry.TypeHandle, OpaqueID: `,"event":{}}`,
			Body: map[string]any{"event": `,"event":1`}}},
		{"typed media", telemetry.Event{Emitter: "a", Type: telemetry.TypeMedia, Subtype: telemetry.SubtypeMediaReport,
			Timestamp: 1, SessionID: 2, HandleID: 3, Body: telemetry.MediaReportBody{Mid: "0", Media: "audio", PacketsSent: 7}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload, err := json.Marshal(&tc.e)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(tc.e.Body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := bodyOf(&tc.e, payload)
			if err != nil || string(got) != string(want) {
				t.Fatalf("bodyOf = %s, %v\nwant %s", got, err, want)
			}
		})
	}
}
