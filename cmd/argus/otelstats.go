package main

import (
	"errors"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/otel"
)

// otelStatser is the otel sink's view of its exporter (telemetry/otel).
type otelStatser interface {
	ExportStats() otel.ExportStats
}

// otelCollector exports the OpenTelemetry sink's span counts: what the SDK
// would otherwise drop or fail with no more than a log line.
type otelCollector struct {
	stats  func() otel.ExportStats
	spans  *prometheus.Desc
	errors *prometheus.Desc
}

func (c *otelCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.spans
	ch <- c.errors
}

func (c *otelCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.stats()
	for _, o := range []struct {
		outcome string
		n       uint64
	}{{"ended", st.Ended}, {"dropped", st.Dropped}, {"exported", st.Exported}, {"failed", st.Failed}} {
		ch <- prometheus.MustNewConstMetric(c.spans, prometheus.CounterValue, float64(o.n), o.outcome)
	}
	ch <- prometheus.MustNewConstMetric(c.errors, prometheus.CounterValue, float64(st.ExportErrors))
}

// registerOTelStats registers the otel sink's counters, if the sink is
// attached to bus and metrics are on.
func registerOTelStats(reg prometheus.Registerer, bus *telemetry.Bus) error {
	if reg == nil {
		return nil
	}
	s, ok := bus.Sink(otel.SinkName)
	if !ok {
		return nil
	}
	st, ok := s.(otelStatser)
	if !ok {
		return nil
	}
	return reg.Register(&otelCollector{
		stats: st.ExportStats,
		spans: prometheus.NewDesc("argus_otel_spans_total",
			"Spans of the OpenTelemetry sink by outcome: ended (sampled), dropped (export queue full), exported, failed (export error or timeout).",
			[]string{"outcome"}, nil),
		errors: prometheus.NewDesc("argus_otel_export_errors_total", "Failed OpenTelemetry export calls.", nil, nil),
	})
}

// registerRuntimeMetrics adds argus_goroutines and the standard process_*
// collector (open fds, resident memory): what the hardening limits bound and
// test/adversarial watches. (The go_* collector is left out: its memstats
// names clash in OpenMetrics.) A process collector already registered is fine.
func registerRuntimeMetrics(reg prometheus.Registerer) error {
	var errs []error
	for _, c := range []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "argus_goroutines", Help: "Goroutines that exist now."},
			func() float64 { return float64(runtime.NumGoroutine()) }),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
