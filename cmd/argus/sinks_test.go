package main

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/telemetry/wsevh"
)

// TestServerBrokerEventHandlers starts Argus with every broker handler on
// the test environment's brokers and checks that info lists each under
// its Janus package name, that query_eventhandler reaches them, that the
// WebSocket backend receives the startup event, and that a handler whose
// broker is unreachable counts its failed connections on /metrics while
// the API keeps answering.
func TestServerBrokerEventHandlers(t *testing.T) {
	wsURL, wsGot := evhtest.WSBackend(t, wsevh.DefaultSubprotocol)
	queue := evhtest.Name("argus-cmd-events")
	stream := evhtest.Name("ARGUSCMD")
	amqpGot := evhtest.AMQPQueue(t, "127.0.0.1:5672", queue)
	dead := evhtest.FreePort(t) // nothing listens here
	addrs := startTestServer(t,
		"-event-ws", wsURL,
		"-event-rabbitmq", "amqp://guest:guest@127.0.0.1:5672/", "-sink-opt", "rabbitmq.route_key="+queue,
		"-event-mqtt", "mqtt://127.0.0.1:"+strconv.Itoa(dead), "-sink-opt", "mqtt.reconnect_backoff=50", "-sink-opt", "mqtt.reconnect_max=100",
		"-event-nats", "nats://127.0.0.1:4222", "-sink-opt", "nats.stream="+stream,
		"-sink-opt", "nats.subject_prefix=argustest."+strings.ToLower(stream),
	)

	info := post(t, addrs["http"]+"/janus", `{"janus":"info","transaction":"t"}`)
	events, _ := info["events"].(map[string]any)
	for _, pkg := range []string{"janus.eventhandler.wsevh", "janus.eventhandler.rabbitmqevh", "janus.eventhandler.mqttevh",
		"argus.eventhandler.natsevh", "argus.eventhandler.history"} {
		m, ok := events[pkg].(map[string]any)
		if !ok || m["name"] == "" || m["version_string"] == nil {
			t.Errorf("info.events[%q] = %v", pkg, events[pkg])
		}
	}
	q := post(t, addrs["admin"]+"/admin", `{"janus":"query_eventhandler","transaction":"q","admin_secret":"janusoverlord",`+
		`"handler":"janus.eventhandler.rabbitmqevh","request":{"request":"tweak","grouping":false}}`)
	if resp, _ := q["response"].(map[string]any); q["janus"] != "success" || resp["result"] != float64(200) {
		t.Errorf("query_eventhandler: %v", q)
	}
	for _, got := range []*evhtest.Collector{wsGot, amqpGot} {
		msg := got.Wait(t, 1)[0]
		if !strings.Contains(string(msg.Data), `"emitter"`) {
			t.Errorf("first message %s", msg.Data)
		}
	}
	natsGot := evhtest.NATSStream(t, "nats://127.0.0.1:4222", stream)
	if m := natsGot.Wait(t, 1)[0]; !strings.Contains(string(m.Data), `"seq":1`) {
		t.Errorf("first JetStream message %s", m.Data)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		post(t, addrs["http"]+"/janus", `{"janus":"info","transaction":"t"}`) // the API answers meanwhile
		_, body := get(t, addrs["admin"]+"/metrics")
		if v, ok := metricValue(body, `argus_event_sink_connection_failures_total{sink="mqtt"}`); ok && v != "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("argus_event_sink_connection_failures_total{sink=\"mqtt\"} never rose")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestSinkOptValidation: an unknown key or a sink that is off exits 2.
func TestSinkOptValidation(t *testing.T) {
	for _, args := range [][]string{
		{"-sink-opt", "nats.stream=X"},
		{"-event-nats", "nats://127.0.0.1:1", "-sink-opt", "nats.nope=1"},
		{"-sink-opt", "nosuchsink.a=b"},
		{"-otel", "-sink-opt", "otel.events=all"},
	} {
		if code := run(context.Background(), args, func(string) string { return "" }, io.Discard); code != 2 {
			t.Errorf("run %q: exit %d, want 2", args, code)
		}
	}
	var help strings.Builder
	if code := run(context.Background(), []string{"-help"}, func(string) string { return "" }, &help); code != 0 {
		t.Fatalf("-help: exit %d", code)
	}
	for _, want := range []string{"-event-ws URL", "-event-rabbitmq URL", "-event-mqtt URL", "-event-nats URL",
		"-sink-opt rabbitmq.route_key=janus-events", "-sink-opt mqtt.topic=/janus/events", "-sink-opt ws.subprotocol=janus-event-handlers"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("-help lacks %q", want)
		}
	}
}

// TestSinkFlagsFromEnv: each registered sink's flag has its ARGUS_*
// variable, and the command line wins.
func TestSinkFlagsFromEnv(t *testing.T) {
	env := map[string]string{"ARGUS_EVENT_NATS": "nats://a:4222", "ARGUS_EVENT_WS": "ws://b/", "ARGUS_HISTORY": "false",
		"ARGUS_SINK_OPT": "nats.stream=S"}
	c, err := parseConfig([]string{"-event-ws", "ws://c/"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Sinks["nats"] != "nats://a:4222" || c.Sinks["ws"] != "ws://c/" || c.Sinks["history"] != "false" ||
		c.Sinks["mqtt"] != "" || c.Sinks["rabbitmq"] != "" {
		t.Fatalf("sinks %v", c.Sinks)
	}
	if _, err := parseConfig(nil, func(k string) string {
		return map[string]string{"ARGUS_OTEL": "maybe"}[k]
	}, io.Discard); err == nil {
		t.Fatal("ARGUS_OTEL=maybe accepted")
	}
}
