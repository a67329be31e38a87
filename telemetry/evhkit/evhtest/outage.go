package evhtest

import (
	"context"
	"testing"
	"time"

	"github.com/argusrtc/argus/telemetry"
	"github.com/argusrtc/argus/telemetry/evhkit"
)

// StatsSink is a broker sink built on evhkit.
type StatsSink interface {
	telemetry.Sink
	Stats() evhkit.Stats
}

// OutageEmitter is the emitter of the events Outage exports while the
// broker is away.
const OutageEmitter = "down"

// Outage takes the broker away with stop, checks that exports (of events
// of OutageEmitter) fail within bounded time with their events counted as
// dropped and the failed connection attempts counted, brings it back with
// restart and waits (at most 30 s) until an export of after succeeds
// again. Configure the sink with a short reconnect_backoff/reconnect_max.
func Outage(t *testing.T, s StatsSink, stop, restart func(), after []*telemetry.Event) {
	t.Helper()
	ctx := context.Background()
	before := s.Stats()
	stop()
	start := time.Now()
	failed := 0
	for i := 0; i < 200 && (i < 5 || s.Stats().ConnectionFailures == before.ConnectionFailures); i++ {
		if err := s.Export(ctx, Events(OutageEmitter, 3)); err != nil {
			failed++
		}
		time.Sleep(50 * time.Millisecond)
	}
	st := s.Stats()
	if failed == 0 || st.Dropped <= before.Dropped || st.ConnectionFailures <= before.ConnectionFailures {
		t.Fatalf("broker down: %d exports failed, stats %+v (before %+v)", failed, st, before)
	}
	if d := time.Since(start); d > 60*time.Second {
		t.Fatalf("exports with the broker down took %v", d)
	}
	restart()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := s.Export(ctx, after)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reconnect within 30 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s.Stats().Connects <= before.Connects {
		t.Fatalf("no new connection: %+v", s.Stats())
	}
}
