package dashboards

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const (
	dashboardDir   = "grafana/dashboards"
	datasourcesYML = "grafana/provisioning/datasources/datasources.yml"
	promConfig     = "prometheus/prometheus.yml"
	rulesGlob      = "prometheus/rules/*.yml"
	metricsReadme  = "../telemetry/prom/README.md"
	gridColumns    = 24
)

// provisionedUIDs returns the datasource uids of the provisioning file.
func provisionedUIDs(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(datasourcesYML)
	if err != nil {
		t.Fatal(err)
	}
	// Each datasource is a "- name:" item with "uid:" and "type:" keys.
	out := map[string]string{}
	for _, item := range strings.Split(string(b), "\n  - ")[1:] {
		uid := regexp.MustCompile(`(?m)^\s*uid:\s*(\S+)`).FindStringSubmatch(item)
		typ := regexp.MustCompile(`(?m)^\s*type:\s*(\S+)`).FindStringSubmatch(item)
		if uid == nil || typ == nil {
			t.Fatalf("%s: datasource without uid or type:\n%s", datasourcesYML, item)
		}
		out[uid[1]] = typ[1]
	}
	if len(out) == 0 {
		t.Fatalf("%s: no datasources", datasourcesYML)
	}
	return out
}

func loadDashboards(t *testing.T) map[string]Dashboard {
	t.Helper()
	ds, err := LoadDir(dashboardDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"argus-overview.json", "argus-echotest.json", "argus-videoroom.json"} {
		if _, ok := ds[want]; !ok {
			t.Fatalf("missing dashboard %s/%s", dashboardDir, want)
		}
	}
	return ds
}

func TestDatasourcesProvisioning(t *testing.T) {
	uids := provisionedUIDs(t)
	if uids["argus-prometheus"] != "prometheus" || uids["argus-jaeger"] != "jaeger" {
		t.Fatalf("datasources %v, want argus-prometheus (prometheus) and argus-jaeger (jaeger)", uids)
	}
	b, err := os.ReadFile(datasourcesYML)
	if err != nil {
		t.Fatal(err)
	}
	// The exemplar link: trace_id exemplars open the trace store.
	m := regexp.MustCompile(`exemplarTraceIdDestinations:\s*\n\s*- name: trace_id\s*\n\s*datasourceUid: (\S+)`).FindSubmatch(b)
	if m == nil || uids[string(m[1])] != "jaeger" {
		t.Fatalf("the Prometheus datasource has no trace_id exemplar link to the Jaeger datasource")
	}
}

func TestDashboardStructure(t *testing.T) {
	uids := provisionedUIDs(t)
	documented := documentedMetrics(t)
	dashUIDs := map[string]string{}
	for file, d := range loadDashboards(t) {
		t.Run(file, func(t *testing.T) {
			if d.UID == "" || d.Title == "" || d.SchemaVersion <= 0 {
				t.Errorf("uid %q, title %q, schemaVersion %d: all must be set", d.UID, d.Title, d.SchemaVersion)
			}
			if other, dup := dashUIDs[d.UID]; dup {
				t.Errorf("dashboard uid %q also used by %s", d.UID, other)
			}
			dashUIDs[d.UID] = file
			ids := map[int]string{}
			var placed []Panel
			for _, p := range d.AllPanels() {
				name := fmt.Sprintf("panel %d %q", p.ID, p.Title)
				if p.ID <= 0 {
					t.Errorf("%s: id must be positive", name)
				}
				if prev, dup := ids[p.ID]; dup {
					t.Errorf("%s: id also used by %q", name, prev)
				}
				ids[p.ID] = p.Title
				checkGrid(t, name, p, placed)
				placed = append(placed, p)
				if p.IsRow() {
					continue
				}
				checkPanel(t, name, p, uids, documented)
			}
			if len(placed) < 3 {
				t.Errorf("only %d panels", len(placed))
			}
		})
	}
}

// checkGrid: inside the 24 columns, positive size, no overlap with placed.
func checkGrid(t *testing.T, name string, p Panel, placed []Panel) {
	t.Helper()
	g := p.GridPos
	if g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > gridColumns {
		t.Errorf("%s: gridPos %+v outside the %d-column grid", name, g, gridColumns)
	}
	for _, q := range placed {
		o := q.GridPos
		if g.X < o.X+o.W && o.X < g.X+g.W && g.Y < o.Y+o.H && o.Y < g.Y+g.H {
			t.Errorf("%s: gridPos %+v overlaps panel %d %q at %+v", name, g, q.ID, q.Title, o)
		}
	}
}

var metricRE = regexp.MustCompile(`\bargus_[a-z0-9_]+`)

// checkPanel: description, unit, datasource by provisioned uid, queries
// with expressions, exemplars on histogram queries, documented metrics.
func checkPanel(t *testing.T, name string, p Panel, uids map[string]string, documented map[string]bool) {
	t.Helper()
	if strings.TrimSpace(p.Description) == "" {
		t.Errorf("%s: empty description", name)
	}
	if p.FieldConfig.Defaults.Unit == "" {
		t.Errorf("%s: no unit (fieldConfig.defaults.unit)", name)
	}
	if p.Datasource == nil || uids[p.Datasource.UID] == "" {
		t.Errorf("%s: datasource %+v is not a provisioned uid", name, p.Datasource)
	} else if p.Datasource.Type != uids[p.Datasource.UID] {
		t.Errorf("%s: datasource type %q, provisioned %q", name, p.Datasource.Type, uids[p.Datasource.UID])
	}
	if len(p.Targets) == 0 {
		t.Errorf("%s: no targets", name)
	}
	for _, tg := range p.Targets {
		if strings.TrimSpace(tg.Expr) == "" {
			t.Errorf("%s target %s: empty expr", name, tg.RefID)
		}
		if tg.Datasource != nil && uids[tg.Datasource.UID] == "" {
			t.Errorf("%s target %s: datasource uid %q not provisioned", name, tg.RefID, tg.Datasource.UID)
		}
		if strings.Contains(tg.Expr, "_bucket") && !tg.Exemplar {
			t.Errorf("%s target %s: histogram query without exemplars", name, tg.RefID)
		}
		for _, m := range metricRE.FindAllString(tg.Expr, -1) {
			if !documented[baseMetric(m)] {
				t.Errorf("%s target %s: metric %s is not in %s", name, tg.RefID, m, metricsReadme)
			}
		}
	}
}

// baseMetric strips the histogram series suffixes.
func baseMetric(m string) string {
	for _, s := range []string{"_bucket", "_sum", "_count"} {
		if b, ok := strings.CutSuffix(m, s); ok {
			return b
		}
	}
	return m
}

// documentedMetrics reads every argus_* name of the prom sink's README
// (and the VideoRoom metrics file when present).
func documentedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, f := range []string{metricsReadme, "../telemetry/prom/videoroom.go"} {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) && f != metricsReadme {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range metricRE.FindAllString(string(b), -1) {
			out[m] = true
		}
	}
	// The README abbreviates "argus_handles_attached_total / argus_handles_detached_total".
	if len(out) < 20 {
		t.Fatalf("only %d metric names found in %s", len(out), metricsReadme)
	}
	return out
}

func TestRuleFilesPresent(t *testing.T) {
	ruleFiles(t)
	b, err := os.ReadFile(promConfig)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "rules/*.yml") {
		t.Fatalf("%s does not load rules/*.yml", promConfig)
	}
}

// ruleFiles lists the alert rule files.
func ruleFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(rulesGlob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule files %s (%v)", rulesGlob, err)
	}
	return files
}
