package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// msg is a decoded Janus message; numbers stay json.Number so 53-bit ids
// are exact.
type msg map[string]any

// janusClient is a minimal Janus API client used by the tests.
type janusClient interface {
	// Do sends one raw request and returns the direct reply. Over HTTP, sid
	// and hid pick the path (/janus, /janus/<sid>, /janus/<sid>/<hid>);
	// over WebSocket they are ignored (ids travel in the body).
	Do(ctx context.Context, sid, hid uint64, raw []byte) (msg, error)
	// Request adds a transaction (and, over WebSocket, the ids) to req and
	// sends it with Do.
	Request(ctx context.Context, sid, hid uint64, req msg) (msg, error)
	// Watch starts delivering the asynchronous messages of session sid
	// (the HTTP long poll; nothing to do over WebSocket).
	Watch(sid uint64)
	// Events yields asynchronous messages.
	Events() <-chan msg
	Close()
}

// errClosed is returned by requests on a closed client.
var errClosed = errors.New("janus client closed")

var txCounter atomic.Uint64

func newTransaction() string { return "tx" + strconv.FormatUint(txCounter.Add(1), 10) }

// decode parses one Janus JSON reply.
func decode(b []byte) (msg, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m msg
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode %q: %w", b, err)
	}
	return m, nil
}

// httpClient speaks the Janus API over REST + long poll (janus-reference.md 1.6).
type httpClient struct {
	base   string
	tr     *nethttp.Transport
	hc     *nethttp.Client
	events chan msg
	ctx    context.Context // cancelled by Close; owned by this client
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newHTTPClient(base string) *httpClient {
	tr := &nethttp.Transport{}
	ctx, cancel := context.WithCancel(context.Background())
	return &httpClient{
		base: base, tr: tr, hc: &nethttp.Client{Transport: tr},
		events: make(chan msg, 1024), ctx: ctx, cancel: cancel,
	}
}

func (c *httpClient) path(sid, hid uint64) string {
	p := c.base
	if sid != 0 {
		p += "/" + strconv.FormatUint(sid, 10)
	}
	if hid != 0 {
		p += "/" + strconv.FormatUint(hid, 10)
	}
	return p
}

func (c *httpClient) Do(ctx context.Context, sid, hid uint64, raw []byte) (msg, error) {
	req, err := nethttp.NewRequestWithContext(ctx, nethttp.MethodPost, c.path(sid, hid), bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != nethttp.StatusOK {
		return nil, fmt.Errorf("POST %s: HTTP %d: %s", req.URL.Path, res.StatusCode, body)
	}
	return decode(body)
}

func (c *httpClient) Request(ctx context.Context, sid, hid uint64, req msg) (msg, error) {
	req["transaction"] = newTransaction()
	raw, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	return c.Do(ctx, sid, hid, raw)
}

func (c *httpClient) Watch(sid uint64) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for c.poll(sid) {
		}
	}()
}

// poll runs one long poll; false ends the loop (client closed, session gone).
func (c *httpClient) poll(sid uint64) bool {
	url := c.path(sid, 0) + "?maxev=10&rid=" + strconv.FormatInt(time.Now().UnixNano(), 10)
	req, err := nethttp.NewRequestWithContext(c.ctx, nethttp.MethodGet, url, nil)
	if err != nil {
		return false
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return false
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != nethttp.StatusOK {
		return false
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var batch []msg
	if err := d.Decode(&batch); err != nil {
		return false
	}
	for _, m := range batch {
		if m["janus"] == "keepalive" {
			continue
		}
		select {
		case c.events <- m:
		case <-c.ctx.Done():
			return false
		}
		if m["janus"] == "timeout" {
			return false
		}
	}
	return true
}

func (c *httpClient) Events() <-chan msg { return c.events }

func (c *httpClient) Close() {
	c.cancel()
	c.wg.Wait()
	c.tr.CloseIdleConnections()
}

// wsClient speaks the Janus API over one janus-protocol WebSocket
// (janus-reference.md 1.7).
type wsClient struct {
	conn   *websocket.Conn
	events chan msg
	ctx    context.Context // cancelled by Close; owned by this client
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	pending  map[string]chan msg // by transaction
	untagged []chan msg          // waiters for replies without a known transaction
	err      error
}

// directReplies are the message kinds that answer a request.
var directReplies = map[string]bool{"success": true, "error": true, "ack": true, "server_info": true, "pong": true}

func dialWS(ctx context.Context, url string) (*wsClient, error) {
	return dialWSProtocol(ctx, url, "janus-protocol")
}

// dialWSProtocol connects with the given subprotocol (janus-protocol or
// janus-admin-protocol) and checks the server agreed to it.
func dialWSProtocol(ctx context.Context, url, protocol string) (*wsClient, error) {
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{protocol}})
	if err != nil {
		return nil, err
	}
	if conn.Subprotocol() != protocol {
		conn.CloseNow()
		return nil, fmt.Errorf("subprotocol %q, want %s", conn.Subprotocol(), protocol)
	}
	conn.SetReadLimit(4 << 20)
	rctx, cancel := context.WithCancel(context.Background())
	c := &wsClient{
		conn: conn, events: make(chan msg, 1024), ctx: rctx, cancel: cancel,
		done: make(chan struct{}), pending: map[string]chan msg{},
	}
	go c.read()
	return c, nil
}

func (c *wsClient) read() {
	defer close(c.done)
	defer c.fail(errClosed)
	for {
		_, data, err := c.conn.Read(c.ctx)
		if err != nil {
			return
		}
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		for {
			var m msg
			if err := d.Decode(&m); err != nil {
				break
			}
			if !c.deliver(m) {
				select {
				case c.events <- m:
				case <-c.ctx.Done():
					return
				}
			}
		}
	}
}

// deliver hands a direct reply to its waiter; false means it is an event.
func (c *wsClient) deliver(m msg) bool {
	kind, _ := m["janus"].(string)
	if !directReplies[kind] {
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

func (c *wsClient) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
	for tx, ch := range c.pending {
		close(ch)
		delete(c.pending, tx)
	}
	for _, ch := range c.untagged {
		close(ch)
	}
	c.untagged = nil
}

func (c *wsClient) Do(ctx context.Context, _, _ uint64, raw []byte) (msg, error) {
	ch := make(chan msg, 1)
	var probe struct {
		Transaction any `json:"transaction"`
	}
	_ = json.Unmarshal(raw, &probe)
	tx, tagged := probe.Transaction.(string)
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
		return nil, err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, errClosed
		}
		return m, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *wsClient) Request(ctx context.Context, sid, hid uint64, req msg) (msg, error) {
	req["transaction"] = newTransaction()
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
	return c.Do(ctx, sid, hid, raw)
}

func (c *wsClient) Watch(uint64) {}

func (c *wsClient) Events() <-chan msg { return c.events }

func (c *wsClient) Close() {
	c.cancel()
	c.conn.CloseNow()
	<-c.done
}
