package prom

import "github.com/prometheus/client_golang/prometheus"

// stateCollector reads live counts from the core at scrape time.
type stateCollector struct {
	fn                     func() (sessions, handles, peerconnections int)
	sessions, handles, pcs *prometheus.Desc
}

// NewStateCollector returns a collector of the gauges argus_sessions,
// argus_handles and argus_peerconnections, read from fn at each scrape
// (fn must be safe for concurrent use and cheap).
func NewStateCollector(fn func() (sessions, handles, peerconnections int)) prometheus.Collector {
	return &stateCollector{
		fn:       fn,
		sessions: prometheus.NewDesc("argus_sessions", "Janus sessions alive now.", nil, nil),
		handles:  prometheus.NewDesc("argus_handles", "Handles attached now.", nil, nil),
		pcs:      prometheus.NewDesc("argus_peerconnections", "Live PeerConnections, closing ones included until their hangup ran: what -max-peerconnections counts.", nil, nil),
	}
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.sessions
	ch <- c.handles
	ch <- c.pcs
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	if c.fn == nil {
		return
	}
	s, h, p := c.fn()
	ch <- prometheus.MustNewConstMetric(c.sessions, prometheus.GaugeValue, float64(s))
	ch <- prometheus.MustNewConstMetric(c.handles, prometheus.GaugeValue, float64(h))
	ch <- prometheus.MustNewConstMetric(c.pcs, prometheus.GaugeValue, float64(p))
}

var _ prometheus.Collector = (*stateCollector)(nil)
