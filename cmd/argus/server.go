package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	nethttp "net/http"
	"time"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/core/webrtc"
	"github.com/argusrtc/argus/internal/connlimit"
	"github.com/argusrtc/argus/internal/refusals"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/otel"
	"github.com/argusrtc/argus/telemetry/prom"
	"github.com/argusrtc/argus/transports"
	"github.com/argusrtc/argus/transports/http"
	"github.com/argusrtc/argus/transports/websocket"
	"github.com/argusrtc/argus/web"
)

// readHeaderTimeout bounds a client's request headers (slowloris); bodies
// are bounded by the transports themselves.
const readHeaderTimeout = 10 * time.Second

// server is the running composition: telemetry, engine, gateway,
// transports and listeners. It is built once by newServer.
type server struct {
	logger  *slog.Logger
	obs     *observability
	engine  *webrtc.Engine
	gateway *core.Gateway

	httpT   *http.Transport
	wsT     *websocket.Transport
	adminWS *websocket.Transport
	running []transports.Running // self-registered transports (transports.go)
	drops   transportDrops       // their drop counts, for /metrics
	// connRefusals counts every transport's refused connections
	// (argus_transport_connections_refused_total).
	connRefusals *transports.Refusals

	// adminMux is the Admin listener's mux: /admin, and the hook where
	// telemetry sinks mount their endpoints (newTelemetry: /metrics and the
	// console at /console/).
	adminMux *nethttp.ServeMux

	listeners []*listener

	// refusals counts what the limits refused (argus_limit_refused_total);
	// public and admin are the connection budgets of the two listener groups.
	refusals      *refusals.Counters
	public, admin *connlimit.Limiter
	limits        limits
}

// listener is one bound address and its HTTP server.
type listener struct {
	name string
	ln   net.Listener
	srv  *nethttp.Server
}

// newServer builds every component and binds every listener; nothing is
// served until serve. On error, whatever was built is released.
func newServer(ctx context.Context, cfg config, logger *slog.Logger, level *slog.LevelVar) (_ *server, err error) {
	s := &server{logger: logger, adminMux: nethttp.NewServeMux(), limits: cfg.Limits, refusals: newRefusals(),
		connRefusals: transports.NewRefusals()}
	s.public = cfg.Limits.publicLimiter(s.refusals)
	s.admin = connlimit.NewLimiter(cfg.Limits.AdminMaxConns, 0, s.refusals)
	defer func() {
		if err != nil {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
			defer cancel()
			_ = s.shutdown(sctx)
		}
	}()

	s.obs, err = newTelemetry(cfg, logger, s.adminMux) //nolint:contextcheck // sinks live until shutdown, not until ctx ends
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errSinkConfig, err)
	}
	ecfg := engineConfig(cfg, s.obs.bus, logger)
	ecfg.Refusals = s.refusals
	s.engine, err = webrtc.NewEngine(ecfg)
	if err != nil {
		return nil, fmt.Errorf("webrtc engine: %w", err)
	}
	if port, _, ok := s.engine.SharedUDP(); ok {
		logger.Info("ICE: every PeerConnection on one shared UDP port", "port", port, "addresses", s.engine.SharedUDPAddrs())
	} else {
		logger.Info("ICE: a UDP socket per PeerConnection", "rtp_port_range", cfg.RTPPortRange.String())
	}
	gcfg := core.DefaultConfig()
	gcfg.ServerName = cfg.ServerName
	gcfg.APISecret = cfg.APISecret
	gcfg.TokenAuth = cfg.TokenAuth
	gcfg.AdminSecret = cfg.AdminSecret
	gcfg.SessionTimeout = cfg.SessionTimeout // 0 disables, as in Janus
	gcfg.ReclaimTimeout = cfg.ReclaimTimeout
	gcfg.MediaStatsPeriod = cfg.StatsPeriod
	gcfg.NoMediaTimer = cfg.NoMediaTimer
	gcfg.SlowlinkThreshold = cfg.SlowlinkThreshold
	gcfg.HangupOnFailed = cfg.HangupOnFailed
	gcfg.IPv6 = cfg.IPv6
	traceID := otel.TraceIDFunc(cfg.ServerName) // the ids the otel sink gives session traces
	gcfg.TraceID = func(id core.SessionID) string { return traceID(uint64(id)) }
	gcfg.ICELite = cfg.ICELite
	gcfg.PublicIPs = webrtc.PublicIPs(cfg.NAT1To1)
	gcfg.LocalIP = s.engine.LocalIP() // "" keeps core's 0.0.0.0
	gcfg.Engine = s.engine
	gcfg.Emitter = s.obs.bus
	gcfg.EventHandlers = s.obs.handlers
	gcfg.Logger = logger
	gcfg.LogLevel = level
	gcfg.Transports = transportDescs(cfg)
	gcfg.Limits = cfg.Limits.coreLimits()
	gcfg.Refusals = s.refusals
	gcfg.PluginConfigs = cfg.pluginCfg
	s.gateway, err = core.New(ctx, gcfg)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	if err := s.obs.registerGatewayMetrics(s.gateway); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if s.obs.registry != nil {
		if err := errors.Join(s.obs.registry.Register(s.refusals), registerOTelStats(s.obs.registry, s.obs.bus),
			s.obs.registry.Register(prom.NewTransportCollector(s.transportDropStats)),
			registerRuntimeMetrics(s.obs.registry), registerSharedUDPMetrics(s.obs.registry, s.engine)); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	if err := s.buildListeners(cfg); err != nil {
		return nil, err
	}
	if err := s.startTransports(ctx, cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// engineConfig maps the flags onto the WebRTC engine's configuration.
func engineConfig(cfg config, emitter telemetry.Emitter, logger *slog.Logger) webrtc.Config {
	return webrtc.Config{
		ServerName:        cfg.ServerName,
		Emitter:           emitter,
		Logger:            logger.With("component", "webrtc"),
		NAT1To1IPs:        cfg.NAT1To1,
		KeepPrivateHost:   cfg.KeepPrivateHost,
		ICELite:           cfg.ICELite,
		STUNServers:       cfg.STUNServers,
		IncludeLoopback:   cfg.LoopbackCandidates,
		ICEEnforceList:    cfg.ICEEnforceList,
		ICEIgnoreList:     cfg.ICEIgnoreList,
		IPv6:              cfg.IPv6,
		ICEPortMin:        cfg.RTPPortRange.Min,
		ICEPortMax:        cfg.RTPPortRange.Max,
		ICEUDPPort:        uint16(cfg.ICEUDPPort), //nolint:gosec // G115: validate keeps it within 0-65535
		SharedUDP:         cfg.sharedUDP(),
		StatsPeriod:       cfg.StatsPeriod,
		NoMediaTimer:      cfg.NoMediaTimer,
		SlowlinkThreshold: cfg.SlowlinkThreshold,
		HangupOnFailed:    cfg.HangupOnFailed,
	}
}

// buildListeners creates the transports and binds their addresses.
func (s *server) buildListeners(cfg config) error {
	if cfg.HTTPAddr != "" || cfg.AdminAddr != "" {
		s.httpT = http.New(http.Config{
			Gateway:    s.gateway,
			Emitter:    s.obs.bus,
			ServerName: cfg.ServerName,
			Logger:     s.logger.With("transport", http.Package),
			Admin:      cfg.AdminAddr != "",

			AdminAllowOrigin: cfg.Limits.AdminAllowOrigin,
			Refusals:         s.refusals,
			// Read for -http only: the transport's Admin API (-admin)
			// ignores it.
			TrustedProxies: cfg.Limits.TrustedProxies,
		})
	}
	if cfg.HTTPAddr != "" {
		mux := nethttp.NewServeMux()
		mux.Handle(http.DefaultBasePath, s.httpT.JanusHandler())
		mux.Handle(http.DefaultBasePath+"/", s.httpT.JanusHandler())
		mux.Handle("/", web.Handler())
		if err := s.listen("http", cfg.HTTPAddr, mux, s.public, http.Package); err != nil {
			return err
		}
	}
	if cfg.AdminAddr != "" {
		s.adminMux.Handle(http.DefaultAdminBasePath, s.httpT.AdminHandler())
		s.adminMux.Handle(http.DefaultAdminBasePath+"/", s.httpT.AdminHandler())
		if err := s.listen("admin", cfg.AdminAddr, cfg.Limits.metricsGuard(s.adminMux, false), s.admin, http.Package); err != nil {
			return err
		}
	}
	if cfg.Limits.MetricsAddr != "" {
		if err := s.listen("metrics-addr", cfg.Limits.MetricsAddr, cfg.Limits.metricsGuard(s.adminMux, true), s.admin, ""); err != nil {
			return err
		}
	}
	if cfg.WSAddr != "" {
		s.wsT = websocket.New(s.wsConfig(cfg, false))
		if err := s.listen("ws", cfg.WSAddr, s.wsT.Handler(), s.public, websocket.Package); err != nil {
			return err
		}
	}
	if cfg.AdminWSAddr != "" {
		s.adminWS = websocket.New(s.wsConfig(cfg, true))
		if err := s.listen("admin-ws", cfg.AdminWSAddr, s.adminWS.Handler(), s.admin, websocket.Package); err != nil {
			return err
		}
	}
	return nil
}

// wsConfig configures the WebSocket transport of the Janus API or, with
// admin, of the Admin API (which alone checks the Origin).
func (s *server) wsConfig(cfg config, admin bool) websocket.Config {
	c := websocket.Config{
		Gateway:    s.gateway,
		Emitter:    s.obs.bus,
		ServerName: cfg.ServerName,
		Logger:     s.logger.With("transport", websocket.Package),
		Admin:      admin,

		Refusals:     s.refusals,
		ConnRefusals: s.connRefusals.For(websocket.Package),
		PingInterval: cfg.Limits.WSPingInterval,
		IdleTimeout:  cfg.Limits.WSIdleTimeout,
	}
	if admin {
		c.Logger = c.Logger.With("admin", true)
		c.AdminAllowOrigin = cfg.Limits.AdminAllowOrigin
	} else {
		// Only the public listeners read the forwarding header
		// (-trusted-proxies): an Admin API client is its peer.
		c.TrustedProxies = cfg.Limits.TrustedProxies
	}
	return c
}

// listen binds addr now, so a busy port fails startup with a clear error;
// its connections count against budget and get the HTTP deadlines. The
// connections budget refuses count under transport pkg too ("": none, the
// -metrics-addr listener).
func (s *server) listen(name, addr string, h nethttp.Handler, budget *connlimit.Limiter, pkg string) error {
	ln, err := net.Listen("tcp", addr) //nolint:noctx // binding is immediate; the listener lives until shutdown
	if err != nil {
		return fmt.Errorf("-%s: %w", name, err)
	}
	s.listeners = append(s.listeners, &listener{
		name: name,
		ln:   budget.Listen(ln, listenerRefusals{s.connRefusals.For(pkg)}),
		srv:  s.limits.httpServer(h),
	})
	return nil
}

// serve runs every listener until ctx is done (nil) or one fails (its error).
func (s *server) serve(ctx context.Context) error {
	errc := make(chan error, len(s.listeners))
	for _, l := range s.listeners {
		s.logger.Info("listening", "listener", l.name, "addr", l.ln.Addr().String())
		go func() {
			if err := l.srv.Serve(l.ln); !errors.Is(err, nethttp.ErrServerClosed) {
				errc <- fmt.Errorf("%s %s: %w", l.name, l.ln.Addr(), err)
			}
		}()
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		return err
	}
}

// shutdown stops in dependency order: transports (no new requests, long
// polls and sockets released), then the gateway (sessions end and emit
// their last events), then the engine, then the telemetry queues.
func (s *server) shutdown(ctx context.Context) error {
	var errs []error
	s.closeTransports()
	if s.httpT != nil {
		s.httpT.Close()
	}
	if s.wsT != nil {
		s.wsT.Close()
	}
	if s.adminWS != nil {
		s.adminWS.Close()
	}
	for _, l := range s.listeners {
		if err := l.srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", l.name, err))
			_ = l.srv.Close()
		}
		_ = l.ln.Close()
	}
	if s.gateway != nil {
		if err := s.gateway.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("gateway: %w", err))
		}
	}
	if s.engine != nil {
		if err := s.engine.Close(); err != nil {
			errs = append(errs, fmt.Errorf("webrtc engine: %w", err))
		}
	}
	if s.obs != nil {
		if err := s.obs.bus.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("telemetry: %w", err))
		}
	}
	return errors.Join(errs...)
}
