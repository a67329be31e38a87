package janusref

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	mqttc "github.com/eclipse/paho.mqtt.golang"
	amqp "github.com/rabbitmq/amqp091-go"
)

// waitLimit bounds every wait of the broker test.
const waitLimit = 20 * time.Second

// wireMsg is one message a client received: its body and what the
// broker or socket told about it (routing key, properties, topic, QoS).
type wireMsg struct {
	body []byte
	meta map[string]any
}

// inbox keeps what a client received until a wait takes it.
type inbox struct {
	mu      sync.Mutex
	msgs    []wireMsg
	changed chan struct{}
}

func newInbox() *inbox { return &inbox{changed: make(chan struct{})} }

// maxInbox bounds what one inbox keeps (the test sends a few dozen requests).
const maxInbox = 10000

func (in *inbox) add(m wireMsg) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.msgs) >= maxInbox {
		return
	}
	in.msgs = append(in.msgs, m)
	close(in.changed)
	in.changed = make(chan struct{})
}

// take removes and returns the first message pred accepts, waiting for
// it until ctx ends.
func (in *inbox) take(ctx context.Context, what string, pred func(wireMsg) bool) (wireMsg, error) {
	for {
		in.mu.Lock()
		for i, m := range in.msgs {
			if pred(m) {
				in.msgs = append(in.msgs[:i], in.msgs[i+1:]...)
				in.mu.Unlock()
				return m, nil
			}
		}
		ch := in.changed
		in.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return wireMsg{}, fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		}
	}
}

// rest returns what nobody took.
func (in *inbox) rest() []wireMsg {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]wireMsg(nil), in.msgs...)
}

// wire is one API (Janus or Admin) of one transport, as a client sees it.
type wire interface {
	send(ctx context.Context, body []byte, corr string) error
	inbox() *inbox
}

// layoutOf names a JSON text's layout as Janus's "json" setting does:
// "indented" (with the indentation width), "plain" or "compact".
func layoutOf(b []byte) string {
	b = bytes.TrimSpace(b)
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line := b[i+1:]
		return fmt.Sprintf("indented(%d)", len(line)-len(bytes.TrimLeft(line, " ")))
	}
	var c bytes.Buffer
	if json.Compact(&c, b) == nil && bytes.Equal(c.Bytes(), b) {
		return "compact"
	}
	return "plain"
}

// amqpWire is an API over RabbitMQ: requests go to the default exchange
// with routing key to (the server's queue); answers, which the server
// publishes to its exchange, are consumed from a queue of the client's,
// bound to that exchange with the server's from_janus routing key.
type amqpWire struct {
	ch     *amqp.Channel
	to     string
	in     *inbox
	server string // the names' prefix, replaced in routing keys
}

func (w *amqpWire) inbox() *inbox { return w.in }

func (w *amqpWire) send(ctx context.Context, body []byte, corr string) error {
	err := w.ch.PublishWithContext(ctx, "", w.to, false, false, amqp.Publishing{
		ContentType: "application/json", CorrelationId: corr, ReplyTo: "janusref-client", Body: body,
	})
	if err != nil {
		return fmt.Errorf("amqp publish: %w", err)
	}
	return nil
}

// amqpConn is a connection to the test's RabbitMQ, closed at the end.
func amqpConn(t *testing.T) *amqp.Connection {
	t.Helper()
	c, err := amqp.Dial("amqp://guest:guest@" + amqpAddr + "/")
	if err != nil {
		t.Fatalf("rabbitmq: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// waitQueue waits until queue exists and, with consumer, until the server
// consumes it (a passive declare on a channel of its own each time: a
// missing queue closes the channel).
func waitQueue(ctx context.Context, conn *amqp.Connection, queue string, consumer bool) error {
	for {
		ch, err := conn.Channel()
		if err != nil {
			return fmt.Errorf("channel: %w", err)
		}
		q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
		if err == nil {
			_ = ch.Close()
			if !consumer || q.Consumers > 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("queue %s (consumer %v): %w", queue, consumer, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// newAMQPWire declares the client's queue own, binds it to exchange with
// routing key from, and consumes it; requests go to the queue to.
func newAMQPWire(t *testing.T, conn *amqp.Connection, exchange, to, from, own, prefix string) *amqpWire {
	t.Helper()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare(own, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(own, from, exchange, false, nil); err != nil {
		t.Fatal(err)
	}
	w := &amqpWire{ch: ch, to: to, in: newInbox(), server: prefix}
	w.consume(t, own)
	return w
}

// waitServerQueues waits until the server consumes its queue to and has
// declared its queue from.
func waitServerQueues(ctx context.Context, conn *amqp.Connection, to, from string) error {
	if err := waitQueue(ctx, conn, to, true); err != nil {
		return err
	}
	return waitQueue(ctx, conn, from, false)
}

// queueLength is the number of messages in queue (-1: no such queue).
func queueLength(conn *amqp.Connection, queue string) int {
	ch, err := conn.Channel()
	if err != nil {
		return -1
	}
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	if err != nil {
		return -1
	}
	_ = ch.Close()
	return q.Messages
}

// consume collects what queue delivers, with the message's routing and
// properties, until the connection closes.
func (w *amqpWire) consume(t *testing.T, queue string) {
	t.Helper()
	ds, err := w.ch.Consume(queue, "", true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() { // ends when the connection closes at cleanup
		for d := range ds {
			w.in.add(wireMsg{body: d.Body, meta: amqpMeta(d, w.server)})
		}
	}()
}

// amqpMeta is what a client can see of a delivery besides its body; set
// properties only, names with the server's prefix replaced.
func amqpMeta(d amqp.Delivery, prefix string) map[string]any {
	m := map[string]any{
		"exchange":      strings.ReplaceAll(d.Exchange, prefix, "<names>"),
		"routing_key":   strings.ReplaceAll(d.RoutingKey, prefix, "<names>"),
		"delivery_mode": json.Number(fmt.Sprint(d.DeliveryMode)),
		"layout":        layoutOf(d.Body),
	}
	for k, v := range map[string]string{
		"content_type": d.ContentType, "content_encoding": d.ContentEncoding, "correlation_id": d.CorrelationId,
		"reply_to": d.ReplyTo, "expiration": d.Expiration, "message_id": d.MessageId, "type": d.Type,
		"user_id": d.UserId, "app_id": d.AppId,
	} {
		if v != "" {
			m[k] = v
		}
	}
	if d.Priority != 0 {
		m["priority"] = json.Number(fmt.Sprint(d.Priority))
	}
	if !d.Timestamp.IsZero() {
		m["timestamp"] = "set"
	}
	if len(d.Headers) > 0 {
		keys := make([]string, 0, len(d.Headers))
		for k := range d.Headers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m["headers"] = strings.Join(keys, ",")
	}
	return m
}

// mqttWire is an API over MQTT: requests are published on to at QoS 1,
// answers are read from from, subscribed at QoS 2 so that each arrives
// with the QoS it was published with.
type mqttWire struct {
	c      mqttc.Client
	to     string
	in     *inbox
	server string
}

func (w *mqttWire) inbox() *inbox { return w.in }

func (w *mqttWire) send(ctx context.Context, body []byte, _ string) error {
	return mqttWait(ctx, w.c.Publish(w.to, 1, false, body))
}

func mqttWait(ctx context.Context, tok mqttc.Token) error {
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return fmt.Errorf("mqtt: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("mqtt: %w", ctx.Err())
	}
}

// mqttClient is a client of the test's Mosquitto, disconnected at the end.
func mqttClient(t *testing.T, id string) mqttc.Client {
	t.Helper()
	c := mqttc.NewClient(mqttc.NewClientOptions().AddBroker("tcp://" + mqttAddr).SetClientID(id).
		SetAutoReconnect(false).SetOrderMatters(false))
	if tok := c.Connect(); !tok.WaitTimeout(waitLimit) || tok.Error() != nil {
		t.Fatalf("mqtt connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

// mqttMeta is what a subscriber sees of a message besides its payload.
func mqttMeta(m mqttc.Message, prefix string) map[string]any {
	return map[string]any{
		"topic":    strings.ReplaceAll(m.Topic(), prefix, "<names>"),
		"qos":      json.Number(fmt.Sprint(m.Qos())),
		"retained": m.Retained(),
		"layout":   layoutOf(m.Payload()),
	}
}

// subscribe collects what filter brings into in.
func mqttSubscribe(ctx context.Context, t *testing.T, c mqttc.Client, filter, prefix string, in *inbox) {
	t.Helper()
	err := mqttWait(ctx, c.Subscribe(filter, 2, func(_ mqttc.Client, m mqttc.Message) {
		in.add(wireMsg{body: append([]byte(nil), m.Payload()...), meta: mqttMeta(m, prefix)})
	}))
	if err != nil {
		t.Fatal(err)
	}
}

func newMQTTWire(ctx context.Context, t *testing.T, c mqttc.Client, to, from, prefix string) *mqttWire {
	t.Helper()
	w := &mqttWire{c: c, to: to, in: newInbox(), server: prefix}
	mqttSubscribe(ctx, t, c, from, prefix, w.in)
	return w
}

// unixWire is an API over a Unix socket: a SOCK_SEQPACKET connection, or
// a SOCK_DGRAM socket bound to a path of its own.
type unixWire struct {
	conn   net.Conn
	server *net.UnixAddr // SOCK_DGRAM: where requests go
	in     *inbox
}

func (w *unixWire) inbox() *inbox { return w.in }

func (w *unixWire) send(_ context.Context, body []byte, _ string) error {
	_ = w.conn.SetWriteDeadline(time.Now().Add(waitLimit))
	var err error
	if w.server != nil {
		_, err = w.conn.(*net.UnixConn).WriteToUnix(body, w.server)
	} else {
		_, err = w.conn.Write(body)
	}
	if err != nil {
		return fmt.Errorf("unix write: %w", err)
	}
	return nil
}

// newUnixWire waits (bounded) for the socket at path and connects to it.
func newUnixWire(ctx context.Context, t *testing.T, path, typ string) *unixWire {
	t.Helper()
	for {
		if _, err := os.Stat(path); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("socket %s: %v", path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	w := &unixWire{in: newInbox()}
	var err error
	if typ == "SOCK_SEQPACKET" {
		w.conn, err = net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: path, Net: "unixpacket"})
	} else {
		local := filepath.Join(t.TempDir(), "client.sock")
		w.server = &net.UnixAddr{Name: path, Net: "unixgram"}
		w.conn, err = net.ListenUnixgram("unixgram", &net.UnixAddr{Name: local, Net: "unixgram"})
	}
	if err != nil {
		t.Fatalf("unix %s: %v", path, err)
	}
	done := make(chan struct{})
	go func() { // ends when the socket closes at cleanup
		defer close(done)
		buf := make([]byte, 1<<20)
		for {
			n, err := w.conn.Read(buf)
			if err != nil {
				return
			}
			if n > 0 {
				w.in.add(wireMsg{body: append([]byte(nil), buf[:n]...), meta: map[string]any{"layout": layoutOf(buf[:n])}})
			}
		}
	}()
	t.Cleanup(func() { _ = w.conn.Close(); <-done })
	return w
}

// amqpDial connects to the test's RabbitMQ (guest/guest).
func amqpDial() (*amqp.Connection, error) {
	c, err := amqp.Dial("amqp://guest:guest@" + amqpAddr + "/")
	if err != nil {
		return nil, fmt.Errorf("rabbitmq: %w", err)
	}
	return c, nil
}
