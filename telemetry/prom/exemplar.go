package prom

import "github.com/prometheus/client_golang/prometheus"

// exemplar resolves, at most once per event, the trace id of the event's
// session.
type exemplar struct {
	fn      func(sessionID uint64) string
	session uint64
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

// observe records v, with a trace_id exemplar when one is known.
func (s *Sink) observe(o prometheus.Observer, v float64, x *exemplar) {
	if l := x.get(); l != nil {
		if eo, ok := o.(prometheus.ExemplarObserver); ok {
			eo.ObserveWithExemplar(v, l)
			return
		}
	}
	o.Observe(v)
}
