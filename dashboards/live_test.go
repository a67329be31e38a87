package dashboards

import (
	"context"
	"encoding/json"
	"math"
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

// TestQueriesAgainstLivePrometheus is the end-to-end check of the
// dashboards and alert rules: a real Prometheus scrapes an in-process
// Argus (1 s) while a pion client runs a full EchoTest, then every PromQL
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
	sid, err := echoTest(ctx, newJanus(a.janusURL), 6*time.Second)
	if err != nil {
		t.Fatalf("EchoTest session %d: %v", sid, err)
	}
	// Everything the session produced has been scraped once the session's
	// end and its hangup are visible; two more scrapes settle the rates.
	if err := p.waitFor(ctx, `sum(argus_sessions_ended_total) >= 1 and sum(argus_peerconnections_hangups_total) >= 1 and sum(argus_handles_detached_total) >= 1`, nonEmpty); err != nil {
		t.Fatal(err)
	}
	if err := p.waitFor(ctx, `count_over_time(argus_sessions[1m]) >= 3 and argus_sessions == 0`, nonEmpty); err != nil {
		t.Fatal(err)
	}

	t.Run("dashboards", func(t *testing.T) {
		ds := loadDashboards(t)
		names := make([]string, 0, len(ds))
		for n := range ds {
			names = append(names, n)
		}
		sort.Strings(names)
		total := 0
		for _, n := range names {
			for _, q := range ds[n].Exprs(n) {
				total++
				expr := Substitute(q.Expr, testRateInterval, testRange, testVars)
				if strings.Contains(expr, "$") {
					t.Errorf("%s: unsubstituted variable in %s", q.Source, expr)
					continue
				}
				v, err := p.query(ctx, expr)
				switch {
				case err != nil:
					t.Errorf("%s: %s: %v", q.Source, expr, err)
				case !hasNumber(v):
					t.Errorf("%s: no data (%d samples, all NaN or none): %s", q.Source, len(v), expr)
				}
			}
		}
		t.Logf("%d dashboard expressions queried", total)
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
