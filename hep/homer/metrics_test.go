package homer

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// gathered returns the value of every series of reg by name.
func gathered(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			out[mf.GetName()] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return out
}

func TestMetricsFromStats(t *testing.T) {
	r := newUDPReceiver(t)
	s := newTestSink(t, "udp://"+r.addr, nil)
	reg := prometheus.NewRegistry()
	if err := reg.Register(s); err != nil {
		t.Fatal(err)
	}
	// Present at zero before anything was sent.
	if got := gathered(t, reg); len(got) != len(metrics) || got["argus_hep_packets_written_total"] != 0 {
		t.Fatalf("before: %v, want %d series at 0", got, len(metrics))
	}
	export(t, s, oneEvent(1))
	r.collect(1)
	got := gathered(t, reg)
	if got["argus_hep_packets_written_total"] != 1 || got["argus_hep_connects_total"] != 1 ||
		got["argus_hep_bytes_written_total"] == 0 || got["argus_hep_reconnects_total"] != 0 {
		t.Fatalf("after one event: %v", got)
	}
}
