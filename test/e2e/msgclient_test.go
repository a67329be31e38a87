package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/argusrtc/argus/internal/janusclient"
)

// msgClient is a janusClient over a message link (Unix socket, RabbitMQ,
// MQTT): one JSON request per message out, one JSON message per message
// in; ids travel in the body, as over WebSocket.
type msgClient struct {
	send      func(ctx context.Context, raw []byte, tx string) error
	closeLink func()
	events    chan msg

	mu      sync.Mutex
	pending map[string]chan msg
	err     error
	// replyTags records, per transaction, the broker's correlation id of
	// the direct reply (RabbitMQ).
	replyTags map[string]string
}

func newMsgClient() *msgClient {
	return &msgClient{events: make(chan msg, 1024), pending: map[string]chan msg{}, replyTags: map[string]string{}}
}

// receive handles one incoming message; corr is its correlation id.
func (c *msgClient) receive(data []byte, corr string) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var m msg
	if d.Decode(&m) != nil {
		return
	}
	kind, _ := m["janus"].(string)
	tx, _ := m["transaction"].(string)
	c.mu.Lock()
	ch, ok := c.pending[tx]
	if ok && janusclient.IsReply(kind) {
		delete(c.pending, tx)
		c.replyTags[tx] = corr
		c.mu.Unlock()
		ch <- m
		return
	}
	c.mu.Unlock()
	select {
	case c.events <- m:
	default: // a test not reading its events; never block the link
	}
}

func (c *msgClient) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
	for tx, ch := range c.pending {
		close(ch)
		delete(c.pending, tx)
	}
}

// replyTag is the correlation id of tx's direct reply.
func (c *msgClient) replyTag(tx string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.replyTags[tx]
}

func (c *msgClient) Do(ctx context.Context, _, _ uint64, raw []byte) (msg, error) {
	var probe struct {
		Transaction string `json:"transaction"`
	}
	_ = json.Unmarshal(raw, &probe)
	if probe.Transaction == "" {
		return nil, errors.New("msgClient: request without a transaction")
	}
	ch := make(chan msg, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.err
	}
	c.pending[probe.Transaction] = ch
	c.mu.Unlock()
	if err := c.send(ctx, raw, probe.Transaction); err != nil {
		return nil, err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, janusclient.ErrClosed
		}
		return m, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for %s: %w", raw, ctx.Err())
	}
}

func (c *msgClient) Request(ctx context.Context, sid, hid uint64, req msg) (msg, error) {
	raw, err := janusclient.EncodeRequest(req, sid, hid)
	if err != nil {
		return nil, err
	}
	return c.Do(ctx, sid, hid, raw)
}

func (c *msgClient) Watch(uint64) {}

// Dropped is always 0: events wait for the consumer.
func (c *msgClient) Dropped() uint64 { return 0 }

func (c *msgClient) Events() <-chan msg { return c.events }

func (c *msgClient) Close() {
	c.closeLink()
	c.fail(janusclient.ErrClosed)
}

// dialUnix connects to a SOCK_SEQPACKET Janus socket.
func dialUnix(path string) (*msgClient, error) {
	uc, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		return nil, err
	}
	read := func(buf []byte) (int, error) {
		n, err := uc.Read(buf)
		if err == nil && n == 0 {
			err = io.EOF // the server closed the socket
		}
		return n, err
	}
	return newPacketClient(uc, uc.Write, read), nil
}

// newPacketClient is a msgClient over a packet socket: write sends one
// request, read returns the next reply or event (an error: the socket is
// gone).
func newPacketClient(conn io.Closer, write func([]byte) (int, error), read func([]byte) (int, error)) *msgClient {
	c := newMsgClient()
	done := make(chan struct{})
	c.send = func(_ context.Context, raw []byte, _ string) error {
		_, err := write(raw)
		return err
	}
	c.closeLink = func() { _ = conn.Close(); <-done }
	go func() {
		defer close(done)
		buf := make([]byte, 4<<20)
		for {
			n, err := read(buf)
			if err != nil {
				c.fail(janusclient.ErrClosed)
				return
			}
			c.receive(append([]byte(nil), buf[:n]...), "")
		}
	}()
	return c
}

// dialUnixgram talks to a SOCK_DGRAM Janus socket from a socket bound in dir.
func dialUnixgram(path, dir string) (*msgClient, error) {
	local := &net.UnixAddr{Name: filepath.Join(dir, fmt.Sprintf("client-%d.sock", time.Now().UnixNano())), Net: "unixgram"}
	uc, err := net.ListenUnixgram("unixgram", local)
	if err != nil {
		return nil, err
	}
	server := &net.UnixAddr{Name: path, Net: "unixgram"}
	write := func(raw []byte) (int, error) { return uc.WriteToUnix(raw, server) }
	read := func(buf []byte) (int, error) {
		n, _, err := uc.ReadFromUnix(buf)
		return n, err
	}
	return newPacketClient(uc, write, read), nil
}

// dialRabbit publishes requests to toJanus (correlation_id = transaction)
// and consumes fromJanus; both queues must exist.
func dialRabbit(url, toJanus, fromJanus string) (*msgClient, error) {
	conn, err := amqp.Dial(url)
	if err != nil {
		return nil, err
	}
	ch, err := conn.Channel() // the transport declared both queues
	var deliveries <-chan amqp.Delivery
	if err == nil {
		deliveries, err = ch.Consume(fromJanus, "", true, false, false, false, nil)
	}
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	c := newMsgClient()
	done := make(chan struct{})
	c.send = func(ctx context.Context, raw []byte, tx string) error {
		return ch.PublishWithContext(ctx, "", toJanus, false, false,
			amqp.Publishing{ContentType: "application/json", CorrelationId: tx, Body: raw})
	}
	c.closeLink = func() { _ = conn.Close(); <-done }
	go func() {
		defer close(done)
		for d := range deliveries {
			c.receive(d.Body, d.CorrelationId)
		}
		c.fail(janusclient.ErrClosed)
	}()
	return c, nil
}

// dialMQTT publishes requests on toJanus and subscribes fromJanus.
func dialMQTT(broker, toJanus, fromJanus string) (*msgClient, error) {
	c := newMsgClient()
	opts := paho.NewClientOptions().AddBroker(broker).SetClientID(fmt.Sprintf("e2e-%d", time.Now().UnixNano())).
		SetAutoReconnect(true).SetConnectTimeout(5 * time.Second).SetOrderMatters(false).
		SetOnConnectHandler(func(pc paho.Client) {
			pc.Subscribe(fromJanus, 1, func(_ paho.Client, m paho.Message) { c.receive(m.Payload(), "") })
		})
	pc := paho.NewClient(opts)
	if tok := pc.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		pc.Disconnect(0)
		return nil, fmt.Errorf("mqtt connect: %w", tok.Error())
	}
	if tok := pc.Subscribe(fromJanus, 1, func(_ paho.Client, m paho.Message) { c.receive(m.Payload(), "") }); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		pc.Disconnect(0)
		return nil, fmt.Errorf("mqtt subscribe: %w", tok.Error())
	}
	c.send = func(ctx context.Context, raw []byte, _ string) error {
		tok := pc.Publish(toJanus, 1, false, raw)
		select {
		case <-tok.Done():
			return tok.Error()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c.closeLink = func() { pc.Disconnect(100) }
	return c, nil
}
