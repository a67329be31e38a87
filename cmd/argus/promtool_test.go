package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// promtoolPath finds Debian's promtool (package prometheus); the test fails,
// not skips, without it: the lint is the point of the test.
func promtoolPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found (apt-get install prometheus): %v", err)
	}
	return p
}

// scrape GETs url with the given Accept header and returns the body and
// the response Content-Type; any status but 200 fails the test.
func scrape(t *testing.T, url, accept string) (body []byte, contentType string) {
	t.Helper()
	code, hdr, b := getWith(t, url, func(r *http.Request) {
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
	})
	if code != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d: %.300s", url, code, b)
	}
	return []byte(b), hdr.Get("Content-Type")
}

// promtoolCheck pipes an exposition to `promtool check metrics` and returns
// its combined output and error.
func promtoolCheck(t *testing.T, promtool string, exposition []byte) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(exposition)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}

// janusPost sends one Janus API request and returns the reply's data.id.
func janusPost(t *testing.T, url, body string) uint64 {
	t.Helper()
	res := post(t, url, body)
	if res["janus"] != "success" {
		t.Fatalf("POST %s %s: %v", url, body, res)
	}
	data, _ := res["data"].(map[string]any)
	id, _ := data["id"].(float64)
	if id == 0 {
		t.Fatalf("POST %s %s: no data.id in %v", url, body, res)
	}
	return uint64(id)
}

// TestPromtoolCheckMetrics: `promtool check metrics` reports nothing on
// Argus's /metrics, in the Prometheus text format and in OpenMetrics, with
// live series (a session with an EchoTest handle, bus metrics after a flush).
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := promtoolPath(t)
	a := startTestServer(t)

	sid := janusPost(t, a["http"]+"/janus", `{"janus":"create","transaction":"p1"}`)
	janusPost(t, fmt.Sprintf("%s/janus/%d", a["http"], sid),
		`{"janus":"attach","transaction":"p2","plugin":"janus.plugin.echotest","opaque_id":"promtool"}`)
	// An EchoTest message without JSEP gives the plugin and its events work.
	post(t, fmt.Sprintf("%s/janus/%d", a["http"], sid),
		`{"janus":"message","transaction":"p3","body":{"audio":true}}`)

	// Wait (bounded) until the session gauge and the bus counters show the
	// session: the bus exports every second.
	var text []byte
	deadline := time.Now().Add(10 * time.Second)
	for {
		text, _ = scrape(t, a["admin"]+"/metrics", "")
		v, ok := metricValue(string(text), "argus_sessions")
		if ok && v == "1" && strings.Contains(string(text), "argus_events_") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("argus_sessions = %q (present %v) 10 s after create; /metrics:\n%.2000s", v, ok, text)
		}
		time.Sleep(100 * time.Millisecond)
	}

	tests := []struct {
		name, accept, wantType string
	}{
		{"text", "", "text/plain"},
		{"text-explicit", "text/plain;version=0.0.4", "text/plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := scrape(t, a["admin"]+"/metrics", tt.accept)
			if !strings.HasPrefix(ct, tt.wantType) {
				t.Fatalf("Content-Type %q, want %s", ct, tt.wantType)
			}
			if len(body) == 0 {
				t.Fatal("empty /metrics")
			}
			out, err := promtoolCheck(t, promtool, body)
			if err != nil || strings.TrimSpace(out) != "" {
				t.Errorf("promtool check metrics: err %v, output:\n%s", err, out)
			}
		})
	}

	// promtool check metrics parses only the Prometheus text format. Fed
	// OpenMetrics, it sees each counter family's HELP under the family name
	// ("argus_x") and the sample as "argus_x_total", so it reports "no help
	// text" for every counter: a promtool limitation, not an exposition
	// fault. Anything else it reports is a failure, and every such counter
	// must carry its HELP under the family name.
	t.Run("openmetrics", func(t *testing.T) {
		body, ct := scrape(t, a["admin"]+"/metrics", "application/openmetrics-text;version=1.0.0")
		if !strings.HasPrefix(ct, "application/openmetrics-text") {
			t.Fatalf("Content-Type %q, want application/openmetrics-text", ct)
		}
		if !bytes.HasSuffix(body, []byte("# EOF\n")) {
			t.Errorf("OpenMetrics exposition does not end with \"# EOF\": %.200q", body[max(0, len(body)-200):])
		}
		out, _ := promtoolCheck(t, promtool, body)
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if line == "" {
				continue
			}
			name, ok := strings.CutSuffix(line, "_total no help text")
			if !ok {
				t.Errorf("promtool on OpenMetrics: %s", line)
				continue
			}
			if !bytes.Contains(body, []byte("# HELP "+name+" ")) || !bytes.Contains(body, []byte("# TYPE "+name+" counter\n")) {
				t.Errorf("promtool on OpenMetrics: %s, and no HELP/TYPE counter line for family %s", line, name)
			}
		}
	})
}
