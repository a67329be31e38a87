package prom

import (
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/otel"
)

// SinkName is the metrics sink's name in telemetry's registry and on the
// bus (its "sink" label in argus_events_* metrics).
const SinkName = "prom"

// VideoRoomSinkName is the bus name of the VideoRoom metrics sink, which
// the exporter brings along (dashboards/ query it by this name).
const VideoRoomSinkName = "prom-videoroom"

// videoRoomMask is what VideoRoomSink reads: handle (detached), media
// (reports of subscriber handles) and plugin events (types 2, 32, 64).
const videoRoomMask = telemetry.Mask(telemetry.TypeHandle | telemetry.TypeMedia | telemetry.TypePlugin)

func init() {
	telemetry.RegisterSinkSpec(telemetry.SinkSpec{
		Name:    SinkName,
		Factory: FromSettings,
		Flag:    telemetry.SinkFlag{Name: "metrics", Kind: telemetry.FlagBool, On: true, Usage: "Prometheus metrics at /metrics on the Admin listener"},
		Metrics: true,
	})
}

// Exporter is the metrics exporter: it owns the registry that everything
// else in the process registers its collectors into (it is a
// prometheus.Registerer), turns events into metrics (Sink, and the
// VideoRoom sink it returns as a companion), times every sink's exports
// (the bus's Observer), reads the bus's queues and the gateway's live
// counts at scrape time, and serves the registry over HTTP.
type Exporter struct {
	*Sink
	*prometheus.Registry
	observer  *ExportObserver
	videoRoom *VideoRoomSink
	handler   http.Handler
}

// FromSettings builds the Exporter: a fresh registry, the event sinks,
// the export observer and, when sc has them, the bus and gateway
// collectors. Histogram exemplars carry the otel sink's trace ids for
// sc.ServerName. It takes no settings besides "enabled".
func FromSettings(sc telemetry.SinkConfig) (telemetry.Sink, error) {
	for k := range sc.Settings {
		if k != "enabled" {
			return nil, fmt.Errorf("%q: %w", k, ErrUnknownSetting)
		}
	}
	reg := prometheus.NewRegistry()
	e := &Exporter{Registry: reg, handler: Handler(reg)}
	var sinkNames func() []string
	if sc.BusStats != nil {
		sinkNames = func() []string { return SinkNames(FromBusStats(sc.BusStats())) }
	}
	var err error
	if e.observer, err = NewExportObserver(reg, sinkNames); err != nil {
		return nil, err
	}
	if e.Sink, err = New(reg, WithTraceID(otel.TraceIDFunc(sc.ServerName))); err != nil {
		return nil, err
	}
	if e.videoRoom, err = NewVideoRoomSink(reg); err != nil {
		return nil, err
	}
	if sc.BusStats != nil {
		if err := reg.Register(NewBusCollector(func() []SinkStat { return FromBusStats(sc.BusStats()) })); err != nil {
			return nil, fmt.Errorf("prom: register bus collector: %w", err)
		}
	}
	if sc.Live != nil {
		if err := reg.Register(NewStateCollector(sc.Live)); err != nil {
			return nil, fmt.Errorf("prom: register state collector: %w", err)
		}
	}
	return e, nil
}

// ObserveExport implements telemetry.Observer.
func (e *Exporter) ObserveExport(sink string, n int, d time.Duration, err error) {
	e.observer.ObserveExport(sink, n, d, err)
}

// ServeHTTP serves the registry's metrics (see Handler).
func (e *Exporter) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.handler.ServeHTTP(w, r) }

// Companions returns the VideoRoom sink, to attach as VideoRoomSinkName.
func (e *Exporter) Companions() []telemetry.Companion {
	return []telemetry.Companion{{Name: VideoRoomSinkName, Sink: e.videoRoom, Mask: videoRoomMask}}
}

var (
	_ telemetry.Sink        = (*Exporter)(nil)
	_ telemetry.Observer    = (*Exporter)(nil)
	_ prometheus.Registerer = (*Exporter)(nil)
	_ http.Handler          = (*Exporter)(nil)
)
