// Package refusaltest reads a transport's refused connections the way an
// SRE does: from argus_transport_connections_refused_total, gathered from
// a Prometheus registry that holds the collector cmd/argus registers.
package refusaltest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/telemetry/prom"
	"github.com/argusrtc/argus/transports"
)

const metric = "argus_transport_connections_refused_total"

// Metrics is the refusal counters of every registered transport, exported
// through a registry of their own.
type Metrics struct {
	Refusals *transports.Refusals
	reg      *prometheus.Registry
}

// New returns the counters of every transport registered so far, and the
// registry that exports them.
func New(t testing.TB) *Metrics {
	t.Helper()
	m := &Metrics{Refusals: transports.NewRefusals(), reg: prometheus.NewPedanticRegistry()}
	m.reg.MustRegister(prom.NewTransportCollector(func() []prom.TransportStat {
		var out []prom.TransportStat
		for _, r := range transports.Registered() {
			out = append(out, prom.TransportStat{Transport: r.Package, Refused: m.Refusals.For(r.Package).Counts()})
		}
		return out
	}))
	return m
}

// Value gathers the registry and returns the series of pkg and reason;
// ok is false when there is none.
func (m *Metrics) Value(t testing.TB, pkg, reason string) (v float64, ok bool) {
	t.Helper()
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != metric {
			continue
		}
		for _, s := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["transport"] == pkg && labels["reason"] == reason {
				return s.GetCounter().GetValue(), true
			}
		}
	}
	return 0, false
}

// Want fails t unless the series of pkg and reason is present with value
// want.
func (m *Metrics) Want(t testing.TB, pkg, reason string, want float64) {
	t.Helper()
	if v, ok := m.Value(t, pkg, reason); !ok || v != want {
		t.Errorf("%s{transport=%q,reason=%q} = %v (present %v), want %v", metric, pkg, reason, v, ok, want)
	}
}
