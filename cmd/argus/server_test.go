package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry/prom"
)

// startTestServer runs the whole composition on 127.0.0.1 ephemeral ports.
func startTestServer(t *testing.T, extra ...string) map[string]string {
	t.Helper()
	args := append([]string{"-http", "127.0.0.1:0", "-ws", "127.0.0.1:0", "-admin", "127.0.0.1:0", "-admin-ws", "127.0.0.1:0",
		"-ice-enforce-list", strings.Join(testkit.LoopbackICE(), ",")}, extra...)
	cfg, err := parseConfig(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	level := new(slog.LevelVar)
	srv, err := newServer(ctx, cfg, slog.New(slog.DiscardHandler), level)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		sctx, scancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer scancel()
		if err := srv.shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	addrs := map[string]string{}
	for _, l := range srv.listeners {
		addrs[l.name] = "http://" + l.ln.Addr().String()
	}
	return addrs
}

// get GETs url and returns the status and the body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	code, _, body := getWith(t, url, nil)
	return code, body
}

// getWith GETs url within 5 s, set (when not nil) adjusting the request
// first, and returns the status, the response headers and the body; the
// body of a text/event-stream (the console's tail, which never ends) is
// read up to its first line.
func getWith(t *testing.T, url string, set func(*http.Request)) (int, http.Header, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if set != nil {
		set(req)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		line, _ := bufio.NewReader(res.Body).ReadString('\n')
		return res.StatusCode, res.Header, line
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: read: %v", url, err)
	}
	return res.StatusCode, res.Header, string(b)
}

func post(t *testing.T, url, body string) map[string]any {
	t.Helper()
	return postWith(t, url, nil, body)
}

// postWith POSTs the JSON body to url with the extra header h (nil: none)
// and returns the decoded reply.
func postWith(t *testing.T, url string, h http.Header, body string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestServerRoutes checks what each listener serves with the defaults.
func TestServerRoutes(t *testing.T) {
	a := startTestServer(t)
	tests := []struct {
		url      string
		status   int
		contains string
	}{
		{a["http"] + "/janus/info", 200, `"janus":"server_info"`},
		{a["http"] + "/", 200, "echotest.html"},
		{a["http"] + "/echotest.html", 200, "echotest.js"},
		{a["http"] + "/console/", 404, ""},
		{a["http"] + "/metrics", 404, ""},
		{a["admin"] + "/metrics", 200, "argus_sessions"},
		{a["admin"] + "/console/", 200, "console.js"},
		{a["admin"] + "/console/api/sessions", 200, `"sessions"`},
		{a["admin"] + "/echotest.html", 404, ""},
	}
	for _, tt := range tests {
		status, body := get(t, tt.url)
		if status != tt.status || !strings.Contains(body, tt.contains) {
			t.Errorf("GET %s: %d %.200q, want %d containing %q", tt.url, status, body, tt.status, tt.contains)
		}
	}
	info := post(t, a["http"]+"/janus", `{"janus":"info","transaction":"x"}`)
	plugins, _ := info["plugins"].(map[string]any)
	if _, ok := plugins["janus.plugin.echotest"]; !ok {
		t.Errorf("info lists no janus.plugin.echotest: %v", info["plugins"])
	}
	transports, _ := info["transports"].(map[string]any)
	for _, p := range []string{"janus.transport.http", "janus.transport.websockets"} {
		if _, ok := transports[p]; !ok {
			t.Errorf("info lists no %s: %v", p, info["transports"])
		}
	}
	// The history sink answers Admin query_eventhandler.
	res := post(t, a["admin"]+"/admin", `{"janus":"query_eventhandler","transaction":"x","admin_secret":"janusoverlord","handler":"argus.eventhandler.history","request":{"request":"sessions"}}`)
	if res["janus"] != "success" {
		t.Errorf("query_eventhandler history: %v", res)
	}
}

// TestServerInfoNAT: -nat-1-1, -keep-private-host and -ice-lite reach
// server info as Janus reports nat_1_1_mapping and ice_lite: "public-ip"
// (the public part of a public/local entry) and "public-ips" with two,
// "ice-lite" true; keep_private_host shows nowhere, as in Janus.
func TestServerInfoNAT(t *testing.T) {
	a := startTestServer(t, "-nat-1-1", "192.0.2.7/127.0.0.1,198.51.100.9", "-keep-private-host", "-ice-lite")
	info := post(t, a["http"]+"/janus", `{"janus":"info","transaction":"x"}`)
	if info["public-ip"] != "192.0.2.7" || !reflect.DeepEqual(info["public-ips"], []any{"192.0.2.7", "198.51.100.9"}) || info["ice-lite"] != true {
		t.Errorf("info public-ip %v, public-ips %v, ice-lite %v", info["public-ip"], info["public-ips"], info["ice-lite"])
	}
	// The test servers gather on 127.0.0.1 only (startTestServer):
	// local-ip is the address ICE uses, as Janus's.
	if info["local-ip"] != "127.0.0.1" {
		t.Errorf("info local-ip %v, want 127.0.0.1", info["local-ip"])
	}
	for k := range info {
		if strings.Contains(k, "private") {
			t.Errorf("info has %q", k)
		}
	}
}

// TestServerTelemetryOff: with -metrics=false -history=false nothing is
// mounted beside /admin.
func TestServerTelemetryOff(t *testing.T) {
	a := startTestServer(t, "-metrics=false", "-history=false")
	for _, path := range []string{"/metrics", "/console/", "/console/api/sessions"} {
		if status, _ := get(t, a["admin"]+path); status != 404 {
			t.Errorf("GET %s: %d, want 404", path, status)
		}
	}
}

// TestServerBadSinkOption refuses, as a configuration error (exit 2), a
// setting for a sink that is off, naming the flag that enables it.
func TestServerBadSinkOption(t *testing.T) {
	_, err := parseConfig([]string{"-http", "127.0.0.1:0", "-ws=", "-admin=", "-admin-ws=", "-sink-opt", "hep.capture_id=1"},
		func(string) string { return "" }, io.Discard)
	if !errors.Is(err, errSinkSetting) || !strings.Contains(err.Error(), "-hep") {
		t.Fatalf("parseConfig: %v, want errSinkSetting naming -hep", err)
	}
	if code := run(context.Background(), []string{"-sink-opt", "hep.capture_id=1"}, func(string) string { return "" }, io.Discard); code != 2 {
		t.Fatalf("run: exit %d, want 2", code)
	}
}

// metricValue returns the value of the sample series (a name, with its
// labels exactly as exposed when it has any) in a Prometheus text
// exposition, and whether it is there.
func metricValue(body, series string) (string, bool) {
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// TestServerVideoRoomMetrics creates a room through Admin message_plugin
// and waits for the VideoRoom sink's gauge on /metrics to count it.
func TestServerVideoRoomMetrics(t *testing.T) {
	a := startTestServer(t)
	_, body := get(t, a["admin"]+"/metrics")
	if v, ok := metricValue(body, "argus_videoroom_rooms"); !ok || v != "0" {
		t.Fatalf("before create: argus_videoroom_rooms = %q (present %v), want 0", v, ok)
	}
	if !strings.Contains(body, `sink="`+prom.VideoRoomSinkName+`"`) {
		t.Errorf("no bus metrics of sink %q on /metrics", prom.VideoRoomSinkName)
	}
	res := post(t, a["admin"]+"/admin", `{"janus":"message_plugin","transaction":"x","admin_secret":"janusoverlord",`+
		`"plugin":"janus.plugin.videoroom","request":{"request":"create","room":4321,"description":"metrics test"}}`)
	if r, _ := res["response"].(map[string]any); res["janus"] != "success" || r["videoroom"] != "created" {
		t.Fatalf("message_plugin create: %v", res)
	}
	var v string
	deadline := time.Now().Add(10 * time.Second) // the bus flushes every second
	for v != "1" && time.Now().Before(deadline) {
		_, body = get(t, a["admin"]+"/metrics")
		v, _ = metricValue(body, "argus_videoroom_rooms")
		if v != "1" {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if v != "1" {
		t.Fatalf("argus_videoroom_rooms = %q 10 s after create, want 1", v)
	}
	for _, name := range []string{"argus_videoroom_publishers", "argus_videoroom_subscribers"} {
		if got, ok := metricValue(body, name); !ok || got != "0" {
			t.Errorf("%s = %q (present %v), want 0", name, got, ok)
		}
	}
}
