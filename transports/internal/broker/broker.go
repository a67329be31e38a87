// Package broker is what the broker transports (RabbitMQ, MQTT) share: the
// Janus API client and the optional Admin API client that stand for "the
// application behind the broker" (one core.Client each, as in Janus), the
// connection state and its type 128 events, and the registration of a
// transport configured by one URL flag.
package broker

import (
	"context"
	"flag"
	"log/slog"
	"net"
	"strconv"
	"sync/atomic"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/internal/msgclient"
	"github.com/argusrtc/argus/transports/internal/wire"
)

// Config configures Clients.
type Config struct {
	transports.Deps // gateway, emitter, server name, logger

	Package string
	Host    string // the broker, for TransportInfo and events
	Port    int
	Queue   int           // outgoing queue per client (msgclient default)
	Admin   bool          // also serve the Admin API
	Layout  evhkit.Format // JSON layout of what is published (Janus's "json")
	// The type 128 events of the broker connection, as the Janus
	// transport emits them: "connected" at every connection (MQTT) or at
	// the first only (ConnectedOnce: RabbitMQ, whose Janus transport
	// emits it once at setup), and LostEvent when a connection is lost
	// ("" none: RabbitMQ; MQTT "reconnecting").
	ConnectedOnce bool
	LostEvent     string
	// Send publishes one message of the Janus (admin false) or Admin API.
	Send func(ctx context.Context, admin bool, o msgclient.Out) error
}

// Clients is the Janus API client, the Admin API client (nil unless
// enabled) and the broker connection state.
type Clients struct {
	Janus, Admin *msgclient.Client

	cfg       Config
	connected atomic.Bool
	connects  atomic.Uint64
}

// New starts the clients; their writers run until Close or ctx ends.
func New(ctx context.Context, cfg Config) *Clients {
	c := &Clients{cfg: cfg}
	mk := func(admin bool) *msgclient.Client {
		info := core.TransportInfo{Package: cfg.Package, ConnID: core.RandomID(), RemoteIP: cfg.Host, RemotePort: cfg.Port, Admin: admin}
		return msgclient.New(ctx, msgclient.Config{
			Gateway: cfg.Gateway, Admin: admin, Info: info, Queue: cfg.Queue, Layout: cfg.Layout,
			Logger: cfg.Logger.With(slog.Bool("admin", admin)),
			Send:   func(ctx context.Context, o msgclient.Out) error { return cfg.Send(ctx, admin, o) },
		})
	}
	c.Janus = mk(false)
	if cfg.Admin {
		c.Admin = mk(true)
	}
	return c
}

// Up records a (re)connection and emits "connected" (Config.ConnectedOnce:
// at the first connection only), one event for both APIs, as Janus 1.1.2
// does (test/janusref), with the Janus API client's id and, an Argus
// extension, the broker's address.
func (c *Clients) Up() {
	n := c.connects.Add(1)
	c.connected.Store(true)
	if n == 1 || !c.cfg.ConnectedOnce {
		c.emit("connected")
	}
}

// Down records a lost connection and emits Config.LostEvent, if any.
func (c *Clients) Down() {
	c.connected.Store(false)
	if c.cfg.LostEvent != "" {
		c.emit(c.cfg.LostEvent)
	}
}

// Connected reports whether the transport is consuming from the broker.
func (c *Clients) Connected() bool { return c.connected.Load() }

// Connects counts successful connections (1 + reconnections).
func (c *Clients) Connects() uint64 { return c.connects.Load() }

// Dropped counts messages that could not be published.
func (c *Clients) Dropped() uint64 {
	n := c.Janus.Dropped()
	if c.Admin != nil {
		n += c.Admin.Dropped()
	}
	return n
}

// Close ends both clients (TransportGone for each).
func (c *Clients) Close() {
	c.Janus.Close()
	if c.Admin != nil {
		c.Admin.Close()
	}
}

func (c *Clients) emit(event string) {
	addr := net.JoinHostPort(c.cfg.Host, strconv.Itoa(c.cfg.Port))
	wire.EmitTransport(c.cfg.Emitter, c.cfg.ServerName, c.Janus.Info(), telemetry.TransportData{Event: event, Broker: addr})
}

// Register registers a broker transport configured by one URL flag: parse
// turns the flag's value into the transport's config C, deps points to the
// Deps inside it, which get the transport's (their logger tagged with
// pkg), and start starts it.
func Register[C any, T transports.Running](pkg string, info core.ModuleInfo, flagName, usage string,
	parse func(url string) (C, error), deps func(*C) *transports.Deps, start func(context.Context, C) (T, error),
) {
	transports.Register(transports.Registration{
		Package: pkg, Info: info,
		Flags: func(fs *flag.FlagSet) transports.Setup {
			s := &urlSetup{start: func(ctx context.Context, url string, d transports.Deps) (transports.Running, error) {
				cfg, err := parse(url)
				if err != nil {
					return nil, err
				}
				d.Logger = d.Logger.With("transport", pkg)
				*deps(&cfg) = d
				return start(ctx, cfg)
			}}
			fs.StringVar(&s.url, flagName, "", usage)
			return s
		},
	})
}

type urlSetup struct {
	url   string
	start func(ctx context.Context, url string, d transports.Deps) (transports.Running, error)
}

func (s *urlSetup) Enabled() bool { return s.url != "" }

func (s *urlSetup) Start(ctx context.Context, d transports.Deps) (transports.Running, error) {
	return s.start(ctx, s.url, d)
}
