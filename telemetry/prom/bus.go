package prom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/telemetry"
)

// SinkStat is one event sink's pipeline health, as the telemetry bus reports
// it; cmd/argus adapts the bus's own stats type to this.
type SinkStat struct {
	Name          string // sink name given to Bus.Attach
	QueueLength   int    // events queued now
	QueueCapacity int    // queue bound
	QueueBytes    int64  // estimated bytes of the queued events (telemetry.WithQueueBytes)
	Exported      uint64 // events handed to the sink, cumulative
	Dropped       uint64 // events dropped (full queue, byte budget, shutdown), cumulative
	ExportErrors  uint64 // failed Export calls, cumulative
	Failed        uint64 // events in batches whose Export failed, cumulative
}

// FromBusStats adapts the bus's stats (telemetry.Bus.Stats) to SinkStat:
//
//	prom.NewBusCollector(func() []prom.SinkStat { return prom.FromBusStats(bus.Stats()) })
func FromBusStats(stats []telemetry.SinkStats) []SinkStat {
	out := make([]SinkStat, len(stats))
	for i, st := range stats {
		out[i] = SinkStat{
			Name: st.Name, QueueLength: st.QueueLen, QueueCapacity: st.QueueCap, QueueBytes: st.QueueBytes,
			Exported: st.Exported, Dropped: st.Dropped, ExportErrors: st.ExportErrors, Failed: st.Failed,
		}
	}
	return out
}

type busCollector struct {
	fn                                                      func() []SinkStat
	length, capacity, bytes, exported, dropped, err, failed *prometheus.Desc
}

// NewBusCollector returns a scrape-time collector of the event pipeline:
// argus_events_queue_length{sink}, argus_events_queue_capacity{sink},
// argus_events_queue_bytes{sink} (the estimate telemetry.WithQueueBytes
// bounds), argus_events_exported_total{sink},
// argus_events_dropped_total{sink}, argus_events_export_errors_total{sink}
// and argus_events_failed_total{sink}, read from fn at each scrape.
func NewBusCollector(fn func() []SinkStat) prometheus.Collector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"sink"}, nil)
	}
	return &busCollector{
		fn:       fn,
		length:   d("argus_events_queue_length", "Events waiting in a sink's queue."),
		capacity: d("argus_events_queue_capacity", "Capacity of a sink's queue."),
		bytes:    d("argus_events_queue_bytes", "Estimated bytes of the events waiting in a sink's queue, as its byte budget counts them."),
		exported: d("argus_events_exported_total", "Events handed to a sink's Export."),
		dropped:  d("argus_events_dropped_total", "Events dropped for a sink: its queue full or over its byte budget, or left at shutdown."),
		err:      d("argus_events_export_errors_total", "Failed Export calls of a sink."),
		failed:   d("argus_events_failed_total", "Events in batches whose Export failed."),
	}
}

func (c *busCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.length, c.capacity, c.bytes, c.exported, c.dropped, c.err, c.failed} {
		ch <- d
	}
}

func (c *busCollector) Collect(ch chan<- prometheus.Metric) {
	if c.fn == nil {
		return
	}
	seen := make(map[string]bool)
	for _, st := range c.fn() {
		if seen[st.Name] { // duplicate label sets would fail the whole scrape
			continue
		}
		seen[st.Name] = true
		ch <- prometheus.MustNewConstMetric(c.length, prometheus.GaugeValue, float64(st.QueueLength), st.Name)
		ch <- prometheus.MustNewConstMetric(c.capacity, prometheus.GaugeValue, float64(st.QueueCapacity), st.Name)
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(st.QueueBytes), st.Name)
		ch <- prometheus.MustNewConstMetric(c.exported, prometheus.CounterValue, float64(st.Exported), st.Name)
		ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(st.Dropped), st.Name)
		ch <- prometheus.MustNewConstMetric(c.err, prometheus.CounterValue, float64(st.ExportErrors), st.Name)
		ch <- prometheus.MustNewConstMetric(c.failed, prometheus.CounterValue, float64(st.Failed), st.Name)
	}
}

var _ prometheus.Collector = (*busCollector)(nil)
