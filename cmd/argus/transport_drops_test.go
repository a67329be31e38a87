package main

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestTransportDropMetrics: argus_transport_dropped_total{transport} has
// a series at 0 for every transport from start-up, enabled or not; a
// reply the Unix datagram transport cannot deliver (the client's socket
// file is gone) is counted under janus.transport.pfunix.
func TestTransportDropMetrics(t *testing.T) {
	dir := socketDir(t)
	sock := filepath.Join(dir, "janus.sock")
	addrs := startTestServer(t, "-unix", sock, "-unix-type", "SOCK_DGRAM")
	series := func(pkg string) string { return `argus_transport_dropped_total{transport="` + pkg + `"}` }
	_, body := get(t, addrs["admin"]+"/metrics")
	for _, pkg := range []string{"janus.transport.http", "janus.transport.websockets", "janus.transport.pfunix",
		"janus.transport.rabbitmq", "janus.transport.mqtt"} {
		if v, ok := metricLine(body, series(pkg)); !ok || v != "0" {
			t.Errorf("%s = %q (present %v), want 0 at start-up", series(pkg), v, ok)
		}
	}

	// A client bound to a path it then removes: Argus's reply finds no
	// socket there (ENOENT) and is dropped.
	clientPath := filepath.Join(dir, "client.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: clientPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := os.Remove(clientPath); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WriteToUnix([]byte(`{"janus":"info","transaction":"gone"}`), &net.UnixAddr{Name: sock, Net: "unixgram"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body = get(t, addrs["admin"]+"/metrics")
		if v, _ := metricLine(body, series("janus.transport.pfunix")); v == "1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no drop counted in 10 s:\n%s", grepLines(body, "argus_transport_dropped_total"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v, _ := metricLine(body, series("janus.transport.http")); v != "0" {
		t.Errorf("http drops %q, want 0", v)
	}
}
