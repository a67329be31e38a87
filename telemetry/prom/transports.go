package prom

import "github.com/prometheus/client_golang/prometheus"

// TransportStat is one Janus API transport's count of outgoing messages
// (replies and events) it dropped: a full queue, a client that went away,
// a broker that was unreachable.
type TransportStat struct {
	Transport string // Janus package name, "janus.transport.rabbitmq"
	Dropped   uint64
}

type transportCollector struct {
	fn      func() []TransportStat
	dropped *prometheus.Desc
}

// NewTransportCollector returns a scrape-time collector of
// argus_transport_dropped_total{transport}, read from fn at each scrape.
// fn should list every transport Argus has, running or not, so that each
// series exists at 0 from start-up.
func NewTransportCollector(fn func() []TransportStat) prometheus.Collector {
	return &transportCollector{fn: fn, dropped: prometheus.NewDesc("argus_transport_dropped_total",
		"Outgoing Janus API messages (replies, events) a transport dropped: full queue, client gone, broker unreachable.",
		[]string{"transport"}, nil)}
}

func (c *transportCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.dropped }

func (c *transportCollector) Collect(ch chan<- prometheus.Metric) {
	seen := map[string]bool{}
	for _, st := range c.fn() {
		if seen[st.Transport] { // duplicate label sets would fail the whole scrape
			continue
		}
		seen[st.Transport] = true
		ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(st.Dropped), st.Transport)
	}
}

var _ prometheus.Collector = (*transportCollector)(nil)
