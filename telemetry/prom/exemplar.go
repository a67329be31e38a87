package prom

import (
	"sort"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/telemetry"
)

// exemplar resolves, at most once per event, the trace id of the event's
// session; at is the event's time (µs), for exemplarInterval.
type exemplar struct {
	fn      func(sessionID uint64) string
	session uint64
	at      int64
	done    bool
	labels  prometheus.Labels
}

func (x *exemplar) get() prometheus.Labels {
	if x == nil || x.fn == nil || x.session == 0 {
		return nil
	}
	if !x.done {
		x.done = true
		if id := x.fn(x.session); id != "" {
			x.labels = prometheus.Labels{"trace_id": id}
		}
	}
	return x.labels
}

// exemplarInterval is the least time between two exemplars of one bucket
// of one series of a media report histogram (jitter, RTT, quality). A
// classic histogram keeps the last exemplar of each bucket and a scrape
// (every 5 to 60 s) shows only that one, while every exemplar costs client_golang half a dozen allocations: with media
// reports every second per stream, nearly all of them were overwritten
// unseen. An observation within the interval is counted without one; an
// exemplar that is made is what it was before (value, time, trace id).
const exemplarInterval = 10 * 1_000_000 // µs, as event timestamps

// maxExemplarSeries bounds the exemplar times kept. The histograms'
// labels are node-level (media kind, direction), so a few dozen series
// exist; past the bound, observations carry exemplars as before.
const maxExemplarSeries = 256

// bucketTimes is when each bucket of one series last got an exemplar (µs;
// 0 for never), the +Inf bucket last.
type bucketTimes []int64

// observe records v into o, a series of a histogram with upper bounds
// buckets, with a trace_id exemplar when one is known and v's bucket had
// none in the last exemplarInterval (by the event's time). Called with the
// sink's lock held.
func (s *Sink) observe(o prometheus.Observer, buckets []float64, v float64, x *exemplar) {
	if _, ok := o.(prometheus.ExemplarObserver); !ok || x == nil || x.fn == nil || x.session == 0 {
		o.Observe(v)
		return
	}
	times, seen := s.exemplarAt[o]
	if !seen && len(s.exemplarAt) < maxExemplarSeries {
		times = make(bucketTimes, len(buckets)+1)
		s.exemplarAt[o] = times
	}
	i := -1
	if times != nil {
		// client_golang's bucket: the first upper bound >= v, else +Inf
		// (NaN included).
		i = sort.SearchFloat64s(buckets, v)
		if t := times[i]; t != 0 && x.at >= t && x.at-t < exemplarInterval {
			o.Observe(v)
			return
		}
	}
	if i >= 0 && x.get() != nil {
		times[i] = x.at // the interval starts with an exemplar made
	}
	observeTraced(o, v, x)
}

// observeTraced records v into o with a trace_id exemplar whenever one is
// known: for the setup histograms (ICE, DTLS), observed once per handle,
// where each observation is another session worth finding from its bucket
// and costs nothing per packet.
func observeTraced(o prometheus.Observer, v float64, x *exemplar) {
	if eo, ok := o.(prometheus.ExemplarObserver); ok {
		if l := x.get(); l != nil {
			eo.ObserveWithExemplar(v, l)
			return
		}
	}
	o.Observe(v)
}

// eventTime is e's timestamp (µs), or now for an event without one.
func eventTime(e *telemetry.Event) int64 {
	if e.Timestamp > 0 {
		return e.Timestamp
	}
	return telemetry.Now()
}
