package janusclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/coder/websocket"
)

// WS speaks the Janus API (or Admin API) over one WebSocket.
type WS struct {
	conn   *websocket.Conn
	ev     *events
	ctx    context.Context //nolint:containedctx // the client's lifetime: cancelled by Close, owned by this client
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	pending  map[string]chan Msg // by transaction
	untagged []chan Msg          // waiters of raw requests without a transaction
	err      error
}

// IsReply tells the message kinds that answer a request (the others are
// asynchronous events).
func IsReply(kind string) bool {
	switch kind {
	case "success", "error", "ack", "server_info", "pong":
		return true
	}
	return false
}

// DialWS connects with o.Protocol (default janus-protocol) and checks the
// server agreed to it.
func DialWS(ctx context.Context, url string, o Options) (*WS, error) {
	o = o.withDefaults()
	conn, err := DialWSConn(ctx, url, o)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.Background())
	c := &WS{conn: conn, ev: newEvents(o), ctx: rctx, cancel: cancel,
		done: make(chan struct{}), pending: map[string]chan Msg{}}
	go c.read()
	return c, nil
}

// DialWSConn opens a WebSocket to url with o.Protocol (default
// janus-protocol), checks the server agreed to it and bounds one received
// message to o.MaxMessage. DialWS builds its client on it; a test client
// that reads the socket its own way starts from it and ReadWS.
func DialWSConn(ctx context.Context, url string, o Options) (*websocket.Conn, error) {
	o = o.withDefaults()
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{o.Protocol}})
	if err != nil {
		return nil, fmt.Errorf("websocket dial %s: %w", url, err)
	}
	if conn.Subprotocol() != o.Protocol {
		_ = conn.CloseNow()
		return nil, fmt.Errorf("%w: subprotocol %q, want %s", ErrReply, conn.Subprotocol(), o.Protocol)
	}
	conn.SetReadLimit(o.MaxMessage)
	return conn, nil
}

// ReadWS reads conn until a read fails (ctx ended, the connection closed)
// or each returns false, and hands each the JSON messages of every
// WebSocket message in arrival order, numbers as json.Number; what does
// not decode ends that WebSocket message.
func ReadWS(ctx context.Context, conn *websocket.Conn, each func(Msg) bool) {
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		for {
			var m Msg
			if err := d.Decode(&m); err != nil {
				break
			}
			if !each(m) {
				return
			}
		}
	}
}

// TransactionOf is the transaction of a raw request; tagged is false when
// it has no string one.
func TransactionOf(raw []byte) (tx string, tagged bool) {
	var probe struct {
		Transaction any `json:"transaction"`
	}
	_ = json.Unmarshal(raw, &probe)
	tx, tagged = probe.Transaction.(string)
	return tx, tagged
}

func (c *WS) read() {
	defer close(c.done)
	defer c.fail()
	ReadWS(c.ctx, c.conn, func(m Msg) bool { return c.deliver(m) || c.ev.push(c.ctx, m) })
}

// deliver hands a direct reply to its waiter; false means it is an event.
func (c *WS) deliver(m Msg) bool {
	if !IsReply(m.Kind()) {
		return false
	}
	tx, _ := m["transaction"].(string)
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch, ok := c.pending[tx]; ok {
		delete(c.pending, tx)
		ch <- m
		return true
	}
	if len(c.untagged) > 0 {
		ch := c.untagged[0]
		c.untagged = c.untagged[1:]
		ch <- m
		return true
	}
	return false
}

func (c *WS) fail() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = ErrClosed
	for tx, ch := range c.pending {
		close(ch)
		delete(c.pending, tx)
	}
	for _, ch := range c.untagged {
		close(ch)
	}
	c.untagged = nil
}

// Do writes raw and waits for the reply with its transaction (or, for a
// raw request without one, the next reply nobody waits for).
func (c *WS) Do(ctx context.Context, _, _ uint64, raw []byte) (Msg, error) {
	ch := make(chan Msg, 1)
	tx, tagged := TransactionOf(raw)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.err
	}
	if tagged {
		c.pending[tx] = ch
	} else {
		c.untagged = append(c.untagged, ch)
	}
	c.mu.Unlock()
	if err := c.conn.Write(ctx, websocket.MessageText, raw); err != nil {
		c.forget(tx, tagged)
		return nil, fmt.Errorf("websocket write: %w", err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, ErrClosed
		}
		return m, nil
	case <-ctx.Done():
		c.forget(tx, tagged)
		return nil, ctx.Err()
	}
}

// forget drops the waiter of a tagged request that gave up.
func (c *WS) forget(tx string, tagged bool) {
	if !tagged {
		return
	}
	c.mu.Lock()
	delete(c.pending, tx)
	c.mu.Unlock()
}

// Request adds a transaction and the ids to req and sends it.
func (c *WS) Request(ctx context.Context, sid, hid uint64, req Msg) (Msg, error) {
	raw, err := EncodeRequest(req, sid, hid)
	if err != nil {
		return nil, err
	}
	return c.Do(ctx, sid, hid, raw)
}

// Watch does nothing: a WebSocket carries its sessions' events.
func (c *WS) Watch(uint64) {}

// Events yields asynchronous messages.
func (c *WS) Events() <-chan Msg { return c.ev.ch }

// Dropped counts messages dropped on a full Events buffer.
func (c *WS) Dropped() uint64 { return c.ev.dropped.Load() }

// Close closes the connection and waits for the reader.
func (c *WS) Close() {
	c.cancel()
	_ = c.conn.CloseNow()
	<-c.done
}
