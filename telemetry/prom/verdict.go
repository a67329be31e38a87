package prom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/argusrtc/argus/telemetry/verdict"
)

// outcomeMetrics count the verdicts of telemetry/verdict, every outcome
// present at 0 from start-up so a healthy node shows 0, not "No data".
type outcomeMetrics struct {
	sessions *prometheus.CounterVec
	pcs      *prometheus.CounterVec
}

func newOutcomeMetrics() *outcomeMetrics {
	m := &outcomeMetrics{
		sessions: counterVec("argus_session_outcomes_total",
			"Sessions ended, by verdict outcome (telemetry/verdict).", "outcome"),
		pcs: counterVec("argus_peerconnection_outcomes_total",
			"PeerConnections ended, by verdict outcome (telemetry/verdict).", "outcome"),
	}
	for _, o := range verdict.Outcomes() {
		m.sessions.WithLabelValues(string(o))
		m.pcs.WithLabelValues(string(o))
	}
	return m
}

// observe counts a verdict event (type 4, schema argus.verdict).
func (m *outcomeMetrics) observe(b verdict.Body) {
	outcome := string(b.Data.Outcome)
	if !knownOutcome(outcome) {
		return // bounded labels: only the documented outcomes
	}
	switch b.Data.Scope {
	case verdict.ScopeSession:
		m.sessions.WithLabelValues(outcome).Inc()
	case verdict.ScopePeerConnection:
		m.pcs.WithLabelValues(outcome).Inc()
	}
}

func knownOutcome(s string) bool {
	for _, o := range verdict.Outcomes() {
		if string(o) == s {
			return true
		}
	}
	return false
}
