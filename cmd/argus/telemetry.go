package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	nethttp "net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/core"
	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/otel"
	"github.com/argusrtc/argus/telemetry/prom"
)

// videoRoomSinkName is the bus name of the VideoRoom metrics sink (its
// "sink" label in argus_telemetry_* metrics), as in dashboards/.
const videoRoomSinkName = "prom-videoroom"

// videoRoomMask is what prom.VideoRoomSink reads: handle (detached), media
// (reports of subscriber handles) and plugin events (types 2, 32, 64).
const videoRoomMask = telemetry.Mask(telemetry.TypeHandle | telemetry.TypeMedia | telemetry.TypePlugin)

// errSinkSetting reports a malformed -sink-opt.
var errSinkSetting = errors.New("invalid sink setting")

// observability is the event bus, its sinks and the metrics registry.
type observability struct {
	bus      *telemetry.Bus
	registry *prometheus.Registry // nil when -metrics=false
	// handlers answer Admin query_eventhandler, by Janus package name.
	handlers map[string]core.EventHandler
}

// newTelemetry builds the event bus every component emits into and
// attaches the metrics sinks and every registered sink whose flag is on
// (sinkflags.go). On adminMux, the Admin listener's mux, it serves
// Prometheus /metrics and the history sink's console (console.go, behind
// the admin guard).
func newTelemetry(cfg config, logger *slog.Logger, adminMux *nethttp.ServeMux) (_ *observability, err error) {
	o := &observability{handlers: map[string]core.EventHandler{}}
	busOpts := []telemetry.BusOption{telemetry.WithLogger(logger.With("component", "telemetry"))}
	if cfg.Metrics {
		o.registry = prometheus.NewRegistry()
		obs, err := prom.NewExportObserver(o.registry, func() []string { return prom.SinkNames(prom.FromBusStats(o.bus.Stats())) })
		if err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
		busOpts = append(busOpts, telemetry.WithObserver(obs))
	}
	o.bus = telemetry.NewBus(busOpts...)
	defer func() {
		if err != nil {
			ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			_ = o.bus.Shutdown(ctx)
		}
	}()

	settings, err := parseSinkOpts(cfg.SinkOpts)
	if err != nil {
		return nil, err
	}
	if cfg.Metrics {
		s, err := prom.New(o.registry, prom.WithTraceID(otel.TraceIDFunc(cfg.ServerName)))
		if err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
		if err := o.bus.Attach("prom", s, telemetry.MaskAll); err != nil {
			return nil, err
		}
		vr, err := prom.NewVideoRoomSink(o.registry)
		if err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
		if err := o.bus.Attach(videoRoomSinkName, vr, videoRoomMask); err != nil {
			return nil, err
		}
		adminMux.Handle("/metrics", prom.Handler(o.registry))
	}
	for _, spec := range sinkSpecs() {
		if spec.Flag.Name == "" || !cfg.sinkEnabled(spec) {
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

// registerGatewayMetrics adds the scrape-time collectors that read the
// gateway's live counts and the bus's queues.
func (o *observability) registerGatewayMetrics(gw *core.Gateway) error {
	if o.registry == nil {
		return nil
	}
	return errors.Join(
		o.registry.Register(prom.NewStateCollector(func() (int, int, int) {
			n := gw.Counts()
			return n.Sessions, n.Handles, n.PeerConnections
		})),
		o.registry.Register(prom.NewBusCollector(func() []prom.SinkStat { return prom.FromBusStats(o.bus.Stats()) })),
	)
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
