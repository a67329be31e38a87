// Package msgclient is the core.Client of the message-oriented transports
// (Unix sockets, RabbitMQ, MQTT): each inbound message is one Janus or
// Admin API request; responses and asynchronous events leave through one
// bounded queue drained by a writer goroutine the Client owns. Serve runs
// a Client per connection of a stream listener (Unix SOCK_SEQPACKET, or
// TCP with a framing of its own), so such a transport writes only how it
// reads a request and writes a message.
package msgclient

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/wire"
)

// Defaults, those of the WebSocket transport (same clients, same loads).
const (
	DefaultQueue       = 1024
	DefaultMaxInFlight = 32
	DefaultMaxMessage  = 1 << 20 // as the HTTP body and WebSocket message bounds
)

// fullLogEvery is the least time between two "outgoing queue full" log
// lines of one client: a client that stops reading makes every message
// a drop, and a line per drop would flood the log from the push path.
const fullLogEvery = 5 * time.Second

// Out is one outgoing message. Reply is the request's correlation id
// (brokers) for a response, "" for an asynchronous event.
type Out struct {
	Msg   []byte
	Reply string
}

// Config configures a Client.
type Config struct {
	Gateway transports.Gateway
	Admin   bool // requests go to HandleAdmin
	Info    core.TransportInfo
	Logger  *slog.Logger

	Queue       int // outgoing queue bound; DefaultQueue
	MaxInFlight int // concurrent "message" requests; DefaultMaxInFlight
	MaxMessage  int // larger requests get 454 "Request payload too large"; DefaultMaxMessage

	// Layout is the JSON layout of what is sent, Janus's "json" setting of
	// these transports (indented by default in Janus); "" or Compact sends
	// the core's compact JSON as is.
	Layout evhkit.Format

	// Send writes one message; it must honour ctx. An error drops the
	// message (counted in Dropped).
	Send func(ctx context.Context, o Out) error
	// OnFull runs when the queue is full and a message was dropped (the
	// Unix transport closes the connection, brokers only count).
	OnFull func()
	// Drops, if set, counts every drop too: the total of a transport whose
	// clients come and go (the Unix socket's connections).
	Drops *atomic.Uint64

	// Emitter, when set, gets the client's type 128 events as a
	// connection's (janus-reference.md 4.4): Connected, its Event set to
	// "connected", from New, and "disconnected" once Close has told the
	// core. Brokers, whose clients are not connections, leave it nil.
	Emitter    telemetry.Emitter
	ServerName string // the events' emitter
	Connected  telemetry.TransportData
}

// Client is a transport "connection" as the core sees it.
type Client struct {
	cfg     Config
	out     chan Out
	sem     chan struct{}
	ctx     context.Context //nolint:containedctx // the client's lifetime, cancelled by Close
	cancel  context.CancelFunc
	reqs    sync.WaitGroup
	writer  sync.WaitGroup
	dropped atomic.Uint64
	once    sync.Once

	// The queue-full log line: drops since the last line, and when it was
	// written (Unix ns; 0 before the first).
	fullDrops atomic.Uint64
	fullLog   atomic.Int64
	now       func() time.Time
}

// New starts a Client whose writer runs until Close or ctx ends.
func New(ctx context.Context, cfg Config) *Client {
	wire.OrDefault(&cfg.Queue, DefaultQueue)
	wire.OrDefault(&cfg.MaxInFlight, DefaultMaxInFlight)
	wire.OrDefault(&cfg.MaxMessage, DefaultMaxMessage)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{cfg: cfg, out: make(chan Out, cfg.Queue), sem: make(chan struct{}, cfg.MaxInFlight), now: time.Now}
	c.ctx, c.cancel = context.WithCancel(ctx)
	if cfg.Emitter != nil {
		data := cfg.Connected
		data.Event = "connected"
		wire.EmitTransport(cfg.Emitter, cfg.ServerName, cfg.Info, data)
	}
	c.writer.Go(c.writeLoop)
	return c
}

// Info returns the connection's transport info.
func (c *Client) Info() core.TransportInfo { return c.cfg.Info }

// Push queues an asynchronous message of session s; it never blocks.
func (c *Client) Push(_ core.SessionID, msg []byte) { c.enqueue(Out{Msg: msg}) }

// SessionOver needs no bookkeeping: the core stops pushing session s here.
func (c *Client) SessionOver(s core.SessionID, timedOut, claimed bool) {
	c.cfg.Logger.Debug("transport: session over", slog.Uint64("session_id", uint64(s)),
		slog.Bool("timed_out", timedOut), slog.Bool("claimed", claimed))
}

// Dropped counts messages dropped because the queue was full, the client
// was closing or Send failed.
func (c *Client) Dropped() uint64 { return c.dropped.Load() }

// drop counts one dropped message.
func (c *Client) drop() {
	c.dropped.Add(1)
	if c.cfg.Drops != nil {
		c.cfg.Drops.Add(1)
	}
}

// Done is closed when the client is closing.
func (c *Client) Done() <-chan struct{} { return c.ctx.Done() }

// Handle processes one request: "message" requests concurrently (at most
// MaxInFlight, waiting for a slot), others in order before it returns, as
// the WebSocket transport does. reply is echoed in the response's Out.
func (c *Client) Handle(raw []byte, reply string) {
	if len(raw) > c.cfg.MaxMessage {
		c.enqueue(Out{Msg: wire.ErrorJSON(wire.CodeInvalidJSON, "Request payload too large"), Reply: reply})
		return
	}
	if bad := c.invalid(raw); bad != nil {
		c.enqueue(Out{Msg: bad, Reply: reply})
		return
	}
	if v := strings.ToLower(wire.Verb(raw)); v != "message" && v != "message_plugin" {
		c.enqueue(Out{Msg: c.call(raw), Reply: reply})
		return
	}
	select {
	case c.sem <- struct{}{}:
	case <-c.ctx.Done():
		c.drop()
		return
	}
	c.reqs.Add(1)
	go func() {
		defer func() {
			<-c.sem
			c.reqs.Done()
		}()
		c.enqueue(Out{Msg: c.call(raw), Reply: reply})
	}()
}

// invalid returns the answer to a request that is empty or not JSON, or
// nil. Janus's message transports hand a request they cannot parse, an
// empty one included, to the core, which answers a Janus API request 454
// "Invalid Janus API request - <parser error>" and an Admin API request,
// having found no transaction in it, 456 "Missing mandatory element
// (transaction)" (observed with Janus 1.1.2, test/janusref; an empty
// message on RabbitMQ and on a SOCK_DGRAM socket too, whereas Janus's MQTT
// transport ignores one, see transports/mqtt, and an empty SOCK_SEQPACKET
// record reads as the peer's close).
func (c *Client) invalid(raw []byte) []byte {
	if wire.CheckRequest(raw) == nil {
		return nil
	}
	if c.cfg.Admin {
		return wire.ErrorJSON(core.CodeMissingMandatory, "Missing mandatory element (transaction)")
	}
	return wire.ErrorJSON(wire.CodeInvalidJSON, "Invalid Janus API request - "+wire.JSONErrorReason(raw))
}

func (c *Client) call(raw []byte) []byte {
	if c.cfg.Admin {
		return c.cfg.Gateway.HandleAdmin(c.ctx, c, raw, core.PathIDs{})
	}
	return c.cfg.Gateway.HandleJanus(c.ctx, c, raw, core.PathIDs{})
}

// Close stops the client: waits for requests in flight, stops the writer
// (messages still queued are dropped), tells the core the connection is
// gone and emits "disconnected" (Config.Emitter). It is idempotent.
func (c *Client) Close() {
	c.once.Do(func() {
		c.cancel()
		c.reqs.Wait()
		c.writer.Wait()
		c.cfg.Gateway.TransportGone(c)
		wire.EmitTransport(c.cfg.Emitter, c.cfg.ServerName, c.cfg.Info, telemetry.TransportData{Event: "disconnected"})
	})
}

func (c *Client) enqueue(o Out) {
	if c.ctx.Err() != nil {
		c.drop()
		return
	}
	select {
	case c.out <- o:
	default:
		c.drop()
		c.logFull()
		if c.cfg.OnFull != nil {
			c.cfg.OnFull()
		}
	}
}

// logFull counts a drop for a full queue and logs, at most once every
// fullLogEvery, how many were dropped since the previous line.
func (c *Client) logFull() {
	c.fullDrops.Add(1)
	now := c.now().UnixNano()
	last := c.fullLog.Load()
	// A wall clock stepped back (now < last) counts as time gone by: the
	// lines do not stop until it catches up.
	if last != 0 && now >= last && now-last < int64(fullLogEvery) {
		return
	}
	if !c.fullLog.CompareAndSwap(last, now) {
		return // another drop is writing the line
	}
	c.cfg.Logger.Warn("transport: outgoing queue full, messages dropped",
		slog.Int("size", cap(c.out)), slog.Uint64("dropped", c.fullDrops.Swap(0)))
}

func (c *Client) writeLoop() {
	for {
		select {
		case <-c.ctx.Done():
			return
		case o := <-c.out:
			if c.cfg.Layout != "" && c.cfg.Layout != evhkit.Compact {
				if b, err := evhkit.Layout(o.Msg, c.cfg.Layout); err == nil {
					o.Msg = b
				}
			}
			if err := c.cfg.Send(c.ctx, o); err != nil {
				c.drop()
				c.cfg.Logger.Debug("transport: send", slog.Any("error", err))
			}
		}
	}
}
