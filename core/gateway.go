package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/argusrtc/argus/telemetry"
)

// Gateway is the transport-neutral Janus core: sessions, handles, plugins,
// the Janus API and the Admin API. Transports call HandleJanus/HandleAdmin.
type Gateway struct {
	cfg   Config
	log   *slog.Logger
	epoch time.Time // origin of the monotonic µs clock of the Admin API

	plugins     map[string]Plugin // read-only after New
	pluginOrder []string

	ctx    context.Context //nolint:containedctx // the gateway's lifetime, cancelled by Shutdown
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	sessions  map[SessionID]*session
	perIP     map[string]int                 // live sessions by client address (Limits.MaxSessionsPerIP)
	tokens    map[string]map[string]struct{} // stored token -> allowed plugins
	accepting bool
	closed    bool

	peers      atomic.Int64   // live PeerConnections, closing ones included (Limits.MaxPeerConnections)
	peerMu     sync.Mutex     // guards peersPerIP, see acquirePeer
	peersPerIP map[string]int // live PeerConnections by client address (Limits.MaxPeerConnectionsPerIP)

	sessionTimeout atomic.Int64 // global, ns; 0 = never
	signum         atomic.Int64
	admin          adminSettings
	shutdownOnce   sync.Once
}

// Counts are the live table sizes, for scrape-time metrics.
type Counts struct {
	Sessions        int
	Handles         int
	PeerConnections int
}

// New builds a gateway, initialises every registered plugin (or those named
// in cfg.Plugins) and emits the core "started" event. The watchdog and
// status goroutines live until Shutdown.
func New(ctx context.Context, cfg Config) (*Gateway, error) {
	cfg = cfg.withDefaults()
	g := &Gateway{
		cfg:        cfg,
		log:        cfg.Logger,
		epoch:      time.Now(),
		plugins:    map[string]Plugin{},
		sessions:   map[SessionID]*session{},
		perIP:      map[string]int{},
		peersPerIP: map[string]int{},
		tokens:     map[string]map[string]struct{}{},
		accepting:  true,
	}
	g.sessionTimeout.Store(int64(cfg.SessionTimeout))
	g.admin = newAdminSettings(cfg)
	if err := g.loadPlugins(ctx); err != nil {
		_ = g.destroyPlugins(ctx) // the load error is the one to report
		return nil, err
	}
	g.ctx, g.cancel = context.WithCancel(context.WithoutCancel(ctx))
	g.emit(telemetry.TypeCore, telemetry.SubtypeCoreStartup, 0, 0, "",
		telemetry.CoreStatusBody{Status: "started", Info: mustJSON(g.serverInfo(nil))})
	g.every(cfg.WatchdogInterval, g.checkTimeouts)
	if cfg.StatusPeriod > 0 {
		g.every(cfg.StatusPeriod, g.emitStatus)
	}
	return g, nil
}

func (g *Gateway) loadPlugins(ctx context.Context) error {
	names := g.cfg.Plugins
	if names == nil {
		names = RegisteredPlugins()
	}
	var list []Plugin
	for _, n := range names {
		f, ok := registeredPlugin(n)
		if !ok {
			return fmt.Errorf("%w: %q", ErrUnknownPlugin, n)
		}
		list = append(list, f())
	}
	list = append(list, g.cfg.PluginInstances...)
	for _, p := range list {
		pkg := p.Info().Package
		if _, dup := g.plugins[pkg]; dup {
			return fmt.Errorf("%w: %q", ErrDuplicatePlugin, pkg)
		}
		g.plugins[pkg] = p
		g.pluginOrder = append(g.pluginOrder, pkg)
		host := &pluginHost{g: g, pkg: pkg, log: g.log.With("plugin", pkg)}
		if err := p.Init(ctx, host, g.cfg.PluginConfigs[pkg]); err != nil {
			return fmt.Errorf("core: init plugin %s: %w", pkg, err)
		}
	}
	return nil
}

func (g *Gateway) destroyPlugins(ctx context.Context) error {
	var errs []error
	for _, pkg := range g.pluginOrder {
		if err := g.plugins[pkg].Destroy(ctx); err != nil {
			errs = append(errs, fmt.Errorf("core: destroy plugin %s: %w", pkg, err))
		}
	}
	return errors.Join(errs...)
}

// SetShutdownSignal records the signal number reported by the core
// "shutdown" event (0 when not stopped by a signal).
func (g *Gateway) SetShutdownSignal(signum int) { g.signum.Store(int64(signum)) }

// Shutdown destroys every session (emitting their events), destroys the
// plugins, emits the core "shutdown" event and stops the gateway's
// goroutines. Later calls return nil. Requests after Shutdown fail.
func (g *Gateway) Shutdown(ctx context.Context) error {
	var err error
	g.shutdownOnce.Do(func() {
		g.mu.Lock()
		g.closed = true
		g.accepting = false
		g.mu.Unlock()
		for _, s := range g.sessionList() {
			g.destroySession(s, endDestroyed)
		}
		g.cancel()
		done := make(chan struct{})
		go func() { g.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			err = ctx.Err()
		}
		err = errors.Join(err, g.destroyPlugins(ctx))
		g.emit(telemetry.TypeCore, telemetry.SubtypeCoreShutdown, 0, 0, "",
			telemetry.CoreShutdownBody{Status: "shutdown", Signum: g.signum.Load()})
	})
	return err
}

// Counts returns the number of sessions, handles and PeerConnections.
// PeerConnections is what Limits.MaxPeerConnections counts: the live ones,
// those still closing included until their Hangup ran (an operator seeing
// 490 refusals sees the count at the limit).
func (g *Gateway) Counts() Counts {
	list := g.sessionList()
	var c Counts
	c.Sessions = len(list)
	for _, s := range list {
		c.Handles += len(s.handleList())
	}
	c.PeerConnections = int(g.peers.Load())
	return c
}

// monoMicros is the Admin API's monotonic clock in µs.
func (g *Gateway) monoMicros(t time.Time) int64 { return t.Sub(g.epoch).Microseconds() + 1 }

// sessionList snapshots the live sessions.
func (g *Gateway) sessionList() []*session { return lockedValues(&g.mu, g.sessions) }

// lockedValues snapshots the values of a map that mu guards.
func lockedValues[K comparable, V any](mu *sync.Mutex, m map[K]V) []V {
	mu.Lock()
	defer mu.Unlock()
	return slices.Collect(maps.Values(m))
}

// every runs f every period until Shutdown (one of the gateway's goroutines).
func (g *Gateway) every(period time.Duration, f func(now time.Time)) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-g.ctx.Done():
				return
			case now := <-t.C:
				f(now)
			}
		}
	}()
}

// emitStatus emits the periodic core "update" event (Janus master).
func (g *Gateway) emitStatus(time.Time) {
	c := g.Counts()
	g.emit(telemetry.TypeCore, telemetry.SubtypeCoreStartup, 0, 0, "",
		telemetry.CoreStatusBody{Status: "update", Info: mustJSON(telemetry.CoreCounts{
			Sessions: c.Sessions, Handles: c.Handles, PeerConnections: c.PeerConnections,
			StatsPeriod: int(g.cfg.MediaStatsPeriod / time.Second),
		})})
}

// pluginHost is the Host a plugin gets at Init.
type pluginHost struct {
	g   *Gateway
	pkg string
	log *slog.Logger
}

// EmitEvent emits a type 64 event with a PluginBody.
func (p *pluginHost) EmitEvent(h Handle, data any) {
	var sid SessionID
	var hid HandleID
	var opaque string
	if h != nil {
		sid, hid, opaque = h.SessionID(), h.ID(), h.OpaqueID()
	}
	p.g.emit(telemetry.TypePlugin, 0, sid, hid, opaque, telemetry.PluginBody{Plugin: p.pkg, Data: data})
}

// Logger returns the plugin's logger (attribute plugin).
func (p *pluginHost) Logger() *slog.Logger { return p.log }

// Refused counts a plugin's refusals (argus_limit_refused_total{limit})
// with the core's own.
func (p *pluginHost) Refused(limit string, n int) { p.g.refused(limit, n) }

// MaxSDPMLines returns the core's m-line bound on a client SDP
// (Limits.MaxMLines, -max-sdp-mlines), its default applied; 0 when the
// bound is disabled.
func (p *pluginHost) MaxSDPMLines() int { return p.g.cfg.Limits.MaxMLines }

var (
	_ Host                            = (*pluginHost)(nil)
	_ RefusalCounter                  = (*pluginHost)(nil)
	_ interface{ MaxSDPMLines() int } = (*pluginHost)(nil)
)
