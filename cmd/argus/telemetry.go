package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	nethttp "net/http"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
)

// errSinkSetting reports a malformed -sink-opt.
var errSinkSetting = errors.New("invalid sink setting")

// metricsPath is where the metrics exporter is served on the Admin
// listener (or on -metrics-addr; limits.go guards it).
const metricsPath = "/metrics"

// metricsExporter is the registered sink that owns the metrics registry
// (telemetry.SinkSpec.Metrics): every other part registers its collectors
// into it; it times the bus's exports and serves /metrics.
type metricsExporter interface {
	telemetry.Sink
	telemetry.Observer
	prometheus.Registerer
	nethttp.Handler
}

// companionSinks is a sink that brings more sinks to attach after it.
type companionSinks interface {
	Companions() []telemetry.Companion
}

// observability is the event bus, its sinks and the metrics registry.
type observability struct {
	bus *telemetry.Bus
	// registry is the metrics exporter's; nil when metrics are off.
	registry prometheus.Registerer
	// handlers answer Admin query_eventhandler, by Janus package name.
	handlers map[string]core.EventHandler
	// gateway feeds the live counts the exporter reads at scrape time.
	gateway atomic.Pointer[core.Gateway]
}

// newTelemetry builds the event bus every component emits into and
// attaches every registered sink whose flag is on (sinkflags.go), the
// metrics exporter first. On adminMux, the Admin listener's mux, it
// serves the exporter at /metrics and the history sink's console
// (console.go, behind the admin guard).
func newTelemetry(cfg config, logger *slog.Logger, adminMux *nethttp.ServeMux) (_ *observability, err error) {
	o := &observability{handlers: map[string]core.EventHandler{}}
	settings, err := parseSinkOpts(cfg.SinkOpts)
	if err != nil {
		return nil, err
	}
	exp, expSpec, err := o.newMetricsExporter(cfg, logger, settings)
	if err != nil {
		return nil, err
	}
	busOpts := []telemetry.BusOption{telemetry.WithLogger(logger.With("component", "telemetry"))}
	if exp != nil {
		o.registry = exp
		busOpts = append(busOpts, telemetry.WithObserver(exp))
	}
	o.bus = telemetry.NewBus(busOpts...)
	defer func() {
		if err != nil {
			ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			_ = o.bus.Shutdown(ctx)
		}
	}()
	if exp != nil {
		if err := o.attachExporter(expSpec, exp); err != nil {
			return nil, err
		}
		adminMux.Handle(metricsPath, exp)
	}
	for _, spec := range sinkSpecs() {
		if spec.Flag.Name == "" || spec.Metrics || !cfg.sinkEnabled(spec) {
			continue
		}
		if spec.Flag.Kind == telemetry.FlagURL && spec.Flag.Setting != "" {
			settings[spec.Name] = withSetting(settings[spec.Name], spec.Flag.Setting, cfg.Sinks[spec.Name])
		}
		if _, err := o.attach(cfg, logger, spec, settings[spec.Name]); err != nil {
			return nil, err
		}
	}
	for name := range settings {
		if _, ok := o.bus.Sink(name); !ok {
			return nil, fmt.Errorf("%w: -sink-opt for %q, which is not enabled", errSinkSetting, name)
		}
	}
	mountConsole(adminMux, cfg, o.bus)
	return o, nil
}

// metricsSpec returns the metrics exporter's description when its flag
// is on.
func (c *config) metricsSpec() (telemetry.SinkSpec, bool) {
	for _, spec := range sinkSpecs() {
		if spec.Metrics && c.sinkEnabled(spec) {
			return spec, true
		}
	}
	return telemetry.SinkSpec{}, false
}

// metricsEnabled reports whether a metrics exporter is on (-metrics).
func (c *config) metricsEnabled() bool {
	_, ok := c.metricsSpec()
	return ok
}

// newMetricsExporter builds the metrics exporter, before the bus: it
// reads the bus's stats and the gateway's counts only when scraped. It
// returns nil when metrics are off.
func (o *observability) newMetricsExporter(cfg config, logger *slog.Logger, settings map[string]map[string]string) (metricsExporter, telemetry.SinkSpec, error) {
	spec, ok := cfg.metricsSpec()
	if !ok {
		return nil, spec, nil
	}
	s, err := telemetry.NewSink(spec.Name, telemetry.SinkConfig{
		ServerName: cfg.ServerName,
		Logger:     logger.With("sink", spec.Name),
		Settings:   settings[spec.Name],
		BusStats:   func() []telemetry.SinkStats { return o.bus.Stats() },
		Live: func() (int, int, int) {
			gw := o.gateway.Load()
			if gw == nil {
				return 0, 0, 0
			}
			n := gw.Counts()
			return n.Sessions, n.Handles, n.PeerConnections
		},
	})
	if err != nil {
		return nil, spec, err // names the sink, so -metrics heads the message
	}
	exp, ok := s.(metricsExporter)
	if !ok {
		return nil, spec, errors.Join(fmt.Errorf("sink %q is no metrics exporter (Observer, Registerer, http.Handler)", spec.Name),
			s.Shutdown(context.Background()))
	}
	return exp, spec, nil
}

// attachExporter attaches the metrics exporter with every event, then its
// companions with their own masks.
func (o *observability) attachExporter(spec telemetry.SinkSpec, exp metricsExporter) error {
	if err := o.bus.Attach(spec.Name, exp, telemetry.MaskAll, spec.Queue...); err != nil {
		return errors.Join(err, exp.Shutdown(context.Background()))
	}
	cs, ok := exp.(companionSinks)
	if !ok {
		return nil
	}
	for _, c := range cs.Companions() {
		if err := o.bus.Attach(c.Name, c.Sink, c.Mask); err != nil {
			return errors.Join(err, c.Sink.Shutdown(context.Background()))
		}
	}
	return nil
}

// attach builds a registered sink from its settings and attaches it with
// the mask of its "events" setting (default all, as Janus) and its
// described queue options; a sink that names a Janus module answers
// server_info "events" and query_eventhandler under it.
func (o *observability) attach(cfg config, logger *slog.Logger, spec telemetry.SinkSpec, settings map[string]string) (telemetry.Sink, error) {
	name := spec.Name
	s, err := telemetry.NewSink(name, telemetry.SinkConfig{
		ServerName: cfg.ServerName,
		Logger:     logger.With("sink", name),
		Settings:   settings,
		Emitter:    o.bus,
	})
	if err != nil {
		return nil, err
	}
	mask := telemetry.MaskAll
	if ev, ok := settings["events"]; ok {
		mask = telemetry.ParseMask(ev)
	}
	if err := o.bus.Attach(name, s, mask, spec.Queue...); err != nil {
		return nil, errors.Join(err, s.Shutdown(context.Background()))
	}
	if spec.Handler.Package != "" {
		o.handlers[spec.Handler.Package] = newEventHandler(spec.Handler, s)
	} else if q, ok := s.(telemetry.Querier); ok {
		o.handlers[q.EventHandlerName()] = q
	}
	if err := o.registerSinkMetrics(name, s); err != nil {
		return nil, errors.Join(err, s.Shutdown(context.Background()))
	}
	return s, nil
}

// registerGatewayMetrics lets the metrics exporter read the gateway's
// live counts (argus_sessions, argus_handles, argus_peerconnections).
func (o *observability) registerGatewayMetrics(gw *core.Gateway) error {
	o.gateway.Store(gw)
	return nil
}

// parseSinkOpts turns "sink.key=value" entries into settings by sink.
func parseSinkOpts(opts []string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, opt := range opts {
		kv, value, ok := strings.Cut(opt, "=")
		sink, key, ok2 := strings.Cut(kv, ".")
		if !ok || !ok2 || sink == "" || key == "" {
			return nil, fmt.Errorf("%w %q: want sink.key=value", errSinkSetting, opt)
		}
		out[sink] = withSetting(out[sink], key, value)
	}
	return out, nil
}

// withSetting returns m (allocated if nil) with key set.
func withSetting(m map[string]string, key, value string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[key] = value
	return m
}
