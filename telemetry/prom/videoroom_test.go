package prom

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/argusrtc/argus/telemetry"
)

func vrEvent(handle uint64, data map[string]any) *telemetry.Event {
	return &telemetry.Event{Type: telemetry.TypePlugin, SessionID: 1, HandleID: handle,
		Body: telemetry.PluginBody{Plugin: telemetry.PluginVideoRoom, Data: data}}
}

func vrReport(handle uint64, media string, packets, bytes float64) *telemetry.Event {
	return &telemetry.Event{Type: telemetry.TypeMedia, Subtype: telemetry.SubtypeMediaReport, HandleID: handle,
		Body: map[string]any{"mid": "0", "media": media, "packets-sent": packets, "bytes-sent": bytes, "packets-received": 999.0}}
}

func TestVideoRoomSink(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, err := NewVideoRoomSink(reg)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		events []*telemetry.Event
		want   vrWant
	}{
		{"publishers and subscribers", []*telemetry.Event{
			vrEvent(1, map[string]any{"event": "joined", "room": uint64(1234), "id": uint64(7)}),
			vrEvent(1, map[string]any{"event": "published", "room": uint64(1234), "id": uint64(7)}),
			vrEvent(2, map[string]any{"event": "joined", "room": uint64(1234), "id": uint64(8)}),
			vrEvent(2, map[string]any{"event": "published", "room": uint64(1234), "id": uint64(8)}),
			vrEvent(3, map[string]any{"event": "subscribing", "room": uint64(1234), "streams": []any{}}),
			vrEvent(4, map[string]any{"event": "subscribing", "room": uint64(1234), "streams": []any{}}),
			vrEvent(0, map[string]any{"event": "created", "room": uint64(5)}),
			vrReport(3, "video", 100, 50000),
			vrReport(3, "video", 150, 75000),
			vrReport(4, "audio", 10, 800),
			vrReport(1, "video", 1000, 1e6), // a publisher's report: not forwarded media
			vrEvent(1, map[string]any{"event": "fanout-dropped", "room": uint64(1234), "id": uint64(7), "mid": "1", "dropped": uint64(12)}),
			vrEvent(1, map[string]any{"event": "fanout-dropped", "room": uint64(1234), "id": uint64(7), "mid": "1", "dropped": uint64(5)}),
		}, vrWant{rooms: 2, pubs: 2, subs: 2, audio: [2]int{10, 800}, video: [2]int{150, 75000}, dropped: 17}},
		{"unpublish, unsubscribe, new PeerConnection", []*telemetry.Event{
			vrEvent(0, map[string]any{"event": "unpublished", "room": uint64(1234), "id": uint64(7)}),
			vrEvent(3, map[string]any{"event": "unsubscribed", "room": uint64(1234), "feed": uint64(7), "mid": "1"}),
			vrReport(4, "audio", 5, 400), // restarted counters count whole
		}, vrWant{rooms: 2, pubs: 1, subs: 1, audio: [2]int{15, 1200}, video: [2]int{150, 75000}, dropped: 17}},
		{"destroy", []*telemetry.Event{
			vrEvent(9, map[string]any{"event": "destroyed", "room": uint64(1234)}),
			{Type: telemetry.TypeHandle, HandleID: 4, Body: map[string]any{"name": "detached"}},
			vrReport(4, "audio", 50, 4000), // forgotten handle
		}, vrWant{rooms: 1, audio: [2]int{15, 1200}, video: [2]int{150, 75000}, dropped: 17}},
	}
	for _, st := range steps {
		if err := s.Export(context.Background(), st.events); err != nil {
			t.Fatal(err)
		}
		if err := testutil.GatherAndCompare(reg, strings.NewReader(vrHelp+st.want.exposition())); err != nil {
			t.Errorf("%s: %v", st.name, err)
		}
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", err, problems)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = s.Export(context.Background(), []*telemetry.Event{vrEvent(1, map[string]any{"event": "created", "room": uint64(77)})})
	if got := testutil.ToFloat64(gaugeOf(t, reg, "argus_videoroom_rooms")); got != 1 {
		t.Errorf("rooms after shutdown = %v", got)
	}
	if _, err := NewVideoRoomSink(nil); err == nil {
		t.Error("nil registerer accepted")
	}
}

// vrWant is what the VideoRoom sink's metrics should read: the gauges,
// the packets and bytes forwarded of audio and of video (none of data),
// and the packets the fan-out dropped.
type vrWant struct {
	rooms, pubs, subs int
	audio, video      [2]int
	dropped           int
}

func (w vrWant) exposition() string {
	return fmt.Sprintf(`
argus_videoroom_rooms %d
argus_videoroom_publishers %d
argus_videoroom_subscribers %d
argus_videoroom_forwarded_packets_total{media="data"} 0
argus_videoroom_forwarded_packets_total{media="audio"} %d
argus_videoroom_forwarded_packets_total{media="video"} %d
argus_videoroom_forwarded_bytes_total{media="data"} 0
argus_videoroom_forwarded_bytes_total{media="audio"} %d
argus_videoroom_forwarded_bytes_total{media="video"} %d
argus_videoroom_fanout_dropped_packets_total %d
`, w.rooms, w.pubs, w.subs, w.audio[0], w.video[0], w.audio[1], w.video[1], w.dropped)
}

const vrHelp = `
# HELP argus_videoroom_rooms VideoRoom rooms known from events and not destroyed.
# TYPE argus_videoroom_rooms gauge
# HELP argus_videoroom_publishers VideoRoom publishers with their PeerConnection up.
# TYPE argus_videoroom_publishers gauge
# HELP argus_videoroom_subscribers VideoRoom subscriber handles with a subscription.
# TYPE argus_videoroom_subscribers gauge
# HELP argus_videoroom_forwarded_packets_total RTP packets sent to VideoRoom subscribers, by media.
# TYPE argus_videoroom_forwarded_packets_total counter
# HELP argus_videoroom_forwarded_bytes_total RTP bytes sent to VideoRoom subscribers, by media.
# TYPE argus_videoroom_forwarded_bytes_total counter
# HELP argus_videoroom_fanout_dropped_packets_total RTP packets of VideoRoom publishers dropped by full fan-out queues (once per shard of subscribers).
# TYPE argus_videoroom_fanout_dropped_packets_total counter
`

// gaugeOf is a collector exposing one gathered gauge.
func gaugeOf(t *testing.T, g prometheus.Gatherer, name string) prometheus.Collector {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: "copy"}, func() float64 { return mf.GetMetric()[0].GetGauge().GetValue() })
		}
	}
	t.Fatalf("no %s", name)
	return nil
}
