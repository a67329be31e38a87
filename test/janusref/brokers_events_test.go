package janusref

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	mqttc "github.com/eclipse/paho.mqtt.golang"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/telemetry/wsevh"
)

// startBrokerRun prepares one server's consumers (event handlers' queue,
// topics and WebSocket backend; the MQTT transport's answer topics, which
// must be subscribed before the server publishes), starts the server and
// connects a client to each of its transports once it serves them.
// Whatever the server and the test created on the brokers is deleted at
// the end (queues, retained messages).
//
// Janus 1.1.2's Unix-socket transport sometimes ends its thread as it
// starts (and removes its sockets): a start-up race in Janus, seen in
// about one start in four here. Janus is then started again, with new
// names, up to three times. Argus has no such race: its sockets missing
// fails the test at once.
func startBrokerRun(ctx context.Context, t *testing.T, server string) *brokerRun {
	t.Helper()
	b, err := startRetrying(server, t.Logf, func() (*brokerRun, func()) { return tryBrokerRun(ctx, t, server) })
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// startRetrying runs try (one start of server) until it gives a run: up
// to three times for Janus, whose start-up race it works around, and
// once for Argus.
func startRetrying(server string, logf func(string, ...any), try func() (*brokerRun, func())) (*brokerRun, error) {
	for attempt := 1; ; attempt++ {
		b, stop := try()
		if b != nil {
			return b, nil
		}
		stop()
		if server != "janus" {
			return nil, fmt.Errorf("%s: the Unix sockets are gone after start-up", server)
		}
		if attempt == 3 {
			return nil, fmt.Errorf("%s: the Unix sockets were gone after start-up %d times", server, attempt)
		}
		logf("%s: the Unix sockets are gone after start-up (Janus's pfunix thread ended), starting again", server)
	}
}

// tryBrokerRun is one attempt of startBrokerRun: nil (and the server's
// stop) when the Unix sockets are gone once every other transport serves.
func tryBrokerRun(ctx context.Context, t *testing.T, server string) (*brokerRun, func()) {
	t.Helper()
	n := newBrokerNames(t, server)
	b := &brokerRun{server: server, names: n, ids: &answerRun{ids: map[string]uint64{}, names: map[string]string{}}}
	b.ids.name("nosuch", noSuchSession)
	b.ids.name("nosuchhandle", noSuchHandle)
	cleanBrokers(t, n) // registered first: runs after the server stopped

	conn := amqpConn(t)
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	// The handler publishes to its exchange with routing key route_key;
	// the exchange (declared as the server declares it) and the client's
	// queue bound to it exist before the server, so nothing is lost.
	if err := ch.ExchangeDeclare(n.evExchange(), "topic", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	b.amqpEvents = newAMQPWire(t, conn, n.evExchange(), "", n.routeKey(), n.ownEvQueue(), n.prefix).in

	b.mqttEvents = newInbox()
	evc := mqttClient(t, n.of("evsub"))
	mqttSubscribe(ctx, t, evc, n.eventTopic()+"/#", n.prefix, b.mqttEvents)
	mqttSubscribe(ctx, t, evc, n.eventTopic(), n.prefix, b.mqttEvents)

	wsURL, wsCol := evhtest.WSBackend(t, wsevh.DefaultSubprotocol)
	b.wsEvents = wsCol

	// The transport's exchange exists before the server (declared as the
	// server declares it), so the client's queues see every answer.
	if err := ch.ExchangeDeclare(n.exchange(), "topic", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	rj := newAMQPWire(t, conn, n.exchange(), n.toJanus(), n.fromJanus(), n.ownQueue(), n.prefix)
	ra := newAMQPWire(t, conn, n.exchange(), n.toAdmin(), n.fromAdmin(), n.ownAdminQueue(), n.prefix)

	b.mqttStatus = newInbox()
	mqttSubscribe(ctx, t, evc, n.statusTopic(), n.prefix, b.mqttStatus)

	mc := mqttClient(t, n.of("client"))
	mj := newMQTTWire(ctx, t, mc, n.toJanus(), n.fromJanus(), n.prefix)
	ma := newMQTTWire(ctx, t, mc, n.toAdmin(), n.fromAdmin(), n.prefix)

	stop := func() {}
	if server == "janus" {
		stop = startJanusBrokers(t, n, wsURL)
	} else {
		startArgusBrokers(t, n, wsURL)
	}

	for _, q := range [][2]string{{n.toJanus(), n.fromJanus()}, {n.toAdmin(), n.fromAdmin()}} {
		if err := waitServerQueues(ctx, conn, q[0], q[1]); err != nil {
			t.Fatalf("%s rabbitmq: %v", server, err)
		}
	}
	for _, w := range []struct {
		w     wire
		admin bool
	}{{mj, false}, {ma, true}} {
		if err := ready(ctx, w.w, w.admin); err != nil {
			t.Fatalf("%s mqtt: %v", server, err)
		}
	}
	// The MQTT transport loads last: the Unix sockets, bound before it,
	// are there unless their thread ended.
	for _, p := range []string{n.sock(), n.adminSock()} {
		if _, err := os.Stat(p); err != nil {
			return nil, stop
		}
	}
	uj := newUnixWire(ctx, t, n.sock(), apiSockType)
	ua := newUnixWire(ctx, t, n.adminSock(), adminSockType)
	b.ends = []endpoint{{"rabbitmq", rj, ra}, {"mqtt", mj, ma}, {"unix", uj, ua}}
	b.amqp = conn
	return b, stop
}

// queueFlags tells, per queue the RabbitMQ transport and handler declared, whether a
// client declaring it plain (not durable, not auto-delete, not exclusive)
// finds it so: "as declared" or the broker's refusal (the Janus API's
// incoming queue is durable: queue_durable), or "missing" when the server
// did not declare it (a passive declare first, so that this check never
// creates a queue that another check would then find).
func queueFlags(t *testing.T, conn *amqp.Connection, n brokerNames) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, q := range []string{n.toJanus(), n.fromJanus(), n.toAdmin(), n.fromAdmin(), n.routeKey()} {
		name := strings.ReplaceAll(q, n.prefix, "<names>")
		ch, err := conn.Channel()
		if err != nil {
			t.Fatal(err)
		}
		var ae *amqp.Error
		if _, err := ch.QueueDeclarePassive(q, false, false, false, false, nil); errors.As(err, &ae) && ae.Code == amqp.NotFound {
			out[name] = "missing"
			continue // the refusal closed ch
		} else if err != nil {
			t.Fatalf("queue %s: %v", q, err)
		}
		res := "as declared"
		if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
			var ae *amqp.Error
			if errors.As(err, &ae) {
				res = fmt.Sprintf("refused %d", ae.Code)
			} else {
				res = err.Error()
			}
		} else {
			_ = ch.Close()
		}
		out[name] = res
	}
	return out
}

// cleanBrokers deletes, when the test ends, the queues and exchange of n
// and the retained messages on n's event topics.
func cleanBrokers(t *testing.T, n brokerNames) {
	t.Helper()
	t.Cleanup(func() {
		conn, err := amqpDial()
		if err == nil {
			if ch, err := conn.Channel(); err == nil {
				for _, q := range []string{n.toJanus(), n.fromJanus(), n.toAdmin(), n.fromAdmin(), n.routeKey(),
					n.ownQueue(), n.ownAdminQueue(), n.ownEvQueue()} {
					_, _ = ch.QueueDelete(q, false, false, false)
				}
				for _, x := range []string{n.exchange(), n.evExchange()} {
					_ = ch.ExchangeDelete(x, false, false)
				}
			}
			_ = conn.Close()
		}
		c := mqttc.NewClient(mqttc.NewClientOptions().AddBroker("tcp://" + mqttAddr).SetClientID(n.of("clean")).SetAutoReconnect(false))
		if tok := c.Connect(); tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
			// An empty retained message clears the topic's retained one.
			for _, topic := range []string{n.eventTopic(), n.eventTopic() + "/status", n.fromJanus(), n.fromAdmin(), n.statusTopic()} {
				c.Publish(topic, 1, true, []byte{}).WaitTimeout(5 * time.Second)
			}
			c.Disconnect(100)
		}
	})
}

// sessionIDs are the sessions the script created on this server.
func (b *brokerRun) sessionIDs() []uint64 {
	var out []uint64
	for id, name := range b.ids.names {
		if name == "<A>" {
			var v uint64
			_, _ = fmt.Sscan(id, &v)
			out = append(out, v)
		}
	}
	return out
}

// handlerEvents decodes each message's events; the messages whose body is
// not events (an MQTT status) come back apart.
func handlerEvents(msgs []wireMsg) (evs []event, perMsg [][]event, other []wireMsg) {
	for _, wm := range msgs {
		e, err := decodeEvents(wm.body)
		if err != nil || len(e) == 0 || e[0]["type"] == nil {
			other = append(other, wm)
			perMsg = append(perMsg, nil)
			continue
		}
		evs = append(evs, e...)
		perMsg = append(perMsg, e)
	}
	return evs, perMsg, other
}

// wsMsgs is what the WebSocket backend received, as wire messages.
func (b *brokerRun) wsMsgs() []wireMsg {
	var out []wireMsg
	for _, m := range b.wsEvents.All() {
		out = append(out, wireMsg{body: m.Data, meta: map[string]any{
			"subprotocol": m.Topic, "frame": m.Header, "layout": layoutOf(m.Data),
		}})
	}
	return out
}

// handlers are each event handler's messages on this server.
func (b *brokerRun) handlers() map[string][]wireMsg {
	return map[string][]wireMsg{"rabbitmqevh": b.amqpEvents.rest(), "mqttevh": b.mqttEvents.rest(), "wsevh": b.wsMsgs()}
}

// waitEvents waits until every handler delivered the "destroyed" event of
// every session the script created.
func (b *brokerRun) waitEvents(ctx context.Context) error {
	want := b.sessionIDs()
	for {
		missing := ""
		for h, msgs := range b.handlers() {
			evs, _, _ := handlerEvents(msgs)
			for _, sid := range want {
				if !has(evs, 1, sid, "name", "destroyed") {
					missing = fmt.Sprintf("%s: the destroyed event of session %d", h, sid)
				}
			}
		}
		if missing == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting for %s: %w", b.server, missing, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// wireItems describes each message as a client of the handler sees it:
// per event (MQTT publishes one per message) or per message, its routing
// and layout, and for a message that holds no events its body.
func wireItems(msgs []wireMsg) []string {
	_, perMsg, _ := handlerEvents(msgs)
	var out []string
	for i, wm := range msgs {
		keys := make([]string, 0, len(wm.meta))
		for k := range wm.meta {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var sb strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&sb, " %s=%v", k, wm.meta[k])
		}
		body := bytes.TrimSpace(wm.body)
		switch {
		case perMsg[i] == nil:
			out = append(out, fmt.Sprintf("message %q:%s", body, sb.String()))
		case len(body) > 0 && body[0] == '[':
			out = append(out, "array of events:"+sb.String())
		default:
			out = append(out, fmt.Sprintf("event %s:%s", kindOf(perMsg[i][0]), sb.String()))
		}
	}
	return out
}

// compareHandlerEvents compares each handler's events (compare's shapes,
// prefixed with the handler) and its messages' routing (wireItems: an
// item only one server produced is a difference).
func compareHandlerEvents(j, a *brokerRun) []string {
	jh, ah := j.handlers(), a.handlers()
	var diffs []string
	for _, h := range []string{"rabbitmqevh", "mqttevh", "wsevh"} {
		jevs, _, _ := handlerEvents(jh[h])
		aevs, _, _ := handlerEvents(ah[h])
		for _, d := range compare(shapes(jevs), shapes(aevs)) {
			diffs = append(diffs, h+" "+d)
		}
		ji, ai := setOf(wireItems(jh[h])), setOf(wireItems(ah[h]))
		for it := range ji {
			if !ai[it] {
				diffs = append(diffs, fmt.Sprintf("%s wire: %s only in Janus", h, it))
			}
		}
		for it := range ai {
			if !ji[it] {
				diffs = append(diffs, fmt.Sprintf("%s wire: %s only in Argus", h, it))
			}
		}
	}
	diffs = append(diffs, compareCounts("transport events", transportEvents(jh["rabbitmqevh"]), transportEvents(ah["rabbitmqevh"]))...)
	sort.Strings(diffs)
	return diffs
}

// transportEvents lists the type 128 events a handler delivered, each as
// its transport, event and data keys: compare sees their fields, not how
// many each transport emits.
func transportEvents(msgs []wireMsg) []string {
	evs, _, _ := handlerEvents(msgs)
	var out []string
	for _, e := range evs {
		if e.num("type") != 128 {
			continue
		}
		b := e.body()
		d, _ := b["data"].(map[string]any)
		keys := make([]string, 0, len(d))
		for k := range d {
			if k != "broker" && k != "path" && k != "fd" { // allowlisted fields
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		out = append(out, fmt.Sprintf("%v %v %s", b["transport"], d["event"], strings.Join(keys, ",")))
	}
	return out
}

// compareCounts reports each item whose count differs between Janus's
// list and Argus's.
func compareCounts(what string, janus, argus []string) []string {
	count := func(items []string) map[string]int {
		m := map[string]int{}
		for _, it := range items {
			m[it]++
		}
		return m
	}
	jc, ac := count(janus), count(argus)
	var diffs []string
	for it, n := range jc {
		if ac[it] != n {
			diffs = append(diffs, fmt.Sprintf("%s: %s: Janus %d, Argus %d", what, it, n, ac[it]))
		}
	}
	for it, n := range ac {
		if _, ok := jc[it]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: %s: Janus 0, Argus %d", what, it, n))
		}
	}
	return diffs
}

func setOf(items []string) map[string]bool {
	out := map[string]bool{}
	for _, it := range items {
		out[it] = true
	}
	return out
}
