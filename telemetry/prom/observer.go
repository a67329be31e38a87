package prom

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/telemetry"
)

// ExportObserver is a telemetry.Observer that records how long each sink's
// Export calls take, as argus_events_export_duration_seconds{sink}. Pass it
// to the bus with telemetry.WithObserver.
type ExportObserver struct {
	hist  *prometheus.HistogramVec
	sinks func() []string
}

// NewExportObserver creates the observer and registers its histogram on reg.
// sinks, when not nil, names the attached sinks at scrape time (e.g. from
// the bus's stats): each of them has a histogram from start-up, empty until
// its first Export.
func NewExportObserver(reg prometheus.Registerer, sinks ...func() []string) (*ExportObserver, error) {
	if reg == nil {
		return nil, ErrNilRegisterer
	}
	o := &ExportObserver{hist: histogramVec("argus_events_export_duration_seconds",
		"Duration of a sink's Export calls.", prometheus.ExponentialBuckets(0.0001, 4, 10), "sink")}
	for _, fn := range sinks {
		if fn != nil {
			o.sinks = fn
		}
	}
	if err := reg.Register(o); err != nil {
		return nil, fmt.Errorf("prom: register export observer: %w", err)
	}
	return o, nil
}

// Describe implements prometheus.Collector.
func (o *ExportObserver) Describe(ch chan<- *prometheus.Desc) { o.hist.Describe(ch) }

// Collect implements prometheus.Collector.
func (o *ExportObserver) Collect(ch chan<- prometheus.Metric) {
	if o.sinks != nil {
		for _, name := range o.sinks() {
			o.hist.WithLabelValues(name)
		}
	}
	o.hist.Collect(ch)
}

// SinkNames returns the names of stats, for NewExportObserver:
//
//	prom.NewExportObserver(reg, func() []string { return prom.SinkNames(prom.FromBusStats(bus.Stats())) })
func SinkNames(stats []SinkStat) []string {
	out := make([]string, len(stats))
	for i, st := range stats {
		out[i] = st.Name
	}
	return out
}

// ObserveExport implements telemetry.Observer.
func (o *ExportObserver) ObserveExport(sink string, _ int, d time.Duration, _ error) {
	o.hist.WithLabelValues(sink).Observe(d.Seconds())
}

var (
	_ telemetry.Observer   = (*ExportObserver)(nil)
	_ prometheus.Collector = (*ExportObserver)(nil)
)
