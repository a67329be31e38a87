package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
)

// TestTransportDropMetrics: argus_transport_dropped_total{transport} has
// a series at 0 for every transport from start-up, enabled or not; a
// reply the Unix datagram transport cannot deliver (the client's socket
// file is gone) is counted under janus.transport.pfunix.
func TestTransportDropMetrics(t *testing.T) {
	dir := testkit.ShortTempDir(t, "argus-cmd")
	sock := filepath.Join(dir, "janus.sock")
	addrs := startTestServer(t, "-unix", sock, "-unix-type", "SOCK_DGRAM")
	series := func(pkg string) string { return `argus_transport_dropped_total{transport="` + pkg + `"}` }
	body := metrics(t, addrs)
	for _, pkg := range []string{"janus.transport.http", "janus.transport.websockets", "janus.transport.pfunix",
		"janus.transport.rabbitmq", "janus.transport.mqtt"} {
		if v, ok := metricValue(body, series(pkg)); !ok || v != "0" {
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
		body = metrics(t, addrs)
		if v, _ := metricValue(body, series("janus.transport.pfunix")); v == "1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no drop counted in 10 s:\n%s", grepLines(body, "argus_transport_dropped_total"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v, _ := metricValue(body, series("janus.transport.http")); v != "0" {
		t.Errorf("http drops %q, want 0", v)
	}
}

// TestRabbitMQDropMetric: a message the RabbitMQ transport cannot publish
// because the broker went away is counted under janus.transport.rabbitmq.
// The transport reaches RabbitMQ through a proxy; a session created over
// it times out (1 s) after the proxy stopped, and its "timeout" message
// has no broker to go to.
func TestRabbitMQDropMetric(t *testing.T) {
	proxy := evhtest.NewProxy(t, "127.0.0.1:5672")
	name := evhtest.Name("argus-cmd-drop")
	addrs := startTestServer(t, "-session-timeout", "1s",
		"-rabbitmq", "amqp://guest:guest@"+proxy.Addr()+"/?queue_autodelete=true&to_janus="+name+"-to&from_janus="+name+"-from")
	series := `argus_transport_dropped_total{transport="janus.transport.rabbitmq"}`

	conn, err := amqp.Dial("amqp://guest:guest@127.0.0.1:5672/")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, q := range []string{name + "-to", name + "-from"} {
			_, _ = ch.QueueDelete(q, false, false, false)
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var replies <-chan amqp.Delivery
	for replies == nil { // the transport declares the queues once connected
		if replies, err = ch.Consume(name+"-from", "", true, false, false, false, nil); err != nil {
			if ch, err = conn.Channel(); err != nil { // a failed consume closes the channel
				t.Fatal(err)
			}
			select {
			case <-ctx.Done():
				t.Fatal("the transport never declared its queues")
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	if err := ch.PublishWithContext(ctx, "", name+"-to", false, false,
		amqp.Publishing{ContentType: "application/json", CorrelationId: "c", Body: []byte(`{"janus":"create","transaction":"c"}`)}); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-replies:
		if !strings.Contains(string(d.Body), `"success"`) {
			t.Fatalf("create: %s", d.Body)
		}
	case <-ctx.Done():
		t.Fatal("no reply to create")
	}
	if v, _ := metricValue(metrics(t, addrs), series); v != "0" {
		t.Fatalf("%s = %q before the outage, want 0", series, v)
	}
	proxy.Stop()
	for {
		body := metrics(t, addrs)
		if v, _ := metricValue(body, series); v != "0" && v != "" {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no drop counted:\n%s", grepLines(body, "argus_transport_dropped_total"))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func metrics(t *testing.T, addrs map[string]string) string {
	t.Helper()
	_, body := get(t, addrs["admin"]+"/metrics")
	return body
}
