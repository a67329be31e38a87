package prom

import (
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

// TransportStat is one Janus API transport's counts: the outgoing messages
// (replies and events) it dropped (a full queue, a client that went away,
// a broker that was unreachable) and the connections it refused.
type TransportStat struct {
	Transport string // Janus package name, "janus.transport.rabbitmq"
	Dropped   uint64
	// Refused counts the connections the transport refused, by reason
	// ("limit", "origin", ...): one series per key, none when empty.
	Refused map[string]uint64
}

type transportCollector struct {
	fn               func() []TransportStat
	dropped, refused *prometheus.Desc
}

// NewTransportCollector returns a scrape-time collector of
// argus_transport_dropped_total{transport} and
// argus_transport_connections_refused_total{transport,reason}, read from
// fn at each scrape. fn should list every transport Argus has, running or
// not, with every reason it may refuse for, so that each series exists at
// 0 from start-up.
func NewTransportCollector(fn func() []TransportStat) prometheus.Collector {
	return &transportCollector{
		fn: fn,
		dropped: prometheus.NewDesc("argus_transport_dropped_total",
			"Outgoing Janus API messages (replies, events) a transport dropped: full queue, client gone, broker unreachable.",
			[]string{"transport"}, nil),
		refused: prometheus.NewDesc("argus_transport_connections_refused_total",
			"Connections a transport refused, by reason: a connection cap, shutdown, a bad WebSocket handshake or message.",
			[]string{"transport", "reason"}, nil),
	}
}

func (c *transportCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.dropped
	ch <- c.refused
}

func (c *transportCollector) Collect(ch chan<- prometheus.Metric) {
	seen := map[string]bool{}
	for _, st := range c.fn() {
		if seen[st.Transport] { // duplicate label sets would fail the whole scrape
			continue
		}
		seen[st.Transport] = true
		ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(st.Dropped), st.Transport)
		for _, r := range slices.Sorted(maps.Keys(st.Refused)) {
			ch <- prometheus.MustNewConstMetric(c.refused, prometheus.CounterValue, float64(st.Refused[r]), st.Transport, r)
		}
	}
}

var _ prometheus.Collector = (*transportCollector)(nil)
