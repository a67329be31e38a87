package prom

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/telemetry"
)

// TestExporterFromRegistry builds the metrics exporter the way cmd/argus
// does, from the registry, and reads what it serves: its own metrics, the
// bus and gateway figures it was handed, and a collector registered into
// it from outside.
func TestExporterFromRegistry(t *testing.T) {
	spec, ok := telemetry.SinkSpecOf(SinkName)
	if !ok || !spec.Metrics || spec.Flag.Name != "metrics" || spec.Flag.Kind != telemetry.FlagBool || !spec.Flag.On {
		t.Fatalf("spec = %+v", spec)
	}
	s, err := telemetry.NewSink(SinkName, telemetry.SinkConfig{
		ServerName: "test",
		BusStats: func() []telemetry.SinkStats {
			return []telemetry.SinkStats{{Name: "prom", QueueLen: 3, QueueCap: 100}, {Name: "hep", Dropped: 7}}
		},
		Live: func() (int, int, int) { return 2, 5, 1 },
	})
	if err != nil {
		t.Fatal(err)
	}
	e := s.(*Exporter)
	e.ObserveExport("hep", 1, 0, nil)
	if err := e.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "argus_outside_total", Help: "A collector registered from outside."},
		func() float64 { return 4 })); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		"argus_sessions 2", "argus_handles 5", "argus_peerconnections 1",
		`argus_events_queue_length{sink="prom"} 3`,
		`argus_events_dropped_total{sink="hep"} 7`,
		`argus_events_export_duration_seconds_count{sink="hep"} 1`,
		`argus_events_export_duration_seconds_count{sink="prom"} 0`,
		"argus_videoroom_rooms 0",
		"argus_outside_total 4",
	} {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	cs := e.Companions()
	if len(cs) != 1 || cs[0].Name != VideoRoomSinkName || cs[0].Sink != e.videoRoom || cs[0].Mask != telemetry.ParseMask("handles,media,plugins") {
		t.Errorf("companions = %+v", cs)
	}
}

// TestExporterSettings: the exporter takes "enabled" and nothing else.
func TestExporterSettings(t *testing.T) {
	if _, err := FromSettings(telemetry.SinkConfig{Settings: map[string]string{"enabled": "true"}}); err != nil {
		t.Errorf("enabled: %v", err)
	}
	if _, err := FromSettings(telemetry.SinkConfig{Settings: map[string]string{"events": "all"}}); err == nil {
		t.Error("events accepted")
	}
}
