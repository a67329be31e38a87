package rabbitmq

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/argusrtc/argus/telemetry/evhkit/evhtest"
	"github.com/argusrtc/argus/transports/internal/fakegw"
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
	if err := ch.ExchangeDeclare(exchange, "topic", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare(own, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(own, from, exchange, false, nil); err != nil {
		t.Fatal(err)
	}
	got := evhtest.AMQPConsume(t, ch, own)
	cfg, err := ParseURL(fmt.Sprintf("amqp://guest:guest@%s/?janus_exchange=%s&janus_exchange_type=topic&to_janus=%s&from_janus=%s",
		brokerAddr, exchange, to, from))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Gateway = fakegw.New()
	tr, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	deadline := time.Now().Add(20 * time.Second)
	for !tr.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("not connected")
		}
		time.Sleep(10 * time.Millisecond)
	}
	err = ch.PublishWithContext(context.Background(), "", to, false, false, amqp.Publishing{
		ContentType: "application/json", CorrelationId: "c1", Body: []byte(`{"janus":"ping","transaction":"t1"}`)})
	if err != nil {
		t.Fatal(err)
	}
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
	name := evhtest.Name("argus-test-rmqq")
	to, from, toAdmin, fromAdmin := name+"-to", name+"-from", name+"-to-admin", name+"-from-admin"
	cleanup := evhtest.AMQPChannel(t, brokerAddr)
	t.Cleanup(func() {
		for _, q := range []string{to, from, toAdmin, fromAdmin} {
			_, _ = cleanup.QueueDelete(q, false, false, false)
		}
	})
	cfg, err := ParseURL(fmt.Sprintf("amqp://guest:guest@%s/?to_janus=%s&from_janus=%s&queue_durable=true"+
		"&admin_enabled=true&to_janus_admin=%s&from_janus_admin=%s", brokerAddr, to, from, toAdmin, fromAdmin))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Gateway = fakegw.New()
	tr, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	deadline := time.Now().Add(20 * time.Second)
	for !tr.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("not connected")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for q, durable := range map[string]bool{to: true, from: false, toAdmin: false, fromAdmin: false} {
		ch := evhtest.AMQPChannel(t, brokerAddr) // a refused declare closes the channel
		if _, err := ch.QueueDeclare(q, durable, false, false, false, nil); err != nil {
			t.Errorf("queue %s is not declared durable=%v: %v", q, durable, err)
		}
	}
}
