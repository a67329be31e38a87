package dashboards

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// collectorConfig is the OpenTelemetry Collector config of docker-compose.homer.yml.
const collectorConfig = "otel/collector.yaml"

// jaegerModFile is the build recipe of the Jaeger v2 binary (scripts/jaeger.sh).
const jaegerModFile = "../tools/jaeger/go.mod"

// jaegerBinary returns the Jaeger v2 binary that scripts/jaeger.sh builds:
// $ARGUS_JAEGER, else the cache path the script uses for the version in
// tools/jaeger/go.mod. A missing binary fails the test in CI (CI=true) and
// skips it elsewhere, saying how to build it.
func jaegerBinary(t *testing.T) string {
	t.Helper()
	path := os.Getenv("ARGUS_JAEGER")
	if path == "" {
		path = defaultJaegerPath(t)
	}
	if info, err := os.Stat(path); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
		return path
	}
	msg := "no Jaeger binary at " + path + ": build it with `bash scripts/jaeger.sh` (scripts/test.sh does) or set ARGUS_JAEGER"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// defaultJaegerPath is $ARGUS_CACHE (default $XDG_CACHE_HOME/argus, else
// ~/.cache/argus) / jaeger-<version> / jaeger, as in scripts/jaeger.sh.
func defaultJaegerPath(t *testing.T) string {
	t.Helper()
	f, err := os.Open(jaegerModFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	version := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "require" {
			fields = fields[1:]
		}
		if len(fields) >= 2 && fields[0] == "github.com/jaegertracing/jaeger" {
			version = fields[1]
			break
		}
	}
	if version == "" {
		t.Fatalf("%s requires no github.com/jaegertracing/jaeger", jaegerModFile)
	}
	cache := os.Getenv("ARGUS_CACHE")
	if cache == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				t.Fatal(err)
			}
			base = filepath.Join(home, ".cache")
		}
		cache = filepath.Join(base, "argus")
	}
	return filepath.Join(cache, "jaeger-"+version, "jaeger")
}

// jaegerValidate runs `jaeger validate --config file`.
func jaegerValidate(t *testing.T, jaeger, file string) (string, error) {
	t.Helper()
	return run(t, nil, jaeger, "validate", "--config", file)
}

// The collector config of the compose stack is accepted by the real
// collector's validator (Jaeger v2 is an OpenTelemetry Collector
// distribution with the core components the file uses), and the validator
// is no rubber stamp: a misspelt key, an undeclared pipeline component and
// an unknown component type are each rejected.
func TestCollectorConfigValidates(t *testing.T) {
	jaeger := jaegerBinary(t)
	if out, err := jaegerValidate(t, jaeger, collectorConfig); err != nil {
		t.Fatalf("jaeger validate --config %s: %v\n%s", collectorConfig, err, out)
	}
	orig, err := os.ReadFile(collectorConfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to string }{
		{"misspelt key", "send_batch_size:", "send_batch_sise:"},
		{"undeclared exporter", "exporters: [otlp/jaeger]", "exporters: [otlp/tempo]"},
		{"unknown component type", "  memory_limiter:\n", "  memory_limitter:\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(string(orig), tc.from) {
				t.Fatalf("%s has no %q to break", collectorConfig, tc.from)
			}
			bad := filepath.Join(t.TempDir(), "collector.yaml")
			if err := os.WriteFile(bad, []byte(strings.Replace(string(orig), tc.from, tc.to, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := jaegerValidate(t, jaeger, bad)
			var exit *exec.ExitError
			if err == nil {
				t.Fatalf("jaeger validate accepted a config with %q → %q:\n%s", tc.from, tc.to, out)
			} else if !errors.As(err, &exit) {
				t.Fatalf("jaeger validate did not run: %v", err)
			}
			t.Logf("rejected as expected: %s", lastLine(out))
		})
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}
