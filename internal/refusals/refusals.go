// Package refusals counts what Argus's limits refused or dropped (early
// trickles, handles, SDPs, queue overflows, connections) and exposes the
// counts to Prometheus as argus_limit_refused_total{limit="..."}.
//
// Counting is an atomic add on a map fixed at construction, so it is safe on
// request paths and costs nothing at scrape time beyond reading the values;
// every known limit is exported from start-up, at 0.
package refusals

import (
	"slices"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Other is the label of refusals of a limit name not given to New.
const Other = "other"

// Counters counts refusals by limit name. The zero value is not usable;
// create it with New. Safe for concurrent use.
type Counters struct {
	by   map[string]*atomic.Uint64 // read-only after New
	desc *prometheus.Desc
}

// New returns Counters for the given limit names (plus Other).
func New(limits ...string) *Counters {
	c := &Counters{
		by: map[string]*atomic.Uint64{Other: new(atomic.Uint64)},
		desc: prometheus.NewDesc("argus_limit_refused_total",
			"Requests, items and connections refused or dropped by a limit (docs/SECURITY.md), by limit.",
			[]string{"limit"}, nil),
	}
	for _, l := range limits {
		c.by[l] = new(atomic.Uint64)
	}
	return c
}

// Refused adds n refusals of limit; n <= 0 is ignored.
func (c *Counters) Refused(limit string, n int) {
	if c == nil || n <= 0 {
		return
	}
	v, ok := c.by[limit]
	if !ok {
		v = c.by[Other]
	}
	v.Add(uint64(n))
}

// Count returns the refusals of limit so far.
func (c *Counters) Count(limit string) uint64 {
	if v, ok := c.by[limit]; ok {
		return v.Load()
	}
	return 0
}

// Limits returns the known limit names, sorted.
func (c *Counters) Limits() []string {
	out := make([]string, 0, len(c.by))
	for l := range c.by {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// Describe implements prometheus.Collector.
func (c *Counters) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *Counters) Collect(ch chan<- prometheus.Metric) {
	for _, l := range c.Limits() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(c.by[l].Load()), l)
	}
}

var _ prometheus.Collector = (*Counters)(nil)
