package prom

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
)

func traceIDOf(sid uint64) string { return fmt.Sprintf("%032x", sid) }

func newTestSink(t *testing.T, opts ...Option) (*prometheus.Registry, *Sink) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	s, err := New(reg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return reg, s
}

func export(t *testing.T, s *Sink, evs []*telemetry.Event) {
	t.Helper()
	if err := s.Export(context.Background(), evs); err != nil {
		t.Fatalf("Export: %v", err)
	}
}

const wantEchoTest = `
# HELP argus_sessions_created_total Janus sessions created.
# TYPE argus_sessions_created_total counter
argus_sessions_created_total 1
# HELP argus_sessions_ended_total Janus sessions ended, by reason (destroyed or timeout).
# TYPE argus_sessions_ended_total counter
argus_sessions_ended_total{reason="destroyed"} 1
# HELP argus_handles_attached_total Handles attached, by plugin.
# TYPE argus_handles_attached_total counter
argus_handles_attached_total{plugin="janus.plugin.echotest"} 1
# HELP argus_handles_detached_total Handles detached, by plugin.
# TYPE argus_handles_detached_total counter
argus_handles_detached_total{plugin="janus.plugin.echotest"} 1
# HELP argus_peerconnections_up_total PeerConnections that reached webrtcup.
# TYPE argus_peerconnections_up_total counter
argus_peerconnections_up_total 1
# HELP argus_peerconnections_hangups_total PeerConnections hung up, by Janus hangup reason.
# TYPE argus_peerconnections_hangups_total counter
argus_peerconnections_hangups_total{reason="Janus API"} 1
# HELP argus_ice_state_changes_total ICE state changes, by new state.
# TYPE argus_ice_state_changes_total counter
argus_ice_state_changes_total{state="connected"} 1
argus_ice_state_changes_total{state="connecting"} 1
argus_ice_state_changes_total{state="gathering"} 1
argus_ice_state_changes_total{state="ready"} 1
# HELP argus_dtls_state_changes_total DTLS state changes, by new state.
# TYPE argus_dtls_state_changes_total counter
argus_dtls_state_changes_total{state="connected"} 1
argus_dtls_state_changes_total{state="trying"} 1
# HELP argus_ice_connect_seconds Time from the first ICE gathering or connecting state to connected, per handle.
# TYPE argus_ice_connect_seconds histogram
argus_ice_connect_seconds_bucket{le="0.01"} 0
argus_ice_connect_seconds_bucket{le="0.025"} 0
argus_ice_connect_seconds_bucket{le="0.05"} 0
argus_ice_connect_seconds_bucket{le="0.1"} 0
argus_ice_connect_seconds_bucket{le="0.25"} 1
argus_ice_connect_seconds_bucket{le="0.5"} 1
argus_ice_connect_seconds_bucket{le="1"} 1
argus_ice_connect_seconds_bucket{le="2.5"} 1
argus_ice_connect_seconds_bucket{le="5"} 1
argus_ice_connect_seconds_bucket{le="10"} 1
argus_ice_connect_seconds_bucket{le="30"} 1
argus_ice_connect_seconds_bucket{le="+Inf"} 1
argus_ice_connect_seconds_sum 0.11
argus_ice_connect_seconds_count 1
# HELP argus_dtls_handshake_seconds Time from DTLS trying to connected, per handle.
# TYPE argus_dtls_handshake_seconds histogram
argus_dtls_handshake_seconds_bucket{le="0.005"} 0
argus_dtls_handshake_seconds_bucket{le="0.01"} 0
argus_dtls_handshake_seconds_bucket{le="0.025"} 0
argus_dtls_handshake_seconds_bucket{le="0.05"} 1
argus_dtls_handshake_seconds_bucket{le="0.1"} 1
argus_dtls_handshake_seconds_bucket{le="0.25"} 1
argus_dtls_handshake_seconds_bucket{le="0.5"} 1
argus_dtls_handshake_seconds_bucket{le="1"} 1
argus_dtls_handshake_seconds_bucket{le="2.5"} 1
argus_dtls_handshake_seconds_bucket{le="5"} 1
argus_dtls_handshake_seconds_bucket{le="10"} 1
argus_dtls_handshake_seconds_bucket{le="+Inf"} 1
argus_dtls_handshake_seconds_sum 0.05
argus_dtls_handshake_seconds_count 1
# HELP argus_media_packets_total RTP packets, from media report deltas, by media kind and direction (in, out).
# TYPE argus_media_packets_total counter
argus_media_packets_total{direction="in",media="audio"} 120
argus_media_packets_total{direction="in",media="video"} 180
argus_media_packets_total{direction="out",media="audio"} 120
argus_media_packets_total{direction="out",media="video"} 180
# HELP argus_media_bytes_total RTP bytes, from media report deltas, by media kind and direction (in, out).
# TYPE argus_media_bytes_total counter
argus_media_bytes_total{direction="in",media="audio"} 12000
argus_media_bytes_total{direction="in",media="video"} 180000
argus_media_bytes_total{direction="out",media="audio"} 12000
argus_media_bytes_total{direction="out",media="video"} 180000
# HELP argus_media_nacks_total NACKs received (in) and sent (out), from media report deltas.
# TYPE argus_media_nacks_total counter
argus_media_nacks_total{direction="in",media="video"} 5
# HELP argus_media_lost_packets_total Incoming RTP packets lost, from media report deltas.
# TYPE argus_media_lost_packets_total counter
argus_media_lost_packets_total{media="audio"} 4
argus_media_lost_packets_total{media="video"} 1
# HELP argus_plugin_events_total Plugin events, by plugin.
# TYPE argus_plugin_events_total counter
argus_plugin_events_total{plugin="janus.plugin.echotest"} 1
# HELP argus_events_total Events received by the Prometheus sink, by Janus event type.
# TYPE argus_events_total counter
argus_events_total{type="handle"} 2
argus_events_total{type="jsep"} 2
argus_events_total{type="media"} 6
argus_events_total{type="plugin"} 1
argus_events_total{type="session"} 2
argus_events_total{type="webrtc"} 9
`

var echoTestMetrics = []string{
	"argus_sessions_created_total", "argus_sessions_ended_total", "argus_handles_attached_total",
	"argus_handles_detached_total", "argus_peerconnections_up_total", "argus_peerconnections_hangups_total",
	"argus_ice_state_changes_total", "argus_dtls_state_changes_total", "argus_ice_connect_seconds",
	"argus_dtls_handshake_seconds", "argus_media_packets_total", "argus_media_bytes_total",
	"argus_media_nacks_total", "argus_media_lost_packets_total", "argus_plugin_events_total", "argus_events_total",
}

func TestEchoTestScript(t *testing.T) {
	reg, s := newTestSink(t)
	export(t, s, echoTestScript())
	if err := testutil.GatherAndCompare(nonZero{reg}, strings.NewReader(wantEchoTest), echoTestMetrics...); err != nil {
		t.Fatal(err)
	}
	// Gauge histograms: 4 report objects for audio, 2 for video.
	for _, tc := range []struct {
		name   string
		labels []string
		vec    *prometheus.HistogramVec
		count  uint64
		sum    float64
	}{
		{"jitter audio in", []string{"audio", "in"}, s.m.jitter, 3, 0.015},
		{"jitter video out", []string{"video", "out"}, s.m.jitter, 2, 0.02},
		{"rtt audio", []string{"audio"}, s.m.rtt, 3, 0.12},
		{"quality video in", []string{"video", "in"}, s.m.quality, 2, 200},
		{"quality audio out", []string{"audio", "out"}, s.m.quality, 3, 270},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := histogramOf(t, tc.vec.WithLabelValues(tc.labels...))
			if h.GetSampleCount() != tc.count || !near(h.GetSampleSum(), tc.sum) {
				t.Errorf("count %d sum %v, want %d %v", h.GetSampleCount(), h.GetSampleSum(), tc.count, tc.sum)
			}
		})
	}
	if f, m := s.tracked(); f != 0 || m != 0 {
		t.Errorf("tracked after detach: funnel %d media %d, want 0 0", f, m)
	}
}

func TestLint(t *testing.T) {
	reg, s := newTestSink(t, WithTraceID(traceIDOf))
	export(t, s, echoTestScript())
	reg.MustRegister(
		NewStateCollector(func() (int, int, int) { return 1, 2, 1 }),
		NewBusCollector(func() []SinkStat { return []SinkStat{{Name: "prom", QueueCapacity: 8}} }),
	)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestExemplarInOpenMetrics(t *testing.T) {
	reg, s := newTestSink(t, WithTraceID(traceIDOf))
	export(t, s, echoTestScript())
	srv := httptest.NewServer(Handler(reg))
	defer srv.Close()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8")
	_, header, body := testkit.Do(t, req)
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Fatalf("Content-Type %q, want OpenMetrics", ct)
	}
	want := `argus_ice_connect_seconds_bucket{le="0.25"} 1 # {trace_id="` + traceIDOf(testSession) + `"} 0.11`
	if !strings.Contains(body, want) {
		t.Errorf("no exemplar line %q in:\n%s", want, body)
	}
	if strings.Contains(body, "1234") && strings.Contains(body, `session`+`_id=`) {
		t.Errorf("session id used as a label")
	}
}

func TestNoExemplarWithoutTraceID(t *testing.T) {
	reg, s := newTestSink(t, WithTraceID(func(uint64) string { return "" }))
	export(t, s, echoTestScript())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, b := range m.GetHistogram().GetBucket() {
				if b.GetExemplar() != nil {
					t.Errorf("%s has an exemplar", mf.GetName())
				}
			}
		}
	}
}

func TestCounterReset(t *testing.T) {
	_, s := newTestSink(t)
	export(t, s, []*telemetry.Event{
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, 1000, report("0", "audio", 100, 1000, 0, 0)),
		// A new PeerConnection on the same handle starts from zero again.
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, 2000, report("0", "audio", 30, 300, 0, 0)),
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, 3000, report("0", "audio", 40, 400, 0, 0)),
	})
	if got := testutil.ToFloat64(s.m.packets.WithLabelValues("audio", "in")); got != 140 {
		t.Errorf("packets = %v, want 140", got)
	}
}

func TestSimulcastLayersCountAsVideo(t *testing.T) {
	_, s := newTestSink(t)
	export(t, s, []*telemetry.Event{
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, 1000, []any{
			report("1", "video", 10, 100, 0, 0), report("1", "video-sim1", 20, 200, 0, 0),
			report("1", "video-sim2", 30, 300, 0, 0)}),
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, 2000, []any{
			report("1", "video", 11, 110, 0, 0), report("1", "video-sim1", 22, 220, 0, 0),
			report("1", "video-sim2", 33, 330, 0, 0)}),
	})
	if got := testutil.ToFloat64(s.m.packets.WithLabelValues("video", "in")); got != 66 {
		t.Errorf("packets = %v, want 66", got)
	}
}

// typedReport stands for a body built as a Go struct by the core.
type typedReport struct {
	Mid     string `json:"mid"`
	Media   string `json:"media"`
	Packets uint64 `json:"packets-received"`
}

func TestTypedBody(t *testing.T) {
	_, s := newTestSink(t)
	export(t, s, []*telemetry.Event{
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, 1000, typedReport{"0", "audio", 7}),
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, 2000, &typedReport{"0", "audio", 9}),
	})
	if got := testutil.ToFloat64(s.m.packets.WithLabelValues("audio", "in")); got != 9 {
		t.Errorf("packets = %v, want 9", got)
	}
}

func TestBoundedTables(t *testing.T) {
	_, s := newTestSink(t, WithMaxTracked(4))
	var evs []*telemetry.Event
	for h := uint64(1); h <= 100; h++ {
		g := ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, 0, obj{"ice": "gathering"})
		r := ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, 0, report("0", "audio", 1, 1, 0, 0))
		g.HandleID, r.HandleID = h, h
		evs = append(evs, g, r)
	}
	export(t, s, evs)
	if f, m := s.tracked(); f > 4 || m > 4 {
		t.Errorf("tracked: funnel %d media %d, want <= 4", f, m)
	}
	// Hangup clears the funnel; detach clears both.
	_, s = newTestSink(t)
	export(t, s, echoTestScript()[:9]) // up to DTLS trying: ICE done, DTLS pending
	if f, _ := s.tracked(); f != 1 {
		t.Fatalf("funnel = %d, want 1", f)
	}
	export(t, s, []*telemetry.Event{ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCPeerConnection, 500,
		obj{"connection": "hangup", "reason": "DTLS timeout"})})
	if f, _ := s.tracked(); f != 0 {
		t.Errorf("funnel after hangup = %d, want 0", f)
	}
}

func TestLabelsAreBounded(t *testing.T) {
	_, s := newTestSink(t)
	export(t, s, []*telemetry.Event{
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCICE, 0, obj{"ice": "weird\nstate"}),
		ev(telemetry.TypeWebRTC, telemetry.SubtypeWebRTCPeerConnection, 0, obj{"connection": "hangup", "reason": "x y z"}),
		ev(telemetry.TypeMedia, telemetry.SubtypeMediaReport, 0, report("0", "smell", 1, 1, 0, 0)),
		ev(telemetry.TypePlugin, 0, 0, telemetry.PluginBody{Plugin: "bad plugin {name}"}),
	})
	for name, c := range map[string]prometheus.Collector{
		"ice": s.m.iceStates.WithLabelValues("other"), "hangup": s.m.pcHangups.WithLabelValues("other"),
		"media": s.m.packets.WithLabelValues("other", "in"), "plugin": s.m.pluginEvents.WithLabelValues("other"),
	} {
		if got := testutil.ToFloat64(c); got != 1 {
			t.Errorf("%s other = %v, want 1", name, got)
		}
	}
}

func TestShutdownIgnoresLaterExports(t *testing.T) {
	_, s := newTestSink(t)
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	export(t, s, echoTestScript())
	if got := testutil.ToFloat64(s.m.sessCreated); got != 0 {
		t.Errorf("created = %v after Shutdown, want 0", got)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	reg := prometheus.NewPedanticRegistry()
	if _, err := New(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := New(reg); err == nil {
		t.Error("second New on one registry succeeded")
	}
}
