package prom

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/verdict"
)

func TestSinkCountsVerdictOutcomes(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	s, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	// Every outcome is there at 0 before any verdict.
	if n := testutil.CollectAndCount(s, "argus_session_outcomes_total"); n != len(verdict.Outcomes()) {
		t.Fatalf("%d session outcome series at start-up, want %d", n, len(verdict.Outcomes()))
	}
	batch := []*telemetry.Event{
		verdict.Event(verdict.Verdict{Scope: verdict.ScopePeerConnection, Outcome: verdict.OutcomeICEFailed, SessionID: 1, HandleID: 2}, "t"),
		verdict.Event(verdict.Verdict{Scope: verdict.ScopeSession, Outcome: verdict.OutcomeICEFailed, SessionID: 1}, "t"),
		verdict.Event(verdict.Verdict{Scope: verdict.ScopeSession, Outcome: verdict.OutcomeOK, SessionID: 3}, "t"),
		// Not ours, and an unknown outcome: neither is counted.
		{Type: telemetry.TypeExternal, Body: map[string]any{"schema": "custom", "data": map[string]any{"scope": "session", "outcome": "ok"}}},
		{Type: telemetry.TypeExternal, Body: map[string]any{"schema": verdict.Schema, "data": map[string]any{"scope": "session", "outcome": "made-up"}}},
	}
	if err := s.Export(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		vec     *prometheus.CounterVec
		outcome verdict.Outcome
		want    float64
	}{
		{s.m.outcomes.sessions, verdict.OutcomeICEFailed, 1},
		{s.m.outcomes.sessions, verdict.OutcomeOK, 1},
		{s.m.outcomes.sessions, verdict.OutcomeDropped, 0},
		{s.m.outcomes.pcs, verdict.OutcomeICEFailed, 1},
	} {
		if got := testutil.ToFloat64(c.vec.WithLabelValues(string(c.outcome))); got != c.want {
			t.Errorf("%s = %v, want %v", c.outcome, got, c.want)
		}
	}
	if n := testutil.CollectAndCount(s, "argus_session_outcomes_total"); n != len(verdict.Outcomes()) {
		t.Errorf("%d session outcome series, want %d (no label for an unknown outcome)", n, len(verdict.Outcomes()))
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}
