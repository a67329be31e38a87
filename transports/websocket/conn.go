package websocket

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	cws "github.com/coder/websocket"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/wire"
)

// conn is one WebSocket connection; it is the core.Client of every request
// read from it.
type conn struct {
	t      *Transport
	ws     *cws.Conn
	info   core.TransportInfo
	log    *slog.Logger
	out    *writeQueue
	done   <-chan struct{}
	cancel context.CancelFunc
	sem    chan struct{} // bounds concurrent "message" requests
	reqs   sync.WaitGroup
}

// Info returns the connection's transport info.
func (c *conn) Info() core.TransportInfo { return c.info }

// Push queues an asynchronous message of session s for the socket; it never
// blocks.
func (c *conn) Push(_ core.SessionID, msg []byte) { c.send(msg) }

// SessionOver needs no bookkeeping: the core stops pushing session s here.
func (c *conn) SessionOver(s core.SessionID, timedOut, claimed bool) {
	c.log.Debug("websocket transport: session over", slog.Uint64("session_id", uint64(s)),
		slog.Bool("timed_out", timedOut), slog.Bool("claimed", claimed))
}

// send queues msg for the writer; a full queue closes the connection (the
// client is not reading), a closed connection drops msg.
func (c *conn) send(msg []byte) {
	select {
	case <-c.done:
		return
	default:
	}
	if !c.out.push(msg) {
		if c.t.cfg.Refusals != nil {
			c.t.cfg.Refusals.Refused(LimitWriteQueue, 1)
		}
		c.log.Warn("websocket transport: closing connection", slog.Any("error", ErrQueueFull),
			slog.Int("size", c.out.limit))
		c.cancel()
	}
}

// writeLoop drains the queue onto the socket until the connection ends.
func (c *conn) writeLoop(ctx context.Context) {
	for {
		msg, ok := c.out.pop()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-c.out.ready:
				continue
			}
		}
		if ctx.Err() != nil {
			return
		}
		wctx, cancel := context.WithTimeout(ctx, c.t.cfg.WriteTimeout)
		err := c.ws.Write(wctx, cws.MessageText, msg)
		cancel()
		if err != nil {
			c.log.Debug("websocket transport: write", slog.Any("error", err))
			c.cancel()
			return
		}
	}
}

// readLoop reads messages until the peer goes away, ctx ends or the peer
// stays silent for the idle timeout (the read's context expiring closes the
// socket).
func (c *conn) readLoop(ctx context.Context) {
	for {
		_, data, err := c.read(ctx)
		if err != nil {
			if errors.Is(err, cws.ErrMessageTooBig) { // closed with 1009: counted, as nothing else tells
				c.t.cfg.ConnRefusals.Refused(transports.ReasonTooLarge)
			}
			c.log.Debug("websocket transport: read", slog.Any("error", err))
			return
		}
		objs, bad := splitFrame(data)
		for _, o := range objs {
			if !c.dispatch(ctx, o) {
				return
			}
		}
		if bad != "" {
			c.send(wire.ErrorJSON(wire.CodeInvalidJSON, bad))
		}
	}
}

// read reads one message within the idle timeout.
func (c *conn) read(ctx context.Context) (cws.MessageType, []byte, error) {
	if idle := c.t.cfg.IdleTimeout; idle > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, idle)
		defer cancel()
	}
	return c.ws.Read(ctx)
}

// pingLoop pings the peer every PingInterval and closes the connection when
// a pong does not come back within PongTimeout. The pong is read by
// readLoop, which runs meanwhile.
func (c *conn) pingLoop(ctx context.Context) {
	every := c.t.cfg.PingInterval
	if every <= 0 {
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pctx, cancel := context.WithTimeout(ctx, c.t.cfg.PongTimeout)
		err := c.ws.Ping(pctx)
		cancel()
		if err != nil {
			c.log.Debug("websocket transport: no pong, closing", slog.Any("error", err))
			c.cancel()
			_ = c.ws.CloseNow() // unblocks the reader
			return
		}
	}
}

// dispatch handles one request: "message" requests concurrently, others
// inline, in order. It returns false when ctx ended while waiting.
func (c *conn) dispatch(ctx context.Context, raw []byte) bool {
	v := strings.ToLower(wire.Verb(raw))
	if v != "message" && v != "message_plugin" {
		c.send(c.handle(ctx, raw))
		return true
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	c.reqs.Add(1)
	go func() {
		defer func() {
			<-c.sem
			c.reqs.Done()
		}()
		c.send(c.handle(ctx, raw))
	}()
	return true
}

// handle passes one request to the gateway.
func (c *conn) handle(ctx context.Context, raw []byte) []byte {
	gw := c.t.cfg.Gateway
	if c.t.cfg.Admin {
		return gw.HandleAdmin(ctx, c, raw, core.PathIDs{})
	}
	return gw.HandleJanus(ctx, c, raw, core.PathIDs{})
}

var _ core.Client = (*conn)(nil)
