package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cws "github.com/coder/websocket"

	"github.com/argusrtc/argus/internal/testkit"
)

// refusedSeries is the /metrics line name of a transport's refusals.
func refusedSeries(pkg, reason string) string {
	return `argus_transport_connections_refused_total{reason="` + reason + `",transport="` + pkg + `"}`
}

// TestTransportRefusalMetrics: argus_transport_connections_refused_total
// has a series at 0 from start-up for every reason each transport declares
// (none for the broker transports, which have no connections to refuse);
// with -max-conns 2, two WebSocket connections are served and three more
// TCP connections to the -ws listener are refused, counted under
// janus.transport.websockets, reason "limit"; one more to the -http
// listener counts under janus.transport.http; a Unix datagram from an
// unbound socket counts under janus.transport.pfunix, reason "unbound".
func TestTransportRefusalMetrics(t *testing.T) {
	sock := filepath.Join(testkit.ShortTempDir(t, "argus-cmd"), "janus.sock")
	addrs := startTestServer(t, "-unix", sock, "-unix-type", "SOCK_DGRAM", "-max-conns", "2", "-max-conns-per-ip", "0")
	body := metrics(t, addrs)
	declared := map[string][]string{
		"janus.transport.http":       {"limit", "limit_per_ip"},
		"janus.transport.websockets": {"limit", "limit_per_ip", "closing", "origin", "subprotocol", "handshake", "too_large"},
		"janus.transport.pfunix":     {"limit", "closing", "unbound"},
	}
	for pkg, reasons := range declared {
		for _, r := range reasons {
			if v, ok := metricValue(body, refusedSeries(pkg, r)); !ok || v != "0" {
				t.Errorf("%s = %q (present %v), want 0 at start-up", refusedSeries(pkg, r), v, ok)
			}
		}
	}
	for _, pkg := range []string{"janus.transport.rabbitmq", "janus.transport.mqtt"} {
		if strings.Contains(grepLines(body, "argus_transport_connections_refused_total{"), `transport="`+pkg+`"`) {
			t.Errorf("a refusal series for %s, which refuses no connections", pkg)
		}
	}

	// The public budget (-max-conns 2) held by two WebSocket connections.
	wsURL := "ws" + strings.TrimPrefix(addrs["ws"], "http")
	for range 2 {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		c, resp, err := cws.Dial(ctx, wsURL, &cws.DialOptions{Subprotocols: []string{"janus-protocol"}})
		cancel()
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.CloseNow() })
	}
	const over = 3
	for range over {
		refusedTCP(t, addrs["ws"])
	}
	refusedTCP(t, addrs["http"])

	dgram, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer dgram.Close()
	if _, err := dgram.Write([]byte(`{"janus":"info","transaction":"u"}`)); err != nil {
		t.Fatal(err)
	}

	want := map[string]string{
		refusedSeries("janus.transport.websockets", "limit"):        "3",
		refusedSeries("janus.transport.websockets", "limit_per_ip"): "0",
		refusedSeries("janus.transport.http", "limit"):              "1",
		refusedSeries("janus.transport.pfunix", "unbound"):          "1",
		refusedSeries("janus.transport.pfunix", "limit"):            "0",
	}
	// The connections were counted before they were closed; only the
	// datagram is read by the transport in its own time.
	for deadline := time.Now().Add(10 * time.Second); ; {
		body = metrics(t, addrs)
		if v, ok := metricValue(body, refusedSeries("janus.transport.pfunix", "unbound")); (ok && v != "0") || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for series, w := range want {
		if v, _ := metricValue(body, series); v != w {
			t.Errorf("%s = %q, want %s", series, v, w)
		}
	}
	if t.Failed() {
		t.Log(grepLines(body, "argus_transport_connections_refused_total"))
	}
}

// refusedTCP connects to the listener at url (http://host:port) and
// expects the connection closed before anything is served.
func refusedTCP(t *testing.T, url string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		return // already closed
	}
	if n, err := c.Read(make([]byte, 64)); err == nil && n > 0 {
		t.Fatalf("%s: a connection over -max-conns was served", url)
	}
}
