package janusref

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/argusrtc/argus/internal/janusclient"
	"github.com/argusrtc/argus/internal/testpeer"
)

// Ports of Janus's WebSockets transport (Janus API, Admin API) inside the
// namespace, as in its sample config.
const (
	janusWSPort      = 8188
	janusAdminWSPort = 7188
)

// janusWebSocketsConfig is Janus's janus.transport.websockets.jcfg: plain
// ws for the Janus API and the Admin API.
func janusWebSocketsConfig() string {
	return fmt.Sprintf(`general: {
	json = "compact"
	ws = true
	ws_port = %d
	wss = false
}
admin: {
	admin_ws = true
	admin_ws_port = %d
	admin_wss = false
}
`, janusWSPort, janusAdminWSPort)
}

// janusWS returns the WebSocket URLs of the Janus whose HTTP API is at
// httpURL: same host, the WebSockets transport's ports.
func janusWS(httpURL string) (api, admin string, err error) {
	u, err := url.Parse(httpURL)
	if err != nil {
		return "", "", fmt.Errorf("janus url: %w", err)
	}
	host := u.Hostname()
	return fmt.Sprintf("ws://%s/", net.JoinHostPort(host, fmt.Sprint(janusWSPort))),
		fmt.Sprintf("ws://%s/", net.JoinHostPort(host, fmt.Sprint(janusAdminWSPort))), nil
}

// maxWSMessages bounds what a wsClient keeps: far more than the script
// receives (a few hundred replies and events).
const maxWSMessages = 1 << 14

// wsClient is a Janus API client over one WebSocket that keeps every
// message in arrival order, so a test can tell what came first on the
// socket (an "ack" or its "event"). It implements janusclient.Client for
// one request at a time: the reply is the next one with the request's
// transaction or with none (Janus 1.1.2 leaves it out of some errors);
// everything else goes to Events. It owns one goroutine, ended by Close.
type wsClient struct {
	conn   *websocket.Conn
	ctx    context.Context //nolint:containedctx // the client's lifetime, cancelled by Close
	cancel context.CancelFunc
	done   chan struct{}
	ev     chan janusclient.Msg

	mu      sync.Mutex
	msgs    []janusclient.Msg
	changed chan struct{}
	closed  bool
}

var _ janusclient.Client = (*wsClient)(nil)

func dialWS(ctx context.Context, u, protocol string) (*wsClient, error) {
	conn, err := janusclient.DialWSConn(ctx, u, janusclient.Options{Protocol: protocol})
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.Background())
	c := &wsClient{conn: conn, ctx: rctx, cancel: cancel, done: make(chan struct{}),
		ev: make(chan janusclient.Msg, 1024), changed: make(chan struct{})}
	go c.read()
	return c, nil
}

func (c *wsClient) read() {
	defer close(c.done)
	defer func() {
		c.mu.Lock()
		c.closed = true
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
	}()
	janusclient.ReadWS(c.ctx, c.conn, func(m janusclient.Msg) bool {
		c.mu.Lock()
		if len(c.msgs) < maxWSMessages {
			c.msgs = append(c.msgs, m)
		}
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
		if janusclient.IsReply(m.Kind()) {
			return true
		}
		select {
		case c.ev <- m:
			return true
		case <-c.ctx.Done():
			return false
		}
	})
}

// wait returns the index of the first message from index from on that
// matches pred.
func (c *wsClient) wait(ctx context.Context, from int, pred func(janusclient.Msg) bool) (int, janusclient.Msg, error) {
	for {
		c.mu.Lock()
		for i := from; i < len(c.msgs); i++ {
			if pred(c.msgs[i]) {
				m := c.msgs[i]
				c.mu.Unlock()
				return i, m, nil
			}
		}
		ch, closed := c.changed, c.closed
		c.mu.Unlock()
		if closed {
			return 0, nil, janusclient.ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return 0, nil, fmt.Errorf("websocket reply: %w", ctx.Err())
		}
	}
}

// mark is the index the next message will get.
func (c *wsClient) mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.msgs)
}

// Do writes raw and returns its reply (see wsClient).
func (c *wsClient) Do(ctx context.Context, _, _ uint64, raw []byte) (janusclient.Msg, error) {
	tx, tagged := janusclient.TransactionOf(raw)
	from := c.mark()
	if err := c.conn.Write(ctx, websocket.MessageText, raw); err != nil {
		return nil, fmt.Errorf("websocket write: %w", err)
	}
	_, m, err := c.wait(ctx, from, func(m janusclient.Msg) bool {
		if !janusclient.IsReply(m.Kind()) {
			return false
		}
		got, has := m["transaction"].(string)
		return !has || (tagged && got == tx)
	})
	return m, err
}

// Request is Do with a transaction and the ids in the body.
func (c *wsClient) Request(ctx context.Context, sid, hid uint64, req janusclient.Msg) (janusclient.Msg, error) {
	raw, err := janusclient.EncodeRequest(req, sid, hid)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return c.Do(ctx, sid, hid, raw)
}

// closedWithin tells whether the socket is closed (its reader ended) or
// closes within d: a write can fail before the reader sees the close.
func (c *wsClient) closedWithin(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.done:
		return true
	case <-t.C:
		return false
	}
}

// order lists the kinds of the messages with transaction tx, in arrival
// order.
func (c *wsClient) order(tx string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.msgs {
		if m["transaction"] == tx {
			out = append(out, m.Kind())
		}
	}
	return out
}

func (c *wsClient) Watch(uint64)                   {}
func (c *wsClient) Events() <-chan janusclient.Msg { return c.ev }
func (c *wsClient) Dropped() uint64                { return 0 }

// Close ends the connection and the reader.
func (c *wsClient) Close() {
	c.cancel()
	_ = c.conn.CloseNow()
	<-c.done
}

// wsSteps is the script over WebSocket: every step but those made of
// HTTP itself (GET, PUT, a path: long polls and their errors), then the
// WebSocket's own: keepalives, a session unknown on the socket, requests
// after destroy on the same socket. A message to a handle of a session
// destroyed on the socket is not sent: Janus 1.1.2 answers it 458 or, now
// and then, closes the socket. It closes it now and then after the
// keepalive or the attach that follow the destroy too (observed in about
// one run in three): those two are sent again on a new socket if they
// find it closed (the answer compared is the one to the request, 458 on
// both servers, whichever socket carried it), and what follows runs on a
// fresh socket, so no step depends on how long Janus keeps a socket it
// may close.
func wsSteps(steps []step) []step {
	var out []step
	for _, s := range steps {
		if s.method == "" && s.path == "" {
			out = append(out, s)
		}
	}
	return append(out,
		step{name: "ws create", req: m{"janus": "create"}, save: "W"},
		step{name: "ws keepalive", sess: "W", req: m{"janus": "keepalive"}},
		step{name: "ws keepalive unknown session", sess: "nosuch", req: m{"janus": "keepalive"}},
		step{name: "ws attach", sess: "W", req: m{"janus": "attach", "plugin": "janus.plugin.echotest"}, save: "wh"},
		msg("ws echotest", "W", "wh", m{"audio": true}),
		step{name: "ws attach without session", req: m{"janus": "attach", "plugin": "janus.plugin.echotest"}},
		step{name: "ws destroy", sess: "W", req: m{"janus": "destroy"}},
		step{name: "ws keepalive after destroy", sess: "W", req: m{"janus": "keepalive"}, redial: true},
		step{name: "ws attach after destroy", sess: "W", req: m{"janus": "attach", "plugin": "janus.plugin.echotest"}, redial: true},
		step{name: "ws fresh socket", action: func(ctx context.Context, r *answerRun) error { return r.redialWS(ctx) }},
		step{name: "ws after destroy info", req: m{"janus": "info"}, shape: true},
		step{name: "ws create after destroy", req: m{"janus": "create"}, save: "W2"},
		step{name: "ws destroy W2", sess: "W2", req: m{"janus": "destroy"}},
	)
}

// redialWS replaces the run's API socket with a new one; the old one is
// closed at the end of the run. Over HTTP it does nothing.
func (r *answerRun) redialWS(ctx context.Context) error {
	if r.ws == nil {
		return nil
	}
	c, err := dialWS(ctx, r.wsURL, janusclient.ProtocolJanus)
	if err != nil {
		return fmt.Errorf("%s: %w", r.tg.name, err)
	}
	r.oldWS = append(r.oldWS, r.ws)
	r.ws = c
	return nil
}

// newWSAnswerRun is an answerRun over WebSocket: one socket for the Janus
// API (every session's events come on it), one for the Admin API.
func newWSAnswerRun(ctx context.Context, tg *target, api, admin string) (*answerRun, error) {
	c, err := dialWS(ctx, api, janusclient.ProtocolJanus)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tg.name, err)
	}
	a, err := dialWS(ctx, admin, janusclient.ProtocolAdmin)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: %w", tg.name, err)
	}
	r := &answerRun{tg: tg, ws: c, adminWS: a, wsURL: api, in: janusclient.NewInbox(c),
		ids: map[string]uint64{}, names: map[string]string{},
		peers: map[string]*testpeer.Peer{}, offers: map[string]string{}}
	r.name("nosuch", noSuchSession)
	r.name("nosuchhandle", noSuchHandle)
	return r, nil
}

// sendWS sends a step's request over the run's sockets, with the session
// and handle ids in the body; raw requests go as they are.
func (r *answerRun) sendWS(ctx context.Context, s step, body []byte, req map[string]any) answer {
	c := r.ws
	if s.admin {
		c = r.adminWS
	}
	if req != nil {
		if s.sess != "" {
			req["session_id"] = r.ids[s.sess]
		}
		if s.handle != "" {
			req["handle_id"] = r.ids[s.handle]
		}
		var err error
		if body, err = json.Marshal(req); err != nil {
			return answer{err: err.Error()}
		}
	}
	res, err := c.Do(ctx, 0, 0, body)
	// Only Janus may have closed the socket: Argus closing it is a
	// difference, reported as the step's error.
	if err != nil && s.redial && r.tg.name == "janus" && c == r.ws && c.closedWithin(time.Second) {
		if rerr := r.redialWS(ctx); rerr != nil {
			return answer{err: rerr.Error()}
		}
		r.redials = append(r.redials, fmt.Sprintf("%s: the server had closed the socket (%v), sent again on a new one", s.name, err))
		res, err = r.ws.Do(ctx, 0, 0, body)
	}
	if err != nil {
		return answer{err: err.Error()}
	}
	return answer{msg: res}
}

// wsOrder is the "<name> order" answer of an acknowledged plugin message
// over WebSocket: the kinds of the messages with its transaction, sorted.
// Only how many of each came is compared, not their order: Janus 1.1.2
// pushes the event before the ack about as often as after (its plugin
// thread races the transport's reply).
func (r *answerRun) wsOrder(tx string) answer {
	kinds := r.ws.order(tx)
	sort.Strings(kinds)
	return answer{msg: janusclient.Msg{"kinds": strings.Join(kinds, ",")}}
}
