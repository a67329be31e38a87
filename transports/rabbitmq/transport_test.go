package rabbitmq

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/broker/brokertest"
)

// brokerAddr is the RabbitMQ of the test environment (guest/guest).
const brokerAddr = "127.0.0.1:5672"

// TestExchangeLeavesOutgoingQueueUnbound: with janus_exchange, answers
// go to the exchange with routing key from_janus, indented (Janus's
// default json), and the declared from_janus queue is not bound to it,
// as Janus 1.1.2 does (test/janusref): a client reads its own queue, and
// no queue nobody reads fills up.
func TestExchangeLeavesOutgoingQueueUnbound(t *testing.T) {
	name := evhtest.Name("argus-test-rmq")
	ch := evhtest.AMQPChannel(t, brokerAddr)
	exchange, to, from, own := name+"-x", name+"-to", name+"-from", name+"-client"
	t.Cleanup(func() {
		for _, q := range []string{to, from, own} {
			_, _ = ch.QueueDelete(q, false, false, false)
		}
		_ = ch.ExchangeDelete(exchange, false, false)
	})
	got := clientQueue(t, ch, exchange, "topic", own, from)
	startConnected(t, fmt.Sprintf("amqp://guest:guest@%s/?janus_exchange=%s&janus_exchange_type=topic&to_janus=%s&from_janus=%s",
		brokerAddr, exchange, to, from), nil)
	ping(t, ch, to)
	m := got.Wait(t, 1)[0]
	if m.Topic != from || !strings.HasPrefix(string(m.Data), "{\n   \"janus\": ") {
		t.Fatalf("answer with routing key %q:\n%s", m.Topic, m.Data)
	}
	q, err := ch.QueueDeclarePassive(from, false, false, false, false, nil)
	if err != nil || q.Messages != 0 {
		t.Fatalf("queue %s: %d messages (%v), want it declared and empty", from, q.Messages, err)
	}
}

// TestQueueFlagsPerAPI: queue_durable (and the other queue_* keys) apply
// to the Janus API's incoming queue, queue_durable_admin to the Admin
// API's, and the outgoing queues are declared plain, as Janus 1.1.2
// declares them (test/janusref). A declare with other flags than the
// queue's is refused by the broker (406), which is what is checked.
func TestQueueFlagsPerAPI(t *testing.T) {
	to, from, toAdmin, fromAdmin := apiQueues(t, evhtest.AMQPChannel(t, brokerAddr), "argus-test-rmqq")
	startConnected(t, fmt.Sprintf("amqp://guest:guest@%s/?to_janus=%s&from_janus=%s&queue_durable=true"+
		"&admin_enabled=true&to_janus_admin=%s&from_janus_admin=%s", brokerAddr, to, from, toAdmin, fromAdmin), nil)
	for q, durable := range map[string]bool{to: true, from: false, toAdmin: false, fromAdmin: false} {
		ch := evhtest.AMQPChannel(t, brokerAddr) // a refused declare closes the channel
		if _, err := ch.QueueDeclare(q, durable, false, false, false, nil); err != nil {
			t.Errorf("queue %s is not declared durable=%v: %v", q, durable, err)
		}
	}
}

// startConnected starts the transport of url (logging to logger, unless
// nil) and waits until it consumes; it is closed when the test ends.
func startConnected(t *testing.T, url string, logger *slog.Logger) *Transport {
	t.Helper()
	tr := brokertest.Start(t, url, ParseURL, func(c *Config) *transports.Deps { return &c.Deps }, func(c *Config) {
		if logger != nil {
			c.Logger = logger
		}
	}, Start)
	brokertest.WaitConnected(t, tr)
	return tr
}

// apiQueues names the four queues of both APIs (to and from Janus, the
// Janus API's and the Admin API's) after a unique name with prefix; ch
// deletes them when the test ends.
func apiQueues(t *testing.T, ch *amqp.Channel, prefix string) (to, from, toAdmin, fromAdmin string) {
	t.Helper()
	name := evhtest.Name(prefix)
	to, from, toAdmin, fromAdmin = name+"-to", name+"-from", name+"-to-admin", name+"-from-admin"
	t.Cleanup(func() {
		for _, q := range []string{to, from, toAdmin, fromAdmin} {
			_, _ = ch.QueueDelete(q, false, false, false)
		}
	})
	return to, from, toAdmin, fromAdmin
}

// clientQueue declares an exchange of kind and a client's own queue bound
// to it with key, and returns what arrives on that queue.
func clientQueue(t *testing.T, ch *amqp.Channel, exchange, kind, own, key string) *evhtest.Collector {
	t.Helper()
	if err := ch.ExchangeDeclare(exchange, kind, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare(own, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(own, key, exchange, false, nil); err != nil {
		t.Fatal(err)
	}
	return evhtest.AMQPConsume(t, ch, own)
}

// ping publishes a Janus API ping (transaction t1, correlation id c1) to
// queue.
func ping(t *testing.T, ch *amqp.Channel, queue string) {
	t.Helper()
	err := ch.PublishWithContext(context.Background(), "", queue, false, false, amqp.Publishing{
		ContentType: "application/json", CorrelationId: "c1", Body: []byte(`{"janus":"ping","transaction":"t1"}`)})
	if err != nil {
		t.Fatal(err)
	}
}

// warnings records the warnings logged, one line each.
type warnings struct {
	mu    sync.Mutex
	lines []string
}

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	line := r.Message
	r.Attrs(func(a slog.Attr) bool {
		line += " " + a.String()
		return true
	})
	w.mu.Lock()
	w.lines = append(w.lines, line)
	w.mu.Unlock()
	return nil
}
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *warnings) WithGroup(string) slog.Handler      { return w }

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.lines...)
}

// TestUpgradeKeepsExistingQueues: an older Argus declared the outgoing
// queues and the Admin API's incoming queue with queue_durable (shared by
// both APIs then); this version declares them plain, which the broker
// refuses (406). The transport uses them as they are and serves, with
// one warning per queue naming the setting, instead of retrying the
// connection for ever.
func TestUpgradeKeepsExistingQueues(t *testing.T) {
	ch := evhtest.AMQPChannel(t, brokerAddr)
	to, from, toAdmin, fromAdmin := apiQueues(t, ch, "argus-test-rmqu")
	for _, q := range []string{to, from, toAdmin, fromAdmin} { // as the older Argus left them
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	w := &warnings{}
	startConnected(t, fmt.Sprintf("amqp://guest:guest@%s/?to_janus=%s&from_janus=%s&queue_durable=true"+
		"&admin_enabled=true&to_janus_admin=%s&from_janus_admin=%s", brokerAddr, to, from, toAdmin, fromAdmin), slog.New(w))
	for api, q := range map[string]string{to: from, toAdmin: fromAdmin} {
		ping(t, ch, api)
		m := evhtest.AMQPConsume(t, ch, q).Wait(t, 1)[0]
		if !strings.Contains(string(m.Data), `"transaction": "t1"`) {
			t.Errorf("answer on %s:\n%s", q, m.Data)
		}
	}
	lines := w.all()
	want := map[string]string{from: "setting=declare_outgoing_queue", fromAdmin: "setting=declare_outgoing_queue_admin",
		toAdmin: "setting=queue_durable_admin, queue_autodelete_admin"}
	if len(lines) != len(want) {
		t.Errorf("%d warnings, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for q, setting := range want {
		n := 0
		for _, l := range lines {
			if strings.Contains(l, "queue="+q+" ") && strings.Contains(l, setting) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("queue %s: %d warnings naming %s, want 1:\n%s", q, n, setting, strings.Join(lines, "\n"))
		}
	}
}

// TestFanoutLeavesQueueNameUnbound: with a fanout exchange, queue_name is
// not bound to it, as Janus 1.1.2 binds it only to a topic or direct
// exchange: bound, every answer would come back into the request queue
// and be answered again, without end. One ping gets exactly one answer.
func TestFanoutLeavesQueueNameUnbound(t *testing.T) {
	name := evhtest.Name("argus-test-rmqf")
	exchange, to, in, from, own := name+"-x", name+"-to", name+"-in", name+"-from", name+"-client"
	ch := evhtest.AMQPChannel(t, brokerAddr)
	t.Cleanup(func() {
		for _, q := range []string{in, from, own} {
			_, _ = ch.QueueDelete(q, false, false, false)
		}
		_ = ch.ExchangeDelete(exchange, false, false)
	})
	got := clientQueue(t, ch, exchange, "fanout", own, "")
	startConnected(t, fmt.Sprintf("amqp://guest:guest@%s/?janus_exchange=%s&to_janus=%s&queue_name=%s&from_janus=%s",
		brokerAddr, exchange, to, in, from), nil)
	ping(t, ch, in)
	if m := got.Wait(t, 1)[0]; !strings.Contains(string(m.Data), `"janus": "pong"`) {
		t.Fatalf("answer:\n%s", m.Data)
	}
	time.Sleep(2 * time.Second) // an answer fed back would be answered within milliseconds
	if all := got.All(); len(all) != 1 {
		t.Fatalf("%d messages for one ping, want 1; the second:\n%s", len(all), all[1].Data)
	}
}
