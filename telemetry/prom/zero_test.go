package prom

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// nonZero gathers only the series that changed since start-up: counters
// above 0 and histograms with observations (the scripts' expectations list
// what the events did; the series every sink creates at 0 are checked by
// TestSeriesAtZero).
type nonZero struct{ g prometheus.Gatherer }

func (n nonZero) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := n.g.Gather()
	out := mfs[:0]
	for _, mf := range mfs {
		ms := mf.Metric[:0]
		for _, m := range mf.Metric {
			switch {
			case m.Counter != nil && m.Counter.GetValue() == 0:
			case m.Histogram != nil && m.Histogram.GetSampleCount() == 0:
			default:
				ms = append(ms, m)
			}
		}
		if mf.Metric = ms; len(ms) > 0 {
			out = append(out, mf)
		}
	}
	return out, err
}

// A fresh sink exports every known label set at 0: dashboards show 0, not
// "No data", before the first loss, NACK, hangup or failure.
func TestSeriesAtZero(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []Option
		plugins []string
	}{
		{"default plugins", nil, []string{"janus.plugin.echotest", "janus.plugin.videoroom"}},
		{"WithPlugins", []Option{WithPlugins("janus.plugin.x")}, []string{"janus.plugin.x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			if _, err := New(reg, tc.opts...); err != nil {
				t.Fatal(err)
			}
			if _, err := NewVideoRoomSink(reg); err != nil {
				t.Fatal(err)
			}
			want := map[string]int{ // family → series
				"argus_events_total":                           len(knownEventTypes),
				"argus_sessions_ended_total":                   2,
				"argus_handles_attached_total":                 len(tc.plugins),
				"argus_handles_detached_total":                 len(tc.plugins),
				"argus_plugin_events_total":                    len(tc.plugins),
				"argus_peerconnections_hangups_total":          len(knownHangupReasons),
				"argus_ice_state_changes_total":                6,
				"argus_dtls_state_changes_total":               3,
				"argus_media_packets_total":                    6,
				"argus_media_bytes_total":                      6,
				"argus_media_nacks_total":                      6,
				"argus_media_lost_packets_total":               3,
				"argus_media_jitter_seconds":                   6,
				"argus_media_rtt_seconds":                      3,
				"argus_media_quality_score":                    6,
				"argus_videoroom_forwarded_packets_total":      3,
				"argus_videoroom_forwarded_bytes_total":        3,
				"argus_videoroom_fanout_dropped_packets_total": 1,
				"argus_sessions_created_total":                 1,
				"argus_peerconnections_up_total":               1,
				"argus_ice_connect_seconds":                    1,
				"argus_dtls_handshake_seconds":                 1,
			}
			mfs, err := reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, mf := range mfs {
				for _, m := range mf.Metric {
					if (m.Counter != nil && m.Counter.GetValue() != 0) || (m.Histogram != nil && m.Histogram.GetSampleCount() != 0) {
						t.Errorf("%s %v is %v at start-up", mf.GetName(), m.Label, m)
					}
					for _, l := range m.Label {
						if l.GetValue() == other {
							t.Errorf("%s has an %q series at start-up", mf.GetName(), other)
						}
					}
				}
				got[mf.GetName()] = len(mf.Metric)
			}
			for name, n := range want {
				if got[name] != n {
					t.Errorf("%s: %d series at start-up, want %d", name, got[name], n)
				}
			}
			for _, p := range tc.plugins {
				if !hasZeroSeries(mfs, "argus_handles_attached_total", "plugin", p) {
					t.Errorf("no argus_handles_attached_total{plugin=%q} 0", p)
				}
			}
			for _, m := range knownMedia {
				if !hasZeroSeries(mfs, "argus_media_lost_packets_total", "media", m) {
					t.Errorf("no argus_media_lost_packets_total{media=%q} 0", m)
				}
			}
		})
	}
}

// hasZeroSeries reports whether family name has a counter at 0 whose
// label key has value v.
func hasZeroSeries(mfs []*dto.MetricFamily, name, key, v string) bool {
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				if l.GetName() == key && l.GetValue() == v && m.Counter != nil && m.Counter.GetValue() == 0 {
					return true
				}
			}
		}
	}
	return false
}
