package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/argusrtc/argus/internal/testkit"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/telemetry/mqttevh"
	"github.com/argusrtc/argus/telemetry/natsevh"
	"github.com/argusrtc/argus/telemetry/rabbitmqevh"
	"github.com/argusrtc/argus/telemetry/telemetrytest"
	"github.com/argusrtc/argus/telemetry/wsevh"
)

// TestEchoTestEventsReachBrokers runs a real EchoTest with every broker
// event handler attached to the bus (RabbitMQ, MQTT and NATS JetStream of
// the test environment, and a WebSocket backend), and checks that each
// consumer received every event of the session, in Janus's format (plus
// mqttevh's "eventtype" and natsevh's "seq").
func TestEchoTestEventsReachBrokers(t *testing.T) {
	queue := evhtest.Name("argus-e2e-events")
	topic := "argustest/" + evhtest.Name("e2e")
	stream := evhtest.Name("ARGUSE2E")
	prefix := "argustest." + evhtest.Name("e2e")
	wsURL, wsGot := evhtest.WSBackend(t, wsevh.DefaultSubprotocol)
	amqpGot := evhtest.AMQPQueue(t, "127.0.0.1:5672", queue)
	mqttGot := evhtest.MQTTSub(t, "tcp://127.0.0.1:1883", topic+"/#")

	bus, rec := recordingBus(t)
	for name, settings := range map[string]map[string]string{
		rabbitmqevh.SinkName: {"url": "amqp://guest:guest@127.0.0.1:5672/", "route_key": queue},
		mqttevh.SinkName:     {"url": "mqtt://127.0.0.1:1883", "topic": topic, "addevent": "true"},
		natsevh.SinkName:     {"url": "nats://127.0.0.1:4222", "stream": stream, "subject_prefix": prefix},
		wsevh.SinkName:       {"backend": wsURL},
	} {
		s, err := telemetry.NewSink(name, telemetry.SinkConfig{ServerName: "argus-e2e", Settings: settings, Logger: testLogger()})
		if err != nil {
			t.Fatal(err)
		}
		if err := bus.Attach(name, s, telemetry.MaskAll); err != nil {
			t.Fatal(err)
		}
	}
	srv := startServer(t, serverOptions{emitter: bus})
	run := runHEPEcho(t, srv, "http", rec, nil)

	want := sessionEvents(t, bus, rec, run)
	natsGot := evhtest.NATSStream(t, "nats://127.0.0.1:4222", stream)

	consumers := []struct {
		name  string
		got   *evhtest.Collector
		extra string // the field the handler adds
	}{
		{"rabbitmq", amqpGot, ""}, {"mqtt", mqttGot, "eventtype"}, {"nats", natsGot, "seq"}, {"ws", wsGot, ""},
	}
	for _, c := range consumers {
		t.Run(c.name, func(t *testing.T) { waitAllArrived(t, want, c.got, c.extra, run) })
	}
}

// recordingBus is a bus with a recording sink, shut down when the test ends.
func recordingBus(t *testing.T) (*telemetry.Bus, *telemetrytest.Sink) {
	t.Helper()
	bus := telemetry.NewBus()
	testkit.ShutdownAtEnd(t, "bus shutdown", 10*time.Second, bus.Shutdown)
	rec := telemetrytest.NewSink()
	if err := bus.Attach("rec", rec, telemetry.MaskAll); err != nil {
		t.Fatal(err)
	}
	return bus, rec
}

// sessionEvents flushes the bus and returns the recorded events of the
// run's session in canonical form (at least 10 of them).
func sessionEvents(t *testing.T, bus *telemetry.Bus, rec *telemetrytest.Sink, run echoRun) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := bus.ForceFlush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
	var want []string
	for _, e := range rec.Events() {
		if inRun(e.SessionID, e.HandleID, run) {
			want = append(want, canonical(t, e, ""))
		}
	}
	if len(want) < 10 {
		t.Fatalf("only %d events recorded for the session", len(want))
	}
	return want
}

// waitAllArrived waits (20 s at most) until a consumer has every wanted
// event (without the field extra its handler adds).
func waitAllArrived(t *testing.T, want []string, got *evhtest.Collector, extra string, run echoRun) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		missing := missingEvents(t, want, got.All(), extra, run)
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d session events never arrived, e.g. %s", len(missing), len(want), missing[0])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// inRun reports whether an event belongs to the EchoTest's session.
func inRun(sid, hid uint64, run echoRun) bool {
	return sid == run.sid || sid == 0 && hid != 0 && hid == run.hid
}

// canonical is an event's JSON with sorted keys, without field extra.
func canonical(t *testing.T, v any, extra string) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if extra != "" {
		if _, ok := m[extra]; !ok {
			t.Fatalf("event without %q: %s", extra, b)
		}
		delete(m, extra)
	}
	b, _ = json.Marshal(m)
	return string(b)
}

// missingEvents returns the wanted events (canonical JSON) that are not
// among the messages (arrays or single events; status messages skipped).
func missingEvents(t *testing.T, want []string, msgs []evhtest.Message, extra string, run echoRun) []string {
	t.Helper()
	have := map[string]int{}
	for _, m := range msgs {
		var evs []map[string]any
		if bytes.HasPrefix(bytes.TrimSpace(m.Data), []byte("[")) {
			if err := json.Unmarshal(m.Data, &evs); err != nil {
				t.Fatalf("message %s: %v", m.Data, err)
			}
		} else {
			var one map[string]any
			if err := json.Unmarshal(m.Data, &one); err != nil {
				t.Fatalf("message %s: %v", m.Data, err)
			}
			evs = append(evs, one)
		}
		for _, e := range evs {
			if _, isEvent := e["emitter"]; !isEvent {
				continue // mqttevh's connect status
			}
			sid, _ := e["session_id"].(float64)
			hid, _ := e["handle_id"].(float64)
			if inRun(uint64(sid), uint64(hid), run) {
				have[canonical(t, e, extra)]++
			}
		}
	}
	var missing []string
	for _, w := range want {
		if have[w] > 0 {
			have[w]--
			continue
		}
		missing = append(missing, w)
	}
	return missing
}
