package dashboards

import (
	"context"
	"encoding/json"
	"io"
	"math"
	nethttp "net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry/otel"
)

// Grafana variables as the test substitutes them: windows that span the
// whole test run, every instance.
const (
	testRateInterval = "1m"
	testRange        = "5m"
)

var testVars = map[string]string{"instance": ".*"}

// knownEmpty names the metrics that Argus does not produce yet, with the
// reason. Their expressions must still be valid and must still return no
// data: when one starts returning data the test fails, so the entry is
// removed and the panel is verified from then on. Nothing here is faked.
var knownEmpty = map[string]string{
	// argus_media_rtt_seconds was here until core/webrtc computed RTT from
	// the sender reports it sends and the receiver reports that answer them
	// (now in mediaWatch). The shared ICE UDP port's counters are produced
	// by cmd/argus (udpmetrics.go, checked on the binary's /metrics by
	// cmd/argus's TestServerICEPorts), not by this package's in-process
	// gateway, whose engine has a socket per PeerConnection.
	"argus_ice_udp_receive_overflow_packets_total": sharedUDPNotHere,
	"argus_ice_udp_send_dropped_packets_total":     sharedUDPNotHere,
	"argus_ice_udp_unrouted_packets_total":         sharedUDPNotHere,
	"argus_ice_udp_address_moves_total":            sharedUDPNotHere,
}

const sharedUDPNotHere = "exported by cmd/argus with its shared ICE UDP port; the in-process test gateway has none"

// knownEmptyReason returns the knownEmpty reason of the first such metric expr uses.
func knownEmptyReason(expr string) (string, string) {
	for _, m := range metricRE.FindAllString(expr, -1) {
		if r, ok := knownEmpty[baseMetric(m)]; ok {
			return baseMetric(m), r
		}
	}
	return "", ""
}

// TestQueriesAgainstLivePrometheus is the end-to-end check of the
// dashboards and alert rules: a real Prometheus scrapes an in-process
// Argus (1 s) while pion clients run two EchoTest sessions and a VideoRoom
// call (publisher and subscriber), then every PromQL
// expression of every dashboard must return data (at least one non-NaN
// sample) and every alert rule must evaluate without error, both in
// Prometheus's rule manager and through the query API.
func TestQueriesAgainstLivePrometheus(t *testing.T) {
	a := startArgus(t)
	u, err := url.Parse(a.metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	rules := ruleFiles(t)
	p := startPrometheus(t, u.Host, rules)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := p.waitFor(ctx, `up{job="argus"} == 1`, nonEmpty); err != nil {
		t.Fatal(err)
	}
	// Two sessions one after the other: the second makes the counters
	// first created by the first one's end (hangups, detaches, ended
	// sessions) increase within Prometheus's view, as in production.
	j := newJanus(t, a.janusURL)
	sid, err := echoTest(ctx, j, 6*time.Second)
	if err != nil {
		t.Fatalf("EchoTest session %d: %v", sid, err)
	}
	if err := p.waitFor(ctx, `count_over_time(argus_peerconnections_hangups_total[1m]) >= 2`, nonEmpty); err != nil {
		t.Fatal(err)
	}
	if sid2, err := echoTest(ctx, j, 3*time.Second); err != nil {
		t.Fatalf("second EchoTest session %d: %v", sid2, err)
	}
	if vsid, err := videoRoom(ctx, j, 5*time.Second); err != nil {
		t.Fatalf("VideoRoom session %d: %v", vsid, err)
	}
	// Everything the session produced has been scraped once the session's
	// end and its hangup are visible; two more scrapes settle the rates.
	if err := p.waitFor(ctx, `sum(argus_sessions_ended_total) >= 2 and sum(argus_peerconnections_hangups_total) >= 2 and sum(argus_handles_detached_total{plugin="janus.plugin.videoroom"}) >= 2`, nonEmpty); err != nil {
		t.Fatal(err)
	}
	// Rates need two samples of a series; the last counters appeared with
	// the VideoRoom's detach.
	if err := p.waitFor(ctx, `count_over_time(argus_handles_detached_total{plugin="janus.plugin.videoroom"}[1m]) >= 3`, nonEmpty); err != nil {
		t.Fatal(err)
	}

	t.Run("dashboards", func(t *testing.T) {
		ds := loadDashboards(t)
		names := make([]string, 0, len(ds))
		for n := range ds {
			names = append(names, n)
		}
		sort.Strings(names)
		total, unverified := 0, 0
		for _, n := range names {
			for _, q := range ds[n].Exprs(n) {
				total++
				expr := Substitute(q.Expr, testRateInterval, testRange, testVars)
				if strings.Contains(expr, "$") {
					t.Errorf("%s: unsubstituted variable in %s", q.Source, expr)
					continue
				}
				v, err := p.query(ctx, expr)
				metric, reason := knownEmptyReason(expr)
				switch {
				case err != nil:
					t.Errorf("%s: %s: %v", q.Source, expr, err)
				case metric != "" && hasNumber(v):
					t.Errorf("%s: %s now has data: remove it from knownEmpty (%s)", q.Source, metric, expr)
				case metric != "":
					unverified++
					t.Logf("NOT VERIFIED %s: %s has no data: %s", q.Source, metric, reason)
				case !hasNumber(v):
					t.Errorf("%s: no data (%d samples, all NaN or none): %s", q.Source, len(v), expr)
				}
			}
		}
		t.Logf("%d dashboard expressions queried, %d returned data, %d not verified (knownEmpty)", total, total-unverified, unverified)
		if t.Failed() {
			t.Logf("Argus /metrics media series now:\n%s", metricsMatching(t, a.metricsURL, "argus_media_"))
		}
	})

	// Beyond "returns data": the values match what the clients did.
	t.Run("values", func(t *testing.T) {
		for _, expr := range []string{
			`max_over_time(argus_videoroom_rooms[5m]) >= 1`,
			`max_over_time(argus_videoroom_publishers[5m]) == 1`,
			`max_over_time(argus_videoroom_subscribers[5m]) == 1`,
			`argus_videoroom_publishers == 0 and argus_videoroom_subscribers == 0`,
			`sum(argus_videoroom_forwarded_packets_total) > 100`,
			`sum(argus_handles_attached_total{plugin="janus.plugin.echotest"}) == 2`,
			`sum(argus_handles_attached_total{plugin="janus.plugin.videoroom"}) == 2`,
			`sum(argus_sessions_created_total) == 3`,
			`sum(argus_peerconnections_up_total) == 4`,
			`max_over_time(argus_peerconnections[5m]) >= 1`,
			`sum(argus_peerconnections_hangups_total{reason="Janus API"}) == 4`,
			`sum(argus_media_lost_packets_total) > 0`,
			`sum(argus_events_dropped_total) == 0`,
			`sum(argus_events_exported_total{sink="history"}) > 0`,
		} {
			if v, err := p.query(ctx, expr); err != nil || !hasNumber(v) {
				t.Errorf("%s: false (err %v)", expr, err)
			}
		}
	})

	t.Run("alert rules", func(t *testing.T) {
		want := 0
		for _, f := range rules {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want += strings.Count(string(b), "- alert:")
		}
		got, err := p.ruleHealth(ctx, want)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range got {
			if _, err := p.query(ctx, r.Query); err != nil {
				t.Errorf("rule %s: %s: %v", r.Name, r.Query, err)
			}
		}
		t.Logf("%d alert rules evaluated without error", len(got))
	})

	t.Run("exemplars", func(t *testing.T) {
		// Histogram observations carry the session's trace id, so Grafana's
		// exemplar link opens that session's trace.
		want := otel.TraceIDFunc(testServerName)(sid)
		now := time.Now()
		data, err := p.get(ctx, "/api/v1/query_exemplars", url.Values{
			"query": {"argus_ice_connect_seconds_bucket"},
			"start": {strconv.FormatInt(now.Add(-5*time.Minute).Unix(), 10)},
			"end":   {strconv.FormatInt(now.Unix(), 10)},
		})
		if err != nil {
			t.Fatal(err)
		}
		var sets []struct {
			Exemplars []struct {
				Labels map[string]string `json:"labels"`
			} `json:"exemplars"`
		}
		if err := json.Unmarshal(data, &sets); err != nil {
			t.Fatal(err)
		}
		for _, s := range sets {
			for _, e := range s.Exemplars {
				if e.Labels["trace_id"] == want {
					return
				}
			}
		}
		t.Fatalf("no exemplar with trace_id %s (session %d) on argus_ice_connect_seconds: %s", want, sid, data)
	})
}

func nonEmpty(v []sample) bool { return len(v) > 0 }

// hasNumber reports whether any sample has a value other than NaN.
func hasNumber(v []sample) bool {
	for _, s := range v {
		f, err := strconv.ParseFloat(s.value(), 64)
		if err == nil && !math.IsNaN(f) {
			return true
		}
	}
	return false
}

// metricsMatching returns the /metrics lines that contain substr (diagnostics).
func metricsMatching(t *testing.T, metricsURL, substr string) string {
	t.Helper()
	res, err := nethttp.Get(metricsURL)
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, substr) && !strings.HasPrefix(l, "#") && !strings.Contains(l, "_bucket") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
