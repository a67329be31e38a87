package evhtest

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
)

// Message is one message a consumer received.
type Message struct {
	Topic string // MQTT topic, NATS subject, AMQP routing key, WS subprotocol
	Data  []byte
	// Header is the NATS Nats-Msg-Id, the AMQP content type, or the WS
	// frame type.
	Header string
}

// Collector gathers what a consumer receives.
type Collector struct {
	mu   sync.Mutex
	msgs []Message
}

func (c *Collector) add(m Message) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
}

// All returns what was received so far.
func (c *Collector) All() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.msgs...)
}

// Wait returns the first n messages, failing the test after 20 s.
func (c *Collector) Wait(t testing.TB, n int) []Message {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if got := c.All(); len(got) >= n {
			return got[:n]
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d of %d messages", len(c.All()), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// AMQPQueue consumes queue (declared as Janus's rabbitmqevh declares it)
// on the broker at addr with guest/guest; the queue is deleted at the end.
func AMQPQueue(t testing.TB, addr, queue string) *Collector {
	t.Helper()
	ch := AMQPChannel(t, addr)
	if _, err := ch.QueueDeclare(queue, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = ch.QueueDelete(queue, false, false, false) })
	return AMQPConsume(t, ch, queue)
}

// AMQPConsume collects what queue, which must exist, delivers on ch: each
// message with its routing key and content type. Its goroutine ends when
// ch's connection closes (AMQPChannel closes it at cleanup).
func AMQPConsume(t testing.TB, ch *amqp.Channel, queue string) *Collector {
	t.Helper()
	ds, err := ch.Consume(queue, "", true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &Collector{}
	go func() { // ends when the connection closes at cleanup
		for d := range ds {
			c.add(Message{Topic: d.RoutingKey, Data: d.Body, Header: d.ContentType})
		}
	}()
	return c
}

// AMQPChannel is a channel of the broker at addr (guest/guest), closed at
// the end of the test.
func AMQPChannel(t testing.TB, addr string) *amqp.Channel {
	t.Helper()
	conn, err := amqp.Dial("amqp://guest:guest@" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// MQTTSub subscribes to filter on broker (tcp://host:port) at QoS 1.
func MQTTSub(t testing.TB, broker, filter string) *Collector {
	t.Helper()
	c := &Collector{}
	o := mqtt.NewClientOptions().AddBroker(broker).SetClientID(Name("argus-test-sub")).SetAutoReconnect(false)
	cl := mqtt.NewClient(o)
	if tok := cl.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("mqtt subscriber connect: %v", tok.Error())
	}
	t.Cleanup(func() { cl.Disconnect(100) })
	tok := cl.Subscribe(filter, 1, func(_ mqtt.Client, m mqtt.Message) {
		c.add(Message{Topic: m.Topic(), Data: m.Payload()})
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("mqtt subscribe: %v", tok.Error())
	}
	return c
}

// NATSStream reads stream on the server at url from its start (the
// stream must exist: call it after the sink's first export) and deletes
// the stream at the end of the test.
func NATSStream(t testing.TB, url, stream string) *Collector {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The stream may not exist yet: a sink creates it once it has
	// connected, which a loaded host can delay.
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	for errors.Is(err, jetstream.ErrStreamNotFound) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		cons, err = js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	}
	if err != nil {
		t.Fatal(err)
	}
	c := &Collector{}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		c.add(Message{Topic: m.Subject(), Data: m.Data(), Header: m.Headers().Get(jetstream.MsgIDHeader)})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cc.Stop()
		_ = js.DeleteStream(context.Background(), stream)
		nc.Close()
	})
	return c
}

// WSBackend is a WebSocket server accepting subprotocol; it returns its
// ws:// URL and what its clients send.
func WSBackend(t testing.TB, subprotocol string) (string, *Collector) {
	t.Helper()
	srv, c := wsBackend(t, subprotocol, httptest.NewServer)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), c
}

// WSSBackend is WSBackend over TLS: it returns its wss:// URL, a PEM file
// of the CA its certificate comes from, and what its clients send.
func WSSBackend(t testing.TB, subprotocol string) (url, caFile string, c *Collector) {
	t.Helper()
	srv, c := wsBackend(t, subprotocol, httptest.NewTLSServer)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	return "wss" + strings.TrimPrefix(srv.URL, "https"), caFile, c
}

// wsBackend collects the messages of the WebSocket clients of the server
// newServer starts; each Message has the subprotocol as Topic and the
// frame type as Header.
func wsBackend(t testing.TB, subprotocol string, newServer func(http.Handler) *httptest.Server) (*httptest.Server, *Collector) {
	c := &Collector{}
	srv := newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{subprotocol}})
		if err != nil {
			return
		}
		defer func() { _ = conn.CloseNow() }()
		for {
			typ, data, err := conn.Read(r.Context())
			if err != nil {
				return
			}
			c.add(Message{Topic: conn.Subprotocol(), Data: data, Header: typ.String()})
		}
	}))
	t.Cleanup(srv.Close)
	return srv, c
}
