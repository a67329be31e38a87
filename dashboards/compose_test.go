package dashboards

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const composeFile = "../docker-compose.homer.yml"

// composeConfig runs `docker-compose config` (no engine needed) with a
// test admin secret and returns the normalised file.
func composeConfig(t *testing.T) string {
	t.Helper()
	dc := tool(t, "docker-compose", "docker-compose")
	out, err := run(t, []string{"ARGUS_ADMIN_SECRET=dashboards-test-secret"}, dc, "-f", composeFile, "config")
	if err != nil {
		t.Fatalf("docker-compose -f %s config: %v\n%s", composeFile, err, out)
	}
	return out
}

func TestComposeConfigValid(t *testing.T) {
	cfg := composeConfig(t)
	for _, svc := range []string{"argus", "heplify", "homer-webapp", "homer-mapping", "db", "prometheus", "grafana", "otel-collector", "jaeger"} {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(svc) + `:$`).MatchString(cfg) {
			t.Errorf("service %s missing from the normalised compose file", svc)
		}
	}
	for _, want := range []string{
		"-admin=0.0.0.0:7088", "-hep=udp://heplify:9060", "-otel",
		"ARGUS_ADMIN_SECRET: dashboards-test-secret", "ARGUS_NAT_1_1:",
		"OTEL_EXPORTER_OTLP_ENDPOINT: http://otel-collector:4318",
		"--enable-feature=exemplar-storage",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("normalised compose file lacks %q", want)
		}
	}
	// The shared media port is set and published under the same number,
	// and no other UDP port of Argus's.
	if !regexp.MustCompile(`ARGUS_ICE_UDP_PORT: ['"]?20000['"]?\n`).MatchString(cfg) {
		t.Error("normalised compose file lacks ARGUS_ICE_UDP_PORT: 20000")
	}
	if n := len(regexp.MustCompile(`- protocol: udp\n\s+published: ['"]?20000['"]?\n\s+target: 20000\n`).FindAllString(cfg, -1)); n != 1 {
		t.Errorf("%d published UDP media ports 20000, want 1", n)
	}
	if n := len(regexp.MustCompile(`published: ['"]?20[01][0-9]{2}['"]?\n`).FindAllString(cfg, -1)); n != 1 {
		t.Errorf("%d published ports in 20000-20199, want 1 (the shared media port)", n)
	}
	// Every bind-mounted file or directory exists in the repository.
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	mounts := regexp.MustCompile(`(?m)^\s+- (/[^:\s]+):`).FindAllStringSubmatch(cfg, -1)
	n := 0
	for _, m := range mounts {
		if !strings.HasPrefix(m[1], root) {
			continue
		}
		n++
		if _, err := os.Stat(m[1]); err != nil {
			t.Errorf("bind mount source %s: %v", m[1], err)
		}
	}
	if n < 5 {
		t.Errorf("found %d bind mounts of repository files, want the homer, prometheus, grafana and otel ones", n)
	}
}

// The Admin API is exposed beyond loopback in the container, so the file
// must refuse to start without an explicit admin secret.
func TestComposeRequiresAdminSecret(t *testing.T) {
	dc := tool(t, "docker-compose", "docker-compose")
	out, err := run(t, []string{"ARGUS_ADMIN_SECRET="}, dc, "-f", composeFile, "config")
	if err == nil || !strings.Contains(out, "ARGUS_ADMIN_SECRET") {
		t.Fatalf("compose config without ARGUS_ADMIN_SECRET: err %v, output:\n%s", err, out)
	}
}

var (
	serviceRE = regexp.MustCompile(`(?m)^  ([a-z0-9_-]+):\n((?:    .*\n|\s*\n)*)`)
	imageRE   = regexp.MustCompile(`(?m)^    image: (\S+)$`)
)

func TestComposeImagesPinned(t *testing.T) {
	cfg := composeConfig(t)
	services := cfg[strings.Index(cfg, "services:\n"):]
	if i := strings.Index(services, "\nvolumes:"); i >= 0 {
		services = services[:i+1]
	}
	found := 0
	for _, m := range serviceRE.FindAllStringSubmatch(services, -1) {
		name, body := m[1], m[2]
		img := imageRE.FindStringSubmatch(body)
		if img == nil {
			t.Errorf("service %s has no image", name)
			continue
		}
		found++
		if strings.Contains(body, "    build:") {
			continue // built from this repository's Dockerfile (checked by TestDockerfile)
		}
		if err := pinned(img[1]); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
	}
	if found < 9 {
		t.Errorf("checked %d services, want 9", found)
	}
}

var versionTagRE = regexp.MustCompile(`^v?[0-9]+(\.[0-9]+)+([-.][0-9A-Za-z.-]+)?$`)

// pinned accepts image references whose tag is an explicit version (or a
// digest); "latest", "master", bare names and floating majors are refused.
func pinned(ref string) error {
	if strings.Contains(ref, "@sha256:") {
		return nil
	}
	slash := strings.LastIndex(ref, "/")
	colon := strings.LastIndex(ref, ":")
	if colon <= slash {
		return fmt.Errorf("image %s has no tag", ref)
	}
	tag := ref[colon+1:]
	if !versionTagRE.MatchString(tag) || strings.Contains(tag, "latest") {
		return fmt.Errorf("image %s: tag %q is not an explicit version (want e.g. 1.2.3)", ref, tag)
	}
	return nil
}

func TestPinned(t *testing.T) {
	for _, tc := range []struct {
		ref string
		ok  bool
	}{
		{"prom/prometheus:v3.5.0", true},
		{"ghcr.io/sipcapture/heplify-server:1.60.3-multiarch", true},
		{"postgres:16.10-alpine", true},
		{"localhost:5000/x:1.2", true},
		{"busybox@sha256:0123", true},
		{"prom/prometheus", false},
		{"prom/prometheus:latest", false},
		{"grafana/grafana:master", false},
		{"postgres:16", false},
		{"localhost:5000/x", false},
		{"foo:1.2-latest", false},
	} {
		if err := pinned(tc.ref); (err == nil) != tc.ok {
			t.Errorf("pinned(%q) = %v, want ok=%v", tc.ref, err, tc.ok)
		}
	}
}
