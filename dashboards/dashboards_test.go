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
				problems := gridProblems(name, p, placed)
				placed = append(placed, p)
				if !p.IsRow() {
					problems = append(problems, panelProblems(name, p, uids, documented)...)
				}
				for _, pr := range problems {
					t.Error(pr)
				}
			}
			if len(placed) < 3 {
				t.Errorf("only %d panels", len(placed))
			}
		})
	}
}

// gridProblems: inside the 24 columns, positive size, no overlap with placed.
func gridProblems(name string, p Panel, placed []Panel) []string {
	var out []string
	g := p.GridPos
	if g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > gridColumns {
		out = append(out, fmt.Sprintf("%s: gridPos %+v outside the %d-column grid", name, g, gridColumns))
	}
	for _, q := range placed {
		o := q.GridPos
		if g.X < o.X+o.W && o.X < g.X+g.W && g.Y < o.Y+o.H && o.Y < g.Y+g.H {
			out = append(out, fmt.Sprintf("%s: gridPos %+v overlaps panel %d %q at %+v", name, g, q.ID, q.Title, o))
		}
	}
	return out
}

var metricRE = regexp.MustCompile(`\bargus_[a-z0-9_]+`)

// panelProblems: description, unit, datasource by provisioned uid, queries
// with expressions, exemplars on histogram queries, documented metrics.
func panelProblems(name string, p Panel, uids map[string]string, documented map[string]bool) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, name+": "+fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(p.Description) == "" {
		add("empty description")
	}
	if p.FieldConfig.Defaults.Unit == "" {
		add("no unit (fieldConfig.defaults.unit)")
	}
	if p.Datasource == nil || uids[p.Datasource.UID] == "" {
		add("datasource %+v is not a provisioned uid", p.Datasource)
	} else if p.Datasource.Type != uids[p.Datasource.UID] {
		add("datasource type %q, provisioned %q", p.Datasource.Type, uids[p.Datasource.UID])
	}
	if len(p.Targets) == 0 {
		add("no targets")
	}
	for _, tg := range p.Targets {
		if strings.TrimSpace(tg.Expr) == "" {
			add("target %s: empty expr", tg.RefID)
		}
		if tg.Datasource != nil && uids[tg.Datasource.UID] == "" {
			add("target %s: datasource uid %q not provisioned", tg.RefID, tg.Datasource.UID)
		}
		if strings.Contains(tg.Expr, "_bucket") && !tg.Exemplar {
			add("target %s: histogram query without exemplars", tg.RefID)
		}
		for _, m := range metricRE.FindAllString(tg.Expr, -1) {
			if !documented[baseMetric(m)] {
				add("target %s: metric %s is not in %s", tg.RefID, m, metricsReadme)
			}
		}
	}
	return out
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

// documentedMetrics reads every argus_* name of the prom sink's README,
// of docs/OBSERVABILITY.md (where cmd/argus's own metrics, such as the
// shared ICE UDP port's, are listed) and of the VideoRoom metrics file
// when present.
func documentedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, f := range []string{metricsReadme, "../docs/OBSERVABILITY.md", "../telemetry/prom/videoroom.go"} {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) && f == "../telemetry/prom/videoroom.go" {
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

// The checks find what they claim to find.
func TestPanelChecksCatchMistakes(t *testing.T) {
	uids := map[string]string{"argus-prometheus": "prometheus"}
	documented := map[string]bool{"argus_sessions": true, "argus_ice_connect_seconds": true}
	ds := &Datasource{Type: "prometheus", UID: "argus-prometheus"}
	good := func() Panel {
		p := Panel{ID: 1, Type: "timeseries", Title: "t", Description: "d", Datasource: ds,
			GridPos: GridPos{H: 8, W: 12}, Targets: []Target{{RefID: "A", Expr: "argus_sessions"}}}
		p.FieldConfig.Defaults.Unit = "short"
		return p
	}
	if pr := panelProblems("good", good(), uids, documented); len(pr) != 0 {
		t.Fatalf("good panel: %v", pr)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Panel)
		wants string
	}{
		{"no description", func(p *Panel) { p.Description = " " }, "empty description"},
		{"no unit", func(p *Panel) { p.FieldConfig.Defaults.Unit = "" }, "no unit"},
		{"unknown datasource", func(p *Panel) { p.Datasource = &Datasource{Type: "prometheus", UID: "x"} }, "not a provisioned uid"},
		{"wrong type", func(p *Panel) { p.Datasource = &Datasource{Type: "loki", UID: "argus-prometheus"} }, "provisioned"},
		{"no targets", func(p *Panel) { p.Targets = nil }, "no targets"},
		{"empty expr", func(p *Panel) { p.Targets[0].Expr = "" }, "empty expr"},
		{"no exemplars", func(p *Panel) { p.Targets[0].Expr = "argus_ice_connect_seconds_bucket" }, "without exemplars"},
		{"undocumented metric", func(p *Panel) { p.Targets[0].Expr = "argus_nope_total" }, "argus_nope_total is not in"},
	} {
		p := good()
		tc.edit(&p)
		pr := panelProblems(tc.name, p, uids, documented)
		if !strings.Contains(strings.Join(pr, "\n"), tc.wants) {
			t.Errorf("%s: problems %v, want one containing %q", tc.name, pr, tc.wants)
		}
	}
	placed := []Panel{good()}
	for _, tc := range []struct {
		g     GridPos
		wants string
	}{
		{GridPos{X: 6, Y: 4, W: 12, H: 8}, "overlaps"},
		{GridPos{X: 16, Y: 20, W: 12, H: 8}, "outside"},
		{GridPos{X: 0, Y: 20, W: 0, H: 8}, "outside"},
	} {
		p := good()
		p.ID, p.GridPos = 2, tc.g
		if pr := gridProblems("p", p, placed); !strings.Contains(strings.Join(pr, "\n"), tc.wants) {
			t.Errorf("gridPos %+v: problems %v, want %q", tc.g, pr, tc.wants)
		}
	}
	p := good()
	p.ID, p.GridPos = 2, GridPos{X: 12, Y: 0, W: 12, H: 8}
	if pr := gridProblems("beside", p, placed); len(pr) != 0 {
		t.Errorf("adjacent panel: %v", pr)
	}
}
