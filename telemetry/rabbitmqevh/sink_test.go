package rabbitmqevh_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/telemetry/rabbitmqevh"
)

// brokerAddr is the RabbitMQ of the test environment (guest/guest).
const brokerAddr = "127.0.0.1:5672"

func newSink(t *testing.T, settings map[string]string) *rabbitmqevh.Sink {
	t.Helper()
	return evhtest.NewSink[*rabbitmqevh.Sink](t, rabbitmqevh.SinkName, settings)
}

// TestDefaultExchangeQueue: Janus's defaults (default exchange, a queue
// named route_key declared by the handler, grouping, indented JSON).
func TestDefaultExchangeQueue(t *testing.T) {
	queue := evhtest.Name("argus-test-events")
	ch := evhtest.AMQPChannel(t, brokerAddr)
	t.Cleanup(func() { _, _ = ch.QueueDelete(queue, false, false, false) })
	s := newSink(t, map[string]string{"url": "amqp://guest:guest@" + brokerAddr + "/", "route_key": queue})
	evs := evhtest.Events("node-a", 5)
	evhtest.Export(t, s, evs)
	d := evhtest.AMQPConsume(t, ch, queue).Wait(t, 1)[0]
	if d.Header != "application/json" || !strings.Contains(string(d.Data), "\n   {\n      \"emitter\": \"node-a\"") {
		t.Fatalf("content type %q, body not Janus's indented array:\n%s", d.Header, d.Data)
	}
	var got []telemetry.Event
	if err := json.Unmarshal(d.Data, &got); err != nil || len(got) != len(evs) {
		t.Fatalf("body %s: %v", d.Data, err)
	}
	for i := range got {
		if got[i].Type != evs[i].Type || got[i].SessionID != evs[i].SessionID || got[i].Emitter != "node-a" {
			t.Errorf("event %d = %+v", i, got[i])
		}
	}
}

// TestExchangeUngroupedCompact: a named fanout exchange, one event per
// message, compact JSON; the consumer binds its own queue.
func TestExchangeUngroupedCompact(t *testing.T) {
	exchange := evhtest.Name("argus-test-x")
	ch := evhtest.AMQPChannel(t, brokerAddr)
	if err := ch.ExchangeDeclare(exchange, "fanout", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ch.ExchangeDelete(exchange, false, false) })
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(q.Name, "", exchange, false, nil); err != nil {
		t.Fatal(err)
	}
	s := newSink(t, map[string]string{"url": "amqp://" + brokerAddr, "username": "guest", "password": "guest",
		"exchange": exchange, "route_key": "ev", "declare_outgoing_queue": "false", "grouping": "false", "json": "compact"})
	evs := evhtest.Events("node-a", 3)
	evhtest.Export(t, s, evs)
	for i, d := range evhtest.AMQPConsume(t, ch, q.Name).Wait(t, 3) {
		want, _ := json.Marshal(evs[i])
		if string(d.Data) != string(want) || d.Topic != "ev" {
			t.Errorf("message %d: key %q body %s, want %s", i, d.Topic, d.Data, want)
		}
	}
}

// TestBrokerDown cuts the connection to the broker (through a proxy),
// checks drops and failures are counted without blocking, and that events
// flow again after it returns.
func TestBrokerDown(t *testing.T) {
	queue := evhtest.Name("argus-test-events")
	ch := evhtest.AMQPChannel(t, brokerAddr)
	t.Cleanup(func() { _, _ = ch.QueueDelete(queue, false, false, false) })
	p := evhtest.NewProxy(t, brokerAddr)
	s := newSink(t, map[string]string{"url": "amqp://guest:guest@" + p.Addr() + "/", "route_key": queue,
		"reconnect_backoff": "100", "reconnect_max": "300", "connect_timeout": "2000", "grouping": "false"})
	evhtest.Export(t, s, evhtest.Events("before", 1))
	evhtest.Outage(t, s, p.Stop, p.Restart, evhtest.Events("after", 1))
	got := evhtest.AMQPConsume(t, ch, queue).Wait(t, 2)
	var first, second telemetry.Event
	_ = json.Unmarshal(got[0].Data, &first)
	_ = json.Unmarshal(got[1].Data, &second)
	if first.Emitter != "before" || second.Emitter != "after" {
		t.Fatalf("got %q then %q", first.Emitter, second.Emitter)
	}
}

func TestBadSettings(t *testing.T) {
	evhtest.RefusesSettings(t, rabbitmqevh.SinkName,
		map[string]string{"url": "http://x"},
		map[string]string{"url": "amqp://127.0.0.1", "exchange_type": "nope"},
		map[string]string{"url": "amqp://127.0.0.1", "route_key": ""},
		map[string]string{"url": "amqp://127.0.0.1", "grouping": "maybe"},
		map[string]string{"url": "amqp://127.0.0.1", "what": "1"},
	)
}

// TestAMQPS: events over amqps:// through a TLS terminator in front of
// the environment's plain RabbitMQ, its certificate from a CA the test
// made. The right CA (ssl_cacert) delivers; another CA, or none (the
// system's CAs), fails the export with the x509 error and counts a
// connection failure.
func TestAMQPS(t *testing.T) {
	cert := evhtest.SelfSigned(t)
	other := evhtest.SelfSigned(t)
	p := evhtest.NewTLSProxy(t, brokerAddr, cert)
	url := "amqps://guest:guest@" + p.Addr() + "/"
	for _, tc := range []struct {
		name, ca string
		ok       bool
	}{
		{"right CA", cert.CertFile, true},
		{"wrong CA", other.CertFile, false},
		{"system CAs", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			queue := evhtest.Name("argus-test-amqps")
			ch := evhtest.AMQPChannel(t, brokerAddr)
			t.Cleanup(func() { _, _ = ch.QueueDelete(queue, false, false, false) })
			settings := map[string]string{"url": url, "route_key": queue, "grouping": "false", "connect_timeout": "3000"}
			if tc.ca != "" {
				settings["ssl_cacert"] = tc.ca
			}
			s := newSink(t, settings)
			evs := evhtest.Events("node-tls", 2)
			err := s.Export(context.Background(), evs)
			if !tc.ok {
				if err == nil || !strings.Contains(err.Error(), "x509: certificate signed by unknown authority") {
					t.Fatalf("export error %v, want the x509 unknown authority error", err)
				}
				if s.ConnectionFailures() == 0 {
					t.Error("the refused connection was not counted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range evhtest.AMQPConsume(t, ch, queue).Wait(t, 2) {
				var got telemetry.Event
				if err := json.Unmarshal(d.Data, &got); err != nil || got.Emitter != "node-tls" || got.Type != evs[i].Type {
					t.Errorf("message %d: %s (%v)", i, d.Data, err)
				}
			}
		})
	}
}
