package dashboards

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

const collectorConfig = "otel/collector.yaml"

// collectorComponents returns the component ids declared under a top-level
// section (receivers, processors, exporters) of the collector config.
func collectorComponents(cfg, section string) map[string]bool {
	out := map[string]bool{}
	in := false
	for _, l := range strings.Split(cfg, "\n") {
		switch {
		case l == section+":":
			in = true
		case len(l) > 0 && l[0] != ' ' && l[0] != '#':
			in = false
		case in && strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "   ") && strings.HasSuffix(l, ":"):
			out[strings.TrimSuffix(strings.TrimSpace(l), ":")] = true
		}
	}
	return out
}

// The traces pipeline uses only declared components, receives OTLP on
// every interface (Argus is another container) and exports to Jaeger.
func TestCollectorConfig(t *testing.T) {
	b, err := os.ReadFile(collectorConfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	for _, want := range []string{"endpoint: 0.0.0.0:4317", "endpoint: 0.0.0.0:4318", "endpoint: jaeger:4317"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("%s lacks %q", collectorConfig, want)
		}
	}
	pipeline := regexp.MustCompile(`(?m)^    traces:\n((?:      .*\n?)+)`).FindStringSubmatch(cfg)
	if pipeline == nil {
		t.Fatalf("%s: no traces pipeline", collectorConfig)
	}
	for _, section := range []string{"receivers", "processors", "exporters"} {
		declared := collectorComponents(cfg, section)
		m := regexp.MustCompile(`(?m)^      ` + section + `: \[(.*)\]`).FindStringSubmatch(pipeline[1])
		if m == nil {
			if section != "processors" {
				t.Errorf("traces pipeline has no %s", section)
			}
			continue
		}
		for _, id := range strings.Split(m[1], ",") {
			if id = strings.TrimSpace(id); !declared[id] {
				t.Errorf("traces pipeline %s %q is not declared (declared: %v)", section, id, declared)
			}
		}
	}
}
