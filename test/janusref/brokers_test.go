package janusref

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/argusrtc/argus/internal/janusclient"
	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
)

// brokerSteps is the script each transport runs: the Janus API core
// (create, attach the EchoTest, a message, keepalive, an unknown session,
// malformed JSON, a missing transaction, detach, destroy), then a last
// info whose answer tells that every earlier message has arrived.
func brokerSteps() []step {
	return []step{
		{name: "create", req: m{"janus": "create"}, save: "A"},
		{name: "attach", sess: "A", req: m{"janus": "attach", "plugin": "janus.plugin.echotest", "opaque_id": "janusref-brokers"}, save: "H"},
		msg("message", "A", "H", m{"audio": true}),
		msg("bad message", "A", "H", m{"nothing": true}),
		{name: "keepalive", sess: "A", req: m{"janus": "keepalive"}},
		{name: "unknown session", sess: "nosuch", req: m{"janus": "keepalive"}},
		{name: "unknown handle", sess: "A", handle: "nosuchhandle", req: m{"janus": "detach"}},
		{name: "bad json", raw: `{"janus":"info",`},
		{name: "missing transaction", req: m{"janus": "info", "-transaction": true}},
		{name: "detach", sess: "A", handle: "H", req: m{"janus": "detach"}},
		{name: "destroy", sess: "A", req: m{"janus": "destroy"}},
		{name: "last", req: m{"janus": "ping"}},
	}
}

// brokerAdminSteps is the Admin API script of each transport that serves it.
func brokerAdminSteps() []step {
	return []step{
		adm("admin ping", m{"janus": "ping"}),
		{name: "admin no secret", admin: true, req: m{"janus": "list_sessions"}},
		adm("admin unknown", m{"janus": "frobnicate"}),
		{name: "admin bad json", admin: true, raw: `{"janus":`},
		adm("admin last", m{"janus": "ping"}),
	}
}

// endpoint is one transport of one server: its Janus API and its Admin
// API (nil when the transport does not serve both).
type endpoint struct {
	name         string // "rabbitmq", "mqtt", "unix"
	janus, admin wire
}

// brokerRun is one server's side of the test: its names on the brokers,
// its transports, and its event handlers' consumers.
type brokerRun struct {
	server string // "janus" or "argus"
	names  brokerNames
	ends   []endpoint
	ids    *answerRun // names of ids, per server
	// event handlers
	amqpEvents *inbox
	mqttEvents *inbox
	wsEvents   *evhtest.Collector
	queues     map[string]string // queueFlags
	amqp       *amqp.Connection
	mqttStatus *inbox // the MQTT transport's status topic
}

// connectStatus waits for the MQTT transport's connect status message and
// describes it as wireItems does.
func (b *brokerRun) connectStatus(ctx context.Context) (string, error) {
	m, err := b.mqttStatus.take(ctx, "the MQTT transport's connect status", func(wireMsg) bool { return true })
	if err != nil {
		return "", fmt.Errorf("%s: %w", b.server, err)
	}
	return wireItems([]wireMsg{m})[0], nil
}

// heldMessages tells, per outgoing queue the RabbitMQ transport and
// handler declared, whether messages pile up in it: with an exchange,
// Janus declares it but does not bind it, so nothing reaches it.
func (b *brokerRun) heldMessages() map[string]string {
	out := map[string]string{}
	for _, q := range []string{b.names.fromJanus(), b.names.fromAdmin(), b.names.routeKey()} {
		state := "empty"
		switch n := queueLength(b.amqp, q); {
		case n < 0:
			state = "missing"
		case n > 0:
			state = "holds messages"
		}
		out[strings.ReplaceAll(q, b.names.prefix, "<names>")] = state
	}
	return out
}

// runWire runs steps over w, waiting for each answer (and for a plugin's
// event after an "ack"), and returns the answers by "<prefix> <step>".
// Each answer carries what the transport told about it as "_wire".
func (b *brokerRun) runWire(ctx context.Context, w wire, prefix string, steps []step) (map[string]answer, error) {
	r := b.ids
	out := map[string]answer{}
	for _, s := range steps {
		name := prefix + " " + s.name
		var body []byte
		tx := ""
		if s.raw != "" {
			body = []byte(s.raw)
		} else {
			req, _ := r.subst(s.req).(map[string]any)
			if s.sess != "" {
				req["session_id"] = r.ids[s.sess]
			}
			if s.handle != "" {
				req["handle_id"] = r.ids[s.handle]
			}
			if _, no := req["-transaction"]; no {
				delete(req, "-transaction")
			} else {
				tx = "jr-" + strings.ReplaceAll(name, " ", "-")
				req["transaction"] = tx
			}
			var err error
			if body, err = json.Marshal(req); err != nil {
				return nil, err
			}
		}
		if err := w.send(ctx, body, "corr-"+s.name); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		got, err := w.inbox().take(ctx, name, func(wm wireMsg) bool {
			m, err := janusclient.Decode(wm.body)
			if err != nil {
				return false
			}
			if tx == "" {
				_, has := m["transaction"]
				return !has && m.Kind() == "error"
			}
			return m["transaction"] == tx && m.Kind() != "event"
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.server, err)
		}
		a := toAnswer(got)
		out[name] = a
		if s.save != "" && a.msg.Kind() == "success" {
			r.name(s.save, a.msg.Uint("data", "id"))
		}
		if a.msg.Kind() == "ack" && s.req["janus"] == "message" {
			ev, err := w.inbox().take(ctx, name+" event", func(wm wireMsg) bool {
				m, err := janusclient.Decode(wm.body)
				return err == nil && m["transaction"] == tx && m.Kind() == "event"
			})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.server, err)
			}
			out[name+" event"] = toAnswer(ev)
		}
		if a.msg.Kind() == "success" && s.req["janus"] == "detach" {
			// Both servers tell the client of the handle's end, but not
			// in a fixed order with the answer.
			hid := r.ids[s.handle]
			ev, err := w.inbox().take(ctx, name+" detached", func(wm wireMsg) bool {
				m, err := janusclient.Decode(wm.body)
				return err == nil && m.Kind() == "detached" && m.Uint("sender") == hid
			})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.server, err)
			}
			out[name+" detached"] = toAnswer(ev)
		}
	}
	// What else came (the EchoTest's asynchronous "done" after detach,
	// late readiness answers) is not compared: its timing is not fixed.
	return out, nil
}

// toAnswer decodes a message (its text as "body" when it is no JSON
// object), with the transport's details as "_wire".
func toAnswer(wm wireMsg) answer {
	m, err := janusclient.Decode(wm.body)
	if err != nil || m == nil {
		m = janusclient.Msg{"body": string(wm.body)}
	}
	m["_wire"] = wm.meta
	return answer{msg: m}
}

// ready waits until the server answers on w (MQTT: a request published
// before the server subscribed is lost, so a probe is repeated, every
// 200 ms, until one is answered).
func ready(ctx context.Context, w wire, admin bool) error {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		req := m{"janus": "info", "transaction": fmt.Sprintf("ready-%d", i)}
		if admin {
			req = m{"janus": "ping", "transaction": fmt.Sprintf("ready-%d", i), "admin_secret": adminSecret}
		}
		body, _ := json.Marshal(req)
		if err := w.send(ctx, body, ""); err != nil {
			return err
		}
		wctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-tick.C:
			case <-wctx.Done():
			}
			cancel()
		}()
		_, err := w.inbox().take(wctx, "ready", func(wm wireMsg) bool {
			m, err := janusclient.Decode(wm.body)
			tx, _ := m["transaction"].(string)
			return err == nil && strings.HasPrefix(tx, "ready-")
		})
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("server not answering: %w", ctx.Err())
		}
	}
}

// brokerAllowlist explains the intended differences of the broker test,
// in compare's format, one reason each.
var brokerAllowlist = map[string]string{
	// The started event's server_info (compared in full by the answers test).
	"* 256/1 started: event.info.argus_version: only in Argus":         "Argus's own version",
	"* 256/1 started: event.info.dependencies.*":                       "Go and pion modules, not glib, libnice, ...",
	"* 256/1 started: event.info.hangup-on-failed: only in Argus":      "Janus 1.2 field",
	"* 256/1 started: event.info.ice-consent-freshness: only in Argus": "Janus 1.2 field",
	// Answers.
	`* bad json: error.reason: "Invalid Janus API request - *`: "parser wording after Janus's prefix (jansson's position and text)",
	// Transport events (type 128).
	"* 128: event.data.broker: only in Argus": "documented Argus extension: the broker a connection event is about",
	"* 128: event.data.path: only in Argus":   "documented Argus extension: the socket a Unix connection event is about",
	"* 128: event.data.fd: only in Janus":     "Janus's file descriptor number; Argus has none to report",
}

// TestJanusReferenceBrokers runs the same script over the RabbitMQ, MQTT
// and Unix-socket transports of real Janus and of Argus, each server with
// names of its own on the brokers, and compares the answers (kinds, codes,
// texts, keys and types) and what the transport told about them (routing
// keys and properties, topics, QoS, retain, JSON layout); then what the
// rabbitmqevh, mqttevh and wsevh event handlers of each delivered for
// those sessions: the events' fields and the messages' routing.
func TestJanusReferenceBrokers(t *testing.T) {
	requireTool(t, "janus")
	requireRoot(t)
	requireBroker(t, "RabbitMQ", amqpAddr)
	requireBroker(t, "MQTT", mqttAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitLimit)
	defer cancel()
	runs := []*brokerRun{startBrokerRun(ctx, t, "janus"), startBrokerRun(ctx, t, "argus")}
	got := make([]map[string]answer, len(runs))
	var steps []step
	for i, b := range runs {
		got[i] = map[string]answer{}
		for _, e := range b.ends {
			out, err := b.runWire(ctx, e.janus, e.name, brokerSteps())
			if err != nil {
				t.Fatal(err)
			}
			mergeAnswers(got[i], out)
			if i == 0 {
				steps = append(steps, prefixed(e.name, brokerSteps())...)
			}
			if e.admin == nil {
				continue
			}
			if out, err = b.runWire(ctx, e.admin, e.name, brokerAdminSteps()); err != nil {
				t.Fatal(err)
			}
			mergeAnswers(got[i], out)
			if i == 0 {
				steps = append(steps, prefixed(e.name, brokerAdminSteps())...)
			}
		}
	}
	diffs := compareAnswers(steps, runs[0].ids, runs[1].ids, got[0], got[1])
	for _, b := range runs {
		if err := b.waitEvents(ctx); err != nil {
			t.Fatal(err)
		}
		// After the events: every queue is declared by now (Argus's
		// handler connects at its first export).
		b.queues = queueFlags(t, b.amqp, b.names)
	}
	diffs = append(diffs, compareHandlerEvents(runs[0], runs[1])...)
	var status [2]string
	for i, b := range runs {
		s, err := b.connectStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		status[i] = s
	}
	if testing.Verbose() {
		t.Logf("mqtt status: Janus %s, Argus %s", status[0], status[1])
	}
	if status[0] != status[1] {
		diffs = append(diffs, fmt.Sprintf("mqtt status: Janus %s, Argus %s", status[0], status[1]))
	}
	jh, ah := runs[0].heldMessages(), runs[1].heldMessages()
	for q, j := range jh {
		if a := ah[q]; a != j {
			diffs = append(diffs, fmt.Sprintf("queue %s: Janus %s, Argus %s", q, j, a))
		}
	}
	for q, jf := range runs[0].queues {
		if af := runs[1].queues[q]; af != jf {
			diffs = append(diffs, fmt.Sprintf("queue %s: Janus %s, Argus %s", q, jf, af))
		}
	}
	rest, stale := unexplained(diffs, brokerAllowlist)
	for _, d := range rest {
		t.Errorf("differs from Janus 1.1.2: %s", d)
	}
	for _, s := range stale {
		t.Errorf("allowlist entry not seen: %s", s)
	}
	if testing.Verbose() || t.Failed() {
		for _, b := range runs {
			evs, _, _ := handlerEvents(b.handlers()["rabbitmqevh"])
			for _, e := range evs {
				if e.num("type") == 128 {
					t.Logf("%s 128: %v", b.server, e)
				}
			}
			_, _, other := handlerEvents(b.handlers()["mqttevh"])
			for _, o := range other {
				t.Logf("%s mqttevh other: %s %v", b.server, o.body, o.meta)
			}
		}
		names := make([]string, 0, len(got[0]))
		for n := range got[0] {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			t.Logf("%s\n  janus: %s\n  argus: %s", n, got[0][n].msg, got[1][n].msg)
		}
	}
}

func mergeAnswers(dst, src map[string]answer) {
	for k, v := range src {
		dst[k] = v
	}
}

func prefixed(prefix string, steps []step) []step {
	out := make([]step, len(steps))
	for i, s := range steps {
		s.name = prefix + " " + s.name
		out[i] = s
	}
	return out
}
