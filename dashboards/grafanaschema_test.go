package dashboards

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// grafanaDefaults are the fields Grafana fills in with defaults when a
// dashboard omits them (panel options of stat, bargauge and timeseries,
// dashboard link flags). Strict decoding reports them as "required field is
// missing from input"; only these are ignored, by the last element of their
// path. A missing "type", "title", "gridPos" or any field not listed fails.
var grafanaDefaults = map[string]bool{
	// timeseries / bargauge legend and stat / bargauge options
	"calcs": true, "legend": true, "justifyMode": true, "orientation": true, "wideLayout": true,
	"showPercentChange": true, "percentChangeColorMode": true, "maxVizHeight": true,
	"minVizHeight": true, "minVizWidth": true, "namePlacement": true, "showUnfilled": true,
	"sizing": true, "valueMode": true,
	// dashboard links
	"icon": true, "tooltip": true, "targetBlank": true, "includeVars": true, "keepTime": true,
}

const missingField = "required field is missing from input"

var registerGrafanaPlugins = sync.OnceFunc(plugins.RegisterDefaultPlugins)

// grafanaSchemaProblems decodes a dashboard JSON strictly with Grafana's
// foundation SDK (unknown keys and wrong types are errors; panel options
// and Prometheus queries are decoded by their plugin's schema) and
// validates it; it returns every problem except the defaults above.
func grafanaSchemaProblems(raw []byte) []string {
	registerGrafanaPlugins()
	var d dashboard.Dashboard //nolint:staticcheck // SA1019: our dashboards are in the v1 JSON model that Grafana provisions from files
	var out []string
	if err := d.UnmarshalJSONStrict(raw); err != nil {
		var errs cog.BuildErrors
		if !errors.As(err, &errs) {
			return []string{fmt.Sprintf("strict decoding: %v", err)}
		}
		for _, e := range errs {
			leaf := e.Path[strings.LastIndex(e.Path, ".")+1:]
			if e.Message == missingField && grafanaDefaults[leaf] {
				continue
			}
			out = append(out, "strict decoding: "+e.Error())
		}
	}
	if err := d.Validate(); err != nil {
		out = append(out, fmt.Sprintf("validation: %v", err))
	}
	return out
}

// Every dashboard passes Grafana's own schema: strict decoding and
// validation by the foundation SDK.
func TestDashboardsGrafanaSchema(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(dashboardDir, "*.json"))
	if err != nil || len(files) < 3 {
		t.Fatalf("dashboards %v (%v), want at least 3", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range grafanaSchemaProblems(raw) {
				t.Error(p)
			}
		})
	}
}

// The schema check catches what the structural test cannot: unknown keys,
// wrong types, a missing required field that Grafana does not fill in, and
// unknown keys inside a plugin's options and a Prometheus query.
func TestGrafanaSchemaCatchesMistakes(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(dashboardDir, "argus-overview.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p := grafanaSchemaProblems(raw); len(p) != 0 {
		t.Fatalf("the unedited dashboard has problems: %v", p)
	}
	// firstPanel returns the first panel with targets of the decoded dashboard.
	firstPanel := func(d map[string]any) map[string]any {
		for _, p := range d["panels"].([]any) {
			if pm := p.(map[string]any); pm["targets"] != nil {
				return pm
			}
		}
		t.Fatal("no panel with targets")
		return nil
	}
	for _, tc := range []struct {
		name  string
		edit  func(d map[string]any)
		wants string
	}{
		{"unknown dashboard key", func(d map[string]any) { d["tittle"] = "x" }, "tittle"},
		{"unknown panel key", func(d map[string]any) {
			p := firstPanel(d)
			p["gridPoz"] = p["gridPos"]
		}, "gridPoz"},
		{"wrong type", func(d map[string]any) { firstPanel(d)["title"] = 5 }, "title"},
		{"wrong grid type", func(d map[string]any) {
			firstPanel(d)["gridPos"].(map[string]any)["w"] = "wide"
		}, "gridPos"},
		{"missing panel type", func(d map[string]any) { delete(firstPanel(d), "type") }, "discriminator field 'type'"},
		{"unknown query key", func(d map[string]any) {
			firstPanel(d)["targets"].([]any)[0].(map[string]any)["exprr"] = "up"
		}, "exprr"},
		{"unknown option", func(d map[string]any) {
			p := firstPanel(d)
			opts, _ := p["options"].(map[string]any)
			if opts == nil {
				opts = map[string]any{}
				p["options"] = opts
			}
			opts["legendd"] = true
		}, "legendd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d map[string]any
			if err := json.Unmarshal(raw, &d); err != nil {
				t.Fatal(err)
			}
			tc.edit(d)
			edited, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			p := grafanaSchemaProblems(edited)
			if !strings.Contains(strings.Join(p, "\n"), tc.wants) {
				t.Errorf("problems %q, want one naming %q", p, tc.wants)
			}
		})
	}
}
