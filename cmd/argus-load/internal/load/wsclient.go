package load

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/coder/websocket"
)

// wsClient speaks the Janus API over one janus-protocol WebSocket.
type wsClient struct {
	conn   *websocket.Conn
	ev     chan msg
	ctx    context.Context // cancelled by close
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	pending map[string]chan msg // by transaction
	err     error
}

// directReplies are the kinds that answer a request.
var directReplies = map[string]bool{"success": true, "error": true, "ack": true, "server_info": true, "pong": true}

func dialWS(ctx context.Context, url string) (*wsClient, error) {
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"janus-protocol"}})
	if err != nil {
		return nil, fmt.Errorf("websocket dial %s: %w", url, err)
	}
	conn.SetReadLimit(4 << 20)
	rctx, cancel := context.WithCancel(context.Background())
	c := &wsClient{conn: conn, ev: make(chan msg, 256), ctx: rctx, cancel: cancel,
		done: make(chan struct{}), pending: map[string]chan msg{}}
	go c.read()
	return c, nil
}

func (c *wsClient) read() {
	defer close(c.done)
	defer c.fail()
	for {
		_, data, err := c.conn.Read(c.ctx)
		if err != nil {
			return
		}
		m, err := decodeMsg(data)
		if err != nil {
			continue
		}
		if c.deliver(m) {
			continue
		}
		select {
		case c.ev <- m:
		case <-c.ctx.Done():
			return
		}
	}
}

// deliver hands a direct reply to its waiter; false means it is an event.
func (c *wsClient) deliver(m msg) bool {
	if !directReplies[m.kind()] {
		return false
	}
	tx, _ := m["transaction"].(string)
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.pending[tx]
	if ok {
		delete(c.pending, tx)
		ch <- m
	}
	return ok
}

func (c *wsClient) fail() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = errClosed
	for tx, ch := range c.pending {
		close(ch)
		delete(c.pending, tx)
	}
}

func (c *wsClient) request(ctx context.Context, sid, hid uint64, req msg) (msg, error) {
	tx := newTransaction()
	req["transaction"] = tx
	if sid != 0 {
		req["session_id"] = sid
	}
	if hid != 0 {
		req["handle_id"] = hid
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	ch := make(chan msg, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.err
	}
	c.pending[tx] = ch
	c.mu.Unlock()
	if err := c.conn.Write(ctx, websocket.MessageText, raw); err != nil {
		return nil, fmt.Errorf("websocket write: %w", err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, errClosed
		}
		return m, nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, tx)
		c.mu.Unlock()
		return nil, ctx.Err()
	}
}

func (c *wsClient) watch(uint64) {}

func (c *wsClient) events() <-chan msg { return c.ev }

func (c *wsClient) close() {
	c.cancel()
	_ = c.conn.CloseNow()
	<-c.done
}
