package dashboards

import (
	"errors"
	"io"
	nethttp "net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// dashboardMetrics returns every argus_* metric family a dashboard or an
// alert rule names, with the files that name it.
func dashboardMetrics(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dashboardDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, ruleFiles(t)...)
	out := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range metricRE.FindAllString(string(b), -1) {
			m = baseMetric(m)
			if fs := out[m]; len(fs) == 0 || fs[len(fs)-1] != f {
				out[m] = append(fs, f)
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d metric names in the dashboards and rules", len(out))
	}
	return out
}

// series is one scraped sample: its labels and value (a histogram's count).
type series struct {
	labels map[string]string
	value  float64
}

// family is the scraped series of one metric family.
type family []series

// find returns the value of the series whose labels include want.
func (f family) find(want map[string]string) (float64, bool) {
	for _, s := range f {
		match := true
		for k, v := range want {
			if s.labels[k] != v {
				match = false
				break
			}
		}
		if match {
			return s.value, true
		}
	}
	return 0, false
}

// scrape parses one /metrics answer (Prometheus text format) by family name.
func scrape(t *testing.T, url string) map[string]family {
	t.Helper()
	res, err := nethttp.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != nethttp.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	dec := expfmt.NewDecoder(res.Body, expfmt.NewFormat(expfmt.TypeTextPlain))
	out := map[string]family{}
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("parse %s: %v", url, err)
		}
		var f family
		for _, m := range mf.GetMetric() {
			s := series{labels: map[string]string{}}
			for _, l := range m.GetLabel() {
				s.labels[l.GetName()] = l.GetValue()
			}
			switch {
			case m.GetCounter() != nil:
				s.value = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				s.value = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				s.value = float64(m.GetHistogram().GetSampleCount())
			}
			f = append(f, s)
		}
		out[mf.GetName()] = f
	}
	return out
}

// Every metric a dashboard or an alert names exists from start-up, before
// any session, so a healthy idle system shows 0 and not "No data"; the
// per-media counters exist for every known media (and direction) at 0.
func TestDashboardMetricsPresentAtStartup(t *testing.T) {
	a := startArgus(t)
	got := scrape(t, a.metricsURL)
	want := dashboardMetrics(t)
	var names []string
	for m := range want {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		if reason, ok := knownEmpty[m]; ok {
			t.Logf("NOT VERIFIED %s: %s", m, reason)
			continue
		}
		if len(got[m]) == 0 {
			t.Errorf("%s (named by %v) is not exported by a fresh server", m, want[m])
		}
	}
	// The series that used to appear only after the first loss or NACK, and
	// the other label sets the panels sum over, at 0.
	for _, c := range []struct {
		family string
		labels []map[string]string
	}{
		{"argus_media_lost_packets_total", []map[string]string{{"media": "audio"}, {"media": "video"}, {"media": "data"}}},
		{"argus_media_nacks_total", []map[string]string{{"media": "audio", "direction": "in"}, {"media": "video", "direction": "out"}}},
		{"argus_media_packets_total", []map[string]string{{"media": "audio", "direction": "in"}, {"media": "video", "direction": "out"}}},
		{"argus_peerconnections_hangups_total", []map[string]string{{"reason": "ICE failed"}, {"reason": "DTLS alert"}}},
		{"argus_ice_state_changes_total", []map[string]string{{"state": "failed"}, {"state": "connected"}}},
		{"argus_handles_attached_total", []map[string]string{{"plugin": "janus.plugin.echotest"}, {"plugin": "janus.plugin.videoroom"}}},
		{"argus_videoroom_forwarded_bytes_total", []map[string]string{{"media": "audio"}, {"media": "video"}}},
	} {
		for _, want := range c.labels {
			if v, ok := got[c.family].find(want); !ok || v != 0 {
				t.Errorf("%s%v: found %v, value %v; want a series at 0", c.family, want, ok, v)
			}
		}
	}
}
