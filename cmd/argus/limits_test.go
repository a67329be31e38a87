package main

import (
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/plugins/videoroom"
)

// TestMetricsOwnListenerWithAuth: -metrics-addr moves /metrics off the
// Admin listener; the token or basic auth is required; the refusal counters
// are exported at 0 from start-up.
func TestMetricsOwnListenerWithAuth(t *testing.T) {
	addrs := startTestServer(t, "-metrics-addr", "127.0.0.1:0", "-metrics-token", "tok", "-metrics-basic-auth", "prom:pw")
	m := addrs["metrics-addr"]
	if m == "" {
		t.Fatalf("no metrics listener in %v", addrs)
	}
	if code, _ := get(t, addrs["admin"]+"/metrics"); code != http.StatusNotFound {
		t.Fatalf("/metrics on the Admin listener: %d", code)
	}
	if code, _ := get(t, m+"/metrics"); code != http.StatusUnauthorized {
		t.Fatalf("no credentials: %d", code)
	}
	if code, _, _ := getWith(t, m+"/metrics", func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") }); code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", code)
	}
	if code, _ := get(t, m+"/admin/info"); code != http.StatusNotFound {
		t.Fatalf("the metrics listener serves more than /metrics: %d", code)
	}
	for _, set := range []func(*http.Request){
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer tok") },
		func(r *http.Request) { r.SetBasicAuth("prom", "pw") },
	} {
		code, _, body := getWith(t, m+"/metrics", set)
		if code != http.StatusOK || !strings.Contains(body, `argus_limit_refused_total{limit="pending_trickles"} 0`) {
			t.Fatalf("authorized scrape: %d %.300s", code, body)
		}
	}
}

// TestPluginLimitsAtZero: the limits the registered plugins declare
// (core.PluginLimits) are exported at 0 from start-up next to the core's,
// and cmd/argus names no plugin's: only imports.go imports a plugin
// package.
func TestPluginLimitsAtZero(t *testing.T) {
	declared := core.PluginLimitNames()
	for _, l := range []string{videoroom.LimitSubscriberStreams, videoroom.LimitForcedKeyframes} {
		if !slices.Contains(declared, l) {
			t.Errorf("the registry's plugin limits %v lack the VideoRoom's %q", declared, l)
		}
	}
	addrs := startTestServer(t)
	code, body := get(t, addrs["admin"]+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, l := range slices.Concat(declared, core.LimitNames()) {
		if line := `argus_limit_refused_total{limit="` + l + `"} 0`; !strings.Contains(body, line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}

	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if name == "imports.go" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if strings.HasPrefix(strings.Trim(imp.Path.Value, `"`), "github.com/argusrtc/argus/plugins/") {
				t.Errorf("%s imports %s: cmd/argus takes what it needs of a plugin from the core's registry", name, imp.Path.Value)
			}
		}
	}
}

// TestMetricsTokenOnAdminListener: with only -metrics-token, /metrics stays
// on the Admin listener behind the token; the rest of it is unaffected.
func TestMetricsTokenOnAdminListener(t *testing.T) {
	addrs := startTestServer(t, "-metrics-token", "tok")
	if code, _ := get(t, addrs["admin"]+"/metrics"); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", code)
	}
	if code, _, _ := getWith(t, addrs["admin"]+"/metrics", func(r *http.Request) { r.Header.Set("Authorization", "Bearer tok") }); code != http.StatusOK {
		t.Fatalf("token: %d", code)
	}
	if code, _ := get(t, addrs["admin"]+"/admin/info"); code != http.StatusOK {
		t.Fatalf("/admin/info: %d", code)
	}
}

func TestLimitFlagsValidated(t *testing.T) {
	for _, args := range [][]string{
		{"-http-write-timeout", "10s"},
		{"-http-read-timeout", "0"},
		{"-max-conns", "-1"},
		{"-metrics-basic-auth", "nocolon"},
	} {
		if _, err := parseConfig(args, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	c, err := parseConfig(nil, func(k string) string {
		return map[string]string{"ARGUS_MAX_PENDING_TRICKLES": "7"}[k]
	}, io.Discard)
	if err != nil || c.Limits.MaxPendingTrickles != 7 || c.Limits.MaxConns < 64 {
		t.Fatalf("env: %+v %v", c.Limits, err)
	}
}

// TestOTelFailuresInMetrics: with the collector down, the otel sink's
// failed exports show in /metrics.
func TestOTelFailuresInMetrics(t *testing.T) {
	t.Setenv("OTEL_TRACES_EXPORTER", "otlp")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "300")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
	addrs := startTestServer(t, "-otel")
	m := post(t, addrs["http"]+"/janus", `{"janus":"create","transaction":"c"}`)
	id := uint64(m["data"].(map[string]any)["id"].(float64))
	post(t, addrs["http"]+"/janus/"+strconv.FormatUint(id, 10), `{"janus":"destroy","transaction":"d"}`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body := get(t, addrs["admin"]+"/metrics")
		if strings.Contains(body, `argus_otel_spans_total{outcome="ended"}`) &&
			!strings.Contains(body, `argus_otel_spans_total{outcome="failed"} 0`) &&
			!strings.Contains(body, `argus_otel_export_errors_total 0`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failed export in /metrics:\n%s", grepLines(body, "argus_otel"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
