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
	hist *prometheus.HistogramVec
}

// NewExportObserver creates the observer and registers its histogram on reg.
func NewExportObserver(reg prometheus.Registerer) (*ExportObserver, error) {
	if reg == nil {
		return nil, ErrNilRegisterer
	}
	o := &ExportObserver{hist: histogramVec("argus_events_export_duration_seconds",
		"Duration of a sink's Export calls.", prometheus.ExponentialBuckets(0.0001, 4, 10), "sink")}
	if err := reg.Register(o.hist); err != nil {
		return nil, fmt.Errorf("prom: register export observer: %w", err)
	}
	return o, nil
}

// ObserveExport implements telemetry.Observer.
func (o *ExportObserver) ObserveExport(sink string, _ int, d time.Duration, _ error) {
	o.hist.WithLabelValues(sink).Observe(d.Seconds())
}

var _ telemetry.Observer = (*ExportObserver)(nil)
